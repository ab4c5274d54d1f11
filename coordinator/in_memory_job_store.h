#pragma once

#include <map>
#include <mutex>
#include <string>

#include "coordinator/job_store.h"

namespace fedflow::coordinator {

// JobStore in memory with the same compare-and-set rules as ZkJobStore (a write with a stale
// version fails with VersionMismatch). For unit tests of the scheduler. Thread-safe.
class InMemoryJobStore : public JobStore {
 public:
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

  // Test hook: the next write fails with this status.
  void FailNextWrite(Status s);
  int writes() const;

 private:
  struct Versioned {
    std::string data;
    int32_t version = 0;
  };
  Status Write(const std::string& path, const std::string& data, int32_t expected,
               int32_t* new_version);

  mutable std::mutex mu_;
  std::map<std::string, Versioned> nodes_;  // Guarded by mu_.
  std::map<std::string, JobSpec> specs_;    // Guarded by mu_.
  Status fail_next_;                        // Guarded by mu_.
  int writes_ = 0;                          // Guarded by mu_.
};

}  // namespace fedflow::coordinator
