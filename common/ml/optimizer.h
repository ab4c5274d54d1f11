#pragma once

// FATE 1.x's optimizers for linear models (federatedml/optim/optimizer.py), update by update.
//
// Learning rate at iteration t (set_iters, 0-based): decay_sqrt ? lr / sqrt(1 + decay * t)
// : lr / (1 + decay * t). With g the gradient (L2 term already added) and lr_t that rate:
//   sgd:                   delta = lr_t * g
//   rmsprop:               m = 0.99 m + 0.01 g^2;  delta = lr_t * g / sqrt(m + 1e-6)
//   adagrad:               m = m + g^2;            delta = lr_t * g / (sqrt(m) + 1e-7)
//   adam:                  b1^t, b2^t tracked per call (0.9, 0.999); m = 0.9 m + 0.1 g;
//                          v = 0.999 v + 0.001 g^2; delta = lr_t * m_hat / (sqrt(v_hat) + 1e-8)
//   nesterov_momentum_sgd: v = 0.9 m - lr_t g; delta = 0.9 m - 1.9 v; m = v
// (state starts at zero and lives across iterations; the arbiter holds one optimizer for the
// concatenated [hosts..., guest] gradient, which is the same as one per party since every rule
// is elementwise).
// Then each party updates its weights with its part of delta (RegularizationUpdate):
//   L2 / no penalty: w = w - delta  (for L2, alpha * coef was added to the gradient first)
//   L1: coef = sign(coef - delta) * max(0, |coef - delta| - alpha * lr / sqrt(t)),
//       intercept = intercept - delta. At t = 0 the shrinkage is alpha * lr / 0 = +inf, so FATE's
//       first L1 update sets every coefficient to 0 (NaN when alpha is 0); reproduced here.
// Penalty in the loss (LossNorm): L1 alpha * sum |coef|, L2 0.5 * alpha * coef . coef, none:
// no term. The intercept is never penalised. FATE's sqn optimizer and FedProx proximal term
// (mu) are not provided.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/ml/linear_model.h"
#include "common/status.h"

namespace fedflow::ml {

enum class Penalty { kNone, kL1, kL2 };
// "L1", "L2" (any case), "none" or "" for none.
Result<Penalty> ParsePenalty(std::string_view name);

enum class OptimizerType { kSgd, kNesterovMomentumSgd, kRmsprop, kAdam, kAdagrad };
// "sgd", "nesterov_momentum_sgd", "rmsprop", "adam", "adagrad".
Result<OptimizerType> ParseOptimizerType(std::string_view name);

// HeteroLR's parameters the optimizer uses (defaults: FATE's HeteroLR defaults).
struct OptimizerOptions {
  OptimizerType type = OptimizerType::kRmsprop;
  double learning_rate = 0.01;
  double alpha = 1.0;
  Penalty penalty = Penalty::kL2;
  double decay = 1.0;
  bool decay_sqrt = true;
};

// One optimizer with its moment state. Not thread-safe; owned by the training loop.
class Optimizer {
 public:
  explicit Optimizer(OptimizerOptions options) : options_(options) {}

  const OptimizerOptions& options() const { return options_; }
  void set_iters(int64_t iters) { iters_ = iters; }
  int64_t iters() const { return iters_; }

  double DecayedLearningRate() const;
  // L1 shrinkage alpha * learning_rate / sqrt(iters) (+inf at iters 0).
  double ShrinkageValue() const;

  // L2: alpha * coef added to the coefficient part of `gradient` (not the intercept); other
  // penalties: unchanged. InvalidArgument when the sizes differ.
  Result<std::vector<double>> AddRegularToGrad(const std::vector<double>& gradient,
                                               const LinearWeights& weights) const;
  // The step delta for `gradient`, updating the moment state. InvalidArgument when the size
  // differs from the first call's.
  Result<std::vector<double>> ApplyGradients(const std::vector<double>& gradient);
  // New weights from a step delta, per penalty (see above). InvalidArgument on a size mismatch.
  Result<LinearWeights> RegularizationUpdate(const LinearWeights& weights,
                                             const std::vector<double>& delta) const;
  // FATE's update_model: with has_applied (what HeteroLR's parties do: the arbiter already
  // turned the gradient into a step) RegularizationUpdate(weights, gradient); otherwise
  // AddRegularToGrad, ApplyGradients, then RegularizationUpdate.
  Result<LinearWeights> UpdateModel(const LinearWeights& weights,
                                    const std::vector<double>& gradient, bool has_applied = true);
  // The penalty's loss term for these weights; nullopt without a penalty.
  std::optional<double> LossNorm(const LinearWeights& weights) const;

 private:
  OptimizerOptions options_;
  int64_t iters_ = 0;
  std::vector<double> m_;
  std::vector<double> v_;
  double beta1_power_ = 1.0;
  double beta2_power_ = 1.0;
};

}  // namespace fedflow::ml
