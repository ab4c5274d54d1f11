#include "common/ml/regression_metrics.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace fedflow::ml {
namespace {

Status CheckInput(const std::vector<double>& labels, const std::vector<double>& predictions,
                  const char* metric) {
  if (labels.size() != predictions.size()) {
    return Status::InvalidArgument(std::string(metric) + ": " + std::to_string(labels.size()) +
                                   " labels but " + std::to_string(predictions.size()) +
                                   " predictions");
  }
  if (labels.empty()) return Status::InvalidArgument(std::string(metric) + ": no samples");
  return Status::OK();
}

double Mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

double PopulationVariance(const std::vector<double>& v) {
  double mean = Mean(v);
  double sum = 0;
  for (double x : v) sum += (x - mean) * (x - mean);
  return sum / static_cast<double>(v.size());
}

// sklearn's 1 - numerator / denominator with its rule for a zero denominator.
double OneMinusRatio(double numerator, double denominator) {
  if (denominator == 0) return numerator == 0 ? 1.0 : 0.0;
  return 1.0 - numerator / denominator;
}

}  // namespace

Result<double> ExplainedVariance(const std::vector<double>& labels,
                                 const std::vector<double>& predictions) {
  RETURN_NOT_OK(CheckInput(labels, predictions, "explained_variance"));
  std::vector<double> residual(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) residual[i] = labels[i] - predictions[i];
  return OneMinusRatio(PopulationVariance(residual), PopulationVariance(labels));
}

Result<double> MeanAbsoluteError(const std::vector<double>& labels,
                                 const std::vector<double>& predictions) {
  RETURN_NOT_OK(CheckInput(labels, predictions, "mean_absolute_error"));
  double sum = 0;
  for (size_t i = 0; i < labels.size(); ++i) sum += std::fabs(labels[i] - predictions[i]);
  return sum / static_cast<double>(labels.size());
}

Result<double> MeanSquaredError(const std::vector<double>& labels,
                                const std::vector<double>& predictions) {
  RETURN_NOT_OK(CheckInput(labels, predictions, "mean_squared_error"));
  double sum = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    double d = labels[i] - predictions[i];
    sum += d * d;
  }
  return sum / static_cast<double>(labels.size());
}

Result<double> MedianAbsoluteError(const std::vector<double>& labels,
                                   const std::vector<double>& predictions) {
  RETURN_NOT_OK(CheckInput(labels, predictions, "median_absolute_error"));
  std::vector<double> errors(labels.size());
  for (size_t i = 0; i < labels.size(); ++i) errors[i] = std::fabs(labels[i] - predictions[i]);
  std::sort(errors.begin(), errors.end());
  size_t n = errors.size();
  return n % 2 == 1 ? errors[n / 2] : (errors[n / 2 - 1] + errors[n / 2]) / 2.0;
}

Result<double> R2Score(const std::vector<double>& labels, const std::vector<double>& predictions) {
  RETURN_NOT_OK(CheckInput(labels, predictions, "r2_score"));
  double mean = Mean(labels);
  double ss_res = 0, ss_tot = 0;
  for (size_t i = 0; i < labels.size(); ++i) {
    ss_res += (labels[i] - predictions[i]) * (labels[i] - predictions[i]);
    ss_tot += (labels[i] - mean) * (labels[i] - mean);
  }
  return OneMinusRatio(ss_res, ss_tot);
}

Result<double> RootMeanSquaredError(const std::vector<double>& labels,
                                    const std::vector<double>& predictions) {
  ASSIGN_OR_RETURN(double mse, MeanSquaredError(labels, predictions));
  return std::sqrt(mse);
}

}  // namespace fedflow::ml
