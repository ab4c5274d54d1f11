// FederationService: agent to agent. A party's algorithm messages travel from the source
// task's agent to an agent of the destination party, never through the coordinator.
include "common.thrift"

namespace cpp fedflow.thrift

// Identifies one message. Delivery is idempotent on (key, chunk_index).
struct TMessageKey {
  1: required string job_id,
  2: required i32 task_version,
  3: required string tag,
  4: required string src_role,
  5: required i64 src_party_id,
  6: required string dst_role,
  7: required i64 dst_party_id,
  // Per (task attempt, tag, source, destination): 0, 1, 2, ... in the order of Remote calls.
  8: required i64 seq,
}

struct TPushRequest {
  1: required i32 protocol_version,
  2: required TMessageKey key,
  // The component whose tasks exchange the message (the same on both sides).
  3: required string component,
  4: required i32 chunk_index,
  5: required i32 chunk_count,
  6: required i64 total_bytes,
  7: required binary data,
}
struct TPushResponse {
  1: required common.TStatus status,
}

service FederationService {
  TPushResponse Push(1: TPushRequest req),
}
