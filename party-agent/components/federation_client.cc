#include "party-agent/components/federation_client.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
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

namespace {

// Messages of one chunk up to this size come back with FedWait (one round trip, not two).
constexpr int64_t kInlineMessageBytes = 256 << 10;

// Runs work(i) for i in [0, n) on up to `workers` threads; the first error stops the rest.
Status ForEachChunk(int32_t n, int workers, const std::function<Status(int32_t)>& work) {
  std::atomic<int32_t> next{0};
  std::mutex mu;
  Status first_error;
  auto run = [&] {
    while (true) {
      int32_t i = next.fetch_add(1);
      if (i >= n) return;
      {
        std::lock_guard<std::mutex> l(mu);
        if (!first_error.ok()) return;
      }
      Status s = work(i);
      if (!s.ok()) {
        std::lock_guard<std::mutex> l(mu);
        if (first_error.ok()) first_error = s;
        return;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int w = 1; w < std::min<int32_t>(n, workers); ++w) threads.emplace_back(run);
  run();
  for (std::thread& t : threads) t.join();
  return first_error;
}

// Sizes `out` to `size` bytes. A large buffer is asked to be backed by huge pages, which
// makes faulting it in several times cheaper (transparent huge pages in "madvise" mode).
void SizeBuffer(std::string* out, size_t size) {
  constexpr size_t kHuge = size_t{2} << 20;
  if (size >= 4 * kHuge && out->capacity() < size) {
    std::string().swap(*out);
    out->reserve(size);
    uintptr_t begin = (reinterpret_cast<uintptr_t>(out->data()) + kHuge - 1) & ~(kHuge - 1);
    uintptr_t end = (reinterpret_cast<uintptr_t>(out->data()) + size) & ~(kHuge - 1);
    if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
  }
  out->resize(size);
}

}  // namespace

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
    RETURN_NOT_OK(ForEachChunk(chunks, 4, [&](int32_t i) -> Status {
      if (ctx_.should_stop()) return Status::Aborted("task stopped while sending tag " + tag);
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
      req.__set_chunk_bytes(chunk_bytes_);
      const int64_t off = static_cast<int64_t>(i) * chunk_bytes_;
      const int64_t len = std::min<int64_t>(chunk_bytes_, total - off);
      auto call = [&](thrift::TFedSendResponse* resp) {
        Status s = agent_.Call(
            ctx_.agent_endpoint(), [&](thrift::TaskServiceClient& c) { c.FedSend(*resp, req); },
            rpc::Idempotency::kIdempotent);
        return s.ok() ? rpc::FromThrift(resp->status) : s;
      };
      thrift::TFedSendResponse resp;
      if (direct_) {
        req.__set_src_address(static_cast<int64_t>(reinterpret_cast<uintptr_t>(bytes.data())) +
                              off);
        req.__set_src_length(len);
        Status s = call(&resp);
        if (!(resp.__isset.send_inline && resp.send_inline)) return s;
        direct_ = false;  // The agent cannot read our memory: inline from now on.
        req.__isset.src_address = false;
        req.__isset.src_length = false;
        resp = thrift::TFedSendResponse();
      }
      req.__set_data(std::string(bytes, static_cast<size_t>(off), static_cast<size_t>(len)));
      return call(&resp);
    }));
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
  std::string out;
  RETURN_NOT_OK(GetBytesInto(tag, src, timeout, &out));
  return out;
}

Status FederationClient::GetBytesInto(const std::string& tag, const FedParty& src,
                                      std::chrono::milliseconds timeout, std::string* out) {
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
  wait.__set_inline_up_to(kInlineMessageBytes);
  if (direct_ && !out->empty()) {  // A reused buffer: a message that fits lands in it at once.
    wait.__set_dst_address(static_cast<int64_t>(reinterpret_cast<uintptr_t>(out->data())));
    wait.__set_dst_capacity(static_cast<int64_t>(out->size()));
  }
  thrift::TFedWaitResponse wresp;
  Status s = agent_.Call(
      ctx_.agent_endpoint(), [&](thrift::TaskServiceClient& c) { c.FedWait(wresp, wait); },
      rpc::Idempotency::kIdempotent);
  if (s.ok()) s = rpc::FromThrift(wresp.status);
  RETURN_NOT_OK(s);
  const std::string from = "tag \"" + tag + "\" from " + src.role + " " +
                           std::to_string(src.party_id);
  auto fetch = [&](int32_t i, thrift::TFedFetchResponse* fresp, int64_t address,
                   int64_t capacity) {
    thrift::TFedFetchRequest fetch;
    fetch.protocol_version = wait.protocol_version;
    fetch.task = key_;
    fetch.tag = tag;
    fetch.src_role = src.role;
    fetch.src_party_id = src.party_id;
    fetch.seq = seq;
    fetch.chunk_index = i;
    fetch.__set_timeout_ms(timeout.count());
    if (capacity > 0) {
      fetch.__set_dst_address(address);
      fetch.__set_dst_capacity(capacity);
    }
    // Not idempotent: a fetched chunk is gone from the mailbox.
    Status st = agent_.Call(
        ctx_.agent_endpoint(), [&](thrift::TaskServiceClient& c) { c.FedFetch(*fresp, fetch); },
        rpc::Idempotency::kNotIdempotent);
    return st.ok() ? rpc::FromThrift(fresp->status) : st;
  };
  const int64_t total = wresp.total_bytes;
  const int64_t chunk_bytes = wresp.__isset.chunk_bytes ? wresp.chunk_bytes : 0;
  if (wresp.__isset.written) {  // Written into *out with the wait.
    if (wresp.written != total || total > static_cast<int64_t>(out->size())) {
      return Status::IOError(from + ": the agent wrote " + std::to_string(wresp.written) +
                             " bytes of " + std::to_string(total));
    }
    out->resize(static_cast<size_t>(total));
  } else if (wresp.__isset.data) {  // A small message, taken with the wait.
    out->swap(wresp.data);
  } else if (chunk_bytes <= 0) {
    // The sender gave no chunk size: chunks are appended in order.
    out->clear();
    out->reserve(static_cast<size_t>(total));
    for (int32_t i = 0; i < wresp.chunk_count; ++i) {
      thrift::TFedFetchResponse fresp;
      RETURN_NOT_OK(fetch(i, &fresp, 0, 0));
      *out += fresp.data;
    }
  } else {
    SizeBuffer(out, static_cast<size_t>(total));
    char* base = out->data();
    RETURN_NOT_OK(ForEachChunk(wresp.chunk_count, 2, [&](int32_t i) -> Status {
      const int64_t off = static_cast<int64_t>(i) * chunk_bytes;
      const int64_t len = std::min<int64_t>(chunk_bytes, total - off);
      thrift::TFedFetchResponse fresp;
      RETURN_NOT_OK(fetch(i, &fresp, static_cast<int64_t>(reinterpret_cast<uintptr_t>(base + off)),
                          direct_ ? len : 0));
      int64_t got = fresp.__isset.written ? fresp.written
                                          : static_cast<int64_t>(fresp.data.size());
      if (got != len || off + len > total) {
        return Status::IOError(from + ": chunk " + std::to_string(i) + " has " +
                               std::to_string(got) + " bytes, expected " + std::to_string(len));
      }
      if (!fresp.__isset.written) std::memcpy(base + off, fresp.data.data(), fresp.data.size());
      return Status::OK();
    }));
  }
  if (static_cast<int64_t>(out->size()) != total) {
    return Status::IOError(from + ": received " + std::to_string(out->size()) + " bytes of " +
                           std::to_string(total));
  }
  return Status::OK();
}

}  // namespace fedflow
