#include "party-agent/federation/federation_handlers.h"

#include <chrono>
#include <random>
#include <thread>

#include <glog/logging.h>

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

class FederationServiceHandler : public thrift::FederationServiceIf {
 public:
  explicit FederationServiceHandler(Federation* f) : f_(f) {}
  void Push(thrift::TPushResponse& resp, const thrift::TPushRequest& req) override {
    Status s = rpc::CheckProtocolVersion(req.protocol_version);
    if (s.ok()) {
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
      // The request is the processor's own, dropped after this call: its chunk moves into
      // the mailbox instead of being copied.
      s = f_->Accept(k, req.chunk_index, req.chunk_count, req.total_bytes,
                     std::move(const_cast<std::string&>(req.data)));
    }
    resp.status = rpc::ToThrift(s);
  }

 private:
  Federation* f_;
};

}  // namespace

Federation::Federation(FederationHost* host, FederationOptions options)
    : host_(host),
      options_(options),
      mailbox_(options.mailbox_max_bytes),
      peers_(PeerPoolOptions()) {}

std::shared_ptr<thrift::FederationServiceIf> Federation::federation_handler() {
  return std::make_shared<FederationServiceHandler>(this);
}

Status Federation::WaitIncoming(const TaskKey& task, const std::string& tag,
                                const std::string& src_role, int64_t src_party_id, int64_t seq,
                                std::chrono::milliseconds timeout, int32_t* chunk_count,
                                int64_t* total_bytes) {
  return mailbox_.Wait(IncomingKey(task, tag, src_role, src_party_id, seq), timeout, chunk_count,
                       total_bytes);
}

Result<std::string> Federation::TakeIncoming(const TaskKey& task, const std::string& tag,
                                             const std::string& src_role, int64_t src_party_id,
                                             int64_t seq, int32_t chunk_index,
                                             std::chrono::milliseconds timeout) {
  return mailbox_.Take(IncomingKey(task, tag, src_role, src_party_id, seq), chunk_index, timeout);
}

Status Federation::Accept(const MessageKey& key, int32_t chunk_index, int32_t chunk_count,
                          int64_t total_bytes, std::string data) {
  RETURN_NOT_OK(host_->CheckIncoming(key));
  return mailbox_.Put(key, chunk_index, chunk_count, total_bytes, std::move(data));
}

Status Federation::Forward(const TaskKey& src, const std::string& tag, const std::string& dst_role,
                           int64_t dst_party_id, int64_t seq, int32_t chunk_index,
                           int32_t chunk_count, int64_t total_bytes, std::string data) {
  ASSIGN_OR_RETURN(std::string endpoint, host_->PeerEndpoint(src, dst_role, dst_party_id));
  thrift::TPushRequest req;
  req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
  req.key.job_id = src.job_id;
  req.key.task_version = src.task_version;
  req.key.tag = tag;
  req.key.src_role = src.role;
  req.key.src_party_id = src.party_id;
  req.key.dst_role = dst_role;
  req.key.dst_party_id = dst_party_id;
  req.key.seq = seq;
  req.component = src.component;
  req.chunk_index = chunk_index;
  req.chunk_count = chunk_count;
  req.total_bytes = total_bytes;
  req.data = std::move(data);
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(options_.send_timeout_ms);
  int backoff_ms = 5;
  std::minstd_rand rng(std::random_device{}());
  Status last;
  while (true) {
    thrift::TPushResponse resp;
    // A Push is idempotent on (key, chunk), so a retry after a lost answer is harmless.
    Status s = peers_.Call(
        endpoint, [&](thrift::FederationServiceClient& c) { c.Push(resp, req); },
        rpc::Idempotency::kIdempotent);
    if (s.ok()) s = rpc::FromThrift(resp.status);
    if (s.ok()) return s;
    // Refusals that retrying cannot change.
    if (s.IsInvalidArgument() || s.IsAborted() || s.IsVersionMismatch()) {
      return s.CloneAndPrepend("sending tag \"" + tag + "\" to " + dst_role + " " +
                               std::to_string(dst_party_id) + " (" + endpoint + ")");
    }
    last = s;
    if (std::chrono::steady_clock::now() + std::chrono::milliseconds(backoff_ms) >= deadline) break;
    std::this_thread::sleep_for(
        std::chrono::milliseconds(backoff_ms / 2 + static_cast<int>(rng() % (backoff_ms / 2 + 1))));
    backoff_ms = std::min(backoff_ms * 2, 1000);
  }
  return Status::Unavailable("cannot deliver tag \"" + tag + "\" to " + dst_role + " " +
                             std::to_string(dst_party_id) + " at " + endpoint + " within " +
                             std::to_string(options_.send_timeout_ms) + " ms: " + last.ToString());
}

}  // namespace fedflow
