#include "common/ml/optimizer.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>

namespace fedflow::ml {
namespace {

constexpr double kRmspropRho = 0.99;
constexpr double kAdamBeta1 = 0.9;
constexpr double kAdamBeta2 = 0.999;
constexpr double kNesterovMomentum = 0.9;

// numpy.sign: -1, 0 or 1, NaN for NaN.
double NumpySign(double x) {
  if (std::isnan(x)) return x;
  return x > 0 ? 1.0 : (x < 0 ? -1.0 : 0.0);
}

// numpy.maximum: NaN when either argument is NaN (std::max would drop it).
double NumpyMaximum(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return NAN;
  return a > b ? a : b;
}

Status SizeMismatch(const char* what, size_t got, size_t want) {
  return Status::InvalidArgument(std::string("optimizer: ") + what + " has " + std::to_string(got) +
                                 " values, expected " + std::to_string(want));
}

}  // namespace

Result<Penalty> ParsePenalty(std::string_view name) {
  std::string upper(name);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "L1") return Penalty::kL1;
  if (upper == "L2") return Penalty::kL2;
  if (upper.empty() || upper == "NONE") return Penalty::kNone;
  return Status::InvalidArgument("penalty \"" + std::string(name) +
                                 "\" is not supported (supported: L1, L2, none)");
}

Result<OptimizerType> ParseOptimizerType(std::string_view name) {
  if (name == "sgd") return OptimizerType::kSgd;
  if (name == "nesterov_momentum_sgd") return OptimizerType::kNesterovMomentumSgd;
  if (name == "rmsprop") return OptimizerType::kRmsprop;
  if (name == "adam") return OptimizerType::kAdam;
  if (name == "adagrad") return OptimizerType::kAdagrad;
  return Status::InvalidArgument("optimizer \"" + std::string(name) +
                                 "\" is not supported (supported: sgd, nesterov_momentum_sgd, "
                                 "rmsprop, adam, adagrad)");
}

double Optimizer::DecayedLearningRate() const {
  const double t = static_cast<double>(iters_);
  if (options_.decay_sqrt) return options_.learning_rate / std::sqrt(1 + options_.decay * t);
  return options_.learning_rate / (1 + options_.decay * t);
}

double Optimizer::ShrinkageValue() const {
  double step = options_.learning_rate / std::sqrt(static_cast<double>(iters_));
  return options_.alpha * step;
}

Result<std::vector<double>> Optimizer::AddRegularToGrad(const std::vector<double>& gradient,
                                                        const LinearWeights& weights) const {
  if (gradient.size() != weights.values.size()) {
    return SizeMismatch("gradient", gradient.size(), weights.values.size());
  }
  std::vector<double> out = gradient;
  if (options_.penalty == Penalty::kL2) {
    for (size_t i = 0; i < weights.coef_size(); ++i) out[i] += options_.alpha * weights.values[i];
  }
  return out;
}

Result<std::vector<double>> Optimizer::ApplyGradients(const std::vector<double>& gradient) {
  const size_t n = gradient.size();
  if (m_.empty()) {
    m_.assign(n, 0.0);
    v_.assign(n, 0.0);
  } else if (m_.size() != n) {
    return SizeMismatch("gradient", n, m_.size());
  }
  const double lr = DecayedLearningRate();
  std::vector<double> delta(n);
  switch (options_.type) {
    case OptimizerType::kSgd:
      for (size_t i = 0; i < n; ++i) delta[i] = lr * gradient[i];
      break;
    case OptimizerType::kRmsprop:
      for (size_t i = 0; i < n; ++i) {
        m_[i] = kRmspropRho * m_[i] + (1 - kRmspropRho) * (gradient[i] * gradient[i]);
        delta[i] = lr * gradient[i] / std::sqrt(m_[i] + 1e-6);
      }
      break;
    case OptimizerType::kAdagrad:
      for (size_t i = 0; i < n; ++i) {
        m_[i] = m_[i] + gradient[i] * gradient[i];
        delta[i] = lr * gradient[i] / (std::sqrt(m_[i]) + 1e-7);
      }
      break;
    case OptimizerType::kAdam:
      beta1_power_ *= kAdamBeta1;
      beta2_power_ *= kAdamBeta2;
      for (size_t i = 0; i < n; ++i) {
        m_[i] = kAdamBeta1 * m_[i] + (1 - kAdamBeta1) * gradient[i];
        v_[i] = kAdamBeta2 * v_[i] + (1 - kAdamBeta2) * (gradient[i] * gradient[i]);
        double m_hat = m_[i] / (1 - beta1_power_);
        double v_hat = v_[i] / (1 - beta2_power_);
        delta[i] = lr * m_hat / (std::sqrt(v_hat) + 1e-8);
      }
      break;
    case OptimizerType::kNesterovMomentumSgd:
      for (size_t i = 0; i < n; ++i) {
        double v = kNesterovMomentum * m_[i] - lr * gradient[i];
        delta[i] = kNesterovMomentum * m_[i] - (1 + kNesterovMomentum) * v;
        m_[i] = v;
      }
      break;
  }
  return delta;
}

Result<LinearWeights> Optimizer::RegularizationUpdate(const LinearWeights& weights,
                                                      const std::vector<double>& delta) const {
  if (delta.size() != weights.values.size()) {
    return SizeMismatch("step", delta.size(), weights.values.size());
  }
  LinearWeights out = weights;
  if (options_.penalty == Penalty::kL1) {
    const double shrinkage = ShrinkageValue();
    for (size_t i = 0; i < weights.coef_size(); ++i) {
      double moved = weights.values[i] - delta[i];
      out.values[i] = NumpySign(moved) * NumpyMaximum(0.0, std::fabs(moved) - shrinkage);
    }
    if (weights.fit_intercept) out.values.back() = weights.values.back() - delta.back();
  } else {
    for (size_t i = 0; i < weights.values.size(); ++i) out.values[i] -= delta[i];
  }
  return out;
}

Result<LinearWeights> Optimizer::UpdateModel(const LinearWeights& weights,
                                             const std::vector<double>& gradient,
                                             bool has_applied) {
  if (has_applied) return RegularizationUpdate(weights, gradient);
  ASSIGN_OR_RETURN(std::vector<double> regularized, AddRegularToGrad(gradient, weights));
  ASSIGN_OR_RETURN(std::vector<double> delta, ApplyGradients(regularized));
  return RegularizationUpdate(weights, delta);
}

std::optional<double> Optimizer::LossNorm(const LinearWeights& weights) const {
  double sum = 0;
  switch (options_.penalty) {
    case Penalty::kNone:
      return std::nullopt;
    case Penalty::kL1:
      for (size_t i = 0; i < weights.coef_size(); ++i) {
        sum += options_.alpha * std::fabs(weights.values[i]);
      }
      return sum;
    case Penalty::kL2:
      for (size_t i = 0; i < weights.coef_size(); ++i) sum += weights.values[i] * weights.values[i];
      return 0.5 * options_.alpha * sum;
  }
  return std::nullopt;
}

}  // namespace fedflow::ml
