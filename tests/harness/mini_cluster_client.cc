// MiniCluster: the client side (calls to the leader coordinator and to agents) and the scan
// for task processes.
#include "tests/harness/mini_cluster.h"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include "AgentService.h"
#include "CoordinatorService.h"
#include "common/cluster_layout.h"
#include "common/rpc/client_pool.h"
#include "common/rpc/thrift_status.h"
#include "common/zk/zk_client.h"

namespace fs = std::filesystem;

namespace fedflow::testing {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// Between retries of a call while a leader is being elected: a poll, not a synchronisation.
constexpr milliseconds kRetryPause(50);

bool IsEndStatus(const std::string& s) {
  return s == "success" || s == "failed" || s == "canceled" || s == "timeout";
}

int32_t Proto() { return rpc::ProtocolVersion(); }

}  // namespace

std::vector<pid_t> MiniCluster::TaskProcesses(const std::string& job_id) const {
  std::vector<pid_t> out;
  if (options_.dir.empty()) return out;
  const std::string prefix = "--task_dir=" + options_.dir + "/";
  const std::string job_part = "/jobs/" + job_id + "/";
  DIR* proc = opendir("/proc");
  if (proc == nullptr) return out;
  while (dirent* e = readdir(proc)) {
    const std::string name = e->d_name;
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    std::ifstream in("/proc/" + name + "/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.empty()) continue;  // A zombie or a kernel thread.
    std::vector<std::string> args;
    std::stringstream ss(cmdline);
    for (std::string a; std::getline(ss, a, '\0');) args.push_back(a);
    if (args.empty() || fs::path(args[0]).filename() != "fedflow-task") continue;
    for (const std::string& a : args) {
      if (a.compare(0, prefix.size(), prefix) != 0) continue;
      if (job_id.empty() || a.find(job_part) != std::string::npos) {
        out.push_back(static_cast<pid_t>(std::strtol(name.c_str(), nullptr, 10)));
      }
      break;
    }
  }
  closedir(proc);
  return out;
}

Status MiniCluster::CallLeader(const std::function<void(thrift::CoordinatorServiceClient&)>& call,
                               const std::function<const thrift::TStatus&()>& status,
                               bool idempotent, milliseconds patience) {
  if (coordinator_pool_ == nullptr || zk_client_ == nullptr) {
    return Status::IllegalState("the mini cluster is not started");
  }
  const auto deadline = Clock::now() + patience;
  std::string redirect;
  Status last;
  while (true) {
    std::string endpoint = redirect;
    redirect.clear();
    if (endpoint.empty()) {
      auto leader = FindLeaderEndpoint(zk_client_.get(), ClusterLayout{});
      if (leader.ok()) endpoint = *leader;
      last = leader.status();
    }
    if (!endpoint.empty()) {
      last = coordinator_pool_->Call(
          endpoint, call,
          idempotent ? rpc::Idempotency::kIdempotent : rpc::Idempotency::kNotIdempotent);
      if (!last.ok()) {
        last = last.CloneAndPrepend("coordinator " + endpoint);
        // The request may have been applied: only an idempotent call can go again.
        if (!idempotent) return last;
        coordinator_pool_->DropEndpoint(endpoint);
      } else {
        const thrift::TStatus& ts = status();
        last = rpc::FromThrift(ts);
        if (last.IsNotLeader()) {
          if (ts.__isset.leader_endpoint && ts.leader_endpoint != endpoint) {
            redirect = ts.leader_endpoint;
            continue;  // Follow the redirect at once.
          }
        } else if (!(last.IsUnavailable() &&
                     last.message().find("has no live agent") != std::string::npos)) {
          return last;  // The leader's answer, good or bad.
        }
      }
    }
    if (Clock::now() >= deadline) return last;
    std::this_thread::sleep_for(kRetryPause);
  }
}

Result<std::string> MiniCluster::Submit(const std::string& dsl_json, const std::string& conf_json) {
  thrift::TSubmitJobRequest req;
  req.protocol_version = Proto();
  req.dsl_json = dsl_json;
  req.conf_json = conf_json;
  thrift::TSubmitJobResponse resp;
  RETURN_NOT_OK(CallLeader([&](thrift::CoordinatorServiceClient& c) { c.SubmitJob(resp, req); },
                           [&]() -> const thrift::TStatus& { return resp.status; }, false,
                           milliseconds(15000)));
  return resp.job_id;
}

Result<thrift::TJobInfo> MiniCluster::Query(const std::string& job_id) {
  return QueryWithPatience(job_id, patience());
}

Result<thrift::TJobInfo> MiniCluster::QueryWithPatience(const std::string& job_id,
                                                        milliseconds patience) {
  thrift::TQueryJobRequest req;
  req.protocol_version = Proto();
  req.job_id = job_id;
  thrift::TQueryJobResponse resp;
  RETURN_NOT_OK(CallLeader([&](thrift::CoordinatorServiceClient& c) { c.QueryJob(resp, req); },
                           [&]() -> const thrift::TStatus& { return resp.status; }, true,
                           patience));
  return resp.job;
}

Result<std::vector<thrift::TJobInfo>> MiniCluster::ListJobs() {
  thrift::TListJobsRequest req;
  req.protocol_version = Proto();
  req.__set_limit(0);
  thrift::TListJobsResponse resp;
  RETURN_NOT_OK(CallLeader([&](thrift::CoordinatorServiceClient& c) { c.ListJobs(resp, req); },
                           [&]() -> const thrift::TStatus& { return resp.status; }, true,
                           patience()));
  return resp.jobs;
}

Status MiniCluster::StopJob(const std::string& job_id, const std::string& stop_status) {
  thrift::TStopJobRequest req;
  req.protocol_version = Proto();
  req.job_id = job_id;
  req.__set_stop_status(stop_status);
  thrift::TStopJobResponse resp;
  return CallLeader([&](thrift::CoordinatorServiceClient& c) { c.StopJob(resp, req); },
                    [&]() -> const thrift::TStatus& { return resp.status; }, true, patience());
}

Result<std::vector<std::string>> MiniCluster::Rerun(const std::string& job_id,
                                                    const std::string& component, bool force) {
  thrift::TRerunJobRequest req;
  req.protocol_version = Proto();
  req.job_id = job_id;
  if (!component.empty()) req.__set_component(component);
  req.__set_force(force);
  thrift::TRerunJobResponse resp;
  RETURN_NOT_OK(CallLeader([&](thrift::CoordinatorServiceClient& c) { c.RerunJob(resp, req); },
                           [&]() -> const thrift::TStatus& { return resp.status; }, false,
                           milliseconds(15000)));
  return resp.components;
}

Result<thrift::TJobInfo> MiniCluster::WaitForEnd(const std::string& job_id, milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string last = "never answered";
  while (true) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    auto job = QueryWithPatience(job_id, std::max(left, milliseconds(0)));
    if (job.ok()) {
      if (IsEndStatus(job->status)) return job;
      std::string running;
      for (const thrift::TTaskInfo& t : job->tasks) {
        if (t.party_status == "running") {
          running += " " + t.component + "/" + t.role + "/" + std::to_string(t.party_id);
        }
      }
      last = job->status + " (" + std::to_string(job->progress) +
             "%), running:" + (running.empty() ? " none" : running);
    } else if (job.status().IsNotFound() || job.status().IsInvalidArgument()) {
      return job.status();
    } else {
      last = job.status().ToString();
    }
    if (left.count() <= 0) {
      return Status::TimedOut("job " + job_id + " did not end within " +
                              std::to_string(timeout.count()) + " ms; last: " + last);
    }
    std::this_thread::sleep_for(milliseconds(20));
  }
}

Result<std::vector<thrift::TAgentTask>> MiniCluster::AgentTasks(int64_t party_id, int index,
                                                                const std::string& job_id) {
  const Daemon* d = FindAgent(party_id, index);
  if (d == nullptr) return Status::NotFound("no agent " + AgentId(party_id, index));
  if (agent_pool_ == nullptr) return Status::IllegalState("the mini cluster is not started");
  thrift::TQueryAgentTasksRequest req;
  req.protocol_version = Proto();
  req.__set_job_id(job_id);
  thrift::TQueryAgentTasksResponse resp;
  RETURN_NOT_OK(agent_pool_->Call(
      d->endpoint, [&](thrift::AgentServiceClient& c) { c.QueryTasks(resp, req); },
      rpc::Idempotency::kIdempotent));
  RETURN_NOT_OK(rpc::FromThrift(resp.status));
  return resp.tasks;
}

}  // namespace fedflow::testing
