#pragma once

#include <string>

#include "common/zk/zk_client.h"
#include "coordinator/job_store.h"

namespace fedflow::coordinator {

// JobStore in ZooKeeper, laid out as DESIGN.md says:
//   <root>/jobs/<job_id>                              job record (JSON)
//   <root>/jobs/<job_id>/spec                         DSL + conf as submitted (JSON)
//   <root>/jobs/<job_id>/tasks/<component>            component status + task version
//   <root>/jobs/<job_id>/tasks/<component>/<role>#<party_id>   one party's task
// Every update is a versioned set, so a deposed leader's write fails. Thread-compatible.
class ZkJobStore : public JobStore {
 public:
  // `zk` must outlive the store. `root` is e.g. "/fedflow".
  ZkJobStore(zk::ZkClient* zk, std::string root);

  Status Init();  // Creates <root>/jobs.

  Status CreateJob(JobRecord* job, const JobSpec& spec) override;
  Status UpdateJob(JobRecord* job) override;
  Status WriteComponent(const std::string& job_id, ComponentRecord* component,
                        std::vector<PartyTaskRecord>* parties) override;
  Status UpdateComponent(const std::string& job_id, ComponentRecord* component) override;
  Status UpdatePartyTask(const std::string& job_id, const std::string& component,
                         PartyTaskRecord* task) override;
  Status UpdatePartyTaskAndComponent(const std::string& job_id, PartyTaskRecord* task,
                                     ComponentRecord* component) override;
  Result<std::vector<std::string>> ListJobIds() override;
  Result<StoredJob> LoadJob(const std::string& job_id) override;

 private:
  std::string JobPath(const std::string& job_id) const;
  std::string ComponentPath(const std::string& job_id, const std::string& component) const;
  std::string PartyPath(const std::string& job_id, const std::string& component,
                        const PartyTaskRecord& t) const;

  zk::ZkClient* zk_;
  std::string root_;
};

// JSON forms of the records (also used in tests and debugging output).
Json JobRecordToJson(const JobRecord& r);
Status JobRecordFromJson(const Json& j, JobRecord* r);
Json ComponentRecordToJson(const ComponentRecord& r);
Status ComponentRecordFromJson(const Json& j, ComponentRecord* r);
Json PartyTaskRecordToJson(const PartyTaskRecord& r);
Status PartyTaskRecordFromJson(const Json& j, PartyTaskRecord* r);

}  // namespace fedflow::coordinator
