// CoordinatorService: what clients (the CLI) and agents ask of the leader coordinator.
// A follower answers every call with NOT_LEADER and the leader's endpoint.
include "common.thrift"

namespace cpp fedflow.thrift

struct TSubmitJobRequest {
  1: required i32 protocol_version,
  2: required string dsl_json,
  3: required string conf_json,
  // Predict jobs: the training job's DSL and conf.
  4: optional string train_dsl_json,
  5: optional string train_conf_json,
}
struct TSubmitJobResponse {
  1: required common.TStatus status,
  2: optional string job_id,
  3: optional string model_id,
  4: optional string model_version,
  // FATE's submit response fields, as JSON (job_dsl_path, job_runtime_conf_path, board_url, ...).
  5: optional string extra_json,
}

struct TTaskInfo {
  1: required string component,
  2: required string role,
  3: required i64 party_id,
  4: required i32 task_version,
  // Federated status of the component (aggregated across parties).
  5: required string status,
  // This party's own status.
  6: required string party_status,
  7: optional string agent_id,
  8: optional i64 start_time_ms,
  9: optional i64 end_time_ms,
  10: optional string error,
}

struct TJobInfo {
  1: required string job_id,
  2: required string status,
  3: required i32 progress,
  4: required i64 create_time_ms,
  5: optional i64 start_time_ms,
  6: optional i64 end_time_ms,
  7: optional string initiator_role,
  8: optional i64 initiator_party_id,
  // {"guest": [9999], "host": [10000], ...}
  9: optional string roles_json,
  10: optional string fail_reason,
  11: optional string model_id,
  12: optional string model_version,
  13: optional list<TTaskInfo> tasks,
}

struct TQueryJobRequest {
  1: required i32 protocol_version,
  2: required string job_id,
}
struct TQueryJobResponse {
  1: required common.TStatus status,
  2: optional TJobInfo job,
}

struct TListJobsRequest {
  1: required i32 protocol_version,
  2: optional i32 limit,
  3: optional string status_filter,
}
struct TListJobsResponse {
  1: required common.TStatus status,
  2: optional list<TJobInfo> jobs,
}

struct TStopJobRequest {
  1: required i32 protocol_version,
  2: required string job_id,
  // canceled (default) | failed | timeout
  3: optional string stop_status,
}
struct TStopJobResponse {
  1: required common.TStatus status,
}

struct TRerunJobRequest {
  1: required i32 protocol_version,
  2: required string job_id,
  // Rerun this component and everything downstream of it; empty: the whole job.
  3: optional string component,
  // Rerun successful components too.
  4: optional bool force,
}
struct TRerunJobResponse {
  1: required common.TStatus status,
  // The components that will run again.
  2: optional list<string> components,
}

struct TQueryTasksRequest {
  1: required i32 protocol_version,
  2: required string job_id,
  3: optional string component,
}
struct TQueryTasksResponse {
  1: required common.TStatus status,
  2: optional list<TTaskInfo> tasks,
}

// An agent's report of one party's task status change.
struct TReportTaskStatusRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey key,
  3: required string party_status,
  4: required string agent_id,
  // Per-task report sequence number, increasing: the leader ignores stale ones.
  5: required i64 seq,
  6: optional i64 start_time_ms,
  7: optional i64 end_time_ms,
  8: optional string error,
}
struct TReportTaskStatusResponse {
  1: required common.TStatus status,
}

struct TAgentInfo {
  1: required string agent_id,
  2: required i64 party_id,
  3: required string endpoint,
  4: optional i32 cores,
  5: optional string version,
  6: optional i64 started_at_ms,
}
struct TClusterStatusRequest {
  1: required i32 protocol_version,
}
struct TClusterStatusResponse {
  1: required common.TStatus status,
  2: optional string leader_endpoint,
  3: optional list<string> standby_endpoints,
  4: optional list<TAgentInfo> agents,
}

service CoordinatorService {
  TSubmitJobResponse SubmitJob(1: TSubmitJobRequest req),
  TQueryJobResponse QueryJob(1: TQueryJobRequest req),
  TListJobsResponse ListJobs(1: TListJobsRequest req),
  TStopJobResponse StopJob(1: TStopJobRequest req),
  TRerunJobResponse RerunJob(1: TRerunJobRequest req),
  TQueryTasksResponse QueryTasks(1: TQueryTasksRequest req),
  TReportTaskStatusResponse ReportTaskStatus(1: TReportTaskStatusRequest req),
  TClusterStatusResponse ClusterStatus(1: TClusterStatusRequest req),
}
