#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "common/status.h"

namespace fedflow {

// A one-way "stop now" flag that a signal handler can raise and that code can wait on with a
// timeout. Why: fedflow-task must finish promptly on SIGTERM, and a component blocked in a sleep
// or wait must wake up rather than poll a flag. fedflow-task owns one and raises it from its
// SIGTERM handler; components see it through TaskContext. Thread-safe; Raise() is also
// async-signal-safe.
class StopSignal {
 public:
  static Result<std::unique_ptr<StopSignal>> Create();
  ~StopSignal();

  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  void Raise();
  bool raised() const { return raised_.load(std::memory_order_acquire); }
  // Waits up to timeout_ms (< 0: forever) for Raise(); returns raised().
  bool WaitFor(int64_t timeout_ms) const;

 private:
  explicit StopSignal(int fd) : fd_(fd) {}

  std::atomic<bool> raised_{false};
  const int fd_;  // An eventfd, readable once raised.
};

}  // namespace fedflow
