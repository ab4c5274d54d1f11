#include "party-agent/agent_service.h"

#include <string>
#include <variant>
#include <vector>

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

thrift::TTaskKey ToThriftKey(const TaskKey& k) {
  thrift::TTaskKey t;
  t.job_id = k.job_id;
  t.component = k.component;
  t.role = k.role;
  t.party_id = k.party_id;
  t.task_version = k.task_version;
  return t;
}

store::TaskPartyKey FromThrift(const thrift::TTrackingTask& t) {
  return store::TaskPartyKey{t.job_id, t.component, t.role, t.party_id};
}

thrift::TMetricScalar ToThrift(const store::MetricScalar& v) {
  thrift::TMetricScalar t;
  if (const double* d = std::get_if<double>(&v)) {
    t.__set_number(*d);
  } else {
    t.__set_text(std::get<std::string>(v));
  }
  return t;
}

thrift::TOutputInfo ToOutputInfo(const store::TableMeta& m) {
  thrift::TOutputInfo o;
  if (m.output) {
    o.data_name = m.output->data_name;
    o.task_version = m.output->task_version;
  }
  o.table = ToThrift(m);
  return o;
}

thrift::TModelInfo ToThrift(const store::ModelMeta& m) {
  thrift::TModelInfo t;
  t.module_name = m.module;
  t.model_alias = m.alias;
  t.task_version = m.task_version;
  t.create_time_ms = m.create_time_ms;
  t.size = m.size;
  if (m.model_id) t.__set_model_id(*m.model_id);
  if (m.model_version) t.__set_model_version(*m.model_version);
  return t;
}

thrift::TTaskRecordInfo ToThrift(const store::TaskRecord& r) {
  thrift::TTaskRecordInfo t;
  t.key = ToThriftKey(TaskKey{r.job_id, r.component, r.role, r.party_id, r.task_version});
  t.module_name = r.module;
  t.party_status = r.party_status;
  t.create_time_ms = r.create_time_ms;
  t.start_time_ms = r.start_time_ms;
  t.end_time_ms = r.end_time_ms;
  t.update_time_ms = r.update_time_ms;
  if (!r.error.empty()) t.__set_error(r.error);
  if (r.run_pid != 0) t.__set_run_pid(r.run_pid);
  if (!r.agent_id.empty()) t.__set_agent_id(r.agent_id);
  return t;
}
}  // namespace

AgentServiceHandler::AgentServiceHandler(Agent* agent)
    : agent_(agent),
      tracking_(std::make_unique<TrackingService>(
          agent->store(), agent->data_dir(), [agent](const std::string& job_id) {
            std::vector<std::string> running;
            for (const AgentTask& t : agent->Tasks(job_id)) {
              if (t.party_status == "running" || t.party_status == "waiting") {
                running.push_back(t.key.ToString());
              }
            }
            return running;
          })) {}

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
    a.key = ToThriftKey(t.key);
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

void AgentServiceHandler::TrackingMetrics(thrift::TTrackingMetricsResponse& resp,
                                          const thrift::TTrackingMetricsRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto metrics = tracking_->ListMetrics(FromThrift(req.task));
  resp.status = rpc::ToThrift(metrics.status());
  if (metrics.ok()) resp.__set_metrics(std::move(metrics).value());
}

void AgentServiceHandler::TrackingMetricData(thrift::TTrackingMetricDataResponse& resp,
                                             const thrift::TTrackingMetricDataRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto page = tracking_->GetMetric(FromThrift(req.task), req.metric_namespace, req.metric_name,
                                   req.__isset.offset ? req.offset : 0,
                                   req.__isset.max_points ? req.max_points : 0);
  resp.status = rpc::ToThrift(page.status());
  if (!page.ok()) return;
  if (page->meta) {
    thrift::TMetricMetaInfo meta;
    meta.name = page->meta->name;
    meta.metric_namespace = page->meta->metric_namespace;
    meta.metric_type = page->meta->metric_type;
    meta.extra_metas_json = page->meta->extra_metas_json;
    resp.__set_meta(std::move(meta));
  }
  std::vector<thrift::TMetricPointInfo> points;
  points.reserve(page->points.size());
  for (const store::MetricPoint& p : page->points) {
    thrift::TMetricPointInfo t;
    t.key = ToThrift(p.key);
    t.value = ToThrift(p.value);
    t.timestamp_ms = p.timestamp_ms;
    points.push_back(std::move(t));
  }
  resp.__set_points(std::move(points));
  resp.__set_total_points(page->total_points);
  resp.__set_done(page->done);
}

void AgentServiceHandler::TrackingOutputs(thrift::TTrackingOutputsResponse& resp,
                                          const thrift::TTrackingOutputsRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto metas = tracking_->ListOutputs(FromThrift(req.task),
                                      req.__isset.all_versions && req.all_versions);
  resp.status = rpc::ToThrift(metas.status());
  if (!metas.ok()) return;
  std::vector<thrift::TOutputInfo> outputs;
  for (const store::TableMeta& m : *metas) outputs.push_back(ToOutputInfo(m));
  resp.__set_outputs(std::move(outputs));
}

void AgentServiceHandler::TrackingOutputData(thrift::TTrackingOutputDataResponse& resp,
                                             const thrift::TTrackingOutputDataRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto part = tracking_->ReadOutput(FromThrift(req.task), req.data_name,
                                    req.__isset.task_version ? req.task_version : -1,
                                    req.__isset.cursor ? req.cursor : "",
                                    req.__isset.max_bytes ? req.max_bytes : 0,
                                    req.__isset.max_rows ? req.max_rows : 0);
  resp.status = rpc::ToThrift(part.status());
  if (!part.ok()) return;
  resp.__set_data(std::move(part->data));
  resp.__set_next_cursor(part->next_cursor);
  resp.__set_done(part->done);
  resp.__set_rows(part->rows);
  resp.__set_output(ToOutputInfo(part->meta));
}

void AgentServiceHandler::TrackingModels(thrift::TTrackingModelsResponse& resp,
                                         const thrift::TTrackingModelsRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto metas = tracking_->ListModels(FromThrift(req.task));
  resp.status = rpc::ToThrift(metas.status());
  if (!metas.ok()) return;
  std::vector<thrift::TModelInfo> models;
  for (const store::ModelMeta& m : *metas) models.push_back(ToThrift(m));
  resp.__set_models(std::move(models));
}

void AgentServiceHandler::TrackingModel(thrift::TTrackingModelResponse& resp,
                                        const thrift::TTrackingModelRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto part = tracking_->ReadModel(FromThrift(req.task), req.model_alias,
                                   req.__isset.offset ? req.offset : 0,
                                   req.__isset.max_bytes ? req.max_bytes : 0,
                                   req.__isset.create_time_ms ? req.create_time_ms : 0);
  resp.status = rpc::ToThrift(part.status());
  if (!part.ok()) return;
  resp.__set_model(ToThrift(part->meta));
  resp.__set_data(std::move(part->data));
  resp.__set_done(part->done);
}

void AgentServiceHandler::TrackingSummary(thrift::TTrackingSummaryResponse& resp,
                                          const thrift::TTrackingSummaryRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto summary = tracking_->GetSummary(FromThrift(req.task));
  resp.status = rpc::ToThrift(summary.status());
  if (!summary.ok()) return;
  resp.__set_summary_json(summary->json);
  resp.__set_task_version(summary->task_version);
  resp.__set_update_time_ms(summary->update_time_ms);
}

void AgentServiceHandler::TrackingTaskRecords(thrift::TTrackingTaskRecordsResponse& resp,
                                              const thrift::TTrackingTaskRecordsRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto records = tracking_->ListTaskRecords(req.job_id);
  resp.status = rpc::ToThrift(records.status());
  if (!records.ok()) return;
  std::vector<thrift::TTaskRecordInfo> out;
  for (const store::TaskRecord& r : *records) out.push_back(ToThrift(r));
  resp.__set_records(std::move(out));
}

void AgentServiceHandler::TaskLogList(thrift::TTaskLogListResponse& resp,
                                      const thrift::TTaskLogListRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto logs = tracking_->ListTaskLogs(req.job_id);
  resp.status = rpc::ToThrift(logs.status());
  if (!logs.ok()) return;
  std::vector<thrift::TTaskLogInfo> out;
  for (const TaskLogInfo& l : *logs) {
    thrift::TTaskLogInfo t;
    t.key = ToThriftKey(l.key);
    t.size = l.size;
    t.modify_time_ms = l.modify_time_ms;
    out.push_back(std::move(t));
  }
  resp.__set_logs(std::move(out));
}

void AgentServiceHandler::TaskLogRead(thrift::TTaskLogReadResponse& resp,
                                      const thrift::TTaskLogReadRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto part = tracking_->ReadTaskLog(FromThriftKey(req.key), req.__isset.offset ? req.offset : 0,
                                     req.__isset.max_bytes ? req.max_bytes : 0);
  resp.status = rpc::ToThrift(part.status());
  if (!part.ok()) return;
  resp.__set_data(std::move(part->data));
  resp.__set_next_offset(part->next_offset);
  resp.__set_done(part->done);
  resp.__set_size(part->size);
}

void AgentServiceHandler::CleanJob(thrift::TCleanJobResponse& resp,
                                   const thrift::TCleanJobRequest& req) {
  if (!VersionOk(resp, req.protocol_version)) return;
  auto removed = tracking_->CleanJob(req.job_id);
  resp.status = rpc::ToThrift(removed.status());
  if (removed.ok()) resp.__set_outputs_removed(*removed);
}

}  // namespace fedflow
