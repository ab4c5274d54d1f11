#pragma once

// What the tracking commands share (tracking_command.cc, tracking_output_command.cc): the task
// they ask about and finding which live agent of the party holds its data.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/party_agents.h"
#include "common/json_util.h"

namespace fedflow::cli::tracking {

// The task a tracking command asks about, as FATE names it (-j -r -p -cpn).
struct TaskArgs {
  DataCommandOptions o;  // party, --json, ZooKeeper
  std::string job_id;
  std::string role;
  std::string component;

  thrift::TTrackingTask Task() const {
    thrift::TTrackingTask t;
    t.job_id = job_id;
    t.component = component;
    t.role = role;
    t.party_id = o.party_id;
    return t;
  }
  // "job J component C (guest)", as errors name the task.
  std::string Describe() const {
    return "job " + job_id + " component " + component + " (" + role + ")";
  }
  // FATE's output directory name: job_<job>_<component>_<role>_<party>_<what>.
  std::string DirName(const std::string& what) const {
    return "job_" + job_id + "_" + component + "_" + role + "_" + std::to_string(o.party_id) + "_" +
           what;
  }
};

// -j, -r, -p, -cpn (main() turns FATE's `-cpn` into `--cpn`), --json and the ZooKeeper options.
inline void AddTaskOptions(CLI::App* cmd, TaskArgs* a) {
  cmd->add_option("-j,--job-id", a->job_id, "Job id")->required();
  cmd->add_option("-r,--role", a->role, "Role of the party in the job (guest, host, arbiter)")
      ->required();
  cmd->add_option("--cpn,--component,--component-name", a->component, "Component name")->required();
  AddDataCommandOptions(cmd, &a->o);
}

// What an agent holding the data answered.
template <typename T>
struct Held {
  AgentRegistration agent;
  T value;
};

// Asks every live agent of the party; `ask` returns nullopt when the agent holds nothing of the
// kind. Returns the answers of the agents that hold some, by agent id. None: NotFound "no live
// agent of party P holds <what> of <task>", or Unavailable when an agent could not be asked
// (it might hold it). Agents that could not be asked while others answered are named on stderr.
template <typename T>
Result<std::vector<Held<T>>> FindHolders(
    PartyAgents* party, const TaskArgs& args, const std::string& what,
    const std::function<Result<std::optional<T>>(const AgentRegistration&)>& ask) {
  ASSIGN_OR_RETURN(std::vector<AgentRegistration> agents, party->List());
  std::vector<Held<T>> held;
  std::string failed;
  for (const AgentRegistration& a : agents) {
    auto got = ask(a);
    if (!got.ok()) {
      if (got.status().IsInvalidArgument()) return got.status();
      failed += (failed.empty() ? "" : "; ") + got.status().ToString();
      continue;
    }
    if (*got) held.push_back(Held<T>{a, std::move(**got)});
  }
  if (!held.empty()) {
    if (!failed.empty()) std::fprintf(stderr, "warning: %s\n", failed.c_str());
    return held;
  }
  const std::string msg = "no live agent of party " + std::to_string(party->party_id()) +
                          " holds " + what + " of " + args.Describe() + " (agents " +
                          AgentIds(agents) + ")";
  if (!failed.empty()) return Status::Unavailable(msg + "; could not ask: " + failed);
  return Status::NotFound(msg);
}

// FATE's response shape: {"retcode": 0, "retmsg": "success", "data": ...}.
inline Json Success(Json data) {
  return Json{{"retcode", 0}, {"retmsg", "success"}, {"data", std::move(data)}};
}

// The holder whose answer has the highest task version (the first, by agent id, of equals): a
// task retried on another agent leaves its older version's data behind.
template <typename T, typename VersionOf>
const Held<T>& Newest(const std::vector<Held<T>>& held, VersionOf version_of) {
  const Held<T>* best = &held.front();
  for (const Held<T>& h : held) {
    if (version_of(h.value) > version_of(best->value)) best = &h;
  }
  return *best;
}

// `fedflow tracking output-data` (tracking_output_command.cc): the outputs' first `limit` rows
// and counts; with `output_dir`, each output's CSV. Returns the exit code.
int RunOutputData(const TaskArgs& args, int64_t limit, const std::string& data_name,
                  const std::string& output_dir);
// `fedflow tracking output-model`: the models' metas; with `output_dir`, their bytes.
int RunOutputModel(const TaskArgs& args, const std::string& alias, const std::string& output_dir);

}  // namespace fedflow::cli::tracking
