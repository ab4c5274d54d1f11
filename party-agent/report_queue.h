#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"
#include "coordinator_types.h"

namespace leveldb {
class DB;
}

namespace fedflow {

// The agent's outbox of task status reports to the leader coordinator: every report is written
// to LevelDB (synced) before Enqueue returns, sent in order, retried with backoff until the
// leader acknowledges it, then deleted. Reports left in the database by a previous run are
// sent after a restart. Sequence numbers increase across restarts, so the leader can drop
// stale duplicates. Thread-safe.
class ReportQueue {
 public:
  // Sends one report; returns OK when the leader acknowledged it.
  using Sender = std::function<Status(const thrift::TReportTaskStatusRequest&)>;

  // `db` must outlive the queue.
  ReportQueue(leveldb::DB* db, Sender sender);
  ~ReportQueue();

  // Loads unacknowledged reports and starts the sender thread.
  Status Start();
  void Stop();

  // Assigns the next sequence number, persists the report and wakes the sender.
  Status Enqueue(thrift::TReportTaskStatusRequest report);

  size_t pending() const;
  // Waits until every report is acknowledged or `timeout` passes; returns whether drained.
  bool WaitDrained(std::chrono::milliseconds timeout);

 private:
  void Run();

  leveldb::DB* db_;
  Sender sender_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int64_t next_seq_ = 1;  // Guarded by mu_.
  size_t pending_ = 0;    // Guarded by mu_.
  bool stopping_ = false; // Guarded by mu_.
  std::thread thread_;
};

}  // namespace fedflow
