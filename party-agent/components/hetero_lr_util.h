#pragma once

// Helpers of HeteroLR's protocol (hetero_lr_protocol.cc): transfer variable names, typed
// messages over an LrChannel, Paillier work spread over threads, and the encrypted gradient.
// Internal to the HeteroLR component.

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/paillier.h"
#include "common/ml/linear_model.h"
#include "common/ml/optimizer.h"
#include "common/status.h"
#include "party-agent/components/fed_object.h"
#include "party-agent/components/hetero_lr_protocol.h"

namespace fedflow::hetero_lr {

using Ciphers = std::vector<crypto::EncryptedNumber>;
using Clock = std::chrono::steady_clock;

// Transfer variable names (FATE's HeteroLRTransferVariable where FATE has one).
inline constexpr char kPubKey[] = "paillier_pubkey";
inline constexpr char kDataIds[] = "data_ids";
inline constexpr char kBatchInfo[] = "batch_info";
inline constexpr char kBatchIndex[] = "batch_index";
inline constexpr char kHostForward[] = "host_forward";
inline constexpr char kForeGradient[] = "fore_gradient";
inline constexpr char kGuestGradient[] = "guest_gradient";
inline constexpr char kHostGradient[] = "host_gradient";
inline constexpr char kGuestOptimGradient[] = "guest_optim_gradient";
inline constexpr char kHostOptimGradient[] = "host_optim_gradient";
inline constexpr char kLossIntermediate[] = "loss_intermediate";
inline constexpr char kHostLossRegular[] = "host_loss_regular";
inline constexpr char kLoss[] = "loss";
inline constexpr char kConvergeFlag[] = "converge_flag";
inline constexpr char kHostProb[] = "host_prob";
inline constexpr char kPredictStart[] = "predict_start";

inline double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Accumulates the wall time of the Paillier work of one role.
class PaillierTimer {
 public:
  explicit PaillierTimer(double* total) : total_(total), start_(Clock::now()) {}
  ~PaillierTimer() { *total_ += SecondsSince(start_); }

 private:
  double* const total_;
  const Clock::time_point start_;
};

// "host 9999".
std::string Describe(const FedParty& p);

// Runs fn(begin, end) on slices of [0, n) on up to hardware_concurrency threads (at most 8):
// the Paillier functions are single-threaded and thread-safe. Returns the first error.
Status ParallelFor(size_t n, const std::function<Status(size_t, size_t)>& fn);
// EncryptVector over threads.
Result<Ciphers> EncryptParallel(const crypto::PublicKey& pk, const std::vector<double>& xs);

Status SendObject(LrChannel* ch, const std::string& tag, const FedObject& obj,
                  const std::vector<FedParty>& dst);
Status SendDoubles(LrChannel* ch, const std::string& tag, std::vector<double> values,
                   const std::vector<FedParty>& dst);
// The doubles of message `tag` from `src`; `expected` (unless -1) is the size they must have.
Result<std::vector<double>> RecvDoubles(LrChannel* ch, const std::string& tag, const FedParty& src,
                                        int64_t expected = -1);
Status SendCiphers(LrChannel* ch, const std::string& tag, const crypto::PublicKey& pk,
                   const Ciphers& cs, const std::vector<FedParty>& dst);
// `expected` ciphertexts under pk.
Result<Ciphers> RecvCiphers(LrChannel* ch, const std::string& tag, const crypto::PublicKey& pk,
                            const FedParty& src, size_t expected);
Result<crypto::PublicKey> RecvPublicKey(LrChannel* ch, const FedParty& arbiter);

// The one party of `role`: InvalidArgument when the job has none or several.
Result<FedParty> OnlyParty(const LrChannel& ch, const std::string& role);
std::vector<FedParty> Join(std::vector<FedParty> a, const std::vector<FedParty>& b);

// FATE's compute_gradient on an encrypted fore gradient: X^T [[d]] / n per column (features in
// FATE's fixed point when rows * cols > 100), then sum [[d]] / n with an intercept. Matches
// ml::Gradient.
Result<Ciphers> EncryptedGradient(const crypto::PublicKey& pk, const ml::FeatureMatrix& x,
                                  const Ciphers& d, bool fit_intercept,
                                  std::optional<int> precision);
// Optimizer::AddRegularToGrad on an encrypted gradient (L2: + alpha * coef).
Status AddRegular(const crypto::PublicKey& pk, const ml::Optimizer& opt, const ml::LinearWeights& w,
                  Ciphers* gradient);

}  // namespace fedflow::hetero_lr
