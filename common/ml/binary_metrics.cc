#include "common/ml/binary_metrics.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <functional>
#include <string>
#include <unordered_map>

namespace fedflow::ml {
namespace {

constexpr int kNumCuts = 100;

Status CheckInput(const std::vector<double>& scores, const std::vector<int>& labels,
                  const char* metric) {
  if (scores.size() != labels.size()) {
    return Status::InvalidArgument(std::string(metric) + ": " + std::to_string(scores.size()) +
                                   " scores but " + std::to_string(labels.size()) + " labels");
  }
  if (scores.empty()) return Status::InvalidArgument(std::string(metric) + ": no samples");
  for (size_t i = 0; i < scores.size(); ++i) {
    if (std::isnan(scores[i])) {
      return Status::InvalidArgument(std::string(metric) + ": score " + std::to_string(i) +
                                     " is NaN");
    }
  }
  return Status::OK();
}

int64_t CountPositives(const std::vector<int>& labels) {
  return std::count(labels.begin(), labels.end(), 1);
}

Status CheckBothClasses(const std::vector<int>& labels, const char* metric) {
  int64_t pos = CountPositives(labels);
  int64_t neg = static_cast<int64_t>(labels.size()) - pos;
  if (pos == 0 || neg == 0) {
    return Status::InvalidArgument(std::string(metric) + ": needs both classes, got " +
                                   std::to_string(pos) + " positive and " + std::to_string(neg) +
                                   " negative samples");
  }
  return Status::OK();
}

std::vector<double> SortedDescending(std::vector<double> v) {
  std::sort(v.begin(), v.end(), std::greater<double>());
  return v;
}

// CutByStep plus FATE's extra point below the smallest chosen threshold.
ThresholdCuts CutByStepWithEnd(const std::vector<double>& scores) {
  ThresholdCuts cut = CutByStep(scores);
  double min_threshold = *std::min_element(cut.thresholds.begin(), cut.thresholds.end());
  cut.thresholds.push_back(min_threshold - 0.001);
  cut.cuts.push_back(1.0);
  return cut;
}

// FATE's Lift._lift_helper / Gain._gain_helper for one threshold and one class.
struct ClassCounts {
  double tp, fp, fn, tn;
};

double LiftY(const ClassCounts& c, double n) {
  double denominator = n == 0 ? 1 : (c.tp + c.fn) / n;
  double numerator = (c.tp + c.fp) == 0 ? 1 : c.tp / (c.tp + c.fp);
  return denominator == 0 ? DBL_MAX : numerator / denominator;
}

double GainY(const ClassCounts& c) {
  double positives = c.tp + c.fn;
  return positives == 0 ? 1 : c.tp / positives;
}

double PredictedShare(const ClassCounts& c, double n) { return n == 0 ? 1 : (c.tp + c.fp) / n; }

Result<LiftGainCurve> LiftOrGain(const std::vector<double>& scores, const std::vector<int>& labels,
                                 bool lift) {
  RETURN_NOT_OK(CheckInput(scores, labels, lift ? "lift" : "gain"));
  ThresholdCuts cut = CutByStep(scores);
  ConfusionCounts cm = ConfusionAt(scores, labels, cut.thresholds);
  const double n = static_cast<double>(labels.size());
  LiftGainCurve out;
  for (size_t i = 0; i < cut.thresholds.size(); ++i) {
    ClassCounts pos{static_cast<double>(cm.tp[i]), static_cast<double>(cm.fp[i]),
                    static_cast<double>(cm.fn[i]), static_cast<double>(cm.tn[i])};
    ClassCounts neg{pos.tn, pos.fn, pos.fp, pos.tp};
    out.x.push_back(PredictedShare(pos, n));
    out.neg_x.push_back(PredictedShare(neg, n));
    out.y.push_back(lift ? LiftY(pos, n) : GainY(pos));
    out.neg_y.push_back(lift ? LiftY(neg, n) : GainY(neg));
  }
  out.thresholds = std::move(cut.thresholds);
  return out;
}

}  // namespace

Result<double> RocAuc(const std::vector<double>& scores, const std::vector<int>& labels) {
  RETURN_NOT_OK(CheckInput(scores, labels, "auc"));
  RETURN_NOT_OK(CheckBothClasses(labels, "auc"));
  std::vector<size_t> order(scores.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  // Twice the area in units of one (positive, negative) pair: each negative in a group of tied
  // scores is beaten by every positive above the group and half-beaten by the group's positives.
  int64_t cum_pos = 0;
  long double twice_area = 0;
  size_t i = 0;
  while (i < order.size()) {
    size_t j = i;
    int64_t group_pos = 0, group_neg = 0;
    while (j < order.size() && scores[order[j]] == scores[order[i]]) {
      (labels[order[j]] == 1 ? group_pos : group_neg) += 1;
      ++j;
    }
    twice_area += static_cast<long double>(group_neg) * (2 * cum_pos + group_pos);
    cum_pos += group_pos;
    i = j;
  }
  int64_t neg = static_cast<int64_t>(labels.size()) - cum_pos;
  return static_cast<double>(twice_area / (2.0L * cum_pos * neg));
}

ThresholdCuts CutByIndex(const std::vector<double>& scores) {
  ThresholdCuts out;
  if (scores.empty()) return out;
  std::vector<double> sorted = SortedDescending(scores);
  const double n = static_cast<double>(sorted.size());
  for (int c = 0; c < kNumCuts; ++c) {
    double cut = c / 100.0;
    out.cuts.push_back(cut);
    out.thresholds.push_back(sorted[static_cast<size_t>(n * cut)]);
  }
  return out;
}

ThresholdCuts CutByStep(const std::vector<double>& scores) {
  ThresholdCuts out;
  if (scores.empty()) return out;
  std::vector<double> distinct = SortedDescending(scores);
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  const double m = static_cast<double>(distinct.size());
  for (int i = 0; i < kNumCuts; ++i) {
    double cut = i * 0.01;  // numpy.arange(0, 1, 0.01)[i]
    out.cuts.push_back(cut);
    out.thresholds.push_back(distinct[static_cast<size_t>(m * cut)]);
  }
  return out;
}

ConfusionCounts ConfusionAt(const std::vector<double>& scores, const std::vector<int>& labels,
                            const std::vector<double>& thresholds) {
  ConfusionCounts out;
  for (double t : thresholds) {
    int64_t tp = 0, fp = 0, fn = 0, tn = 0;
    for (size_t i = 0; i < scores.size(); ++i) {
      bool predicted = scores[i] > t;
      bool positive = labels[i] == 1;
      if (predicted) {
        (positive ? tp : fp) += 1;
      } else {
        (positive ? fn : tn) += 1;
      }
    }
    out.tp.push_back(tp);
    out.fp.push_back(fp);
    out.fn.push_back(fn);
    out.tn.push_back(tn);
  }
  return out;
}

Result<KsResult> Ks(const std::vector<double>& scores, const std::vector<int>& labels) {
  RETURN_NOT_OK(CheckInput(scores, labels, "ks"));
  RETURN_NOT_OK(CheckBothClasses(labels, "ks"));
  const double pos = static_cast<double>(CountPositives(labels));
  const double neg = static_cast<double>(labels.size()) - pos;
  ThresholdCuts cut = CutByIndex(scores);
  ConfusionCounts cm = ConfusionAt(scores, labels, cut.thresholds);
  KsResult out;
  for (size_t i = 0; i < cut.thresholds.size(); ++i) {
    double tpr = cm.tp[i] / pos;
    double fpr = cm.fp[i] / neg;
    out.tpr.push_back(tpr);
    out.fpr.push_back(fpr);
    out.ks = i == 0 ? tpr - fpr : std::max(out.ks, tpr - fpr);
  }
  out.tpr.push_back(1.0);
  out.fpr.push_back(1.0);
  out.cuts = std::move(cut.cuts);
  out.cuts.push_back(1.0);
  out.thresholds = std::move(cut.thresholds);
  return out;
}

Result<ThresholdCurve> PrecisionCurve(const std::vector<double>& scores,
                                      const std::vector<int>& labels) {
  RETURN_NOT_OK(CheckInput(scores, labels, "precision"));
  ThresholdCuts cut = CutByStepWithEnd(scores);
  ConfusionCounts cm = ConfusionAt(scores, labels, cut.thresholds);
  ThresholdCurve out;
  for (size_t i = 0; i < cut.thresholds.size(); ++i) {
    int64_t predicted = cm.tp[i] + cm.fp[i];
    out.values.push_back(
        predicted == 0 ? 1.0 : static_cast<double>(cm.tp[i]) / static_cast<double>(predicted));
  }
  out.thresholds = std::move(cut.thresholds);
  out.cuts = std::move(cut.cuts);
  return out;
}

Result<ThresholdCurve> RecallCurve(const std::vector<double>& scores,
                                   const std::vector<int>& labels) {
  RETURN_NOT_OK(CheckInput(scores, labels, "recall"));
  ThresholdCuts cut = CutByStepWithEnd(scores);
  ConfusionCounts cm = ConfusionAt(scores, labels, cut.thresholds);
  ThresholdCurve out;
  for (size_t i = 0; i < cut.thresholds.size(); ++i) {
    int64_t positives = cm.tp[i] + cm.fn[i];
    out.values.push_back(
        positives == 0 ? NAN : static_cast<double>(cm.tp[i]) / static_cast<double>(positives));
  }
  out.thresholds = std::move(cut.thresholds);
  out.cuts = std::move(cut.cuts);
  return out;
}

Result<ThresholdCurve> AccuracyCurve(const std::vector<double>& scores,
                                     const std::vector<int>& labels) {
  RETURN_NOT_OK(CheckInput(scores, labels, "accuracy"));
  ThresholdCuts cut = CutByStepWithEnd(scores);
  ConfusionCounts cm = ConfusionAt(scores, labels, cut.thresholds);
  ThresholdCurve out;
  const double n = static_cast<double>(labels.size());
  for (size_t i = 0; i + 1 < cut.thresholds.size(); ++i) {
    out.values.push_back(static_cast<double>(cm.tp[i] + cm.tn[i]) / n);
    out.thresholds.push_back(cut.thresholds[i]);
    out.cuts.push_back(cut.cuts[i]);
  }
  return out;
}

Result<LiftGainCurve> LiftCurve(const std::vector<double>& scores, const std::vector<int>& labels) {
  return LiftOrGain(scores, labels, /*lift=*/true);
}

Result<LiftGainCurve> GainCurve(const std::vector<double>& scores, const std::vector<int>& labels) {
  return LiftOrGain(scores, labels, /*lift=*/false);
}

std::vector<size_t> KeepMaxYPerX(const std::vector<double>& x, const std::vector<double>& y) {
  std::vector<size_t> kept;
  std::unordered_map<double, size_t> slot_of_x;  // x -> position in `kept`
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
    auto it = slot_of_x.find(x[i]);
    if (it == slot_of_x.end()) {
      slot_of_x.emplace(x[i], kept.size());
      kept.push_back(i);
    } else if (y[kept[it->second]] < y[i]) {
      kept[it->second] = i;
    }
  }
  return kept;
}

double RoundLikeNumpy(double x, int decimals) {
  double f = std::pow(10.0, decimals);
  return std::nearbyint(x * f) / f;
}

}  // namespace fedflow::ml
