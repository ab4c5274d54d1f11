#pragma once

#include "party-agent/components/component.h"

namespace fedflow {

// Diagnostic module for federation (guest and host): the guest sends `bytes` bytes of
// deterministic pseudo-random data (from `seed`) to every host `rounds` times; each host
// checks every byte and answers with a small acknowledgement; the guest logs the transfer
// rate ("fed_transfer: ...") and fails if any host saw a corrupted payload. Parameters:
// bytes (int, 1048576), rounds (int, 1), seed (int, 7), timeout_ms (int, 120000), verify
// (bool, true: false checks only the size, to time the transport alone), chunk_bytes (int,
// 4194304: the guest's chunk size, 64 KiB .. 8 MiB).
class FedTransfer : public Component {
 public:
  struct Params {
    int64_t bytes = 1 << 20;
    int64_t rounds = 1;
    int64_t seed = 7;
    int64_t timeout_ms = 120000;
    bool verify = true;
    int64_t chunk_bytes = 4 << 20;
  };
  static Result<Params> ParseParams(const Json& component_parameters);
  // The payload both sides derive from the seed.
  static std::string Payload(int64_t bytes, int64_t seed, int64_t round);

  Status Run(TaskContext& ctx) override;
};

}  // namespace fedflow
