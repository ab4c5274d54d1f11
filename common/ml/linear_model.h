#pragma once

// The plaintext maths of FATE 1.x's HeteroLR (federatedml/linear_model/coordinated_linear_model,
// federatedml/optim): weights, the Taylor-approximated gradient and loss, initialisation,
// mini-batches, convergence and prediction. The federated component adds the encryption and
// the exchange between guest, hosts and arbiter; the numbers each party computes are these.
//
// One HeteroLR iteration in FATE (full batch, one host), per batch:
//   guest: wx_g = X_g . coef_g + intercept;  host: wx_h = X_h . coef_h (hosts have no intercept)
//   fore_gradient d = 0.25 * (wx_g + wx_h) - 0.5 * y, labels mapped to y = +1 (label 1) / -1
//   gradient_g = [X_g^T d / n, sum(d) / n], gradient_h = X_h^T d / n   (n: rows in the batch)
//   each party adds its L2 term alpha * coef (not the intercept)      Optimizer::AddRegularToGrad
//   arbiter: delta = optimizer step on [gradient_h..., gradient_g]    Optimizer::ApplyGradients
//   loss = log 2 - 0.5 * mean(y * wx) + 0.125 * mean(wx^2) + penalties  (weights before update)
//   each party: weights = RegularizationUpdate(weights, its part of delta)
// then, per iteration, loss averaged over batches and the convergence check. The optimizer's
// iteration counter is set to the 0-based iteration before its batches (set_iters).
// Prediction: probability sigmoid(wx_g + sum of hosts' wx_h), label 1 when probability > 0.5
// (predict_param.threshold).

#include <cstdint>
#include <optional>
#include <random>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fedflow::ml {

// FATE's LinearModelWeights: the coefficients and, with fit_intercept, the intercept as the
// last value ("unboxed" order, the order gradients and optimizer steps use).
struct LinearWeights {
  std::vector<double> values;
  bool fit_intercept = false;

  size_t coef_size() const { return fit_intercept ? values.size() - 1 : values.size(); }
  std::vector<double> coef() const {
    return std::vector<double>(values.begin(), values.begin() + coef_size());
  }
  double intercept() const { return fit_intercept ? values.back() : 0.0; }
};

// Dense features, row-major. A value.
class FeatureMatrix {
 public:
  FeatureMatrix() = default;
  FeatureMatrix(size_t rows, size_t cols) : rows_(rows), cols_(cols), values_(rows * cols) {}
  // InvalidArgument when the rows have different lengths.
  static Result<FeatureMatrix> FromRows(const std::vector<std::vector<double>>& rows);

  size_t rows() const { return rows_; }
  size_t cols() const { return cols_; }
  double at(size_t r, size_t c) const { return values_[r * cols_ + c]; }
  double& at(size_t r, size_t c) { return values_[r * cols_ + c]; }
  const double* row(size_t r) const { return values_.data() + r * cols_; }
  // The rows at `indexes`, in that order (a mini-batch).
  FeatureMatrix SelectRows(const std::vector<size_t>& indexes) const;

 private:
  size_t rows_ = 0;
  size_t cols_ = 0;
  std::vector<double> values_;
};

// FATE's activation.sigmoid, in its numerically stable two-branch form.
double Sigmoid(double x);

// FATE's HeteroLRGuest.load_data: label 1 stays 1, any other label becomes -1.
int SignedLabel(int label);
std::vector<int> SignedLabels(const std::vector<int>& labels);

// x_i . coef + intercept for every row. InvalidArgument when the widths differ.
Result<std::vector<double>> LinearPredictor(const FeatureMatrix& x, const LinearWeights& w);

// FATE's fore_gradient 0.25 * wx - 0.5 * y for y in {-1, 1}, wx the whole linear predictor
// (guest's with intercept plus every host's). InvalidArgument when the sizes differ.
Result<std::vector<double>> ForeGradient(const std::vector<double>& wx,
                                         const std::vector<int>& signed_labels);

struct GradientOptions {
  bool fit_intercept = false;
  // HeteroLR's floating_point_precision (default 23): when rows * cols > 100, FATE multiplies
  // the fore_gradient by the features encoded as round(x * 2^p) and divides the sum by 2^p, so
  // each feature counts as its nearest multiple of 2^-p (round half to even). nullopt: exact.
  std::optional<int> floating_point_precision = 23;
};

// FATE's HeteroGradientBase.compute_gradient: sum_i d_i * x_i / n, then with fit_intercept
// sum_i d_i / n appended. InvalidArgument when d does not have one value per row or x is empty.
Result<std::vector<double>> Gradient(const FeatureMatrix& x, const std::vector<double>& d,
                                     const GradientOptions& options);

// FATE's hetero LR loss without penalties: log 2 - 0.5 * mean(y * wx) + 0.125 * mean(wx^2),
// the second-order Taylor expansion of mean(log(1 + exp(-y * wx))) at wx = 0.
// InvalidArgument on mismatched sizes or no rows.
Result<double> TaylorLoss(const std::vector<double>& wx, const std::vector<int>& signed_labels);

// FATE's InitParam.init_method.
enum class InitMethod { kZeros, kOnes, kConst, kRandomUniform, kRandomNormal };
// "zeros", "ones", "const", "random_uniform", "random_normal".
Result<InitMethod> ParseInitMethod(std::string_view name);

struct InitParam {
  InitMethod method = InitMethod::kRandomUniform;
  double init_const = 1.0;
  bool fit_intercept = true;
  // numpy.random.seed value; nullopt seeds from the OS (FATE's random_seed None).
  std::optional<uint32_t> random_seed;
};

// FATE's Initializer.init_model for `num_features` coefficients (+1 with fit_intercept): the
// intercept is initialised like the coefficients. Random methods draw from numpy's generator
// seeded with random_seed (NumpyRandom), so a seeded FATE job gets the same initial weights.
// HeteroLR's hosts never fit an intercept (FATE forces fit_intercept off on hosts). For zeros,
// FATE's Initializer could set the intercept to log(#1 / #0) when given the data, which HeteroLR
// does not do; the intercept stays 0.
LinearWeights InitWeights(size_t num_features, const InitParam& param);

// FATE's MiniBatch with batch_strategy "full": batch_size -1 (or >= n) is one batch of all
// rows in order; otherwise ceil(n / batch_size) consecutive slices of the row order, the last
// one shorter. With `shuffle_rng` the order is shuffled first (FATE shuffles with SystemRandom
// each epoch when shuffle is on and there is more than one batch; not reproducible there).
// FATE's masked batches (masked_rate) only add rows whose gradient contribution is hidden and
// are not modelled. InvalidArgument for batch_size 0 or < -1, or n == 0.
Result<std::vector<std::vector<size_t>>> MiniBatchIndexes(size_t n, int64_t batch_size,
                                                          std::mt19937* shuffle_rng = nullptr);

// FATE's early_stop.
enum class EarlyStop { kDiff, kAbs, kWeightDiff };
// "diff", "abs", "weight_diff".
Result<EarlyStop> ParseEarlyStop(std::string_view name);

// FATE's convergence functions (federatedml/optim/convergence.py and HeteroBaseArbiter.fit).
// Not thread-safe.
class ConvergenceCheck {
 public:
  ConvergenceCheck(EarlyStop early_stop, double tol) : early_stop_(early_stop), tol_(tol) {}

  EarlyStop early_stop() const { return early_stop_; }

  // diff: |previous loss - loss| < tol, never on the first call (remembers the loss);
  // abs: loss <= tol. False for weight_diff.
  bool IsConvergedLoss(double loss);
  // HeteroLR's weight_diff (arbiter): the 2-norm of the iteration's summed optimizer steps
  // (delta over all batches and parties) < tol.
  bool IsConvergedStep(const std::vector<double>& total_delta) const;
  // FATE's _WeightDiffConverge (homogeneous models): never on the first call; then
  // ||previous - weights|| < tol * max(||weights||, 1).
  bool IsConvergedWeights(const std::vector<double>& weights);

 private:
  EarlyStop early_stop_;
  double tol_;
  std::optional<double> previous_loss_;
  std::optional<std::vector<double>> previous_weights_;
};

// FATE's predicted label: 1 when probability > threshold, else 0.
int PredictLabel(double probability, double threshold = 0.5);

}  // namespace fedflow::ml
