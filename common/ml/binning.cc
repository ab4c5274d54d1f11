#include "common/ml/binning.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace fedflow::ml {

std::vector<double> PercentileRates(int bin_num) {
  std::vector<double> rates;
  if (bin_num < 1) return rates;
  const double percent_value = 1.0 / bin_num;
  for (int i = 1; i < bin_num; ++i) rates.push_back(i * percent_value);
  rates.push_back(1.0);
  return rates;
}

Result<std::vector<double>> QuantileSplitPoints(const std::vector<double>& column,
                                                const QuantileBinningOptions& options) {
  if (options.bin_num < 1) {
    return Status::InvalidArgument("quantile binning: bin_num must be >= 1, got " +
                                   std::to_string(options.bin_num));
  }
  if (!(options.error > 0 && options.error < 1)) {
    return Status::InvalidArgument("quantile binning: error must be in (0, 1), got " +
                                   std::to_string(options.error));
  }
  QuantileSummaryOptions summary_options;
  summary_options.compress_thres = options.compress_thres;
  summary_options.head_size = options.head_size;
  summary_options.error = options.error;
  summary_options.abnormal_values = options.abnormal_values;
  QuantileSummary summary(summary_options);
  for (double x : column) summary.Insert(x);
  summary.Compress();  // FATE compresses each partition's summary before merging
  std::vector<double> points = summary.QueryList(PercentileRates(options.bin_num));
  if (!options.allow_duplicate) {
    std::sort(points.begin(), points.end());
    points.erase(std::unique(points.begin(), points.end()), points.end());
  }
  return points;
}

Result<std::vector<double>> BucketSplitPoints(const std::vector<double>& column, int bin_num) {
  if (bin_num < 1) {
    return Status::InvalidArgument("bucket binning: bin_num must be >= 1, got " +
                                   std::to_string(bin_num));
  }
  bool any = false;
  double min_value = 0, max_value = 0;
  for (double x : column) {
    if (std::isnan(x)) continue;
    if (!any || x < min_value) min_value = x;
    if (!any || x > max_value) max_value = x;
    any = true;
  }
  if (!any) return Status::InvalidArgument("bucket binning: the column has no value");
  const double width = (max_value - min_value) / bin_num;
  std::vector<double> points;
  for (int k = 0; k < bin_num - 1; ++k) points.push_back(min_value + (k + 1) * width);
  points.push_back(max_value);
  return points;
}

int BinIndex(double value, const std::vector<double>& split_points) {
  if (split_points.size() <= 1) return 0;
  auto end = split_points.end() - 1;
  return static_cast<int>(std::lower_bound(split_points.begin(), end, value) -
                          split_points.begin());
}

Result<std::vector<BinCount>> CountEvents(const std::vector<double>& column,
                                          const std::vector<int>& labels,
                                          const std::vector<double>& split_points) {
  if (column.size() != labels.size()) {
    return Status::InvalidArgument("bin counts: " + std::to_string(column.size()) + " values but " +
                                   std::to_string(labels.size()) + " labels");
  }
  std::vector<BinCount> counts;
  for (size_t i = 0; i < column.size(); ++i) {
    size_t bin = static_cast<size_t>(BinIndex(column[i], split_points));
    if (bin >= counts.size()) counts.resize(bin + 1);
    (labels[i] == 1 ? counts[bin].event : counts[bin].non_event) += 1;
  }
  return counts;
}

WoeIv ComputeWoeIv(const std::vector<BinCount>& counts, double adjustment_factor) {
  int64_t event_total = 0, non_event_total = 0;
  for (const BinCount& c : counts) {
    event_total += c.event;
    non_event_total += c.non_event;
  }
  if (event_total == 0) event_total = 1;
  if (non_event_total == 0) non_event_total = 1;
  WoeIv out;
  for (const BinCount& c : counts) {
    double event_rate, non_event_rate;
    if (c.event == 0 || c.non_event == 0) {
      event_rate = (c.event + adjustment_factor) / static_cast<double>(event_total);
      non_event_rate = (c.non_event + adjustment_factor) / static_cast<double>(non_event_total);
    } else {
      event_rate = static_cast<double>(c.event) / static_cast<double>(event_total);
      non_event_rate = static_cast<double>(c.non_event) / static_cast<double>(non_event_total);
    }
    double woe = std::log(event_rate / non_event_rate);
    double iv = (event_rate - non_event_rate) * woe;
    out.woe.push_back(woe);
    out.iv_per_bin.push_back(iv);
    out.event_rate.push_back(event_rate);
    out.non_event_rate.push_back(non_event_rate);
    out.event_count.push_back(c.event);
    out.non_event_count.push_back(c.non_event);
    out.iv += iv;
  }
  return out;
}

}  // namespace fedflow::ml
