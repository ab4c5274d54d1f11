#include "party-agent/report_queue.h"

#include <chrono>
#include <cstdio>

#include <glog/logging.h>
#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "common/rpc/thrift_bytes.h"

namespace fedflow {

namespace {

constexpr char kPrefix[] = "report/";
constexpr char kSeqKey[] = "meta/report_seq";

// Fixed-width so that LevelDB's byte order is the sequence order.
std::string ReportKey(int64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%s%020lld", kPrefix, static_cast<long long>(seq));
  return buf;
}

std::string Serialize(const thrift::TReportTaskStatusRequest& r) {
  return rpc::ThriftToBytes(r, rpc::ThriftProtocol::kCompact);
}

Result<thrift::TReportTaskStatusRequest> Deserialize(const std::string& bytes) {
  thrift::TReportTaskStatusRequest r;
  Status s = rpc::ThriftFromBytes(bytes, rpc::ThriftProtocol::kCompact, &r);
  if (!s.ok()) return Status::IOError("corrupt stored report: " + s.message());
  return r;
}

}  // namespace

ReportQueue::ReportQueue(leveldb::DB* db, Sender sender) : db_(db), sender_(std::move(sender)) {}

ReportQueue::~ReportQueue() { Stop(); }

Status ReportQueue::Start() {
  std::string seq;
  leveldb::Status s = db_->Get(leveldb::ReadOptions(), kSeqKey, &seq);
  if (s.ok()) {
    next_seq_ = std::stoll(seq) + 1;
  } else if (!s.IsNotFound()) {
    return Status::IOError("reading the report sequence: " + s.ToString());
  }
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  for (it->Seek(kPrefix); it->Valid() && it->key().starts_with(kPrefix); it->Next()) pending_++;
  if (pending_ > 0) LOG(INFO) << pending_ << " unacknowledged reports from an earlier run";
  thread_ = std::thread([this] { Run(); });
  return Status::OK();
}

void ReportQueue::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool ReportQueue::WaitDrained(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> l(mu_);
  return cv_.wait_for(l, timeout, [this] { return pending_ == 0 || stopping_; }) && pending_ == 0;
}

size_t ReportQueue::pending() const {
  std::lock_guard<std::mutex> l(mu_);
  return pending_;
}

Status ReportQueue::Enqueue(thrift::TReportTaskStatusRequest report) {
  std::lock_guard<std::mutex> l(mu_);
  report.seq = next_seq_;
  leveldb::WriteBatch batch;
  batch.Put(ReportKey(report.seq), Serialize(report));
  batch.Put(kSeqKey, std::to_string(report.seq));
  leveldb::WriteOptions wo;
  wo.sync = true;
  leveldb::Status s = db_->Write(wo, &batch);
  if (!s.ok()) return Status::IOError("persisting a task report: " + s.ToString());
  next_seq_++;
  pending_++;
  cv_.notify_all();
  return Status::OK();
}

void ReportQueue::Run() {
  int backoff_ms = 0;
  while (true) {
    {
      std::unique_lock<std::mutex> l(mu_);
      if (backoff_ms > 0) {
        cv_.wait_for(l, std::chrono::milliseconds(backoff_ms), [this] { return stopping_; });
      } else {
        cv_.wait(l, [this] { return stopping_ || pending_ > 0; });
      }
      if (stopping_) return;
      if (pending_ == 0) continue;
    }
    std::string key, value;
    {
      std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
      it->Seek(kPrefix);
      if (!it->Valid() || !it->key().starts_with(kPrefix)) {
        std::lock_guard<std::mutex> l(mu_);
        pending_ = 0;
        continue;
      }
      key = it->key().ToString();
      value = it->value().ToString();
    }
    auto report = Deserialize(value);
    Status sent = report.ok() ? sender_(*report) : report.status();
    if (sent.ok() || !report.ok()) {
      if (!report.ok()) LOG(ERROR) << "dropping " << key << ": " << report.status();
      leveldb::WriteOptions wo;
      wo.sync = true;
      db_->Delete(wo, key);
      std::lock_guard<std::mutex> l(mu_);
      if (pending_ > 0) pending_--;
      if (pending_ == 0) cv_.notify_all();
      backoff_ms = 0;
      continue;
    }
    backoff_ms = backoff_ms == 0 ? 20 : std::min(backoff_ms * 2, 1000);
    LOG_EVERY_T(WARNING, 5) << "task report " << report->key.job_id << "/"
                                << report->key.component << " not acknowledged yet: " << sent
                                << " (retrying)";
  }
}

}  // namespace fedflow
