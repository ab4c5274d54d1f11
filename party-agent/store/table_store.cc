// AgentStore: party data tables and task output tables.

#include <algorithm>
#include <utility>

#include <leveldb/db.h>

#include "party-agent/store/agent_store.h"
#include "party-agent/store/store_codec.h"
#include "party-agent/store/store_keys.h"
#include "party-agent/store/table_reader.h"
#include "party-agent/store/table_writer.h"

namespace fedflow::store {

namespace {

std::string TableName(std::string_view ns, std::string_view name) {
  return "table " + std::string(ns) + "." + std::string(name);
}

Status CheckTableName(std::string_view ns, std::string_view name) {
  if (ns.empty()) return Status::InvalidArgument("table namespace is empty");
  if (name.empty()) return Status::InvalidArgument("table name is empty");
  return Status::OK();
}

}  // namespace

std::string TaskPartyKey::ToString() const {
  return job_id + "/" + component + "/" + role + "/" + std::to_string(party_id);
}

Status TaskPartyKey::Validate() const {
  if (job_id.empty() || component.empty() || role.empty()) {
    return Status::InvalidArgument("task " + ToString() +
                                   " needs a job id, a component and a role");
  }
  return Status::OK();
}

std::string OutputRef::ToString() const {
  return task.ToString() + "/" + std::to_string(task_version) + "/" + data_name;
}

Result<std::unique_ptr<TableWriter>> AgentStore::CreateTable(TableMeta schema, bool replace) {
  RETURN_NOT_OK(CheckTableName(schema.ns, schema.name));
  if (!replace) {
    ASSIGN_OR_RETURN(bool exists, TableExists(schema.ns, schema.name));
    if (exists) {
      return Status::AlreadyExists(TableName(schema.ns, schema.name) +
                                   " already exists (upload with drop to replace it)");
    }
  }
  schema.output.reset();
  std::string key = keys::Table(schema.ns, schema.name);
  return std::unique_ptr<TableWriter>(
      new TableWriter(this, std::move(key), replace, std::move(schema)));
}

Result<std::unique_ptr<TableWriter>> AgentStore::CreateOutput(const OutputRef& ref,
                                                              TableMeta schema) {
  RETURN_NOT_OK(ref.task.Validate());
  if (ref.data_name.empty()) return Status::InvalidArgument("output data name is empty");
  schema.ns = ref.task.job_id;
  schema.name = ref.task.component + "." + ref.data_name;
  schema.source = "output of " + ref.task.ToString() + "/" + std::to_string(ref.task_version);
  schema.output = ref;
  return std::unique_ptr<TableWriter>(
      new TableWriter(this, keys::Output(ref), /*replace=*/true, std::move(schema)));
}

Result<std::unique_ptr<TableReader>> AgentStore::OpenReader(const std::string& pointer_key,
                                                            const std::string& what) const {
  const leveldb::Snapshot* snapshot = db_->GetSnapshot();
  auto value = Get(pointer_key, snapshot);
  Result<TableMeta> meta =
      value.ok() && *value
          ? codec::DecodeTableMeta(**value, pointer_key)
          : Result<TableMeta>(value.ok() ? Status::NotFound(what + " does not exist")
                                         : value.status());
  if (!meta.ok()) {
    db_->ReleaseSnapshot(snapshot);
    return meta.status();
  }
  return std::unique_ptr<TableReader>(
      new TableReader(db_.get(), snapshot, std::move(meta).value(), what));
}

Result<std::unique_ptr<TableReader>> AgentStore::OpenTable(std::string_view ns,
                                                           std::string_view name) const {
  RETURN_NOT_OK(CheckTableName(ns, name));
  return OpenReader(keys::Table(ns, name), TableName(ns, name));
}

Result<std::unique_ptr<TableReader>> AgentStore::OpenOutput(const OutputRef& ref) const {
  return OpenReader(keys::Output(ref), "output " + ref.ToString());
}

Result<TableMeta> AgentStore::GetTable(std::string_view ns, std::string_view name) const {
  RETURN_NOT_OK(CheckTableName(ns, name));
  const std::string key = keys::Table(ns, name);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(key));
  if (!value) return Status::NotFound(TableName(ns, name) + " does not exist");
  return codec::DecodeTableMeta(*value, key);
}

Result<bool> AgentStore::TableExists(std::string_view ns, std::string_view name) const {
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(keys::Table(ns, name)));
  return value.has_value();
}

Result<std::vector<TableMeta>> AgentStore::ListMetas(std::string_view prefix) const {
  std::vector<TableMeta> metas;
  RETURN_NOT_OK(Scan(prefix, [&](std::string_view key, std::string_view value) -> Status {
    ASSIGN_OR_RETURN(TableMeta meta, codec::DecodeTableMeta(value, key));
    metas.push_back(std::move(meta));
    return Status::OK();
  }));
  return metas;
}

Result<std::vector<TableMeta>> AgentStore::ListTables(std::string_view ns) const {
  ASSIGN_OR_RETURN(std::vector<TableMeta> metas, ListMetas(keys::TablePrefix(ns)));
  // Key order is escaped order; list in plain (namespace, name) order.
  std::sort(metas.begin(), metas.end(), [](const TableMeta& a, const TableMeta& b) {
    return a.ns != b.ns ? a.ns < b.ns : a.name < b.name;
  });
  return metas;
}

Status AgentStore::DropTable(std::string_view ns, std::string_view name) {
  RETURN_NOT_OK(CheckTableName(ns, name));
  const std::string key = keys::Table(ns, name);
  uint64_t generation = 0;
  {
    std::lock_guard<std::mutex> l(commit_mu_);
    ASSIGN_OR_RETURN(std::optional<std::string> value, Get(key));
    if (!value) return Status::NotFound(TableName(ns, name) + " does not exist");
    ASSIGN_OR_RETURN(TableMeta meta, codec::DecodeTableMeta(*value, key));
    generation = meta.generation;
    leveldb::WriteOptions wo;
    wo.sync = options_.sync;
    leveldb::Status s = db_->Delete(wo, key);
    if (!s.ok()) {
      return Status::IOError("agent store " + path_ + ": deleting " + key + ": " + s.ToString());
    }
  }
  return DeleteGeneration(generation);
}

Result<TableMeta> AgentStore::GetOutput(const OutputRef& ref) const {
  const std::string key = keys::Output(ref);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(key));
  if (!value) return Status::NotFound("output " + ref.ToString() + " does not exist");
  return codec::DecodeTableMeta(*value, key);
}

Result<std::vector<TableMeta>> AgentStore::ListOutputs(const TaskPartyKey& task) const {
  RETURN_NOT_OK(task.Validate());
  return ListMetas(keys::TaskPrefix(keys::kOut, task));
}

Result<TableMeta> AgentStore::LatestOutput(const TaskPartyKey& task,
                                           std::string_view data_name) const {
  ASSIGN_OR_RETURN(std::vector<TableMeta> outputs, ListOutputs(task));
  for (auto it = outputs.rbegin(); it != outputs.rend(); ++it) {
    if (it->output && it->output->data_name == data_name) return std::move(*it);
  }
  return Status::NotFound("task " + task.ToString() + " has no output \"" + std::string(data_name) +
                          "\"");
}

Result<std::vector<TableMeta>> AgentStore::ListJobOutputs(std::string_view job_id) const {
  if (job_id.empty()) return Status::InvalidArgument("job id is empty");
  return ListMetas(keys::JobPrefix(keys::kOut, job_id));
}

}  // namespace fedflow::store
