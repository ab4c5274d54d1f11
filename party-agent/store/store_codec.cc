#include "party-agent/store/store_codec.h"

#include <climits>
#include <exception>
#include <memory>
#include <utility>

#include "common/rpc/thrift_bytes.h"
#include "store_types.h"  // generated from thrift/store.thrift

namespace fedflow::store::codec {

namespace {

namespace t = ::fedflow::store::thrift;
template <typename T>
std::string Serialize(const T& value) {
  return rpc::ThriftToBytes(value, rpc::ThriftProtocol::kCompact);
}

template <typename T>
Status Deserialize(std::string_view bytes, std::string_view key, T* value) {
  if (bytes.size() > kMaxValueBytes) {
    return Status::IOError("agent store value at " + std::string(key) +
                           " is corrupt: " + std::to_string(bytes.size()) + " bytes");
  }
  Status s = rpc::ThriftFromBytes(bytes, rpc::ThriftProtocol::kCompact, value);
  if (s.ok()) return s;
  return Status::IOError("agent store value at " + std::string(key) + " is corrupt: " +
                         s.message());
}

t::TOutputRef ToThrift(const OutputRef& r) {
  t::TOutputRef o;
  o.__set_job_id(r.task.job_id);
  o.__set_component(r.task.component);
  o.__set_role(r.task.role);
  o.__set_party_id(r.task.party_id);
  o.__set_task_version(r.task_version);
  o.__set_data_name(r.data_name);
  return o;
}

OutputRef FromThrift(const t::TOutputRef& o) {
  return OutputRef{{o.job_id, o.component, o.role, o.party_id}, o.task_version, o.data_name};
}

t::TScalar ToThrift(const MetricScalar& s) {
  t::TScalar o;
  if (const double* d = std::get_if<double>(&s)) {
    o.__set_number(*d);
  } else {
    o.__set_text(std::get<std::string>(s));
  }
  return o;
}

MetricScalar FromThrift(const t::TScalar& o) {
  if (o.__isset.number) return o.number;
  return o.text;
}

}  // namespace

std::string EncodeTableMeta(const TableMeta& m) {
  t::TTableMeta o;
  o.__set_table_namespace(m.ns);
  o.__set_name(m.name);
  o.__set_header(m.header);
  o.__set_id_column(m.id_column);
  if (m.label_column) o.__set_label_column(*m.label_column);
  o.__set_delimiter(m.delimiter);
  o.__set_count(m.count);
  o.__set_partitions(m.partitions);
  o.__set_create_time_ms(m.create_time_ms);
  o.__set_generation(static_cast<int64_t>(m.generation));
  o.__set_source(m.source);
  o.__set_head(m.head);
  o.__set_header_line(m.header_line);
  o.__set_line_ending(m.line_ending);
  o.__set_final_newline(m.final_newline);
  o.__set_data_bytes(m.data_bytes);
  o.__set_num_columns(m.num_columns);
  if (m.output) o.__set_output(ToThrift(*m.output));
  o.__set_utf8_bom(m.utf8_bom);
  if (m.extra_json) o.__set_extra_json(*m.extra_json);
  return Serialize(o);
}

Result<TableMeta> DecodeTableMeta(std::string_view bytes, std::string_view key) {
  t::TTableMeta o;
  RETURN_NOT_OK(Deserialize(bytes, key, &o));
  TableMeta m;
  m.ns = std::move(o.table_namespace);
  m.name = std::move(o.name);
  m.header = std::move(o.header);
  m.id_column = std::move(o.id_column);
  if (o.__isset.label_column) m.label_column = std::move(o.label_column);
  m.delimiter = std::move(o.delimiter);
  m.count = o.count;
  m.partitions = o.partitions;
  m.create_time_ms = o.create_time_ms;
  m.generation = static_cast<uint64_t>(o.generation);
  m.source = std::move(o.source);
  m.head = o.head;
  m.header_line = std::move(o.header_line);
  m.line_ending = std::move(o.line_ending);
  m.final_newline = o.final_newline;
  m.data_bytes = o.data_bytes;
  m.num_columns = o.num_columns;
  if (o.__isset.output) m.output = FromThrift(o.output);
  m.utf8_bom = o.utf8_bom;
  if (o.__isset.extra_json) m.extra_json = std::move(o.extra_json);
  return m;
}

std::string EncodeModel(const Model& model) {
  const ModelMeta& m = model.meta;
  t::TModel o;
  o.meta.__set_module_name(m.module);
  o.meta.__set_model_alias(m.alias);
  o.meta.__set_job_id(m.job_id);
  o.meta.__set_component(m.component);
  o.meta.__set_role(m.role);
  o.meta.__set_party_id(m.party_id);
  o.meta.__set_task_version(m.task_version);
  o.meta.__set_create_time_ms(m.create_time_ms);
  if (m.model_id) o.meta.__set_model_id(*m.model_id);
  if (m.model_version) o.meta.__set_model_version(*m.model_version);
  o.meta.__set_size(m.size);
  o.__isset.meta = true;
  o.__set_data(model.data);
  return Serialize(o);
}

Result<Model> DecodeModel(std::string_view bytes, std::string_view key) {
  t::TModel o;
  RETURN_NOT_OK(Deserialize(bytes, key, &o));
  Model model;
  ModelMeta& m = model.meta;
  m.module = std::move(o.meta.module_name);
  m.alias = std::move(o.meta.model_alias);
  m.job_id = std::move(o.meta.job_id);
  m.component = std::move(o.meta.component);
  m.role = std::move(o.meta.role);
  m.party_id = o.meta.party_id;
  m.task_version = o.meta.task_version;
  m.create_time_ms = o.meta.create_time_ms;
  if (o.meta.__isset.model_id) m.model_id = std::move(o.meta.model_id);
  if (o.meta.__isset.model_version) m.model_version = std::move(o.meta.model_version);
  m.size = o.meta.size;
  model.data = std::move(o.data);
  return model;
}

std::string EncodeMetricMeta(const MetricMeta& m) {
  t::TMetricMeta o;
  o.__set_name(m.name);
  o.__set_metric_namespace(m.metric_namespace);
  o.__set_metric_type(m.metric_type);
  o.__set_extra_metas_json(m.extra_metas_json);
  return Serialize(o);
}

Result<MetricMeta> DecodeMetricMeta(std::string_view bytes, std::string_view key) {
  t::TMetricMeta o;
  RETURN_NOT_OK(Deserialize(bytes, key, &o));
  return MetricMeta{std::move(o.name), std::move(o.metric_namespace), std::move(o.metric_type),
                    std::move(o.extra_metas_json)};
}

std::string EncodeMetricPoints(const std::vector<MetricPoint>& points) {
  t::TMetricPoints o;
  o.points.reserve(points.size());
  for (const MetricPoint& p : points) {
    t::TMetricPoint tp;
    tp.__set_key(ToThrift(p.key));
    tp.__set_value(ToThrift(p.value));
    tp.__set_timestamp_ms(p.timestamp_ms);
    o.points.push_back(std::move(tp));
  }
  o.__isset.points = true;
  return Serialize(o);
}

Status DecodeMetricPoints(std::string_view bytes, std::string_view key,
                          std::vector<MetricPoint>* out) {
  t::TMetricPoints o;
  RETURN_NOT_OK(Deserialize(bytes, key, &o));
  for (const t::TMetricPoint& tp : o.points) {
    out->push_back(MetricPoint{FromThrift(tp.key), FromThrift(tp.value), tp.timestamp_ms});
  }
  return Status::OK();
}

std::string EncodeSummary(const Summary& s) {
  t::TSummary o;
  o.__set_json(s.json);
  o.__set_task_version(s.task_version);
  o.__set_update_time_ms(s.update_time_ms);
  return Serialize(o);
}

Result<Summary> DecodeSummary(std::string_view bytes, std::string_view key) {
  t::TSummary o;
  RETURN_NOT_OK(Deserialize(bytes, key, &o));
  return Summary{std::move(o.json), o.task_version, o.update_time_ms};
}

std::string EncodeTaskRecord(const TaskRecord& r) {
  t::TTaskRecord o;
  o.__set_job_id(r.job_id);
  o.__set_component(r.component);
  o.__set_role(r.role);
  o.__set_party_id(r.party_id);
  o.__set_task_version(r.task_version);
  o.__set_module_name(r.module);
  o.__set_party_status(r.party_status);
  o.__set_create_time_ms(r.create_time_ms);
  o.__set_start_time_ms(r.start_time_ms);
  o.__set_end_time_ms(r.end_time_ms);
  o.__set_update_time_ms(r.update_time_ms);
  o.__set_error(r.error);
  o.__set_run_pid(r.run_pid);
  o.__set_agent_id(r.agent_id);
  o.__set_parameters_json(r.parameters_json);
  return Serialize(o);
}

Result<TaskRecord> DecodeTaskRecord(std::string_view bytes, std::string_view key) {
  t::TTaskRecord o;
  RETURN_NOT_OK(Deserialize(bytes, key, &o));
  TaskRecord r;
  r.job_id = std::move(o.job_id);
  r.component = std::move(o.component);
  r.role = std::move(o.role);
  r.party_id = o.party_id;
  r.task_version = o.task_version;
  r.module = std::move(o.module_name);
  r.party_status = std::move(o.party_status);
  r.create_time_ms = o.create_time_ms;
  r.start_time_ms = o.start_time_ms;
  r.end_time_ms = o.end_time_ms;
  r.update_time_ms = o.update_time_ms;
  r.error = std::move(o.error);
  r.run_pid = o.run_pid;
  r.agent_id = std::move(o.agent_id);
  r.parameters_json = std::move(o.parameters_json);
  return r;
}

}  // namespace fedflow::store::codec
