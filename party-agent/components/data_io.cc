#include "party-agent/components/data_io.h"

#include <glog/logging.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <string_view>
#include <utility>

#include "party-agent/components/parameter_reader.h"

namespace fedflow {

namespace {

// FATE's Imputer treats these as missing when no missing_impute list is given (compared
// case-insensitively after trimming blanks).
constexpr const char* kDefaultAbnormal[] = {"", "na", "n/a", "nan", "null", "none"};

std::vector<std::string_view> Split(std::string_view line, std::string_view delimiter) {
  std::vector<std::string_view> out;
  if (delimiter.empty()) return {line};
  size_t start = 0;
  while (true) {
    size_t pos = line.find(delimiter, start);
    if (pos == std::string_view::npos) {
      out.push_back(line.substr(start));
      return out;
    }
    out.push_back(line.substr(start, pos - start));
    start = pos + delimiter.size();
  }
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> ParseNumber(std::string_view text) {
  std::string s(Trim(text));
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

// A set of "abnormal" values (missing_impute / outlier_impute): strings compared as text,
// numbers numerically.
class AbnormalValues {
 public:
  static Result<AbnormalValues> FromJson(const Json* list, const std::string& path) {
    AbnormalValues out;
    if (list == nullptr || list->is_null()) {
      for (const char* v : kDefaultAbnormal) out.lower_texts_.emplace_back(v);
      return out;
    }
    if (!list->is_array()) {
      return Status::InvalidArgument(path + ": expected a list of values or null, got " +
                                     JsonTypeName(*list));
    }
    for (const Json& v : *list) {
      if (v.is_string()) {
        out.texts_.push_back(std::string(Trim(v.get<std::string>())));
      } else if (v.is_number()) {
        out.numbers_.push_back(v.get<double>());
      } else if (v.is_null()) {
        out.lower_texts_.emplace_back("none");
      } else {
        return Status::InvalidArgument(path + ": expected strings or numbers, got " +
                                       JsonTypeName(v));
      }
    }
    return out;
  }
  bool Contains(std::string_view text) const {
    std::string_view t = Trim(text);
    if (std::find(texts_.begin(), texts_.end(), t) != texts_.end()) return true;
    if (!lower_texts_.empty() &&
        std::find(lower_texts_.begin(), lower_texts_.end(), Lower(t)) != lower_texts_.end()) {
      return true;
    }
    if (!numbers_.empty()) {
      std::optional<double> v = ParseNumber(t);
      if (v && std::find(numbers_.begin(), numbers_.end(), *v) != numbers_.end()) return true;
    }
    return false;
  }

 private:
  std::vector<std::string> texts_;
  std::vector<std::string> lower_texts_;
  std::vector<double> numbers_;
};

Status ReadNullableString(ParameterReader* reader, const std::string& key, std::string* out,
                          const std::string& module) {
  const Json* v = nullptr;
  RETURN_NOT_OK(reader->ReadJson(key, &v));
  if (v == nullptr || v->is_null()) return Status::OK();
  if (!v->is_string()) {
    return Status::InvalidArgument(module + ": parameter \"" + key +
                                   "\": expected a string or null, got " + JsonTypeName(*v));
  }
  *out = v->get<std::string>();
  return Status::OK();
}

Status CheckFillMethod(const std::string& module, const std::string& key,
                       const std::string& method) {
  static const std::vector<std::string> kMethods = {"designated", "min", "max", "mean", "median"};
  if (std::find(kMethods.begin(), kMethods.end(), method) == kMethods.end()) {
    return Status::InvalidArgument(module + ": parameter \"" + key + "\": \"" + method +
                                   "\" is not supported (use designated, min, max, mean or "
                                   "median)");
  }
  return Status::OK();
}

// The replacement value of feature `name` (index `i` among the features) for a designated
// fill: one number, a list per feature, or an object by feature name.
Result<double> DesignatedValue(const Json& value, const std::string& name, size_t i,
                               const std::string& path) {
  if (value.is_null()) return 0.0;
  if (value.is_number()) return value.get<double>();
  if (value.is_string()) {
    std::optional<double> v = ParseNumber(value.get<std::string>());
    if (v) return *v;
  } else if (value.is_array()) {
    if (i < value.size() && value[i].is_number()) return value[i].get<double>();
    return Status::InvalidArgument(path + ": the list gives no number for feature " +
                                   std::to_string(i) + " (\"" + name + "\")");
  } else if (value.is_object()) {
    const Json* v = FindMember(value, name);
    if (v != nullptr && v->is_number()) return v->get<double>();
    return Status::InvalidArgument(path + ": no number for feature \"" + name + "\"");
  }
  return Status::InvalidArgument(path + ": expected a number, a list or an object of numbers, "
                                        "got " + DumpJson(value));
}

Status CheckDesignated(const std::string& module, const std::string& key, const Json& value) {
  if (value.is_null() || value.is_number() || value.is_array() || value.is_object()) {
    return Status::OK();
  }
  if (value.is_string() && ParseNumber(value.get<std::string>())) return Status::OK();
  return Status::InvalidArgument(module + ": parameter \"" + key +
                                 "\": expected a number (or a list or object of numbers), got " +
                                 DumpJson(value));
}

// Fill values per feature by `method` over the column's normal values (flag 0).
Result<std::vector<double>> FillValues(const std::string& method, const Json& designated,
                                       const std::string& path, const Instances& inst,
                                       const std::vector<uint8_t>& flags) {
  const size_t n = inst.rows(), m = inst.cols();
  std::vector<double> out(m, 0.0);
  for (size_t c = 0; c < m; ++c) {
    if (method == "designated") {
      ASSIGN_OR_RETURN(out[c], DesignatedValue(designated, inst.feature_names[c], c, path));
      continue;
    }
    std::vector<double> values;
    for (size_t r = 0; r < n; ++r) {
      if (flags[r * m + c] == 0) values.push_back(inst.at(r, c));
    }
    if (values.empty()) continue;  // Nothing to take a statistic of: 0, as a designated fill.
    if (method == "min") {
      out[c] = *std::min_element(values.begin(), values.end());
    } else if (method == "max") {
      out[c] = *std::max_element(values.begin(), values.end());
    } else if (method == "mean") {
      double sum = 0;
      for (double v : values) sum += v;
      out[c] = sum / static_cast<double>(values.size());
    } else {  // median
      std::sort(values.begin(), values.end());
      size_t k = values.size() / 2;
      out[c] = values.size() % 2 == 1 ? values[k] : (values[k - 1] + values[k]) / 2;
    }
  }
  return out;
}

}  // namespace

Result<DataTransform::Params> DataTransform::ParseParams(const std::string& module,
                                                         const Json& component_parameters) {
  Params p;
  ParameterReader reader(module, component_parameters);
  const std::string prefix = module + ": parameter ";
  std::string input_format = "dense", output_format = "dense", data_type = "float64";
  RETURN_NOT_OK(reader.ReadBool("with_label", &p.with_label));
  RETURN_NOT_OK(reader.ReadString("label_name", &p.label_name));
  RETURN_NOT_OK(reader.ReadString("label_type", &p.label_type));
  RETURN_NOT_OK(reader.ReadString("input_format", &input_format));
  RETURN_NOT_OK(reader.ReadString("output_format", &output_format));
  RETURN_NOT_OK(reader.ReadString("data_type", &data_type));
  std::string delimitor, delimiter;
  RETURN_NOT_OK(reader.ReadString("delimitor", &delimitor));
  RETURN_NOT_OK(reader.ReadString("delimiter", &delimiter));
  bool tag_with_value = false;
  std::string tag_value_delimitor = ":";
  RETURN_NOT_OK(reader.ReadBool("tag_with_value", &tag_with_value));
  RETURN_NOT_OK(reader.ReadString("tag_value_delimitor", &tag_value_delimitor));
  RETURN_NOT_OK(reader.ReadBool("missing_fill", &p.missing_fill));
  RETURN_NOT_OK(ReadNullableString(&reader, "missing_fill_method", &p.missing_fill_method, module));
  const Json* default_value = nullptr;
  RETURN_NOT_OK(reader.ReadJson("default_value", &default_value));
  const Json* missing_impute = nullptr;
  RETURN_NOT_OK(reader.ReadJson("missing_impute", &missing_impute));
  RETURN_NOT_OK(reader.ReadBool("outlier_replace", &p.outlier_replace));
  RETURN_NOT_OK(
      ReadNullableString(&reader, "outlier_replace_method", &p.outlier_replace_method, module));
  const Json* outlier_impute = nullptr;
  RETURN_NOT_OK(reader.ReadJson("outlier_impute", &outlier_impute));
  const Json* outlier_value = nullptr;
  RETURN_NOT_OK(reader.ReadJson("outlier_replace_value", &outlier_value));
  const Json* exclusive = nullptr;
  RETURN_NOT_OK(reader.ReadJson("exclusive_data_type", &exclusive));
  bool with_match_id = false;
  RETURN_NOT_OK(reader.ReadBool("with_match_id", &with_match_id));
  if (module == "DataTransform") {
    std::string match_id_name;
    int64_t match_id_index = 0;
    RETURN_NOT_OK(reader.ReadString("match_id_name", &match_id_name));
    RETURN_NOT_OK(reader.ReadInt("match_id_index", &match_id_index));
  }
  RETURN_NOT_OK(reader.CheckNoUnknown());

  if (input_format != "dense") {
    return Status::InvalidArgument(prefix + "\"input_format\": \"" + input_format +
                                   "\" is not supported (fedflow reads dense tables only)");
  }
  if (output_format != "dense") {
    return Status::InvalidArgument(prefix + "\"output_format\": \"" + output_format +
                                   "\" is not supported (fedflow writes dense instances only)");
  }
  if (data_type != "float64" && data_type != "float" && data_type != "double") {
    return Status::InvalidArgument(prefix + "\"data_type\": \"" + data_type +
                                   "\" is not supported (use float64)");
  }
  if (p.label_type == "int" || p.label_type == "int64" || p.label_type == "long") {
    p.label_type = "int";
  } else if (p.label_type == "float" || p.label_type == "float64" || p.label_type == "double") {
    p.label_type = "float";
  } else {
    return Status::InvalidArgument(prefix + "\"label_type\": \"" + p.label_type +
                                   "\" is not supported (use int or float)");
  }
  if (p.with_label && p.label_name.empty()) {
    return Status::InvalidArgument(prefix + "\"label_name\" is empty with with_label true");
  }
  if (!delimitor.empty() && !delimiter.empty() && delimitor != delimiter) {
    return Status::InvalidArgument(prefix + "\"delimitor\" (\"" + delimitor +
                                   "\") and \"delimiter\" (\"" + delimiter + "\") differ");
  }
  if (!delimiter.empty()) p.delimiter = delimiter;
  if (!delimitor.empty()) p.delimiter = delimitor;
  if (exclusive != nullptr && !exclusive->is_null() &&
      !(exclusive->is_object() && exclusive->empty())) {
    return Status::InvalidArgument(prefix + "\"exclusive_data_type\" is not supported (every "
                                            "feature is float64 in fedflow); leave it null");
  }
  if (with_match_id) {
    return Status::InvalidArgument(prefix + "\"with_match_id\": true is not supported");
  }
  RETURN_NOT_OK(CheckFillMethod(module, "missing_fill_method", p.missing_fill_method));
  RETURN_NOT_OK(CheckFillMethod(module, "outlier_replace_method", p.outlier_replace_method));
  if (default_value != nullptr) p.default_value = *default_value;
  if (outlier_value != nullptr) p.outlier_replace_value = *outlier_value;
  RETURN_NOT_OK(CheckDesignated(module, "default_value", p.default_value));
  RETURN_NOT_OK(CheckDesignated(module, "outlier_replace_value", p.outlier_replace_value));
  for (auto [json, list, key] :
       {std::make_tuple(missing_impute, &p.missing_impute, "missing_impute"),
        std::make_tuple(outlier_impute, &p.outlier_impute, "outlier_impute")}) {
    if (json == nullptr || json->is_null()) continue;
    if (!json->is_array()) {
      return Status::InvalidArgument(prefix + "\"" + key + "\": expected a list or null, got " +
                                     JsonTypeName(*json));
    }
    for (const Json& v : *json) {
      if (v.is_string()) {
        list->push_back(v.get<std::string>());
      } else if (v.is_number()) {
        list->push_back(DumpJson(v));
      } else {
        return Status::InvalidArgument(prefix + "\"" + key + "\": expected strings or numbers");
      }
    }
  }
  return p;
}

Result<Instances> DataTransform::Transform(const std::string& module, const Params& p,
                                           const std::vector<std::string>& header,
                                           const std::vector<std::string>& rows,
                                           const std::string& what, Json* model) {
  if (header.empty()) {
    return Status::InvalidArgument(module + ": " + what +
                                   " has no header (upload it with its header line)");
  }
  Instances inst;
  inst.id_column = header[0];
  int label_col = -1;
  if (p.with_label) {
    auto it = std::find(header.begin(), header.end(), p.label_name);
    if (it == header.end()) {
      std::string joined;
      for (const std::string& h : header) joined += (joined.empty() ? "" : ",") + h;
      return Status::InvalidArgument(module + ": label column \"" + p.label_name +
                                     "\" (label_name) is not in the header of " + what + " (" +
                                     joined + ")");
    }
    label_col = static_cast<int>(it - header.begin());
    if (label_col == 0) {
      return Status::InvalidArgument(module + ": label_name \"" + p.label_name +
                                     "\" names the id column of " + what);
    }
    inst.label_name = p.label_name;
    inst.label_type = p.label_type;
  }
  std::vector<size_t> feature_cols;
  for (size_t c = 1; c < header.size(); ++c) {
    if (static_cast<int>(c) == label_col) continue;
    feature_cols.push_back(c);
    inst.feature_names.push_back(header[c]);
  }
  Json missing_json = p.missing_impute.empty() ? Json() : Json(p.missing_impute);
  Json outlier_json = p.outlier_impute.empty() ? Json() : Json(p.outlier_impute);
  ASSIGN_OR_RETURN(AbnormalValues missing,
                   AbnormalValues::FromJson(&missing_json, module + ": missing_impute"));
  ASSIGN_OR_RETURN(AbnormalValues outliers,
                   AbnormalValues::FromJson(&outlier_json, module + ": outlier_impute"));

  const size_t m = feature_cols.size();
  inst.ids.reserve(rows.size());
  inst.features.reserve(rows.size() * m);
  std::vector<uint8_t> flags;  // 0 normal, 1 missing, 2 outlier
  flags.reserve(rows.size() * m);
  std::vector<int64_t> missing_count(m, 0), outlier_count(m, 0);
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::string_view> fields = Split(rows[r], p.delimiter);
    const std::string id(Trim(fields[0]));
    const std::string where = what + " row " + std::to_string(r + 1) + " (id \"" + id + "\")";
    if (fields.size() != header.size()) {
      return Status::InvalidArgument(module + ": " + where + " has " +
                                     std::to_string(fields.size()) + " fields, the header has " +
                                     std::to_string(header.size()) + " (delimiter \"" +
                                     p.delimiter + "\")");
    }
    inst.ids.push_back(id);
    if (label_col >= 0) {
      std::optional<double> label = ParseNumber(fields[label_col]);
      if (!label) {
        return Status::InvalidArgument(module + ": " + where + " label column \"" +
                                       p.label_name + "\": \"" +
                                       std::string(fields[label_col]) + "\" is not a number");
      }
      if (p.label_type == "int" && (*label != std::floor(*label) || !std::isfinite(*label))) {
        return Status::InvalidArgument(module + ": " + where + " label column \"" +
                                       p.label_name + "\": \"" +
                                       std::string(fields[label_col]) +
                                       "\" is not an integer (label_type int)");
      }
      inst.labels.push_back(*label);
    }
    for (size_t k = 0; k < m; ++k) {
      std::string_view text = fields[feature_cols[k]];
      if (p.missing_fill && missing.Contains(text)) {
        inst.features.push_back(0);
        flags.push_back(1);
        ++missing_count[k];
        continue;
      }
      if (p.outlier_replace && outliers.Contains(text)) {
        inst.features.push_back(0);
        flags.push_back(2);
        ++outlier_count[k];
        continue;
      }
      std::optional<double> v = ParseNumber(text);
      if (!v) {
        std::string hint;
        if (!p.missing_fill && missing.Contains(text)) {
          hint = " (a missing value: set missing_fill true to fill it)";
        }
        return Status::InvalidArgument(module + ": " + where + " column \"" +
                                       header[feature_cols[k]] + "\": \"" + std::string(text) +
                                       "\" is not a number" + hint);
      }
      inst.features.push_back(*v);
      flags.push_back(0);
    }
  }
  Json missing_values = Json::object(), outlier_values = Json::object();
  if (p.missing_fill) {
    ASSIGN_OR_RETURN(std::vector<double> fill,
                     FillValues(p.missing_fill_method, p.default_value,
                                module + ": parameter \"default_value\"", inst, flags));
    for (size_t i = 0; i < flags.size(); ++i) {
      if (flags[i] == 1) inst.features[i] = fill[i % m];
    }
    for (size_t k = 0; k < m; ++k) missing_values[inst.feature_names[k]] = fill[k];
  }
  if (p.outlier_replace) {
    ASSIGN_OR_RETURN(std::vector<double> fill,
                     FillValues(p.outlier_replace_method, p.outlier_replace_value,
                                module + ": parameter \"outlier_replace_value\"", inst, flags));
    for (size_t i = 0; i < flags.size(); ++i) {
      if (flags[i] == 2) inst.features[i] = fill[i % m];
    }
    for (size_t k = 0; k < m; ++k) outlier_values[inst.feature_names[k]] = fill[k];
  }
  if (model != nullptr) {
    Json missing_counts = Json::object(), outlier_counts = Json::object();
    for (size_t k = 0; k < m; ++k) {
      missing_counts[inst.feature_names[k]] = missing_count[k];
      outlier_counts[inst.feature_names[k]] = outlier_count[k];
    }
    *model = Json{{"module", module},
                  {"header", inst.feature_names},
                  {"sid_name", inst.id_column},
                  {"with_label", p.with_label},
                  {"label_name", p.with_label ? Json(p.label_name) : Json(nullptr)},
                  {"label_type", p.label_type},
                  {"input_format", "dense"},
                  {"output_format", "dense"},
                  {"delimitor", p.delimiter},
                  {"missing_fill", p.missing_fill},
                  {"missing_fill_method", p.missing_fill_method},
                  {"missing_impute", missing_json},
                  {"missing_replace_value", missing_values},
                  {"missing_count", missing_counts},
                  {"outlier_replace", p.outlier_replace},
                  {"outlier_replace_method", p.outlier_replace_method},
                  {"outlier_impute", outlier_json},
                  {"outlier_replace_value", outlier_values},
                  {"outlier_count", outlier_counts}};
  }
  return inst;
}

Status DataTransform::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(Params p, ParseParams(module_, ctx.component_parameters()));
  // A predict job gives the trained component's model: its settings and fill values apply.
  const Json* model_inputs = FindMember(ctx.io(), "model");
  if (model_inputs != nullptr && model_inputs->is_array() && !model_inputs->empty()) {
    const Json& ref = (*model_inputs)[0];
    ASSIGN_OR_RETURN(std::string component, GetString(ref, "component", module_ + ": model input"));
    std::string alias = "model";
    if (const Json* a = FindMember(ref, "model"); a != nullptr && a->is_string()) {
      alias = a->get<std::string>();
    }
    auto loaded = ctx.storage().LoadModel(component, alias);
    if (!loaded.ok()) return loaded.status().CloneAndPrepend(module_ + ": model input");
    ASSIGN_OR_RETURN(Json trained, ParseJson(loaded->data, "model " + component + "." + alias));
    p.with_label = trained.value("with_label", p.with_label);
    if (trained.contains("label_name") && trained["label_name"].is_string()) {
      p.label_name = trained["label_name"].get<std::string>();
    }
    p.label_type = trained.value("label_type", p.label_type);
    p.delimiter = trained.value("delimitor", p.delimiter);
    p.missing_fill = trained.value("missing_fill", p.missing_fill);
    p.outlier_replace = trained.value("outlier_replace", p.outlier_replace);
    // Fill with the values learnt in training.
    p.missing_fill_method = "designated";
    p.outlier_replace_method = "designated";
    if (trained.contains("missing_replace_value")) p.default_value = trained["missing_replace_value"];
    if (trained.contains("outlier_replace_value")) {
      p.outlier_replace_value = trained["outlier_replace_value"];
    }
    LOG(INFO) << ctx.LogPrefix() << module_ << ": using the settings of model " << component
              << "." << alias;
  }

  std::string key;
  for (const auto& [k, entries] : ctx.DataInputs()) {
    if (entries > 0) {
      key = k;
      break;
    }
  }
  if (key.empty()) return Status::InvalidArgument(module_ + ": the component has no data input");
  auto opened = ctx.OpenInput(key, 0);
  if (!opened.ok()) return opened.status().CloneAndPrepend(module_);
  std::unique_ptr<InputTable> in = std::move(opened).value();
  const TableSchema& schema = in->schema();
  std::vector<std::string> header;
  if (!schema.header_line.empty()) {
    for (std::string_view h : Split(schema.header_line, p.delimiter)) {
      header.emplace_back(Trim(h));
    }
  } else {
    header = schema.header;
  }
  std::vector<std::string> rows, batch;
  if (schema.count > 0) rows.reserve(schema.count);
  while (true) {
    if (ctx.should_stop()) return Status::Aborted(module_ + ": stopped while reading input");
    RETURN_NOT_OK_PREPEND(in->NextBatch(&batch), module_);
    if (batch.empty()) break;
    for (std::string& r : batch) rows.push_back(std::move(r));
  }
  const std::string what = in->what();
  RETURN_NOT_OK_PREPEND(in->Close(), module_);
  Json model;
  ASSIGN_OR_RETURN(Instances inst, Transform(module_, p, header, rows, what, &model));
  rows.clear();

  const std::vector<std::string> outputs = ctx.OutputDataNames();
  const std::string data_name = outputs.empty() ? "data" : outputs.front();
  RETURN_NOT_OK_PREPEND(WriteInstances(ctx, data_name, inst), module_ + ": output " + data_name);
  std::string alias = "model";
  if (const Json* out = FindMember(ctx.io(), "output"); out != nullptr && out->is_object()) {
    const Json* models = FindMember(*out, "model");
    if (models != nullptr && models->is_array() && !models->empty() && (*models)[0].is_string()) {
      alias = (*models)[0].get<std::string>();
    }
  }
  RETURN_NOT_OK_PREPEND(ctx.storage().SaveModel(alias, module_, DumpJson(model, 2)), module_);
  Json summary = {{"count", inst.rows()},
                  {"features", inst.cols()},
                  {"header", inst.feature_names},
                  {"label_name", model["label_name"]},
                  {"missing_count", model["missing_count"]}};
  RETURN_NOT_OK_PREPEND(ctx.storage().SaveSummary(summary), module_);
  LOG(INFO) << ctx.LogPrefix() << module_ << ": " << inst.rows() << " instances with "
            << inst.cols() << " features" << (inst.label_name ? " and label " : "")
            << inst.label_name.value_or("") << " from " << what << " to output " << data_name;
  return Status::OK();
}

}  // namespace fedflow
