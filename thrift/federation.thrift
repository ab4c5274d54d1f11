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
  // Empty on the data channel, where the chunk's bytes follow the request (data_channel.h).
  7: required binary data,
  // The size of every chunk but the last.
  8: optional i64 chunk_bytes,
}
struct TPushResponse {
  1: required common.TStatus status,
}

// The agent's data channel: a plain TCP port that carries Push requests with their chunk's
// bytes after the request instead of inside it (party-agent/federation/data_channel.h).
struct TDataChannelRequest {
  1: required i32 protocol_version,
}
struct TDataChannelResponse {
  1: required common.TStatus status,
  // 0 when this agent has no data channel (then Push is the only way in).
  2: optional i32 port,
}

service FederationService {
  TPushResponse Push(1: TPushRequest req),
  TDataChannelResponse DataChannel(1: TDataChannelRequest req),
}
