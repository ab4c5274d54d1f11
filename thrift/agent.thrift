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

service AgentService {
  TStartTaskResponse StartTask(1: TStartTaskRequest req),
  TStopTaskResponse StopTask(1: TStopTaskRequest req),
  TQueryAgentTasksResponse QueryTasks(1: TQueryAgentTasksRequest req),
  TSyncTaskStatusResponse SyncTaskStatus(1: TSyncTaskStatusRequest req),
  TPingResponse Ping(1: TPingRequest req),
}
