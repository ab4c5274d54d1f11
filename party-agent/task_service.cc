#include "party-agent/task_service.h"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/rpc/thrift_status.h"

namespace fedflow {

namespace {

TaskKey FromThrift(const thrift::TTaskKey& k) {
  return TaskKey{k.job_id, k.component, k.role, k.party_id, k.task_version};
}

thrift::TTaskTableMeta ToThrift(const store::TableMeta& m) {
  thrift::TTaskTableMeta t;
  t.table_namespace = m.ns;
  t.name = m.name;
  t.header = m.header;
  t.id_column = m.id_column;
  if (m.label_column) t.__set_label_column(*m.label_column);
  t.delimiter = m.delimiter;
  t.head = m.head;
  t.header_line = m.header_line;
  t.partitions = m.partitions;
  if (m.extra_json) t.__set_extra_json(*m.extra_json);
  t.count = m.count;
  t.data_bytes = m.data_bytes;
  t.num_columns = m.num_columns;
  t.source = m.source;
  return t;
}

store::TableMeta FromThrift(const thrift::TTaskTableMeta& t) {
  store::TableMeta m;
  m.ns = t.table_namespace;
  m.name = t.name;
  m.header = t.header;
  m.id_column = t.id_column;
  if (t.__isset.label_column) m.label_column = t.label_column;
  m.delimiter = t.delimiter;
  m.head = t.head;
  m.header_line = t.header_line;
  m.partitions = t.partitions;
  if (t.__isset.extra_json) m.extra_json = t.extra_json;
  m.num_columns = t.num_columns;
  return m;
}

Result<store::MetricScalar> FromThrift(const thrift::TTaskMetricValue& v, const char* what) {
  if (v.__isset.number == v.__isset.text) {
    return Status::InvalidArgument(std::string("a metric ") + what +
                                   " must be a number or a string (exactly one)");
  }
  if (v.__isset.number) return store::MetricScalar(v.number);
  return store::MetricScalar(v.text);
}

class TaskServiceHandler : public thrift::TaskServiceIf {
 public:
  TaskServiceHandler(Federation* federation, TaskStorage* storage)
      : fed_(federation), storage_(storage) {}

  // ---- Federation ----

  void FedSend(thrift::TFedSendResponse& resp, const thrift::TFedSendRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      Federation::OutgoingChunk c;
      c.src = FromThrift(req.task);
      c.tag = req.tag;
      c.dst_role = req.dst_role;
      c.dst_party_id = req.dst_party_id;
      c.seq = req.seq;
      c.chunk_index = req.chunk_index;
      c.chunk_count = req.chunk_count;
      c.total_bytes = req.total_bytes;
      c.chunk_bytes = req.__isset.chunk_bytes ? req.chunk_bytes : 0;
      if (req.__isset.src_address) {
        bool send_inline = false;
        s = fed_->ForwardFromTaskMemory(c, req.src_address, req.src_length, &send_inline);
        if (send_inline) resp.__set_send_inline(true);
      } else {
        // The processor's own request, dropped after this call: move the chunk.
        s = fed_->Forward(c, std::move(const_cast<std::string&>(req.data)));
      }
    }
    resp.status = rpc::ToThrift(s);
  }

  void FedWait(thrift::TFedWaitResponse& resp, const thrift::TFedWaitRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    int32_t chunks = 0;
    int64_t bytes = 0;
    int64_t chunk_bytes = 0;
    if (s.ok()) {
      s = fed_->WaitIncoming(FromThrift(req.task), req.tag, req.src_role, req.src_party_id, req.seq,
                             std::chrono::milliseconds(req.timeout_ms), &chunks, &bytes,
                             &chunk_bytes);
    }
    if (s.ok() && chunks == 1 && req.__isset.dst_address && bytes <= req.dst_capacity &&
        (!req.__isset.inline_up_to || bytes > req.inline_up_to)) {
      int64_t written = 0;
      s = fed_->TakeIncomingToTaskMemory(FromThrift(req.task), req.tag, req.src_role,
                                         req.src_party_id, req.seq, 0,
                                         std::chrono::milliseconds(req.timeout_ms),
                                         req.dst_address, req.dst_capacity, &written, &resp.data);
      if (s.ok() && written > 0) resp.__set_written(written);
      if (s.ok() && written == 0) resp.__isset.data = true;
    } else if (s.ok() && chunks == 1 && req.__isset.inline_up_to && bytes <= req.inline_up_to) {
      auto data = fed_->TakeIncoming(FromThrift(req.task), req.tag, req.src_role,
                                     req.src_party_id, req.seq, 0,
                                     std::chrono::milliseconds(req.timeout_ms));
      s = data.status();
      if (s.ok()) {
        resp.data = std::move(data).value();
        resp.__isset.data = true;
      }
    }
    resp.status = rpc::ToThrift(s);
    if (s.ok()) {
      resp.__set_chunk_count(chunks);
      resp.__set_total_bytes(bytes);
      if (chunk_bytes > 0) resp.__set_chunk_bytes(chunk_bytes);
    }
  }

  void FedFetch(thrift::TFedFetchResponse& resp, const thrift::TFedFetchRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (!s.ok()) {
      resp.status = rpc::ToThrift(s);
      return;
    }
    if (req.__isset.dst_address) {
      int64_t written = 0;
      s = fed_->TakeIncomingToTaskMemory(FromThrift(req.task), req.tag, req.src_role,
                                         req.src_party_id, req.seq, req.chunk_index,
                                         std::chrono::milliseconds(req.timeout_ms),
                                         req.dst_address, req.dst_capacity, &written, &resp.data);
      resp.status = rpc::ToThrift(s);
      if (s.ok() && written > 0) resp.__set_written(written);
      if (s.ok() && written == 0) resp.__isset.data = true;
      return;
    }
    auto data =
        fed_->TakeIncoming(FromThrift(req.task), req.tag, req.src_role, req.src_party_id, req.seq,
                           req.chunk_index, std::chrono::milliseconds(req.timeout_ms));
    resp.status = rpc::ToThrift(data.status());
    if (data.ok()) {
      resp.data = std::move(data).value();  // __set_data would copy the chunk.
      resp.__isset.data = true;
    }
  }

  // ---- Storage: tables ----

  void OpenInput(thrift::TTaskOpenInputResponse& resp,
                 const thrift::TTaskOpenInputRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      TaskInputRef in;
      in.ns = req.input.table_namespace;
      in.name = req.input.table_name;
      in.component = req.input.component;
      in.data_name = req.input.data_name;
      auto opened = storage_->OpenInput(FromThrift(req.task), in);
      s = opened.status();
      if (s.ok()) {
        resp.__set_cursor_id(opened->cursor_id);
        resp.__set_meta(ToThrift(opened->meta));
      }
    }
    resp.status = rpc::ToThrift(s);
  }

  void ReadBatch(thrift::TTaskReadBatchResponse& resp,
                 const thrift::TTaskReadBatchRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      auto batch = storage_->ReadBatch(FromThrift(req.task), req.cursor_id, req.from_seq,
                                       req.max_rows, req.max_bytes);
      s = batch.status();
      if (s.ok()) {
        std::vector<std::string> rows;
        rows.reserve(batch->rows.size());
        for (store::Row& r : batch->rows) rows.push_back(std::move(r.data));
        resp.__set_rows(std::move(rows));
        resp.__set_done(batch->done);
      }
    }
    resp.status = rpc::ToThrift(s);
  }

  void CloseInput(thrift::TTaskCloseInputResponse& resp,
                  const thrift::TTaskCloseInputRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) s = storage_->CloseInput(FromThrift(req.task), req.cursor_id);
    resp.status = rpc::ToThrift(s);
  }

  void CreateOutput(thrift::TTaskCreateOutputResponse& resp,
                    const thrift::TTaskCreateOutputRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      auto id = storage_->CreateOutput(FromThrift(req.task), req.data_name, FromThrift(req.schema));
      s = id.status();
      if (s.ok()) resp.__set_writer_id(*id);
    }
    resp.status = rpc::ToThrift(s);
  }

  void AppendRows(thrift::TTaskAppendRowsResponse& resp,
                  const thrift::TTaskAppendRowsRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      auto rows =
          storage_->AppendRows(FromThrift(req.task), req.writer_id, req.batch_seq, req.rows);
      s = rows.status();
      if (s.ok()) resp.__set_rows(*rows);
    }
    resp.status = rpc::ToThrift(s);
  }

  void CommitOutput(thrift::TTaskCommitOutputResponse& resp,
                    const thrift::TTaskCommitOutputRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      auto count = storage_->CommitOutput(FromThrift(req.task), req.writer_id);
      s = count.status();
      if (s.ok()) resp.__set_count(*count);
    }
    resp.status = rpc::ToThrift(s);
  }

  void AbortOutput(thrift::TTaskAbortOutputResponse& resp,
                   const thrift::TTaskAbortOutputRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) s = storage_->AbortOutput(FromThrift(req.task), req.writer_id);
    resp.status = rpc::ToThrift(s);
  }

  // ---- Storage: models, metrics, summary ----

  void SaveModel(thrift::TTaskSaveModelResponse& resp,
                 const thrift::TTaskSaveModelRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      s = storage_->SaveModelChunk(FromThrift(req.task), req.model_alias, req.module_name,
                                   req.chunk_index, req.chunk_count, req.total_bytes, req.data);
    }
    resp.status = rpc::ToThrift(s);
  }

  void LoadModel(thrift::TTaskLoadModelResponse& resp,
                 const thrift::TTaskLoadModelRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      auto part = storage_->LoadModel(FromThrift(req.task), req.component, req.model_alias,
                                      req.offset, req.max_bytes);
      s = part.status();
      if (s.ok()) {
        resp.__set_module_name(part->module);
        resp.__set_task_version(part->task_version);
        resp.__set_total_bytes(part->total_bytes);
        resp.__set_data(std::move(part->data));
      }
    }
    resp.status = rpc::ToThrift(s);
  }

  void LogMetric(thrift::TTaskLogMetricResponse& resp,
                 const thrift::TTaskLogMetricRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    std::vector<store::MetricPoint> points;
    for (size_t i = 0; s.ok() && i < req.points.size(); ++i) {
      const thrift::TTaskMetricPoint& p = req.points[i];
      auto key = FromThrift(p.key, "key");
      auto value = FromThrift(p.value, "value");
      s = key.ok() ? value.status() : key.status();
      if (s.ok()) {
        points.push_back(
            store::MetricPoint{std::move(key).value(), std::move(value).value(), p.timestamp_ms});
      } else {
        s = s.CloneAndPrepend("metric " + req.metric_namespace + "/" + req.metric_name +
                              ": point " + std::to_string(i));
      }
    }
    if (s.ok()) {
      s = storage_->LogMetric(FromThrift(req.task), req.metric_namespace, req.metric_name,
                              std::move(points));
    }
    resp.status = rpc::ToThrift(s);
  }

  void SetMetricMeta(thrift::TTaskSetMetricMetaResponse& resp,
                     const thrift::TTaskSetMetricMetaRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      store::MetricMeta meta;
      meta.metric_namespace = req.metric_namespace;
      meta.name = req.metric_name;
      meta.metric_type = req.metric_type;
      meta.extra_metas_json = req.extra_metas_json.empty() ? "{}" : req.extra_metas_json;
      s = storage_->SetMetricMeta(FromThrift(req.task), meta);
    }
    resp.status = rpc::ToThrift(s);
  }

  void SaveSummary(thrift::TTaskSaveSummaryResponse& resp,
                   const thrift::TTaskSaveSummaryRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) s = storage_->SaveSummary(FromThrift(req.task), req.summary_json);
    resp.status = rpc::ToThrift(s);
  }

 private:
  Federation* const fed_;
  TaskStorage* const storage_;
};

}  // namespace

std::shared_ptr<thrift::TaskServiceIf> NewTaskServiceHandler(Federation* federation,
                                                             TaskStorage* storage) {
  return std::make_shared<TaskServiceHandler>(federation, storage);
}

}  // namespace fedflow
