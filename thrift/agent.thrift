// AgentService: what the coordinator asks of a party's agent.
include "common.thrift"

namespace cpp fedflow.thrift

// Where a party's task of the same component runs: federation messages go there.
struct TPeer {
  1: required string role,
  2: required i64 party_id,
  3: required string agent_id,
  4: required string federation_endpoint,
}

struct TStartTaskRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey key,
  3: required string module_name,
  // The party's merged job parameters and this component's merged user parameters (JSON).
  4: required string job_parameters_json,
  5: required string component_parameters_json,
  // Names of the upstream components whose outputs this task reads (for later storage work).
  6: optional list<string> upstream,
  // Endpoint of the leader that dispatched the task: reports go there first.
  7: optional string leader_endpoint,
  // Fencing: the coordinator epoch (leader's election sequence) that issued this start.
  8: optional i64 coordinator_epoch,
  // Every party task of this component, this one included.
  9: optional list<TPeer> peers,
  // The task's inputs resolved for this party and its outputs (JSON; docs/STORAGE.md, "Task
  // inputs and outputs"). Absent: the task has no inputs or outputs.
  10: optional string io_json,
}
struct TStartTaskResponse {
  1: required common.TStatus status,
  // false when the task (same key and version) was already known: StartTask is idempotent.
  2: optional bool started,
}

struct TStopTaskRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey key,
  // The party_status to record: canceled | failed | timeout.
  3: required string stop_status,
  4: optional string reason,
}
struct TStopTaskResponse {
  1: required common.TStatus status,
}

// One task attempt as the agent knows it.
struct TAgentTask {
  1: required common.TTaskKey key,
  2: required string module_name,
  3: required string party_status,
  4: optional i64 start_time_ms,
  5: optional i64 end_time_ms,
  6: optional string error,
  7: optional i32 pid,
  // The federated status last pushed by the coordinator.
  8: optional string federated_status,
}

struct TQueryAgentTasksRequest {
  1: required i32 protocol_version,
  // Empty: every task the agent knows.
  2: optional string job_id,
}
struct TQueryAgentTasksResponse {
  1: required common.TStatus status,
  2: optional list<TAgentTask> tasks,
}

// The coordinator pushes each component's aggregated status to every party that runs it.
struct TSyncTaskStatusRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey key,
  3: required string federated_status,
}
struct TSyncTaskStatusResponse {
  1: required common.TStatus status,
}

struct TPingRequest {
  1: required i32 protocol_version,
}
struct TPingResponse {
  1: required common.TStatus status,
  2: optional string agent_id,
  3: optional i64 party_id,
  4: optional i32 cores,
  5: optional i32 running_tasks,
}

// ---- Party data: what the CLI asks of an agent (docs/STORAGE.md, "Data RPCs"). Raw data goes
// between the CLI and the party's agents only, never through the coordinator.

// A party data table as its agent holds it (the visible generation).
struct TTableInfo {
  1: required string table_namespace,
  2: required string name,
  3: required i64 count,
  // Column names in file order; empty for a table uploaded without header.
  4: required list<string> header,
  5: required string id_column,
  6: optional string label_column,
  7: required string delimiter,
  8: required i32 partitions,
  9: required i64 create_time_ms,
  10: required bool head,
  // Sum of the rows' bytes (without line terminators).
  11: required i64 data_bytes,
  12: required i32 num_columns,
  13: required i64 generation,
}

// Starts an upload session: the CSV follows in chunks (UploadChunk) and becomes a table at
// UploadFinish. A session that receives nothing for the agent's idle timeout is aborted.
struct TUploadBeginRequest {
  1: required i32 protocol_version,
  2: required string table_namespace,
  3: required string name,
  // FATE's upload options.
  4: required bool head,
  5: required string delimiter,
  // Replace the table if it exists (otherwise an existing table is ALREADY_EXISTS).
  6: required bool drop,
  7: required i32 partitions,
  // Names the input in errors ("breast.csv: line 7 has 11 fields ...").
  8: optional string source_name,
}
struct TUploadBeginResponse {
  1: required common.TStatus status,
  2: optional string upload_id,
  // The session is aborted after this long without a call.
  3: optional i64 idle_timeout_ms,
}

// The chunk with sequence number `seq` (0, 1, 2, ... in file order; any size up to a few MiB,
// lines may span chunks). Idempotent: a chunk already applied is acknowledged again and not
// applied twice; a chunk past the next expected one is INVALID_ARGUMENT.
struct TUploadChunkRequest {
  1: required i32 protocol_version,
  2: required string upload_id,
  3: required i64 seq,
  4: required binary data,
}
struct TUploadChunkResponse {
  1: required common.TStatus status,
  // Progress after the chunk: complete data rows and input bytes so far.
  2: optional i64 rows,
  3: optional i64 bytes,
}

// Parses the last line, checks the ids and commits the table (synced) before answering.
// Idempotent: once finished, the session answers with the same table until it expires.
struct TUploadFinishRequest {
  1: required i32 protocol_version,
  2: required string upload_id,
}
struct TUploadFinishResponse {
  1: required common.TStatus status,
  2: optional TTableInfo table,
}

// Drops the session and everything it wrote. OK when the session is unknown (expired).
struct TUploadAbortRequest {
  1: required i32 protocol_version,
  2: required string upload_id,
}
struct TUploadAbortResponse {
  1: required common.TStatus status,
}

// The next part of a table as CSV bytes, exactly as uploaded: the parts of one download,
// concatenated, are the uploaded file. Each call reads one generation; when the table is
// replaced or deleted between calls, the next call is ABORTED (download again).
struct TDownloadRequest {
  1: required i32 protocol_version,
  2: required string table_namespace,
  3: required string name,
  // Absent or empty: from the start. Otherwise the previous response's next_cursor.
  4: optional string cursor,
  // About this many bytes per part (the agent caps it; default 1 MiB).
  5: optional i32 max_bytes,
}
struct TDownloadResponse {
  1: required common.TStatus status,
  2: optional binary data,
  3: optional string next_cursor,
  // No part follows.
  4: optional bool done,
  // Rows completed in this part.
  5: optional i64 rows,
  6: optional TTableInfo table,
}

struct TTableInfoRequest {
  1: required i32 protocol_version,
  2: required string table_namespace,
  3: required string name,
}
struct TTableInfoResponse {
  1: required common.TStatus status,
  2: optional TTableInfo table,
}

struct TTableListRequest {
  1: required i32 protocol_version,
  // Absent or empty: every namespace.
  2: optional string table_namespace,
}
struct TTableListResponse {
  1: required common.TStatus status,
  2: optional list<TTableInfo> tables,
}

// Deletes a table (NOT_FOUND when there is none). Readers that started before keep reading.
struct TTableDeleteRequest {
  1: required i32 protocol_version,
  2: required string table_namespace,
  3: required string name,
}
struct TTableDeleteResponse {
  1: required common.TStatus status,
  // The table deleted.
  2: optional TTableInfo table,
}

// ---- Tracking: what a party's tasks recorded (metrics, output tables, models, summaries, task
// records, task logs), asked by the CLI of the party's agents directly (docs/TRACKING.md). A
// task is named as FATE's tracker names it: job, component, role, party; a party may have
// several agents, so the CLI asks each and uses the one that holds the data.

struct TTrackingTask {
  1: required string job_id,
  2: required string component,
  3: required string role,
  4: required i64 party_id,
}

// A metric key or value: a number or a string (exactly one is set).
struct TMetricScalar {
  1: optional double number,
  2: optional string text,
}

struct TMetricPointInfo {
  1: required TMetricScalar key,
  2: required TMetricScalar value,
  3: required i64 timestamp_ms,
}

// FATE's MetricMeta.
struct TMetricMetaInfo {
  1: required string name,
  2: required string metric_namespace,
  3: required string metric_type,
  // FATE's extra_metas, a JSON object.
  4: required string extra_metas_json,
}

// The task's metrics: namespace -> names (empty when this agent holds none).
struct TTrackingMetricsRequest {
  1: required i32 protocol_version,
  2: required TTrackingTask task,
}
struct TTrackingMetricsResponse {
  1: required common.TStatus status,
  2: optional map<string, list<string>> metrics,
}

// One metric's meta and points, in log order, from `offset` (NOT_FOUND when this agent holds
// neither meta nor points of it). At most max_points points per call (the agent caps it).
struct TTrackingMetricDataRequest {
  1: required i32 protocol_version,
  2: required TTrackingTask task,
  3: required string metric_namespace,
  4: required string metric_name,
  5: optional i64 offset,
  6: optional i32 max_points,
}
struct TTrackingMetricDataResponse {
  1: required common.TStatus status,
  2: optional TMetricMetaInfo meta,
  3: optional list<TMetricPointInfo> points,
  // Points of the metric in all.
  4: optional i64 total_points,
  // No point follows this call's.
  5: optional bool done,
}

// One output table of one task version.
struct TOutputInfo {
  1: required string data_name,
  2: required i32 task_version,
  // Namespace: the job id; name: "<component>.<data name>".
  3: required TTableInfo table,
}

// The task's output tables (empty when this agent holds none): the highest task version's of
// each data name, or every version's with all_versions.
struct TTrackingOutputsRequest {
  1: required i32 protocol_version,
  2: required TTrackingTask task,
  3: optional bool all_versions,
}
struct TTrackingOutputsResponse {
  1: required common.TStatus status,
  2: optional list<TOutputInfo> outputs,
}

// The next part of an output table as CSV bytes (header line first when the table has one), in
// the shape of Download: parts of at most max_bytes (default 1 MiB, capped at 4 MiB), cut
// anywhere, and a cursor. With max_rows the stream ends after that many rows (a preview).
// ABORTED when the output was replaced (a retried task) or removed since the cursor was handed
// out; NOT_FOUND when this agent holds no such output.
struct TTrackingOutputDataRequest {
  1: required i32 protocol_version,
  2: required TTrackingTask task,
  3: required string data_name,
  // Absent: the highest version that has this output.
  4: optional i32 task_version,
  // Absent or empty: from the start. Otherwise the previous response's next_cursor.
  5: optional string cursor,
  6: optional i32 max_bytes,
  7: optional i64 max_rows,
}
struct TTrackingOutputDataResponse {
  1: required common.TStatus status,
  2: optional binary data,
  3: optional string next_cursor,
  4: optional bool done,
  // Rows completed in this part.
  5: optional i64 rows,
  6: optional TOutputInfo output,
}

struct TModelInfo {
  1: required string module_name,
  2: required string model_alias,
  3: required i32 task_version,
  4: required i64 create_time_ms,
  5: required i64 size,
  6: optional string model_id,
  7: optional string model_version,
}

// The task's models (empty when this agent holds none).
struct TTrackingModelsRequest {
  1: required i32 protocol_version,
  2: required TTrackingTask task,
}
struct TTrackingModelsResponse {
  1: required common.TStatus status,
  2: optional list<TModelInfo> models,
}

// The bytes of one model from `offset`, at most max_bytes (default 1 MiB, capped at 4 MiB).
// A call after the first passes the create_time_ms it was given: a model saved again since
// then is ABORTED (read it again) rather than mixing two models.
struct TTrackingModelRequest {
  1: required i32 protocol_version,
  2: required TTrackingTask task,
  3: required string model_alias,
  4: optional i64 offset,
  5: optional i32 max_bytes,
  6: optional i64 create_time_ms,
}
struct TTrackingModelResponse {
  1: required common.TStatus status,
  2: optional TModelInfo model,
  3: optional binary data,
  4: optional bool done,
}

// The task's summary (NOT_FOUND when this agent holds none).
struct TTrackingSummaryRequest {
  1: required i32 protocol_version,
  2: required TTrackingTask task,
}
struct TTrackingSummaryResponse {
  1: required common.TStatus status,
  // A JSON document.
  2: optional string summary_json,
  3: optional i32 task_version,
  4: optional i64 update_time_ms,
}

// This party's record of one task version.
struct TTaskRecordInfo {
  1: required common.TTaskKey key,
  2: required string module_name,
  3: required string party_status,
  4: required i64 create_time_ms,
  5: required i64 start_time_ms,
  6: required i64 end_time_ms,
  7: required i64 update_time_ms,
  8: optional string error,
  9: optional i32 run_pid,
  10: optional string agent_id,
}

// The task records this agent keeps of a job.
struct TTrackingTaskRecordsRequest {
  1: required i32 protocol_version,
  2: required string job_id,
}
struct TTrackingTaskRecordsResponse {
  1: required common.TStatus status,
  2: optional list<TTaskRecordInfo> records,
}

// One task version's log file on this agent.
struct TTaskLogInfo {
  1: required common.TTaskKey key,
  2: required i64 size,
  3: required i64 modify_time_ms,
}

// The task logs this agent holds of a job (empty when none).
struct TTaskLogListRequest {
  1: required i32 protocol_version,
  2: required string job_id,
}
struct TTaskLogListResponse {
  1: required common.TStatus status,
  2: optional list<TTaskLogInfo> logs,
}

// A part of one task's log from `offset`: at most max_bytes (default 1 MiB, capped at 4 MiB).
// done: the part reaches the file's end as it is now (a running task's log may still grow).
struct TTaskLogReadRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey key,
  3: optional i64 offset,
  4: optional i32 max_bytes,
}
struct TTaskLogReadResponse {
  1: required common.TStatus status,
  2: optional binary data,
  3: optional i64 next_offset,
  4: optional bool done,
  // The file's size when read.
  5: optional i64 size,
}

// FATE's job clean on this agent: removes the job's output tables; metrics, summaries, models,
// task records and logs stay. ILLEGAL_STATE while a task of the job runs here. Idempotent (a
// second clean removes nothing).
struct TCleanJobRequest {
  1: required i32 protocol_version,
  2: required string job_id,
}
struct TCleanJobResponse {
  1: required common.TStatus status,
  // Output tables removed.
  2: optional i64 outputs_removed,
}

service AgentService {
  TStartTaskResponse StartTask(1: TStartTaskRequest req),
  TStopTaskResponse StopTask(1: TStopTaskRequest req),
  TQueryAgentTasksResponse QueryTasks(1: TQueryAgentTasksRequest req),
  TSyncTaskStatusResponse SyncTaskStatus(1: TSyncTaskStatusRequest req),
  TPingResponse Ping(1: TPingRequest req),
  TUploadBeginResponse UploadBegin(1: TUploadBeginRequest req),
  TUploadChunkResponse UploadChunk(1: TUploadChunkRequest req),
  TUploadFinishResponse UploadFinish(1: TUploadFinishRequest req),
  TUploadAbortResponse UploadAbort(1: TUploadAbortRequest req),
  TDownloadResponse Download(1: TDownloadRequest req),
  TTableInfoResponse TableInfo(1: TTableInfoRequest req),
  TTableListResponse TableList(1: TTableListRequest req),
  TTableDeleteResponse TableDelete(1: TTableDeleteRequest req),
  TTrackingMetricsResponse TrackingMetrics(1: TTrackingMetricsRequest req),
  TTrackingMetricDataResponse TrackingMetricData(1: TTrackingMetricDataRequest req),
  TTrackingOutputsResponse TrackingOutputs(1: TTrackingOutputsRequest req),
  TTrackingOutputDataResponse TrackingOutputData(1: TTrackingOutputDataRequest req),
  TTrackingModelsResponse TrackingModels(1: TTrackingModelsRequest req),
  TTrackingModelResponse TrackingModel(1: TTrackingModelRequest req),
  TTrackingSummaryResponse TrackingSummary(1: TTrackingSummaryRequest req),
  TTrackingTaskRecordsResponse TrackingTaskRecords(1: TTrackingTaskRecordsRequest req),
  TTaskLogListResponse TaskLogList(1: TTaskLogListRequest req),
  TTaskLogReadResponse TaskLogRead(1: TTaskLogReadRequest req),
  TCleanJobResponse CleanJob(1: TCleanJobRequest req),
}
