#include "party-agent/store/table_reader.h"

#include <cstring>
#include <utility>

#include <leveldb/db.h>
#include <leveldb/iterator.h>

#include "party-agent/store/store_keys.h"

namespace fedflow::store {

TableReader::TableReader(leveldb::DB* db, const leveldb::Snapshot* snapshot, TableMeta meta,
                         std::string what)
    : db_(db), snapshot_(snapshot), meta_(std::move(meta)), what_(std::move(what)) {}

TableReader::~TableReader() {
  it_.reset();  // before the snapshot it reads
  db_->ReleaseSnapshot(snapshot_);
}

Status TableReader::Seek(int64_t seq) {
  if (seq < 0 || seq > meta_.count) {
    return Status::InvalidArgument(what_ + " has " + std::to_string(meta_.count) +
                                   " rows; cannot seek to row " + std::to_string(seq));
  }
  next_seq_ = seq;
  it_.reset();
  return Status::OK();
}

Status TableReader::NextBatch(std::vector<Row>* rows, size_t max_rows, size_t max_bytes) {
  size_t n = 0;
  size_t bytes = 0;
  if (next_seq_ < meta_.count) {
    const std::string prefix = keys::RowPrefix(meta_.generation);
    if (!it_) {
      leveldb::ReadOptions ro;
      ro.snapshot = snapshot_;
      ro.verify_checksums = true;
      ro.fill_cache = false;  // a stream must not evict the store's hot blocks
      it_.reset(db_->NewIterator(ro));
      it_->Seek(keys::Row(meta_.generation, next_seq_));
    }
    while (n < std::max<size_t>(max_rows, 1) && (n == 0 || bytes < max_bytes) &&
           next_seq_ < meta_.count) {
      if (!it_->Valid() || !it_->key().starts_with(prefix)) break;
      const leveldb::Slice key = it_->key();
      auto seq = keys::ParseNumber(
          std::string_view(key.data() + prefix.size(), key.size() - prefix.size()));
      if (!seq.ok() || static_cast<int64_t>(*seq) != next_seq_) {
        return Status::IOError(what_ + " is corrupt: expected row " + std::to_string(next_seq_) +
                               ", found key " + key.ToString());
      }
      if (n == rows->size()) rows->emplace_back();
      Row& row = (*rows)[n];
      row.seq = next_seq_;
      row.data.assign(it_->value().data(), it_->value().size());
      bytes += row.data.size();
      n++;
      next_seq_++;
      it_->Next();
    }
    if (!it_->status().ok()) {
      return Status::IOError(what_ + ": reading rows: " + it_->status().ToString());
    }
    if (n == 0 && next_seq_ < meta_.count) {
      return Status::IOError(what_ + " is corrupt: its meta says " + std::to_string(meta_.count) +
                             " rows but row " + std::to_string(next_seq_) + " is missing");
    }
  }
  rows->resize(n);
  return Status::OK();
}

std::string_view RowId(std::string_view row, std::string_view delimiter) {
  if (delimiter.empty()) return row;
  const size_t pos = row.find(delimiter);
  return pos == std::string_view::npos ? row : row.substr(0, pos);
}

}  // namespace fedflow::store
