#include "party-agent/task_storage.h"

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "common/json_util.h"
#include "party-agent/store/table_reader.h"
#include "party-agent/store/table_writer.h"

namespace fedflow {

namespace {

// How often the expiry thread looks for idle entries, at most.
constexpr int64_t kMaxSweepMs = 1000;
// The store keeps models up to 1 GiB (its value limit, less room for the meta).
constexpr int64_t kMaxModelBytes = (int64_t{1} << 30) - (1 << 20);
// Defaults of a ReadBatch that asks for none.
constexpr int32_t kDefaultBatchRows = 4096;
constexpr int32_t kDefaultBatchBytes = 1 << 20;
// Per-row overhead of a response (Thrift's length prefix and slack).
constexpr int64_t kRowOverheadBytes = 8;

std::string Where(const TaskKey& task) {
  return " on party " + std::to_string(task.party_id) + " (" + task.role + ")";
}

}  // namespace

struct TaskStorage::Cursor {
  std::mutex mu;
  std::unique_ptr<store::TableReader> reader;  // Null once released. Guarded by mu.
  std::string what;                            // "table ns.name", "output c.data"
  int in_use = 0;                              // Guarded by TaskStorage::mu_.
  int64_t last_used_ms = 0;                    // Guarded by TaskStorage::mu_.
};

struct TaskStorage::Writer {
  std::mutex mu;
  std::unique_ptr<store::TableWriter> writer;  // Null once ended. Guarded by mu.
  std::string what;                            // "output data of task ..."
  int64_t next_batch = 0;                      // Guarded by mu.
  Status error;                                // Why it ended early. Guarded by mu.
  int in_use = 0;                              // Guarded by TaskStorage::mu_.
  int64_t last_used_ms = 0;                    // Guarded by TaskStorage::mu_.
};

// A model arriving in chunks. Guarded by TaskStorage::mu_.
struct TaskStorage::PendingModel {
  std::string module;
  int32_t chunk_count = 0;
  int64_t total_bytes = 0;
  int32_t next_chunk = 0;
  std::string data;
  bool done = false;  // Stored: a retried last chunk is acknowledged.
  int64_t last_used_ms = 0;
};

// A model being read in parts.
struct TaskStorage::LoadedModel {
  std::string component;
  std::string alias;
  store::Model model;
};

struct TaskStorage::TaskState {
  std::map<int64_t, std::shared_ptr<Cursor>> cursors;
  std::map<int64_t, std::shared_ptr<Writer>> writers;
  std::map<int64_t, int64_t> committed;  // writer id -> row count
  std::map<std::string, PendingModel> saving;
  std::shared_ptr<const LoadedModel> loaded;
};

TaskStorage::TaskStorage(store::AgentStore* store, TaskStorageOptions options)
    : store_(store), options_(options) {}

TaskStorage::~TaskStorage() { Shutdown(); }

int64_t TaskStorage::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

store::TaskPartyKey TaskStorage::PartyKey(const TaskKey& task) {
  return store::TaskPartyKey{task.job_id, task.component, task.role, task.party_id};
}

void TaskStorage::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (expiry_thread_.joinable() || stopping_) return;
  expiry_thread_ = std::thread([this] { ExpiryLoop(); });
}

void TaskStorage::Shutdown() {
  std::map<TaskKey, std::unique_ptr<TaskState>> tasks;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    tasks.swap(tasks_);
    pending_model_bytes_ = 0;
  }
  cv_.notify_all();
  if (expiry_thread_.joinable()) expiry_thread_.join();
  for (auto& [key, state] : tasks) ReleaseAll(state.get());
}

void TaskStorage::ExpiryLoop() {
  const int64_t sweep = std::max<int64_t>(1, std::min(kMaxSweepMs, options_.idle_timeout_ms / 4));
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    cv_.wait_for(l, std::chrono::milliseconds(sweep));
    if (stopping_) break;
    l.unlock();
    int n = ExpireIdle(NowMs());
    if (n > 0) LOG(WARNING) << "task storage: released " << n << " idle cursors and writers";
    l.lock();
  }
}

void TaskStorage::ReleaseAll(TaskState* state) {
  for (auto& [id, c] : state->cursors) {
    std::lock_guard<std::mutex> l(c->mu);
    c->reader.reset();
  }
  for (auto& [id, w] : state->writers) {
    std::lock_guard<std::mutex> l(w->mu);
    if (w->writer) {
      w->writer->Abort();
      w->writer.reset();
      w->error = Status::Aborted(w->what + " was released");
    }
  }
}

void TaskStorage::BeginTask(const TaskKey& task) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopping_) return;
  auto& state = tasks_[task];
  if (!state) state = std::make_unique<TaskState>();
}

void TaskStorage::EndTask(const TaskKey& task) {
  std::unique_ptr<TaskState> state;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tasks_.find(task);
    if (it == tasks_.end()) return;
    state = std::move(it->second);
    tasks_.erase(it);
    for (const auto& [alias, p] : state->saving) {
      if (!p.done) pending_model_bytes_ -= p.total_bytes;
    }
  }
  size_t open = state->cursors.size() + state->writers.size();
  ReleaseAll(state.get());
  if (open > 0) {
    VLOG(1) << task.LogPrefix() << "released " << open << " cursors and writers left open";
  }
}

bool TaskStorage::running(const TaskKey& task) const {
  std::lock_guard<std::mutex> l(mu_);
  return tasks_.count(task) > 0;
}

Result<TaskStorage::TaskState*> TaskStorage::Running(const TaskKey& task) {
  auto it = tasks_.find(task);
  if (it == tasks_.end()) {
    return Status::IllegalState("task " + task.ToString() +
                                " is not running on this agent (it has ended or was never "
                                "started here): its storage calls are refused");
  }
  return it->second.get();
}

template <typename Entry>
void TaskStorage::Release(const std::shared_ptr<Entry>& entry) {
  std::lock_guard<std::mutex> l(mu_);
  --entry->in_use;
  entry->last_used_ms = NowMs();
}

Result<std::shared_ptr<TaskStorage::Cursor>> TaskStorage::AcquireCursor(const TaskKey& task,
                                                                        int64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  ASSIGN_OR_RETURN(TaskState * state, Running(task));
  auto it = state->cursors.find(id);
  if (it == state->cursors.end()) {
    return Status::NotFound("cursor " + std::to_string(id) + " of task " + task.ToString() +
                            " is not open (closed, or released after " +
                            std::to_string(options_.idle_timeout_ms) + " ms without a call)");
  }
  ++it->second->in_use;
  return it->second;
}

Result<std::shared_ptr<TaskStorage::Writer>> TaskStorage::AcquireWriter(const TaskKey& task,
                                                                        int64_t id) {
  std::lock_guard<std::mutex> l(mu_);
  ASSIGN_OR_RETURN(TaskState * state, Running(task));
  auto it = state->writers.find(id);
  if (it == state->writers.end()) {
    if (state->committed.count(id)) {
      return Status::IllegalState("output writer " + std::to_string(id) + " of task " +
                                  task.ToString() + " is committed");
    }
    return Status::NotFound("output writer " + std::to_string(id) + " of task " + task.ToString() +
                            " is not open (aborted, or released after " +
                            std::to_string(options_.idle_timeout_ms) + " ms without a call)");
  }
  ++it->second->in_use;
  return it->second;
}

// ---- Inputs ----

Result<OpenedInput> TaskStorage::OpenInput(const TaskKey& task, const TaskInputRef& input) {
  auto check_room = [&]() -> Status {
    ASSIGN_OR_RETURN(TaskState * state, Running(task));
    if (static_cast<int>(state->cursors.size()) >= options_.max_cursors_per_task) {
      return Status::IllegalState("task " + task.ToString() + " has " +
                                  std::to_string(state->cursors.size()) +
                                  " inputs open, the most allowed: close one first");
    }
    return Status::OK();
  };
  {
    std::lock_guard<std::mutex> l(mu_);
    RETURN_NOT_OK(check_room());
  }
  std::unique_ptr<store::TableReader> reader;
  std::string what;
  if (input.is_table()) {
    if (input.ns.empty() || input.name.empty()) {
      return Status::InvalidArgument("an input table needs a namespace and a name, got \"" +
                                     input.ns + "\".\"" + input.name + "\"");
    }
    what = "table " + input.ns + "." + input.name;
    auto opened = store_->OpenTable(input.ns, input.name);
    if (opened.status().IsNotFound()) {
      return Status::NotFound(what + " does not exist" + Where(task));
    }
    RETURN_NOT_OK_PREPEND(opened.status(), "opening " + what + Where(task));
    reader = std::move(opened).value();
  } else {
    if (input.data_name.empty()) {
      return Status::InvalidArgument("input from component " + input.component +
                                     " names no data output");
    }
    what = "output " + input.component + "." + input.data_name;
    const store::TaskPartyKey upstream{task.job_id, input.component, task.role, task.party_id};
    auto meta = store_->LatestOutput(upstream, input.data_name);
    if (meta.status().IsNotFound()) {
      return Status::NotFound("component " + input.component + " has no output data \"" +
                              input.data_name + "\" in job " + task.job_id + Where(task));
    }
    RETURN_NOT_OK_PREPEND(meta.status(), "finding " + what + Where(task));
    if (!meta->output) return Status::Internal(what + ": its meta names no task output");
    auto opened = store_->OpenOutput(*meta->output);
    RETURN_NOT_OK_PREPEND(opened.status(), "opening " + what + Where(task));
    reader = std::move(opened).value();
  }
  auto cursor = std::make_shared<Cursor>();
  OpenedInput out;
  out.meta = reader->meta();
  cursor->reader = std::move(reader);
  cursor->what = what;
  cursor->last_used_ms = NowMs();
  {
    std::lock_guard<std::mutex> l(mu_);
    RETURN_NOT_OK(check_room());  // The reader is dropped (its snapshot released) on error.
    out.cursor_id = next_id_++;
    tasks_.at(task)->cursors[out.cursor_id] = cursor;
  }
  VLOG(2) << task.LogPrefix() << "opened " << what << " as cursor " << out.cursor_id << " ("
          << out.meta.count << " rows)";
  return out;
}

Result<TaskRowBatch> TaskStorage::ReadBatch(const TaskKey& task, int64_t cursor_id,
                                            int64_t from_seq, int32_t max_rows, int32_t max_bytes) {
  ASSIGN_OR_RETURN(std::shared_ptr<Cursor> c, AcquireCursor(task, cursor_id));
  auto read = [&]() -> Result<TaskRowBatch> {
    std::lock_guard<std::mutex> l(c->mu);
    if (!c->reader)
      return Status::NotFound("cursor " + std::to_string(cursor_id) + " was released");
    store::TableReader* r = c->reader.get();
    if (r->position() != from_seq) RETURN_NOT_OK(r->Seek(from_seq));
    const size_t rows = static_cast<size_t>(
        std::min(max_rows > 0 ? max_rows : kDefaultBatchRows, options_.max_batch_rows));
    const size_t bytes = static_cast<size_t>(
        std::min(max_bytes > 0 ? max_bytes : kDefaultBatchBytes, options_.max_batch_bytes));
    TaskRowBatch batch;
    RETURN_NOT_OK(r->NextBatch(&batch.rows, rows, bytes));
    // The last row may take a batch past `bytes`; keep the response within one frame.
    if (!batch.rows.empty() && static_cast<int64_t>(batch.rows[0].data.size()) + kRowOverheadBytes >
                                   options_.max_response_bytes) {
      return Status::InvalidArgument(c->what + ": row " + std::to_string(batch.rows[0].seq) +
                                     " has " + std::to_string(batch.rows[0].data.size()) +
                                     " bytes, more than a task can read in one call (" +
                                     std::to_string(options_.max_response_bytes) + ")");
    }
    int64_t total = 0;
    size_t keep = 0;
    for (; keep < batch.rows.size(); ++keep) {
      total += static_cast<int64_t>(batch.rows[keep].data.size()) + kRowOverheadBytes;
      if (total > options_.max_response_bytes) break;
    }
    if (keep < batch.rows.size()) {
      batch.rows.resize(keep);
      RETURN_NOT_OK(r->Seek(from_seq + static_cast<int64_t>(keep)));
    }
    batch.done = r->position() >= r->meta().count;
    return batch;
  };
  Result<TaskRowBatch> out = read();
  Release(c);
  return out;
}

Status TaskStorage::CloseInput(const TaskKey& task, int64_t cursor_id) {
  std::shared_ptr<Cursor> c;
  {
    std::lock_guard<std::mutex> l(mu_);
    ASSIGN_OR_RETURN(TaskState * state, Running(task));
    auto it = state->cursors.find(cursor_id);
    if (it == state->cursors.end()) return Status::OK();
    c = it->second;
    state->cursors.erase(it);
  }
  std::lock_guard<std::mutex> l(c->mu);
  c->reader.reset();
  return Status::OK();
}

// ---- Outputs ----

Result<int64_t> TaskStorage::CreateOutput(const TaskKey& task, const std::string& data_name,
                                          store::TableMeta schema) {
  auto check_room = [&]() -> Status {
    ASSIGN_OR_RETURN(TaskState * state, Running(task));
    if (static_cast<int>(state->writers.size()) >= options_.max_writers_per_task) {
      return Status::IllegalState("task " + task.ToString() + " has " +
                                  std::to_string(state->writers.size()) +
                                  " outputs open, the most allowed: commit or abort one first");
    }
    return Status::OK();
  };
  {
    std::lock_guard<std::mutex> l(mu_);
    RETURN_NOT_OK(check_room());
  }
  if (data_name.empty()) return Status::InvalidArgument("an output needs a data name");
  const std::string what = "output " + task.component + "." + data_name;
  if (schema.delimiter.empty()) return Status::InvalidArgument(what + ": the delimiter is empty");
  if (schema.extra_json) {
    RETURN_NOT_OK_PREPEND(ParseJson(*schema.extra_json, "extra_json").status(), what);
  }
  // Only the descriptive fields come from the task; the writer sets the rest.
  store::TableMeta meta;
  meta.header = std::move(schema.header);
  meta.id_column = std::move(schema.id_column);
  meta.label_column = std::move(schema.label_column);
  meta.delimiter = std::move(schema.delimiter);
  meta.head = schema.head;
  meta.header_line = std::move(schema.header_line);
  meta.partitions = schema.partitions > 0 ? schema.partitions : 16;
  meta.extra_json = std::move(schema.extra_json);
  meta.num_columns =
      meta.header.empty() ? schema.num_columns : static_cast<int32_t>(meta.header.size());
  const store::OutputRef ref{PartyKey(task), task.task_version, data_name};
  ASSIGN_OR_RETURN(std::unique_ptr<store::TableWriter> writer,
                   store_->CreateOutput(ref, std::move(meta)));
  auto w = std::make_shared<Writer>();
  w->writer = std::move(writer);
  w->what = what;
  w->last_used_ms = NowMs();
  int64_t id = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    RETURN_NOT_OK(check_room());  // The writer deletes nothing yet written on destruction.
    id = next_id_++;
    tasks_.at(task)->writers[id] = w;
  }
  VLOG(2) << task.LogPrefix() << "writing " << what << " as writer " << id;
  return id;
}

Result<int64_t> TaskStorage::AppendRows(const TaskKey& task, int64_t writer_id, int64_t batch_seq,
                                        const std::vector<std::string>& rows) {
  ASSIGN_OR_RETURN(std::shared_ptr<Writer> w, AcquireWriter(task, writer_id));
  auto append = [&]() -> Result<int64_t> {
    std::lock_guard<std::mutex> l(w->mu);
    if (!w->writer) return w->error;
    if (batch_seq < w->next_batch) return w->writer->rows();  // A retried batch.
    if (batch_seq > w->next_batch) {
      return Status::InvalidArgument(w->what + ": batch " + std::to_string(batch_seq) +
                                     " arrived, expected batch " + std::to_string(w->next_batch));
    }
    const std::string& delimiter = w->writer->meta().delimiter;
    std::vector<store::TableWriter::RowView> views;
    views.reserve(rows.size());
    Status s;
    for (size_t i = 0; i < rows.size() && s.ok(); ++i) {
      std::string_view id = store::RowId(rows[i], delimiter);
      if (id.empty()) {
        s = Status::InvalidArgument(w->what + ": row " +
                                    std::to_string(w->writer->rows() + static_cast<int64_t>(i)) +
                                    " has an empty id (first field)");
      }
      views.push_back({id, rows[i]});
    }
    if (s.ok()) s = w->writer->Append(views);
    if (!s.ok()) {
      w->writer->Abort();
      w->writer.reset();
      w->error = s.CloneAndPrepend(w->what + " failed");
      return w->error;
    }
    ++w->next_batch;
    return w->writer->rows();
  };
  Result<int64_t> out = append();
  Release(w);
  return out;
}

Result<int64_t> TaskStorage::CommitOutput(const TaskKey& task, int64_t writer_id) {
  {
    std::lock_guard<std::mutex> l(mu_);
    ASSIGN_OR_RETURN(TaskState * state, Running(task));
    auto it = state->committed.find(writer_id);
    if (it != state->committed.end()) return it->second;  // A retried commit.
  }
  ASSIGN_OR_RETURN(std::shared_ptr<Writer> w, AcquireWriter(task, writer_id));
  auto commit = [&]() -> Result<int64_t> {
    std::lock_guard<std::mutex> l(w->mu);
    if (!w->writer) return w->error;
    Result<store::TableMeta> meta = w->writer->Commit();
    if (!meta.ok()) {
      w->writer.reset();
      w->error = meta.status().CloneAndPrepend("committing " + w->what);
      return w->error;
    }
    w->writer.reset();
    w->error = Status::IllegalState(w->what + " is committed");
    return meta->count;
  };
  Result<int64_t> count = commit();
  Release(w);
  if (count.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tasks_.find(task);
    if (it != tasks_.end()) {
      it->second->writers.erase(writer_id);
      it->second->committed[writer_id] = *count;
    }
    VLOG(1) << task.LogPrefix() << "committed " << w->what << ": " << *count << " rows";
  }
  return count;
}

Status TaskStorage::AbortOutput(const TaskKey& task, int64_t writer_id) {
  std::shared_ptr<Writer> w;
  {
    std::lock_guard<std::mutex> l(mu_);
    ASSIGN_OR_RETURN(TaskState * state, Running(task));
    if (state->committed.count(writer_id)) {
      return Status::IllegalState("output writer " + std::to_string(writer_id) + " of task " +
                                  task.ToString() + " is committed; it cannot be aborted");
    }
    auto it = state->writers.find(writer_id);
    if (it == state->writers.end()) return Status::OK();
    w = it->second;
    state->writers.erase(it);
  }
  std::lock_guard<std::mutex> l(w->mu);
  if (w->writer) {
    w->writer->Abort();
    w->writer.reset();
    w->error = Status::Aborted(w->what + " was aborted");
  }
  return Status::OK();
}

// ---- Models, metrics, summary ----

Status TaskStorage::SaveModelChunk(const TaskKey& task, const std::string& alias,
                                   const std::string& module, int32_t chunk_index,
                                   int32_t chunk_count, int64_t total_bytes, std::string data) {
  const std::string what = "model \"" + alias + "\" of task " + task.ToString();
  if (alias.empty()) return Status::InvalidArgument("a model needs an alias");
  if (chunk_count < 1 || chunk_index < 0 || chunk_index >= chunk_count) {
    return Status::InvalidArgument(what + ": chunk " + std::to_string(chunk_index) + " of " +
                                   std::to_string(chunk_count) + " is out of range");
  }
  if (total_bytes < 0 || total_bytes > kMaxModelBytes) {
    return Status::InvalidArgument(what + " has " + std::to_string(total_bytes) +
                                   " bytes; the store keeps models up to 1 GiB");
  }
  store::ModelMeta meta;
  meta.module = module;
  meta.alias = alias;
  meta.task_version = task.task_version;
  if (chunk_count == 1) {
    if (static_cast<int64_t>(data.size()) != total_bytes) {
      return Status::InvalidArgument(what + ": " + std::to_string(data.size()) +
                                     " bytes arrived, total_bytes says " +
                                     std::to_string(total_bytes));
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      RETURN_NOT_OK(Running(task).status());
    }
    return store_->SaveModel(PartyKey(task), std::move(meta), data);
  }
  std::string complete;
  {
    std::lock_guard<std::mutex> l(mu_);
    ASSIGN_OR_RETURN(TaskState * state, Running(task));
    auto it = state->saving.find(alias);
    const bool same = it != state->saving.end() && it->second.chunk_count == chunk_count &&
                      it->second.total_bytes == total_bytes && it->second.module == module;
    if (chunk_index == 0) {
      if (same && !it->second.done && it->second.next_chunk == 1) return Status::OK();  // Retry.
      if (it != state->saving.end() && !it->second.done) {
        pending_model_bytes_ -= it->second.total_bytes;  // An earlier upload, abandoned.
      }
      if (pending_model_bytes_ + total_bytes > options_.max_pending_model_bytes) {
        return Status::Unavailable(what + ": " + std::to_string(pending_model_bytes_) +
                                   " bytes of models are arriving already; try again later");
      }
      PendingModel p;
      p.module = module;
      p.chunk_count = chunk_count;
      p.total_bytes = total_bytes;
      p.data.reserve(static_cast<size_t>(total_bytes));
      pending_model_bytes_ += total_bytes;
      it = state->saving.insert_or_assign(alias, std::move(p)).first;
    } else {
      if (it == state->saving.end()) {
        return Status::InvalidArgument(what + ": chunk " + std::to_string(chunk_index) +
                                       " arrived but no upload of it is in progress");
      }
      if (!same) {
        return Status::InvalidArgument(what + ": chunk " + std::to_string(chunk_index) +
                                       " disagrees with chunk 0 (chunk count, size or module)");
      }
      if (it->second.done) {
        if (chunk_index == chunk_count - 1) return Status::OK();  // A retried last chunk.
        return Status::InvalidArgument(what + " is stored already; chunk " +
                                       std::to_string(chunk_index) + " arrived again");
      }
      if (chunk_index < it->second.next_chunk) return Status::OK();  // A retried chunk.
      if (chunk_index > it->second.next_chunk) {
        return Status::InvalidArgument(what + ": chunk " + std::to_string(chunk_index) +
                                       " arrived, expected chunk " +
                                       std::to_string(it->second.next_chunk));
      }
    }
    PendingModel& p = it->second;
    p.last_used_ms = NowMs();
    if (static_cast<int64_t>(p.data.size() + data.size()) > p.total_bytes) {
      pending_model_bytes_ -= p.total_bytes;
      state->saving.erase(it);
      return Status::InvalidArgument(what + ": the chunks carry more than total_bytes (" +
                                     std::to_string(total_bytes) + ")");
    }
    p.data += data;
    ++p.next_chunk;
    if (p.next_chunk < p.chunk_count) return Status::OK();
    pending_model_bytes_ -= p.total_bytes;
    if (static_cast<int64_t>(p.data.size()) != p.total_bytes) {
      state->saving.erase(it);
      return Status::InvalidArgument(what + ": the chunks carry fewer bytes than total_bytes (" +
                                     std::to_string(total_bytes) + ")");
    }
    complete = std::move(p.data);
    p.data = std::string();
    p.done = true;
  }
  Status s = store_->SaveModel(PartyKey(task), std::move(meta), complete);
  if (!s.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tasks_.find(task);
    if (it != tasks_.end()) it->second->saving.erase(alias);
  }
  return s;
}

Result<TaskModelPart> TaskStorage::LoadModel(const TaskKey& task, const std::string& component,
                                             const std::string& alias, int64_t offset,
                                             int32_t max_bytes) {
  if (component.empty() || alias.empty()) {
    return Status::InvalidArgument("loading a model needs a component and an alias");
  }
  std::shared_ptr<const LoadedModel> model;
  {
    std::lock_guard<std::mutex> l(mu_);
    ASSIGN_OR_RETURN(TaskState * state, Running(task));
    if (offset > 0 && state->loaded && state->loaded->component == component &&
        state->loaded->alias == alias) {
      model = state->loaded;
    }
  }
  if (!model) {
    const store::TaskPartyKey upstream{task.job_id, component, task.role, task.party_id};
    Result<store::Model> loaded = store_->LoadModel(upstream, alias);
    if (loaded.status().IsNotFound()) {
      return Status::NotFound("component " + component + " has no model \"" + alias + "\" in job " +
                              task.job_id + Where(task));
    }
    RETURN_NOT_OK(loaded.status());
    model = std::make_shared<const LoadedModel>(
        LoadedModel{component, alias, std::move(loaded).value()});
  }
  const int64_t size = static_cast<int64_t>(model->model.data.size());
  if (offset < 0 || offset > size) {
    return Status::InvalidArgument("model \"" + alias + "\" of " + component + " has " +
                                   std::to_string(size) + " bytes; cannot read from offset " +
                                   std::to_string(offset));
  }
  const int64_t cap = std::min(max_bytes > 0 ? max_bytes : options_.max_model_part_bytes,
                               options_.max_model_part_bytes);
  const int64_t n = std::min(cap, size - offset);
  TaskModelPart part;
  part.module = model->model.meta.module;
  part.task_version = model->model.meta.task_version;
  part.total_bytes = size;
  part.data = model->model.data.substr(static_cast<size_t>(offset), static_cast<size_t>(n));
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tasks_.find(task);
    if (it != tasks_.end()) {
      if (offset + n < size) {
        it->second->loaded = model;  // More parts follow.
      } else if (it->second->loaded == model) {
        it->second->loaded.reset();
      }
    }
  }
  return part;
}

// The task was running when its call arrived; a call racing the end of its task's process
// may still land (the process sent it while it was alive).
Status TaskStorage::LogMetric(const TaskKey& task, const std::string& metric_namespace,
                              const std::string& name, std::vector<store::MetricPoint> points) {
  {
    std::lock_guard<std::mutex> l(mu_);
    RETURN_NOT_OK(Running(task).status());
  }
  return store_->LogMetricData(PartyKey(task), metric_namespace, name, std::move(points));
}

Status TaskStorage::SetMetricMeta(const TaskKey& task, const store::MetricMeta& meta) {
  {
    std::lock_guard<std::mutex> l(mu_);
    RETURN_NOT_OK(Running(task).status());
  }
  return store_->SaveMetricMeta(PartyKey(task), meta);
}

Status TaskStorage::SaveSummary(const TaskKey& task, const std::string& json) {
  {
    std::lock_guard<std::mutex> l(mu_);
    RETURN_NOT_OK(Running(task).status());
  }
  return store_->SaveSummary(PartyKey(task), json, task.task_version);
}

// ---- Expiry ----

int TaskStorage::ExpireIdle(int64_t now_ms) {
  const int64_t cutoff = now_ms - options_.idle_timeout_ms;
  std::vector<std::shared_ptr<Cursor>> cursors;
  std::vector<std::shared_ptr<Writer>> writers;
  int released = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [key, state] : tasks_) {
      for (auto it = state->cursors.begin(); it != state->cursors.end();) {
        if (it->second->in_use == 0 && it->second->last_used_ms < cutoff) {
          cursors.push_back(it->second);
          it = state->cursors.erase(it);
        } else {
          ++it;
        }
      }
      for (auto it = state->writers.begin(); it != state->writers.end();) {
        if (it->second->in_use == 0 && it->second->last_used_ms < cutoff) {
          writers.push_back(it->second);
          it = state->writers.erase(it);
        } else {
          ++it;
        }
      }
      for (auto it = state->saving.begin(); it != state->saving.end();) {
        if (it->second.last_used_ms < cutoff) {
          if (!it->second.done) pending_model_bytes_ -= it->second.total_bytes;
          it = state->saving.erase(it);
          ++released;
        } else {
          ++it;
        }
      }
    }
  }
  for (auto& c : cursors) {
    std::lock_guard<std::mutex> l(c->mu);
    c->reader.reset();
  }
  for (auto& w : writers) {
    std::lock_guard<std::mutex> l(w->mu);
    if (w->writer) {
      w->writer->Abort();
      w->writer.reset();
      w->error = Status::Aborted(w->what + " was released after " +
                                 std::to_string(options_.idle_timeout_ms) + " ms without a call");
    }
  }
  return released + static_cast<int>(cursors.size() + writers.size());
}

size_t TaskStorage::open_cursors() const {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (const auto& [key, state] : tasks_) n += state->cursors.size();
  return n;
}

size_t TaskStorage::open_writers() const {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  for (const auto& [key, state] : tasks_) n += state->writers.size();
  return n;
}

}  // namespace fedflow
