#pragma once

// Instance tables: how FATE's "instances" (id, optional label, dense features) travel between
// the algorithm components of a job (DataIO/DataTransform, Intersection, HeteroFeatureBinning,
// HeteroFeatureSelection, HeteroLR, Evaluation) as task output tables.
//
// The table form (docs/COMPONENTS.md, "Instance tables"):
//   - header: [<id column>, <label column> (only with a label), <feature names>...];
//     delimiter ","; head = true; header_line = the header joined by ",".
//   - rows: "<id>,<label>,<f1>,...,<fn>", numbers in their shortest round-trip form ("%.17g"
//     trimmed: 0.1 stays "0.1"), so that a value read back is the same double.
//   - schema extra_json: {"fedflow_instances": 1, "label_name": "y" | null,
//     "label_type": "int" | "float" | null, "feature_names": [...]} (feature_names repeats the
//     header's features; label_name is the label column's name when there is one).
//   - Evaluation reads a prediction table instead (PredictionTable below).
// Rows keep the order of the table they came from.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "party-agent/components/component.h"

namespace fedflow {

struct Instances {
  std::string id_column = "id";
  std::vector<std::string> ids;
  // Set when the table has a label column: its name and one label per row.
  std::optional<std::string> label_name;
  std::string label_type = "int";  // "int" or "float"
  std::vector<double> labels;
  std::vector<std::string> feature_names;
  // Row-major: rows() x feature_names.size().
  std::vector<double> features;

  size_t rows() const { return ids.size(); }
  size_t cols() const { return feature_names.size(); }
  double at(size_t r, size_t c) const { return features[r * feature_names.size() + c]; }
  double& at(size_t r, size_t c) { return features[r * feature_names.size() + c]; }
  // The row of `id`, or -1 (builds an index on first use; not thread-safe).
  int64_t RowOf(const std::string& id) const;

 private:
  mutable std::vector<std::pair<std::string, int64_t>> index_;
};

// Reads a whole instance table (the input must carry the instance extra_json, i.e. come from
// DataIO/DataTransform or a component downstream of it; otherwise InvalidArgument naming the
// input and saying which component to put first). Errors name the table, row and column.
Result<Instances> ReadInstances(const TaskContext& ctx, InputTable* in);
// Reads data input `key`[index] of the task (TaskContext::OpenInput) as instances.
Result<Instances> ReadInputInstances(const TaskContext& ctx, const std::string& key,
                                     size_t index = 0);
// Writes `inst` as output table `data_name` of the task, in batches, and commits it.
Status WriteInstances(const TaskContext& ctx, const std::string& data_name,
                      const Instances& inst);

// A double in its shortest round-trip text form.
std::string FormatDouble(double v);

// FATE's prediction output (what HeteroLR's train/predict data output holds and Evaluation
// reads): header [id, label, predict_result, predict_score, predict_detail, type], one row per
// instance: label (the true label), predict_result (the predicted class), predict_score (the
// probability of the positive class), predict_detail ({"0": p0, "1": p1} as JSON text, quoted
// for CSV), type ("train" / "validate" / "predict"). Schema extra_json:
// {"fedflow_predictions": 1}.
struct PredictionRow {
  std::string id;
  double label = 0;
  double predict_result = 0;
  double predict_score = 0;
  std::string type = "train";
};
Status WritePredictions(const TaskContext& ctx, const std::string& data_name,
                        const std::vector<PredictionRow>& rows);
Result<std::vector<PredictionRow>> ReadPredictions(const TaskContext& ctx, InputTable* in);

}  // namespace fedflow
