#include "party-agent/components/parameter_reader.h"

#include <algorithm>
#include <utility>

namespace fedflow {

ParameterReader::ParameterReader(std::string module, const Json& params)
    : module_(std::move(module)), params_(params) {}

std::string ParameterReader::KeyPath(const std::string& key) const {
  return module_ + ": parameter \"" + key + "\"";
}

Result<const Json*> ParameterReader::Find(const std::string& key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  if (params_.is_null()) return nullptr;
  RETURN_NOT_OK(ExpectObject(params_, module_ + ": parameters"));
  return FindMember(params_, key);
}

Status ParameterReader::ReadInt(const std::string& key, int64_t* out) {
  ASSIGN_OR_RETURN(const Json* value, Find(key));
  if (value != nullptr) {
    ASSIGN_OR_RETURN(*out, AsInt(*value, KeyPath(key)));
  }
  return Status::OK();
}

Status ParameterReader::ReadBool(const std::string& key, bool* out) {
  ASSIGN_OR_RETURN(const Json* value, Find(key));
  if (value != nullptr) {
    ASSIGN_OR_RETURN(*out, AsBool(*value, KeyPath(key)));
  }
  return Status::OK();
}

Status ParameterReader::ReadString(const std::string& key, std::string* out) {
  ASSIGN_OR_RETURN(const Json* value, Find(key));
  if (value != nullptr) {
    ASSIGN_OR_RETURN(*out, AsString(*value, KeyPath(key)));
  }
  return Status::OK();
}

Status ParameterReader::ReadJson(const std::string& key, const Json** out) {
  ASSIGN_OR_RETURN(*out, Find(key));
  return Status::OK();
}

Status ParameterReader::CheckNoUnknown() const {
  if (params_.is_null()) return Status::OK();
  RETURN_NOT_OK(ExpectObject(params_, module_ + ": parameters"));
  for (const auto& [key, value] : params_.items()) {
    if (key == kNeedRunParameter) continue;
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string takes;
    for (const std::string& k : known_) takes += k + ", ";
    return Status::InvalidArgument(module_ + ": unknown parameter \"" + key + "\" (" + module_ +
                                   " takes: " + takes + kNeedRunParameter + ")");
  }
  return Status::OK();
}

}  // namespace fedflow
