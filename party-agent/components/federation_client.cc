#include "party-agent/components/federation_client.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "common/rpc/thrift_status.h"
#include "common_constants.h"

namespace fedflow {

namespace {
rpc::ClientPoolOptions AgentPoolOptions() {
  rpc::ClientPoolOptions o;
  o.connect_timeout_ms = 2000;
  o.send_timeout_ms = 120000;
  o.recv_timeout_ms = 24 * 3600 * 1000;  // FedWait blocks up to the caller's timeout.
  o.retries = 2;
  return o;
}
}  // namespace

FederationClient::FederationClient(const TaskContext& ctx, int64_t chunk_bytes)
    : ctx_(ctx), chunk_bytes_(chunk_bytes), agent_(AgentPoolOptions()) {
  key_.job_id = ctx.key().job_id;
  key_.component = ctx.key().component;
  key_.role = ctx.key().role;
  key_.party_id = ctx.key().party_id;
  key_.task_version = ctx.key().task_version;
}

std::vector<FedParty> FederationClient::Parties(const std::string& role) const {
  std::vector<FedParty> out;
  for (const Json& p : ctx_.peers()) {
    const Json* r = FindMember(p, "role");
    const Json* id = FindMember(p, "party_id");
    if (r == nullptr || id == nullptr || !r->is_string() || !id->is_number_integer()) continue;
    if (r->get<std::string>() != role) continue;
    FedParty party{role, id->get<int64_t>()};
    if (role == ctx_.key().role && party.party_id == ctx_.key().party_id) continue;
    out.push_back(party);
  }
  return out;
}

Status FederationClient::Remote(const FedObject& obj, const std::string& tag,
                                const std::vector<FedParty>& dst) {
  return RemoteBytes(SerializeFedObject(obj), tag, dst);
}

Status FederationClient::RemoteBytes(const std::string& bytes, const std::string& tag,
                                     const std::vector<FedParty>& dst) {
  if (ctx_.agent_endpoint().empty()) {
    return Status::IllegalState("this task has no agent endpoint for federation");
  }
  const int64_t total = static_cast<int64_t>(bytes.size());
  const int32_t chunks =
      static_cast<int32_t>(std::max<int64_t>(1, (total + chunk_bytes_ - 1) / chunk_bytes_));
  for (const FedParty& p : dst) {
    const int64_t seq = sent_[SeqKey{tag, p.role, p.party_id}]++;
    // Several chunks in flight at once, so that the hops (task to agent, agent to agent)
    // overlap; each FedSend returns once its chunk is in the destination's mailbox.
    std::atomic<int32_t> next{0};
    std::mutex mu;
    Status first_error;
    auto send = [&] {
      while (true) {
        int32_t i = next.fetch_add(1);
        if (i >= chunks) return;
        {
          std::lock_guard<std::mutex> l(mu);
          if (!first_error.ok()) return;
        }
        Status s;
        if (ctx_.should_stop()) {
          s = Status::Aborted("task stopped while sending tag " + tag);
        } else {
          thrift::TFedSendRequest req;
          req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
          req.task = key_;
          req.tag = tag;
          req.dst_role = p.role;
          req.dst_party_id = p.party_id;
          req.seq = seq;
          req.chunk_index = i;
          req.chunk_count = chunks;
          req.total_bytes = total;
          int64_t off = static_cast<int64_t>(i) * chunk_bytes_;
          req.data.assign(bytes, static_cast<size_t>(off),
                          static_cast<size_t>(std::min<int64_t>(chunk_bytes_, total - off)));
          thrift::TFedSendResponse resp;
          s = agent_.Call(
              ctx_.agent_endpoint(), [&](thrift::TaskServiceClient& c) { c.FedSend(resp, req); },
              rpc::Idempotency::kIdempotent);
          if (s.ok()) s = rpc::FromThrift(resp.status);
        }
        if (!s.ok()) {
          std::lock_guard<std::mutex> l(mu);
          if (first_error.ok()) first_error = s;
          return;
        }
      }
    };
    const int workers = std::min<int32_t>(chunks, 4);
    std::vector<std::thread> threads;
    for (int w = 1; w < workers; ++w) threads.emplace_back(send);
    send();
    for (std::thread& t : threads) t.join();
    RETURN_NOT_OK(first_error);
  }
  return Status::OK();
}

Result<FedObject> FederationClient::Get(const std::string& tag, const FedParty& src,
                                        std::chrono::milliseconds timeout) {
  ASSIGN_OR_RETURN(std::string bytes, GetBytes(tag, src, timeout));
  auto obj = DeserializeFedObject(bytes);
  if (!obj.ok()) {
    return obj.status().CloneAndPrepend("tag \"" + tag + "\" from " + src.role + " " +
                                        std::to_string(src.party_id));
  }
  return obj;
}

Result<std::string> FederationClient::GetBytes(const std::string& tag, const FedParty& src,
                                               std::chrono::milliseconds timeout) {
  if (ctx_.agent_endpoint().empty()) {
    return Status::IllegalState("this task has no agent endpoint for federation");
  }
  int64_t seq = received_[SeqKey{tag, src.role, src.party_id}]++;
  thrift::TFedWaitRequest wait;
  wait.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
  wait.task = key_;
  wait.tag = tag;
  wait.src_role = src.role;
  wait.src_party_id = src.party_id;
  wait.seq = seq;
  wait.timeout_ms = timeout.count();
  thrift::TFedWaitResponse wresp;
  Status s = agent_.Call(
      ctx_.agent_endpoint(), [&](thrift::TaskServiceClient& c) { c.FedWait(wresp, wait); },
      rpc::Idempotency::kIdempotent);
  if (s.ok()) s = rpc::FromThrift(wresp.status);
  RETURN_NOT_OK(s);
  std::string out;
  out.reserve(static_cast<size_t>(wresp.total_bytes));
  for (int32_t i = 0; i < wresp.chunk_count; ++i) {
    thrift::TFedFetchRequest fetch;
    fetch.protocol_version = wait.protocol_version;
    fetch.task = key_;
    fetch.tag = tag;
    fetch.src_role = src.role;
    fetch.src_party_id = src.party_id;
    fetch.seq = seq;
    fetch.chunk_index = i;
    fetch.__set_timeout_ms(timeout.count());
    thrift::TFedFetchResponse fresp;
    // Not idempotent: a fetched chunk is gone from the mailbox.
    s = agent_.Call(
        ctx_.agent_endpoint(), [&](thrift::TaskServiceClient& c) { c.FedFetch(fresp, fetch); },
        rpc::Idempotency::kNotIdempotent);
    if (s.ok()) s = rpc::FromThrift(fresp.status);
    RETURN_NOT_OK(s);
    out += fresp.data;
  }
  if (static_cast<int64_t>(out.size()) != wresp.total_bytes) {
    return Status::IOError("tag \"" + tag + "\": received " + std::to_string(out.size()) +
                           " bytes of " + std::to_string(wresp.total_bytes));
  }
  return out;
}

}  // namespace fedflow
