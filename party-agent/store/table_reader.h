#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "party-agent/store/store_values.h"

namespace leveldb {
class DB;
class Iterator;
class Snapshot;
}  // namespace leveldb

namespace fedflow::store {

// Streams the rows of one table generation in upload order, in batches of bounded size. It
// reads a LevelDB snapshot taken when it was opened, so a table replaced (re-uploaded) or
// dropped meanwhile keeps its old meta and rows for this reader: a reader sees exactly one
// generation, never a mix. The snapshot pins the old rows on disk until the reader is
// destroyed, so readers should not be kept open idle.
//
// Created by AgentStore::OpenTable / OpenOutput; the store must outlive it. Not thread-safe
// (one thread at a time).
class TableReader {
 public:
  ~TableReader();

  TableReader(const TableReader&) = delete;
  TableReader& operator=(const TableReader&) = delete;

  const TableMeta& meta() const { return meta_; }

  // Replaces *rows with the next rows: at most max_rows rows and about max_bytes bytes (at
  // least one row). Empty at the end of the table. A row missing from the sequence or fewer
  // rows than meta().count is an IOError (corruption).
  Status NextBatch(std::vector<Row>* rows, size_t max_rows = 4096, size_t max_bytes = 1 << 20);
  // Positions the reader at row `seq` (0-based, upload order), e.g. to resume a stream.
  Status Seek(int64_t seq);
  // The seq of the next row NextBatch returns.
  int64_t position() const { return next_seq_; }

 private:
  friend class AgentStore;
  TableReader(leveldb::DB* db, const leveldb::Snapshot* snapshot, TableMeta meta, std::string what);

  leveldb::DB* const db_;
  const leveldb::Snapshot* const snapshot_;
  const TableMeta meta_;
  const std::string what_;  // "table ns.name" / "output ..." for errors
  std::unique_ptr<leveldb::Iterator> it_;
  int64_t next_seq_ = 0;
};

// The first field of a row (its id under FATE's rule).
std::string_view RowId(std::string_view row, std::string_view delimiter);

}  // namespace fedflow::store
