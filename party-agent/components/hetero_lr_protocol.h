#pragma once

// FATE 1.x's hetero logistic regression with an arbiter (federatedml/linear_model/
// coordinated_linear_model/logistic_regression/hetero_logistic_regression), one function per
// role, independent of the task process so that a test can run the three roles in one process.
//
// Setup: the arbiter generates the Paillier key pair and sends the public key ("paillier_pubkey")
// to the guest and the hosts. The guest sends its row ids in order ("data_ids") to the hosts,
// which find each id among their rows (the rows must be aligned by an Intersection first), and
// the batch layout ("batch_info": batch count, batch size, rows, shuffled) to hosts and arbiter.
//
// Each iteration, each mini-batch (ml::MiniBatchIndexes; with shuffle and several batches the
// guest draws the row order each iteration and sends it, "batch_index"):
//   host:    [[0.25 wx_h]] = Enc(0.25 * X_h . coef_h)                 -> guest ("host_forward")
//   guest:   [[d]] = 0.25 (X_g . coef_g + b) - 0.5 y + sum [[0.25 wx_h]], re-randomised
//            (FATE does not: a host could divide its own ciphertexts out)  -> hosts
//            ("fore_gradient")
//   each:    [[g]] = X^T [[d]] / n (+ sum [[d]] / n for the guest's intercept), with FATE's
//            fixed-point features (floating_point_precision), + alpha * coef for L2
//                                                  -> arbiter ("guest_gradient"/"host_gradient")
//   host:    Enc(sum wx_h^2), Enc(its penalty term) -> guest ("loss_intermediate",
//            "host_loss_regular")
//   guest:   [[loss]] = log 2 - 0.5 mean(y wx) + 0.125 mean(wx^2) + penalties, wx = wx_g + wx_h,
//            from the host's encrypted terms (one host only, as FATE)  -> arbiter ("loss")
//   arbiter: decrypts the gradients, steps its optimizer on [hosts..., guest] and sends each
//            party its part of the step ("host_optim_gradient"/"guest_optim_gradient"); decrypts
//            the loss
//   each:    weights = Optimizer::UpdateModel(weights, step)
// After the batches the arbiter averages the loss, checks convergence (early_stop, tol) and
// sends the flag ("converge_flag"). As in FATE the arbiter sees the gradients in the clear (it
// must, to run the optimizer); the guest and hosts only ever see each other's values encrypted.
//
// After training, and in prediction, each host sends its wx_h in the clear ("host_prob") and
// the guest computes sigmoid(wx_g + sum wx_h), as FATE does. In prediction the guest first sends
// its ids ("data_ids") to the hosts, which tell the arbiter that they have them ("predict_start").

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/ml/linear_model.h"
#include "common/status.h"
#include "party-agent/components/federation_client.h"
#include "party-agent/components/hetero_lr_params.h"

namespace fedflow {

// How one role's code reaches the other parties of the component: FederationClient in a task
// (FederationLrChannel), an in-memory exchange in tests. Messages of one tag between two
// parties arrive in the order sent. Used by one thread.
class LrChannel {
 public:
  virtual ~LrChannel() = default;
  // The other parties of the component with `role`.
  virtual std::vector<FedParty> Parties(const std::string& role) const = 0;
  // This party's id (for messages).
  virtual int64_t self_party_id() const = 0;
  virtual Status Send(const std::string& tag, const std::string& bytes,
                      const std::vector<FedParty>& dst) = 0;
  virtual Result<std::string> Recv(const std::string& tag, const FedParty& src) = 0;
  // True once the task is asked to stop.
  virtual bool should_stop() const { return false; }
};

// An LrChannel over the task's FederationClient, waiting up to `timeout` for each message.
class FederationLrChannel : public LrChannel {
 public:
  FederationLrChannel(const TaskContext& ctx, FederationClient* fed,
                      std::chrono::milliseconds timeout)
      : ctx_(ctx), fed_(fed), timeout_(timeout) {}
  std::vector<FedParty> Parties(const std::string& role) const override {
    return fed_->Parties(role);
  }
  int64_t self_party_id() const override { return ctx_.key().party_id; }
  Status Send(const std::string& tag, const std::string& bytes,
              const std::vector<FedParty>& dst) override {
    return fed_->RemoteBytes(bytes, tag, dst);
  }
  Result<std::string> Recv(const std::string& tag, const FedParty& src) override {
    return fed_->GetBytes(tag, src, timeout_);
  }
  bool should_stop() const override { return ctx_.should_stop(); }

 private:
  const TaskContext& ctx_;
  FederationClient* const fed_;
  const std::chrono::milliseconds timeout_;
};

// One party's rows for HeteroLR: ids, features (row-major, one row per id) and, on the guest,
// the labels.
struct LrPartyData {
  std::vector<std::string> ids;
  std::vector<std::string> feature_names;
  ml::FeatureMatrix x;
  std::vector<double> labels;  // guest only
};

// What one role's training ends with.
struct LrTrainResult {
  ml::LinearWeights weights;  // guest (intercept last when fitted) and hosts
  int64_t iterations = 0;     // iterations run
  bool converged = false;
  std::vector<double> loss_history;  // arbiter: the loss per iteration (one host only)
  std::vector<double> scores;        // guest: the probability of label 1 per row, after training
  // Time spent in Paillier operations (encrypt, decrypt, homomorphic arithmetic) and in the
  // whole training loop, for the log and the benchmark.
  double paillier_seconds = 0;
  double train_seconds = 0;
};

// Called by the arbiter with each iteration's loss (0-based iteration).
using LrLossCallback = std::function<Status(int64_t iteration, double loss)>;

Result<LrTrainResult> TrainHeteroLrGuest(const HeteroLrParams& params, const LrPartyData& data,
                                         LrChannel* channel);
Result<LrTrainResult> TrainHeteroLrHost(const HeteroLrParams& params, const LrPartyData& data,
                                        LrChannel* channel);
Result<LrTrainResult> TrainHeteroLrArbiter(const HeteroLrParams& params, LrChannel* channel,
                                           const LrLossCallback& on_loss = nullptr);

// Prediction with trained weights: the guest sends its ids, each host answers with wx_h for
// them; the guest returns sigmoid(wx_g + sum wx_h) per row.
Result<std::vector<double>> PredictHeteroLrGuest(const ml::LinearWeights& weights,
                                                 const LrPartyData& data, LrChannel* channel);
Status PredictHeteroLrHost(const ml::LinearWeights& weights, const LrPartyData& data,
                           LrChannel* channel);
// The arbiter has no part in prediction; it waits until each host has its ids from the guest
// (the hosts tell it, "predict_start") before it ends. The agent's mailbox now closes only the
// ended task's own messages, so this wait is no longer needed for a host on the arbiter's
// agent; it is kept as a check that every host took part.
Status PredictHeteroLrArbiter(LrChannel* channel);

}  // namespace fedflow
