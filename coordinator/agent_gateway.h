#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "coordinator/status_rules.h"

namespace fedflow::coordinator {

struct TaskKey {
  std::string job_id;
  std::string component;
  std::string role;
  int64_t party_id = 0;
  int task_version = 0;

  std::string ToString() const;  // "<job>/<component>/<role>/<party>/v<version>"
};

// A party task of the same component and where it runs (for federation).
struct TaskPeer {
  std::string role;
  int64_t party_id = 0;
  std::string agent_id;
  std::string federation_endpoint;
};

struct StartTaskArgs {
  TaskKey key;
  std::string module;
  Json job_parameters;
  Json component_parameters;
  std::vector<std::string> upstream;
  std::vector<TaskPeer> peers;
  Json io = Json::object();  // GraphParty::io
};

// A task as an agent reports it in answer to a query.
struct AgentTaskState {
  TaskKey key;
  RunStatus party_status = RunStatus::kWaiting;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string error;
};

// Asynchronous calls from the coordinator to agents. `done` runs on an I/O thread, never on
// the caller's thread; implementations retry idempotent calls. Thread-safe.
class AgentGateway {
 public:
  virtual ~AgentGateway() = default;
  virtual void StartTask(const std::string& endpoint, const StartTaskArgs& args,
                         std::function<void(Status)> done) = 0;
  virtual void StopTask(const std::string& endpoint, const TaskKey& key,
                        const std::string& stop_status, const std::string& reason,
                        std::function<void(Status)> done) = 0;
  virtual void SyncTaskStatus(const std::string& endpoint, const TaskKey& key,
                              RunStatus federated_status) = 0;
  virtual void QueryTasks(const std::string& endpoint, const std::string& job_id,
                          std::function<void(Result<std::vector<AgentTaskState>>)> done) = 0;
};

}  // namespace fedflow::coordinator
