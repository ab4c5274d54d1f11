#include "party-agent/components/reader.h"

#include <glog/logging.h>

#include <algorithm>
#include <map>
#include <memory>
#include <string_view>
#include <vector>

#include "party-agent/components/parameter_reader.h"

namespace fedflow {

namespace {

constexpr char kModule[] = "Reader";
// FATE shows sample values of the table's first rows (its "part of data") per column.
constexpr size_t kSampleRows = 100;
constexpr size_t kSampleValues = 5;

Result<std::string> TableField(const Json& table, const char* key) {
  const Json* v = FindMember(table, key);
  const std::string path = std::string(kModule) + ": parameter \"table." + key + "\"";
  if (v == nullptr) {
    return Status::InvalidArgument(std::string(kModule) + ": parameter \"table\": \"" + key +
                                   "\" is missing (expected {\"name\": ..., \"namespace\": ...})");
  }
  ASSIGN_OR_RETURN(std::string s, AsString(*v, path));
  if (s.empty()) return Status::InvalidArgument(path + " is empty");
  return s;
}

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

// Up to kSampleValues distinct values per column of the first kSampleRows rows, in order of
// appearance (FATE's table_info).
class ColumnSamples {
 public:
  explicit ColumnSamples(const TableSchema& schema) : schema_(schema) {}

  void Add(const std::vector<std::string>& rows) {
    if (schema_.header.empty()) return;
    for (const std::string& row : rows) {
      if (seen_rows_ >= kSampleRows) return;
      ++seen_rows_;
      std::vector<std::string_view> fields = Split(row, schema_.delimiter);
      for (size_t i = 0; i < fields.size() && i < schema_.header.size(); ++i) {
        std::vector<std::string>& values = values_[i];
        if (values.size() >= kSampleValues) continue;
        if (std::find(values.begin(), values.end(), fields[i]) == values.end()) {
          values.emplace_back(fields[i]);
        }
      }
    }
  }

  Json ToJson() const {
    Json out = Json::object();
    for (const auto& [i, values] : values_) {
      std::string joined;
      for (const std::string& v : values) joined += (joined.empty() ? "" : ",") + v;
      out[schema_.header[i]] = joined;
    }
    return out;
  }

 private:
  const TableSchema& schema_;
  size_t seen_rows_ = 0;
  std::map<size_t, std::vector<std::string>> values_;
};

}  // namespace

Result<Reader::Params> Reader::ParseParams(const Json& component_parameters) {
  ParameterReader reader(kModule, component_parameters);
  const Json* table = nullptr;
  RETURN_NOT_OK(reader.ReadJson("table", &table));
  RETURN_NOT_OK(reader.CheckNoUnknown());
  if (table == nullptr || table->is_null()) {
    return Status::InvalidArgument(
        std::string(kModule) +
        ": parameter \"table\" is required: {\"name\": ..., \"namespace\": ...} of a table "
        "uploaded to this party");
  }
  if (!table->is_object()) {
    return Status::InvalidArgument(std::string(kModule) +
                                   ": parameter \"table\": expected an object {\"name\": ..., "
                                   "\"namespace\": ...}, got " +
                                   JsonTypeName(*table));
  }
  Params p;
  ASSIGN_OR_RETURN(p.name, TableField(*table, "name"));
  ASSIGN_OR_RETURN(p.ns, TableField(*table, "namespace"));
  return p;
}

Status Reader::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(Params p, ParseParams(ctx.component_parameters()));
  auto in = ctx.storage().OpenTable(p.ns, p.name);
  if (!in.ok()) return in.status().CloneAndPrepend(kModule);
  const std::vector<std::string> outputs = ctx.OutputDataNames();
  const std::string data_name = outputs.empty() ? "data" : outputs.front();
  const TableSchema schema = (*in)->schema();
  ColumnSamples samples(schema);
  auto count = CopyTable(ctx, in->get(), data_name,
                         [&](const std::vector<std::string>& rows) { samples.Add(rows); });
  if (!count.ok()) return count.status().CloneAndPrepend(kModule);
  LOG(INFO) << ctx.LogPrefix() << "Reader: copied " << *count << " rows of table " << p.ns << "."
            << p.name << " to output " << data_name;

  Json data_info = {
      {"table_name", p.name},           {"namespace", p.ns},
      {"table_info", samples.ToJson()}, {"partitions", schema.partitions},
      {"storage_engine", "LEVELDB"},    {"count", *count},
  };
  RETURN_NOT_OK_PREPEND(
      ctx.storage().SetMetricMeta("reader_namespace", "reader_name", "data_info", data_info),
      kModule);
  RETURN_NOT_OK_PREPEND(ctx.storage().SaveSummary(data_info), kModule);
  return Status::OK();
}

}  // namespace fedflow
