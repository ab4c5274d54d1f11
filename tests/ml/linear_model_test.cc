// Hetero LR building blocks against hand-worked values: sigmoid, fore gradient, gradient (with
// and without FATE's fixed-point features), Taylor loss, initialisation (numpy's generator),
// mini-batches, convergence checks.
#include "common/ml/linear_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "common/ml/numpy_random.h"
#include "tests/harness/test_util.h"

namespace fedflow::ml {
namespace {

class LinearModelTest : public fedflow::testing::FedflowTest {
 protected:
  // X = [[1, 2], [3, 4]], coef (0.5, -1), intercept 0.25: wx = (-1.25, -2.25).
  LinearModelTest() : x_(*FeatureMatrix::FromRows({{1, 2}, {3, 4}})) {
    w_.values = {0.5, -1, 0.25};
    w_.fit_intercept = true;
  }
  FeatureMatrix x_;
  LinearWeights w_;
};

TEST_F(LinearModelTest, SigmoidIsTheLogisticFunction) {
  for (double x : {-30.0, -2.5, -1e-9, 0.0, 1e-9, 0.7, 3.0, 30.0}) {
    EXPECT_NEAR(Sigmoid(x), 1.0 / (1.0 + std::exp(-x)), 1e-15) << x;
  }
  EXPECT_EQ(Sigmoid(0), 0.5);
  EXPECT_EQ(Sigmoid(-800), 0.0);  // no overflow to NaN on either side
  EXPECT_EQ(Sigmoid(800), 1.0);
}

TEST_F(LinearModelTest, LabelsMapToPlusMinusOne) {
  EXPECT_EQ(SignedLabels({1, 0, 2, -1}), (std::vector<int>{1, -1, -1, -1}));
}

TEST_F(LinearModelTest, ForeGradientGradientAndLossByHand) {
  Result<std::vector<double>> wx = LinearPredictor(x_, w_);
  ASSERT_OK(wx);
  EXPECT_EQ(*wx, (std::vector<double>{-1.25, -2.25}));
  const std::vector<int> y = {1, -1};
  // d = 0.25 * wx - 0.5 * y = (-0.3125 - 0.5, -0.5625 + 0.5).
  Result<std::vector<double>> d = ForeGradient(*wx, y);
  ASSERT_OK(d);
  EXPECT_EQ(*d, (std::vector<double>{-0.8125, -0.0625}));
  // (1 * -0.8125 + 3 * -0.0625) / 2, (2 * -0.8125 + 4 * -0.0625) / 2, (-0.875) / 2.
  GradientOptions options;
  options.fit_intercept = true;
  Result<std::vector<double>> g = Gradient(x_, *d, options);
  ASSERT_OK(g);
  EXPECT_EQ(*g, (std::vector<double>{-0.5, -0.9375, -0.4375}));
  options.fit_intercept = false;
  EXPECT_EQ(Gradient(x_, *d, options)->size(), 2u);
  // log 2 - 0.5 * (-1.25 + 2.25) / 2 + 0.125 * (1.5625 + 5.0625) / 2.
  Result<double> loss = TaylorLoss(*wx, y);
  ASSERT_OK(loss);
  EXPECT_DOUBLE_EQ(*loss, std::log(2.0) - 0.25 + 0.4140625);
}

TEST_F(LinearModelTest, TaylorLossApproximatesLogisticLossNearZero) {
  std::vector<double> wx = {0.01, -0.02, 0.03};
  std::vector<int> y = {1, -1, -1};
  double exact = 0;
  for (size_t i = 0; i < wx.size(); ++i) exact += std::log1p(std::exp(-y[i] * wx[i]));
  exact /= 3;
  EXPECT_NEAR(*TaylorLoss(wx, y), exact, 1e-7);  // third-order terms vanish; fourth ~ 1e-9
}

TEST_F(LinearModelTest, FixedPointFeaturesAboveOneHundredCells) {
  // 11 x 10 = 110 cells: features count as round(x * 2^23) / 2^23.
  std::mt19937 rng(2);
  std::uniform_real_distribution<double> u(-3, 3);
  std::vector<std::vector<double>> rows(11, std::vector<double>(10));
  std::vector<double> d(11);
  for (auto& row : rows) {
    for (double& v : row) v = u(rng) / 3.0;
  }
  for (double& v : d) v = u(rng);
  FeatureMatrix x = *FeatureMatrix::FromRows(rows);
  GradientOptions options;
  Result<std::vector<double>> fixed = Gradient(x, d, options);
  options.floating_point_precision = std::nullopt;
  Result<std::vector<double>> exact = Gradient(x, d, options);
  ASSERT_OK(fixed);
  ASSERT_OK(exact);
  const double scale = 8388608.0;  // 2^23
  for (size_t c = 0; c < 10; ++c) {
    double quantized = 0, plain = 0;
    for (size_t r = 0; r < 11; ++r) {
      quantized += std::nearbyint(rows[r][c] * scale) * d[r];
      plain += rows[r][c] * d[r];
    }
    EXPECT_NEAR((*fixed)[c], quantized / scale / 11, 1e-15);
    EXPECT_NEAR((*exact)[c], plain / 11, 1e-15);
    EXPECT_NEAR((*fixed)[c], (*exact)[c], 3.0 / scale);
  }
  // 100 cells or fewer: exact features even with a precision set.
  FeatureMatrix small = x.SelectRows({0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
  options.floating_point_precision = 23;
  Result<std::vector<double>> g =
      Gradient(small, std::vector<double>(d.begin(), d.end() - 1), options);
  ASSERT_OK(g);
  double plain = 0;
  for (size_t r = 0; r < 10; ++r) plain += rows[r][0] * d[r];
  EXPECT_NEAR((*g)[0], plain / 10, 1e-15);
}

TEST_F(LinearModelTest, RejectsMismatchedShapes) {
  EXPECT_TRUE(FeatureMatrix::FromRows({{1, 2}, {3}}).status().IsInvalidArgument());
  LinearWeights three{{1, 2, 3}, false};
  EXPECT_TRUE(LinearPredictor(x_, three).status().IsInvalidArgument());
  EXPECT_TRUE(ForeGradient({1.0}, {1, -1}).status().IsInvalidArgument());
  EXPECT_TRUE(Gradient(x_, {1.0}, {}).status().IsInvalidArgument());
  EXPECT_TRUE(TaylorLoss({}, {}).status().IsInvalidArgument());
}

TEST_F(LinearModelTest, NumpyRandomMatchesNumpySeedZero) {
  // numpy.random.seed(0); numpy.random.rand(3) and, after seed(0) again, randn(3).
  NumpyRandom u(0);
  EXPECT_EQ(u.Uniform(), 0.5488135039273248);
  EXPECT_EQ(u.Uniform(), 0.7151893663724195);
  EXPECT_EQ(u.Uniform(), 0.6027633760716439);
  NumpyRandom n(0);
  EXPECT_NEAR(n.Normal(), 1.764052345967664, 1e-15);
  EXPECT_NEAR(n.Normal(), 0.4001572083672233, 1e-15);
  EXPECT_NEAR(n.Normal(), 0.9787379841057392, 1e-15);
}

TEST_F(LinearModelTest, InitWeights) {
  InitParam p;
  p.method = InitMethod::kZeros;
  LinearWeights zeros = InitWeights(3, p);
  EXPECT_TRUE(zeros.fit_intercept);
  EXPECT_EQ(zeros.values, (std::vector<double>{0, 0, 0, 0}));
  EXPECT_EQ(zeros.coef_size(), 3u);
  p.method = InitMethod::kConst;
  p.init_const = 0.3;
  p.fit_intercept = false;
  LinearWeights constant = InitWeights(2, p);
  EXPECT_EQ(constant.values, (std::vector<double>{0.3, 0.3}));
  EXPECT_EQ(constant.intercept(), 0.0);
  p.method = InitMethod::kOnes;
  EXPECT_EQ(InitWeights(1, p).values, (std::vector<double>{1}));
  p.method = InitMethod::kRandomUniform;
  p.random_seed = 0;
  p.fit_intercept = true;
  LinearWeights uniform = InitWeights(2, p);  // intercept drawn last, like the coefficients
  EXPECT_EQ(uniform.values,
            (std::vector<double>{0.5488135039273248, 0.7151893663724195, 0.6027633760716439}));
  EXPECT_EQ(uniform.intercept(), 0.6027633760716439);
  EXPECT_EQ(*ParseInitMethod("random_normal"), InitMethod::kRandomNormal);
  EXPECT_TRUE(ParseInitMethod("xavier").status().IsInvalidArgument());
}

TEST_F(LinearModelTest, MiniBatches) {
  Result<std::vector<std::vector<size_t>>> full = MiniBatchIndexes(5, -1);
  ASSERT_OK(full);
  EXPECT_EQ(*full, (std::vector<std::vector<size_t>>{{0, 1, 2, 3, 4}}));
  EXPECT_EQ(MiniBatchIndexes(5, 9)->size(), 1u);  // batch_size >= n: one batch
  Result<std::vector<std::vector<size_t>>> b = MiniBatchIndexes(10, 4);
  ASSERT_OK(b);
  EXPECT_EQ(*b, (std::vector<std::vector<size_t>>{{0, 1, 2, 3}, {4, 5, 6, 7}, {8, 9}}));
  std::mt19937 rng(9);
  Result<std::vector<std::vector<size_t>>> shuffled = MiniBatchIndexes(10, 3, &rng);
  ASSERT_OK(shuffled);
  ASSERT_EQ(shuffled->size(), 4u);
  std::set<size_t> seen;
  for (const auto& batch : *shuffled) seen.insert(batch.begin(), batch.end());
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_TRUE(MiniBatchIndexes(10, 0).status().IsInvalidArgument());
  EXPECT_TRUE(MiniBatchIndexes(10, -2).status().IsInvalidArgument());
  EXPECT_TRUE(MiniBatchIndexes(0, -1).status().IsInvalidArgument());
}

TEST_F(LinearModelTest, ConvergenceChecks) {
  ConvergenceCheck diff(EarlyStop::kDiff, 1e-4);
  EXPECT_FALSE(diff.IsConvergedLoss(0.5));  // no previous loss
  EXPECT_FALSE(diff.IsConvergedLoss(0.4));
  EXPECT_TRUE(diff.IsConvergedLoss(0.40005));
  EXPECT_FALSE(diff.IsConvergedLoss(0.40020));  // compared with the last loss only

  ConvergenceCheck abs(EarlyStop::kAbs, 0.1);
  EXPECT_FALSE(abs.IsConvergedLoss(0.2));
  EXPECT_TRUE(abs.IsConvergedLoss(0.1));

  ConvergenceCheck step(EarlyStop::kWeightDiff, 0.5);
  EXPECT_TRUE(step.IsConvergedStep({0.3, 0.3}));   // norm 0.424
  EXPECT_FALSE(step.IsConvergedStep({0.3, 0.4}));  // norm 0.5
  EXPECT_FALSE(step.IsConvergedLoss(0.0));

  ConvergenceCheck weights(EarlyStop::kWeightDiff, 0.1);
  EXPECT_FALSE(weights.IsConvergedWeights({3, 4}));
  EXPECT_TRUE(weights.IsConvergedWeights({3, 4.4}));     // 0.4 < 0.1 * 5.33
  EXPECT_FALSE(weights.IsConvergedWeights({3.6, 4.4}));  // 0.6 > 0.1 * 5.69

  EXPECT_EQ(*ParseEarlyStop("weight_diff"), EarlyStop::kWeightDiff);
  EXPECT_TRUE(ParseEarlyStop("loss").status().IsInvalidArgument());
}

TEST_F(LinearModelTest, PredictLabelIsStrictlyAboveThreshold) {
  EXPECT_EQ(PredictLabel(0.5), 0);
  EXPECT_EQ(PredictLabel(0.5000001), 1);
  EXPECT_EQ(PredictLabel(0.3, 0.2), 1);
}

}  // namespace
}  // namespace fedflow::ml
