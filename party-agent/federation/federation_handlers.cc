#include "party-agent/federation/federation_handlers.h"

#include <sys/uio.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>

#include <glog/logging.h>

#include "common/rpc/endpoint.h"
#include "common/rpc/thrift_status.h"
#include "common_constants.h"

namespace fedflow {

namespace {

rpc::ClientPoolOptions PeerPoolOptions() {
  rpc::ClientPoolOptions o;
  o.connect_timeout_ms = 2000;
  o.send_timeout_ms = 60000;
  o.recv_timeout_ms = 60000;
  o.retries = 0;  // Federation::Forward retries with its own deadline.
  return o;
}

MessageKey IncomingKey(const TaskKey& task, const std::string& tag, const std::string& src_role,
                       int64_t src_party, int64_t seq) {
  MessageKey m;
  m.job_id = task.job_id;
  m.component = task.component;
  m.task_version = task.task_version;
  m.tag = tag;
  m.src_role = src_role;
  m.src_party_id = src_party;
  m.dst_role = task.role;
  m.dst_party_id = task.party_id;
  m.seq = seq;
  return m;
}

MessageKey FromPush(const thrift::TPushRequest& req) {
  MessageKey k;
  k.job_id = req.key.job_id;
  k.component = req.component;
  k.task_version = req.key.task_version;
  k.tag = req.key.tag;
  k.src_role = req.key.src_role;
  k.src_party_id = req.key.src_party_id;
  k.dst_role = req.key.dst_role;
  k.dst_party_id = req.key.dst_party_id;
  k.seq = req.key.seq;
  return k;
}

// Copies between this process and a task process's memory. The kernel allows it because the
// agent is the task's parent and both run as the same user.
Status TaskMemoryIO(pid_t pid, char* local, int64_t remote, int64_t len, bool write) {
  int64_t done = 0;
  while (done < len) {
    iovec l{local + done, static_cast<size_t>(len - done)};
    iovec r{reinterpret_cast<void*>(remote + done), static_cast<size_t>(len - done)};
    ssize_t n = write ? process_vm_writev(pid, &l, 1, &r, 1, 0)
                      : process_vm_readv(pid, &l, 1, &r, 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::IllegalState(std::string("cannot ") + (write ? "write" : "read") + " " +
                                  std::to_string(len) + " bytes of task process " +
                                  std::to_string(pid) + "'s memory: " +
                                  (n < 0 ? strerror(errno) : "nothing transferred"));
    }
    done += n;
  }
  return Status::OK();
}

class FederationServiceHandler : public thrift::FederationServiceIf {
 public:
  explicit FederationServiceHandler(Federation* f) : f_(f) {}
  void Push(thrift::TPushResponse& resp, const thrift::TPushRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
      MessageKey k = FromPush(req);
      // The request is the processor's own, dropped after this call: its chunk moves into
      // the mailbox instead of being copied.
      s = f_->Accept(k, req.chunk_index, req.chunk_count, req.total_bytes,
                     std::move(const_cast<std::string&>(req.data)),
                     req.__isset.chunk_bytes ? req.chunk_bytes : 0);
    }
    resp.status = rpc::ToThrift(s);
  }
  void DataChannel(thrift::TDataChannelResponse& resp,
                   const thrift::TDataChannelRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    resp.status = rpc::ToThrift(s);
    if (s.ok()) resp.__set_port(f_->data_port());
  }

 private:
  Federation* f_;
};

}  // namespace

static DataChannelClientOptions DataClientOptions(const FederationOptions& o) {
  DataChannelClientOptions d;
  d.io_timeout_ms = o.data_channel.io_timeout_ms;
  return d;
}

Federation::Federation(FederationHost* host, FederationOptions options)
    : host_(host),
      options_(options),
      mailbox_(options.mailbox_max_bytes),
      peers_(PeerPoolOptions()),
      buffers_(16),
      data_client_(DataClientOptions(options)) {}

Federation::~Federation() { Stop(); }

Status Federation::Start(const std::string& bind_host) {
  if (!options_.data_channel_enabled) return Status::OK();
  DataChannelOptions o = options_.data_channel;
  o.bind_host = bind_host;
  data_server_ = std::make_unique<DataChannelServer>(
      o,
      [this](const thrift::TPushRequest& req, std::string body) {
        RETURN_NOT_OK(rpc::CheckProtocolVersion(req.protocol_version));
        return Accept(FromPush(req), req.chunk_index, req.chunk_count, req.total_bytes,
                      std::move(body), req.__isset.chunk_bytes ? req.chunk_bytes : 0);
      },
      &buffers_);
  Status s = data_server_->Start();
  if (!s.ok()) data_server_.reset();
  return s;
}

void Federation::Stop() {
  if (data_server_) data_server_->Stop();
}

int Federation::data_port() const { return data_server_ ? data_server_->port() : 0; }

Result<std::string> Federation::DataEndpoint(const std::string& endpoint) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = data_endpoints_.find(endpoint);
    if (it != data_endpoints_.end()) return it->second;
  }
  thrift::TDataChannelRequest req;
  req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
  thrift::TDataChannelResponse resp;
  RETURN_NOT_OK(peers_.Call(
      endpoint, [&](thrift::FederationServiceClient& c) { c.DataChannel(resp, req); },
      rpc::Idempotency::kIdempotent));
  RETURN_NOT_OK(rpc::FromThrift(resp.status));
  std::string data;
  if (resp.__isset.port && resp.port > 0) {
    ASSIGN_OR_RETURN(rpc::HostPort hp, rpc::ParseEndpoint(endpoint));
    hp.port = resp.port;
    data = hp.ToString();
  }
  std::lock_guard<std::mutex> l(mu_);
  data_endpoints_[endpoint] = data;
  return data;
}

std::shared_ptr<thrift::FederationServiceIf> Federation::federation_handler() {
  return std::make_shared<FederationServiceHandler>(this);
}

Status Federation::WaitIncoming(const TaskKey& task, const std::string& tag,
                                const std::string& src_role, int64_t src_party_id, int64_t seq,
                                std::chrono::milliseconds timeout, int32_t* chunk_count,
                                int64_t* total_bytes, int64_t* chunk_bytes) {
  return mailbox_.Wait(IncomingKey(task, tag, src_role, src_party_id, seq), timeout, chunk_count,
                       total_bytes, chunk_bytes);
}

Result<std::string> Federation::TakeIncoming(const TaskKey& task, const std::string& tag,
                                             const std::string& src_role, int64_t src_party_id,
                                             int64_t seq, int32_t chunk_index,
                                             std::chrono::milliseconds timeout) {
  return mailbox_.Take(IncomingKey(task, tag, src_role, src_party_id, seq), chunk_index, timeout);
}

Status Federation::TakeIncomingToTaskMemory(const TaskKey& task, const std::string& tag,
                                            const std::string& src_role, int64_t src_party_id,
                                            int64_t seq, int32_t chunk_index,
                                            std::chrono::milliseconds timeout, int64_t address,
                                            int64_t capacity, int64_t* written,
                                            std::string* inline_data) {
  *written = 0;
  ASSIGN_OR_RETURN(std::string chunk,
                   TakeIncoming(task, tag, src_role, src_party_id, seq, chunk_index, timeout));
  Status direct = Status::IllegalState("direct task memory is disabled on this agent");
  if (options_.direct_task_memory && static_cast<int64_t>(chunk.size()) <= capacity) {
    auto pid = host_->TaskPid(task);
    direct = pid.ok() ? TaskMemoryIO(*pid, chunk.data(), address,
                                     static_cast<int64_t>(chunk.size()), /*write=*/true)
                      : pid.status();
  }
  if (direct.ok()) {
    *written = static_cast<int64_t>(chunk.size());
    buffers_.Release(std::move(chunk));
  } else {
    *inline_data = std::move(chunk);  // Taken already: it must reach the task.
  }
  return Status::OK();
}

Status Federation::Accept(const MessageKey& key, int32_t chunk_index, int32_t chunk_count,
                          int64_t total_bytes, std::string data, int64_t chunk_bytes) {
  RETURN_NOT_OK(host_->CheckIncoming(key));
  return mailbox_.Put(key, chunk_index, chunk_count, total_bytes, std::move(data), chunk_bytes);
}

Status Federation::ForwardFromTaskMemory(const OutgoingChunk& chunk, int64_t address,
                                         int64_t length, bool* send_inline) {
  *send_inline = false;
  if (length < 0 || length > options_.data_channel.max_body_bytes) {
    return Status::InvalidArgument("a chunk of " + std::to_string(length) +
                                   " bytes (at most " +
                                   std::to_string(options_.data_channel.max_body_bytes) + ")");
  }
  Status s = Status::IllegalState("direct task memory is disabled on this agent");
  std::string data;
  if (options_.direct_task_memory) {
    auto pid = host_->TaskPid(chunk.src);
    if (!pid.ok()) return pid.status();  // Not a running task of this agent.
    data = buffers_.Acquire(static_cast<size_t>(length));
    s = TaskMemoryIO(*pid, data.data(), address, length, /*write=*/false);
  }
  if (!s.ok()) {
    *send_inline = true;
    buffers_.Release(std::move(data));
    if (options_.direct_task_memory && !warned_inline_.exchange(true)) {
      LOG(WARNING) << "federation: " << s.ToString()
                   << "; tasks send their message chunks inside the TaskService calls instead "
                      "(slower; docs/FEDERATION.md \"Data path\")";
    }
    return s;
  }
  return Forward(chunk, std::move(data));
}

Status Federation::Forward(const OutgoingChunk& chunk, std::string data) {
  const TaskKey& src = chunk.src;
  const std::string& tag = chunk.tag;
  ASSIGN_OR_RETURN(std::string endpoint, host_->PeerEndpoint(src, chunk.dst_role,
                                                             chunk.dst_party_id));
  thrift::TPushRequest req;
  req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
  req.key.job_id = src.job_id;
  req.key.task_version = src.task_version;
  req.key.tag = tag;
  req.key.src_role = src.role;
  req.key.src_party_id = src.party_id;
  req.key.dst_role = chunk.dst_role;
  req.key.dst_party_id = chunk.dst_party_id;
  req.key.seq = chunk.seq;
  req.component = src.component;
  req.chunk_index = chunk.chunk_index;
  req.chunk_count = chunk.chunk_count;
  req.total_bytes = chunk.total_bytes;
  if (chunk.chunk_bytes > 0) req.__set_chunk_bytes(chunk.chunk_bytes);
  const std::string to = chunk.dst_role + " " + std::to_string(chunk.dst_party_id);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(options_.send_timeout_ms);
  int backoff_ms = 5;
  thread_local std::minstd_rand rng(std::random_device{}());
  Status last;
  while (true) {
    thrift::TPushResponse resp;
    // A Push is idempotent on (key, chunk), so a retry after a lost answer is harmless.
    auto data_endpoint = DataEndpoint(endpoint);
    Status s = data_endpoint.status();
    if (s.ok() && !data_endpoint->empty()) {
      s = data_client_.Push(*data_endpoint, req, data.data(), data.size(), &resp);
      if (!s.ok()) {
        // The peer may have restarted on another data port: ask it again on the next try.
        std::lock_guard<std::mutex> l(mu_);
        data_endpoints_.erase(endpoint);
      }
    } else if (s.ok()) {
      req.data.swap(data);  // Lent to the request for the call, then taken back.
      s = peers_.Call(
          endpoint, [&](thrift::FederationServiceClient& c) { c.Push(resp, req); },
          rpc::Idempotency::kIdempotent);
      req.data.swap(data);
    }
    if (s.ok()) s = rpc::FromThrift(resp.status);
    if (s.ok()) {
      buffers_.Release(std::move(data));
      return s;
    }
    // Refusals that retrying cannot change.
    if (s.IsInvalidArgument() || s.IsAborted() || s.IsVersionMismatch()) {
      return s.CloneAndPrepend("sending tag \"" + tag + "\" to " + to + " (" + endpoint + ")");
    }
    last = s;
    if (std::chrono::steady_clock::now() + std::chrono::milliseconds(backoff_ms) >= deadline) break;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(backoff_ms / 2 + static_cast<int>(rng() % (backoff_ms / 2 + 1))));
    backoff_ms = std::min(backoff_ms * 2, 1000);
  }
  return Status::Unavailable("cannot deliver tag \"" + tag + "\" to " + to + " at " + endpoint +
                             " within " + std::to_string(options_.send_timeout_ms) +
                             " ms: " + last.ToString());
}

}  // namespace fedflow
