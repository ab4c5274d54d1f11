#pragma once

#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fedflow::store {

// Two rows of one table that carry the same id (seqs in upload order, first < second).
struct DuplicateId {
  std::string id;
  int64_t first_seq = 0;
  int64_t second_seq = 0;
};

// Finds duplicate ids among the (id, seq) pairs of one table upload in bounded memory: pairs
// are buffered up to `buffer_bytes`, sorted by (64-bit hash of the id, seq), checked and
// spilled to a run file under `dir`; Finish() merges the runs (at most kMaxRuns at a time:
// more are merged into one run first, so memory stays bounded whatever the number of rows).
// Sorting fixed-size hashes instead of the ids themselves keeps the sort out of cache misses;
// ids are compared only when their hashes are equal, so a hash collision is never mistaken for
// a duplicate. The external-sort alternative to an
// id index in LevelDB: it keeps the random-order id keys out of the LSM tree, whose
// compactions would otherwise rewrite the table's rows too (docs/STORAGE.md has figures).
// Deletes its run files when destroyed. Thread-compatible (owned by one TableWriter).
class IdSorter {
 public:
  static constexpr size_t kMaxRuns = 64;

  // Run files are named <dir>/<file_prefix><n>.run; `dir` is created on the first spill.
  IdSorter(std::string dir, std::string file_prefix, size_t buffer_bytes);
  ~IdSorter();

  IdSorter(const IdSorter&) = delete;
  IdSorter& operator=(const IdSorter&) = delete;

  // AlreadyExists (and duplicate() set) when the buffer being spilled holds a duplicate.
  Status Add(std::string_view id, int64_t seq);
  // Checks every pair; AlreadyExists (and duplicate() set) on a duplicate.
  Status Finish();

  const std::optional<DuplicateId>& duplicate() const { return duplicate_; }
  // Run files written so far (for tests and the benchmark).
  int runs_written() const { return runs_written_; }

 private:
  struct Entry {
    uint64_t hash;
    int64_t seq;
    uint32_t offset;  // of the id in arena_
    uint32_t length;
  };

  std::string_view IdOf(const Entry& e) const {
    return std::string_view(arena_.data() + e.offset, e.length);
  }
  // Sorts the buffer; returns the duplicate check's status.
  Status SortBuffer();
  Status SpillBuffer();
  // Merges `inputs` (deleting them afterwards); writes the merged pairs to `out_path` unless
  // it is empty.
  Status Merge(const std::vector<std::string>& inputs, const std::string& out_path);
  Status Duplicate(std::string_view id, int64_t a, int64_t b);
  std::string NextRunPath();

  const std::string dir_;
  const std::string file_prefix_;
  const size_t buffer_bytes_;
  std::string arena_;              // the buffered ids, back to back
  std::vector<Entry> entries_;     // the buffered pairs
  std::vector<std::string> runs_;  // run files not merged yet
  int runs_written_ = 0;
  int next_run_ = 0;
  std::optional<DuplicateId> duplicate_;
};

}  // namespace fedflow::store
