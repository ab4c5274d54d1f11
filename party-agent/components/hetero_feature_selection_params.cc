// HeteroFeatureSelection's parameters and its per-party filter steps.
#include <cmath>
#include <set>
#include <utility>

#include "party-agent/components/hetero_feature_binning_params.h"
#include "party-agent/components/hetero_feature_selection.h"

namespace fedflow {

namespace {

constexpr char kModule[] = "HeteroFeatureSelection";

// FATE 1.11's filter names that fedflow does not implement.
const std::set<std::string>& UnsupportedFilters() {
  static const std::set<std::string> names = {"coefficient_of_variation_value_thres",
                                              "outlier_cols",
                                              "percentage_value",
                                              "statistic_filter",
                                              "psi_filter",
                                              "hetero_sbt_filter",
                                              "homo_sbt_filter",
                                              "hetero_fast_sbt_filter",
                                              "vif_filter",
                                              "correlation_filter"};
  return names;
}

constexpr char kSupported[] =
    "manually, unique_value, iv_value_thres, iv_percentile, iv_top_k, iv_filter";

Status ReadLocalOnly(FateParams* r, bool* local_only) {
  RETURN_NOT_OK(r->Bool("local_only", local_only));
  return r->CheckNoUnknown();
}

}  // namespace

Result<FeatureSelectionParams> ParseFeatureSelectionParams(const Json& component_parameters) {
  FeatureSelectionParams p;
  FateParams r(kModule, "", component_parameters);
  RETURN_NOT_OK(r.IndexesOrAll("select_col_indexes", &p.select_col_indexes));
  std::optional<std::vector<std::string>> names;
  RETURN_NOT_OK(r.StringList("select_names", &names));
  if (names) p.select_names = *names;
  std::optional<std::vector<std::string>> methods = std::vector<std::string>{"manually"};
  RETURN_NOT_OK(r.StringList("filter_methods", &methods));
  if (!methods) methods = std::vector<std::string>{};

  // unique_param
  double eps = 1e-5;
  const Json* obj = nullptr;
  RETURN_NOT_OK(r.Object("unique_param", &obj));
  if (obj != nullptr) {
    FateParams u(kModule, "unique_param", *obj);
    RETURN_NOT_OK(u.Double("eps", &eps));
    RETURN_NOT_OK(u.CheckNoUnknown());
  }
  // iv_value_param
  ml::IvFilterParam iv_value;
  iv_value.type = ml::IvFilterType::kThreshold;
  iv_value.threshold = 0.0;
  RETURN_NOT_OK(r.Object("iv_value_param", &obj));
  if (obj != nullptr) {
    FateParams v(kModule, "iv_value_param", *obj);
    RETURN_NOT_OK(v.Double("value_threshold", &iv_value.threshold));
    RETURN_NOT_OK(v.DoubleList("host_thresholds", &iv_value.host_thresholds));
    RETURN_NOT_OK(ReadLocalOnly(&v, &iv_value.local_only));
  }
  // iv_percentile_param
  ml::IvFilterParam iv_percentile;
  iv_percentile.type = ml::IvFilterType::kTopPercentile;
  iv_percentile.threshold = 1.0;
  RETURN_NOT_OK(r.Object("iv_percentile_param", &obj));
  if (obj != nullptr) {
    FateParams v(kModule, "iv_percentile_param", *obj);
    RETURN_NOT_OK(v.Double("percentile_threshold", &iv_percentile.threshold));
    RETURN_NOT_OK(ReadLocalOnly(&v, &iv_percentile.local_only));
    if (iv_percentile.threshold < 0 || iv_percentile.threshold > 1) {
      return Status::InvalidArgument(v.Where("percentile_threshold") + ": must be in [0, 1]");
    }
  }
  // iv_top_k_param
  ml::IvFilterParam iv_top_k;
  iv_top_k.type = ml::IvFilterType::kTopK;
  iv_top_k.threshold = 10;
  RETURN_NOT_OK(r.Object("iv_top_k_param", &obj));
  if (obj != nullptr) {
    FateParams v(kModule, "iv_top_k_param", *obj);
    int64_t k = 10;
    RETURN_NOT_OK(v.Int("k", &k));
    RETURN_NOT_OK(ReadLocalOnly(&v, &iv_top_k.local_only));
    if (k < 1) return Status::InvalidArgument(v.Where("k") + ": must be positive");
    iv_top_k.threshold = static_cast<double>(k);
  }
  // iv_param (FATE 1.11's iv_filter)
  ml::IvFilterParam iv_filter;
  iv_filter.type = ml::IvFilterType::kThreshold;
  iv_filter.threshold = 1;
  RETURN_NOT_OK(r.Object("iv_param", &obj));
  if (obj != nullptr) {
    FateParams v(kModule, "iv_param", *obj);
    std::string filter_type = "threshold";
    RETURN_NOT_OK(v.String("filter_type", &filter_type));
    RETURN_NOT_OK(v.Double("threshold", &iv_filter.threshold));
    RETURN_NOT_OK(v.DoubleList("host_thresholds", &iv_filter.host_thresholds));
    bool select_federated = true, take_high = true;
    RETURN_NOT_OK(v.Bool("select_federated", &select_federated));
    RETURN_NOT_OK(v.Bool("take_high", &take_high));
    std::optional<std::vector<std::string>> metrics;
    RETURN_NOT_OK(v.StringList("metrics", &metrics));
    RETURN_NOT_OK(v.Ignore("mul_class_merge_type"));
    RETURN_NOT_OK(v.CheckNoUnknown());
    iv_filter.local_only = !select_federated;
    if (filter_type == "threshold") {
      iv_filter.type = ml::IvFilterType::kThreshold;
    } else if (filter_type == "top_k") {
      iv_filter.type = ml::IvFilterType::kTopK;
    } else if (filter_type == "top_percentile") {
      iv_filter.type = ml::IvFilterType::kTopPercentile;
    } else {
      return Status::InvalidArgument(v.Where("filter_type") + ": \"" + filter_type +
                                     "\" is not one of threshold, top_k, top_percentile");
    }
    if (!take_high) {
      return Status::InvalidArgument(v.Where("take_high") +
                                     ": false is not supported for IV (fedflow keeps high IVs)");
    }
    if (metrics && (metrics->size() != 1 || (*metrics)[0] != "iv")) {
      return Status::InvalidArgument(v.Where("metrics") + ": only [\"iv\"] is supported");
    }
  }
  // manually_param
  RETURN_NOT_OK(r.Object("manually_param", &obj));
  if (obj != nullptr) {
    FateParams m(kModule, "manually_param", *obj);
    RETURN_NOT_OK(m.IntList("filter_out_indexes", &p.manually.filter_out_indexes));
    RETURN_NOT_OK(m.StringList("filter_out_names", &p.manually.filter_out_names));
    RETURN_NOT_OK(m.IntList("left_col_indexes", &p.manually.left_col_indexes));
    RETURN_NOT_OK(m.StringList("left_col_names", &p.manually.left_col_names));
    RETURN_NOT_OK(m.CheckNoUnknown());
  }
  // FATE parameters of filters fedflow does not implement: accepted, used by none.
  for (const char* key :
       {"variance_coe_param", "outlier_param", "percentage_value_param", "statistic_param",
        "psi_param", "vif_param", "sbt_param", "correlation_param", "use_anonymous"}) {
    RETURN_NOT_OK(r.Ignore(key));
  }
  RETURN_NOT_OK(r.CheckNoUnknown());

  for (const std::string& method : *methods) {
    SelectionFilter f;
    f.method = method;
    if (method == "manually") {
      f.kind = SelectionFilter::Kind::kManually;
    } else if (method == "unique_value") {
      f.kind = SelectionFilter::Kind::kUniqueValue;
      f.eps = eps;
    } else if (method == "iv_value_thres" || method == "iv_percentile" || method == "iv_top_k" ||
               method == "iv_filter") {
      f.kind = SelectionFilter::Kind::kIv;
      f.iv = method == "iv_value_thres"  ? iv_value
             : method == "iv_percentile" ? iv_percentile
             : method == "iv_top_k"      ? iv_top_k
                                         : iv_filter;
    } else if (UnsupportedFilters().count(method) > 0) {
      return Status::InvalidArgument(
          std::string(kModule) + ": parameter \"filter_methods\": \"" + method +
          "\" is not supported by fedflow (supported: " + kSupported + ")");
    } else {
      return Status::InvalidArgument(std::string(kModule) +
                                     ": parameter \"filter_methods\": "
                                     "unknown filter \"" +
                                     method + "\" (supported: " + kSupported + ")");
    }
    p.filters.push_back(std::move(f));
  }
  return p;
}

Status GuestApplyIvFilter(const SelectionFilter& filter, ml::ColumnSelection* guest,
                          const std::map<std::string, double>& guest_iv,
                          std::vector<HostIvCandidates>* hosts) {
  std::vector<ml::ColumnSelection> host_selections;
  host_selections.reserve(hosts->size());
  for (const HostIvCandidates& h : *hosts) {
    std::vector<int> all(h.candidates.size());
    for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
    ASSIGN_OR_RETURN(ml::ColumnSelection s, ml::ColumnSelection::Create(h.candidates, all));
    host_selections.push_back(std::move(s));
  }
  std::vector<ml::PartyIv> host_ivs;
  for (size_t i = 0; i < hosts->size(); ++i) {
    host_ivs.push_back({&host_selections[i], &(*hosts)[i].iv});
  }
  Status s = ml::ApplyIvFilter(filter.method, {guest, &guest_iv}, host_ivs, filter.iv);
  if (!s.ok()) {
    return s.CloneAndPrepend(std::string(kModule) +
                             " (is the isometric_model input the HeteroFeatureBinning of the same "
                             "data, run with IVs on every selected column?)");
  }
  for (size_t i = 0; i < hosts->size(); ++i) (*hosts)[i].kept = host_selections[i].left_names();
  return Status::OK();
}

Status ApplyLocalFilter(const SelectionFilter& filter, const ml::ManuallyFilterParam& manually,
                        const std::map<std::string, double>& std_dev,
                        ml::ColumnSelection* selection) {
  switch (filter.kind) {
    case SelectionFilter::Kind::kManually:
      ml::ApplyManuallyFilter(*selection, manually);
      return Status::OK();
    case SelectionFilter::Kind::kUniqueValue:
      return ml::ApplyLocalThresholdFilter(*selection, filter.method, std_dev, filter.eps,
                                           /*take_high=*/true);
    case SelectionFilter::Kind::kIv:
      break;
  }
  return Status::InvalidArgument(filter.method + " is not a local filter");
}

std::map<std::string, double> ColumnStdDevs(const Instances& inst) {
  std::map<std::string, double> out;
  for (size_t c = 0; c < inst.cols(); ++c) {
    double sum = 0, sum_sq = 0;
    int64_t n = 0;
    for (size_t r = 0; r < inst.rows(); ++r) {
      const double v = inst.at(r, c);
      if (std::isnan(v)) continue;
      sum += v;
      ++n;
    }
    const double mean = n > 0 ? sum / static_cast<double>(n) : 0;
    for (size_t r = 0; r < inst.rows(); ++r) {
      const double v = inst.at(r, c);
      if (!std::isnan(v)) sum_sq += (v - mean) * (v - mean);
    }
    out[inst.feature_names[c]] = n > 0 ? std::sqrt(sum_sq / static_cast<double>(n)) : 0;
  }
  return out;
}

Instances KeepColumns(const Instances& inst, const std::vector<std::string>& keep) {
  const std::set<std::string> wanted(keep.begin(), keep.end());
  std::vector<size_t> cols;
  Instances out;
  out.id_column = inst.id_column;
  out.ids = inst.ids;
  out.label_name = inst.label_name;
  out.label_type = inst.label_type;
  out.labels = inst.labels;
  for (size_t c = 0; c < inst.cols(); ++c) {
    if (wanted.count(inst.feature_names[c]) > 0) {
      cols.push_back(c);
      out.feature_names.push_back(inst.feature_names[c]);
    }
  }
  out.features.reserve(inst.rows() * cols.size());
  for (size_t r = 0; r < inst.rows(); ++r) {
    for (size_t c : cols) out.features.push_back(inst.at(r, c));
  }
  return out;
}

}  // namespace fedflow
