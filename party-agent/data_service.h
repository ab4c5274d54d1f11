#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/status.h"
#include "party-agent/store/agent_store.h"
#include "party-agent/store/csv_import.h"

namespace fedflow {

// An upload as the CLI asks for it (FATE's upload conf).
struct UploadParams {
  std::string ns;
  std::string name;
  bool head = true;
  std::string delimiter = ",";
  bool drop = false;
  int32_t partitions = 16;
  std::string source_name;  // names the input in errors; "CSV input" when empty
};

// One part of a table streamed as CSV (DataService::Download).
struct DownloadPart {
  std::string data;         // CSV bytes exactly as uploaded
  std::string next_cursor;  // resumes after `data`
  bool done = false;        // nothing follows
  int64_t rows = 0;         // rows completed in this part
  store::TableMeta meta;    // the generation being streamed
};

// The party's data as the CLI sees it, over the agent's store: upload sessions fed in chunks
// (CsvUpload) that become a table at Finish, downloads streamed as CSV in bounded parts, and
// table info, list and delete. It exists so that AgentService's data RPCs stay thin and the
// session rules (idempotent chunks and finish, idle expiry, a bound on concurrent uploads)
// can be tested without Thrift.
//
// Upload sessions that receive no call for `idle_timeout_ms` are aborted by a background
// thread (nothing of them stays in the store); finished or failed sessions are kept as long,
// so that a retried Finish or Chunk gets the same answer.
//
// Owned by the agent; the store must outlive it. Thread-safe. Lock order: a session's mu
// before mu_ (never the other way round); calls on one session are serialised by its mu.
class DataService {
 public:
  struct Options {
    int64_t idle_timeout_ms = 300000;
    // Upload sessions parsing at once (each holds the store's writer buffers, ~40 MiB).
    int max_uploads = 4;
    // Largest part Download returns (bounds memory and stays under Thrift's frame size).
    int32_t max_download_bytes = 4 << 20;
    int32_t default_download_bytes = 1 << 20;
  };

  DataService(store::AgentStore* store, Options options);
  ~DataService();  // Shutdown()

  DataService(const DataService&) = delete;
  DataService& operator=(const DataService&) = delete;

  // Starts the thread that expires idle sessions.
  void Start();
  // Stops that thread and aborts every upload in progress.
  void Shutdown();

  // ---- Uploads ----

  // A new session's id. AlreadyExists at once when the table exists and `drop` is false;
  // Unavailable when max_uploads sessions are parsing.
  Result<std::string> BeginUpload(const UploadParams& params);
  // Feeds chunk `seq` (0-based). A chunk already applied is acknowledged without being applied
  // again; a gap is InvalidArgument. The first CSV error fails the session (its rows are
  // deleted) and is returned here and by every later call. Returns progress so far.
  Result<store::CsvProgress> UploadChunk(const std::string& upload_id, int64_t seq,
                                         std::string_view data);
  // Commits the table (synced) and returns its meta; a finished session returns it again.
  Result<store::TableMeta> FinishUpload(const std::string& upload_id);
  // Aborts the session and deletes what it wrote; OK when it is unknown.
  Status AbortUpload(const std::string& upload_id);

  // Aborts the sessions idle since before now_ms - idle_timeout_ms and forgets finished ones;
  // returns how many it removed. Run by the background thread; public for tests.
  int ExpireIdle(int64_t now_ms);
  // Sessions known (parsing, finished or failed).
  size_t sessions() const;

  // ---- Downloads and tables ----

  // The table as CSV from `cursor` ("" for the start): about `max_bytes` bytes (0 for the
  // default; capped), cut anywhere, even inside a line. Aborted when the table was replaced or
  // deleted since the cursor was handed out.
  Result<DownloadPart> Download(std::string_view ns, std::string_view name, std::string_view cursor,
                                int32_t max_bytes);
  Result<store::TableMeta> GetTable(std::string_view ns, std::string_view name) const;
  Result<std::vector<store::TableMeta>> ListTables(std::string_view ns) const;
  // Returns the meta of the table deleted.
  Result<store::TableMeta> DeleteTable(std::string_view ns, std::string_view name);

  const Options& options() const { return options_; }
  static int64_t NowMs();

 private:
  struct Session;

  // Finds the session and marks it in use (the expiry thread skips it); NotFound names it.
  Result<std::shared_ptr<Session>> Acquire(const std::string& upload_id);
  void Release(const std::shared_ptr<Session>& session);
  void ExpiryLoop();

  store::AgentStore* const store_;
  const Options options_;

  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Session>> sessions_;  // Guarded by mu_.
  int parsing_ = 0;        // Sessions neither finished nor failed. Guarded by mu_.
  uint64_t next_id_ = 1;   // Guarded by mu_.
  bool stopping_ = false;  // Guarded by mu_.
  std::condition_variable cv_;
  std::thread expiry_thread_;
};

}  // namespace fedflow
