// Binary evaluation metrics against hand-worked values and brute-force definitions: AUC with
// ties, FATE's KS, precision / recall / accuracy / lift / gain at FATE's threshold layout.
#include "common/ml/binary_metrics.h"

#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <random>
#include <vector>

#include "tests/harness/test_util.h"

namespace fedflow::ml {
namespace {

class BinaryMetricsTest : public fedflow::testing::FedflowTest {
 protected:
  // sklearn's documented example, with FATE's threshold layout easy to follow by hand:
  // descending distinct scores 0.8 (pos), 0.4 (neg), 0.35 (pos), 0.1 (neg).
  const std::vector<double> scores_ = {0.1, 0.4, 0.35, 0.8};
  const std::vector<int> labels_ = {0, 0, 1, 1};
};

// AUC by its pairwise definition: P(score_pos > score_neg) + 0.5 P(equal).
double PairwiseAuc(const std::vector<double>& scores, const std::vector<int>& labels) {
  double wins = 0, pairs = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    if (labels[i] != 1) continue;
    for (size_t j = 0; j < scores.size(); ++j) {
      if (labels[j] == 1) continue;
      pairs += 1;
      if (scores[i] > scores[j]) wins += 1;
      if (scores[i] == scores[j]) wins += 0.5;
    }
  }
  return wins / pairs;
}

TEST_F(BinaryMetricsTest, AucOfTheSklearnExample) {
  Result<double> auc = RocAuc(scores_, labels_);
  ASSERT_OK(auc);
  EXPECT_DOUBLE_EQ(*auc, 0.75);
}

TEST_F(BinaryMetricsTest, AucCountsTiesAsHalf) {
  // Positives 0.35, 0.8, 0.4; negatives 0.1, 0.4. Pairs won: 0.35>0.1, 0.8>0.1, 0.8>0.4,
  // 0.4>0.1, and 0.4=0.4 is half: 4.5 of 6.
  Result<double> auc = RocAuc({0.1, 0.4, 0.35, 0.8, 0.4}, {0, 0, 1, 1, 1});
  ASSERT_OK(auc);
  EXPECT_DOUBLE_EQ(*auc, 0.75);
  // All scores equal: every pair is a tie.
  Result<double> flat = RocAuc({0.5, 0.5, 0.5, 0.5}, {1, 0, 1, 0});
  ASSERT_OK(flat);
  EXPECT_DOUBLE_EQ(*flat, 0.5);
}

TEST_F(BinaryMetricsTest, AucMatchesPairwiseDefinitionOnTiedRandomData) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> bucket(0, 20);  // many ties
  std::bernoulli_distribution coin(0.4);
  std::vector<double> scores;
  std::vector<int> labels;
  for (int i = 0; i < 500; ++i) {
    scores.push_back(bucket(rng) / 20.0);
    labels.push_back(coin(rng) ? 1 : 0);
  }
  Result<double> auc = RocAuc(scores, labels);
  ASSERT_OK(auc);
  EXPECT_NEAR(*auc, PairwiseAuc(scores, labels), 1e-12);
}

TEST_F(BinaryMetricsTest, AucRejectsBadInput) {
  EXPECT_TRUE(RocAuc({0.1, 0.2}, {1, 1}).status().IsInvalidArgument());  // one class
  EXPECT_TRUE(RocAuc({0.1, 0.2}, {1}).status().IsInvalidArgument());
  EXPECT_TRUE(RocAuc({}, {}).status().IsInvalidArgument());
  EXPECT_TRUE(RocAuc({0.1, NAN}, {1, 0}).status().IsInvalidArgument());
}

TEST_F(BinaryMetricsTest, KsAtFatesIndexThresholds) {
  // Sorted descending: 0.8, 0.4, 0.35, 0.1. Cut c picks index int(4 * c / 100): 0.8 for c < 25,
  // 0.4 for 25..49, 0.35 for 50..74, 0.1 for 75..99.
  Result<KsResult> ks = Ks(scores_, labels_);
  ASSERT_OK(ks);
  ASSERT_EQ(ks->thresholds.size(), 100u);
  ASSERT_EQ(ks->tpr.size(), 101u);
  ASSERT_EQ(ks->fpr.size(), 101u);
  ASSERT_EQ(ks->cuts.size(), 101u);
  EXPECT_EQ(ks->thresholds[10], 0.8);
  EXPECT_EQ(ks->thresholds[30], 0.4);
  EXPECT_EQ(ks->thresholds[60], 0.35);
  EXPECT_EQ(ks->thresholds[90], 0.1);
  // score > 0.8: nothing; > 0.4: {0.8}; > 0.35: {0.8, 0.4}; > 0.1: {0.8, 0.4, 0.35}.
  EXPECT_EQ(ks->tpr[10], 0.0);
  EXPECT_EQ(ks->fpr[10], 0.0);
  EXPECT_EQ(ks->tpr[30], 0.5);
  EXPECT_EQ(ks->fpr[30], 0.0);
  EXPECT_EQ(ks->tpr[60], 0.5);
  EXPECT_EQ(ks->fpr[60], 0.5);
  EXPECT_EQ(ks->tpr[90], 1.0);
  EXPECT_EQ(ks->fpr[90], 0.5);
  EXPECT_EQ(ks->tpr[100], 1.0);
  EXPECT_EQ(ks->fpr[100], 1.0);
  EXPECT_DOUBLE_EQ(ks->cuts[30], 0.3);
  EXPECT_EQ(ks->cuts[100], 1.0);
  EXPECT_DOUBLE_EQ(ks->ks, 0.5);
}

TEST_F(BinaryMetricsTest, KsOfPerfectSeparation) {
  Result<KsResult> ks = Ks({0.9, 0.8, 0.2, 0.1}, {1, 1, 0, 0});
  ASSERT_OK(ks);
  EXPECT_DOUBLE_EQ(ks->ks, 1.0);  // threshold 0.2 (cuts 50..74): both positives, no negative
  EXPECT_TRUE(Ks({0.9, 0.8}, {1, 1}).status().IsInvalidArgument());
}

TEST_F(BinaryMetricsTest, CutByStepSamplesDistinctScores) {
  // 200 distinct scores k / 200: threshold i is distinct[int(200 * i * 0.01)] = distinct[2i].
  std::vector<double> scores;
  for (int k = 1; k <= 200; ++k) scores.push_back(k / 200.0);
  ThresholdCuts cut = CutByStep(scores);
  ASSERT_EQ(cut.thresholds.size(), 100u);
  EXPECT_EQ(cut.thresholds[0], 1.0);
  EXPECT_EQ(cut.thresholds[50], 100 / 200.0);  // distinct[100] = (200 - 100) / 200
  EXPECT_EQ(cut.cuts[50], 50 * 0.01);
  // Fewer than 100 distinct scores repeat thresholds; duplicates do not count.
  ThresholdCuts few = CutByStep({0.3, 0.3, 0.3, 0.7});
  EXPECT_EQ(few.thresholds[0], 0.7);
  EXPECT_EQ(few.thresholds[49], 0.7);
  EXPECT_EQ(few.thresholds[51], 0.3);
  EXPECT_EQ(few.thresholds[99], 0.3);
}

TEST_F(BinaryMetricsTest, PrecisionAndRecallCurves) {
  Result<ThresholdCurve> precision = PrecisionCurve(scores_, labels_);
  Result<ThresholdCurve> recall = RecallCurve(scores_, labels_);
  ASSERT_OK(precision);
  ASSERT_OK(recall);
  ASSERT_EQ(precision->values.size(), 101u);
  ASSERT_EQ(recall->values.size(), 101u);
  // Distinct scores 0.8, 0.4, 0.35, 0.1: index int(4 * i * 0.01) as for KS.
  EXPECT_EQ(precision->thresholds[10], 0.8);
  EXPECT_EQ(precision->values[10], 1.0);  // nothing predicted positive: FATE's impute value
  EXPECT_EQ(recall->values[10], 0.0);
  EXPECT_EQ(precision->values[30], 1.0);  // {0.8}
  EXPECT_EQ(recall->values[30], 0.5);
  EXPECT_EQ(precision->values[60], 0.5);  // {0.8, 0.4}
  EXPECT_EQ(recall->values[60], 0.5);
  EXPECT_DOUBLE_EQ(precision->values[90], 2.0 / 3);  // {0.8, 0.4, 0.35}
  EXPECT_EQ(recall->values[90], 1.0);
  // The added end point: min threshold - 0.001, every sample positive.
  EXPECT_DOUBLE_EQ(precision->thresholds[100], 0.1 - 0.001);
  EXPECT_EQ(precision->cuts[100], 1.0);
  EXPECT_EQ(precision->values[100], 0.5);
  EXPECT_EQ(recall->values[100], 1.0);
  // Recall without positives is numpy's 0 / 0.
  Result<ThresholdCurve> no_pos = RecallCurve({0.1, 0.2}, {0, 0});
  ASSERT_OK(no_pos);
  EXPECT_TRUE(std::isnan(no_pos->values[0]));
}

TEST_F(BinaryMetricsTest, AccuracyCurveDropsTheEndPoint) {
  Result<ThresholdCurve> acc = AccuracyCurve(scores_, labels_);
  ASSERT_OK(acc);
  ASSERT_EQ(acc->values.size(), 100u);
  ASSERT_EQ(acc->thresholds.size(), 100u);
  ASSERT_EQ(acc->cuts.size(), 100u);
  EXPECT_EQ(acc->values[10], 0.5);   // tn 2
  EXPECT_EQ(acc->values[30], 0.75);  // tp 1, tn 2
  EXPECT_EQ(acc->values[60], 0.5);   // tp 1, tn 1
  EXPECT_EQ(acc->values[90], 0.75);  // tp 2, tn 1
}

TEST_F(BinaryMetricsTest, LiftAndGainForBothClasses) {
  Result<LiftGainCurve> lift = LiftCurve(scores_, labels_);
  Result<LiftGainCurve> gain = GainCurve(scores_, labels_);
  ASSERT_OK(lift);
  ASSERT_OK(gain);
  ASSERT_EQ(lift->x.size(), 100u);
  ASSERT_EQ(gain->y.size(), 100u);
  // Threshold 0.4: tp 1, fp 0, fn 1, tn 2 of n = 4.
  EXPECT_EQ(lift->x[30], 0.25);
  EXPECT_EQ(lift->y[30], 2.0);  // precision 1 / positive share 0.5
  EXPECT_EQ(gain->x[30], 0.25);
  EXPECT_EQ(gain->y[30], 0.5);
  // Negative class: predicted negative 3 (tn 2, fn 1), 2 negatives in all.
  EXPECT_EQ(lift->neg_x[30], 0.75);
  EXPECT_DOUBLE_EQ(lift->neg_y[30], (2.0 / 3) / 0.5);
  EXPECT_EQ(gain->neg_y[30], 1.0);
  // Threshold 0.8: nothing predicted positive; precision counts as 1.
  EXPECT_EQ(lift->x[0], 0.0);
  EXPECT_EQ(lift->y[0], 2.0);
  EXPECT_EQ(gain->y[0], 0.0);
  // No positive sample at all: FATE's float max lift and gain 1.
  Result<LiftGainCurve> no_pos = LiftCurve({0.1, 0.2}, {0, 0});
  ASSERT_OK(no_pos);
  EXPECT_EQ(no_pos->y[0], DBL_MAX);
  Result<LiftGainCurve> no_pos_gain = GainCurve({0.1, 0.2}, {0, 0});
  ASSERT_OK(no_pos_gain);
  EXPECT_EQ(no_pos_gain->y[0], 1.0);
}

TEST_F(BinaryMetricsTest, KeepMaxYPerXKeepsFirstAppearanceOrder) {
  std::vector<size_t> kept = KeepMaxYPerX({0, 0.25, 0.25, 0.5, 0.25}, {1, 2, 3, 1, 3});
  EXPECT_EQ(kept, (std::vector<size_t>{0, 2, 3}));
}

TEST_F(BinaryMetricsTest, RoundsLikeNumpy) {
  EXPECT_EQ(RoundLikeNumpy(0.125, 2), 0.12);  // halves go to even
  EXPECT_EQ(RoundLikeNumpy(0.375, 2), 0.38);
  EXPECT_EQ(RoundLikeNumpy(0.9751861, 6), 0.975186);
}

}  // namespace
}  // namespace fedflow::ml
