#include "party-agent/store/agent_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <sstream>
#include <utility>

#include <glog/logging.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/env.h>
#include <leveldb/filter_policy.h>
#include <leveldb/iterator.h>
#include <leveldb/table.h>
#include <leveldb/write_batch.h>

#include "party-agent/store/pread_env.h"
#include "party-agent/store/store_codec.h"
#include "party-agent/store/store_keys.h"

namespace fedflow::store {

namespace fs = std::filesystem;

namespace {

constexpr size_t kDeleteBatchKeys = 4096;
// Table files LevelDB keeps open (each holds a descriptor: PreadEnv does not mmap).
constexpr int kMaxOpenFiles = 500;
// Larger than LevelDB's 4 KiB: table files' index blocks (kept in memory for every open
// table file) are four times smaller, and scans read fewer blocks.
constexpr size_t kBlockBytes = 16 << 10;

bool StartsWith(const leveldb::Slice& s, std::string_view prefix) {
  return s.size() >= prefix.size() && std::memcmp(s.data(), prefix.data(), prefix.size()) == 0;
}

std::string_view View(const leveldb::Slice& s) { return std::string_view(s.data(), s.size()); }

// Whether `dir` holds files of a LevelDB database (LOCK and LOG alone are left by an Open that
// never got as far as creating one).
bool HasDatabaseFiles(const fs::path& dir) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == "CURRENT" || name.rfind("MANIFEST-", 0) == 0) return true;
    const std::string ext = entry.path().extension().string();
    if (ext == ".ldb" || ext == ".sst" || ext == ".log") return true;
  }
  return false;
}

// The live table files of the current version, parsed from "leveldb.sstables" (lines
// " <number>:<size>[<smallest> .. <largest>]").
std::vector<std::pair<uint64_t, uint64_t>> LiveTableFiles(leveldb::DB* db) {
  std::vector<std::pair<uint64_t, uint64_t>> files;
  std::string text;
  if (!db->GetProperty("leveldb.sstables", &text)) return files;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() < 2 || line[0] != ' ') continue;
    unsigned long long number = 0, size = 0;  // NOLINT(runtime/int)
    if (std::sscanf(line.c_str(), " %llu:%llu[", &number, &size) == 2)
      files.emplace_back(number, size);
  }
  return files;
}

std::string TableFileName(const std::string& dir, uint64_t number, const char* ext) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "/%06llu.%s", static_cast<unsigned long long>(number), ext);
  return dir + buf;
}

}  // namespace

AgentStore::AgentStore(std::string path, AgentStoreOptions options)
    : path_(std::move(path)), options_(std::move(options)) {}

AgentStore::~AgentStore() = default;

int64_t AgentStore::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status AgentStore::Corrupt(std::string_view detail) const {
  return Status::IOError("agent store " + path_ + " is corrupt: " + std::string(detail) +
                         "; refusing to recreate it over existing data");
}

Result<std::unique_ptr<AgentStore>> AgentStore::Open(const std::string& path,
                                                     const AgentStoreOptions& options) {
  std::error_code ec;
  bool create = false;
  if (!fs::exists(path, ec)) {
    fs::create_directories(path, ec);
    if (ec) return Status::IOError("cannot create agent store " + path + ": " + ec.message());
    create = true;
  } else if (!fs::is_directory(path, ec)) {
    return Status::InvalidArgument("agent store " + path + " is not a directory");
  } else {
    create = !HasDatabaseFiles(path);
  }
  std::unique_ptr<AgentStore> store(new AgentStore(path, options));
  if (!create && !fs::exists(path + "/CURRENT", ec)) {
    return store->Corrupt("it holds database files but no CURRENT file");
  }
  RETURN_NOT_OK(store->OpenDb(create));
  RETURN_NOT_OK(store->VerifyTableFiles());
  RETURN_NOT_OK(store->CollectGarbage());
  fs::remove_all(store->TempDir(), ec);
  return store;
}

Status AgentStore::OpenDb(bool create) {
  // Tables are scanned, not probed: a bloom filter would only cost memory (LevelDB keeps each
  // open table file's filter block) except for the per-row Gets of kIndexGet.
  if (options_.duplicate_check == DuplicateCheck::kIndexGet) {
    filter_policy_.reset(leveldb::NewBloomFilterPolicy(10));
  }
  block_cache_.reset(leveldb::NewLRUCache(options_.block_cache_bytes));
  leveldb::Options lo;
  lo.create_if_missing = create;
  lo.paranoid_checks = true;
  lo.write_buffer_size = options_.write_buffer_bytes;
  lo.max_file_size = options_.max_file_bytes;
  lo.block_size = kBlockBytes;
  lo.block_cache = block_cache_.get();
  lo.filter_policy = filter_policy_.get();
  lo.env = PreadEnv();
  lo.max_open_files = kMaxOpenFiles;
  leveldb::DB* db = nullptr;
  leveldb::Status s = leveldb::DB::Open(lo, path_, &db);
  if (!s.ok()) {
    const std::string text = s.ToString();
    if (s.IsIOError() && text.find("lock ") != std::string::npos) {
      return Status::IOError("agent store " + path_ + " is locked: " + text +
                             " (is another agent using this data dir?)");
    }
    if (s.IsCorruption() || s.IsInvalidArgument() || s.IsNotFound()) return Corrupt(text);
    return Status::IOError("cannot open agent store " + path_ + ": " + text);
  }
  db_.reset(db);
  LOG(INFO) << "agent store " << path_ << (create ? " created" : " opened");
  return Status::OK();
}

Status AgentStore::VerifyTableFiles() {
  leveldb::Env* env = PreadEnv();
  leveldb::Options lo;
  lo.paranoid_checks = true;
  lo.filter_policy = filter_policy_.get();
  for (const auto& [number, expected_size] : LiveTableFiles(db_.get())) {
    std::string name = TableFileName(path_, number, "ldb");
    uint64_t size = 0;
    if (!env->GetFileSize(name, &size).ok()) {
      name = TableFileName(path_, number, "sst");
      if (!env->GetFileSize(name, &size).ok()) continue;  // compacted away since the listing
    }
    const std::string file = fs::path(name).filename().string();
    if (size != expected_size) {
      return Corrupt("table file " + file + " has " + std::to_string(size) +
                     " bytes, the manifest says " + std::to_string(expected_size));
    }
    leveldb::RandomAccessFile* raw = nullptr;
    leveldb::Status s = env->NewRandomAccessFile(name, &raw);
    if (s.IsNotFound()) continue;
    std::unique_ptr<leveldb::RandomAccessFile> rfile(raw);
    leveldb::Table* raw_table = nullptr;
    if (s.ok()) s = leveldb::Table::Open(lo, rfile.get(), size, &raw_table);
    std::unique_ptr<leveldb::Table> table(raw_table);
    if (s.ok() && options_.verify_all_on_open) {
      leveldb::ReadOptions ro;
      ro.verify_checksums = true;
      ro.fill_cache = false;
      std::unique_ptr<leveldb::Iterator> it(table->NewIterator(ro));
      for (it->SeekToFirst(); it->Valid(); it->Next()) {
      }
      s = it->status();
    }
    if (!s.ok()) return Corrupt("table file " + file + ": " + s.ToString());
  }
  return Status::OK();
}

Status AgentStore::CollectGarbage() {
  std::set<uint64_t> live;
  uint64_t max_generation = 0;
  for (std::string_view prefix : {keys::kTable, keys::kOut}) {
    Status s = Scan(prefix, [&](std::string_view key, std::string_view value) -> Status {
      ASSIGN_OR_RETURN(TableMeta meta, codec::DecodeTableMeta(value, key));
      live.insert(meta.generation);
      max_generation = std::max(max_generation, meta.generation);
      return Status::OK();
    });
    if (!s.ok()) return Corrupt(s.message());
  }
  int64_t dropped = 0;
  for (std::string_view kind : {keys::kRows, keys::kIds}) {
    leveldb::ReadOptions ro;
    ro.fill_cache = false;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
    it->Seek(leveldb::Slice(kind.data(), kind.size()));
    while (it->Valid() && StartsWith(it->key(), kind)) {
      auto generation = keys::GenerationOf(View(it->key()), kind);
      if (!generation.ok()) return Corrupt(generation.status().message());
      max_generation = std::max(max_generation, *generation);
      const std::string prefix =
          kind == keys::kRows ? keys::RowPrefix(*generation) : keys::IdPrefix(*generation);
      if (live.count(*generation) == 0) {
        LOG(INFO) << "agent store " << path_ << ": deleting " << prefix
                  << " (no table refers to it: an interrupted upload or replacement)";
        RETURN_NOT_OK(DeletePrefix(prefix, false));
        dropped++;
      }
      it->Seek(keys::PrefixEnd(prefix));
    }
    if (!it->status().ok()) return Corrupt(it->status().ToString());
  }
  next_generation_ = max_generation + 1;
  if (dropped > 0) LOG(INFO) << "agent store " << path_ << ": " << dropped << " stale generations";
  return Status::OK();
}

Result<std::optional<std::string>> AgentStore::Get(const std::string& key,
                                                   const leveldb::Snapshot* snapshot) const {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  ro.snapshot = snapshot;
  std::string value;
  leveldb::Status s = db_->Get(ro, key, &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  if (!s.ok())
    return Status::IOError("agent store " + path_ + ": reading " + key + ": " + s.ToString());
  return std::optional<std::string>(std::move(value));
}

Status AgentStore::Put(const std::string& key, const std::string& value, bool sync) {
  leveldb::WriteOptions wo;
  wo.sync = sync && options_.sync;
  leveldb::Status s = db_->Put(wo, key, value);
  if (!s.ok()) {
    return Status::IOError("agent store " + path_ + ": writing " + key + ": " + s.ToString());
  }
  return Status::OK();
}

Status AgentStore::Scan(std::string_view prefix,
                        const std::function<Status(std::string_view, std::string_view)>& fn,
                        const leveldb::Snapshot* snapshot) const {
  leveldb::ReadOptions ro;
  ro.verify_checksums = true;
  ro.snapshot = snapshot;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(leveldb::Slice(prefix.data(), prefix.size()));
       it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
    RETURN_NOT_OK(fn(View(it->key()), View(it->value())));
  }
  if (!it->status().ok()) {
    return Status::IOError("agent store " + path_ + ": scanning " + std::string(prefix) + ": " +
                           it->status().ToString());
  }
  return Status::OK();
}

Status AgentStore::DeletePrefix(std::string_view prefix, bool sync) {
  leveldb::ReadOptions ro;
  ro.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  leveldb::WriteBatch batch;
  size_t pending = 0;
  leveldb::WriteOptions wo;
  auto flush = [&]() -> Status {
    leveldb::Status s = db_->Write(wo, &batch);
    batch.Clear();
    pending = 0;
    if (!s.ok()) {
      return Status::IOError("agent store " + path_ + ": deleting " + std::string(prefix) + ": " +
                             s.ToString());
    }
    return Status::OK();
  };
  for (it->Seek(leveldb::Slice(prefix.data(), prefix.size()));
       it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
    batch.Delete(it->key());
    if (++pending >= kDeleteBatchKeys) RETURN_NOT_OK(flush());
  }
  if (!it->status().ok()) {
    return Status::IOError("agent store " + path_ + ": scanning " + std::string(prefix) + ": " +
                           it->status().ToString());
  }
  wo.sync = sync && options_.sync;
  return flush();
}

Status AgentStore::DeleteGeneration(uint64_t generation) {
  RETURN_NOT_OK(DeletePrefix(keys::RowPrefix(generation), false));
  return DeletePrefix(keys::IdPrefix(generation), false);
}

Status AgentStore::SyncLogFiles() {
  if (!options_.sync) return Status::OK();
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(path_, ec)) {
    if (entry.path().extension() != ".log") continue;
    const int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      if (errno == ENOENT) continue;  // flushed to a (synced) table file and deleted
      return Status::IOError("cannot open " + entry.path().string() + ": " + strerror(errno));
    }
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return Status::IOError("fsync " + entry.path().string() + ": " + strerror(err));
  }
  if (ec) return Status::IOError("listing " + path_ + ": " + ec.message());
  const int dir = ::open(path_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return Status::OK();
}

Status AgentStore::CommitGeneration(const std::string& pointer_key, bool replace,
                                    const TableMeta& meta) {
  RETURN_NOT_OK(SyncLogFiles());
  std::optional<uint64_t> replaced;
  {
    std::lock_guard<std::mutex> l(commit_mu_);
    ASSIGN_OR_RETURN(std::optional<std::string> old, Get(pointer_key));
    if (old) {
      if (!replace) {
        return Status::AlreadyExists("table " + meta.ns + "." + meta.name +
                                     " already exists (upload with drop to replace it)");
      }
      ASSIGN_OR_RETURN(TableMeta old_meta, codec::DecodeTableMeta(*old, pointer_key));
      replaced = old_meta.generation;
    }
    RETURN_NOT_OK(Put(pointer_key, codec::EncodeTableMeta(meta), true));
  }
  // Readers of the old generation hold snapshots in which its rows stay.
  if (replaced) {
    Status s = DeleteGeneration(*replaced);
    if (!s.ok()) LOG(WARNING) << s << " (the next Open deletes the rest)";
  }
  return Status::OK();
}

Result<int64_t> AgentStore::DeleteOutputs(const std::string& prefix) {
  std::vector<uint64_t> generations;
  {
    std::lock_guard<std::mutex> l(commit_mu_);
    leveldb::WriteBatch batch;
    RETURN_NOT_OK(Scan(prefix, [&](std::string_view key, std::string_view value) -> Status {
      ASSIGN_OR_RETURN(TableMeta meta, codec::DecodeTableMeta(value, key));
      generations.push_back(meta.generation);
      batch.Delete(leveldb::Slice(key.data(), key.size()));
      return Status::OK();
    }));
    leveldb::WriteOptions wo;
    wo.sync = options_.sync;
    leveldb::Status s = db_->Write(wo, &batch);
    if (!s.ok()) {
      return Status::IOError("agent store " + path_ + ": deleting " + prefix + ": " + s.ToString());
    }
  }
  for (uint64_t g : generations) RETURN_NOT_OK(DeleteGeneration(g));
  return static_cast<int64_t>(generations.size());
}

Result<int64_t> AgentStore::CleanJob(std::string_view job_id) {
  if (job_id.empty()) return Status::InvalidArgument("job id is empty");
  return DeleteOutputs(keys::JobPrefix(keys::kOut, job_id));
}

Status AgentStore::DeleteJob(std::string_view job_id) {
  ASSIGN_OR_RETURN(int64_t outputs, CleanJob(job_id));
  (void)outputs;
  for (std::string_view kind : {keys::kModel, keys::kMetric, keys::kSummary}) {
    RETURN_NOT_OK(DeletePrefix(keys::JobPrefix(kind, job_id), false));
  }
  return DeletePrefix(keys::JobPrefix(keys::kTask, job_id), true);
}

Result<int64_t> AgentStore::CountKeys(std::string_view prefix) const {
  int64_t n = 0;
  leveldb::ReadOptions ro;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(ro));
  for (it->Seek(leveldb::Slice(prefix.data(), prefix.size()));
       it->Valid() && StartsWith(it->key(), prefix); it->Next()) {
    n++;
  }
  if (!it->status().ok()) return Status::IOError(it->status().ToString());
  return n;
}

}  // namespace fedflow::store
