#include "party-agent/store/table_writer.h"

#include <utility>

#include <glog/logging.h>
#include <leveldb/db.h>

#include "party-agent/store/agent_store.h"
#include "party-agent/store/store_keys.h"

namespace fedflow::store {

TableWriter::TableWriter(AgentStore* store, std::string pointer_key, bool replace, TableMeta meta)
    : store_(store),
      pointer_key_(std::move(pointer_key)),
      replace_(replace),
      meta_(std::move(meta)) {
  meta_.generation = store_->NewGeneration();
  meta_.count = 0;
  meta_.data_bytes = 0;
  if (store_->options().duplicate_check == DuplicateCheck::kExternalSort) {
    sorter_ = std::make_unique<IdSorter>(store_->TempDir(),
                                         "gen-" + std::to_string(meta_.generation) + "-",
                                         store_->options().id_sort_buffer_bytes);
  }
}

TableWriter::~TableWriter() { Abort(); }

Status TableWriter::Fail(Status s) {
  if (!s.ok() && state_ == State::kOpen) {
    Abort();
    state_ = State::kFailed;
    error_ = s;
  }
  return s;
}

Status TableWriter::CheckIdWithIndex(std::string_view id, int64_t seq) {
  auto [it, inserted] = batch_ids_.emplace(std::string(id), seq);
  if (!inserted) {
    duplicate_ = DuplicateId{std::string(id), it->second, seq};
  } else {
    std::string value;
    leveldb::Status s =
        store_->db()->Get(leveldb::ReadOptions(), keys::Id(meta_.generation, id), &value);
    if (s.ok()) {
      auto first = keys::ParseNumber(value);
      duplicate_ =
          DuplicateId{std::string(id), first.ok() ? static_cast<int64_t>(*first) : -1, seq};
    } else if (!s.IsNotFound()) {
      return Status::IOError("agent store " + store_->path() + ": " + s.ToString());
    }
  }
  if (duplicate_) {
    return Status::AlreadyExists("duplicate id \"" + duplicate_->id + "\" (rows " +
                                 std::to_string(duplicate_->first_seq) + " and " +
                                 std::to_string(seq) + ")");
  }
  batch_.Put(keys::Id(meta_.generation, id), std::to_string(seq));
  return Status::OK();
}

Status TableWriter::Add(std::string_view id, std::string_view data) {
  if (state_ != State::kOpen) {
    return state_ == State::kFailed ? error_ : Status::IllegalState("table writer is closed");
  }
  if (id.empty()) {
    return Fail(Status::InvalidArgument("row " + std::to_string(next_seq_) + " has an empty id"));
  }
  if (next_seq_ > keys::kMaxSeq) return Fail(Status::InvalidArgument("too many rows"));
  const int64_t seq = next_seq_;
  if (sorter_) {
    Status s = sorter_->Add(id, seq);
    if (!s.ok()) {
      duplicate_ = sorter_->duplicate();
      return Fail(s);
    }
  } else {
    RETURN_NOT_OK(Fail(CheckIdWithIndex(id, seq)));
  }
  keys::RowInto(&key_buf_, meta_.generation, seq);
  batch_.Put(key_buf_, leveldb::Slice(data.data(), data.size()));
  next_seq_++;
  batch_rows_++;
  data_bytes_ += static_cast<int64_t>(data.size());
  if (batch_.ApproximateSize() >= store_->options().write_batch_bytes) return Flush();
  return Status::OK();
}

Status TableWriter::Append(const std::vector<RowView>& rows) {
  for (const RowView& row : rows) RETURN_NOT_OK(Add(row.id, row.data));
  return Status::OK();
}

Status TableWriter::Flush() {
  if (state_ != State::kOpen) {
    return state_ == State::kFailed ? error_ : Status::IllegalState("table writer is closed");
  }
  if (batch_rows_ == 0) return Status::OK();
  leveldb::Status s = store_->db()->Write(leveldb::WriteOptions(), &batch_);
  batch_.Clear();
  batch_rows_ = 0;
  batch_ids_.clear();
  if (!s.ok()) {
    return Fail(
        Status::IOError("agent store " + store_->path() + ": writing rows: " + s.ToString()));
  }
  return Status::OK();
}

Result<TableMeta> TableWriter::Commit() {
  RETURN_NOT_OK(Flush());
  if (sorter_) {
    Status s = sorter_->Finish();
    if (!s.ok()) {
      duplicate_ = sorter_->duplicate();
      return Fail(s);
    }
    sorter_.reset();
  }
  meta_.count = next_seq_;
  meta_.data_bytes = data_bytes_;
  meta_.create_time_ms = AgentStore::NowMs();
  RETURN_NOT_OK(Fail(store_->CommitGeneration(pointer_key_, replace_, meta_)));
  state_ = State::kCommitted;
  VLOG(1) << "agent store: committed " << pointer_key_ << " generation " << meta_.generation << " ("
          << meta_.count << " rows)";
  return meta_;
}

void TableWriter::Abort() {
  if (state_ != State::kOpen) return;
  state_ = State::kAborted;
  batch_.Clear();
  batch_rows_ = 0;
  batch_ids_.clear();
  sorter_.reset();
  Status s = store_->DeleteGeneration(meta_.generation);
  if (!s.ok()) LOG(WARNING) << s << " (the next Open deletes the rest)";
}

}  // namespace fedflow::store
