#include "party-agent/components/task_storage_client.h"

#include <algorithm>
#include <utility>

#include "common/rpc/thrift_status.h"

namespace fedflow {

namespace {

// Rows and bytes an OutputTable buffers before it sends a batch.
constexpr size_t kBatchRows = 4096;
constexpr size_t kBatchBytes = 1 << 20;
// Model bytes per SaveModel call and asked for per LoadModel call (a Thrift frame is 16 MB).
constexpr int64_t kModelChunkBytes = 4 << 20;
constexpr int32_t kModelPartBytes = 8 << 20;

rpc::ClientPoolOptions AgentPoolOptions() {
  rpc::ClientPoolOptions o;
  o.connect_timeout_ms = 2000;
  o.send_timeout_ms = 120000;
  // A commit merges the output's id runs and fsyncs; a large one takes a while.
  o.recv_timeout_ms = 600000;
  o.retries = 2;
  return o;
}

TableSchema FromThrift(const thrift::TTaskTableMeta& t) {
  TableSchema s;
  s.ns = t.table_namespace;
  s.name = t.name;
  s.header = t.header;
  s.id_column = t.id_column;
  if (t.__isset.label_column) s.label_column = t.label_column;
  s.delimiter = t.delimiter;
  s.head = t.head;
  s.header_line = t.header_line;
  s.partitions = t.partitions;
  if (t.__isset.extra_json) s.extra_json = t.extra_json;
  s.count = t.count;
  s.data_bytes = t.data_bytes;
  s.num_columns = t.num_columns;
  s.source = t.source;
  return s;
}

thrift::TTaskTableMeta ToThrift(const TableSchema& s) {
  thrift::TTaskTableMeta t;
  t.table_namespace = s.ns;
  t.name = s.name;
  t.header = s.header;
  t.id_column = s.id_column;
  if (s.label_column) t.__set_label_column(*s.label_column);
  t.delimiter = s.delimiter;
  t.head = s.head;
  t.header_line = s.header_line;
  t.partitions = s.partitions;
  if (s.extra_json) t.__set_extra_json(*s.extra_json);
  t.count = s.count;
  t.data_bytes = s.data_bytes;
  t.num_columns = s.num_columns;
  t.source = s.source;
  return t;
}

thrift::TTaskMetricValue ToThrift(const MetricValue& v) {
  thrift::TTaskMetricValue t;
  if (const double* d = std::get_if<double>(&v)) {
    t.__set_number(*d);
  } else {
    t.__set_text(std::get<std::string>(v));
  }
  return t;
}

}  // namespace

// ---- TaskStorageClient ----

TaskStorageClient::TaskStorageClient(TaskKey key, std::string agent_endpoint)
    : key_(std::move(key)), endpoint_(std::move(agent_endpoint)), pool_(AgentPoolOptions()) {
  tkey_.job_id = key_.job_id;
  tkey_.component = key_.component;
  tkey_.role = key_.role;
  tkey_.party_id = key_.party_id;
  tkey_.task_version = key_.task_version;
}

template <typename Fn, typename Response>
Status TaskStorageClient::Call(Fn&& fn, const Response& resp, rpc::Idempotency idempotency) {
  if (endpoint_.empty()) {
    return Status::IllegalState("this task has no agent endpoint: it cannot reach its storage");
  }
  RETURN_NOT_OK(pool_.Call(endpoint_, fn, idempotency));
  return rpc::FromThrift(resp.status);
}

Result<std::unique_ptr<InputTable>> TaskStorageClient::Open(const thrift::TTaskInputRef& ref,
                                                            std::string what) {
  thrift::TTaskOpenInputRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = tkey_;
  req.input = ref;
  thrift::TTaskOpenInputResponse resp;
  // Not retried once sent: a second cursor would stay open until the task ends.
  RETURN_NOT_OK(Call([&](thrift::TaskServiceClient& c) { c.OpenInput(resp, req); }, resp,
                     rpc::Idempotency::kNotIdempotent));
  return std::unique_ptr<InputTable>(
      new InputTable(this, resp.cursor_id, FromThrift(resp.meta), std::move(what)));
}

Result<std::unique_ptr<InputTable>> TaskStorageClient::OpenTable(const std::string& ns,
                                                                 const std::string& name) {
  thrift::TTaskInputRef ref;
  ref.__set_table_namespace(ns);
  ref.__set_table_name(name);
  return Open(ref, "table " + ns + "." + name);
}

Result<std::unique_ptr<InputTable>> TaskStorageClient::OpenOutput(const std::string& component,
                                                                  const std::string& data_name) {
  thrift::TTaskInputRef ref;
  ref.__set_component(component);
  ref.__set_data_name(data_name);
  return Open(ref, "output " + component + "." + data_name);
}

Result<std::unique_ptr<OutputTable>> TaskStorageClient::CreateOutput(const std::string& data_name,
                                                                     const TableSchema& schema) {
  thrift::TTaskCreateOutputRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = tkey_;
  req.data_name = data_name;
  req.schema = ToThrift(schema);
  thrift::TTaskCreateOutputResponse resp;
  RETURN_NOT_OK(Call([&](thrift::TaskServiceClient& c) { c.CreateOutput(resp, req); }, resp,
                     rpc::Idempotency::kNotIdempotent));
  return std::unique_ptr<OutputTable>(new OutputTable(this, resp.writer_id, data_name));
}

Status TaskStorageClient::SaveModel(const std::string& alias, const std::string& module,
                                    const std::string& data) {
  const int64_t total = static_cast<int64_t>(data.size());
  const int32_t chunks =
      static_cast<int32_t>(std::max<int64_t>(1, (total + kModelChunkBytes - 1) / kModelChunkBytes));
  for (int32_t i = 0; i < chunks; ++i) {
    thrift::TTaskSaveModelRequest req;
    req.protocol_version = rpc::ProtocolVersion();
    req.task = tkey_;
    req.model_alias = alias;
    req.module_name = module;
    req.chunk_index = i;
    req.chunk_count = chunks;
    req.total_bytes = total;
    const int64_t off = static_cast<int64_t>(i) * kModelChunkBytes;
    req.data.assign(data, static_cast<size_t>(off),
                    static_cast<size_t>(std::min<int64_t>(kModelChunkBytes, total - off)));
    thrift::TTaskSaveModelResponse resp;
    // A chunk received twice is acknowledged again.
    RETURN_NOT_OK_PREPEND(Call([&](thrift::TaskServiceClient& c) { c.SaveModel(resp, req); }, resp,
                               rpc::Idempotency::kIdempotent),
                          "saving model \"" + alias + "\"");
  }
  return Status::OK();
}

Result<TaskStorageClient::Model> TaskStorageClient::LoadModel(const std::string& component,
                                                              const std::string& alias) {
  Model model;
  int64_t total = -1;
  while (total < 0 || static_cast<int64_t>(model.data.size()) < total) {
    thrift::TTaskLoadModelRequest req;
    req.protocol_version = rpc::ProtocolVersion();
    req.task = tkey_;
    req.component = component;
    req.model_alias = alias;
    req.offset = static_cast<int64_t>(model.data.size());
    req.__set_max_bytes(kModelPartBytes);
    thrift::TTaskLoadModelResponse resp;
    RETURN_NOT_OK(Call([&](thrift::TaskServiceClient& c) { c.LoadModel(resp, req); }, resp,
                       rpc::Idempotency::kIdempotent));
    if (total < 0) {
      total = resp.total_bytes;
      model.module = resp.module_name;
      model.task_version = resp.task_version;
      model.data.reserve(static_cast<size_t>(total));
    } else if (resp.total_bytes != total) {
      return Status::Aborted("model \"" + alias + "\" of " + component +
                             " was replaced while it was being read");
    }
    if (resp.data.empty() && static_cast<int64_t>(model.data.size()) < total) {
      return Status::IOError("model \"" + alias + "\" of " + component + ": the agent sent " +
                             "no bytes at offset " + std::to_string(model.data.size()));
    }
    model.data += resp.data;
  }
  return model;
}

Status TaskStorageClient::LogMetric(const std::string& metric_namespace, const std::string& name,
                                    const std::vector<MetricPoint>& points) {
  thrift::TTaskLogMetricRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = tkey_;
  req.metric_namespace = metric_namespace;
  req.metric_name = name;
  for (const MetricPoint& p : points) {
    thrift::TTaskMetricPoint t;
    t.key = ToThrift(p.key);
    t.value = ToThrift(p.value);
    req.points.push_back(std::move(t));
  }
  thrift::TTaskLogMetricResponse resp;
  // Not retried once sent: the points would be logged twice.
  return Call([&](thrift::TaskServiceClient& c) { c.LogMetric(resp, req); }, resp,
              rpc::Idempotency::kNotIdempotent);
}

Status TaskStorageClient::SetMetricMeta(const std::string& metric_namespace,
                                        const std::string& name, const std::string& metric_type,
                                        const Json& extra_metas) {
  thrift::TTaskSetMetricMetaRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = tkey_;
  req.metric_namespace = metric_namespace;
  req.metric_name = name;
  req.metric_type = metric_type;
  req.__set_extra_metas_json(DumpJson(extra_metas.is_null() ? Json::object() : extra_metas));
  thrift::TTaskSetMetricMetaResponse resp;
  return Call([&](thrift::TaskServiceClient& c) { c.SetMetricMeta(resp, req); }, resp,
              rpc::Idempotency::kIdempotent);
}

Status TaskStorageClient::SaveSummary(const Json& summary) {
  thrift::TTaskSaveSummaryRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = tkey_;
  req.summary_json = DumpJson(summary);
  thrift::TTaskSaveSummaryResponse resp;
  return Call([&](thrift::TaskServiceClient& c) { c.SaveSummary(resp, req); }, resp,
              rpc::Idempotency::kIdempotent);
}

// ---- InputTable ----

InputTable::InputTable(TaskStorageClient* client, int64_t cursor_id, TableSchema schema,
                       std::string what)
    : client_(client), cursor_id_(cursor_id), schema_(std::move(schema)), what_(std::move(what)) {}

InputTable::~InputTable() { Close().IgnoreError(); }

Status InputTable::NextBatch(std::vector<std::string>* rows, int32_t max_rows, int32_t max_bytes) {
  rows->clear();
  if (closed_) return Status::IllegalState(what_ + " is closed");
  if (done_) return Status::OK();
  thrift::TTaskReadBatchRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = client_->tkey_;
  req.cursor_id = cursor_id_;
  req.from_seq = next_seq_;  // Makes the call idempotent.
  req.__set_max_rows(max_rows);
  req.__set_max_bytes(max_bytes);
  thrift::TTaskReadBatchResponse resp;
  RETURN_NOT_OK_PREPEND(client_->Call([&](thrift::TaskServiceClient& c) { c.ReadBatch(resp, req); },
                                      resp, rpc::Idempotency::kIdempotent),
                        "reading " + what_);
  *rows = std::move(resp.rows);
  next_seq_ += static_cast<int64_t>(rows->size());
  done_ = resp.done || rows->empty();
  if (done_ && next_seq_ != schema_.count) {
    return Status::IOError(what_ + ": " + std::to_string(next_seq_) + " rows read, the table has " +
                           std::to_string(schema_.count));
  }
  return Status::OK();
}

Status InputTable::Close() {
  if (closed_) return Status::OK();
  closed_ = true;
  thrift::TTaskCloseInputRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = client_->tkey_;
  req.cursor_id = cursor_id_;
  thrift::TTaskCloseInputResponse resp;
  return client_->Call([&](thrift::TaskServiceClient& c) { c.CloseInput(resp, req); }, resp,
                       rpc::Idempotency::kIdempotent);
}

// ---- OutputTable ----

OutputTable::OutputTable(TaskStorageClient* client, int64_t writer_id, std::string data_name)
    : client_(client), writer_id_(writer_id), data_name_(std::move(data_name)) {}

OutputTable::~OutputTable() {
  if (state_ == State::kOpen || state_ == State::kFailed) Abort().IgnoreError();
}

Status OutputTable::Add(std::string row) {
  if (state_ == State::kFailed) return error_;
  if (state_ != State::kOpen) {
    return Status::IllegalState("output " + data_name_ + " is no longer open");
  }
  buffer_bytes_ += row.size();
  buffer_.push_back(std::move(row));
  ++added_;
  if (buffer_.size() >= kBatchRows || buffer_bytes_ >= kBatchBytes) return Flush();
  return Status::OK();
}

Status OutputTable::Append(const std::vector<std::string>& rows) {
  for (const std::string& row : rows) RETURN_NOT_OK(Add(row));
  return Status::OK();
}

Status OutputTable::Flush() {
  if (buffer_.empty()) return Status::OK();
  thrift::TTaskAppendRowsRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = client_->tkey_;
  req.writer_id = writer_id_;
  req.batch_seq = next_batch_;  // Makes the call idempotent.
  req.rows = std::move(buffer_);
  buffer_.clear();
  buffer_bytes_ = 0;
  thrift::TTaskAppendRowsResponse resp;
  Status s = client_->Call([&](thrift::TaskServiceClient& c) { c.AppendRows(resp, req); }, resp,
                           rpc::Idempotency::kIdempotent);
  if (!s.ok()) {
    state_ = State::kFailed;
    error_ = s.CloneAndPrepend("writing output " + data_name_);
    return error_;
  }
  ++next_batch_;
  return Status::OK();
}

Result<int64_t> OutputTable::Commit() {
  if (state_ == State::kFailed) return error_;
  if (state_ != State::kOpen) {
    return Status::IllegalState("output " + data_name_ + " is no longer open");
  }
  RETURN_NOT_OK(Flush());
  thrift::TTaskCommitOutputRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = client_->tkey_;
  req.writer_id = writer_id_;
  thrift::TTaskCommitOutputResponse resp;
  Status s = client_->Call([&](thrift::TaskServiceClient& c) { c.CommitOutput(resp, req); }, resp,
                           rpc::Idempotency::kIdempotent);
  if (!s.ok()) {
    state_ = State::kFailed;
    error_ = s.CloneAndPrepend("committing output " + data_name_);
    return error_;
  }
  state_ = State::kCommitted;
  return resp.count;
}

Status OutputTable::Abort() {
  if (state_ == State::kCommitted || state_ == State::kAborted) return Status::OK();
  state_ = State::kAborted;
  buffer_.clear();
  thrift::TTaskAbortOutputRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = client_->tkey_;
  req.writer_id = writer_id_;
  thrift::TTaskAbortOutputResponse resp;
  return client_->Call([&](thrift::TaskServiceClient& c) { c.AbortOutput(resp, req); }, resp,
                       rpc::Idempotency::kIdempotent);
}

}  // namespace fedflow
