#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "FederationService.h"
#include "common/rpc/client_pool.h"
#include "party-agent/components/task_spec.h"
#include "party-agent/federation/mailbox.h"

namespace fedflow {

// What the federation handlers need from the agent that hosts them.
class FederationHost {
 public:
  virtual ~FederationHost() = default;
  // OK when this agent runs (or ran) the destination task of `key` and the source party is a
  // party of that task's component. Unavailable while the destination task has not been
  // started here yet (the sender retries); InvalidArgument when the source is not part of it.
  virtual Status CheckIncoming(const MessageKey& key) = 0;
  // The federation endpoint of the agent running `task`'s component on (role, party).
  virtual Result<std::string> PeerEndpoint(const TaskKey& task, const std::string& role,
                                           int64_t party_id) = 0;
};

struct FederationOptions {
  // How long a chunk is retried (with backoff) before the send fails.
  int send_timeout_ms = 30000;
  int64_t mailbox_max_bytes = int64_t{4} << 30;
};

// Federation between this agent's tasks and other parties' agents, over one mailbox: the
// FederationService handler (from other agents) accepts chunks into it; the TaskService
// handler (party-agent/task_service.h, from this agent's task processes) forwards their
// chunks to destination agents and takes what arrived for them. Thread-safe.
class Federation {
 public:
  Federation(FederationHost* host, FederationOptions options);

  Mailbox* mailbox() { return &mailbox_; }

  // Source side: forwards one chunk of a task's message to the destination party's agent,
  // retrying with backoff while the destination is unreachable, full or not ready.
  Status Forward(const TaskKey& src, const std::string& tag, const std::string& dst_role,
                 int64_t dst_party_id, int64_t seq, int32_t chunk_index, int32_t chunk_count,
                 int64_t total_bytes, std::string data);
  // Destination side: accepts one chunk from another agent.
  Status Accept(const MessageKey& key, int32_t chunk_index, int32_t chunk_count,
                int64_t total_bytes, std::string data);
  // Destination side, for this agent's task `task`: waits until message `seq` of `tag` from
  // (src_role, src_party_id) starts arriving, then gives its chunk count and size.
  Status WaitIncoming(const TaskKey& task, const std::string& tag, const std::string& src_role,
                      int64_t src_party_id, int64_t seq, std::chrono::milliseconds timeout,
                      int32_t* chunk_count, int64_t* total_bytes);
  // Takes one chunk of that message, waiting for it to arrive; the last chunk taken frees it.
  Result<std::string> TakeIncoming(const TaskKey& task, const std::string& tag,
                                   const std::string& src_role, int64_t src_party_id,
                                   int64_t seq, int32_t chunk_index,
                                   std::chrono::milliseconds timeout);

  std::shared_ptr<thrift::FederationServiceIf> federation_handler();

 private:
  FederationHost* host_;
  const FederationOptions options_;
  Mailbox mailbox_;
  rpc::ClientPool<thrift::FederationServiceClient> peers_;
};

}  // namespace fedflow
