#include "common/zk/zk_dispatcher.h"

#include <pthread.h>

#include <utility>

namespace fedflow::zk {

Dispatcher::Dispatcher(const std::string& name) : state_(std::make_shared<State>()) {
  thread_ = std::thread(&Dispatcher::Run, state_, name);
  thread_id_ = thread_.get_id();
}

Dispatcher::~Dispatcher() { Shutdown(); }

void Dispatcher::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> l(state_->mu);
    if (state_->stopping) return;
    state_->queue.push_back(std::move(fn));
  }
  state_->cv.notify_one();
}

void Dispatcher::Shutdown() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> l(state_->mu);
    state_->stopping = true;
    dropped.swap(state_->queue);
  }
  state_->cv.notify_one();
  // `dropped` is destroyed outside the lock: a closure's captures may run arbitrary code.
  dropped.clear();
  if (!thread_.joinable()) return;
  if (IsCurrentThread()) {
    thread_.detach();
  } else {
    thread_.join();
  }
}

void Dispatcher::Run(std::shared_ptr<State> state, std::string name) {
  pthread_setname_np(pthread_self(), name.substr(0, 15).c_str());
  while (true) {
    std::function<void()> fn;
    {
      std::unique_lock<std::mutex> l(state->mu);
      state->cv.wait(l, [&] { return state->stopping || !state->queue.empty(); });
      if (state->stopping) return;
      fn = std::move(state->queue.front());
      state->queue.pop_front();
    }
    fn();
  }
}

}  // namespace fedflow::zk
