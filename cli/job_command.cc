#include "cli/job_command.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/coordinator_client.h"
#include "common/json_util.h"
#include "common_constants.h"

namespace fedflow::cli {

namespace {

int32_t Proto() { return thrift::g_common_constants.PROTOCOL_VERSION; }

std::string FormatTime(int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t t = ms / 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  char out[80];
  std::snprintf(out, sizeof(out), "%s.%03d", buf, static_cast<int>(ms % 1000));
  return out;
}

std::string Elapsed(const thrift::TJobInfo& j) {
  if (!j.__isset.start_time_ms || j.start_time_ms <= 0) return "-";
  int64_t end = j.__isset.end_time_ms && j.end_time_ms > 0
                    ? j.end_time_ms
                    : std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return std::to_string(end - j.start_time_ms) + " ms";
}

Json TaskJson(const thrift::TTaskInfo& t) {
  return Json{{"component", t.component},  {"role", t.role},
              {"party_id", t.party_id},    {"task_version", t.task_version},
              {"status", t.status},        {"party_status", t.party_status},
              {"agent_id", t.agent_id},    {"start_time", t.start_time_ms},
              {"end_time", t.end_time_ms}, {"error", t.error}};
}

Json JobJson(const thrift::TJobInfo& j) {
  Json out{{"job_id", j.job_id},
           {"status", j.status},
           {"progress", j.progress},
           {"create_time", j.create_time_ms},
           {"start_time", j.start_time_ms},
           {"end_time", j.end_time_ms},
           {"initiator_role", j.initiator_role},
           {"initiator_party_id", j.initiator_party_id},
           {"fail_reason", j.fail_reason},
           {"model_info", {{"model_id", j.model_id}, {"model_version", j.model_version}}}};
  auto roles = ParseJson(j.roles_json, "roles");
  out["roles"] = roles.ok() ? *roles : Json::object();
  if (j.__isset.tasks) {
    Json tasks = Json::array();
    for (const auto& t : j.tasks) tasks.push_back(TaskJson(t));
    out["tasks"] = tasks;
  }
  return out;
}

void PrintTasks(const std::vector<thrift::TTaskInfo>& tasks) {
  std::printf("%-28s %-8s %-8s %-3s %-9s %-12s %-16s %-23s %-23s %s\n", "component", "role",
              "party", "ver", "status", "party_status", "agent", "start", "end", "error");
  for (const auto& t : tasks) {
    std::printf("%-28s %-8s %-8lld %-3d %-9s %-12s %-16s %-23s %-23s %s\n", t.component.c_str(),
                t.role.c_str(), static_cast<long long>(t.party_id), t.task_version,
                t.status.c_str(), t.party_status.c_str(), t.agent_id.c_str(),
                FormatTime(t.start_time_ms).c_str(), FormatTime(t.end_time_ms).c_str(),
                t.error.c_str());
  }
}

// Reads a whole file; errors name it.
Result<std::string> ReadFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return Status::NotFound(path + ": cannot open file");
  std::string out;
  char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  std::fclose(f);
  return out;
}

int Fail(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return s.IsInvalidArgument() || s.IsNotFound() ? 2 : 1;
}

struct Common {
  ClusterAddress address;
  bool json = false;
};

void AddClusterOptions(CLI::App* cmd, Common* c) {
  cmd->add_option("--zk", c->address.zk, "ZooKeeper connect string (default: $FEDFLOW_ZK)");
  cmd->add_option("--zk-root", c->address.zk_root, "Root of fedflow's nodes in ZooKeeper");
  cmd->add_option("--coordinator", c->address.coordinator,
                  "A coordinator's host:port (instead of looking up the leader in ZooKeeper)");
}

}  // namespace

void RegisterJobCommands(CLI::App* app, int* exit_code) {
  // Options live as long as the app: main() parses and runs callbacks within its scope.
  static Common common;
  CLI::App* job = app->add_subcommand("job", "Submit, watch, stop and rerun jobs");
  job->require_subcommand(1);

  // job submit
  static std::string dsl, conf, train_dsl, train_conf;
  CLI::App* submit = job->add_subcommand("submit", "Submit a job (DSL + runtime conf)");
  submit->add_option("-d,--dsl", dsl, "DSL file")->check(CLI::ExistingFile);
  submit->add_option("-c,--conf", conf, "Runtime conf file")->required()->check(CLI::ExistingFile);
  submit->add_option("--train-dsl", train_dsl, "Training DSL (predict jobs)")
      ->check(CLI::ExistingFile);
  submit->add_option("--train-conf", train_conf, "Training conf (predict jobs)")
      ->check(CLI::ExistingFile);
  submit->add_flag("--json", common.json, "Print the whole response as JSON");
  AddClusterOptions(submit, &common);
  submit->callback([exit_code] {
    thrift::TSubmitJobRequest req;
    req.protocol_version = Proto();
    for (auto [path, field] : {std::pair{&dsl, &req.dsl_json}, std::pair{&conf, &req.conf_json},
                               std::pair{&train_dsl, &req.train_dsl_json},
                               std::pair{&train_conf, &req.train_conf_json}}) {
      if (path->empty()) continue;
      auto text = ReadFile(*path);
      if (!text.ok()) {
        *exit_code = Fail(text.status());
        return;
      }
      *field = *text;
    }
    if (!train_dsl.empty()) req.__isset.train_dsl_json = true;
    if (!train_conf.empty()) req.__isset.train_conf_json = true;
    CoordinatorClient client(common.address);
    thrift::TSubmitJobResponse resp;
    Status s = client.Invoke(&thrift::CoordinatorServiceClient::SubmitJob, req, &resp,
                             rpc::Idempotency::kNotIdempotent);
    if (!s.ok()) {
      *exit_code = Fail(s.CloneAndPrepend("job submit refused"));
      return;
    }
    Json model_info{{"model_id", resp.model_id}, {"model_version", resp.model_version}};
    if (common.json) {
      Json out{{"retcode", 0},
               {"retmsg", "success"},
               {"jobId", resp.job_id},
               {"data", {{"job_id", resp.job_id}, {"model_info", model_info}}}};
      std::cout << DumpJson(out, 4) << std::endl;
    } else {
      std::cout << "job_id: " << resp.job_id << "\nmodel_info: " << DumpJson(model_info)
                << std::endl;
    }
    *exit_code = 0;
  });

  // job query
  static std::string job_id;
  CLI::App* query = job->add_subcommand("query", "Show a job's status and its tasks");
  query->add_option("-j,--job-id", job_id, "Job id")->required();
  query->add_flag("--json", common.json, "Print JSON");
  AddClusterOptions(query, &common);
  query->callback([exit_code] {
    CoordinatorClient client(common.address);
    thrift::TQueryJobRequest req;
    req.protocol_version = Proto();
    req.job_id = job_id;
    thrift::TQueryJobResponse resp;
    Status s = client.Invoke(&thrift::CoordinatorServiceClient::QueryJob, req, &resp,
                             rpc::Idempotency::kIdempotent);
    if (!s.ok()) {
      *exit_code = Fail(s);
      return;
    }
    const thrift::TJobInfo& j = resp.job;
    if (common.json) {
      std::cout << DumpJson(JobJson(j), 4) << std::endl;
    } else {
      std::printf("job %s: %s (progress %d%%)\n", j.job_id.c_str(), j.status.c_str(), j.progress);
      std::printf("  created %s, started %s, ended %s, elapsed %s\n",
                  FormatTime(j.create_time_ms).c_str(), FormatTime(j.start_time_ms).c_str(),
                  FormatTime(j.end_time_ms).c_str(), Elapsed(j).c_str());
      std::printf("  initiator %s %lld, roles %s\n", j.initiator_role.c_str(),
                  static_cast<long long>(j.initiator_party_id), j.roles_json.c_str());
      if (!j.fail_reason.empty()) std::printf("  reason: %s\n", j.fail_reason.c_str());
      std::printf("\n");
      PrintTasks(j.tasks);
    }
    *exit_code = 0;
  });

  // job list
  static int limit = 20;
  static std::string status_filter;
  CLI::App* list = job->add_subcommand("list", "List jobs, newest first");
  list->add_option("-l,--limit", limit, "At most this many jobs (0: all)");
  list->add_option("-s,--status", status_filter, "Only jobs with this status");
  list->add_flag("--json", common.json, "Print JSON");
  AddClusterOptions(list, &common);
  list->callback([exit_code] {
    CoordinatorClient client(common.address);
    thrift::TListJobsRequest req;
    req.protocol_version = Proto();
    req.__set_limit(limit);
    if (!status_filter.empty()) req.__set_status_filter(status_filter);
    thrift::TListJobsResponse resp;
    Status s = client.Invoke(&thrift::CoordinatorServiceClient::ListJobs, req, &resp,
                             rpc::Idempotency::kIdempotent);
    if (!s.ok()) {
      *exit_code = Fail(s);
      return;
    }
    if (common.json) {
      Json out = Json::array();
      for (const auto& j : resp.jobs) out.push_back(JobJson(j));
      std::cout << DumpJson(out, 4) << std::endl;
    } else {
      std::printf("%-24s %-9s %-8s %-23s %-12s %s\n", "job_id", "status", "progress", "created",
                  "elapsed", "reason");
      for (const auto& j : resp.jobs) {
        std::printf("%-24s %-9s %-8s %-23s %-12s %s\n", j.job_id.c_str(), j.status.c_str(),
                    (std::to_string(j.progress) + "%").c_str(),
                    FormatTime(j.create_time_ms).c_str(), Elapsed(j).c_str(),
                    j.fail_reason.c_str());
      }
    }
    *exit_code = 0;
  });

  // job stop
  CLI::App* stop = job->add_subcommand("stop", "Cancel a job: every running task is stopped");
  stop->add_option("-j,--job-id", job_id, "Job id")->required();
  AddClusterOptions(stop, &common);
  stop->callback([exit_code] {
    CoordinatorClient client(common.address);
    thrift::TStopJobRequest req;
    req.protocol_version = Proto();
    req.job_id = job_id;
    req.__set_stop_status("canceled");
    thrift::TStopJobResponse resp;
    Status s = client.Invoke(&thrift::CoordinatorServiceClient::StopJob, req, &resp,
                             rpc::Idempotency::kIdempotent);
    if (!s.ok()) {
      *exit_code = Fail(s);
      return;
    }
    std::cout << "job " << job_id << " canceled" << std::endl;
    *exit_code = 0;
  });

  // job rerun
  static std::string component;
  static bool force = false;
  CLI::App* rerun = job->add_subcommand("rerun",
                                        "Rerun a finished job, or a component and "
                                        "everything downstream of it");
  rerun->add_option("-j,--job-id", job_id, "Job id")->required();
  rerun->add_option("--component,--cpn", component, "Start from this component");
  rerun->add_flag("--force", force, "Rerun components that succeeded too");
  AddClusterOptions(rerun, &common);
  rerun->callback([exit_code] {
    CoordinatorClient client(common.address);
    thrift::TRerunJobRequest req;
    req.protocol_version = Proto();
    req.job_id = job_id;
    if (!component.empty()) req.__set_component(component);
    req.__set_force(force);
    thrift::TRerunJobResponse resp;
    Status s = client.Invoke(&thrift::CoordinatorServiceClient::RerunJob, req, &resp,
                             rpc::Idempotency::kNotIdempotent);
    if (!s.ok()) {
      *exit_code = Fail(s);
      return;
    }
    std::cout << "job " << job_id << " rerunning:";
    for (const auto& c : resp.components) std::cout << " " << c;
    std::cout << std::endl;
    *exit_code = 0;
  });

  // job wait
  static double wait_timeout_s = 0;
  CLI::App* wait = job->add_subcommand("wait", "Wait for a job to end, with a progress line");
  wait->add_option("-j,--job-id", job_id, "Job id")->required();
  wait->add_option("--timeout", wait_timeout_s, "Give up after this many seconds (0: never)");
  AddClusterOptions(wait, &common);
  wait->callback([exit_code] {
    CoordinatorClient client(common.address);
    const bool tty = isatty(STDOUT_FILENO);
    auto start = std::chrono::steady_clock::now();
    std::string last;
    while (true) {
      thrift::TQueryJobRequest req;
      req.protocol_version = Proto();
      req.job_id = job_id;
      thrift::TQueryJobResponse resp;
      Status s = client.Invoke(&thrift::CoordinatorServiceClient::QueryJob, req, &resp,
                               rpc::Idempotency::kIdempotent);
      if (!s.ok() && !s.IsUnavailable() && !s.IsNotLeader()) {
        *exit_code = Fail(s);
        return;
      }
      if (s.ok()) {
        const thrift::TJobInfo& j = resp.job;
        std::string running;
        for (const auto& t : j.tasks) {
          if (t.status == "running" && running.find(t.component) == std::string::npos) {
            running += (running.empty() ? "" : ",") + t.component;
          }
        }
        std::string state = "job " + j.job_id + ": " + j.status + " " + std::to_string(j.progress) +
                            "%" + (running.empty() ? "" : " running " + running);
        std::string line = state + " (" + Elapsed(j) + ")";
        // On a terminal the line is redrawn in place; in a log, a line per change of state.
        if ((tty && line != last) || (!tty && state != last)) {
          std::printf(tty ? "\r\033[K%s" : "%s\n", line.c_str());
          std::fflush(stdout);
          last = tty ? line : state;
        }
        if (j.status == "success" || j.status == "failed" || j.status == "canceled" ||
            j.status == "timeout") {
          if (tty) std::printf("\n");
          if (!j.fail_reason.empty()) std::printf("reason: %s\n", j.fail_reason.c_str());
          *exit_code = j.status == "success" ? 0 : 1;
          return;
        }
      }
      double waited =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (wait_timeout_s > 0 && waited >= wait_timeout_s) {
        if (tty) std::printf("\n");
        std::fprintf(stderr, "error: job %s did not end within %g s\n", job_id.c_str(),
                     wait_timeout_s);
        *exit_code = 1;
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });

  // task query
  CLI::App* task = app->add_subcommand("task", "Inspect tasks");
  task->require_subcommand(1);
  CLI::App* tquery = task->add_subcommand("query", "Every task of a job, per party");
  tquery->add_option("-j,--job-id", job_id, "Job id")->required();
  tquery->add_option("--cpn,--component", component, "Only this component");
  tquery->add_flag("--json", common.json, "Print JSON");
  AddClusterOptions(tquery, &common);
  tquery->callback([exit_code] {
    CoordinatorClient client(common.address);
    thrift::TQueryTasksRequest req;
    req.protocol_version = Proto();
    req.job_id = job_id;
    if (!component.empty()) req.__set_component(component);
    thrift::TQueryTasksResponse resp;
    Status s = client.Invoke(&thrift::CoordinatorServiceClient::QueryTasks, req, &resp,
                             rpc::Idempotency::kIdempotent);
    if (!s.ok()) {
      *exit_code = Fail(s);
      return;
    }
    if (common.json) {
      Json out = Json::array();
      for (const auto& t : resp.tasks) out.push_back(TaskJson(t));
      std::cout << DumpJson(out, 4) << std::endl;
    } else {
      PrintTasks(resp.tasks);
    }
    *exit_code = 0;
  });

  // cluster status: read from ZooKeeper directly, so it works without a leader too.
  CLI::App* cluster = app->add_subcommand("cluster", "Inspect the cluster");
  cluster->require_subcommand(1);
  CLI::App* cstatus = cluster->add_subcommand("status", "Leader, standbys, parties and agents");
  cstatus->add_flag("--json", common.json, "Print JSON");
  AddClusterOptions(cstatus, &common);
  cstatus->callback([exit_code] {
    CoordinatorClient client(common.address);
    auto zk = client.Zk();
    if (!zk.ok()) {
      *exit_code = Fail(zk.status());
      return;
    }
    ClusterLayout layout{common.address.zk_root};
    auto candidates = ListCandidates(*zk, layout);
    auto agents = ListAgents(*zk, layout);
    if (!candidates.ok() || !agents.ok()) {
      *exit_code = Fail(!candidates.ok() ? candidates.status() : agents.status());
      return;
    }
    Json out{{"zookeeper", client.address().zk},
             {"leader", nullptr},
             {"standbys", Json::array()},
             {"parties", Json::object()}};
    for (size_t i = 0; i < candidates->size(); ++i) {
      if (i == 0)
        out["leader"] = (*candidates)[i].endpoint;
      else
        out["standbys"].push_back((*candidates)[i].endpoint);
    }
    for (const AgentRegistration& a : *agents) {
      std::string p = std::to_string(a.party_id);
      if (!out["parties"].contains(p)) out["parties"][p] = Json::array();
      out["parties"][p].push_back(a.ToJson());
    }
    if (common.json) {
      std::cout << DumpJson(out, 4) << std::endl;
    } else {
      std::printf("zookeeper: %s\n", client.address().zk.c_str());
      std::printf("leader:    %s\n", candidates->empty() ? "(none: no coordinator running)"
                                                         : (*candidates)[0].endpoint.c_str());
      for (size_t i = 1; i < candidates->size(); ++i) {
        std::printf("standby:   %s\n", (*candidates)[i].endpoint.c_str());
      }
      std::printf("parties:   %zu\n", out["parties"].size());
      for (auto it = out["parties"].begin(); it != out["parties"].end(); ++it) {
        for (const Json& a : it.value()) {
          std::printf("  party %-8s agent %-20s %-22s cores %lld\n", it.key().c_str(),
                      a["agent_id"].get<std::string>().c_str(),
                      a["endpoint"].get<std::string>().c_str(),
                      static_cast<long long>(a["cores"].get<int64_t>()));
        }
      }
    }
    *exit_code = 0;
  });
}

}  // namespace fedflow::cli
