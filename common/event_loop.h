#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace fedflow {

// One thread running posted closures in order, plus timers. The owner of some state runs all
// its code on the loop, so that state needs no locks: other threads Post() to it.
// Thread-safe: Post/PostAfter/Cancel from any thread. Closures never run after Stop() returns.
class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using TimerId = uint64_t;

  explicit EventLoop(std::string name);
  ~EventLoop();  // Stop()s.

  void Start();
  // Runs nothing more; joins the thread. Pending closures and timers are dropped.
  void Stop();

  void Post(std::function<void()> fn);
  // Runs `fn` on the loop after `delay`. Returns an id for Cancel().
  TimerId PostAfter(std::chrono::milliseconds delay, std::function<void()> fn);
  void Cancel(TimerId id);

  // Runs `fn` on the loop and waits for it (must not be called from the loop thread).
  void RunSync(const std::function<void()>& fn);

  bool IsLoopThread() const { return std::this_thread::get_id() == thread_.get_id(); }

 private:
  void Run();

  const std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                                      // Guarded by mu_.
  std::deque<std::function<void()>> queue_;                    // Guarded by mu_.
  TimerId next_timer_ = 1;                                     // Guarded by mu_.
  std::multimap<Clock::time_point, TimerId> timer_order_;      // Guarded by mu_.
  std::map<TimerId, std::function<void()>> timers_;            // Guarded by mu_.
  std::thread thread_;
};

}  // namespace fedflow
