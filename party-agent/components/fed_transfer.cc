#include "party-agent/components/fed_transfer.h"

#include <chrono>
#include <cstring>
#include <random>

#include <glog/logging.h>

#include "party-agent/components/federation_client.h"
#include "party-agent/components/parameter_reader.h"

namespace fedflow {

Result<FedTransfer::Params> FedTransfer::ParseParams(const Json& component_parameters) {
  Params p;
  ParameterReader reader("FedTransfer", component_parameters);
  RETURN_NOT_OK(reader.ReadInt("bytes", &p.bytes));
  RETURN_NOT_OK(reader.ReadInt("rounds", &p.rounds));
  RETURN_NOT_OK(reader.ReadInt("seed", &p.seed));
  RETURN_NOT_OK(reader.ReadInt("timeout_ms", &p.timeout_ms));
  RETURN_NOT_OK(reader.ReadBool("verify", &p.verify));
  RETURN_NOT_OK(reader.ReadInt("chunk_bytes", &p.chunk_bytes));
  RETURN_NOT_OK(reader.CheckNoUnknown());
  if (p.bytes < 0 || p.bytes > (int64_t{4} << 30) || p.rounds < 1 || p.timeout_ms <= 0) {
    return Status::InvalidArgument("FedTransfer: bytes must be in [0, 4 GiB], rounds >= 1, "
                                   "timeout_ms > 0");
  }
  if (p.chunk_bytes < (64 << 10) || p.chunk_bytes > (8 << 20)) {
    return Status::InvalidArgument("FedTransfer: chunk_bytes must be in [64 KiB, 8 MiB], not " +
                                   std::to_string(p.chunk_bytes));
  }
  return p;
}

std::string FedTransfer::Payload(int64_t bytes, int64_t seed, int64_t round) {
  std::string out(static_cast<size_t>(bytes), '\0');
  std::mt19937_64 rng(static_cast<uint64_t>(seed) * 1000003 + static_cast<uint64_t>(round));
  size_t i = 0;
  for (; i + 8 <= out.size(); i += 8) {
    uint64_t v = rng();
    std::memcpy(&out[i], &v, 8);
  }
  for (; i < out.size(); ++i) out[i] = static_cast<char>(rng());
  return out;
}

Status FedTransfer::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(Params p, ParseParams(ctx.component_parameters()));
  FederationClient fed(ctx, p.chunk_bytes);
  const std::chrono::milliseconds timeout(p.timeout_ms);
  if (ctx.key().role == "guest") {
    std::vector<FedParty> hosts = fed.Parties("host");
    if (hosts.empty()) return Status::InvalidArgument("FedTransfer needs at least one host");
    std::string payload;
    for (int64_t round = 0; round < p.rounds; ++round) {
      if (p.verify || round == 0) payload = Payload(p.bytes, p.seed, round);
      auto t0 = std::chrono::steady_clock::now();
      RETURN_NOT_OK(fed.RemoteBytes(payload, "payload", hosts));
      for (const FedParty& h : hosts) {
        ASSIGN_OR_RETURN(std::string ack, fed.GetBytes("ack", h, timeout));
        if (ack != "ok") {
          return Status::Aborted("FedTransfer: host " + std::to_string(h.party_id) +
                                 " reports: " + ack);
        }
      }
      double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                      .count();
      LOG(INFO) << ctx.LogPrefix() << "fed_transfer: round " << round << " bytes " << p.bytes
                << " ms " << ms << " MB/s " << (p.bytes / 1e6) / (ms / 1e3);
    }
    return Status::OK();
  }
  if (ctx.key().role == "host") {
    std::vector<FedParty> guests = fed.Parties("guest");
    if (guests.size() != 1) return Status::InvalidArgument("FedTransfer needs exactly one guest");
    std::string got;  // One buffer for every round, as a receiver of big messages would keep.
    for (int64_t round = 0; round < p.rounds; ++round) {
      RETURN_NOT_OK(fed.GetBytesInto("payload", guests[0], timeout, &got));
      bool intact = p.verify ? got == Payload(p.bytes, p.seed, round)
                             : static_cast<int64_t>(got.size()) == p.bytes;
      std::string ack = intact ? "ok"
                               : "payload of round " + std::to_string(round) + " corrupted (" +
                                     std::to_string(got.size()) + " bytes received)";
      RETURN_NOT_OK(fed.RemoteBytes(ack, "ack", guests));
      if (ack != "ok") return Status::Aborted("FedTransfer: " + ack);
    }
    return Status::OK();
  }
  return Status::InvalidArgument("FedTransfer runs on guest and host, not " + ctx.key().role);
}

}  // namespace fedflow
