#include "coordinator/zk_job_store.h"

#include <glog/logging.h>

namespace fedflow::coordinator {

namespace {

Status ReadStatus(const Json& j, const char* key, RunStatus* out) {
  ASSIGN_OR_RETURN(std::string s, GetString(j, key, ""));
  ASSIGN_OR_RETURN(*out, ParseRunStatus(s));
  return Status::OK();
}

int64_t IntOr(const Json& j, const char* key, int64_t fallback) {
  const Json* m = FindMember(j, key);
  return m != nullptr && m->is_number_integer() ? m->get<int64_t>() : fallback;
}

std::string StringOr(const Json& j, const char* key) {
  const Json* m = FindMember(j, key);
  return m != nullptr && m->is_string() ? m->get<std::string>() : std::string();
}

}  // namespace

Json JobRecordToJson(const JobRecord& r) {
  return Json{{"job_id", r.job_id},
              {"status", ToString(r.status)},
              {"progress", r.progress},
              {"create_time", r.create_ms},
              {"start_time", r.start_ms},
              {"end_time", r.end_ms},
              {"initiator_role", r.initiator_role},
              {"initiator_party_id", r.initiator_party_id},
              {"roles", r.roles},
              {"fail_reason", r.fail_reason},
              {"model_id", r.model_id},
              {"model_version", r.model_version}};
}

Status JobRecordFromJson(const Json& j, JobRecord* r) {
  ASSIGN_OR_RETURN(r->job_id, GetString(j, "job_id", ""));
  RETURN_NOT_OK(ReadStatus(j, "status", &r->status));
  r->progress = static_cast<int>(IntOr(j, "progress", 0));
  r->create_ms = IntOr(j, "create_time", 0);
  r->start_ms = IntOr(j, "start_time", 0);
  r->end_ms = IntOr(j, "end_time", 0);
  r->initiator_role = StringOr(j, "initiator_role");
  r->initiator_party_id = IntOr(j, "initiator_party_id", 0);
  const Json* roles = FindMember(j, "roles");
  r->roles = roles != nullptr ? *roles : Json::object();
  r->fail_reason = StringOr(j, "fail_reason");
  r->model_id = StringOr(j, "model_id");
  r->model_version = StringOr(j, "model_version");
  return Status::OK();
}

Json ComponentRecordToJson(const ComponentRecord& r) {
  return Json{{"component", r.name},        {"status", ToString(r.status)},
              {"task_version", r.task_version}, {"retries_left", r.retries_left},
              {"start_time", r.start_ms},   {"end_time", r.end_ms},
              {"fail_reason", r.fail_reason}};
}

Status ComponentRecordFromJson(const Json& j, ComponentRecord* r) {
  ASSIGN_OR_RETURN(r->name, GetString(j, "component", ""));
  RETURN_NOT_OK(ReadStatus(j, "status", &r->status));
  r->task_version = static_cast<int>(IntOr(j, "task_version", 0));
  r->retries_left = static_cast<int>(IntOr(j, "retries_left", 0));
  r->start_ms = IntOr(j, "start_time", 0);
  r->end_ms = IntOr(j, "end_time", 0);
  r->fail_reason = StringOr(j, "fail_reason");
  return Status::OK();
}

Json PartyTaskRecordToJson(const PartyTaskRecord& r) {
  return Json{{"role", r.role},
              {"party_id", r.party_id},
              {"task_version", r.task_version},
              {"party_status", ToString(r.party_status)},
              {"agent_id", r.agent_id},
              {"agent_endpoint", r.agent_endpoint},
              {"start_time", r.start_ms},
              {"end_time", r.end_ms},
              {"error", r.error},
              {"last_seq", r.last_seq}};
}

Status PartyTaskRecordFromJson(const Json& j, PartyTaskRecord* r) {
  ASSIGN_OR_RETURN(r->role, GetString(j, "role", ""));
  ASSIGN_OR_RETURN(r->party_id, GetInt(j, "party_id", ""));
  r->task_version = static_cast<int>(IntOr(j, "task_version", 0));
  RETURN_NOT_OK(ReadStatus(j, "party_status", &r->party_status));
  r->agent_id = StringOr(j, "agent_id");
  r->agent_endpoint = StringOr(j, "agent_endpoint");
  r->start_ms = IntOr(j, "start_time", 0);
  r->end_ms = IntOr(j, "end_time", 0);
  r->error = StringOr(j, "error");
  r->last_seq = IntOr(j, "last_seq", 0);
  return Status::OK();
}

ZkJobStore::ZkJobStore(zk::ZkClient* zk, std::string root) : zk_(zk), root_(std::move(root)) {}

Status ZkJobStore::Init() { return zk_->EnsurePath(root_ + "/jobs"); }

std::string ZkJobStore::JobPath(const std::string& job_id) const {
  return root_ + "/jobs/" + job_id;
}

std::string ZkJobStore::ComponentPath(const std::string& job_id,
                                      const std::string& component) const {
  return JobPath(job_id) + "/tasks/" + component;
}

std::string ZkJobStore::PartyPath(const std::string& job_id, const std::string& component,
                                  const PartyTaskRecord& t) const {
  return ComponentPath(job_id, component) + "/" + t.role + "#" + std::to_string(t.party_id);
}

Status ZkJobStore::CreateJob(JobRecord* job, const JobSpec& spec) {
  Json spec_json{{"dsl", spec.dsl},
                 {"conf", spec.conf},
                 {"train_dsl", spec.train_dsl},
                 {"train_conf", spec.train_conf}};
  const std::string path = JobPath(job->job_id);
  std::vector<zk::Op> ops = {
      zk::Op::Create(path, DumpJson(JobRecordToJson(*job))),
      zk::Op::Create(path + "/spec", DumpJson(spec_json)),
      zk::Op::Create(path + "/tasks", ""),
  };
  RETURN_NOT_OK_PREPEND(zk_->Multi(ops), "storing job " + job->job_id);
  job->stored_version = 0;
  return Status::OK();
}

Status ZkJobStore::UpdateJob(JobRecord* job) {
  zk::Stat stat;
  RETURN_NOT_OK_PREPEND(zk_->Set(JobPath(job->job_id), DumpJson(JobRecordToJson(*job)),
                                 job->stored_version, &stat),
                        "updating job " + job->job_id);
  job->stored_version = stat.version;
  return Status::OK();
}

Status ZkJobStore::WriteComponent(const std::string& job_id, ComponentRecord* component,
                                  std::vector<PartyTaskRecord>* parties) {
  std::vector<zk::Op> ops;
  const std::string cpath = ComponentPath(job_id, component->name);
  std::string cdata = DumpJson(ComponentRecordToJson(*component));
  if (component->stored_version < 0) {
    ops.push_back(zk::Op::Create(cpath, cdata));
  } else {
    ops.push_back(zk::Op::Set(cpath, cdata, component->stored_version));
  }
  for (const PartyTaskRecord& t : *parties) {
    std::string data = DumpJson(PartyTaskRecordToJson(t));
    if (t.stored_version < 0) {
      ops.push_back(zk::Op::Create(PartyPath(job_id, component->name, t), data));
    } else {
      ops.push_back(zk::Op::Set(PartyPath(job_id, component->name, t), data, t.stored_version));
    }
  }
  std::vector<zk::OpResult> results;
  RETURN_NOT_OK_PREPEND(zk_->Multi(ops, &results),
                        "job " + job_id + ": storing component " + component->name);
  component->stored_version = component->stored_version < 0 ? 0 : results[0].stat.version;
  for (size_t i = 0; i < parties->size(); ++i) {
    PartyTaskRecord& t = (*parties)[i];
    t.stored_version = t.stored_version < 0 ? 0 : results[i + 1].stat.version;
  }
  return Status::OK();
}

Status ZkJobStore::UpdateComponent(const std::string& job_id, ComponentRecord* component) {
  zk::Stat stat;
  RETURN_NOT_OK_PREPEND(
      zk_->Set(ComponentPath(job_id, component->name),
               DumpJson(ComponentRecordToJson(*component)), component->stored_version, &stat),
      "job " + job_id + ": updating component " + component->name);
  component->stored_version = stat.version;
  return Status::OK();
}

Status ZkJobStore::UpdatePartyTask(const std::string& job_id, const std::string& component,
                                   PartyTaskRecord* task) {
  zk::Stat stat;
  RETURN_NOT_OK_PREPEND(zk_->Set(PartyPath(job_id, component, *task),
                                 DumpJson(PartyTaskRecordToJson(*task)), task->stored_version,
                                 &stat),
                        "job " + job_id + ": updating task " + component + "/" + task->role +
                            "/" + std::to_string(task->party_id));
  task->stored_version = stat.version;
  return Status::OK();
}

Status ZkJobStore::UpdatePartyTaskAndComponent(const std::string& job_id, PartyTaskRecord* task,
                                               ComponentRecord* component) {
  std::vector<zk::Op> ops = {
      zk::Op::Set(PartyPath(job_id, component->name, *task),
                  DumpJson(PartyTaskRecordToJson(*task)), task->stored_version),
      zk::Op::Set(ComponentPath(job_id, component->name),
                  DumpJson(ComponentRecordToJson(*component)), component->stored_version),
  };
  std::vector<zk::OpResult> results;
  RETURN_NOT_OK_PREPEND(zk_->Multi(ops, &results),
                        "job " + job_id + ": updating component " + component->name);
  task->stored_version = results[0].stat.version;
  component->stored_version = results[1].stat.version;
  return Status::OK();
}

Result<std::vector<std::string>> ZkJobStore::ListJobIds() {
  return zk_->GetChildren(root_ + "/jobs");
}

Result<StoredJob> ZkJobStore::LoadJob(const std::string& job_id) {
  StoredJob out;
  const std::string path = JobPath(job_id);
  ASSIGN_OR_RETURN(zk::NodeData job_node, zk_->Get(path));
  ASSIGN_OR_RETURN(Json job_json, ParseJson(job_node.data, path));
  RETURN_NOT_OK_PREPEND(JobRecordFromJson(job_json, &out.record), path);
  out.record.stored_version = job_node.stat.version;

  ASSIGN_OR_RETURN(zk::NodeData spec_node, zk_->Get(path + "/spec"));
  ASSIGN_OR_RETURN(Json spec, ParseJson(spec_node.data, path + "/spec"));
  out.spec.dsl = StringOr(spec, "dsl");
  out.spec.conf = StringOr(spec, "conf");
  out.spec.train_dsl = StringOr(spec, "train_dsl");
  out.spec.train_conf = StringOr(spec, "train_conf");

  ASSIGN_OR_RETURN(std::vector<std::string> components, zk_->GetChildren(path + "/tasks"));
  for (const std::string& name : components) {
    StoredComponent sc;
    const std::string cpath = path + "/tasks/" + name;
    ASSIGN_OR_RETURN(zk::NodeData cnode, zk_->Get(cpath));
    ASSIGN_OR_RETURN(Json cjson, ParseJson(cnode.data, cpath));
    RETURN_NOT_OK_PREPEND(ComponentRecordFromJson(cjson, &sc.component), cpath);
    sc.component.stored_version = cnode.stat.version;
    ASSIGN_OR_RETURN(std::vector<std::string> parties, zk_->GetChildren(cpath));
    for (const std::string& p : parties) {
      PartyTaskRecord t;
      ASSIGN_OR_RETURN(zk::NodeData pnode, zk_->Get(cpath + "/" + p));
      ASSIGN_OR_RETURN(Json pjson, ParseJson(pnode.data, cpath + "/" + p));
      RETURN_NOT_OK_PREPEND(PartyTaskRecordFromJson(pjson, &t), cpath + "/" + p);
      t.stored_version = pnode.stat.version;
      sc.parties.push_back(std::move(t));
    }
    out.components.push_back(std::move(sc));
  }
  return out;
}

}  // namespace fedflow::coordinator
