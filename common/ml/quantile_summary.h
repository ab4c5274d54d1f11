#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace fedflow::ml {

// Parameters of a quantile summary; the defaults are FATE's (consts.DEFAULT_COMPRESS_THRESHOLD,
// DEFAULT_HEAD_SIZE, DEFAULT_RELATIVE_ERROR) and HeteroFeatureBinning's `compress_thres`,
// `head_size` and `error`.
struct QuantileSummaryOptions {
  int64_t compress_thres = 10000;
  int64_t head_size = 10000;
  double error = 1e-4;
  // Values counted as missing and left out (FATE's abnormal_list). NaN is always missing.
  std::vector<double> abnormal_values;
};

// The Greenwald-Khanna style quantile summary of FATE 1.8+ (federatedml/feature/binning/
// quantile_summaries.py, QuantileSummaries), ported operation by operation so that split points
// are the values FATE picks: insertion through a head buffer of `head_size` values, the same
// delta assignment, compression rule, merge, and the query's rank tolerance. The rank
// arithmetic uses the same doubles (ceil(q * count), ceil(error * count)).
//
// What FATE ends up with on small data: while every value fits one head buffer and count <= 1 /
// error (no compression can merge entries, since 2 * error * count < 2), the summary holds
// every value, and with target error ceil(error * count) = 1 a query for q in (error, 1 - error)
// returns the value of rank max(2, ceil(q * count)) (1-based, duplicates counted), capped at the
// largest value. FATE's summaries are built per data partition and merged; the merge of
// uncompressed summaries is the sorted union, so the partitioning does not change that result.
// On large data FATE's answer depends on how rows were partitioned; this class sees one stream.
//
// Dense data only (FATE's SparseQuantileSummaries is not ported). Not thread-safe; a value.
class QuantileSummary {
 public:
  explicit QuantileSummary(QuantileSummaryOptions options = {});

  void Insert(double x);
  // Moves the head buffer into the summary and merges entries within 2 * error * count.
  void Compress();
  // FATE's QuantileSummaries.merge: both compressed, entries merged by value, then compressed
  // with the merged count.
  static QuantileSummary Merge(QuantileSummary a, QuantileSummary b);

  // FATE's query(quantile) for q in [0, 1] (clamped); 0 for an empty summary.
  double Query(double q);
  // FATE's query_percentile_rate_list: ascending rates answered in one pass (what
  // QuantileBinning uses since FATE 1.8). Rates must be ascending and in [0, 1].
  std::vector<double> QueryList(const std::vector<double>& rates);

  // Values inserted (missing ones excluded), after the head buffer is flushed.
  int64_t count() const { return count_ + static_cast<int64_t>(head_.size()); }
  int64_t missing_count() const { return missing_count_; }
  // Number of stored (value, g, delta) entries; the head buffer is not counted.
  size_t num_entries() const { return sampled_.size(); }

 private:
  struct Entry {
    double value;
    int64_t g;
    int64_t delta;
  };

  void InsertHeadBuffer();
  std::vector<Entry> CompressImmut(double merge_threshold) const;

  QuantileSummaryOptions options_;
  std::vector<double> head_;
  std::vector<Entry> sampled_;
  int64_t count_ = 0;
  int64_t missing_count_ = 0;
};

}  // namespace fedflow::ml
