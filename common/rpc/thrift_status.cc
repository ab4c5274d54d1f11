#include "common/rpc/thrift_status.h"

#include <string>

#include "common_constants.h"

namespace fedflow::rpc {

namespace {

constexpr int kMaxCode = static_cast<int>(Status::Code::kVersionMismatch);

// The two enums are kept equal by hand; fail the build if they drift apart.
static_assert(static_cast<int>(Status::Code::kOk) == thrift::StatusCode::OK);
static_assert(static_cast<int>(Status::Code::kInvalidArgument) ==
              thrift::StatusCode::INVALID_ARGUMENT);
static_assert(static_cast<int>(Status::Code::kNotFound) == thrift::StatusCode::NOT_FOUND);
static_assert(static_cast<int>(Status::Code::kAlreadyExists) == thrift::StatusCode::ALREADY_EXISTS);
static_assert(static_cast<int>(Status::Code::kIllegalState) == thrift::StatusCode::ILLEGAL_STATE);
static_assert(static_cast<int>(Status::Code::kNotLeader) == thrift::StatusCode::NOT_LEADER);
static_assert(static_cast<int>(Status::Code::kUnavailable) == thrift::StatusCode::UNAVAILABLE);
static_assert(static_cast<int>(Status::Code::kTimedOut) == thrift::StatusCode::TIMED_OUT);
static_assert(static_cast<int>(Status::Code::kAborted) == thrift::StatusCode::ABORTED);
static_assert(static_cast<int>(Status::Code::kIOError) == thrift::StatusCode::IO_ERROR);
static_assert(static_cast<int>(Status::Code::kInternal) == thrift::StatusCode::INTERNAL);
static_assert(static_cast<int>(Status::Code::kVersionMismatch) ==
              thrift::StatusCode::VERSION_MISMATCH);

}  // namespace

Status FromThrift(const thrift::TStatus& status) {
  int code = static_cast<int>(status.code);
  if (code == thrift::StatusCode::OK) return Status::OK();
  std::string message = status.__isset.message ? status.message : std::string();
  if (code < 0 || code > kMaxCode) {
    return Status::Internal("peer returned unknown status code " + std::to_string(code) + ": " +
                            message);
  }
  if (code == thrift::StatusCode::NOT_LEADER && status.__isset.leader_endpoint &&
      !status.leader_endpoint.empty()) {
    message += " (leader: " + status.leader_endpoint + ")";
  }
  return Status(static_cast<Status::Code>(code), std::move(message));
}

thrift::TStatus ToThrift(const Status& status) {
  thrift::TStatus out;
  out.code = static_cast<thrift::StatusCode::type>(static_cast<int>(status.code()));
  if (!status.ok()) out.__set_message(status.message());
  return out;
}

int32_t ProtocolVersion() { return thrift::g_common_constants.PROTOCOL_VERSION; }

Status CheckProtocolVersion(int32_t theirs) {
  int32_t ours = ProtocolVersion();
  if (theirs == ours) return Status::OK();
  return Status::VersionMismatch("peer speaks protocol version " + std::to_string(theirs) +
                                 ", this process speaks version " + std::to_string(ours));
}

}  // namespace fedflow::rpc
