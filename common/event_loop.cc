#include "common/event_loop.h"

#include <future>

namespace fedflow {

EventLoop::EventLoop(std::string name) : name_(std::move(name)) {}

EventLoop::~EventLoop() { Stop(); }

void EventLoop::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void EventLoop::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && !IsLoopThread()) thread_.join();
  std::lock_guard<std::mutex> l(mu_);
  queue_.clear();
  timers_.clear();
  timer_order_.clear();
}

void EventLoop::Post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    queue_.push_back(std::move(fn));
  }
  cv_.notify_one();
}

EventLoop::TimerId EventLoop::PostAfter(std::chrono::milliseconds delay, std::function<void()> fn) {
  TimerId id;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return 0;
    id = next_timer_++;
    timers_[id] = std::move(fn);
    timer_order_.emplace(Clock::now() + delay, id);
  }
  cv_.notify_one();
  return id;
}

void EventLoop::Cancel(TimerId id) {
  std::lock_guard<std::mutex> l(mu_);
  timers_.erase(id);  // Its entry in timer_order_ is skipped when it comes due.
}

void EventLoop::RunSync(const std::function<void()>& fn) {
  std::promise<void> done;
  Post([&] {
    fn();
    done.set_value();
  });
  auto f = done.get_future();
  // If the loop stops before running fn, do not wait forever.
  while (f.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
  }
}

void EventLoop::Run() {
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    // Due timers first, then one queued closure, so neither starves the other.
    auto now = Clock::now();
    while (!timer_order_.empty() && timer_order_.begin()->first <= now) {
      TimerId id = timer_order_.begin()->second;
      timer_order_.erase(timer_order_.begin());
      auto it = timers_.find(id);
      if (it == timers_.end()) continue;
      auto fn = std::move(it->second);
      timers_.erase(it);
      l.unlock();
      fn();
      l.lock();
      if (stopping_) return;
    }
    if (!queue_.empty()) {
      auto fn = std::move(queue_.front());
      queue_.pop_front();
      l.unlock();
      fn();
      l.lock();
      continue;
    }
    if (timer_order_.empty()) {
      cv_.wait(l);
    } else {
      cv_.wait_until(l, timer_order_.begin()->first);
    }
  }
}

}  // namespace fedflow
