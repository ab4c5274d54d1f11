#pragma once

// Parameters of HeteroFeatureBinning (FATE's HeteroFeatureBinningParam, FATE 1.11 defaults) and
// the typed readers of nested FATE parameter objects that HeteroFeatureSelection shares.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "party-agent/components/parameter_reader.h"

namespace fedflow {

// Typed reads of one parameter object (top-level or nested, e.g. "transform_param"), strict
// about unknown keys as ParameterReader. `path` names the object in errors
// ("HeteroFeatureBinning: parameter \"transform_param.transform_type\": ..."). A JSON null
// counts as absent (FATE's None). Holds a reference to `params`, which must outlive it.
class FateParams {
 public:
  FateParams(std::string module, std::string path, const Json& params);

  Status Int(const std::string& key, int64_t* out);
  Status Double(const std::string& key, double* out);
  Status Bool(const std::string& key, bool* out);
  // A string; *out becomes "" for null (FATE's None) when allow_null.
  Status String(const std::string& key, std::string* out, bool allow_null = false);
  // FATE's "-1 or a list of indexes": nullopt for -1 ("all"), a list otherwise.
  Status IndexesOrAll(const std::string& key, std::optional<std::vector<int>>* out);
  // A list of ints; nullopt when absent or null.
  Status IntList(const std::string& key, std::optional<std::vector<int>>* out);
  Status DoubleList(const std::string& key, std::optional<std::vector<double>>* out);
  Status StringList(const std::string& key, std::optional<std::vector<std::string>>* out);
  // A nested object (nullptr when absent or null); InvalidArgument for another type.
  Status Object(const std::string& key, const Json** out);
  // Accepts the key with any value (FATE parameters fedflow takes but does not use).
  Status Ignore(const std::string& key);

  Status CheckNoUnknown() const;
  // "<path>.<key>", for nested readers and errors.
  std::string Path(const std::string& key) const;
  // "<module>: parameter \"<path>.<key>\"".
  std::string Where(const std::string& key) const;

 private:
  Result<const Json*> Find(const std::string& key);

  const std::string module_;
  const std::string path_;
  const Json& params_;
  std::vector<std::string> known_;
};

struct FeatureBinningParams {
  std::string method = "quantile";  // "quantile" or "bucket"
  int64_t bin_num = 10;
  int64_t compress_thres = 10000;
  int64_t head_size = 10000;
  double error = 1e-4;
  double adjustment_factor = 0.5;
  std::optional<std::vector<int>> bin_indexes;  // nullopt: FATE's -1 (all columns)
  std::vector<std::string> bin_names;
  // Category columns: every distinct value is a bin; they are not transformed.
  std::optional<std::vector<int>> category_indexes;  // empty list: none; nullopt: -1 (all)
  std::vector<std::string> category_names;
  bool local_only = false;
  std::optional<std::vector<int>> transform_cols;  // nullopt: -1 (every binned column)
  std::vector<std::string> transform_names;
  std::string transform_type = "bin_num";  // "bin_num", "woe" or "" (FATE's None: no transform)
  bool skip_static = false;
  int64_t key_length = 2048;
  // User split points (FATE 1.11 split_points_by_index / split_points_by_col_name).
  std::map<int, std::vector<double>> split_points_by_index;
  std::map<std::string, std::vector<double>> split_points_by_col_name;
};

// Parses and validates; FATE's defaults for absent keys, unknown keys rejected, methods and
// transform types fedflow does not implement rejected with a clear message.
Result<FeatureBinningParams> ParseFeatureBinningParams(const Json& component_parameters);

}  // namespace fedflow
