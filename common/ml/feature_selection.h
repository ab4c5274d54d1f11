#pragma once

// Column filters of FATE 1.11's HeteroFeatureSelection (federatedml/feature/
// hetero_feature_selection, feature_selection/*_filter.py) over per-column statistics.
//
// How FATE chains filters (base_feature_selection.py, SelectionProperties):
//  - Each party starts with every column of its header left; the filters judge the columns
//    chosen by `select_col_indexes` (-1: all) and `select_names`, in that order. Columns not
//    chosen are never judged and always stay.
//  - Filters run in `filter_methods` order. A filter judges the current candidates; those it
//    does not keep leave the data for good; the next filter judges only the kept ones.
//  - If a filter keeps none of a party's candidates, FATE keeps one anyway (_keep_one_feature):
//    the candidate with the highest metric value (lowest for take_high = false), the first one
//    on ties; for `manually`, which has no metric, FATE picks one at random and this library
//    picks the first candidate (deviation).
//  - The result is the left columns in header order.
//
// Filters (FATE 1.11 maps the named methods to a metric filter, filter_factory.py):
//  - manually: drops filter_out_indexes / filter_out_names; if neither is given, keeps only
//    left_col_indexes / left_col_names. Local to each party with its own parameters.
//  - unique_value: keeps columns whose standard deviation >= unique_param.eps (FATE 1.11 reads
//    "std" from a statistic model; FATE <= 1.5 used |max - min| >= eps). Local.
//  - iv_value_thres: keeps iv >= value_threshold (hosts: host_thresholds[i] if given).
//  - iv_top_k: keeps the k columns of highest IV.
//  - iv_percentile: keeps the ceil(percentile_threshold * n) columns of highest IV, n the number
//    of candidates judged (FATE <= 1.5 instead kept every IV >= the value at that rank, which
//    differs only on ties).
//   The IV filters are federated unless local_only: the guest judges its candidates and every
//   host's candidates together (one pool for top_k and percentile), and _keep_one_feature runs
//   per party. local_only: the guest judges its own candidates, hosts keep all theirs.
//  Ties in top_k order: FATE uses numpy.argsort (not stable for large inputs); here a stable
//  ascending sort walked from the end, so among equal values the later candidate ranks higher
//  (what numpy does for small inputs).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace fedflow::ml {

// What one filter did to one party, as FATE records it in the selection model.
struct FilterRecord {
  std::string method;
  // Columns left before the filter (FATE's original_cols / last_left_col_names), header order.
  std::vector<std::string> original_cols;
  // Columns left after it, header order.
  std::vector<std::string> left_cols;
  // The metric of each judged column (empty for manually).
  std::map<std::string, double> feature_values;
};

// One party's selection state (FATE's SelectionProperties across filters). A value; not
// thread-safe.
class ColumnSelection {
 public:
  // `select_col_indexes`: nullopt for FATE's -1 (all columns); out-of-range indexes are
  // ignored as FATE does. `select_names` add further columns (unknown names are ignored).
  // InvalidArgument on duplicate header names.
  static Result<ColumnSelection> Create(std::vector<std::string> header,
                                        const std::optional<std::vector<int>>& select_col_indexes,
                                        const std::vector<std::string>& select_names = {});

  const std::vector<std::string>& header() const { return header_; }
  // Header indexes the next filter judges, in FATE's order.
  const std::vector<size_t>& candidates() const { return candidates_; }
  std::vector<std::string> candidate_names() const;
  // Header indexes still in the data, ascending.
  const std::vector<size_t>& left() const { return left_; }
  std::vector<std::string> left_names() const;
  const std::vector<FilterRecord>& history() const { return history_; }
  // Header index of `name`, or nullopt.
  std::optional<size_t> IndexOf(const std::string& name) const;

  // Records a filter's outcome. `kept` holds header indexes of candidates (others are
  // ignored); the remaining candidates leave the data. Kept columns stay candidates, in the
  // previous candidate order.
  void Apply(const std::string& method, const std::vector<size_t>& kept,
             std::map<std::string, double> feature_values = {});

 private:
  ColumnSelection() = default;
  std::vector<std::string> header_;
  std::map<std::string, size_t> index_of_;
  std::vector<size_t> candidates_;
  std::vector<size_t> left_;
  std::vector<FilterRecord> history_;
};

// Positions (into `values`) passing FATE's threshold rule: v >= threshold when take_high,
// v <= threshold otherwise. Ascending positions.
std::vector<size_t> ThresholdPass(const std::vector<double>& values, double threshold,
                                  bool take_high);
// FATE's _top_k_fit: the positions of the k highest (take_high) or lowest values, ascending
// positions. As in FATE, at least one value is kept when there is one (k <= 0 keeps one).
std::vector<size_t> TopKPass(const std::vector<double>& values, int64_t k, bool take_high);
// FATE's _percentile_fit: TopKPass with k = ceil(percentile * values.size()).
std::vector<size_t> PercentilePass(const std::vector<double>& values, double percentile,
                                   bool take_high);
// FATE's _keep_one_feature choice: the position of the highest (pick_high) or lowest value, the
// first one on ties. Precondition: values not empty.
size_t KeepOnePosition(const std::vector<double>& values, bool pick_high);

// FATE's ManuallyFilterParam. Presence matters, as in FATE: filter_out_* win when
// filter_out_indexes is non-empty or filter_out_names is given; otherwise left_col_* apply when
// left_col_indexes is non-empty or left_col_names is given; otherwise nothing is dropped.
struct ManuallyFilterParam {
  std::optional<std::vector<int>> filter_out_indexes;
  std::optional<std::vector<std::string>> filter_out_names;
  std::optional<std::vector<int>> left_col_indexes;
  std::optional<std::vector<std::string>> left_col_names;
};
void ApplyManuallyFilter(ColumnSelection& selection, const ManuallyFilterParam& param);

// A local metric filter (unique_value and FATE's other IsoModelFilters): judges the candidates
// by `metric` (by column name) with ThresholdPass, then keep-one. NotFound when a candidate has
// no metric value.
Status ApplyLocalThresholdFilter(ColumnSelection& selection, const std::string& method,
                                 const std::map<std::string, double>& metric, double threshold,
                                 bool take_high);

enum class IvFilterType { kThreshold, kTopK, kTopPercentile };

// One party's part in a federated IV filter: its selection and the IV of its columns.
struct PartyIv {
  ColumnSelection* selection;
  const std::map<std::string, double>* iv;
};

struct IvFilterParam {
  IvFilterType type = IvFilterType::kThreshold;
  // The IV threshold, k, or percentile, by type.
  double threshold = 0;
  // Per-host IV thresholds (kThreshold only); the guest's threshold when not given.
  std::optional<std::vector<double>> host_thresholds;
  bool local_only = false;
};

// FATE's IVFilter on the guest with its hosts (take_high). NotFound when a candidate has no
// IV; InvalidArgument when host_thresholds does not have one entry per host.
Status ApplyIvFilter(const std::string& method, PartyIv guest, const std::vector<PartyIv>& hosts,
                     const IvFilterParam& param);

// The filters of one HeteroFeatureSelection run and the inputs of each party, to run them all
// in one process (the guest's view; tests).
struct PartySelectionInput {
  std::vector<std::string> header;
  std::optional<std::vector<int>> select_col_indexes;  // nullopt: -1
  std::vector<std::string> select_names;
  ManuallyFilterParam manually;
  std::map<std::string, double> iv;
  std::map<std::string, double> std_dev;  // for unique_value
};

struct SelectionFilterConfig {
  // "manually", "unique_value", "iv_value_thres", "iv_percentile" or "iv_top_k".
  std::string method;
  double value_threshold = 0.0;                        // iv_value_param.value_threshold
  std::optional<std::vector<double>> host_thresholds;  // iv_value_param.host_thresholds
  double percentile_threshold = 1.0;                   // iv_percentile_param
  int64_t k = 10;                                      // iv_top_k_param
  double eps = 1e-5;                                   // unique_param
  bool local_only = false;
};

// Runs the filters in order over the guest (parties[0]) and hosts (the rest). Returns each
// party's final selection. InvalidArgument for an unknown method or no parties.
Result<std::vector<ColumnSelection>> RunSelection(
    const std::vector<PartySelectionInput>& parties,
    const std::vector<SelectionFilterConfig>& filters);

}  // namespace fedflow::ml
