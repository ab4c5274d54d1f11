#pragma once

// An in-memory LrChannel, so that HeteroLR's three roles can run on threads of one process: the
// unit test (tests/party-agent/hetero_lr_test.cc) and the training benchmark
// (bench/hetero_lr/hetero_lr_bench.cc). Messages are byte strings, as over federation, so the
// serialisation of every message is exercised.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/status.h"
#include "party-agent/components/federation_client.h"
#include "party-agent/components/hetero_lr_protocol.h"

namespace fedflow {

// The messages between the parties of one run, queued by (tag, source role, source party,
// destination role, destination party). Thread-safe.
class LrMemoryExchange {
 public:
  using Key = std::tuple<std::string, std::string, int64_t, std::string, int64_t>;

  void Put(const Key& key, std::string bytes) {
    std::lock_guard<std::mutex> l(mu_);
    queues_[key].push_back(std::move(bytes));
    cv_.notify_all();
  }
  // The oldest message of `key`, waiting up to `timeout` for one.
  Result<std::string> Take(const Key& key, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_for(l, timeout, [&] { return !queues_[key].empty(); })) {
      return Status::TimedOut("no message " + std::get<0>(key) + " from " + std::get<1>(key));
    }
    std::string bytes = std::move(queues_[key].front());
    queues_[key].pop_front();
    return bytes;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<Key, std::deque<std::string>> queues_;  // GUARDED_BY(mu_)
};

// One party's view of an LrMemoryExchange: `all` lists every party of the run (this one
// included). Used by one thread, as every LrChannel.
class MemoryLrChannel : public LrChannel {
 public:
  MemoryLrChannel(FedParty self, std::vector<FedParty> all, LrMemoryExchange* exchange,
                  std::chrono::milliseconds timeout = std::chrono::seconds(120))
      : self_(std::move(self)), all_(std::move(all)), exchange_(exchange), timeout_(timeout) {}

  std::vector<FedParty> Parties(const std::string& role) const override {
    std::vector<FedParty> out;
    for (const FedParty& p : all_) {
      if (p.role == role && !(p.role == self_.role && p.party_id == self_.party_id)) {
        out.push_back(p);
      }
    }
    return out;
  }
  int64_t self_party_id() const override { return self_.party_id; }
  Status Send(const std::string& tag, const std::string& bytes,
              const std::vector<FedParty>& dst) override {
    for (const FedParty& d : dst) {
      exchange_->Put({tag, self_.role, self_.party_id, d.role, d.party_id}, bytes);
    }
    return Status::OK();
  }
  Result<std::string> Recv(const std::string& tag, const FedParty& src) override {
    return exchange_->Take({tag, src.role, src.party_id, self_.role, self_.party_id}, timeout_);
  }

 private:
  const FedParty self_;
  const std::vector<FedParty> all_;
  LrMemoryExchange* const exchange_;
  const std::chrono::milliseconds timeout_;
};

}  // namespace fedflow
