// One or two steps of each optimizer against the update rules written out by hand, learning
// rate decay, L1 / L2 / no penalty, and the loss penalty terms.
#include "common/ml/optimizer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/harness/test_util.h"

namespace fedflow::ml {
namespace {

class OptimizerTest : public fedflow::testing::FedflowTest {
 protected:
  OptimizerTest() {
    w_.values = {0.5, -0.5, 0.3};  // two coefficients and the intercept
    w_.fit_intercept = true;
  }

  static OptimizerOptions Options(OptimizerType type, Penalty penalty = Penalty::kL2) {
    OptimizerOptions o;
    o.type = type;
    o.learning_rate = 0.15;
    o.alpha = 0.1;
    o.penalty = penalty;
    o.decay = 1;
    o.decay_sqrt = true;
    return o;
  }

  // Gradient plus the L2 term 0.1 * coef on the coefficients: (0.25, -0.45, 0.1).
  const std::vector<double> grad_ = {0.2, -0.4, 0.1};
  const std::vector<double> regularized_ = {0.25, -0.45, 0.1};
  LinearWeights w_;
};

void ExpectNear(const std::vector<double>& got, const std::vector<double>& want, double tol) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << "index " << i;
}

TEST_F(OptimizerTest, LearningRateDecay) {
  Optimizer sqrt_decay(Options(OptimizerType::kSgd));
  EXPECT_EQ(sqrt_decay.DecayedLearningRate(), 0.15);  // iteration 0
  sqrt_decay.set_iters(3);
  EXPECT_DOUBLE_EQ(sqrt_decay.DecayedLearningRate(), 0.15 / 2);  // 0.15 / sqrt(1 + 3)
  OptimizerOptions o = Options(OptimizerType::kSgd);
  o.decay_sqrt = false;
  o.decay = 0.5;
  Optimizer linear_decay(o);
  linear_decay.set_iters(4);
  EXPECT_DOUBLE_EQ(linear_decay.DecayedLearningRate(), 0.15 / 3);  // 0.15 / (1 + 0.5 * 4)
}

TEST_F(OptimizerTest, L2TermGoesOnCoefficientsOnly) {
  Optimizer opt(Options(OptimizerType::kSgd));
  Result<std::vector<double>> g = opt.AddRegularToGrad(grad_, w_);
  ASSERT_OK(g);
  ExpectNear(*g, regularized_, 1e-15);
  Optimizer l1(Options(OptimizerType::kSgd, Penalty::kL1));
  EXPECT_EQ(*l1.AddRegularToGrad(grad_, w_), grad_);
}

TEST_F(OptimizerTest, SgdStep) {
  Optimizer opt(Options(OptimizerType::kSgd));
  Result<LinearWeights> w = opt.UpdateModel(w_, grad_, /*has_applied=*/false);
  ASSERT_OK(w);
  // delta = 0.15 * (0.25, -0.45, 0.1) = (0.0375, -0.0675, 0.015).
  ExpectNear(w->values, {0.4625, -0.4325, 0.285}, 1e-15);
  EXPECT_TRUE(w->fit_intercept);
}

TEST_F(OptimizerTest, RmspropTwoSteps) {
  Optimizer opt(Options(OptimizerType::kRmsprop));
  Result<std::vector<double>> d1 = opt.ApplyGradients(regularized_);
  ASSERT_OK(d1);
  // m = 0.01 g^2; delta = 0.15 g / sqrt(m + 1e-6). For g = 0.25: 0.0375 / sqrt(0.000626).
  EXPECT_NEAR((*d1)[0], 0.0375 / std::sqrt(0.000626), 1e-12);
  EXPECT_NEAR((*d1)[1], -0.0675 / std::sqrt(0.0020260), 1e-12);
  EXPECT_NEAR((*d1)[2], 0.015 / std::sqrt(0.000101), 1e-12);
  // Second iteration, same gradient: m = 0.99 * 0.01 g^2 + 0.01 g^2 = 0.0199 g^2, lr 0.15/sqrt 2.
  opt.set_iters(1);
  Result<std::vector<double>> d2 = opt.ApplyGradients(regularized_);
  ASSERT_OK(d2);
  const double lr = 0.15 / std::sqrt(2.0);
  EXPECT_NEAR((*d2)[0], lr * 0.25 / std::sqrt(0.0199 * 0.0625 + 1e-6), 1e-12);
  EXPECT_NEAR((*d2)[1], lr * -0.45 / std::sqrt(0.0199 * 0.2025 + 1e-6), 1e-12);
}

TEST_F(OptimizerTest, AdagradStep) {
  Optimizer opt(Options(OptimizerType::kAdagrad));
  Result<std::vector<double>> d = opt.ApplyGradients(regularized_);
  ASSERT_OK(d);
  // m = g^2; delta = 0.15 g / (|g| + 1e-7).
  ExpectNear(*d,
             {0.15 * 0.25 / (0.25 + 1e-7), 0.15 * -0.45 / (0.45 + 1e-7), 0.15 * 0.1 / (0.1 + 1e-7)},
             1e-14);
  // Second step, same gradient: m = 2 g^2.
  Result<std::vector<double>> d2 = opt.ApplyGradients(regularized_);
  EXPECT_NEAR((*d2)[0], 0.15 * 0.25 / (std::sqrt(2 * 0.0625) + 1e-7), 1e-14);
}

TEST_F(OptimizerTest, AdamTwoSteps) {
  Optimizer opt(Options(OptimizerType::kAdam));
  Result<std::vector<double>> d1 = opt.ApplyGradients(regularized_);
  ASSERT_OK(d1);
  // m = 0.1 g, v = 0.001 g^2, bias-corrected back to g and g^2: delta = 0.15 g / (|g| + 1e-8).
  ExpectNear(*d1,
             {0.15 * 0.25 / (0.25 + 1e-8), 0.15 * -0.45 / (0.45 + 1e-8), 0.15 * 0.1 / (0.1 + 1e-8)},
             1e-12);
  // Same gradient again: m = 0.19 g over 1 - 0.81, v = 0.001999 g^2 over 1 - 0.998001.
  opt.set_iters(1);
  Result<std::vector<double>> d2 = opt.ApplyGradients(regularized_);
  ASSERT_OK(d2);
  EXPECT_NEAR((*d2)[0], 0.15 / std::sqrt(2.0) * 0.25 / (0.25 + 1e-8), 1e-12);
}

TEST_F(OptimizerTest, NesterovMomentumTwoSteps) {
  Optimizer opt(Options(OptimizerType::kNesterovMomentumSgd));
  Result<std::vector<double>> d1 = opt.ApplyGradients(regularized_);
  ASSERT_OK(d1);
  // v1 = -0.15 g; delta = 0.9 * 0 - 1.9 v1 = 0.285 g.
  ExpectNear(*d1, {0.285 * 0.25, 0.285 * -0.45, 0.285 * 0.1}, 1e-15);
  opt.set_iters(1);
  Result<std::vector<double>> d2 = opt.ApplyGradients(regularized_);
  ASSERT_OK(d2);
  // v2 = 0.9 v1 - lr2 g; delta = 0.9 v1 - 1.9 v2.
  const double lr2 = 0.15 / std::sqrt(2.0);
  const double v1 = -0.15 * 0.25;
  const double v2 = 0.9 * v1 - lr2 * 0.25;
  EXPECT_NEAR((*d2)[0], 0.9 * v1 - 1.9 * v2, 1e-15);
}

TEST_F(OptimizerTest, L1ShrinksCoefficients) {
  Optimizer opt(Options(OptimizerType::kSgd, Penalty::kL1));
  opt.set_iters(4);
  // lr 0.15 / sqrt(5); shrinkage 0.1 * 0.15 / sqrt(4) = 0.0075; the gradient has no L1 term.
  const double lr = 0.15 / std::sqrt(5.0);
  LinearWeights w = w_;
  w.values[1] = -0.025;  // moves to -0.025 + 0.4 lr = 0.00183, within the shrinkage
  Result<LinearWeights> out = opt.UpdateModel(w, grad_, /*has_applied=*/false);
  ASSERT_OK(out);
  EXPECT_NEAR(out->values[0], 0.5 - lr * 0.2 - 0.0075, 1e-15);
  EXPECT_EQ(out->values[1], 0.0);
  EXPECT_NEAR(out->values[2], 0.3 - lr * 0.1, 1e-15);  // the intercept is not shrunk
}

TEST_F(OptimizerTest, L1AtIterationZeroZeroesCoefficientsAsFateDoes) {
  Optimizer opt(Options(OptimizerType::kSgd, Penalty::kL1));
  EXPECT_TRUE(std::isinf(opt.ShrinkageValue()));
  Result<LinearWeights> out = opt.UpdateModel(w_, grad_, /*has_applied=*/false);
  ASSERT_OK(out);
  EXPECT_EQ(std::fabs(out->values[0]), 0.0);
  EXPECT_EQ(std::fabs(out->values[1]), 0.0);
  EXPECT_NEAR(out->values[2], 0.3 - 0.15 * 0.1, 1e-15);  // the intercept moves normally
  OptimizerOptions no_alpha = Options(OptimizerType::kSgd, Penalty::kL1);
  no_alpha.alpha = 0;
  Optimizer nan_opt(no_alpha);
  Result<LinearWeights> nan_out = nan_opt.UpdateModel(w_, grad_, false);
  ASSERT_OK(nan_out);
  EXPECT_TRUE(std::isnan(nan_out->values[0]));  // 0 * inf, as numpy
}

TEST_F(OptimizerTest, NoPenaltySubtractsTheStep) {
  Optimizer opt(Options(OptimizerType::kSgd, Penalty::kNone));
  Result<LinearWeights> out = opt.UpdateModel(w_, grad_, /*has_applied=*/false);
  ASSERT_OK(out);
  ExpectNear(out->values, {0.5 - 0.03, -0.5 + 0.06, 0.3 - 0.015}, 1e-15);
  EXPECT_FALSE(opt.LossNorm(w_).has_value());
}

TEST_F(OptimizerTest, HasAppliedUsesTheGivenStep) {
  Optimizer opt(Options(OptimizerType::kRmsprop));
  Result<LinearWeights> out = opt.UpdateModel(w_, {0.1, 0.1, 0.1});
  ASSERT_OK(out);
  ExpectNear(out->values, {0.4, -0.6, 0.2}, 1e-15);
}

TEST_F(OptimizerTest, LossNorms) {
  // coef (0.5, -0.5): L2 0.5 * 0.1 * 0.5, L1 0.1 * 1.0; the intercept is not penalised.
  EXPECT_DOUBLE_EQ(*Optimizer(Options(OptimizerType::kSgd)).LossNorm(w_), 0.025);
  EXPECT_DOUBLE_EQ(*Optimizer(Options(OptimizerType::kSgd, Penalty::kL1)).LossNorm(w_), 0.1);
}

TEST_F(OptimizerTest, ParsesAndRejects) {
  EXPECT_EQ(*ParsePenalty("l2"), Penalty::kL2);
  EXPECT_EQ(*ParsePenalty("L1"), Penalty::kL1);
  EXPECT_EQ(*ParsePenalty(""), Penalty::kNone);
  EXPECT_TRUE(ParsePenalty("L3").status().IsInvalidArgument());
  EXPECT_EQ(*ParseOptimizerType("nesterov_momentum_sgd"), OptimizerType::kNesterovMomentumSgd);
  EXPECT_TRUE(ParseOptimizerType("sqn").status().IsInvalidArgument());
  Optimizer opt(Options(OptimizerType::kAdam));
  ASSERT_OK(opt.ApplyGradients({1, 2}));
  EXPECT_TRUE(opt.ApplyGradients({1, 2, 3}).status().IsInvalidArgument());
  EXPECT_TRUE(opt.RegularizationUpdate(w_, {1}).status().IsInvalidArgument());
}

}  // namespace
}  // namespace fedflow::ml
