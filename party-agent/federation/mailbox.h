#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/status.h"
#include "party-agent/components/task_spec.h"

namespace fedflow {

// Identifies one federation message (the Thrift TMessageKey, as a value type).
struct MessageKey {
  std::string job_id;
  std::string component;
  int32_t task_version = 0;
  std::string tag;
  std::string src_role;
  int64_t src_party_id = 0;
  std::string dst_role;
  int64_t dst_party_id = 0;
  int64_t seq = 0;

  auto Tie() const {
    return std::tie(job_id, component, task_version, tag, src_role, src_party_id, dst_role,
                    dst_party_id, seq);
  }
  bool operator<(const MessageKey& o) const { return Tie() < o.Tie(); }
  // "tag \"t\" #0 from guest 9999 to host 10000 (job J component C v0)".
  std::string ToString() const;
  // The task attempt the message is for: (job, component, dst_role, dst_party_id, version).
  TaskKey DestinationTask() const;
};

// The destination side of federation: messages arrive in chunks (from the sending party's
// agent) and wait here until the destination task takes them. Delivery is idempotent: a
// chunk delivered twice is stored once. Memory is bounded: a chunk that would exceed the
// limit is refused with Unavailable ("mailbox full"), and the sender retries later
// (back-pressure). A task attempt's messages are dropped when it ends or is stopped here,
// which also wakes its waiter at once. The scope of that is exactly one task attempt: job,
// component, version, destination role and party. Several tasks of one component can run on
// one agent (FATE puts the host and the arbiter on the same party), and one ending must not
// touch the messages or waiters of the others.
// Thread-safe.
class Mailbox {
 public:
  explicit Mailbox(int64_t max_bytes);

  // Stores one chunk. `chunk_bytes` is the size of every chunk but the last (0: not given, the
  // chunks' sizes are then not checked). InvalidArgument when the chunk contradicts earlier
  // chunks of the key or its size is not what chunk_bytes says.
  Status Put(const MessageKey& key, int32_t chunk_index, int32_t chunk_count, int64_t total_bytes,
             std::string data, int64_t chunk_bytes = 0);
  // Waits until the first chunk of `key` is here (so its size is known); returns the chunk
  // count and total size, and the chunk size if the sender gave one (else 0). TimedOut after
  // `timeout`; Aborted if the task is closed meanwhile (see CloseTask).
  Status Wait(const MessageKey& key, std::chrono::milliseconds timeout, int32_t* chunk_count,
              int64_t* total_bytes, int64_t* chunk_bytes = nullptr);
  // Takes one chunk, waiting up to `timeout` for it to arrive (so a receiver reads a large
  // message while it is still arriving); taking the last one frees the message.
  Result<std::string> Take(const MessageKey& key, int32_t chunk_index,
                           std::chrono::milliseconds timeout);
  // Drops the messages for one task attempt (those whose DestinationTask() is `task`), wakes
  // its waiters with Aborted(reason) and refuses later chunks for it. Messages for other tasks
  // of the same component, including other roles of the same party, are kept.
  void CloseTask(const TaskKey& task, const std::string& reason);

  int64_t bytes() const;
  size_t messages() const;

 private:
  struct Message {
    int32_t chunk_count = 0;
    int64_t total_bytes = 0;
    int64_t chunk_bytes = 0;
    std::vector<std::string> chunks;
    std::vector<bool> present;
    std::vector<bool> taken;
    int32_t received = 0;
    int32_t taken_count = 0;
  };

  const int64_t max_bytes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<MessageKey, Message> messages_;  // Guarded by mu_.
  // Closed task attempts -> reason. One small entry per task attempt that ended here.
  std::map<TaskKey, std::string> closed_;  // Guarded by mu_.
  int64_t bytes_ = 0;                      // Guarded by mu_.
};

}  // namespace fedflow
