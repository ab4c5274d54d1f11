#include "party-agent/components/component.h"

#include <utility>

namespace fedflow {

TaskContext::TaskContext(TaskLaunch launch, const StopSignal* stop)
    : launch_(std::move(launch)),
      stop_(stop),
      log_prefix_(launch_.key.LogPrefix()),
      storage_(std::make_unique<TaskStorageClient>(launch_.key, launch_.agent_endpoint)) {}

Status TaskContext::SleepFor(int64_t ms) const {
  if (stop_->WaitFor(ms)) return Status::Aborted(launch_.module + ": stopped while sleeping");
  return Status::OK();
}

std::vector<std::pair<std::string, size_t>> TaskContext::DataInputs() const {
  std::vector<std::pair<std::string, size_t>> out;
  const Json* data = FindMember(launch_.io, "data");
  if (data == nullptr || !data->is_object()) return out;
  for (auto it = data->begin(); it != data->end(); ++it) {
    out.emplace_back(it.key(), it.value().is_array() ? it.value().size() : 0);
  }
  return out;
}

std::vector<std::string> TaskContext::OutputDataNames() const {
  std::vector<std::string> out;
  const Json* output = FindMember(launch_.io, "output");
  const Json* data =
      output != nullptr && output->is_object() ? FindMember(*output, "data") : nullptr;
  if (data == nullptr || !data->is_array()) return out;
  for (const Json& name : *data) {
    if (name.is_string()) out.push_back(name.get<std::string>());
  }
  return out;
}

Result<std::unique_ptr<InputTable>> TaskContext::OpenInput(const std::string& key,
                                                           size_t index) const {
  const std::string where = "input data." + key + "[" + std::to_string(index) + "]";
  const Json* data = FindMember(launch_.io, "data");
  const Json* list = data != nullptr && data->is_object() ? FindMember(*data, key) : nullptr;
  if (list == nullptr || !list->is_array() || index >= list->size()) {
    return Status::NotFound(where + ": component " + launch_.key.component +
                            " has no such data input");
  }
  const Json& ref = (*list)[index];
  if (!ref.is_object()) {
    return Status::InvalidArgument(where + ": expected an object in the task's io, got " +
                                   std::string(JsonTypeName(ref)));
  }
  auto open = [&]() -> Result<std::unique_ptr<InputTable>> {
    if (const Json* component = FindMember(ref, "component"); component != nullptr) {
      ASSIGN_OR_RETURN(std::string upstream, AsString(*component, "component"));
      ASSIGN_OR_RETURN(std::string data_name, GetString(ref, "data", ""));
      return storage_->OpenOutput(upstream, data_name);
    }
    const Json* table = FindMember(ref, "table");
    if (table == nullptr || table->is_null()) {
      const Json* args = FindMember(ref, "args");
      const std::string args_key =
          args != nullptr && args->is_string() ? args->get<std::string>() : key;
      return Status::InvalidArgument("args." + args_key + " is not given for " +
                                     launch_.key.role + " " +
                                     std::to_string(launch_.key.party_id) +
                                     " in the runtime conf");
    }
    RETURN_NOT_OK(ExpectObject(*table, "table"));
    ASSIGN_OR_RETURN(std::string ns, GetString(*table, "namespace", "table"));
    ASSIGN_OR_RETURN(std::string name, GetString(*table, "name", "table"));
    return storage_->OpenTable(ns, name);
  };
  Result<std::unique_ptr<InputTable>> opened = open();
  if (!opened.ok()) return opened.status().CloneAndPrepend(where);
  return opened;
}

TableSchema OutputSchemaOf(const TableSchema& input) {
  TableSchema out;
  out.header = input.header;
  out.id_column = input.id_column;
  out.label_column = input.label_column;
  out.delimiter = input.delimiter;
  out.head = input.head;
  out.header_line = input.header_line;
  out.partitions = input.partitions;
  out.extra_json = input.extra_json;
  out.num_columns = input.num_columns;
  return out;
}

Result<int64_t> CopyTable(const TaskContext& ctx, InputTable* in, const std::string& data_name,
                          const std::function<void(const std::vector<std::string>&)>& on_batch) {
  ASSIGN_OR_RETURN(std::unique_ptr<OutputTable> out,
                   ctx.storage().CreateOutput(data_name, OutputSchemaOf(in->schema())));
  std::vector<std::string> rows;
  while (true) {
    if (ctx.should_stop()) {
      return Status::Aborted("stopped while copying " + in->what() + " to output " + data_name);
    }
    RETURN_NOT_OK(in->NextBatch(&rows));
    if (rows.empty()) break;
    if (on_batch) on_batch(rows);
    for (std::string& row : rows) RETURN_NOT_OK(out->Add(std::move(row)));
  }
  ASSIGN_OR_RETURN(int64_t count, out->Commit());
  if (count != in->count()) {
    return Status::IOError("output " + data_name + " has " + std::to_string(count) +
                           " rows, but " + in->what() + " has " + std::to_string(in->count()));
  }
  RETURN_NOT_OK(in->Close());
  return count;
}

}  // namespace fedflow
