#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace fedflow {

// JSON in fedflow is nlohmann::json (ordered, so documents keep their key order when
// written back). These helpers never throw: every problem becomes a Status naming the
// JSON path ("components.hetero_lr_0.input.data") and what was expected there.
using Json = nlohmann::ordered_json;

// Parses `text`; `source` names it in errors (a file name, "request body").
// Errors give line and column.
Result<Json> ParseJson(std::string_view text, std::string_view source);

// Reads and parses a JSON file; errors name the file.
Result<Json> ReadJsonFile(const std::string& path);

// Serialises without throwing (invalid UTF-8 is replaced). indent < 0: compact.
std::string DumpJson(const Json& j, int indent = -1);

// "a.b" + "c" -> "a.b.c"; "" + "c" -> "c". Keys that are not plain identifiers are
// quoted: "a" + "0|1" -> a."0|1".
std::string JsonPathJoin(std::string_view path, std::string_view key);
// "a.b" + 3 -> "a.b[3]".
std::string JsonPathIndex(std::string_view path, size_t index);

// "object", "array", "string", "integer", "number", "boolean", "null".
const char* JsonTypeName(const Json& j);

// Checks that `j` (found at `path`) has the given type.
Status ExpectObject(const Json& j, std::string_view path);
Status ExpectArray(const Json& j, std::string_view path);

// Member access on an object found at `path`. The Get* forms fail when the key is
// missing or has the wrong type; the Find* forms return nullptr / false when missing
// and fail only on a wrong type.
Result<const Json*> GetMember(const Json& obj, std::string_view key, std::string_view path);
const Json* FindMember(const Json& obj, std::string_view key);

Result<std::string> GetString(const Json& obj, std::string_view key, std::string_view path);
Result<int64_t> GetInt(const Json& obj, std::string_view key, std::string_view path);
Result<bool> GetBool(const Json& obj, std::string_view key, std::string_view path);
Result<const Json*> GetObject(const Json& obj, std::string_view key, std::string_view path);
Result<const Json*> GetArray(const Json& obj, std::string_view key, std::string_view path);

// Optional members: *found is set to whether the key exists; the value is filled only then.
Status FindString(const Json& obj, std::string_view key, std::string_view path, std::string* out,
                  bool* found);
Status FindInt(const Json& obj, std::string_view key, std::string_view path, int64_t* out,
               bool* found);
Status FindBool(const Json& obj, std::string_view key, std::string_view path, bool* out,
                bool* found);

// Value conversions of `j` found at `path`.
Result<std::string> AsString(const Json& j, std::string_view path);
Result<int64_t> AsInt(const Json& j, std::string_view path);
Result<bool> AsBool(const Json& j, std::string_view path);

}  // namespace fedflow
