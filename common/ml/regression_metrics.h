#pragma once

// Regression metrics of FATE 1.x's Evaluation (federatedml/evaluation/metrics/
// regression_metric.py), which are sklearn.metrics' single-output definitions:
//   explained_variance  1 - Var(y - p) / Var(y)   (population variances)
//   mean_absolute_error mean |y - p|
//   mean_squared_error  mean (y - p)^2
//   median_absolute_error median |y - p| (mean of the two middle values for an even count)
//   r2_score            1 - sum (y - p)^2 / sum (y - mean y)^2
//   root_mean_squared_error sqrt(mean_squared_error)
// For explained_variance and r2_score with a constant y, sklearn's rule: 1.0 when the numerator
// is also 0, else 0.0. Every function fails with InvalidArgument on empty or mismatched input.

#include <vector>

#include "common/status.h"

namespace fedflow::ml {

Result<double> ExplainedVariance(const std::vector<double>& labels,
                                 const std::vector<double>& predictions);
Result<double> MeanAbsoluteError(const std::vector<double>& labels,
                                 const std::vector<double>& predictions);
Result<double> MeanSquaredError(const std::vector<double>& labels,
                                const std::vector<double>& predictions);
Result<double> MedianAbsoluteError(const std::vector<double>& labels,
                                   const std::vector<double>& predictions);
Result<double> R2Score(const std::vector<double>& labels, const std::vector<double>& predictions);
Result<double> RootMeanSquaredError(const std::vector<double>& labels,
                                    const std::vector<double>& predictions);

}  // namespace fedflow::ml
