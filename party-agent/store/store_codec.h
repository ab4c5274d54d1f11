#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "party-agent/store/store_values.h"

// Encodes the store's values as the Thrift structs of thrift/store.thrift in the compact
// protocol, and decodes them. Decoding never throws: a value Thrift cannot read is an IOError
// naming the key it was read from ("agent store value at <key> is corrupt: ...").

namespace fedflow::store::codec {

// Largest value the store writes (Thrift's transports use 32-bit sizes).
constexpr size_t kMaxValueBytes = size_t{1} << 30;

std::string EncodeTableMeta(const TableMeta& meta);
Result<TableMeta> DecodeTableMeta(std::string_view bytes, std::string_view key);

std::string EncodeModel(const Model& model);
Result<Model> DecodeModel(std::string_view bytes, std::string_view key);

std::string EncodeMetricMeta(const MetricMeta& meta);
Result<MetricMeta> DecodeMetricMeta(std::string_view bytes, std::string_view key);

std::string EncodeMetricPoints(const std::vector<MetricPoint>& points);
// Appends the decoded points to *out.
Status DecodeMetricPoints(std::string_view bytes, std::string_view key,
                          std::vector<MetricPoint>* out);

std::string EncodeSummary(const Summary& summary);
Result<Summary> DecodeSummary(std::string_view bytes, std::string_view key);

std::string EncodeTaskRecord(const TaskRecord& record);
Result<TaskRecord> DecodeTaskRecord(std::string_view bytes, std::string_view key);

}  // namespace fedflow::store::codec
