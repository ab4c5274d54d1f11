#include "party-agent/data_service.h"

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <optional>
#include <random>
#include <utility>

#include "party-agent/store/csv_export.h"
#include "party-agent/store/table_reader.h"

namespace fedflow {

namespace {

// How often the expiry thread looks for idle sessions, at most.
constexpr int64_t kMaxSweepMs = 1000;

std::string TableName(std::string_view ns, std::string_view name) {
  return std::string(ns) + "." + std::string(name);
}

}  // namespace

struct DataService::Session {
  std::string id;
  std::string table;  // "ns.name", for logs and errors

  std::mutex mu;                             // Serialises calls on this session.
  std::unique_ptr<store::CsvUpload> upload;  // Null once finished or failed. Guarded by mu.
  int64_t next_seq = 0;                      // Guarded by mu.
  store::CsvProgress progress;               // Guarded by mu.
  std::optional<store::TableMeta> result;    // Set once finished. Guarded by mu.
  Status error;                              // The failure, if any. Guarded by mu.

  // Guarded by DataService::mu_.
  int in_use = 0;
  int64_t last_active_ms = 0;
  bool parsing = true;  // Counts in DataService::parsing_.
};

DataService::DataService(store::AgentStore* store, Options options)
    : store_(store), options_(options) {}

DataService::~DataService() { Shutdown(); }

int64_t DataService::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void DataService::Start() {
  std::lock_guard<std::mutex> l(mu_);
  if (expiry_thread_.joinable() || stopping_) return;
  expiry_thread_ = std::thread([this] { ExpiryLoop(); });
}

void DataService::Shutdown() {
  std::map<std::string, std::shared_ptr<Session>> sessions;
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
    sessions.swap(sessions_);
    parsing_ = 0;
  }
  cv_.notify_all();
  if (expiry_thread_.joinable()) expiry_thread_.join();
  for (auto& [id, s] : sessions) {
    std::lock_guard<std::mutex> l(s->mu);
    if (s->upload) {
      LOG(INFO) << "upload " << id << " of " << s->table << ": aborted at shutdown";
      s->upload.reset();  // Aborts: deletes its rows.
      s->error = Status::Aborted("upload " + id + " aborted: the agent is shutting down");
    }
  }
}

void DataService::ExpiryLoop() {
  const int64_t sweep = std::max<int64_t>(1, std::min(kMaxSweepMs, options_.idle_timeout_ms / 4));
  std::unique_lock<std::mutex> l(mu_);
  while (!stopping_) {
    cv_.wait_for(l, std::chrono::milliseconds(sweep));
    if (stopping_) break;
    l.unlock();
    ExpireIdle(NowMs());
    l.lock();
  }
}

int DataService::ExpireIdle(int64_t now_ms) {
  std::vector<std::shared_ptr<Session>> expired;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      Session& s = *it->second;
      if (s.in_use == 0 && now_ms - s.last_active_ms >= options_.idle_timeout_ms) {
        if (s.parsing) parsing_--;
        s.parsing = false;
        expired.push_back(it->second);
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (const auto& s : expired) {
    std::lock_guard<std::mutex> l(s->mu);
    if (s->upload) {
      LOG(WARNING) << "upload " << s->id << " of " << s->table << ": aborted after "
                   << options_.idle_timeout_ms << " ms without a call";
      s->upload.reset();
      s->error = Status::Aborted("upload " + s->id + " expired");
    }
  }
  return static_cast<int>(expired.size());
}

size_t DataService::sessions() const {
  std::lock_guard<std::mutex> l(mu_);
  return sessions_.size();
}

Result<std::string> DataService::BeginUpload(const UploadParams& p) {
  if (p.partitions <= 0) {
    return Status::InvalidArgument("partition must be a positive number, got " +
                                   std::to_string(p.partitions));
  }
  std::string id;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return Status::Unavailable("the agent is shutting down");
    if (parsing_ >= options_.max_uploads) {
      return Status::Unavailable("this agent already runs " + std::to_string(parsing_) +
                                 " uploads (its limit); retry when one has finished");
    }
    parsing_++;  // Reserved; given back below on failure.
    static std::mt19937_64 rng(std::random_device{}());
    char buf[48];
    std::snprintf(buf, sizeof(buf), "up-%" PRIu64 "-%016" PRIx64, next_id_++, rng());
    id = buf;
  }
  store::CsvOptions o;
  o.head = p.head;
  o.delimiter = p.delimiter;
  o.drop = p.drop;
  o.partitions = p.partitions;
  o.source_name = p.source_name;
  auto upload = store::CsvUpload::Start(store_, p.ns, p.name, std::move(o));
  std::lock_guard<std::mutex> l(mu_);
  if (!upload.ok() || stopping_) {
    parsing_--;
    return upload.ok() ? Status::Unavailable("the agent is shutting down") : upload.status();
  }
  auto s = std::make_shared<Session>();
  s->id = id;
  s->table = TableName(p.ns, p.name);
  s->upload = std::move(upload).value();
  s->last_active_ms = NowMs();
  sessions_[id] = s;
  VLOG(1) << "upload " << id << " of " << s->table << " started"
          << (p.drop ? " (replacing the table if it exists)" : "");
  return id;
}

Result<std::shared_ptr<DataService::Session>> DataService::Acquire(const std::string& upload_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = sessions_.find(upload_id);
  if (it == sessions_.end()) {
    return Status::NotFound("upload " + upload_id +
                            " is not known to this agent (it expired after " +
                            std::to_string(options_.idle_timeout_ms / 1000) +
                            " s without a call, was aborted, or the agent restarted); upload "
                            "the file again");
  }
  it->second->in_use++;
  return it->second;
}

void DataService::Release(const std::shared_ptr<Session>& session) {
  std::lock_guard<std::mutex> l(mu_);
  session->in_use--;
  session->last_active_ms = NowMs();
}

Result<store::CsvProgress> DataService::UploadChunk(const std::string& upload_id, int64_t seq,
                                                    std::string_view data) {
  ASSIGN_OR_RETURN(std::shared_ptr<Session> s, Acquire(upload_id));
  Result<store::CsvProgress> out = [&]() -> Result<store::CsvProgress> {
    std::lock_guard<std::mutex> l(s->mu);
    RETURN_NOT_OK(s->error);
    if (seq < 0) return Status::InvalidArgument("chunk number " + std::to_string(seq));
    if (seq < s->next_seq) return s->progress;  // A retry of a chunk already applied.
    if (s->result) {
      return Status::IllegalState("upload " + upload_id + " of " + s->table +
                                  " is already finished; chunk " + std::to_string(seq) +
                                  " comes too late");
    }
    if (seq > s->next_seq) {
      return Status::InvalidArgument("upload " + upload_id + " expects chunk " +
                                     std::to_string(s->next_seq) + ", got chunk " +
                                     std::to_string(seq));
    }
    Status st = s->upload->Feed(data);
    if (!st.ok()) {
      s->error = st;
      s->upload.reset();
      std::lock_guard<std::mutex> g(mu_);
      if (s->parsing) parsing_--;
      s->parsing = false;
      return st;
    }
    s->next_seq++;
    s->progress = s->upload->progress();
    return s->progress;
  }();
  Release(s);
  return out;
}

Result<store::TableMeta> DataService::FinishUpload(const std::string& upload_id) {
  ASSIGN_OR_RETURN(std::shared_ptr<Session> s, Acquire(upload_id));
  Result<store::TableMeta> out = [&]() -> Result<store::TableMeta> {
    std::lock_guard<std::mutex> l(s->mu);
    RETURN_NOT_OK(s->error);
    if (s->result) return *s->result;
    auto meta = s->upload->Finish();
    if (meta.ok()) {
      s->result = *meta;
      s->progress = s->upload->progress();
    } else {
      s->error = meta.status();
    }
    s->upload.reset();
    {
      std::lock_guard<std::mutex> g(mu_);
      if (s->parsing) parsing_--;
      s->parsing = false;
    }
    if (meta.ok()) {
      LOG(INFO) << "upload " << upload_id << ": table " << s->table << " committed, " << meta->count
                << " rows, generation " << meta->generation;
    }
    return meta;
  }();
  Release(s);
  return out;
}

Status DataService::AbortUpload(const std::string& upload_id) {
  std::shared_ptr<Session> s;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = sessions_.find(upload_id);
    if (it == sessions_.end()) return Status::OK();
    s = it->second;
    sessions_.erase(it);
    if (s->parsing) parsing_--;
    s->parsing = false;
  }
  std::lock_guard<std::mutex> l(s->mu);  // Waits for a call in progress on it.
  if (s->upload) {
    VLOG(1) << "upload " << upload_id << " of " << s->table << " aborted by the client";
    s->upload.reset();
    s->error = Status::Aborted("upload " + upload_id + " was aborted");
  }
  return Status::OK();
}

Result<DownloadPart> DataService::Download(std::string_view ns, std::string_view name,
                                           std::string_view cursor_text, int32_t max_bytes) {
  if (max_bytes < 0) return Status::InvalidArgument("max_bytes is negative");
  const size_t limit = static_cast<size_t>(std::min(
      max_bytes == 0 ? options_.default_download_bytes : max_bytes, options_.max_download_bytes));
  std::optional<store::CsvCursor> cursor;
  if (!cursor_text.empty()) {
    ASSIGN_OR_RETURN(cursor, store::ParseCsvCursor(cursor_text, "download cursor"));
  }
  auto reader = store_->OpenTable(ns, name);
  if (!reader.ok()) {
    if (cursor && reader.status().IsNotFound()) {
      return Status::Aborted("table " + TableName(ns, name) + " was deleted during the download");
    }
    return reader.status();
  }
  const store::TableMeta& meta = (*reader)->meta();
  if (cursor && cursor->generation != meta.generation) {
    return Status::Aborted("table " + TableName(ns, name) +
                           " was replaced (uploaded again) during the download; download it "
                           "again");
  }
  store::CsvCursor c = cursor.value_or(store::CsvCursor{meta.generation, -1, 0});
  store::CsvPart csv;
  RETURN_NOT_OK(store::ReadCsvPart(reader->get(), meta.count, limit, "download cursor", &c, &csv));
  DownloadPart part;
  part.data = std::move(csv.data);
  part.rows = csv.rows;
  part.done = csv.done;
  part.next_cursor = store::FormatCsvCursor(c);
  part.meta = meta;
  return part;
}

Result<store::TableMeta> DataService::GetTable(std::string_view ns, std::string_view name) const {
  return store_->GetTable(ns, name);
}

Result<std::vector<store::TableMeta>> DataService::ListTables(std::string_view ns) const {
  return store_->ListTables(ns);
}

Result<store::TableMeta> DataService::DeleteTable(std::string_view ns, std::string_view name) {
  ASSIGN_OR_RETURN(store::TableMeta meta, store_->GetTable(ns, name));
  RETURN_NOT_OK(store_->DropTable(ns, name));
  LOG(INFO) << "table " << TableName(ns, name) << " deleted (" << meta.count << " rows)";
  return meta;
}

}  // namespace fedflow
