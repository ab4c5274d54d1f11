#include "common/ml/linear_model.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "common/ml/numpy_random.h"

namespace fedflow::ml {
namespace {

double Norm2(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x * x;
  return std::sqrt(sum);
}

}  // namespace

Result<FeatureMatrix> FeatureMatrix::FromRows(const std::vector<std::vector<double>>& rows) {
  size_t cols = rows.empty() ? 0 : rows[0].size();
  FeatureMatrix m(rows.size(), cols);
  for (size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != cols) {
      return Status::InvalidArgument("feature matrix: row " + std::to_string(r) + " has " +
                                     std::to_string(rows[r].size()) + " values, row 0 has " +
                                     std::to_string(cols));
    }
    std::copy(rows[r].begin(), rows[r].end(), m.values_.begin() + r * cols);
  }
  return m;
}

FeatureMatrix FeatureMatrix::SelectRows(const std::vector<size_t>& indexes) const {
  FeatureMatrix out(indexes.size(), cols_);
  for (size_t i = 0; i < indexes.size(); ++i) {
    std::copy(row(indexes[i]), row(indexes[i]) + cols_, out.values_.begin() + i * cols_);
  }
  return out;
}

double Sigmoid(double x) {
  if (x <= 0) {
    double a = std::exp(x);
    return a / (1.0 + a);
  }
  return 1.0 / (1.0 + std::exp(-x));
}

int SignedLabel(int label) { return label == 1 ? 1 : -1; }

std::vector<int> SignedLabels(const std::vector<int>& labels) {
  std::vector<int> out(labels.size());
  std::transform(labels.begin(), labels.end(), out.begin(), SignedLabel);
  return out;
}

Result<std::vector<double>> LinearPredictor(const FeatureMatrix& x, const LinearWeights& w) {
  if (x.cols() != w.coef_size()) {
    return Status::InvalidArgument("linear predictor: " + std::to_string(x.cols()) +
                                   " features but " + std::to_string(w.coef_size()) +
                                   " coefficients");
  }
  std::vector<double> wx(x.rows());
  const double intercept = w.intercept();
  for (size_t r = 0; r < x.rows(); ++r) {
    const double* row = x.row(r);
    double dot = 0;
    for (size_t c = 0; c < x.cols(); ++c) dot += row[c] * w.values[c];
    wx[r] = dot + intercept;
  }
  return wx;
}

Result<std::vector<double>> ForeGradient(const std::vector<double>& wx,
                                         const std::vector<int>& signed_labels) {
  if (wx.size() != signed_labels.size()) {
    return Status::InvalidArgument("fore gradient: " + std::to_string(wx.size()) +
                                   " predictions but " + std::to_string(signed_labels.size()) +
                                   " labels");
  }
  std::vector<double> d(wx.size());
  for (size_t i = 0; i < wx.size(); ++i) d[i] = 0.25 * wx[i] - 0.5 * signed_labels[i];
  return d;
}

Result<std::vector<double>> Gradient(const FeatureMatrix& x, const std::vector<double>& d,
                                     const GradientOptions& options) {
  if (x.rows() == 0) return Status::InvalidArgument("gradient: no rows");
  if (d.size() != x.rows()) {
    return Status::InvalidArgument("gradient: " + std::to_string(d.size()) +
                                   " fore gradients for " + std::to_string(x.rows()) + " rows");
  }
  const bool fixed_point =
      options.floating_point_precision.has_value() && x.rows() * x.cols() > 100;
  const double scale = fixed_point ? std::ldexp(1.0, *options.floating_point_precision) : 1.0;
  std::vector<double> sum(x.cols(), 0.0);
  for (size_t r = 0; r < x.rows(); ++r) {
    const double* row = x.row(r);
    for (size_t c = 0; c < x.cols(); ++c) {
      double feature = fixed_point ? std::nearbyint(row[c] * scale) : row[c];
      sum[c] += feature * d[r];
    }
  }
  const double n = static_cast<double>(x.rows());
  std::vector<double> gradient(x.cols());
  for (size_t c = 0; c < x.cols(); ++c) gradient[c] = sum[c] / scale / n;
  if (options.fit_intercept) {
    double d_sum = 0;
    for (double v : d) d_sum += v;
    gradient.push_back(d_sum / n);
  }
  return gradient;
}

Result<double> TaylorLoss(const std::vector<double>& wx, const std::vector<int>& signed_labels) {
  if (wx.size() != signed_labels.size()) {
    return Status::InvalidArgument("loss: " + std::to_string(wx.size()) + " predictions but " +
                                   std::to_string(signed_labels.size()) + " labels");
  }
  if (wx.empty()) return Status::InvalidArgument("loss: no rows");
  double ywx = 0, wx_square = 0;
  for (size_t i = 0; i < wx.size(); ++i) {
    ywx += signed_labels[i] * wx[i];
    wx_square += wx[i] * wx[i];
  }
  const double n = static_cast<double>(wx.size());
  return std::log(2.0) - 0.5 * (1 / n) * ywx + 0.125 * (1 / n) * wx_square;
}

Result<InitMethod> ParseInitMethod(std::string_view name) {
  if (name == "zeros") return InitMethod::kZeros;
  if (name == "ones") return InitMethod::kOnes;
  if (name == "const") return InitMethod::kConst;
  if (name == "random_uniform") return InitMethod::kRandomUniform;
  if (name == "random_normal") return InitMethod::kRandomNormal;
  return Status::InvalidArgument("init_method \"" + std::string(name) +
                                 "\" is not supported (supported: zeros, ones, const, "
                                 "random_uniform, random_normal)");
}

LinearWeights InitWeights(size_t num_features, const InitParam& param) {
  LinearWeights w;
  w.fit_intercept = param.fit_intercept;
  const size_t size = num_features + (param.fit_intercept ? 1 : 0);
  uint32_t seed = param.random_seed ? *param.random_seed : std::random_device{}();
  NumpyRandom random(seed);
  w.values.resize(size);
  for (size_t i = 0; i < size; ++i) {
    switch (param.method) {
      case InitMethod::kZeros:
        w.values[i] = 0.0;
        break;
      case InitMethod::kOnes:
        w.values[i] = 1.0;
        break;
      case InitMethod::kConst:
        w.values[i] = param.init_const;
        break;
      case InitMethod::kRandomUniform:
        w.values[i] = random.Uniform();
        break;
      case InitMethod::kRandomNormal:
        w.values[i] = random.Normal();
        break;
    }
  }
  return w;
}

Result<std::vector<std::vector<size_t>>> MiniBatchIndexes(size_t n, int64_t batch_size,
                                                          std::mt19937* shuffle_rng) {
  if (n == 0) return Status::InvalidArgument("mini-batch: no rows");
  if (batch_size == 0 || batch_size < -1) {
    return Status::InvalidArgument("mini-batch: batch_size must be -1 or positive, got " +
                                   std::to_string(batch_size));
  }
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (batch_size == -1 || static_cast<uint64_t>(batch_size) >= n) {
    return std::vector<std::vector<size_t>>{order};
  }
  if (shuffle_rng) std::shuffle(order.begin(), order.end(), *shuffle_rng);
  const size_t size = static_cast<size_t>(batch_size);
  std::vector<std::vector<size_t>> batches;
  for (size_t start = 0; start < n; start += size) {
    size_t end = std::min(n, start + size);
    batches.emplace_back(order.begin() + start, order.begin() + end);
  }
  return batches;
}

Result<EarlyStop> ParseEarlyStop(std::string_view name) {
  if (name == "diff") return EarlyStop::kDiff;
  if (name == "abs") return EarlyStop::kAbs;
  if (name == "weight_diff") return EarlyStop::kWeightDiff;
  return Status::InvalidArgument("early_stop \"" + std::string(name) +
                                 "\" is not supported (supported: diff, abs, weight_diff)");
}

bool ConvergenceCheck::IsConvergedLoss(double loss) {
  switch (early_stop_) {
    case EarlyStop::kDiff: {
      bool converged = previous_loss_.has_value() && std::fabs(*previous_loss_ - loss) < tol_;
      previous_loss_ = loss;
      return converged;
    }
    case EarlyStop::kAbs:
      return loss <= tol_;
    case EarlyStop::kWeightDiff:
      return false;
  }
  return false;
}

bool ConvergenceCheck::IsConvergedStep(const std::vector<double>& total_delta) const {
  return Norm2(total_delta) < tol_;
}

bool ConvergenceCheck::IsConvergedWeights(const std::vector<double>& weights) {
  if (!previous_weights_ || previous_weights_->size() != weights.size()) {
    previous_weights_ = weights;
    return false;
  }
  std::vector<double> diff(weights.size());
  for (size_t i = 0; i < weights.size(); ++i) diff[i] = (*previous_weights_)[i] - weights[i];
  previous_weights_ = weights;
  return Norm2(diff) < tol_ * std::max(Norm2(weights), 1.0);
}

int PredictLabel(double probability, double threshold) { return probability > threshold ? 1 : 0; }

}  // namespace fedflow::ml
