// Shared types of every fedflow service. Later IDLs include this file.
namespace cpp fedflow.thrift

// Every request carries the protocol version of its sender; a receiver refuses
// a version it does not speak with a status naming both versions.
const i32 PROTOCOL_VERSION = 1

// Mirrors fedflow::Status codes (common/status.h). Values are stable on the wire.
enum StatusCode {
  OK = 0,
  INVALID_ARGUMENT = 1,
  NOT_FOUND = 2,
  ALREADY_EXISTS = 3,
  ILLEGAL_STATE = 4,
  NOT_LEADER = 5,
  UNAVAILABLE = 6,
  TIMED_OUT = 7,
  ABORTED = 8,
  IO_ERROR = 9,
  INTERNAL = 10,
  VERSION_MISMATCH = 11,
}

// Carried by every response.
struct TStatus {
  1: required StatusCode code = StatusCode.OK,
  2: optional string message,
  // For NOT_LEADER: the endpoint of the current leader, when known.
  3: optional string leader_endpoint,
}

// A party as FATE names it: a role in a job and an integer party id.
struct TPartyId {
  1: required string role,   // guest | host | arbiter | local
  2: required i64 party_id,
}

// One party's task of one component of a job; tasks are keyed by all five fields
// because one party id may play several roles in a job.
struct TTaskKey {
  1: required string job_id,
  2: required string component,
  3: required string role,
  4: required i64 party_id,
  5: required i32 task_version,
}

struct TEndpoint {
  1: required string host,
  2: required i32 port,
}
