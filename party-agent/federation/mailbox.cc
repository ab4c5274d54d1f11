#include "party-agent/federation/mailbox.h"

namespace fedflow {

std::string MessageKey::ToString() const {
  return "tag \"" + tag + "\" #" + std::to_string(seq) + " from " + src_role + " " +
         std::to_string(src_party_id) + " to " + dst_role + " " + std::to_string(dst_party_id) +
         " (job " + job_id + " component " + component + " v" + std::to_string(task_version) + ")";
}

TaskKey MessageKey::DestinationTask() const {
  TaskKey t;
  t.job_id = job_id;
  t.component = component;
  t.role = dst_role;
  t.party_id = dst_party_id;
  t.task_version = task_version;
  return t;
}

Mailbox::Mailbox(int64_t max_bytes) : max_bytes_(max_bytes) {}

Status Mailbox::Put(const MessageKey& key, int32_t chunk_index, int32_t chunk_count,
                    int64_t total_bytes, std::string data, int64_t chunk_bytes) {
  if (chunk_count <= 0 || chunk_index < 0 || chunk_index >= chunk_count || total_bytes < 0 ||
      chunk_bytes < 0) {
    return Status::InvalidArgument("message " + key.ToString() + ": bad chunk " +
                                   std::to_string(chunk_index) + " of " +
                                   std::to_string(chunk_count));
  }
  if (chunk_bytes > 0) {
    const int64_t before = static_cast<int64_t>(chunk_index) * chunk_bytes;
    const int64_t expected =
        chunk_index + 1 < chunk_count ? chunk_bytes : total_bytes - before;
    if (total_bytes > 0 && (static_cast<int64_t>(chunk_count - 1) * chunk_bytes >= total_bytes ||
                            static_cast<int64_t>(chunk_count) * chunk_bytes < total_bytes)) {
      return Status::InvalidArgument("message " + key.ToString() + ": " +
                                     std::to_string(chunk_count) + " chunks of " +
                                     std::to_string(chunk_bytes) + " bytes cannot hold " +
                                     std::to_string(total_bytes) + " bytes");
    }
    if (static_cast<int64_t>(data.size()) != expected) {
      return Status::InvalidArgument("message " + key.ToString() + ": chunk " +
                                     std::to_string(chunk_index) + " has " +
                                     std::to_string(data.size()) + " bytes, expected " +
                                     std::to_string(expected));
    }
  }
  std::lock_guard<std::mutex> l(mu_);
  auto closed = closed_.find(key.DestinationTask());
  if (closed != closed_.end()) {
    return Status::Aborted("the receiving task has ended: " + closed->second);
  }
  Message& m = messages_[key];
  if (m.chunk_count == 0) {
    m.chunk_count = chunk_count;
    m.total_bytes = total_bytes;
    m.chunk_bytes = chunk_bytes;
    m.chunks.resize(chunk_count);
    m.present.assign(chunk_count, false);
    m.taken.assign(chunk_count, false);
  } else if (m.chunk_count != chunk_count || m.total_bytes != total_bytes ||
             m.chunk_bytes != chunk_bytes) {
    return Status::InvalidArgument("message " + key.ToString() +
                                   ": chunk disagrees with earlier chunks on its size");
  }
  if (m.present[chunk_index]) return Status::OK();  // Idempotent re-delivery.
  if (bytes_ + static_cast<int64_t>(data.size()) > max_bytes_ && bytes_ > 0) {
    if (m.received == 0) messages_.erase(key);
    return Status::Unavailable("mailbox full (" + std::to_string(bytes_) + " of " +
                               std::to_string(max_bytes_) + " bytes held); retry later");
  }
  bytes_ += static_cast<int64_t>(data.size());
  m.chunks[chunk_index] = std::move(data);
  m.present[chunk_index] = true;
  m.received++;
  cv_.notify_all();
  return Status::OK();
}

Status Mailbox::Wait(const MessageKey& key, std::chrono::milliseconds timeout,
                     int32_t* chunk_count, int64_t* total_bytes, int64_t* chunk_bytes) {
  std::unique_lock<std::mutex> l(mu_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto closed = closed_.find(key.DestinationTask());
    if (closed != closed_.end()) {
      return Status::Aborted("stopped waiting for " + key.ToString() + ": " + closed->second);
    }
    auto it = messages_.find(key);
    if (it != messages_.end() && it->second.chunk_count > 0 && it->second.received > 0) {
      *chunk_count = it->second.chunk_count;
      *total_bytes = it->second.total_bytes;
      if (chunk_bytes != nullptr) *chunk_bytes = it->second.chunk_bytes;
      return Status::OK();
    }
    if (cv_.wait_until(l, deadline) == std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      return Status::TimedOut("waited " + std::to_string(timeout.count()) + " ms for " +
                              key.ToString() + ", which " + key.src_role + " " +
                              std::to_string(key.src_party_id) + " did not send");
    }
  }
}

Result<std::string> Mailbox::Take(const MessageKey& key, int32_t chunk_index,
                                  std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    auto closed = closed_.find(key.DestinationTask());
    if (closed != closed_.end()) {
      return Status::Aborted("stopped waiting for " + key.ToString() + ": " + closed->second);
    }
    auto it = messages_.find(key);
    if (it == messages_.end() || it->second.chunk_count == 0) {
      return Status::NotFound("message " + key.ToString() + " is not here");
    }
    Message& m = it->second;
    if (chunk_index < 0 || chunk_index >= m.chunk_count || m.taken[chunk_index]) {
      return Status::InvalidArgument("message " + key.ToString() + ": chunk " +
                                     std::to_string(chunk_index) + " is not available");
    }
    if (m.present[chunk_index]) {
      std::string out = std::move(m.chunks[chunk_index]);
      m.chunks[chunk_index] = std::string();
      m.taken[chunk_index] = true;
      bytes_ -= static_cast<int64_t>(out.size());
      if (++m.taken_count == m.chunk_count) messages_.erase(it);
      cv_.notify_all();
      return out;
    }
    if (cv_.wait_until(l, deadline) == std::cv_status::timeout &&
        std::chrono::steady_clock::now() >= deadline) {
      return Status::TimedOut("waited " + std::to_string(timeout.count()) + " ms for chunk " +
                              std::to_string(chunk_index) + " of " + key.ToString());
    }
  }
}

void Mailbox::CloseTask(const TaskKey& task, const std::string& reason) {
  std::lock_guard<std::mutex> l(mu_);
  closed_[task] = reason;
  for (auto it = messages_.begin(); it != messages_.end();) {
    if (it->first.DestinationTask() == task) {
      for (const std::string& c : it->second.chunks) bytes_ -= static_cast<int64_t>(c.size());
      it = messages_.erase(it);
    } else {
      ++it;
    }
  }
  cv_.notify_all();
}

int64_t Mailbox::bytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return bytes_;
}

size_t Mailbox::messages() const {
  std::lock_guard<std::mutex> l(mu_);
  return messages_.size();
}

}  // namespace fedflow
