#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "party-agent/components/task_spec.h"
#include "party-agent/store/agent_store.h"
#include "party-agent/store/store_values.h"

namespace fedflow {

struct TaskStorageOptions {
  // A cursor, writer or model upload that receives no call for this long is released (a
  // writer's rows are deleted): the task forgot it, or died without the agent noticing.
  int64_t idle_timeout_ms = 600000;
  // Caps of one ReadBatch (a request may ask for less). A batch's rows stay below
  // max_response_bytes whatever the request asks, so that it fits one Thrift frame (16 MB);
  // a single row larger than that cannot be read through the TaskService.
  int32_t max_batch_rows = 16384;
  int32_t max_batch_bytes = 4 << 20;
  int64_t max_response_bytes = 15 << 20;
  // Writers a task may have open at once (each may hold the store's id sorter buffer and a
  // write batch, about 36 MiB, once rows arrive).
  int max_writers_per_task = 8;
  int max_cursors_per_task = 64;
  // Model bytes received in chunks and not stored yet, over every task of the agent.
  int64_t max_pending_model_bytes = int64_t{2} << 30;
  // Largest part of a model one LoadModel call returns.
  int32_t max_model_part_bytes = 8 << 20;
};

// What a task reads: a party table, or an output of an upstream component of its job on its
// own party and role.
struct TaskInputRef {
  std::string ns;    // table namespace
  std::string name;  // table name
  std::string component;
  std::string data_name;

  bool is_table() const { return component.empty(); }
};

// A cursor just opened.
struct OpenedInput {
  int64_t cursor_id = 0;
  store::TableMeta meta;
};

struct TaskRowBatch {
  std::vector<store::Row> rows;
  bool done = false;  // no row follows
};

// Part of a model (TaskStorage::LoadModel).
struct TaskModelPart {
  std::string module;
  int32_t task_version = 0;
  int64_t total_bytes = 0;
  std::string data;
};

// The storage side of the TaskService: what a fedflow-task process may do with its party's
// store through its agent (it never opens LevelDB itself; LevelDB allows one process per
// database). Read cursors over a table or an upstream output, output writers fed in
// idempotent batches, models saved and loaded in chunks, metrics and the summary, all on
// behalf of one running task: every call names its task, and calls of a task the agent is not
// running are refused (IllegalState). Cursors and writers belong to their task and are
// released when it ends (EndTask; an uncommitted output leaves nothing) or after
// idle_timeout_ms without a call.
//
// Why a class of its own: the TaskService handler stays a thin conversion, and these rules can
// be tested over a real store without processes.
//
// Owned by the agent; the store must outlive it. Thread-safe: calls on different cursors or
// writers run in parallel; calls on one are serialised by its mutex. Lock order: an entry's mu
// before mu_ is never taken (entries are found under mu_, released, then locked).
class TaskStorage {
 public:
  TaskStorage(store::AgentStore* store, TaskStorageOptions options);
  ~TaskStorage();  // Shutdown()

  TaskStorage(const TaskStorage&) = delete;
  TaskStorage& operator=(const TaskStorage&) = delete;

  // Starts the thread that releases idle cursors, writers and model uploads.
  void Start();
  // Stops that thread and releases everything (uncommitted outputs are deleted).
  void Shutdown();

  // ---- Task lifecycle, from the agent ----

  // Allows `task`'s calls; the agent calls it before starting the task's process.
  void BeginTask(const TaskKey& task);
  // Refuses `task`'s calls from now on and releases what it left open (uncommitted outputs
  // are deleted). Waits for the task's calls in progress. No-op for an unknown task.
  void EndTask(const TaskKey& task);
  bool running(const TaskKey& task) const;

  // ---- Inputs ----

  // Opens a cursor on the input's visible generation. NotFound names the table or output and
  // the party: "table experiment.t does not exist on party 9999 (guest)".
  Result<OpenedInput> OpenInput(const TaskKey& task, const TaskInputRef& input);
  // The rows from `from_seq` (at most max_rows, about max_bytes; 0 for the defaults 4096 and
  // 1 MiB; capped). Idempotent for a given from_seq.
  Result<TaskRowBatch> ReadBatch(const TaskKey& task, int64_t cursor_id, int64_t from_seq,
                                 int32_t max_rows, int32_t max_bytes);
  // OK when the cursor is already closed.
  Status CloseInput(const TaskKey& task, int64_t cursor_id);

  // ---- Outputs ----

  // Starts the task's output `data_name` with the schema's descriptive fields (header, id and
  // label column, delimiter, head, header line, partitions, extra JSON); returns a writer id.
  Result<int64_t> CreateOutput(const TaskKey& task, const std::string& data_name,
                               store::TableMeta schema);
  // Appends batch `batch_seq` (0, 1, ...): each row is one line, its id the first field. A
  // batch already applied is acknowledged again; a gap is InvalidArgument. A failure (empty
  // or duplicate id) aborts the output and is returned by every later call. Returns the rows
  // written so far.
  Result<int64_t> AppendRows(const TaskKey& task, int64_t writer_id, int64_t batch_seq,
                             const std::vector<std::string>& rows);
  // Commits (durable when it returns) and returns the row count; again the same count when
  // already committed.
  Result<int64_t> CommitOutput(const TaskKey& task, int64_t writer_id);
  // Deletes what the writer wrote; OK when it has ended (not after a commit: IllegalState).
  Status AbortOutput(const TaskKey& task, int64_t writer_id);

  // ---- Models, metrics, summary ----

  // Chunk `chunk_index` of `chunk_count` of the task's model `alias` (total_bytes in all); the
  // model is saved (replaced) when the last chunk arrives. Chunks come in order; a chunk
  // already received is acknowledged again.
  Status SaveModelChunk(const TaskKey& task, const std::string& alias, const std::string& module,
                        int32_t chunk_index, int32_t chunk_count, int64_t total_bytes,
                        std::string data);
  // The bytes from `offset` (at most max_bytes, capped) of model `alias` of `component` of the
  // task's job on its party and role. A model being read in parts is kept until its last part
  // is read (one per task).
  Result<TaskModelPart> LoadModel(const TaskKey& task, const std::string& component,
                                  const std::string& alias, int64_t offset, int32_t max_bytes);
  Status LogMetric(const TaskKey& task, const std::string& metric_namespace,
                   const std::string& name, std::vector<store::MetricPoint> points);
  Status SetMetricMeta(const TaskKey& task, const store::MetricMeta& meta);
  Status SaveSummary(const TaskKey& task, const std::string& json);

  // Releases cursors, writers and model uploads idle since before now_ms - idle_timeout_ms;
  // returns how many. Run by the background thread; public for tests.
  int ExpireIdle(int64_t now_ms);
  size_t open_cursors() const;
  size_t open_writers() const;

 private:
  struct Cursor;
  struct Writer;
  struct PendingModel;
  struct LoadedModel;
  struct TaskState;

  static int64_t NowMs();
  static store::TaskPartyKey PartyKey(const TaskKey& task);
  // IllegalState naming the task unless it is running; mu_ held.
  Result<TaskState*> Running(const TaskKey& task);
  // The task's cursor or writer, marked in use; NotFound when it is not open.
  Result<std::shared_ptr<Cursor>> AcquireCursor(const TaskKey& task, int64_t id);
  Result<std::shared_ptr<Writer>> AcquireWriter(const TaskKey& task, int64_t id);
  template <typename Entry>
  void Release(const std::shared_ptr<Entry>& entry);
  // Closes the cursors and deletes the uncommitted outputs of a task taken out of tasks_.
  static void ReleaseAll(TaskState* state);
  void ExpiryLoop();

  store::AgentStore* const store_;
  const TaskStorageOptions options_;

  mutable std::mutex mu_;
  std::map<TaskKey, std::unique_ptr<TaskState>> tasks_;  // Guarded by mu_.
  int64_t next_id_ = 1;                                  // Guarded by mu_.
  int64_t pending_model_bytes_ = 0;                      // Guarded by mu_.
  bool stopping_ = false;                                // Guarded by mu_.
  std::condition_variable cv_;
  std::thread expiry_thread_;
};

}  // namespace fedflow
