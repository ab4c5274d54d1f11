// Scheduling benchmark against a running local cluster (bench/scheduling/run.sh starts one).
//
// Prints: the latency from submit to success of a 5-component Probe chain (sleep_ms 0) over
// three parties (median of N runs), beside the floor measured in the same run (spawning and
// reaping a fedflow-task that runs a no-op Probe, one ZooKeeper write, one Thrift round trip);
// and throughput: M concurrent 5-component jobs, tasks completed per second.
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include <gflags/gflags.h>
#include <glog/logging.h>

#include "AgentService.h"
#include "CoordinatorService.h"
#include "common/cluster_layout.h"
#include "common/json_util.h"
#include "common/rpc/client_pool.h"
#include "common/rpc/thrift_status.h"
#include "common/zk/zk_client.h"
#include "common_constants.h"

DEFINE_string(zk, "", "ZooKeeper of the cluster");
DEFINE_string(bin_dir, "", "Directory of fedflow-task (default: next to this binary's ../bin)");
DEFINE_int32(runs, 20, "Chain runs for the latency median");
DEFINE_int32(jobs, 100, "Concurrent jobs for the throughput figure");
DEFINE_string(guest, "9999", "guest party");
DEFINE_string(host, "10000", "host party");
DEFINE_string(arbiter, "10001", "arbiter party");

using Clock = std::chrono::steady_clock;
using fedflow::Json;
namespace thrift = fedflow::thrift;

static double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

static double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

static std::string ChainDsl() {
  Json c = Json::object();
  for (int i = 0; i < 5; ++i) {
    Json comp{{"module", "Probe"}, {"output", {{"data", {"data"}}}}};
    if (i > 0) comp["input"] = {{"data", {{"data", {"probe_" + std::to_string(i - 1) + ".data"}}}}};
    c["probe_" + std::to_string(i)] = comp;
  }
  return fedflow::DumpJson(Json{{"components", c}});
}

static std::string ChainConf() {
  Json conf{{"dsl_version", 2},
            {"initiator", {{"role", "guest"}, {"party_id", std::stoll(FLAGS_guest)}}},
            {"role",
             {{"guest", {std::stoll(FLAGS_guest)}},
              {"host", {std::stoll(FLAGS_host)}},
              {"arbiter", {std::stoll(FLAGS_arbiter)}}}},
            {"job_parameters", {{"common", {{"task_parallelism", 1}}}}}};
  return fedflow::DumpJson(conf);
}

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = 1;
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  google::InitGoogleLogging(argv[0]);
  if (FLAGS_zk.empty()) {
    std::fprintf(stderr, "--zk is required (see bench/scheduling/run.sh)\n");
    return 2;
  }
  fedflow::zk::ZkOptions zo;
  zo.hosts = FLAGS_zk;
  auto zk = fedflow::zk::ZkClient::Connect(zo);
  if (!zk.ok()) {
    std::fprintf(stderr, "%s\n", zk.status().ToString().c_str());
    return 1;
  }
  fedflow::ClusterLayout layout;
  auto leader = fedflow::FindLeaderEndpoint(zk->get(), layout);
  auto agents = fedflow::ListAgents(zk->get(), layout);
  if (!leader.ok() || !agents.ok() || agents->empty()) {
    std::fprintf(stderr, "no leader or no agents in the cluster\n");
    return 1;
  }
  fedflow::rpc::ClientPool<thrift::CoordinatorServiceClient> coord;
  fedflow::rpc::ClientPool<thrift::AgentServiceClient> agent_pool;
  const int32_t proto = thrift::g_common_constants.PROTOCOL_VERSION;

  // ---- Floor 1: spawn and reap fedflow-task running a no-op Probe.
  std::string bin = FLAGS_bin_dir.empty()
                        ? std::filesystem::canonical("/proc/self/exe").parent_path().string() +
                              "/../bin"
                        : FLAGS_bin_dir;
  std::string task_bin = bin + "/fedflow-task";
  std::string dir = std::filesystem::temp_directory_path() / "fedflow-sched-bench-task";
  std::filesystem::create_directories(dir);
  {
    Json task{{"job_id", "bench"}, {"component", "probe_0"}, {"role", "guest"},
              {"party_id", 9999},  {"task_version", 0},      {"module", "Probe"},
              {"job_parameters", Json::object()}, {"component_parameters", Json::object()},
              {"agent_endpoint", ""}};
    std::ofstream(dir + "/task.json") << fedflow::DumpJson(task);
  }
  std::vector<double> spawn_ms;
  for (int i = 0; i < 20; ++i) {
    std::string arg = "--task_dir=" + dir;
    char* args[] = {const_cast<char*>(task_bin.c_str()), const_cast<char*>(arg.c_str()), nullptr};
    auto t0 = Clock::now();
    pid_t pid;
    if (posix_spawn(&pid, task_bin.c_str(), nullptr, nullptr, args, environ) != 0) {
      std::fprintf(stderr, "cannot spawn %s\n", task_bin.c_str());
      return 1;
    }
    int st;
    waitpid(pid, &st, 0);
    spawn_ms.push_back(Ms(Clock::now() - t0));
  }
  // ---- Floor 2: one ZooKeeper write (a versioned set, as the scheduler does).
  std::string node = "/fedflow/bench-node";
  (*zk)->Create(node, "x").status().IgnoreError();
  std::vector<double> zk_ms;
  for (int i = 0; i < 100; ++i) {
    auto t0 = Clock::now();
    fedflow::Status s = (*zk)->Set(node, std::string(200, 'x'));
    zk_ms.push_back(Ms(Clock::now() - t0));
    if (!s.ok()) return 1;
  }
  (*zk)->Delete(node).IgnoreError();
  // ---- Floor 3: one Thrift round trip (AgentService.Ping over a pooled connection).
  std::vector<double> rpc_ms;
  for (int i = 0; i < 100; ++i) {
    thrift::TPingRequest req;
    req.protocol_version = proto;
    thrift::TPingResponse resp;
    auto t0 = Clock::now();
    fedflow::Status s = agent_pool.Call(
        agents->front().endpoint, [&](thrift::AgentServiceClient& c) { c.Ping(resp, req); },
        fedflow::rpc::Idempotency::kIdempotent);
    rpc_ms.push_back(Ms(Clock::now() - t0));
    if (!s.ok()) return 1;
  }

  auto submit = [&](std::string* job_id) -> fedflow::Status {
    thrift::TSubmitJobRequest req;
    req.protocol_version = proto;
    req.dsl_json = ChainDsl();
    req.conf_json = ChainConf();
    thrift::TSubmitJobResponse resp;
    RETURN_NOT_OK(coord.Call(*leader, [&](thrift::CoordinatorServiceClient& c) {
      c.SubmitJob(resp, req);
    }, fedflow::rpc::Idempotency::kNotIdempotent));
    RETURN_NOT_OK(fedflow::rpc::FromThrift(resp.status));
    *job_id = resp.job_id;
    return fedflow::Status::OK();
  };
  auto query = [&](const std::string& id, thrift::TJobInfo* out) -> fedflow::Status {
    thrift::TQueryJobRequest req;
    req.protocol_version = proto;
    req.job_id = id;
    thrift::TQueryJobResponse resp;
    RETURN_NOT_OK(coord.Call(*leader, [&](thrift::CoordinatorServiceClient& c) {
      c.QueryJob(resp, req);
    }, fedflow::rpc::Idempotency::kIdempotent));
    RETURN_NOT_OK(fedflow::rpc::FromThrift(resp.status));
    *out = resp.job;
    return fedflow::Status::OK();
  };
  auto ended = [](const std::string& s) {
    return s == "success" || s == "failed" || s == "canceled" || s == "timeout";
  };

  // ---- Latency of the 5-component chain.
  std::vector<double> client_ms, server_ms;
  for (int i = 0; i < FLAGS_runs; ++i) {
    std::string id;
    auto t0 = Clock::now();
    fedflow::Status s = submit(&id);
    if (!s.ok()) {
      std::fprintf(stderr, "submit: %s\n", s.ToString().c_str());
      return 1;
    }
    thrift::TJobInfo j;
    do {
      s = query(id, &j);
      if (!s.ok()) return 1;
      if (!ended(j.status)) std::this_thread::sleep_for(std::chrono::microseconds(500));
    } while (!ended(j.status));
    if (j.status != "success") {
      std::fprintf(stderr, "job %s ended %s: %s\n", id.c_str(), j.status.c_str(),
                   j.fail_reason.c_str());
      return 1;
    }
    client_ms.push_back(Ms(Clock::now() - t0));
    server_ms.push_back(static_cast<double>(j.end_time_ms - j.create_time_ms));
  }

  // ---- Throughput: M jobs submitted at once.
  std::vector<std::string> ids(FLAGS_jobs);
  auto t0 = Clock::now();
  std::vector<std::thread> submitters;
  std::atomic<int> failures{0};
  for (int t = 0; t < 8; ++t) {
    submitters.emplace_back([&, t] {
      for (int i = t; i < FLAGS_jobs; i += 8) {
        if (!submit(&ids[i]).ok()) failures++;
      }
    });
  }
  for (auto& t : submitters) t.join();
  int done = 0, succeeded = 0;
  size_t tasks = 0;
  std::vector<bool> finished(FLAGS_jobs, false);
  while (done < FLAGS_jobs - failures) {
    for (int i = 0; i < FLAGS_jobs; ++i) {
      if (finished[i] || ids[i].empty()) continue;
      thrift::TJobInfo j;
      if (!query(ids[i], &j).ok() || !ended(j.status)) continue;
      finished[i] = true;
      done++;
      if (j.status == "success") succeeded++;
      tasks += j.tasks.size();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();

  double spawn = Median(spawn_ms), zkw = Median(zk_ms), rpc = Median(rpc_ms);
  std::printf("floor: spawn+reap fedflow-task (no-op Probe)  %8.2f ms (median of 20)\n", spawn);
  std::printf("floor: one ZooKeeper write                    %8.3f ms (median of 100)\n", zkw);
  std::printf("floor: one Thrift round trip                  %8.3f ms (median of 100)\n", rpc);
  // Per component on the critical path: one start write, the dispatch RPC, the task process,
  // and two report writes (running, success) of the last party; 5 components in sequence.
  double floor = 5 * (spawn + 3 * zkw + 2 * rpc);
  std::printf("floor of a 5-component chain (5 x (spawn + 3 zk writes + 2 rpcs)) %8.1f ms\n", floor);
  std::printf("5-component Probe chain, 3 parties: median %.1f ms submit->success seen by the "
              "client, %.1f ms in the coordinator's record (%d runs); %.2fx the floor\n",
              Median(client_ms), Median(server_ms), FLAGS_runs, Median(client_ms) / floor);
  std::printf("throughput: %d concurrent 5-component jobs (%d succeeded, %d refused): %zu tasks "
              "in %.2f s = %.0f tasks/s\n",
              FLAGS_jobs, succeeded, failures.load(), tasks, secs, tasks / secs);
  return succeeded == FLAGS_jobs ? 0 : 1;
}
