#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "party-agent/components/component.h"
#include "party-agent/components/instances.h"

namespace fedflow {

// FATE's DataIO (DSL v1) and DataTransform (DSL v2) on guest and host, dense path: turns a raw
// table (from Reader, or a party table through args.*) into an instance table (instances.h):
// the first column is the id, the label column (with_label) is found by label_name, every
// other column is a float64 feature in header order. Missing values (missing_impute, or FATE's
// default list: "", "NA", "null", "None", ...) can be filled (missing_fill) by
// missing_fill_method designated (default_value) / min / max / mean of the column; values in
// outlier_impute can be replaced likewise (outlier_replace). Writes the instances to its first
// output data name and a JSON model (header, label, fill values) under its first output model
// alias. Parameters follow FATE's names and defaults; unknown ones and values fedflow does not
// support (output_format sparse, input_format tag/sparse, with_match_id, exclusive_data_type,
// data_type other than float64) are errors naming them. One instance runs one task.
class DataTransform : public Component {
 public:
  struct Params {
    bool with_label = false;
    std::string label_name = "y";
    std::string label_type = "int";
    std::string delimiter = ",";
    bool missing_fill = false;
    std::string missing_fill_method = "designated";
    // default_value: one number for every column, or per column (by name).
    Json default_value = 0;
    std::vector<std::string> missing_impute;  // empty: FATE's default list
    bool outlier_replace = false;
    std::string outlier_replace_method = "designated";
    Json outlier_replace_value = 0;
    std::vector<std::string> outlier_impute;  // empty: FATE's default list
  };
  // `module` is "DataIO" or "DataTransform" (it names errors and the model).
  static Result<Params> ParseParams(const std::string& module, const Json& component_parameters);

  // Converts raw rows (one line each, as stored) with `header` (id first) into instances.
  // `what` names the input in errors. `model` (optional) receives the fill values used.
  static Result<Instances> Transform(const std::string& module, const Params& p,
                                     const std::vector<std::string>& header,
                                     const std::vector<std::string>& rows, const std::string& what,
                                     Json* model);

  explicit DataTransform(std::string module) : module_(std::move(module)) {}
  Status Run(TaskContext& ctx) override;

 private:
  const std::string module_;
};

}  // namespace fedflow
