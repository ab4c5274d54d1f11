#include "coordinator/in_memory_job_store.h"

#include "coordinator/zk_job_store.h"

namespace fedflow::coordinator {

namespace {
std::string JobPath(const std::string& id) { return "jobs/" + id; }
std::string CpnPath(const std::string& id, const std::string& c) { return JobPath(id) + "/" + c; }
std::string PartyPath(const std::string& id, const std::string& c, const PartyTaskRecord& t) {
  return CpnPath(id, c) + "/" + t.role + "#" + std::to_string(t.party_id);
}
}  // namespace

void InMemoryJobStore::FailNextWrite(Status s) {
  std::lock_guard<std::mutex> l(mu_);
  fail_next_ = std::move(s);
}

int InMemoryJobStore::writes() const {
  std::lock_guard<std::mutex> l(mu_);
  return writes_;
}

// With mu_ held. expected < 0 creates (AlreadyExists if present).
Status InMemoryJobStore::Write(const std::string& path, const std::string& data, int32_t expected,
                               int32_t* new_version) {
  auto it = nodes_.find(path);
  if (expected < 0) {
    if (it != nodes_.end()) return Status::AlreadyExists(path);
    nodes_[path] = Versioned{data, 0};
    *new_version = 0;
    return Status::OK();
  }
  if (it == nodes_.end()) return Status::NotFound(path);
  if (it->second.version != expected) {
    return Status::VersionMismatch("version conflict at " + path);
  }
  it->second.data = data;
  *new_version = ++it->second.version;
  return Status::OK();
}

Status InMemoryJobStore::CreateJob(JobRecord* job, const JobSpec& spec) {
  std::lock_guard<std::mutex> l(mu_);
  writes_++;
  if (!fail_next_.ok()) return std::exchange(fail_next_, Status::OK());
  int32_t v;
  RETURN_NOT_OK(Write(JobPath(job->job_id), DumpJson(JobRecordToJson(*job)), -1, &v));
  specs_[job->job_id] = spec;
  job->stored_version = v;
  return Status::OK();
}

Status InMemoryJobStore::UpdateJob(JobRecord* job) {
  std::lock_guard<std::mutex> l(mu_);
  writes_++;
  if (!fail_next_.ok()) return std::exchange(fail_next_, Status::OK());
  return Write(JobPath(job->job_id), DumpJson(JobRecordToJson(*job)), job->stored_version,
               &job->stored_version);
}

Status InMemoryJobStore::WriteComponent(const std::string& job_id, ComponentRecord* component,
                                        std::vector<PartyTaskRecord>* parties) {
  std::lock_guard<std::mutex> l(mu_);
  writes_++;
  if (!fail_next_.ok()) return std::exchange(fail_next_, Status::OK());
  // All or nothing: check every version first.
  auto check = [&](const std::string& path, int32_t expected) -> Status {
    auto it = nodes_.find(path);
    if (expected < 0) return it == nodes_.end() ? Status::OK() : Status::AlreadyExists(path);
    if (it == nodes_.end()) return Status::NotFound(path);
    return it->second.version == expected ? Status::OK()
                                          : Status::VersionMismatch("version conflict at " + path);
  };
  RETURN_NOT_OK(check(CpnPath(job_id, component->name), component->stored_version));
  for (const PartyTaskRecord& t : *parties) {
    RETURN_NOT_OK(check(PartyPath(job_id, component->name, t), t.stored_version));
  }
  RETURN_NOT_OK(Write(CpnPath(job_id, component->name), DumpJson(ComponentRecordToJson(*component)),
                      component->stored_version, &component->stored_version));
  for (PartyTaskRecord& t : *parties) {
    RETURN_NOT_OK(Write(PartyPath(job_id, component->name, t), DumpJson(PartyTaskRecordToJson(t)),
                        t.stored_version, &t.stored_version));
  }
  return Status::OK();
}

Status InMemoryJobStore::UpdateComponent(const std::string& job_id, ComponentRecord* component) {
  std::lock_guard<std::mutex> l(mu_);
  writes_++;
  if (!fail_next_.ok()) return std::exchange(fail_next_, Status::OK());
  return Write(CpnPath(job_id, component->name), DumpJson(ComponentRecordToJson(*component)),
               component->stored_version, &component->stored_version);
}

Status InMemoryJobStore::UpdatePartyTask(const std::string& job_id, const std::string& component,
                                         PartyTaskRecord* task) {
  std::lock_guard<std::mutex> l(mu_);
  writes_++;
  if (!fail_next_.ok()) return std::exchange(fail_next_, Status::OK());
  return Write(PartyPath(job_id, component, *task), DumpJson(PartyTaskRecordToJson(*task)),
               task->stored_version, &task->stored_version);
}

Status InMemoryJobStore::UpdatePartyTaskAndComponent(const std::string& job_id,
                                                     PartyTaskRecord* task,
                                                     ComponentRecord* component) {
  std::lock_guard<std::mutex> l(mu_);
  writes_++;
  if (!fail_next_.ok()) return std::exchange(fail_next_, Status::OK());
  const std::string tp = PartyPath(job_id, component->name, *task);
  const std::string cp = CpnPath(job_id, component->name);
  auto t = nodes_.find(tp), c = nodes_.find(cp);
  if (t == nodes_.end() || c == nodes_.end()) return Status::NotFound(tp);
  if (t->second.version != task->stored_version || c->second.version != component->stored_version) {
    return Status::VersionMismatch("version conflict at " + cp);
  }
  RETURN_NOT_OK(Write(tp, DumpJson(PartyTaskRecordToJson(*task)), task->stored_version,
                      &task->stored_version));
  return Write(cp, DumpJson(ComponentRecordToJson(*component)), component->stored_version,
               &component->stored_version);
}

Result<std::vector<std::string>> InMemoryJobStore::ListJobIds() {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<std::string> out;
  for (const auto& [id, spec] : specs_) out.push_back(id);
  return out;
}

Result<StoredJob> InMemoryJobStore::LoadJob(const std::string& job_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto spec = specs_.find(job_id);
  if (spec == specs_.end()) return Status::NotFound("job " + job_id);
  StoredJob out;
  out.spec = spec->second;
  const std::string prefix = JobPath(job_id);
  for (const auto& [path, node] : nodes_) {
    if (path.rfind(prefix, 0) != 0) continue;
    if (path.size() > prefix.size() && path[prefix.size()] != '/') continue;
    ASSIGN_OR_RETURN(Json j, ParseJson(node.data, path));
    std::string rest = path.substr(prefix.size());
    if (rest.empty()) {
      RETURN_NOT_OK(JobRecordFromJson(j, &out.record));
      out.record.stored_version = node.version;
    } else if (rest.find('#') == std::string::npos) {
      StoredComponent sc;
      RETURN_NOT_OK(ComponentRecordFromJson(j, &sc.component));
      sc.component.stored_version = node.version;
      out.components.push_back(std::move(sc));
    } else {
      PartyTaskRecord t;
      RETURN_NOT_OK(PartyTaskRecordFromJson(j, &t));
      t.stored_version = node.version;
      std::string cpn = rest.substr(1, rest.rfind('/') - 1);
      for (StoredComponent& sc : out.components) {
        if (sc.component.name == cpn) sc.parties.push_back(t);
      }
    }
  }
  return out;
}

}  // namespace fedflow::coordinator
