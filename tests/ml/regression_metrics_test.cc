// Regression metrics on a hand-worked example and sklearn's constant-label rules.
#include "common/ml/regression_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/harness/test_util.h"

namespace fedflow::ml {
namespace {

class RegressionMetricsTest : public fedflow::testing::FedflowTest {
 protected:
  // Errors 0.5, -0.5, 0, -1. Mean label 2.875.
  const std::vector<double> labels_ = {3, -0.5, 2, 7};
  const std::vector<double> predictions_ = {2.5, 0.0, 2, 8};
};

TEST_F(RegressionMetricsTest, HandWorkedExample) {
  Result<double> mae = MeanAbsoluteError(labels_, predictions_);
  Result<double> mse = MeanSquaredError(labels_, predictions_);
  Result<double> rmse = RootMeanSquaredError(labels_, predictions_);
  Result<double> median = MedianAbsoluteError(labels_, predictions_);
  Result<double> r2 = R2Score(labels_, predictions_);
  Result<double> ev = ExplainedVariance(labels_, predictions_);
  ASSERT_OK(mae);
  ASSERT_OK(mse);
  ASSERT_OK(rmse);
  ASSERT_OK(median);
  ASSERT_OK(r2);
  ASSERT_OK(ev);
  EXPECT_DOUBLE_EQ(*mae, 2.0 / 4);
  EXPECT_DOUBLE_EQ(*mse, 1.5 / 4);  // 0.25 + 0.25 + 0 + 1
  EXPECT_DOUBLE_EQ(*rmse, std::sqrt(0.375));
  EXPECT_DOUBLE_EQ(*median, 0.5);  // of 0, 0.5, 0.5, 1
  // Sum of squares about the mean: 0.125^2 + 3.375^2 + 0.875^2 + 4.125^2 = 29.1875.
  EXPECT_DOUBLE_EQ(*r2, 1 - 1.5 / 29.1875);
  // Residual mean -0.25, population variance (0.75^2 + 0.25^2 + 0.25^2 + 0.75^2) / 4 = 0.3125.
  EXPECT_DOUBLE_EQ(*ev, 1 - 0.3125 / (29.1875 / 4));
}

TEST_F(RegressionMetricsTest, MedianOfOddCount) {
  Result<double> median = MedianAbsoluteError({1, 2, 3}, {1.5, 2, 6});
  ASSERT_OK(median);
  EXPECT_DOUBLE_EQ(*median, 0.5);  // of 0, 0.5, 3
}

TEST_F(RegressionMetricsTest, ConstantLabelsFollowSklearn) {
  EXPECT_EQ(*R2Score({1, 1}, {1, 1}), 1.0);
  EXPECT_EQ(*R2Score({1, 1}, {1, 2}), 0.0);
  EXPECT_EQ(*ExplainedVariance({1, 1}, {2, 2}), 1.0);  // residual variance 0 too
  EXPECT_EQ(*ExplainedVariance({1, 1}, {1, 2}), 0.0);
}

TEST_F(RegressionMetricsTest, RejectsBadInput) {
  EXPECT_TRUE(MeanSquaredError({}, {}).status().IsInvalidArgument());
  EXPECT_TRUE(R2Score({1, 2}, {1}).status().IsInvalidArgument());
  EXPECT_TRUE(RootMeanSquaredError({1}, {}).status().IsInvalidArgument());
}

}  // namespace
}  // namespace fedflow::ml
