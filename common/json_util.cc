#include "common/json_util.h"

#include <cctype>
#include <fstream>
#include <sstream>

namespace fedflow {

namespace {

// Line and column (1-based) of byte offset `pos` in `text`.
std::pair<size_t, size_t> LineColumn(std::string_view text, size_t pos) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < pos && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

bool IsPlainKey(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  }
  return true;
}

std::string At(std::string_view path) {
  return path.empty() ? std::string("(top level)") : std::string(path);
}

}  // namespace

Result<Json> ParseJson(std::string_view text, std::string_view source) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_discarded()) return j;
  // Parse again with exceptions only to learn where it failed; the exception stays here.
  try {
    Json ignored = Json::parse(text.begin(), text.end());
    (void)ignored;
  } catch (const Json::parse_error& e) {
    size_t pos = e.byte > 0 ? e.byte - 1 : 0;
    auto [line, col] = LineColumn(text, pos);
    std::string what = e.what();
    // nlohmann's message is "[json.exception.parse_error.101] parse error at line 1, column 2:
    // syntax error while parsing value - invalid literal; last read: 'x'"; keep the tail.
    auto dash = what.find(" - ");
    std::string detail = dash == std::string::npos ? what : what.substr(dash + 3);
    std::ostringstream os;
    os << std::string(source) << ": invalid JSON at line " << line << ", column " << col << ": "
       << detail;
    return Status::InvalidArgument(os.str());
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string(source) + ": invalid JSON: " + e.what());
  }
  return Status::InvalidArgument(std::string(source) + ": invalid JSON");
}

Result<Json> ReadJsonFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open file");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Status::IOError(path + ": read failed");
  return ParseJson(ss.str(), path);
}

std::string DumpJson(const Json& j, int indent) {
  return j.dump(indent, ' ', /*ensure_ascii=*/false, Json::error_handler_t::replace);
}

std::string JsonPathJoin(std::string_view path, std::string_view key) {
  std::string k = IsPlainKey(key) ? std::string(key) : "\"" + std::string(key) + "\"";
  if (path.empty()) return k;
  return std::string(path) + "." + k;
}

std::string JsonPathIndex(std::string_view path, size_t index) {
  return std::string(path) + "[" + std::to_string(index) + "]";
}

const char* JsonTypeName(const Json& j) {
  switch (j.type()) {
    case Json::value_t::object: return "object";
    case Json::value_t::array: return "array";
    case Json::value_t::string: return "string";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "integer";
    case Json::value_t::number_float: return "number";
    case Json::value_t::boolean: return "boolean";
    case Json::value_t::null: return "null";
    default: return "value";
  }
}

static Status WrongType(const Json& j, std::string_view path, const char* expected) {
  return Status::InvalidArgument(At(path) + ": expected " + expected + ", got " + JsonTypeName(j));
}

Status ExpectObject(const Json& j, std::string_view path) {
  return j.is_object() ? Status::OK() : WrongType(j, path, "an object");
}

Status ExpectArray(const Json& j, std::string_view path) {
  return j.is_array() ? Status::OK() : WrongType(j, path, "an array");
}

const Json* FindMember(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

Result<const Json*> GetMember(const Json& obj, std::string_view key, std::string_view path) {
  RETURN_NOT_OK(ExpectObject(obj, path));
  const Json* m = FindMember(obj, key);
  if (m == nullptr) {
    return Status::InvalidArgument(JsonPathJoin(path, key) + ": missing");
  }
  return m;
}

Result<std::string> AsString(const Json& j, std::string_view path) {
  if (!j.is_string()) return WrongType(j, path, "a string");
  return j.get<std::string>();
}

Result<int64_t> AsInt(const Json& j, std::string_view path) {
  // nlohmann counts unsigned numbers as integers too: look at the unsigned case first.
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return Status::InvalidArgument(At(path) + ": integer " + std::to_string(u) + " is too large");
    }
    return static_cast<int64_t>(u);
  }
  if (j.is_number_integer()) return j.get<int64_t>();
  return WrongType(j, path, "an integer");
}

Result<bool> AsBool(const Json& j, std::string_view path) {
  if (!j.is_boolean()) return WrongType(j, path, "a boolean");
  return j.get<bool>();
}

Result<std::string> GetString(const Json& obj, std::string_view key, std::string_view path) {
  ASSIGN_OR_RETURN(const Json* m, GetMember(obj, key, path));
  return AsString(*m, JsonPathJoin(path, key));
}

Result<int64_t> GetInt(const Json& obj, std::string_view key, std::string_view path) {
  ASSIGN_OR_RETURN(const Json* m, GetMember(obj, key, path));
  return AsInt(*m, JsonPathJoin(path, key));
}

Result<bool> GetBool(const Json& obj, std::string_view key, std::string_view path) {
  ASSIGN_OR_RETURN(const Json* m, GetMember(obj, key, path));
  return AsBool(*m, JsonPathJoin(path, key));
}

Result<const Json*> GetObject(const Json& obj, std::string_view key, std::string_view path) {
  ASSIGN_OR_RETURN(const Json* m, GetMember(obj, key, path));
  RETURN_NOT_OK(ExpectObject(*m, JsonPathJoin(path, key)));
  return m;
}

Result<const Json*> GetArray(const Json& obj, std::string_view key, std::string_view path) {
  ASSIGN_OR_RETURN(const Json* m, GetMember(obj, key, path));
  RETURN_NOT_OK(ExpectArray(*m, JsonPathJoin(path, key)));
  return m;
}

Status FindString(const Json& obj, std::string_view key, std::string_view path, std::string* out,
                  bool* found) {
  const Json* m = FindMember(obj, key);
  *found = m != nullptr;
  if (m == nullptr) return Status::OK();
  ASSIGN_OR_RETURN(*out, AsString(*m, JsonPathJoin(path, key)));
  return Status::OK();
}

Status FindInt(const Json& obj, std::string_view key, std::string_view path, int64_t* out,
               bool* found) {
  const Json* m = FindMember(obj, key);
  *found = m != nullptr;
  if (m == nullptr) return Status::OK();
  ASSIGN_OR_RETURN(*out, AsInt(*m, JsonPathJoin(path, key)));
  return Status::OK();
}

Status FindBool(const Json& obj, std::string_view key, std::string_view path, bool* out,
                bool* found) {
  const Json* m = FindMember(obj, key);
  *found = m != nullptr;
  if (m == nullptr) return Status::OK();
  ASSIGN_OR_RETURN(*out, AsBool(*m, JsonPathJoin(path, key)));
  return Status::OK();
}

}  // namespace fedflow
