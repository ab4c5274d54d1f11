// Storage benchmark: upload and read-back throughput of a generated CSV through the agent store,
// beside the raw LevelDB write rate of the same keys and values measured in the same run, and
// the process's peak RSS after each phase (memory must not grow with the file's size).
//
//   store_bench [--mb=1024] [--dir=/tmp] [--dup_check=sort|index] [--keep]
//   store_bench --csv=PATH [--raw_only] [--dir=/tmp]
//
// Phases, in this order: generate the CSV; raw LevelDB (a fresh database with the store's
// LevelDB options: the file read and split into lines, each line Put under the key its row gets
// in the store, in WriteBatches of the store's batch size, synced at the end); import it
// (CsvUpload into a new table, committed); stream it back (TableReader batches); raw LevelDB
// again. Each phase's peak RSS is getrusage's ru_maxrss, reset before the phase (Linux
// /proc/self/clear_refs). The import is compared with the mean of the two raw runs, which bracket
// it in time (on a shared machine the rate drifts). Dirty pages are flushed (sync) between phases
// so that no phase pays for the previous one's writeback. Prints figures only.
//
// --csv runs the phases on an existing file instead of a generated one (its first line must be
// a header). --raw_only runs the raw LevelDB phase alone, once, and ends with a line
// `raw_leveldb rows=<n> kv_bytes=<n> seconds=<s>` for scripts: bench/store/rpc_run.sh compares
// the upload through a real agent with it.

#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <gflags/gflags.h>
#include <glog/logging.h>
#include <leveldb/cache.h>
#include <leveldb/db.h>
#include <leveldb/filter_policy.h>
#include <leveldb/write_batch.h>

#include "party-agent/store/agent_store.h"
#include "party-agent/store/csv_import.h"
#include "party-agent/store/pread_env.h"
#include "party-agent/store/store_keys.h"
#include "party-agent/store/table_reader.h"

DEFINE_int64(mb, 1024, "size of the generated CSV in MiB");
DEFINE_string(dir, "", "directory for the CSV and the databases (default: $TMPDIR or /tmp)");
DEFINE_string(dup_check, "sort",
              "duplicate id check: sort (external sort) or index (LevelDB "
              "id index with a Get per row)");
DEFINE_bool(keep, false, "keep the generated files");
DEFINE_string(csv, "", "use this CSV (with a header line) instead of generating one");
DEFINE_bool(raw_only, false, "run only the raw LevelDB phase, once");

namespace fs = std::filesystem;
using fedflow::Status;
namespace store = fedflow::store;

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Resets the process's peak RSS (Linux: VmHWM, which ru_maxrss reports) so that each phase
// reports its own peak.
void ResetPeakRss() {
  FILE* f = std::fopen("/proc/self/clear_refs", "w");
  if (f == nullptr) return;
  std::fputs("5", f);
  std::fclose(f);
}

double PeakRssMiB() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (const auto& e : fs::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

void Report(const char* phase, uint64_t bytes, int64_t rows, double secs) {
  const double mib = static_cast<double>(bytes) / (1 << 20);
  std::printf("%-28s %9.1f MiB %11" PRId64
              " rows %7.2f s %8.1f MiB/s %10.0f rows/s  "
              "phase peak RSS %6.1f MiB\n",
              phase, mib, rows, secs, mib / secs, static_cast<double>(rows) / secs, PeakRssMiB());
  std::fflush(stdout);
}

// A breast_hetero-like CSV: id (unique, shuffled order), y, x0..x9 with six decimals.
int64_t GenerateCsv(const std::string& path, uint64_t target_bytes, uint64_t* bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  CHECK(f != nullptr) << "cannot write " << path;
  std::vector<char> buf(4 << 20);
  std::setvbuf(f, buf.data(), _IOFBF, buf.size());
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> x(-3.0, 3.0);
  const char* header = "id,y,x0,x1,x2,x3,x4,x5,x6,x7,x8,x9\n";
  std::fputs(header, f);
  uint64_t written = std::strlen(header);
  int64_t rows = 0;
  char line[512];
  while (written < target_bytes) {
    // A bijection of the row number (odd multiplier mod 2^40) gives unique, unordered ids.
    const uint64_t id = (static_cast<uint64_t>(rows) * 0x9E3779B97F4BULL) & ((1ULL << 40) - 1);
    int n = std::snprintf(line, sizeof(line), "%" PRIu64 ",%d", id, static_cast<int>(rng() & 1));
    for (int c = 0; c < 10; c++) n += std::snprintf(line + n, sizeof(line) - n, ",%.6f", x(rng));
    line[n++] = '\n';
    std::fwrite(line, 1, n, f);
    written += n;
    rows++;
  }
  CHECK_EQ(std::fflush(f), 0);
  CHECK_EQ(fsync(fileno(f)), 0);  // no writeback of the CSV during the timed phases
  CHECK_EQ(std::fclose(f), 0);
  *bytes = written;
  return rows;
}

// Puts every data line of the CSV under rows/<generation>/<seq> into a fresh LevelDB with the
// store's options: the raw rate of the same keys and values the import writes. Returns the
// phase's seconds; sets the rows and key + value bytes written when asked.
double RawLevelDb(const char* phase, const std::string& csv, const std::string& db_dir,
                  uint64_t generation, const store::AgentStoreOptions& so,
                  int64_t* rows_out = nullptr, uint64_t* kv_bytes_out = nullptr) {
  ResetPeakRss();
  std::unique_ptr<const leveldb::FilterPolicy> filter(
      so.duplicate_check == store::DuplicateCheck::kIndexGet ? leveldb::NewBloomFilterPolicy(10)
                                                             : nullptr);
  std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(so.block_cache_bytes));
  leveldb::Options lo;
  lo.create_if_missing = true;
  lo.paranoid_checks = true;
  lo.write_buffer_size = so.write_buffer_bytes;
  lo.max_file_size = so.max_file_bytes;
  lo.block_size = 16 << 10;  // as the store
  lo.block_cache = cache.get();
  lo.filter_policy = filter.get();
  lo.env = store::PreadEnv();
  lo.max_open_files = 500;
  leveldb::DB* raw = nullptr;
  leveldb::Status s = leveldb::DB::Open(lo, db_dir, &raw);
  CHECK(s.ok()) << s.ToString();
  std::unique_ptr<leveldb::DB> db(raw);

  const auto start = Clock::now();
  FILE* f = std::fopen(csv.c_str(), "rb");
  CHECK(f != nullptr);
  std::vector<char> buf(1 << 20);
  std::string pending, key;
  leveldb::WriteBatch batch;
  int64_t seq = -1;  // the header line is not a row
  uint64_t kv_bytes = 0;
  auto put = [&](const char* p, size_t n) {
    if (seq >= 0) {
      store::keys::RowInto(&key, generation, seq);
      batch.Put(key, leveldb::Slice(p, n));
      kv_bytes += key.size() + n;
      if (batch.ApproximateSize() >= so.write_batch_bytes) {
        CHECK(db->Write(leveldb::WriteOptions(), &batch).ok());
        batch.Clear();
      }
    }
    seq++;
  };
  size_t got;
  while ((got = std::fread(buf.data(), 1, buf.size(), f)) > 0) {
    size_t pos = 0;
    while (pos < got) {
      const char* nl = static_cast<const char*>(std::memchr(buf.data() + pos, '\n', got - pos));
      if (nl == nullptr) {
        pending.append(buf.data() + pos, got - pos);
        break;
      }
      const size_t end = nl - buf.data();
      if (pending.empty()) {
        put(buf.data() + pos, end - pos);
      } else {
        pending.append(buf.data() + pos, end - pos);
        put(pending.data(), pending.size());
        pending.clear();
      }
      pos = end + 1;
    }
  }
  std::fclose(f);
  leveldb::WriteOptions sync;
  sync.sync = true;
  CHECK(db->Write(sync, &batch).ok());
  const double secs = Seconds(start);
  Report(phase, kv_bytes, seq, secs);
  std::printf("%-28s %9.1f MiB on disk\n", "", static_cast<double>(DirBytes(db_dir)) / (1 << 20));
  if (rows_out != nullptr) *rows_out = seq;
  if (kv_bytes_out != nullptr) *kv_bytes_out = kv_bytes;
  return secs;
}

int Run() {
  std::string base = FLAGS_dir;
  if (base.empty()) base = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp";
  const std::string dir = base + "/store_bench." + std::to_string(getpid());
  fs::create_directories(dir);
  const std::string csv = FLAGS_csv.empty() ? dir + "/data.csv" : FLAGS_csv;
  store::AgentStoreOptions so;
  if (FLAGS_dup_check == "index") {
    so.duplicate_check = store::DuplicateCheck::kIndexGet;
  } else if (FLAGS_dup_check != "sort") {
    std::fprintf(stderr, "--dup_check must be sort or index\n");
    return 2;
  }
  // The store's first table gets generation 1.
  const uint64_t generation = 1;
  if (FLAGS_raw_only) {
    if (FLAGS_csv.empty()) {
      std::fprintf(stderr, "--raw_only needs --csv\n");
      return 2;
    }
    std::printf("store_bench: raw LevelDB only, %s, databases in %s\n", csv.c_str(), dir.c_str());
    int64_t rows = 0;
    uint64_t kv_bytes = 0;
    const double secs = RawLevelDb("raw LevelDB Put (kv bytes)", csv, dir + "/raw", generation, so,
                                   &rows, &kv_bytes);
    std::printf("raw_leveldb rows=%" PRId64 " kv_bytes=%" PRIu64 " seconds=%.3f\n", rows, kv_bytes,
                secs);
    if (!FLAGS_keep) fs::remove_all(dir);
    return 0;
  }

  auto start = Clock::now();
  uint64_t csv_bytes = 0;
  int64_t rows = 0;
  if (FLAGS_csv.empty()) {
    std::printf("store_bench: %" PRId64 " MiB CSV in %s, duplicate check: %s\n", FLAGS_mb,
                dir.c_str(), FLAGS_dup_check.c_str());
    ResetPeakRss();
    rows = GenerateCsv(csv, static_cast<uint64_t>(FLAGS_mb) << 20, &csv_bytes);
    Report("generate CSV", csv_bytes, rows, Seconds(start));
  } else {
    std::error_code ec;
    csv_bytes = fs::file_size(csv, ec);
    if (ec) {
      std::fprintf(stderr, "%s: %s\n", csv.c_str(), ec.message().c_str());
      return 2;
    }
    std::printf("store_bench: %s (%.1f MiB), databases in %s, duplicate check: %s\n", csv.c_str(),
                static_cast<double>(csv_bytes) / (1 << 20), dir.c_str(), FLAGS_dup_check.c_str());
  }

  ::sync();
  int64_t raw_rows = 0;
  const double raw1_secs =
      RawLevelDb("raw LevelDB Put (kv bytes)", csv, dir + "/raw1", generation, so, &raw_rows);
  if (!FLAGS_csv.empty()) rows = raw_rows;
  ::sync();
  double import_secs = 0;
  {
    ResetPeakRss();
    auto opened = store::AgentStore::Open(dir + "/store", so);
    CHECK(opened.ok()) << opened.status();
    std::unique_ptr<store::AgentStore> agent_store = std::move(opened).value();

    start = Clock::now();
    auto meta = store::ImportCsvFile(agent_store.get(), csv, "bench", "table", {});
    CHECK(meta.ok()) << meta.status();
    CHECK_EQ(meta->count, rows);
    CHECK_EQ(meta->generation, generation);
    import_secs = Seconds(start);
    Report("import (CSV bytes)", csv_bytes, rows, import_secs);
    std::printf("%-28s %9.1f MiB on disk\n", "",
                static_cast<double>(DirBytes(dir + "/store")) / (1 << 20));
    ::sync();

    ResetPeakRss();
    start = Clock::now();
    auto reader = agent_store->OpenTable("bench", "table");
    CHECK(reader.ok()) << reader.status();
    std::vector<store::Row> batch;
    uint64_t bytes = meta->header_line.size() + 1;
    int64_t read = 0;
    while (true) {
      Status s = (*reader)->NextBatch(&batch);
      CHECK(s.ok()) << s;
      if (batch.empty()) break;
      for (const store::Row& r : batch) bytes += r.data.size() + 1;
      read += static_cast<int64_t>(batch.size());
    }
    CHECK_EQ(read, rows);
    Report("read back (CSV bytes)", bytes, read, Seconds(start));
  }
  ::sync();
  const double raw2_secs = RawLevelDb("raw LevelDB Put again", csv, dir + "/raw2", generation, so);
  std::printf(
      "import rate / raw LevelDB rate (same rows, keys and values): %.0f%% "
      "(%.0f%% and %.0f%% of the raw runs before and after it)\n",
      100.0 * (raw1_secs + raw2_secs) / 2 / import_secs, 100.0 * raw1_secs / import_secs,
      100.0 * raw2_secs / import_secs);
  if (!FLAGS_keep) fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  google::InitGoogleLogging(argv[0]);
  FLAGS_logtostderr = true;
  return Run();
}
