// TaskService: a fedflow-task process to its own agent, on loopback. The task never opens
// the agent's store or talks to other parties itself: messages to other parties (Fed*) and
// its party's storage (tables, outputs, models, metrics, summary) go through these calls.
// Every storage call names the calling task; the agent refuses calls of a task it is not
// running (an ended or unknown task) with ILLEGAL_STATE, and releases a task's cursors and
// unfinished outputs when its process exits.
include "common.thrift"

namespace cpp fedflow.thrift

// Federation: send one chunk of a message to a destination party (the agent forwards it).
struct TFedSendRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required string tag,
  4: required string dst_role,
  5: required i64 dst_party_id,
  6: required i64 seq,
  7: required i32 chunk_index,
  8: required i32 chunk_count,
  9: required i64 total_bytes,
  // The chunk's bytes, inline. Or, instead (the fast path), where they are in the calling
  // task's memory: the agent reads them itself (process_vm_readv; the agent is the task's
  // parent). An agent that cannot do that answers `send_inline` and the task sends inline.
  10: optional binary data,
  11: optional i64 src_address,
  12: optional i64 src_length,
  // The size of every chunk but the last (the receiver places chunk i at i * chunk_bytes).
  13: optional i64 chunk_bytes,
}
struct TFedSendResponse {
  1: required common.TStatus status,
  // Set (with a non-OK status) when the agent cannot read the task's memory: send inline.
  2: optional bool send_inline,
}

// Federation: wait until a message from a source party starts arriving (its size is known).
struct TFedWaitRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required string tag,
  4: required string src_role,
  5: required i64 src_party_id,
  6: required i64 seq,
  7: required i64 timeout_ms,
  // A message of one chunk of at most this many bytes is taken at once and answered in
  // `data`, saving the FedFetch round trip for small messages.
  8: optional i64 inline_up_to,
  // Likewise for a one-chunk message that fits in the caller's buffer at dst_address
  // (dst_capacity bytes): the agent writes it there (as FedFetch does) and answers `written`.
  9: optional i64 dst_address,
  10: optional i64 dst_capacity,
}
struct TFedWaitResponse {
  1: required common.TStatus status,
  2: optional i32 chunk_count,
  3: optional i64 total_bytes,
  // The size of every chunk but the last.
  4: optional i64 chunk_bytes,
  // The whole message, when it was taken at once (see inline_up_to).
  5: optional binary data,
  // The whole message's size, when it was written to dst_address.
  6: optional i64 written,
}

// Federation: take one chunk of a waited-for message, waiting for it to arrive if needed;
// the last chunk taken frees the message.
struct TFedFetchRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required string tag,
  4: required string src_role,
  5: required i64 src_party_id,
  6: required i64 seq,
  7: required i32 chunk_index,
  8: optional i64 timeout_ms = 60000,
  // Where the chunk goes in the calling task's memory (the fast path): the agent writes it
  // there itself (process_vm_writev) and answers `written`; otherwise, or if it cannot, it
  // answers the chunk inline in `data`.
  9: optional i64 dst_address,
  10: optional i64 dst_capacity,
}
struct TFedFetchResponse {
  1: required common.TStatus status,
  2: optional binary data,
  3: optional i64 written,
}

// ---- Storage: tables ----

// A table as a task sees it: its schema and size. On CreateOutput only the descriptive
// fields count (header .. extra_json); the agent sets the rest.
struct TTaskTableMeta {
  1: required string table_namespace,
  2: required string name,
  // Column names (empty for a table uploaded without a header).
  3: required list<string> header,
  // FATE's rule: the first column; "" without a header.
  4: required string id_column,
  5: optional string label_column,
  6: required string delimiter,
  7: required bool head,
  // The header line as uploaded (without BOM and terminator).
  8: required binary header_line,
  9: required i32 partitions,
  // Free-form schema extras (a JSON object).
  10: optional string extra_json,
  11: required i64 count,
  // Sum of the rows' bytes (without terminators).
  12: required i64 data_bytes,
  13: required i32 num_columns,
  // "upload" or "output of <job>/<component>/<role>/<party>/<version>".
  14: required string source,
}

// What a cursor reads: a party table (table_namespace and table_name), or an output of an
// upstream component of the caller's job on the caller's party and role (component and
// data_name; the latest task version that has it).
struct TTaskInputRef {
  1: optional string table_namespace,
  2: optional string table_name,
  3: optional string component,
  4: optional string data_name,
}

// Opens a read cursor on one generation of the input (later changes to the table are not seen).
struct TTaskOpenInputRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required TTaskInputRef input,
}
struct TTaskOpenInputResponse {
  1: required common.TStatus status,
  2: optional i64 cursor_id,
  3: optional TTaskTableMeta meta,
}

// The rows from position `from_seq` (0-based, upload order): at most max_rows rows and about
// max_bytes bytes (at least one row; capped by the agent). Idempotent: a retry with the same
// from_seq returns the same rows.
struct TTaskReadBatchRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required i64 cursor_id,
  4: required i64 from_seq,
  5: optional i32 max_rows = 4096,
  6: optional i32 max_bytes = 1048576,
}
struct TTaskReadBatchResponse {
  1: required common.TStatus status,
  // Each row's bytes as stored (one CSV line without its terminator).
  2: optional list<binary> rows,
  // No row follows these.
  3: optional bool done,
}

// Releases a cursor. OK for a cursor already closed.
struct TTaskCloseInputRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required i64 cursor_id,
}
struct TTaskCloseInputResponse {
  1: required common.TStatus status,
}

// Starts writing the caller's output `data_name` (FATE's output data name: data, train, ...);
// nothing is visible until CommitOutput.
struct TTaskCreateOutputRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required string data_name,
  4: required TTaskTableMeta schema,
}
struct TTaskCreateOutputResponse {
  1: required common.TStatus status,
  2: optional i64 writer_id,
}

// Appends batch `batch_seq` (0, 1, 2, ...) of rows, each row the bytes of one line whose first
// field (split on the schema's delimiter) is its id. Idempotent: a batch already applied is
// acknowledged without being applied again; a gap is INVALID_ARGUMENT. A failed append (a
// duplicate id) aborts the output.
struct TTaskAppendRowsRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required i64 writer_id,
  4: required i64 batch_seq,
  5: required list<binary> rows,
}
struct TTaskAppendRowsResponse {
  1: required common.TStatus status,
  // Rows written so far.
  2: optional i64 rows,
}

// Makes the output visible (durable when this returns). Idempotent.
struct TTaskCommitOutputRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required i64 writer_id,
}
struct TTaskCommitOutputResponse {
  1: required common.TStatus status,
  2: optional i64 count,
}

// Deletes what the writer wrote. OK for a writer already ended.
struct TTaskAbortOutputRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required i64 writer_id,
}
struct TTaskAbortOutputResponse {
  1: required common.TStatus status,
}

// ---- Storage: models, metrics, summary ----

// Saves (replaces) the caller's model `model_alias`, sent in chunks of at most a few MiB:
// chunk_index 0 .. chunk_count-1 in order; the model is stored when the last chunk arrives.
// A chunk already received is acknowledged again (retries).
struct TTaskSaveModelRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required string model_alias,
  4: required string module_name,
  5: required i32 chunk_index,
  6: required i32 chunk_count,
  7: required i64 total_bytes,
  8: required binary data,
}
struct TTaskSaveModelResponse {
  1: required common.TStatus status,
}

// Part of the model `model_alias` of `component` (an upstream component of the caller's job,
// on the caller's party and role): the bytes from `offset`, at most max_bytes (capped).
struct TTaskLoadModelRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required string component,
  4: required string model_alias,
  5: required i64 offset,
  6: optional i32 max_bytes = 4194304,
}
struct TTaskLoadModelResponse {
  1: required common.TStatus status,
  2: optional string module_name,
  3: optional i32 task_version,
  4: optional i64 total_bytes,
  5: optional binary data,
}

// A metric key or value: a number or a string (exactly one is set).
struct TTaskMetricValue {
  1: optional double number,
  2: optional string text,
}
struct TTaskMetricPoint {
  1: required TTaskMetricValue key,
  2: required TTaskMetricValue value,
  // 0: the agent's time when logged.
  3: optional i64 timestamp_ms = 0,
}

// Appends points to the caller's metric (FATE's log_metric_data). Not idempotent.
struct TTaskLogMetricRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required string metric_namespace,
  4: required string metric_name,
  5: required list<TTaskMetricPoint> points,
}
struct TTaskLogMetricResponse {
  1: required common.TStatus status,
}

// Sets the meta of the caller's metric (FATE's set_metric_meta).
struct TTaskSetMetricMetaRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required string metric_namespace,
  4: required string metric_name,
  5: required string metric_type,
  // FATE's extra_metas, a JSON object.
  6: optional string extra_metas_json = "{}",
}
struct TTaskSetMetricMetaResponse {
  1: required common.TStatus status,
}

// Saves (replaces) the caller's component summary, a JSON document.
struct TTaskSaveSummaryRequest {
  1: required i32 protocol_version,
  2: required common.TTaskKey task,
  3: required string summary_json,
}
struct TTaskSaveSummaryResponse {
  1: required common.TStatus status,
}

service TaskService {
  TFedSendResponse FedSend(1: TFedSendRequest req),
  TFedWaitResponse FedWait(1: TFedWaitRequest req),
  TFedFetchResponse FedFetch(1: TFedFetchRequest req),

  TTaskOpenInputResponse OpenInput(1: TTaskOpenInputRequest req),
  TTaskReadBatchResponse ReadBatch(1: TTaskReadBatchRequest req),
  TTaskCloseInputResponse CloseInput(1: TTaskCloseInputRequest req),
  TTaskCreateOutputResponse CreateOutput(1: TTaskCreateOutputRequest req),
  TTaskAppendRowsResponse AppendRows(1: TTaskAppendRowsRequest req),
  TTaskCommitOutputResponse CommitOutput(1: TTaskCommitOutputRequest req),
  TTaskAbortOutputResponse AbortOutput(1: TTaskAbortOutputRequest req),
  TTaskSaveModelResponse SaveModel(1: TTaskSaveModelRequest req),
  TTaskLoadModelResponse LoadModel(1: TTaskLoadModelRequest req),
  TTaskLogMetricResponse LogMetric(1: TTaskLogMetricRequest req),
  TTaskSetMetricMetaResponse SetMetricMeta(1: TTaskSetMetricMetaRequest req),
  TTaskSaveSummaryResponse SaveSummary(1: TTaskSaveSummaryRequest req),
}
