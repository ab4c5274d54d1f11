#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "TaskService.h"
#include "common/rpc/client_pool.h"
#include "party-agent/components/component.h"
#include "party-agent/components/fed_object.h"

namespace fedflow {

struct FedParty {
  std::string role;
  int64_t party_id = 0;
};

// FATE's federation API inside a task: Remote(object, tag, parties) and Get(tag, party,
// timeout). Messages go through this task's agent (TaskService on loopback), which forwards
// them to the destination party's agent. Large messages are sent in chunks. Repeated use of a
// tag with the same party gets sequence numbers 0, 1, 2, ... on both sides, so the n-th Remote
// meets the n-th Get. Chunks move between the task and its agent without passing through
// the TaskService calls when the agent can read and write this process's memory (it is our
// parent; docs/FEDERATION.md "Data path"), inline otherwise. Not thread-safe (one per task).
class FederationClient {
 public:
  explicit FederationClient(const TaskContext& ctx, int64_t chunk_bytes = 4 << 20);

  // The other parties of this component with `role` (from the task's peers).
  std::vector<FedParty> Parties(const std::string& role) const;

  Status Remote(const FedObject& obj, const std::string& tag, const std::vector<FedParty>& dst);
  Status RemoteBytes(const std::string& bytes, const std::string& tag,
                     const std::vector<FedParty>& dst);
  Result<FedObject> Get(const std::string& tag, const FedParty& src,
                        std::chrono::milliseconds timeout);
  Result<std::string> GetBytes(const std::string& tag, const FedParty& src,
                               std::chrono::milliseconds timeout);
  // GetBytes into `out`, reusing its memory: a caller receiving messages of similar sizes
  // over and over keeps one buffer instead of faulting in fresh pages for each.
  Status GetBytesInto(const std::string& tag, const FedParty& src,
                      std::chrono::milliseconds timeout, std::string* out);

 private:
  using SeqKey = std::tuple<std::string, std::string, int64_t>;  // tag, role, party

  const TaskContext& ctx_;
  const int64_t chunk_bytes_;
  thrift::TTaskKey key_;
  rpc::ClientPool<thrift::TaskServiceClient> agent_;
  // Whether the agent moves chunks through this process's memory; cleared when it says it
  // cannot (TFedSendResponse.send_inline).
  std::atomic<bool> direct_{true};
  std::map<SeqKey, int64_t> sent_;
  std::map<SeqKey, int64_t> received_;
};

}  // namespace fedflow
