#include "cli/job_agents_command.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/coordinator_client.h"
#include "cli/party_agents.h"
#include "common/json_util.h"
#include "common/rpc/thrift_status.h"

namespace fedflow::cli {

namespace {

namespace fs = std::filesystem;
using rpc::Idempotency;

struct JobArgs {
  ClusterAddress address;
  std::string job_id;
  std::string output_dir;
  bool json = false;
};

void AddJobArgs(CLI::App* cmd, JobArgs* a) {
  cmd->add_option("-j,--job-id", a->job_id, "Job id")->required();
  cmd->add_flag("--json", a->json, "Print JSON");
  cmd->add_option("--zk", a->address.zk, "ZooKeeper connect string (default: $FEDFLOW_ZK)");
  cmd->add_option("--zk-root", a->address.zk_root, "Root of fedflow's nodes in ZooKeeper");
  cmd->add_option("--coordinator", a->address.coordinator,
                  "A coordinator's host:port (instead of looking up the leader in ZooKeeper)");
}

Result<thrift::TJobInfo> QueryJob(const JobArgs& args) {
  CoordinatorClient client(args.address);
  thrift::TQueryJobRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.job_id = args.job_id;
  thrift::TQueryJobResponse resp;
  RETURN_NOT_OK(client.Invoke(&thrift::CoordinatorServiceClient::QueryJob, req, &resp,
                              Idempotency::kIdempotent));
  return resp.job;
}

// The job's parties, by party id, with the roles each plays: from the job's roles and tasks.
std::map<int64_t, std::set<std::string>> JobParties(const thrift::TJobInfo& job) {
  std::map<int64_t, std::set<std::string>> parties;
  auto roles = ParseJson(job.roles_json, "roles");
  if (roles.ok() && roles->is_object()) {
    for (auto it = roles->begin(); it != roles->end(); ++it) {
      if (!it.value().is_array()) continue;
      for (const Json& p : it.value()) {
        int64_t id = 0;
        if (p.is_number_integer()) {
          id = p.get<int64_t>();
        } else if (p.is_string()) {
          id = std::strtoll(p.get<std::string>().c_str(), nullptr, 10);
        }
        if (id > 0) parties[id].insert(it.key());
      }
    }
  }
  for (const thrift::TTaskInfo& t : job.tasks) parties[t.party_id].insert(t.role);
  return parties;
}

std::string PartyName(int64_t party_id, const std::set<std::string>& roles) {
  std::string r;
  for (const std::string& role : roles) r += (r.empty() ? "" : "/") + role;
  return "party " + std::to_string(party_id) + " (" + r + ")";
}

bool Finished(const std::string& status) {
  return status == "success" || status == "failed" || status == "canceled" || status == "timeout";
}

// What could not be reached: a whole party (no live agent) or one agent of it.
struct Unreached {
  int64_t party_id = 0;
  std::string party;     // "party 10000 (host)"
  std::string agent_id;  // empty: the whole party
  Status status;         // names the agent, if one

  Unreached(int64_t id, std::string name, std::string agent, const Status& s)
      : party_id(id), party(std::move(name)), agent_id(std::move(agent)), status(s) {
    if (!agent_id.empty() && status.message().find(agent_id) == std::string::npos) {
      status = status.CloneAndPrepend("agent " + agent_id);
    }
  }

  Json ToJson() const {
    return Json{{"party_id", party_id},
                {"agent", agent_id.empty() ? Json(nullptr) : Json(agent_id)},
                {"error", status.ToString()}};
  }
};

// Prints one line per party or agent not reached ("error: <what> party P (role): <why>");
// returns the exit code (0 when none).
int ReportUnreached(const std::string& what, const std::vector<Unreached>& unreached) {
  for (const Unreached& u : unreached) {
    std::fprintf(stderr, "error: %s %s: %s\n", what.c_str(), u.party.c_str(),
                 u.status.ToString().c_str());
  }
  return unreached.empty() ? 0 : 1;
}

// ---- job log ----

struct GatheredLog {
  thrift::TTaskKey key;
  std::string agent_id;
  std::string file;
  int64_t bytes = 0;
};

int RunJobLog(const JobArgs& args) {
  auto job = QueryJob(args);
  if (!job.ok()) return FailCommand(job.status());
  const fs::path root = fs::path(args.output_dir) / ("job_" + args.job_id + "_log");
  std::vector<GatheredLog> logs;
  std::vector<Unreached> unreached;
  std::set<int64_t> complete_parties;  // Every live agent of the party answered.
  std::set<std::string> written;
  for (const auto& [party_id, roles] : JobParties(*job)) {
    PartyAgents party(args.address, party_id);
    auto agents = party.List();
    if (!agents.ok()) {
      unreached.emplace_back(party_id, PartyName(party_id, roles), "", agents.status());
      continue;
    }
    bool complete = true;
    for (const AgentRegistration& a : *agents) {
      thrift::TTaskLogListRequest req;
      req.protocol_version = rpc::ProtocolVersion();
      req.job_id = args.job_id;
      thrift::TTaskLogListResponse resp;
      Status s = party.Call<thrift::TTaskLogListResponse>(
          a, [&](auto& c, auto& r) { c.TaskLogList(r, req); }, &resp, Idempotency::kIdempotent);
      for (size_t i = 0; s.ok() && i < resp.logs.size(); ++i) {
        const thrift::TTaskKey& k = resp.logs[i].key;
        fs::path dir = root / k.role / std::to_string(k.party_id) / k.component /
                       std::to_string(k.task_version);
        std::string file = (dir / "task.log").string();
        // One version runs on one agent; should two agents hold it, keep both.
        if (!written.insert(file).second) file = (dir / ("task." + a.agent_id + ".log")).string();
        GatheredLog g{k, a.agent_id, file, 0};
        thrift::TTaskLogReadRequest read;
        read.protocol_version = rpc::ProtocolVersion();
        read.key = k;
        read.__set_max_bytes(1 << 20);
        int64_t offset = 0;
        s = WriteFileInParts(
            file,
            [&](std::string* data, bool* done) -> Status {
              read.__set_offset(offset);
              thrift::TTaskLogReadResponse part;
              RETURN_NOT_OK(party.Call<thrift::TTaskLogReadResponse>(
                  a, [&](auto& c, auto& r) { c.TaskLogRead(r, read); }, &part,
                  Idempotency::kIdempotent));
              offset = part.next_offset;
              *data = std::move(part.data);
              *done = part.done;
              return Status::OK();
            },
            &g.bytes);
        if (s.ok()) logs.push_back(std::move(g));
      }
      if (!s.ok()) {
        complete = false;
        unreached.emplace_back(party_id, PartyName(party_id, roles), a.agent_id, s);
      }
    }
    if (complete) complete_parties.insert(party_id);
  }
  // Tasks that ran on a party whose agents all answered, yet left no log there (the agent that
  // ran them has left the party, or its data dir was lost).
  std::vector<const thrift::TTaskInfo*> missing;
  for (const thrift::TTaskInfo& t : job->tasks) {
    if (!t.__isset.start_time_ms || t.start_time_ms <= 0) continue;
    if (!complete_parties.count(t.party_id)) continue;
    bool found = false;
    for (const GatheredLog& g : logs) {
      found |= g.key.component == t.component && g.key.role == t.role &&
               g.key.party_id == t.party_id && g.key.task_version == t.task_version;
    }
    if (!found) missing.push_back(&t);
  }
  if (args.json) {
    Json out_logs = Json::array();
    for (const GatheredLog& g : logs) {
      out_logs.push_back(Json{{"role", g.key.role},
                              {"party_id", g.key.party_id},
                              {"component", g.key.component},
                              {"task_version", g.key.task_version},
                              {"agent", g.agent_id},
                              {"file", g.file},
                              {"bytes", g.bytes}});
    }
    Json out_missing = Json::array();
    for (const thrift::TTaskInfo* t : missing) {
      out_missing.push_back(Json{{"role", t->role},
                                 {"party_id", t->party_id},
                                 {"component", t->component},
                                 {"task_version", t->task_version},
                                 {"agent", t->agent_id}});
    }
    Json out_unreached = Json::array();
    for (const Unreached& u : unreached) out_unreached.push_back(u.ToJson());
    std::cout << DumpJson(Json{{"retcode", unreached.empty() ? 0 : 1},
                               {"retmsg", unreached.empty() ? "success"
                                                            : "some parties or agents could not "
                                                              "be reached"},
                               {"data",
                                {{"job_id", args.job_id},
                                 {"directory", root.string()},
                                 {"logs", out_logs},
                                 {"missing", out_missing},
                                 {"unreached", out_unreached}}}},
                          4)
              << std::endl;
  } else {
    std::printf("job %s: %zu task logs written to %s\n", args.job_id.c_str(), logs.size(),
                root.string().c_str());
    for (const GatheredLog& g : logs) {
      std::printf("  %-8s %-8lld %-28s v%-3d agent %-16s %s\n", g.key.role.c_str(),
                  static_cast<long long>(g.key.party_id), g.key.component.c_str(),
                  g.key.task_version, g.agent_id.c_str(), FormatBytes(g.bytes).c_str());
    }
    for (const thrift::TTaskInfo* t : missing) {
      std::printf(
          "  no log of %s %lld %s v%d on any live agent of its party (it ran on agent "
          "%s)\n",
          t->role.c_str(), static_cast<long long>(t->party_id), t->component.c_str(),
          t->task_version, t->agent_id.c_str());
    }
  }
  return ReportUnreached("job " + args.job_id + ": logs not gathered from", unreached);
}

// ---- job clean ----

struct Cleaned {
  int64_t party_id = 0;
  std::string agent_id;
  int64_t removed = 0;
};

int RunJobClean(const JobArgs& args) {
  auto job = QueryJob(args);
  if (!job.ok()) return FailCommand(job.status());
  if (!Finished(job->status)) {
    return FailCommand(Status::IllegalState(
        "job " + args.job_id + " is " + job->status +
        ": only a finished job can be cleaned (wait for it with `fedflow job wait -j " +
        args.job_id + "`, or stop it with `fedflow job stop -j " + args.job_id + "`)"));
  }
  std::vector<Cleaned> cleaned;
  std::vector<Unreached> unreached;
  int64_t total = 0;
  for (const auto& [party_id, roles] : JobParties(*job)) {
    PartyAgents party(args.address, party_id);
    auto agents = party.List();
    if (!agents.ok()) {
      unreached.emplace_back(party_id, PartyName(party_id, roles), "", agents.status());
      continue;
    }
    for (const AgentRegistration& a : *agents) {
      thrift::TCleanJobRequest req;
      req.protocol_version = rpc::ProtocolVersion();
      req.job_id = args.job_id;
      thrift::TCleanJobResponse resp;
      // Idempotent: a retried clean removes nothing more.
      Status s = party.Call<thrift::TCleanJobResponse>(
          a, [&](auto& c, auto& r) { c.CleanJob(r, req); }, &resp, Idempotency::kIdempotent);
      if (!s.ok()) {
        unreached.emplace_back(party_id, PartyName(party_id, roles), a.agent_id, s);
        continue;
      }
      cleaned.push_back(Cleaned{party_id, a.agent_id, resp.outputs_removed});
      total += resp.outputs_removed;
    }
  }
  if (args.json) {
    Json agents = Json::array();
    for (const Cleaned& c : cleaned) {
      agents.push_back(
          Json{{"party_id", c.party_id}, {"agent", c.agent_id}, {"outputs_removed", c.removed}});
    }
    Json out_unreached = Json::array();
    for (const Unreached& u : unreached) out_unreached.push_back(u.ToJson());
    std::cout << DumpJson(Json{{"retcode", unreached.empty() ? 0 : 1},
                               {"retmsg", unreached.empty() ? "success"
                                                            : "some parties or agents could not "
                                                              "be cleaned"},
                               {"data",
                                {{"job_id", args.job_id},
                                 {"status", job->status},
                                 {"outputs_removed", total},
                                 {"agents", agents},
                                 {"unreached", out_unreached}}}},
                          4)
              << std::endl;
  } else {
    std::printf(
        "job %s (%s): %lld output tables removed; metrics, summaries and models stay until "
        "the job is deleted\n",
        args.job_id.c_str(), job->status.c_str(), static_cast<long long>(total));
    for (const Cleaned& c : cleaned) {
      std::printf("  party %-8lld agent %-16s %lld output tables removed\n",
                  static_cast<long long>(c.party_id), c.agent_id.c_str(),
                  static_cast<long long>(c.removed));
    }
  }
  return ReportUnreached("job " + args.job_id + ": not cleaned on", unreached);
}

}  // namespace

void RegisterJobAgentCommands(CLI::App* app, int* exit_code) {
  // Options live as long as the app: main() parses and runs callbacks within its scope.
  static JobArgs args;
  CLI::App* job = app->get_subcommand("job");

  CLI::App* log = job->add_subcommand(
      "log", "Gather every party's task logs of a job from the agents that ran them");
  AddJobArgs(log, &args);
  log->add_option("-o,--output-path", args.output_dir,
                  "Write the logs to DIR/job_<job>_log/<role>/<party>/<component>/<version>/"
                  "task.log")
      ->required();
  log->callback([exit_code] { *exit_code = RunJobLog(args); });

  CLI::App* clean = job->add_subcommand(
      "clean",
      "Remove a finished job's output tables on every party (metrics, summaries and models "
      "stay until the job is deleted)");
  AddJobArgs(clean, &args);
  clean->callback([exit_code] { *exit_code = RunJobClean(args); });
}

}  // namespace fedflow::cli
