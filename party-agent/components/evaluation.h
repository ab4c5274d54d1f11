#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "party-agent/components/component.h"
#include "party-agent/components/instances.h"

namespace fedflow {

// FATE's Evaluation (guest, host, arbiter): reads the prediction tables (instances.h
// PredictionTable) of its data inputs and reports FATE's metrics per upstream component and
// data type ("train", "validate", ...):
//   binary (labels equal to pos_label are positive): auc and ks as single values; ks (fpr/tpr),
//     lift, gain, precision, recall and accuracy curves (common/ml/binary_metrics.h);
//   regression: explained_variance, mean_absolute_error, mean_squared_error,
//     median_absolute_error, r2_score, root_mean_squared_error.
// Tracking as FATE's: single values as metric <data type>/<component> (keys "auc", "ks", ...,
// meta EVALUATION_SUMMARY), curves as <data type>/<component>_<metric> (meta
// <METRIC>_EVALUATION), values rounded to 6 decimals; summary
// {"<component>": {"<data type>": {"auc": ..., "ks": ...}}}. A party whose inputs did not run
// there (host and arbiter in hetero LR) has nothing to evaluate and succeeds. Other eval_types
// and metrics FATE has but fedflow does not compute (roc, confusion_mat, psi, ...) are errors
// naming them. One instance runs one task.
class Evaluation : public Component {
 public:
  struct Params {
    std::string eval_type = "binary";
    double pos_label = 1;
    std::vector<std::string> metrics;  // the metrics to report (defaults filled in)
  };
  static Result<Params> ParseParams(const Json& component_parameters);

  // The single-value metrics of one data set: {"auc": ..., "ks": ...} or the regression ones.
  // Curves (binary only) go to *curves as metric name suffix -> (points, meta type, extra).
  struct Curve {
    std::vector<std::pair<double, double>> points;
    std::string metric_type;
    Json extra = Json::object();
  };
  static Result<Json> Evaluate(const Params& p, const std::vector<PredictionRow>& rows,
                               std::map<std::string, Curve>* curves);

  Status Run(TaskContext& ctx) override;
};

}  // namespace fedflow
