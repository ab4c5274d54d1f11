#include "party-agent/components/instances.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string_view>
#include <utility>

#include "common/json_util.h"

namespace fedflow {

namespace {

constexpr char kInstancesKey[] = "fedflow_instances";
constexpr char kPredictionsKey[] = "fedflow_predictions";
const std::vector<std::string> kPredictionHeader = {"id",           "label",          "predict_result",
                                                    "predict_score", "predict_detail", "type"};

std::vector<std::string_view> SplitPlain(std::string_view line, std::string_view delimiter) {
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

// CSV fields with RFC 4180 quoting ("a ""b""" is a "b"); the delimiter is one character.
std::vector<std::string> SplitQuoted(std::string_view line, char delimiter) {
  std::vector<std::string> out;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field.push_back('"');
          ++i;
        } else {
          quoted = false;
        }
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      out.push_back(std::move(field));
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  out.push_back(std::move(field));
  return out;
}

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Parses a whole field as a double ("nan" and "inf" included); nullopt if it is not a number.
std::optional<double> ParseNumber(std::string_view text) {
  std::string s(text);
  // Tolerate surrounding blanks as FATE's float() does.
  size_t b = s.find_first_not_of(" \t\r");
  size_t e = s.find_last_not_of(" \t\r");
  if (b == std::string::npos) return std::nullopt;
  s = s.substr(b, e - b + 1);
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return v;
}

std::string RowWhere(const InputTable& in, int64_t row, const std::string& id) {
  return in.what() + " row " + std::to_string(row + 1) + " (id \"" + id + "\")";
}

Result<Json> ExtraJson(const InputTable& in) {
  const TableSchema& schema = in.schema();
  if (!schema.extra_json.has_value() || schema.extra_json->empty()) return Json::object();
  ASSIGN_OR_RETURN(Json extra, ParseJson(*schema.extra_json, in.what() + " schema extra_json"));
  if (!extra.is_object()) return Json::object();
  return extra;
}

}  // namespace

int64_t Instances::RowOf(const std::string& id) const {
  if (index_.size() != ids.size()) {
    index_.clear();
    index_.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) index_.emplace_back(ids[i], static_cast<int64_t>(i));
    std::sort(index_.begin(), index_.end());
  }
  auto it = std::lower_bound(index_.begin(), index_.end(), std::make_pair(id, int64_t{-1}));
  if (it == index_.end() || it->first != id) return -1;
  return it->second;
}

std::string FormatDouble(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return "0";  // also -0.0
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  if (ec != std::errc()) return std::to_string(v);
  return std::string(buf, end);
}

Result<Instances> ReadInstances(const TaskContext& ctx, InputTable* in) {
  const TableSchema& schema = in->schema();
  ASSIGN_OR_RETURN(Json extra, ExtraJson(*in));
  if (FindMember(extra, kInstancesKey) == nullptr) {
    return Status::InvalidArgument(
        in->what() + " is not an instance table (its schema has no \"" + kInstancesKey +
        "\"): put DataIO/DataTransform before component " + ctx.key().component +
        " to turn a raw table into instances");
  }
  Instances inst;
  if (schema.header.empty()) {
    return Status::InvalidArgument(in->what() + ": an instance table needs a header");
  }
  inst.id_column = schema.header[0];
  const Json* label = FindMember(extra, "label_name");
  if (label != nullptr && label->is_string()) inst.label_name = label->get<std::string>();
  const Json* label_type = FindMember(extra, "label_type");
  if (label_type != nullptr && label_type->is_string()) {
    inst.label_type = label_type->get<std::string>();
  }
  const size_t first_feature = inst.label_name.has_value() ? 2 : 1;
  if (inst.label_name.has_value() &&
      (schema.header.size() < 2 || schema.header[1] != *inst.label_name)) {
    return Status::InvalidArgument(in->what() + ": the label column \"" + *inst.label_name +
                                   "\" is not the header's second column");
  }
  for (size_t i = first_feature; i < schema.header.size(); ++i) {
    inst.feature_names.push_back(schema.header[i]);
  }
  const size_t width = schema.header.size();
  if (schema.count > 0) {
    inst.ids.reserve(schema.count);
    inst.features.reserve(schema.count * inst.feature_names.size());
    if (inst.label_name) inst.labels.reserve(schema.count);
  }
  const std::string delimiter = schema.delimiter.empty() ? "," : schema.delimiter;
  std::vector<std::string> rows;
  int64_t row_no = 0;
  while (true) {
    if (ctx.should_stop()) return Status::Aborted("stopped while reading " + in->what());
    RETURN_NOT_OK(in->NextBatch(&rows));
    if (rows.empty()) break;
    for (const std::string& row : rows) {
      std::vector<std::string_view> fields = SplitPlain(row, delimiter);
      const std::string id(fields[0]);
      if (fields.size() != width) {
        return Status::InvalidArgument(RowWhere(*in, row_no, id) + " has " +
                                       std::to_string(fields.size()) + " fields, the header " +
                                       std::to_string(width));
      }
      inst.ids.push_back(id);
      for (size_t c = 1; c < width; ++c) {
        std::optional<double> v = ParseNumber(fields[c]);
        if (!v) {
          return Status::InvalidArgument(RowWhere(*in, row_no, id) + " column \"" +
                                         schema.header[c] + "\": \"" + std::string(fields[c]) +
                                         "\" is not a number");
        }
        if (c == 1 && inst.label_name) {
          inst.labels.push_back(*v);
        } else {
          inst.features.push_back(*v);
        }
      }
      ++row_no;
    }
  }
  RETURN_NOT_OK(in->Close());
  return inst;
}

Result<Instances> ReadInputInstances(const TaskContext& ctx, const std::string& key,
                                     size_t index) {
  ASSIGN_OR_RETURN(std::unique_ptr<InputTable> in, ctx.OpenInput(key, index));
  Result<Instances> inst = ReadInstances(ctx, in.get());
  if (!inst.ok()) {
    return inst.status().CloneAndPrepend("input data." + key + "[" + std::to_string(index) + "]");
  }
  return inst;
}

Status WriteInstances(const TaskContext& ctx, const std::string& data_name,
                      const Instances& inst) {
  const size_t n = inst.rows();
  const size_t m = inst.cols();
  if (inst.features.size() != n * m) {
    return Status::Internal("instances for output " + data_name + ": " +
                            std::to_string(inst.features.size()) + " feature values for " +
                            std::to_string(n) + " rows x " + std::to_string(m) + " features");
  }
  if (inst.label_name && inst.labels.size() != n) {
    return Status::Internal("instances for output " + data_name + ": " +
                            std::to_string(inst.labels.size()) + " labels for " +
                            std::to_string(n) + " rows");
  }
  TableSchema schema;
  schema.header.push_back(inst.id_column);
  if (inst.label_name) schema.header.push_back(*inst.label_name);
  for (const std::string& f : inst.feature_names) schema.header.push_back(f);
  schema.id_column = inst.id_column;
  schema.label_column = inst.label_name;
  schema.delimiter = ",";
  schema.head = true;
  for (size_t i = 0; i < schema.header.size(); ++i) {
    schema.header_line += (i == 0 ? "" : ",") + schema.header[i];
  }
  schema.num_columns = static_cast<int32_t>(schema.header.size());
  Json extra = {{kInstancesKey, 1},
                {"label_name", inst.label_name ? Json(*inst.label_name) : Json(nullptr)},
                {"label_type", inst.label_name ? Json(inst.label_type) : Json(nullptr)},
                {"feature_names", inst.feature_names}};
  schema.extra_json = DumpJson(extra);

  ASSIGN_OR_RETURN(std::unique_ptr<OutputTable> out,
                   ctx.storage().CreateOutput(data_name, schema));
  std::string line;
  for (size_t r = 0; r < n; ++r) {
    if ((r & 1023) == 0 && ctx.should_stop()) {
      return Status::Aborted("stopped while writing output " + data_name);
    }
    line = inst.ids[r];
    if (inst.label_name) {
      line += ',';
      line += FormatDouble(inst.labels[r]);
    }
    for (size_t c = 0; c < m; ++c) {
      line += ',';
      line += FormatDouble(inst.features[r * m + c]);
    }
    RETURN_NOT_OK(out->Add(line));
  }
  ASSIGN_OR_RETURN(int64_t count, out->Commit());
  if (count != static_cast<int64_t>(n)) {
    return Status::IOError("output " + data_name + " has " + std::to_string(count) +
                           " rows, expected " + std::to_string(n));
  }
  return Status::OK();
}

Status WritePredictions(const TaskContext& ctx, const std::string& data_name,
                        const std::vector<PredictionRow>& rows) {
  TableSchema schema;
  schema.header = kPredictionHeader;
  schema.id_column = "id";
  schema.label_column = "label";
  schema.delimiter = ",";
  schema.head = true;
  for (size_t i = 0; i < schema.header.size(); ++i) {
    schema.header_line += (i == 0 ? "" : ",") + schema.header[i];
  }
  schema.num_columns = static_cast<int32_t>(schema.header.size());
  schema.extra_json = DumpJson(Json{{kPredictionsKey, 1}});
  ASSIGN_OR_RETURN(std::unique_ptr<OutputTable> out,
                   ctx.storage().CreateOutput(data_name, schema));
  for (const PredictionRow& row : rows) {
    const std::string detail = "{\"0\": " + FormatDouble(1 - row.predict_score) + ", \"1\": " +
                               FormatDouble(row.predict_score) + "}";
    RETURN_NOT_OK(out->Add(row.id + "," + FormatDouble(row.label) + "," +
                           FormatDouble(row.predict_result) + "," +
                           FormatDouble(row.predict_score) + "," + Quote(detail) + "," +
                           row.type));
  }
  ASSIGN_OR_RETURN(int64_t count, out->Commit());
  if (count != static_cast<int64_t>(rows.size())) {
    return Status::IOError("output " + data_name + " has " + std::to_string(count) +
                           " rows, expected " + std::to_string(rows.size()));
  }
  return Status::OK();
}

Result<std::vector<PredictionRow>> ReadPredictions(const TaskContext& ctx, InputTable* in) {
  const TableSchema& schema = in->schema();
  ASSIGN_OR_RETURN(Json extra, ExtraJson(*in));
  auto column = [&](const std::string& name) -> int {
    auto it = std::find(schema.header.begin(), schema.header.end(), name);
    return it == schema.header.end() ? -1 : static_cast<int>(it - schema.header.begin());
  };
  const int label = column("label");
  const int result = column("predict_result");
  const int score = column("predict_score");
  const int type = column("type");
  if (FindMember(extra, kPredictionsKey) == nullptr && (label < 0 || score < 0)) {
    return Status::InvalidArgument(
        in->what() + " is not a prediction table (expected the header id,label,predict_result,"
                     "predict_score,predict_detail,type of a model's prediction output; it has: " +
        schema.header_line + ")");
  }
  if (label < 0 || score < 0 || result < 0) {
    return Status::InvalidArgument(in->what() +
                                   ": prediction table without label, predict_result or "
                                   "predict_score column (header: " +
                                   schema.header_line + ")");
  }
  const char delimiter = schema.delimiter.empty() ? ',' : schema.delimiter[0];
  std::vector<PredictionRow> out;
  if (schema.count > 0) out.reserve(schema.count);
  std::vector<std::string> rows;
  int64_t row_no = 0;
  while (true) {
    if (ctx.should_stop()) return Status::Aborted("stopped while reading " + in->what());
    RETURN_NOT_OK(in->NextBatch(&rows));
    if (rows.empty()) break;
    for (const std::string& row : rows) {
      std::vector<std::string> fields = SplitQuoted(row, delimiter);
      PredictionRow p;
      p.id = fields[0];
      if (fields.size() != schema.header.size()) {
        return Status::InvalidArgument(RowWhere(*in, row_no, p.id) + " has " +
                                       std::to_string(fields.size()) + " fields, the header " +
                                       std::to_string(schema.header.size()));
      }
      auto number = [&](int c, double* v) -> Status {
        std::optional<double> parsed = ParseNumber(fields[c]);
        if (!parsed) {
          return Status::InvalidArgument(RowWhere(*in, row_no, p.id) + " column \"" +
                                         schema.header[c] + "\": \"" + fields[c] +
                                         "\" is not a number");
        }
        *v = *parsed;
        return Status::OK();
      };
      RETURN_NOT_OK(number(label, &p.label));
      RETURN_NOT_OK(number(result, &p.predict_result));
      RETURN_NOT_OK(number(score, &p.predict_score));
      if (type >= 0) p.type = fields[type];
      out.push_back(std::move(p));
      ++row_no;
    }
  }
  RETURN_NOT_OK(in->Close());
  return out;
}

}  // namespace fedflow
