#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <leveldb/write_batch.h>

#include "common/status.h"
#include "party-agent/store/id_sorter.h"
#include "party-agent/store/store_values.h"

namespace fedflow::store {

class AgentStore;

// Writes one new generation of a table (an upload, or a task's output): rows are appended in
// order under rows/<generation>/<seq> in unsynced batches while nothing points at them;
// Commit() checks the ids for duplicates, makes the rows durable and swaps the table's pointer
// to the new generation in one synced write, then deletes the generation it replaced. Until
// then readers see the old table (or none). Abort(), any failed call, or destruction without
// Commit deletes the rows written so far, so a failed upload leaves nothing visible (a crash
// leaves rows that the next AgentStore::Open deletes).
//
// Created by AgentStore::CreateTable / CreateOutput; the store must outlive it. Not
// thread-safe: one writer is driven by one thread at a time (several writers of one store may
// run concurrently; the last to commit a table wins).
class TableWriter {
 public:
  struct RowView {
    std::string_view id;
    std::string_view data;
  };

  ~TableWriter();

  TableWriter(const TableWriter&) = delete;
  TableWriter& operator=(const TableWriter&) = delete;

  // Appends a row: `id` is its id (FATE: the first field), `data` the row's bytes. A duplicate
  // id may be reported here or at Commit (AlreadyExists, duplicate() set). After an error the
  // writer is aborted and every call returns that error.
  Status Add(std::string_view id, std::string_view data);
  Status Append(const std::vector<RowView>& rows);
  // Writes the buffered rows to LevelDB (unsynced; Add flushes by itself).
  Status Flush();
  // Makes the table visible; returns its meta.
  Result<TableMeta> Commit();
  // Deletes what was written. No-op after Commit or Abort.
  void Abort();

  // The meta that Commit will write. Descriptive fields (header, label, line ending, final
  // newline, extra JSON...) may be changed until Commit; count, data_bytes, generation and the
  // create time are set by the writer.
  TableMeta* mutable_meta() { return &meta_; }
  const TableMeta& meta() const { return meta_; }
  uint64_t generation() const { return meta_.generation; }
  int64_t rows() const { return next_seq_; }
  int64_t bytes() const { return data_bytes_; }
  // Set when a duplicate id failed the write.
  const std::optional<DuplicateId>& duplicate() const { return duplicate_; }

 private:
  friend class AgentStore;
  enum class State { kOpen, kFailed, kCommitted, kAborted };

  TableWriter(AgentStore* store, std::string pointer_key, bool replace, TableMeta meta);

  Status CheckIdWithIndex(std::string_view id, int64_t seq);
  // Aborts and remembers `s` as the writer's error.
  Status Fail(Status s);

  AgentStore* const store_;
  const std::string pointer_key_;
  const bool replace_;
  TableMeta meta_;
  State state_ = State::kOpen;
  Status error_;
  leveldb::WriteBatch batch_;
  size_t batch_rows_ = 0;
  std::string key_buf_;
  int64_t next_seq_ = 0;
  int64_t data_bytes_ = 0;
  std::unique_ptr<IdSorter> sorter_;                    // kExternalSort
  std::unordered_map<std::string, int64_t> batch_ids_;  // kIndexGet: ids not flushed yet
  std::optional<DuplicateId> duplicate_;
};

}  // namespace fedflow::store
