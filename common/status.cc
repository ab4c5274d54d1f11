#include "common/status.h"

namespace fedflow {

Status::Status(Code code, std::string message) {
  if (code != Code::kOk) {
    state_ = std::make_shared<const State>(State{code, std::move(message)});
  }
}

const std::string& Status::message() const {
  static const std::string kEmpty;
  return state_ ? state_->message : kEmpty;
}

Status Status::CloneAndPrepend(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += state_->message;
  return Status(state_->code, std::move(msg));
}

Status Status::CloneAndAppend(std::string_view more) const {
  if (ok()) return *this;
  std::string msg = state_->message;
  msg += ": ";
  msg += more;
  return Status(state_->code, std::move(msg));
}

const char* Status::CodeName(Code code) {
  switch (code) {
    case Code::kOk: return "OK";
    case Code::kInvalidArgument: return "Invalid argument";
    case Code::kNotFound: return "Not found";
    case Code::kAlreadyExists: return "Already exists";
    case Code::kIllegalState: return "Illegal state";
    case Code::kNotLeader: return "Not leader";
    case Code::kUnavailable: return "Unavailable";
    case Code::kTimedOut: return "Timed out";
    case Code::kAborted: return "Aborted";
    case Code::kIOError: return "IO error";
    case Code::kInternal: return "Internal error";
    case Code::kVersionMismatch: return "Version mismatch";
  }
  return "Unknown";
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s = CodeName(code());
  s += ": ";
  s += message();
  return s;
}

std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

}  // namespace fedflow
