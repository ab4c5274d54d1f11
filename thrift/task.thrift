// TaskService: a fedflow-task process to its own agent, on loopback. The task never opens
// the agent's store or talks to other parties itself.
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
  10: required binary data,
}
struct TFedSendResponse {
  1: required common.TStatus status,
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
}
struct TFedWaitResponse {
  1: required common.TStatus status,
  2: optional i32 chunk_count,
  3: optional i64 total_bytes,
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
}
struct TFedFetchResponse {
  1: required common.TStatus status,
  2: optional binary data,
}

service TaskService {
  TFedSendResponse FedSend(1: TFedSendRequest req),
  TFedWaitResponse FedWait(1: TFedWaitRequest req),
  TFedFetchResponse FedFetch(1: TFedFetchRequest req),
}
