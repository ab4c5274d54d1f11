#include "common/ml/feature_selection.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <utility>

namespace fedflow::ml {
namespace {

// The metric values of the candidates, in candidate order.
Result<std::vector<double>> CandidateValues(const ColumnSelection& selection,
                                            const std::map<std::string, double>& metric,
                                            const std::string& method) {
  std::vector<double> values;
  for (size_t idx : selection.candidates()) {
    const std::string& name = selection.header()[idx];
    auto it = metric.find(name);
    if (it == metric.end()) {
      return Status::NotFound("feature selection " + method + ": no value for column \"" + name +
                              "\"");
    }
    values.push_back(it->second);
  }
  return values;
}

// Header indexes of the candidates at `positions` (positions into candidates()), keeping one
// (by `values`) when none pass.
std::vector<size_t> KeptWithKeepOne(const ColumnSelection& selection,
                                    const std::vector<size_t>& positions,
                                    const std::vector<double>& values, bool pick_high) {
  std::vector<size_t> kept;
  for (size_t p : positions) kept.push_back(selection.candidates()[p]);
  if (kept.empty() && !values.empty()) {
    kept.push_back(selection.candidates()[KeepOnePosition(values, pick_high)]);
  }
  return kept;
}

std::map<std::string, double> ValuesByName(const ColumnSelection& selection,
                                           const std::vector<double>& values) {
  std::map<std::string, double> out;
  for (size_t i = 0; i < values.size(); ++i) {
    out[selection.header()[selection.candidates()[i]]] = values[i];
  }
  return out;
}

}  // namespace

Result<ColumnSelection> ColumnSelection::Create(
    std::vector<std::string> header, const std::optional<std::vector<int>>& select_col_indexes,
    const std::vector<std::string>& select_names) {
  ColumnSelection s;
  s.header_ = std::move(header);
  for (size_t i = 0; i < s.header_.size(); ++i) {
    if (!s.index_of_.emplace(s.header_[i], i).second) {
      return Status::InvalidArgument("feature selection: duplicate column name \"" + s.header_[i] +
                                     "\"");
    }
    s.left_.push_back(i);
  }
  std::set<size_t> chosen;
  auto choose = [&](size_t idx) {
    if (chosen.insert(idx).second) s.candidates_.push_back(idx);
  };
  if (!select_col_indexes) {
    for (size_t i = 0; i < s.header_.size(); ++i) choose(i);
  } else {
    for (int idx : *select_col_indexes) {
      if (idx >= 0 && static_cast<size_t>(idx) < s.header_.size()) choose(idx);
    }
  }
  for (const std::string& name : select_names) {
    if (auto idx = s.IndexOf(name)) choose(*idx);
  }
  return s;
}

std::optional<size_t> ColumnSelection::IndexOf(const std::string& name) const {
  auto it = index_of_.find(name);
  if (it == index_of_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> ColumnSelection::candidate_names() const {
  std::vector<std::string> out;
  for (size_t idx : candidates_) out.push_back(header_[idx]);
  return out;
}

std::vector<std::string> ColumnSelection::left_names() const {
  std::vector<std::string> out;
  for (size_t idx : left_) out.push_back(header_[idx]);
  return out;
}

void ColumnSelection::Apply(const std::string& method, const std::vector<size_t>& kept,
                            std::map<std::string, double> feature_values) {
  std::set<size_t> kept_set(kept.begin(), kept.end());
  std::set<size_t> dropped;
  std::vector<size_t> new_candidates;
  for (size_t idx : candidates_) {
    if (kept_set.count(idx)) {
      new_candidates.push_back(idx);
    } else {
      dropped.insert(idx);
    }
  }
  FilterRecord record;
  record.method = method;
  record.original_cols = left_names();
  record.feature_values = std::move(feature_values);
  std::vector<size_t> new_left;
  for (size_t idx : left_) {
    if (!dropped.count(idx)) new_left.push_back(idx);
  }
  left_ = std::move(new_left);
  candidates_ = std::move(new_candidates);
  record.left_cols = left_names();
  history_.push_back(std::move(record));
}

std::vector<size_t> ThresholdPass(const std::vector<double>& values, double threshold,
                                  bool take_high) {
  std::vector<size_t> out;
  for (size_t i = 0; i < values.size(); ++i) {
    if (take_high ? values[i] >= threshold : values[i] <= threshold) out.push_back(i);
  }
  return out;
}

std::vector<size_t> TopKPass(const std::vector<double>& values, int64_t k, bool take_high) {
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  if (take_high) std::reverse(order.begin(), order.end());
  std::vector<size_t> out;
  // As FATE: append, then stop once k are kept (so k <= 0 still keeps one).
  for (size_t i = 0; i < order.size(); ++i) {
    out.push_back(order[i]);
    if (static_cast<int64_t>(out.size()) >= k) break;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<size_t> PercentilePass(const std::vector<double>& values, double percentile,
                                   bool take_high) {
  auto k = static_cast<int64_t>(std::ceil(percentile * static_cast<double>(values.size())));
  return TopKPass(values, k, take_high);
}

size_t KeepOnePosition(const std::vector<double>& values, bool pick_high) {
  size_t best = 0;
  for (size_t i = 1; i < values.size(); ++i) {
    if (pick_high ? values[i] > values[best] : values[i] < values[best]) best = i;
  }
  return best;
}

void ApplyManuallyFilter(ColumnSelection& selection, const ManuallyFilterParam& param) {
  std::set<size_t> out_indexes;
  std::set<std::string> out_names;
  bool has_filter_out = (param.filter_out_indexes && !param.filter_out_indexes->empty()) ||
                        param.filter_out_names.has_value();
  bool has_left = (param.left_col_indexes && !param.left_col_indexes->empty()) ||
                  param.left_col_names.has_value();
  if (has_filter_out) {
    if (param.filter_out_indexes) {
      for (int idx : *param.filter_out_indexes) {
        if (idx >= 0) out_indexes.insert(static_cast<size_t>(idx));
      }
    }
    if (param.filter_out_names) {
      out_names.insert(param.filter_out_names->begin(), param.filter_out_names->end());
    }
  } else if (has_left) {
    for (size_t i = 0; i < selection.header().size(); ++i) out_indexes.insert(i);
    if (param.left_col_indexes) {
      for (int idx : *param.left_col_indexes) {
        if (idx >= 0) out_indexes.erase(static_cast<size_t>(idx));
      }
    }
    if (param.left_col_names) {
      for (const std::string& name : *param.left_col_names) {
        if (auto idx = selection.IndexOf(name)) out_indexes.erase(*idx);
      }
    }
  }
  std::vector<size_t> kept;
  for (size_t idx : selection.candidates()) {
    if (!out_indexes.count(idx) && !out_names.count(selection.header()[idx])) kept.push_back(idx);
  }
  if (kept.empty() && !selection.candidates().empty()) kept.push_back(selection.candidates()[0]);
  selection.Apply("manually", kept);
}

Status ApplyLocalThresholdFilter(ColumnSelection& selection, const std::string& method,
                                 const std::map<std::string, double>& metric, double threshold,
                                 bool take_high) {
  ASSIGN_OR_RETURN(std::vector<double> values, CandidateValues(selection, metric, method));
  std::vector<size_t> kept =
      KeptWithKeepOne(selection, ThresholdPass(values, threshold, take_high), values, take_high);
  selection.Apply(method, kept, ValuesByName(selection, values));
  return Status::OK();
}

Status ApplyIvFilter(const std::string& method, PartyIv guest, const std::vector<PartyIv>& hosts,
                     const IvFilterParam& param) {
  if (param.host_thresholds && param.host_thresholds->size() != hosts.size()) {
    return Status::InvalidArgument(
        "feature selection " + method + ": " + std::to_string(param.host_thresholds->size()) +
        " host thresholds for " + std::to_string(hosts.size()) + " hosts");
  }
  std::vector<PartyIv> parties = {guest};
  if (!param.local_only) parties.insert(parties.end(), hosts.begin(), hosts.end());

  // The pooled values, guest's candidates first, then each host's.
  std::vector<std::vector<double>> party_values;
  std::vector<double> pooled;
  std::vector<double> pooled_thresholds;
  for (size_t p = 0; p < parties.size(); ++p) {
    ASSIGN_OR_RETURN(std::vector<double> values,
                     CandidateValues(*parties[p].selection, *parties[p].iv, method));
    double threshold = param.threshold;
    if (p > 0 && param.host_thresholds) threshold = (*param.host_thresholds)[p - 1];
    for (double v : values) {
      pooled.push_back(v);
      pooled_thresholds.push_back(threshold);
    }
    party_values.push_back(std::move(values));
  }

  std::vector<size_t> passed;
  switch (param.type) {
    case IvFilterType::kThreshold:
      for (size_t i = 0; i < pooled.size(); ++i) {
        if (pooled[i] >= pooled_thresholds[i]) passed.push_back(i);
      }
      break;
    case IvFilterType::kTopK:
      passed = TopKPass(pooled, static_cast<int64_t>(param.threshold), /*take_high=*/true);
      break;
    case IvFilterType::kTopPercentile:
      passed = PercentilePass(pooled, param.threshold, /*take_high=*/true);
      break;
  }

  size_t offset = 0;
  for (size_t p = 0; p < parties.size(); ++p) {
    const std::vector<double>& values = party_values[p];
    std::vector<size_t> positions;
    for (size_t i : passed) {
      if (i >= offset && i < offset + values.size()) positions.push_back(i - offset);
    }
    ColumnSelection& selection = *parties[p].selection;
    std::vector<size_t> kept = KeptWithKeepOne(selection, positions, values, /*pick_high=*/true);
    selection.Apply(method, kept, ValuesByName(selection, values));
    offset += values.size();
  }
  if (param.local_only) {
    for (const PartyIv& host : hosts) {
      host.selection->Apply(method, host.selection->candidates());
    }
  }
  return Status::OK();
}

Result<std::vector<ColumnSelection>> RunSelection(
    const std::vector<PartySelectionInput>& parties,
    const std::vector<SelectionFilterConfig>& filters) {
  if (parties.empty()) return Status::InvalidArgument("feature selection: no parties");
  std::vector<ColumnSelection> selections;
  for (const PartySelectionInput& in : parties) {
    ASSIGN_OR_RETURN(ColumnSelection s,
                     ColumnSelection::Create(in.header, in.select_col_indexes, in.select_names));
    selections.push_back(std::move(s));
  }
  // FATE runs no filter when the guest has nothing to judge.
  if (selections[0].candidates().empty()) return selections;

  for (const SelectionFilterConfig& f : filters) {
    if (f.method == "manually") {
      for (size_t p = 0; p < parties.size(); ++p) {
        ApplyManuallyFilter(selections[p], parties[p].manually);
      }
    } else if (f.method == "unique_value") {
      for (size_t p = 0; p < parties.size(); ++p) {
        RETURN_NOT_OK(ApplyLocalThresholdFilter(selections[p], f.method, parties[p].std_dev, f.eps,
                                                /*take_high=*/true));
      }
    } else if (f.method == "iv_value_thres" || f.method == "iv_percentile" ||
               f.method == "iv_top_k") {
      IvFilterParam param;
      param.local_only = f.local_only;
      if (f.method == "iv_value_thres") {
        param.type = IvFilterType::kThreshold;
        param.threshold = f.value_threshold;
        param.host_thresholds = f.host_thresholds;
      } else if (f.method == "iv_percentile") {
        param.type = IvFilterType::kTopPercentile;
        param.threshold = f.percentile_threshold;
      } else {
        param.type = IvFilterType::kTopK;
        param.threshold = static_cast<double>(f.k);
      }
      std::vector<PartyIv> hosts;
      for (size_t p = 1; p < parties.size(); ++p) {
        hosts.push_back(PartyIv{&selections[p], &parties[p].iv});
      }
      RETURN_NOT_OK(ApplyIvFilter(f.method, PartyIv{&selections[0], &parties[0].iv}, hosts, param));
    } else {
      return Status::InvalidArgument("feature selection: filter method \"" + f.method +
                                     "\" is not supported (supported: manually, unique_value, "
                                     "iv_value_thres, iv_percentile, iv_top_k)");
    }
  }
  return selections;
}

}  // namespace fedflow::ml
