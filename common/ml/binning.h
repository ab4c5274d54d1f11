#pragma once

// Feature binning maths of FATE 1.x's HeteroFeatureBinning (federatedml/feature/binning):
// split points (quantile and bucket), the bin of a value, per-bin event counts, WOE and IV.
// One column at a time; the component runs these per column and party.

#include <cstdint>
#include <vector>

#include "common/ml/quantile_summary.h"
#include "common/status.h"

namespace fedflow::ml {

// HeteroFeatureBinning's quantile parameters (FATE defaults).
struct QuantileBinningOptions {
  int bin_num = 10;
  double error = 1e-4;
  int64_t compress_thres = 10000;
  int64_t head_size = 10000;
  // FATE's QuantileBinning keeps duplicates only when built with allow_duplicate, which
  // HeteroFeatureBinning does not do.
  bool allow_duplicate = false;
  std::vector<double> abnormal_values;
};

// FATE's percentile rates for `bin_num` bins: i * (1.0 / bin_num) for i = 1..bin_num-1, then 1.0
// (the same doubles: 3 * 0.1 is 0.30000000000000004, which FATE's rank ceil(q * n) sees).
std::vector<double> PercentileRates(int bin_num);

// FATE's QuantileBinning split points of one column: a QuantileSummary of the column queried at
// PercentileRates(bin_num), then (unless allow_duplicate) sorted distinct values, as
// numpy.unique. The last split point is the column's maximum. See QuantileSummary for which
// values are picked (on up to 1/error rows: the value of rank max(2, ceil(q * n))). NaN and
// abnormal values are skipped; an all-missing column gives [0] (FATE's empty summary answers 0).
// InvalidArgument when bin_num < 1 or error is not in (0, 1).
Result<std::vector<double>> QuantileSplitPoints(const std::vector<double>& column,
                                                const QuantileBinningOptions& options);

// FATE's BucketBinning: equal-width bins between the column's min and max (NaN skipped):
// min + k * (max - min) / bin_num for k = 1..bin_num-1, then max. Duplicates are kept (a
// constant column gives bin_num equal split points). InvalidArgument when bin_num < 1 or no
// value is present.
Result<std::vector<double>> BucketSplitPoints(const std::vector<double>& column, int bin_num);

// FATE's BaseBinning.get_bin_num: bisect_left over the split points without the last one, i.e.
// the index of the first split point >= value, and the last bin for values above the
// second-to-last split point (including values above the maximum). 0 for NaN.
int BinIndex(double value, const std::vector<double>& split_points);

// Event (label 1) and non-event (any other label) counts of one bin.
struct BinCount {
  int64_t event = 0;
  int64_t non_event = 0;
};

// Per-bin counts as FATE accumulates them: one entry per bin from 0 to the largest bin index
// any value falls in (so trailing bins no value reaches are absent, as in FATE's count
// lists; empty bins before that are present with zero counts). Labels: 1 is the event.
// InvalidArgument when the sizes differ.
Result<std::vector<BinCount>> CountEvents(const std::vector<double>& column,
                                          const std::vector<int>& labels,
                                          const std::vector<double>& split_points);

// WOE and IV of one column from its per-bin counts (FATE's IvCalculator.woe_1d):
//   event_rate_i = event_i / event_total, non_event_rate_i = non_event_i / non_event_total,
//   both computed from (count + adjustment_factor) when either count of the bin is 0 (the
//   totals are not adjusted); a total of 0 counts as 1;
//   woe_i = ln(event_rate_i / non_event_rate_i); iv_i = (event_rate_i - non_event_rate_i) *
//   woe_i; iv = sum of iv_i.
struct WoeIv {
  std::vector<double> woe;
  std::vector<double> iv_per_bin;
  std::vector<double> event_rate;
  std::vector<double> non_event_rate;
  std::vector<int64_t> event_count;
  std::vector<int64_t> non_event_count;
  double iv = 0;
};
WoeIv ComputeWoeIv(const std::vector<BinCount>& counts, double adjustment_factor = 0.5);

}  // namespace fedflow::ml
