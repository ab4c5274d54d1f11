#include "party-agent/agent_service.h"

#include "common/rpc/thrift_status.h"
#include "party-agent/agent.h"

namespace fedflow {

namespace {
TaskKey FromThriftKey(const thrift::TTaskKey& k) {
  return TaskKey{k.job_id, k.component, k.role, k.party_id, k.task_version};
}

// Sets resp.status and returns false when the peer speaks another protocol version.
template <typename Resp>
bool VersionOk(Resp& resp, int32_t version) {
  Status v = rpc::CheckProtocolVersion(version);
  if (!v.ok()) resp.status = rpc::ToThrift(v);
  return v.ok();
}

thrift::TTableInfo ToThrift(const store::TableMeta& m) {
  thrift::TTableInfo t;
  t.table_namespace = m.ns;
  t.name = m.name;
  t.count = m.count;
  t.header = m.header;
  t.id_column = m.id_column;
  if (m.label_column) t.__set_label_column(*m.label_column);
  t.delimiter = m.delimiter;
  t.partitions = m.partitions;
  t.create_time_ms = m.create_time_ms;
  t.head = m.head;
  t.data_bytes = m.data_bytes;
  t.num_columns = m.num_columns;
  t.generation = static_cast<int64_t>(m.generation);
  return t;
}
}  // namespace

void AgentServiceHandler::StartTask(thrift::TStartTaskResponse& resp,
                                    const thrift::TStartTaskRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  if (!v.ok()) {
    resp.status = rpc::ToThrift(v);
    return;
  }
  auto r = agent_->StartTask(req);
  resp.status = rpc::ToThrift(r.status());
  if (r.ok()) resp.__set_started(*r);
}

void AgentServiceHandler::StopTask(thrift::TStopTaskResponse& resp,
                                   const thrift::TStopTaskRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  if (!v.ok()) {
    resp.status = rpc::ToThrift(v);
    return;
  }
  resp.status = rpc::ToThrift(agent_->StopTask(FromThriftKey(req.key), req.stop_status, req.reason));
}

void AgentServiceHandler::QueryTasks(thrift::TQueryAgentTasksResponse& resp,
                                     const thrift::TQueryAgentTasksRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  if (!v.ok()) {
    resp.status = rpc::ToThrift(v);
    return;
  }
  std::vector<thrift::TAgentTask> out;
  for (const AgentTask& t : agent_->Tasks(req.job_id)) {
    thrift::TAgentTask a;
    a.key.job_id = t.key.job_id;
    a.key.component = t.key.component;
    a.key.role = t.key.role;
    a.key.party_id = t.key.party_id;
    a.key.task_version = t.key.task_version;
    a.module_name = t.module;
    a.party_status = t.party_status;
    if (t.start_ms) a.__set_start_time_ms(t.start_ms);
    if (t.end_ms) a.__set_end_time_ms(t.end_ms);
    if (!t.error.empty()) a.__set_error(t.error);
    if (t.pid) a.__set_pid(t.pid);
    if (!t.federated_status.empty()) a.__set_federated_status(t.federated_status);
    out.push_back(std::move(a));
  }
  resp.status = rpc::ToThrift(Status::OK());
  resp.__set_tasks(out);
}

void AgentServiceHandler::SyncTaskStatus(thrift::TSyncTaskStatusResponse& resp,
                                         const thrift::TSyncTaskStatusRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  if (!v.ok()) {
    resp.status = rpc::ToThrift(v);
    return;
  }
  resp.status =
      rpc::ToThrift(agent_->SyncTaskStatus(FromThriftKey(req.key), req.federated_status));
}

void AgentServiceHandler::Ping(thrift::TPingResponse& resp, const thrift::TPingRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  resp.status = rpc::ToThrift(v);
  if (!v.ok()) return;
  resp.__set_agent_id(agent_->agent_id());
  resp.__set_party_id(agent_->party_id());
  resp.__set_cores(agent_->cores());
  resp.__set_running_tasks(agent_->running_tasks());
}

void AgentServiceHandler::UploadBegin(thrift::TUploadBeginResponse& resp,
                                      const thrift::TUploadBeginRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  UploadParams p;
  p.ns = req.table_namespace;
  p.name = req.name;
  p.head = req.head;
  p.delimiter = req.delimiter;
  p.drop = req.drop;
  p.partitions = req.partitions;
  if (req.__isset.source_name) p.source_name = req.source_name;
  auto id = agent_->data()->BeginUpload(p);
  resp.status = rpc::ToThrift(id.status());
  if (!id.ok()) return;
  resp.__set_upload_id(*id);
  resp.__set_idle_timeout_ms(agent_->data()->options().idle_timeout_ms);
}

void AgentServiceHandler::UploadChunk(thrift::TUploadChunkResponse& resp,
                                      const thrift::TUploadChunkRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto progress = agent_->data()->UploadChunk(req.upload_id, req.seq, req.data);
  resp.status = rpc::ToThrift(progress.status());
  if (!progress.ok()) return;
  resp.__set_rows(progress->rows);
  resp.__set_bytes(progress->bytes);
}

void AgentServiceHandler::UploadFinish(thrift::TUploadFinishResponse& resp,
                                       const thrift::TUploadFinishRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto meta = agent_->data()->FinishUpload(req.upload_id);
  resp.status = rpc::ToThrift(meta.status());
  if (meta.ok()) resp.__set_table(ToThrift(*meta));
}

void AgentServiceHandler::UploadAbort(thrift::TUploadAbortResponse& resp,
                                      const thrift::TUploadAbortRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  resp.status = rpc::ToThrift(agent_->data()->AbortUpload(req.upload_id));
}

void AgentServiceHandler::Download(thrift::TDownloadResponse& resp,
                                   const thrift::TDownloadRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto part = agent_->data()->Download(req.table_namespace, req.name,
                                       req.__isset.cursor ? req.cursor : "",
                                       req.__isset.max_bytes ? req.max_bytes : 0);
  resp.status = rpc::ToThrift(part.status());
  if (!part.ok()) return;
  resp.__set_data(std::move(part->data));
  resp.__set_next_cursor(part->next_cursor);
  resp.__set_done(part->done);
  resp.__set_rows(part->rows);
  resp.__set_table(ToThrift(part->meta));
}

void AgentServiceHandler::TableInfo(thrift::TTableInfoResponse& resp,
                                    const thrift::TTableInfoRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto meta = agent_->data()->GetTable(req.table_namespace, req.name);
  resp.status = rpc::ToThrift(meta.status());
  if (meta.ok()) resp.__set_table(ToThrift(*meta));
}

void AgentServiceHandler::TableList(thrift::TTableListResponse& resp,
                                    const thrift::TTableListRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto metas = agent_->data()->ListTables(req.__isset.table_namespace ? req.table_namespace : "");
  resp.status = rpc::ToThrift(metas.status());
  if (!metas.ok()) return;
  std::vector<thrift::TTableInfo> tables;
  for (const store::TableMeta& m : *metas) tables.push_back(ToThrift(m));
  resp.__set_tables(std::move(tables));
}

void AgentServiceHandler::TableDelete(thrift::TTableDeleteResponse& resp,
                                      const thrift::TTableDeleteRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto meta = agent_->data()->DeleteTable(req.table_namespace, req.name);
  resp.status = rpc::ToThrift(meta.status());
  if (meta.ok()) resp.__set_table(ToThrift(*meta));
}

}  // namespace fedflow
