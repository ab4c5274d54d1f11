#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace fedflow::zk {

// Runs posted closures one at a time, in the order they were posted, on one thread it owns.
//
// ZkClient uses it to deliver session and watch callbacks away from the ZooKeeper C client's
// threads: a callback that ran on the C client's completion thread could not safely block, call
// back into the client or close the handle. Here a callback may do all of that.
//
// Thread-safe. Owned by a ZkClient.
class Dispatcher {
 public:
  // `name` names the thread (shown by top/gdb; truncated to 15 characters).
  explicit Dispatcher(const std::string& name);
  ~Dispatcher();  // Shutdown().

  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Queues `fn` to run on the dispatcher thread. A no-op after Shutdown().
  void Post(std::function<void()> fn);

  // Drops every closure not yet started and stops the thread once the running closure (if any)
  // returns. From any other thread it waits for that; on the dispatcher thread itself (a closure
  // shutting its own dispatcher down) it cannot wait, so the thread is detached and exits after
  // the current closure returns. Idempotent.
  void Shutdown();

  // Whether the caller runs on this dispatcher's thread.
  bool IsCurrentThread() const { return std::this_thread::get_id() == thread_id_; }

 private:
  // Shared with the thread so that a detached thread (see Shutdown()) never touches a destroyed
  // Dispatcher.
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::deque<std::function<void()>> queue;  // Guarded by mu.
    bool stopping = false;                    // Guarded by mu.
  };

  static void Run(std::shared_ptr<State> state, std::string name);

  const std::shared_ptr<State> state_;
  std::thread thread_;
  std::thread::id thread_id_;
};

}  // namespace fedflow::zk
