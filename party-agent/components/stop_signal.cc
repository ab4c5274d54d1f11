#include "party-agent/components/stop_signal.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <string>

namespace fedflow {

Result<std::unique_ptr<StopSignal>> StopSignal::Create() {
  int fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return Status::IOError(std::string("eventfd: ") + std::strerror(errno));
  return std::unique_ptr<StopSignal>(new StopSignal(fd));
}

StopSignal::~StopSignal() { ::close(fd_); }

void StopSignal::Raise() {
  int saved_errno = errno;  // Raise runs in signal handlers.
  raised_.store(true, std::memory_order_release);
  uint64_t one = 1;
  ssize_t n = ::write(fd_, &one, sizeof(one));
  (void)n;
  errno = saved_errno;
}

bool StopSignal::WaitFor(int64_t timeout_ms) const {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0));
  while (!raised()) {
    int wait_ms = -1;
    if (timeout_ms >= 0) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
      if (left <= 0) break;
      wait_ms = static_cast<int>(std::min<int64_t>(left, INT_MAX));
    }
    pollfd p{fd_, POLLIN, 0};
    // The eventfd is never drained: once raised it stays readable for every waiter.
    if (::poll(&p, 1, wait_ms) < 0 && errno != EINTR) break;
  }
  return raised();
}

}  // namespace fedflow
