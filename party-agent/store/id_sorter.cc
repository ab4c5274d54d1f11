#include "party-agent/store/id_sorter.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <queue>
#include <utility>

namespace fedflow::store {

namespace {

// Run files are written in 1 MiB blocks and read through 256 KiB buffers (one per run being
// merged, at most kMaxRuns).
constexpr size_t kFileBufferBytes = 1 << 20;
constexpr size_t kReadBufferBytes = 256 << 10;

uint64_t HashId(std::string_view id) { return std::hash<std::string_view>()(id); }

struct FileCloser {
  void operator()(FILE* f) const {
    if (f != nullptr) fclose(f);
  }
};
using File = std::unique_ptr<FILE, FileCloser>;

// Writes run file records: u64 hash, i64 seq, u32 id length, id bytes (host byte order: run
// files live only as long as their upload). Buffers records itself (one fwrite per 1 MiB).
class RunWriter {
 public:
  explicit RunWriter(std::string path) : path_(std::move(path)) {}

  Status Open() {
    file_.reset(fopen(path_.c_str(), "wb"));
    if (!file_) return Status::IOError("cannot create " + path_ + ": " + std::strerror(errno));
    buf_.reserve(kFileBufferBytes + 4096);
    return Status::OK();
  }

  Status Write(uint64_t hash, int64_t seq, std::string_view id) {
    const auto len = static_cast<uint32_t>(id.size());
    buf_.append(reinterpret_cast<const char*>(&hash), sizeof(hash));
    buf_.append(reinterpret_cast<const char*>(&seq), sizeof(seq));
    buf_.append(reinterpret_cast<const char*>(&len), sizeof(len));
    buf_.append(id.data(), id.size());
    return buf_.size() >= kFileBufferBytes ? FlushBuffer() : Status::OK();
  }

  Status Close() {
    RETURN_NOT_OK(FlushBuffer());
    if (fclose(file_.release()) != 0) {
      return Status::IOError("writing " + path_ + ": " + std::strerror(errno));
    }
    return Status::OK();
  }

 private:
  Status FlushBuffer() {
    if (!buf_.empty() && fwrite(buf_.data(), 1, buf_.size(), file_.get()) != buf_.size()) {
      return Status::IOError("writing " + path_ + ": " + std::strerror(errno));
    }
    buf_.clear();
    return Status::OK();
  }

  std::string path_;
  File file_;
  std::string buf_;
};

// Streams the records of one run file.
class RunReader {
 public:
  explicit RunReader(std::string path) : path_(std::move(path)) {}

  Status Open() {
    file_.reset(fopen(path_.c_str(), "rb"));
    if (!file_) return Status::IOError("cannot open " + path_ + ": " + std::strerror(errno));
    return Status::OK();
  }

  // Reads the next record; sets valid() false at the end of the file.
  Status Next() {
    bool eof = false;
    RETURN_NOT_OK(Read(&hash_, sizeof(hash_), &eof));
    if (eof) {
      valid_ = false;
      return Status::OK();
    }
    uint32_t len = 0;
    RETURN_NOT_OK(Read(&seq_, sizeof(seq_), &eof));
    if (!eof) RETURN_NOT_OK(Read(&len, sizeof(len), &eof));
    if (!eof) {
      id_.resize(len);
      RETURN_NOT_OK(Read(id_.data(), len, &eof));
    }
    if (eof) return Status::IOError("reading " + path_ + ": truncated run file");
    valid_ = true;
    return Status::OK();
  }

  bool valid() const { return valid_; }
  uint64_t hash() const { return hash_; }
  int64_t seq() const { return seq_; }
  const std::string& id() const { return id_; }

 private:
  // Copies n bytes out of the buffer, refilling it; *eof when the file ended first.
  Status Read(void* out, size_t n, bool* eof) {
    auto* dst = static_cast<char*>(out);
    while (n > 0) {
      if (pos_ == end_) {
        if (buf_.empty()) buf_.resize(kReadBufferBytes);
        end_ = fread(buf_.data(), 1, buf_.size(), file_.get());
        pos_ = 0;
        if (end_ == 0) {
          if (ferror(file_.get())) {
            return Status::IOError("reading " + path_ + ": " + std::strerror(errno));
          }
          *eof = true;
          return Status::OK();
        }
      }
      const size_t take = std::min(n, end_ - pos_);
      std::memcpy(dst, buf_.data() + pos_, take);
      pos_ += take;
      dst += take;
      n -= take;
    }
    return Status::OK();
  }

  std::string path_;
  File file_;
  std::string buf_;
  size_t pos_ = 0;
  size_t end_ = 0;
  uint64_t hash_ = 0;
  int64_t seq_ = 0;
  std::string id_;
  bool valid_ = false;
};

}  // namespace

IdSorter::IdSorter(std::string dir, std::string file_prefix, size_t buffer_bytes)
    : dir_(std::move(dir)),
      file_prefix_(std::move(file_prefix)),
      buffer_bytes_(std::clamp<size_t>(buffer_bytes, 1 << 16, size_t{1} << 30)) {}

IdSorter::~IdSorter() {
  for (const std::string& run : runs_) {
    std::error_code ec;
    std::filesystem::remove(run, ec);
  }
}

Status IdSorter::Add(std::string_view id, int64_t seq) {
  // Entries count twice: sorting copies them.
  if (!entries_.empty() &&
      arena_.size() + id.size() + (entries_.size() + 1) * 2 * sizeof(Entry) > buffer_bytes_) {
    RETURN_NOT_OK(SpillBuffer());
  }
  if (entries_.capacity() == 0) entries_.reserve(buffer_bytes_ / (2 * sizeof(Entry) + 8));
  entries_.push_back(Entry{HashId(id), seq, static_cast<uint32_t>(arena_.size()),
                           static_cast<uint32_t>(id.size())});
  arena_.append(id.data(), id.size());
  return Status::OK();
}

Status IdSorter::Duplicate(std::string_view id, int64_t a, int64_t b) {
  duplicate_ = DuplicateId{std::string(id), std::min(a, b), std::max(a, b)};
  return Status::AlreadyExists("duplicate id \"" + duplicate_->id + "\" (rows " +
                               std::to_string(duplicate_->first_seq) + " and " +
                               std::to_string(duplicate_->second_seq) + ")");
}

Status IdSorter::SortBuffer() {
  // One counting-sort pass on the hash's top 16 bits (stable, so seqs stay ascending), then a
  // sort of each bucket, small enough to stay in cache: several times faster than one
  // std::sort over the whole buffer.
  constexpr int kBucketBits = 16;
  std::vector<uint32_t> starts((size_t{1} << kBucketBits) + 1, 0);
  for (const Entry& e : entries_) starts[(e.hash >> (64 - kBucketBits)) + 1]++;
  for (size_t b = 1; b < starts.size(); b++) starts[b] += starts[b - 1];
  std::vector<Entry> sorted(entries_.size());
  std::vector<uint32_t> next(starts.begin(), starts.end() - 1);
  for (const Entry& e : entries_) sorted[next[e.hash >> (64 - kBucketBits)]++] = e;
  entries_.swap(sorted);
  sorted = std::vector<Entry>();
  for (size_t b = 0; b + 1 < starts.size(); b++) {
    if (starts[b + 1] - starts[b] > 1) {
      std::sort(entries_.begin() + starts[b], entries_.begin() + starts[b + 1],
                [](const Entry& x, const Entry& y) {
                  return x.hash != y.hash ? x.hash < y.hash : x.seq < y.seq;
                });
    }
  }
  // Entries with equal hashes are adjacent; compare their ids pairwise (almost always a
  // group of one).
  for (size_t start = 0; start < entries_.size();) {
    size_t end = start + 1;
    while (end < entries_.size() && entries_[end].hash == entries_[start].hash) end++;
    for (size_t i = start; i < end; i++) {
      for (size_t j = i + 1; j < end; j++) {
        if (IdOf(entries_[i]) == IdOf(entries_[j])) {
          return Duplicate(IdOf(entries_[i]), entries_[i].seq, entries_[j].seq);
        }
      }
    }
    start = end;
  }
  return Status::OK();
}

std::string IdSorter::NextRunPath() {
  return dir_ + "/" + file_prefix_ + std::to_string(next_run_++) + ".run";
}

Status IdSorter::SpillBuffer() {
  RETURN_NOT_OK(SortBuffer());
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Status::IOError("cannot create " + dir_ + ": " + ec.message());
  const std::string path = NextRunPath();
  runs_.push_back(path);
  RunWriter writer(path);
  RETURN_NOT_OK(writer.Open());
  for (const Entry& e : entries_) RETURN_NOT_OK(writer.Write(e.hash, e.seq, IdOf(e)));
  RETURN_NOT_OK(writer.Close());
  runs_written_++;
  arena_.clear();
  entries_.clear();
  if (runs_.size() >= kMaxRuns) {
    std::vector<std::string> inputs;
    inputs.swap(runs_);
    const std::string merged = NextRunPath();
    runs_.push_back(merged);
    Status s = Merge(inputs, merged);
    // Merge deletes its inputs only when it succeeds; otherwise the destructor does.
    if (!s.ok()) runs_.insert(runs_.end(), inputs.begin(), inputs.end());
    RETURN_NOT_OK(s);
  }
  return Status::OK();
}

Status IdSorter::Merge(const std::vector<std::string>& inputs, const std::string& out_path) {
  std::vector<std::unique_ptr<RunReader>> readers;
  for (const std::string& path : inputs) {
    readers.push_back(std::make_unique<RunReader>(path));
    RETURN_NOT_OK(readers.back()->Open());
    RETURN_NOT_OK(readers.back()->Next());
  }
  std::unique_ptr<RunWriter> out;
  if (!out_path.empty()) {
    out = std::make_unique<RunWriter>(out_path);
    RETURN_NOT_OK(out->Open());
  }
  auto greater = [&readers](size_t a, size_t b) {
    const RunReader& x = *readers[a];
    const RunReader& y = *readers[b];
    return x.hash() != y.hash() ? x.hash() > y.hash() : x.seq() > y.seq();
  };
  std::priority_queue<size_t, std::vector<size_t>, decltype(greater)> heap(greater);
  for (size_t i = 0; i < readers.size(); i++) {
    if (readers[i]->valid()) heap.push(i);
  }
  // The ids (and seqs) seen so far with the current hash.
  uint64_t group_hash = 0;
  std::vector<std::pair<std::string, int64_t>> group;
  while (!heap.empty()) {
    const size_t i = heap.top();
    heap.pop();
    RunReader& r = *readers[i];
    if (group.empty() || r.hash() != group_hash) {
      group.clear();
      group_hash = r.hash();
    } else {
      for (const auto& [id, seq] : group) {
        if (id == r.id()) return Duplicate(id, seq, r.seq());
      }
    }
    group.emplace_back(r.id(), r.seq());
    if (out) RETURN_NOT_OK(out->Write(r.hash(), r.seq(), r.id()));
    RETURN_NOT_OK(r.Next());
    if (r.valid()) heap.push(i);
  }
  if (out) RETURN_NOT_OK(out->Close());
  readers.clear();
  for (const std::string& path : inputs) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  return Status::OK();
}

Status IdSorter::Finish() {
  if (runs_.empty()) return SortBuffer();
  if (!entries_.empty()) RETURN_NOT_OK(SpillBuffer());
  std::vector<std::string> inputs = runs_;
  RETURN_NOT_OK(Merge(inputs, ""));
  runs_.clear();
  return Status::OK();
}

}  // namespace fedflow::store
