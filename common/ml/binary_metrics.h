#pragma once

// Binary classification metrics of FATE 1.x's Evaluation module (federatedml/evaluation), so
// that fedflow's evaluation component reports the numbers FATE reports for the same scores.
//
// Labels: a label equal to 1 is positive, any other value negative. FATE's Evaluation maps
// `pos_label` to 1 and every other label to 0 before computing metrics; callers do the same.
//
// Threshold layouts (FATE's ThresholdCutter; `score > threshold` predicts positive, strictly):
//  - CutByIndex (KS): scores sorted descending (duplicates kept), threshold c = scores[int(n *
//    c/100)] for c = 0..99, cut c/100.
//  - CutByStep (precision, recall, accuracy, lift, gain): the distinct scores sorted
//    descending, threshold i = distinct[int(m * (i * 0.01))] for i = 0..99 (m distinct scores;
//    repeats when m < 100), cut i * 0.01. Precision and recall add a 101st threshold
//    min(thresholds) - 0.001 with cut 1 (every sample predicted positive); accuracy computes
//    that point and drops it (100 points); lift and gain have the 100 points only.
// The floating-point arithmetic (i * 0.01, c / 100, truncation toward zero) is FATE's, so the
// same thresholds are chosen.
//
// Not provided: roc (sklearn roc_curve with drop_intermediate, then 100 sampled points),
// confusion_mat, f1_score, psi, quantile_pr. Their building blocks (ConfusionAt, the cutters)
// are here.

#include <cstdint>
#include <vector>

#include "common/status.h"

namespace fedflow::ml {

// Area under the ROC curve as sklearn.metrics.roc_auc_score computes it (FATE's auc): the
// trapezoidal area over the ROC points at each distinct score, so tied scores of a positive and
// a negative count one half. Exact: computed from integer counts. InvalidArgument when the
// sizes differ, the input is empty, or only one class is present (sklearn raises there).
Result<double> RocAuc(const std::vector<double>& scores, const std::vector<int>& labels);

// Thresholds and their cuts (the fraction of the ranking each threshold stands for).
struct ThresholdCuts {
  std::vector<double> thresholds;
  std::vector<double> cuts;
};

// FATE's ThresholdCutter.cut_by_index over the given scores (any order; sorted here).
ThresholdCuts CutByIndex(const std::vector<double>& scores);
// FATE's ThresholdCutter.cut_by_step over the given scores (any order).
ThresholdCuts CutByStep(const std::vector<double>& scores);

// Confusion counts per threshold, predicting positive when score > threshold.
struct ConfusionCounts {
  std::vector<int64_t> tp;
  std::vector<int64_t> fp;
  std::vector<int64_t> fn;
  std::vector<int64_t> tn;
};
ConfusionCounts ConfusionAt(const std::vector<double>& scores, const std::vector<int>& labels,
                            const std::vector<double>& thresholds);

// FATE's KS: the largest TPR - FPR over the 100 CutByIndex thresholds. `fpr`, `tpr` and `cuts`
// have FATE's 101 entries (a final 1.0 appended); `thresholds` the 100 thresholds.
// InvalidArgument without both classes (FATE asserts).
struct KsResult {
  double ks = 0;
  std::vector<double> fpr;
  std::vector<double> tpr;
  std::vector<double> thresholds;
  std::vector<double> cuts;
};
Result<KsResult> Ks(const std::vector<double>& scores, const std::vector<int>& labels);

// A per-threshold curve: values[i] at thresholds[i] and cuts[i].
struct ThresholdCurve {
  std::vector<double> values;
  std::vector<double> thresholds;
  std::vector<double> cuts;
};

// Precision tp / (tp + fp) of the positive class at the 101 CutByStep points; 1.0 where no
// sample is predicted positive (FATE's impute value).
Result<ThresholdCurve> PrecisionCurve(const std::vector<double>& scores,
                                      const std::vector<int>& labels);
// Recall tp / (tp + fn) at the 101 CutByStep points; NaN everywhere when there is no positive
// sample (numpy's 0/0, as FATE).
Result<ThresholdCurve> RecallCurve(const std::vector<double>& scores,
                                   const std::vector<int>& labels);
// Accuracy (tp + tn) / n at the first 100 CutByStep points.
Result<ThresholdCurve> AccuracyCurve(const std::vector<double>& scores,
                                     const std::vector<int>& labels);

// Lift or gain at the 100 CutByStep points, for the positive class (`x`, `y`) and, as FATE also
// computes, for the negative class with the roles of the classes swapped (`neg_x`, `neg_y`).
//  lift: x = (tp + fp) / n, y = precision / ((tp + fn) / n), precision 1 when nothing is
//        predicted positive, y = DBL_MAX when there is no positive sample.
//  gain: x = (tp + fp) / n, y = tp / (tp + fn), 1 when there is no positive sample.
struct LiftGainCurve {
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> neg_x;
  std::vector<double> neg_y;
  std::vector<double> thresholds;
};
Result<LiftGainCurve> LiftCurve(const std::vector<double>& scores, const std::vector<int>& labels);
Result<LiftGainCurve> GainCurve(const std::vector<double>& scores, const std::vector<int>& labels);

// What FATE's Evaluation does to lift, gain and precision-recall curves before saving them:
// keeps, for each distinct x (in order of first appearance), the point with the largest y (the
// first such point on ties). Returns the indexes of the kept points.
std::vector<size_t> KeepMaxYPerX(const std::vector<double>& x, const std::vector<double>& y);

// numpy.round(x, decimals) (FATE rounds reported metrics to 6 decimals): rint(x * 10^d) / 10^d,
// halves to even.
double RoundLikeNumpy(double x, int decimals);

}  // namespace fedflow::ml
