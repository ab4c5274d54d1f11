#pragma once

// The files of the task-process contract (documented in party-agent/task_runner.h): the task's
// identity and launch description (task.json) and its result (result.json). Both sides use
// this: the agent's TaskRunner writes task.json and reads result.json, fedflow-task the reverse.

#include <cstdint>
#include <string>

#include "common/json_util.h"
#include "common/status.h"

namespace fedflow {

// File names inside a task's work directory.
inline constexpr char kTaskJsonFile[] = "task.json";
inline constexpr char kTaskResultFile[] = "result.json";
inline constexpr char kTaskLogFile[] = "task.log";

// FATE's party statuses as tasks and the runner report them.
inline constexpr char kPartyStatusSuccess[] = "success";
inline constexpr char kPartyStatusPass[] = "pass";
inline constexpr char kPartyStatusFailed[] = "failed";
inline constexpr char kPartyStatusCanceled[] = "canceled";
inline constexpr char kPartyStatusTimeout[] = "timeout";

// Identity of one party's attempt at one component of a job (mirrors thrift TTaskKey): one party
// id may play several roles in a job, so the role is part of the key.
struct TaskKey {
  std::string job_id;
  std::string component;
  std::string role;
  int64_t party_id = 0;
  int32_t task_version = 0;

  // "<job_id>/<component>/<role>/<party_id>/v<task_version>".
  std::string ToString() const;
  // "job=<job_id> task=<component>/<role>/<party_id> v<task_version>: ", the log prefix.
  std::string LogPrefix() const;
  bool operator==(const TaskKey& o) const;
  bool operator!=(const TaskKey& o) const { return !(*this == o); }
  bool operator<(const TaskKey& o) const;
};

// Checks that the key's names can be path components (non-empty, no '/' or NUL, not "." or
// "..") and that party_id and task_version are not negative.
Status ValidateTaskKey(const TaskKey& key);

// <data_dir>/jobs/<job_id>/<role>/<party_id>/<component>/<task_version>
Result<std::string> TaskWorkDir(const std::string& data_dir, const TaskKey& key);

// Everything needed to start one task attempt. task.json holds all of it but work_dir, which the
// task knows from --task_dir.
struct TaskLaunch {
  TaskKey key;
  std::string module;
  Json job_parameters = Json::object();
  Json component_parameters = Json::object();
  std::string work_dir;
  // The agent's loopback TaskService endpoint ("host:port"); may be empty.
  std::string agent_endpoint;
  // Every party task of this component, this one included: [{"role": ..., "party_id": ...}].
  Json peers = Json::array();
  // The task's inputs and outputs as the coordinator resolved them for this party
  // (coordinator/job_graph.h GraphParty::io; docs/STORAGE.md, "Task inputs and outputs").
  Json io = Json::object();
};

// task.json <-> TaskLaunch. TaskLaunchFromJson leaves work_dir empty; its errors name the field.
Json TaskLaunchToJson(const TaskLaunch& launch);
Result<TaskLaunch> TaskLaunchFromJson(const Json& j);

// Makes launch->work_dir absolute, creates it, writes task.json there and removes a result.json
// left by an earlier run in the same directory.
Status PrepareTaskDir(TaskLaunch* launch);

// result.json, as the task writes it.
struct TaskResult {
  std::string party_status;  // success | pass | failed
  std::string error;
};
// Writes <dir>/result.json atomically.
Status WriteTaskResult(const std::string& dir, const TaskResult& result);
// Reads <dir>/result.json: NotFound if there is none, InvalidArgument if it is malformed.
Result<TaskResult> ReadTaskResult(const std::string& dir);

// Writes `contents` to `path` atomically against crashes of the writer: `<path>.tmp`, then
// rename. (No fsync: the reader is on the same machine and a machine crash loses the task anyway.)
Status WriteFileAtomically(const std::string& path, const std::string& contents);

}  // namespace fedflow
