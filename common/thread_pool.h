#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace fedflow {

// A fixed set of threads running submitted closures (blocking I/O such as RPCs), so that the
// thread that owns state never blocks on the network. Thread-safe. The destructor finishes
// nothing that is still queued: it drops the queue and joins the running closures.
class ThreadPool {
 public:
  ThreadPool(std::string name, int threads);
  ~ThreadPool();

  void Submit(std::function<void()> fn);
  void Shutdown();

 private:
  void Run();

  const std::string name_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;                     // Guarded by mu_.
  std::deque<std::function<void()>> queue_;   // Guarded by mu_.
  std::vector<std::thread> threads_;
};

}  // namespace fedflow
