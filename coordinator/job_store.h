#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "coordinator/status_rules.h"

namespace fedflow::coordinator {

// The persisted control-plane state of a job, as the leader writes it before acting on it.
// Every record carries the version of its stored copy; an update is a compare-and-set on that
// version (VersionMismatch when someone else wrote in between: a newer leader).

struct JobSpec {
  std::string dsl;
  std::string conf;
  std::string train_dsl;   // Predict jobs only.
  std::string train_conf;  // Predict jobs only.
};

struct JobRecord {
  std::string job_id;
  RunStatus status = RunStatus::kWaiting;
  int progress = 0;
  int64_t create_ms = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string initiator_role;
  int64_t initiator_party_id = 0;
  Json roles = Json::object();  // {"guest": [9999], ...}
  std::string fail_reason;
  std::string model_id;
  std::string model_version;
  int32_t stored_version = -1;  // -1: not stored yet.
};

struct ComponentRecord {
  std::string name;
  RunStatus status = RunStatus::kWaiting;
  int task_version = 0;
  int retries_left = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string fail_reason;
  int32_t stored_version = -1;
};

struct PartyTaskRecord {
  std::string role;
  int64_t party_id = 0;
  int task_version = 0;
  RunStatus party_status = RunStatus::kWaiting;
  std::string agent_id;
  std::string agent_endpoint;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string error;
  int64_t last_seq = 0;  // Highest report sequence applied.
  int32_t stored_version = -1;
};

struct StoredComponent {
  ComponentRecord component;
  std::vector<PartyTaskRecord> parties;
};

struct StoredJob {
  JobRecord record;
  JobSpec spec;
  std::vector<StoredComponent> components;  // Only components that have been started.
};

// Where jobs are kept. Implementations: ZkJobStore (the real one). Thread-compatible: the
// scheduler thread is the only caller.
class JobStore {
 public:
  virtual ~JobStore() = default;

  // Creates the job with its spec; AlreadyExists if the id is taken.
  virtual Status CreateJob(JobRecord* job, const JobSpec& spec) = 0;
  virtual Status UpdateJob(JobRecord* job) = 0;
  // Writes a component record and all its party task records in one atomic step (a start or a
  // restart with a new task version).
  virtual Status WriteComponent(const std::string& job_id, ComponentRecord* component,
                                std::vector<PartyTaskRecord>* parties) = 0;
  virtual Status UpdateComponent(const std::string& job_id, ComponentRecord* component) = 0;
  virtual Status UpdatePartyTask(const std::string& job_id, const std::string& component,
                                 PartyTaskRecord* task) = 0;
  // Writes a party task and its component together (a report that changed the federated status).
  virtual Status UpdatePartyTaskAndComponent(const std::string& job_id, PartyTaskRecord* task,
                                             ComponentRecord* component) = 0;

  virtual Result<std::vector<std::string>> ListJobIds() = 0;
  virtual Result<StoredJob> LoadJob(const std::string& job_id) = 0;
};

}  // namespace fedflow::coordinator
