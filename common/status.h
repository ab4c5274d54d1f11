#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace fedflow {

// The outcome of an operation that can fail: OK, or a code and a message that says
// what was wrong and where. fedflow code never throws; exceptions from libraries are
// caught at the edge and turned into a Status with context. Cheap to copy when OK.
// Thread-compatible (like std::string).
class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument = 1,
    kNotFound = 2,
    kAlreadyExists = 3,
    kIllegalState = 4,
    kNotLeader = 5,
    kUnavailable = 6,
    kTimedOut = 7,
    kAborted = 8,
    kIOError = 9,
    kInternal = 10,
    kVersionMismatch = 11,
  };

  Status() = default;
  Status(Code code, std::string message);

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string msg) { return Status(Code::kInvalidArgument, std::move(msg)); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status AlreadyExists(std::string msg) { return Status(Code::kAlreadyExists, std::move(msg)); }
  static Status IllegalState(std::string msg) { return Status(Code::kIllegalState, std::move(msg)); }
  static Status NotLeader(std::string msg) { return Status(Code::kNotLeader, std::move(msg)); }
  static Status Unavailable(std::string msg) { return Status(Code::kUnavailable, std::move(msg)); }
  static Status TimedOut(std::string msg) { return Status(Code::kTimedOut, std::move(msg)); }
  static Status Aborted(std::string msg) { return Status(Code::kAborted, std::move(msg)); }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status Internal(std::string msg) { return Status(Code::kInternal, std::move(msg)); }
  static Status VersionMismatch(std::string msg) { return Status(Code::kVersionMismatch, std::move(msg)); }

  bool ok() const { return state_ == nullptr; }
  Code code() const { return state_ ? state_->code : Code::kOk; }
  const std::string& message() const;

  bool IsInvalidArgument() const { return code() == Code::kInvalidArgument; }
  bool IsNotFound() const { return code() == Code::kNotFound; }
  bool IsAlreadyExists() const { return code() == Code::kAlreadyExists; }
  bool IsIllegalState() const { return code() == Code::kIllegalState; }
  bool IsNotLeader() const { return code() == Code::kNotLeader; }
  bool IsUnavailable() const { return code() == Code::kUnavailable; }
  bool IsTimedOut() const { return code() == Code::kTimedOut; }
  bool IsAborted() const { return code() == Code::kAborted; }
  bool IsIOError() const { return code() == Code::kIOError; }
  bool IsInternal() const { return code() == Code::kInternal; }
  bool IsVersionMismatch() const { return code() == Code::kVersionMismatch; }

  // "<context>: <message>", keeping the code. No-op on OK.
  Status CloneAndPrepend(std::string_view context) const;
  // "<message>: <more>", keeping the code. No-op on OK.
  Status CloneAndAppend(std::string_view more) const;

  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;
  static const char* CodeName(Code code);

  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

 private:
  struct State {
    Code code;
    std::string message;
  };
  std::shared_ptr<const State> state_;
};

std::ostream& operator<<(std::ostream& os, const Status& s);

// A value or the Status saying why there is none. Never holds an OK status without a value.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(runtime/explicit)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(runtime/explicit)
    if (std::get<Status>(v_).ok()) {
      v_ = Status::Internal("Result constructed from an OK status without a value");
    }
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  // Precondition: ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  T ValueOr(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Status> v_;
};

namespace internal {
inline const Status& ToStatus(const Status& s) { return s; }
template <typename T>
const Status& ToStatus(const Result<T>& r) { return r.status(); }
}  // namespace internal

}  // namespace fedflow

#define FEDFLOW_CONCAT_INNER(a, b) a##b
#define FEDFLOW_CONCAT(a, b) FEDFLOW_CONCAT_INNER(a, b)

// Returns the status (or a Result's status) from the current function if it is not OK.
#define RETURN_NOT_OK(expr)                                           \
  do {                                                                \
    ::fedflow::Status _s = ::fedflow::internal::ToStatus(expr);        \
    if (!_s.ok()) return _s;                                          \
  } while (0)

// As RETURN_NOT_OK, prefixing the message with "<context>: ".
#define RETURN_NOT_OK_PREPEND(expr, context)                          \
  do {                                                                \
    ::fedflow::Status _s = ::fedflow::internal::ToStatus(expr);        \
    if (!_s.ok()) return _s.CloneAndPrepend(context);                 \
  } while (0)

#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                          \
  if (!tmp.ok()) return tmp.status();          \
  lhs = std::move(tmp).value()

// ASSIGN_OR_RETURN(auto x, MakeX()); or ASSIGN_OR_RETURN(x, MakeX());
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL(FEDFLOW_CONCAT(_result_, __LINE__), lhs, rexpr)
