#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "FederationService.h"
#include "common/rpc/client_pool.h"
#include "party-agent/components/task_spec.h"
#include "party-agent/federation/data_channel.h"
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
  // The process id of `task`'s running process on this agent (a child of this process).
  virtual Result<pid_t> TaskPid(const TaskKey& task) = 0;
};

struct FederationOptions {
  // How long a chunk is retried (with backoff) before the send fails.
  int send_timeout_ms = 30000;
  int64_t mailbox_max_bytes = int64_t{4} << 30;
  // The data channel (data_channel.h): its port (0 picks a free one; -1: no data channel, other
  // agents then Push through Thrift) and limits.
  DataChannelOptions data_channel;
  bool data_channel_enabled = true;
  // Whether chunks move between this agent and its task processes by reading and writing the
  // tasks' memory directly (process_vm_readv/writev) instead of inside the TaskService calls.
  bool direct_task_memory = true;
};

// Federation between this agent's tasks and other parties' agents, over one mailbox: the
// FederationService handler (from other agents) accepts chunks into it; the TaskService
// handler (party-agent/task_service.h, from this agent's task processes) forwards their
// chunks to destination agents and takes what arrived for them. Thread-safe.
class Federation {
 public:
  Federation(FederationHost* host, FederationOptions options);

  ~Federation();

  Mailbox* mailbox() { return &mailbox_; }

  // Starts the data channel on `bind_host` (unless disabled); its port is then data_port().
  Status Start(const std::string& bind_host);
  // Stops the data channel.
  void Stop();
  // 0 when there is no data channel.
  int data_port() const;

  // One chunk of a message a task sends: where it goes and its place in the message.
  struct OutgoingChunk {
    TaskKey src;
    std::string tag;
    std::string dst_role;
    int64_t dst_party_id = 0;
    int64_t seq = 0;
    int32_t chunk_index = 0;
    int32_t chunk_count = 1;
    int64_t total_bytes = 0;
    int64_t chunk_bytes = 0;  // 0: not given
  };

  // Source side: forwards one chunk of a task's message to the destination party's agent (on
  // its data channel, or by Push when it has none), retrying with backoff while the
  // destination is unreachable, full or not ready.
  Status Forward(const OutgoingChunk& chunk, std::string data);
  // Source side, the fast path: reads the chunk's `length` bytes at `address` in the task's
  // memory, then forwards them. *send_inline is set (with a non-OK status) when this agent
  // cannot read the task's memory; the task then sends the chunk inline.
  Status ForwardFromTaskMemory(const OutgoingChunk& chunk, int64_t address, int64_t length,
                               bool* send_inline);
  // Destination side: accepts one chunk from another agent.
  Status Accept(const MessageKey& key, int32_t chunk_index, int32_t chunk_count,
                int64_t total_bytes, std::string data, int64_t chunk_bytes = 0);
  // Destination side, for this agent's task `task`: waits until message `seq` of `tag` from
  // (src_role, src_party_id) starts arriving, then gives its chunk count, size and chunk size
  // (0 if the sender gave none).
  Status WaitIncoming(const TaskKey& task, const std::string& tag, const std::string& src_role,
                      int64_t src_party_id, int64_t seq, std::chrono::milliseconds timeout,
                      int32_t* chunk_count, int64_t* total_bytes, int64_t* chunk_bytes = nullptr);
  // Takes one chunk of that message, waiting for it to arrive; the last chunk taken frees it.
  Result<std::string> TakeIncoming(const TaskKey& task, const std::string& tag,
                                   const std::string& src_role, int64_t src_party_id,
                                   int64_t seq, int32_t chunk_index,
                                   std::chrono::milliseconds timeout);
  // The same, the fast path: writes the chunk into the task's memory at `address` (at most
  // `capacity` bytes) and sets *written. When that is not possible (a chunk larger than
  // capacity, memory this agent cannot write) the chunk is returned in *inline_data instead,
  // so a taken chunk is never lost.
  Status TakeIncomingToTaskMemory(const TaskKey& task, const std::string& tag,
                                  const std::string& src_role, int64_t src_party_id, int64_t seq,
                                  int32_t chunk_index, std::chrono::milliseconds timeout,
                                  int64_t address, int64_t capacity, int64_t* written,
                                  std::string* inline_data);

  std::shared_ptr<thrift::FederationServiceIf> federation_handler();

 private:
  // The data channel endpoint of the agent whose federation endpoint is `endpoint`; "" when it
  // has none. Asked once per endpoint (FederationService.DataChannel), then cached.
  Result<std::string> DataEndpoint(const std::string& endpoint);

  FederationHost* host_;
  const FederationOptions options_;
  Mailbox mailbox_;
  rpc::ClientPool<thrift::FederationServiceClient> peers_;
  ChunkBufferPool buffers_;
  DataChannelClient data_client_;
  std::unique_ptr<DataChannelServer> data_server_;
  std::mutex mu_;
  std::map<std::string, std::string> data_endpoints_;  // Guarded by mu_.
  std::atomic<bool> warned_inline_{false};  // The fallback to inline chunks was logged.
};

}  // namespace fedflow
