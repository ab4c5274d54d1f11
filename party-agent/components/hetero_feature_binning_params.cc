#include "party-agent/components/hetero_feature_binning_params.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace fedflow {

namespace {
constexpr char kModule[] = "HeteroFeatureBinning";

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}
}  // namespace

FateParams::FateParams(std::string module, std::string path, const Json& params)
    : module_(std::move(module)), path_(std::move(path)), params_(params) {}

std::string FateParams::Path(const std::string& key) const {
  return path_.empty() ? key : path_ + "." + key;
}

std::string FateParams::Where(const std::string& key) const {
  return module_ + ": parameter \"" + Path(key) + "\"";
}

Result<const Json*> FateParams::Find(const std::string& key) {
  if (std::find(known_.begin(), known_.end(), key) == known_.end()) known_.push_back(key);
  if (params_.is_null()) return nullptr;
  if (!params_.is_object()) {
    return Status::InvalidArgument(module_ + ": " +
                                   (path_.empty() ? "parameters" : "parameter \"" + path_ + "\"") +
                                   ": expected an object, got " + JsonTypeName(params_));
  }
  const Json* v = FindMember(params_, key);
  if (v != nullptr && v->is_null()) return nullptr;
  return v;
}

Status FateParams::Int(const std::string& key, int64_t* out) {
  ASSIGN_OR_RETURN(const Json* v, Find(key));
  if (v != nullptr) {
    ASSIGN_OR_RETURN(*out, AsInt(*v, Where(key)));
  }
  return Status::OK();
}

Status FateParams::Double(const std::string& key, double* out) {
  ASSIGN_OR_RETURN(const Json* v, Find(key));
  if (v == nullptr) return Status::OK();
  if (!v->is_number()) {
    return Status::InvalidArgument(Where(key) + ": expected a number, got " + JsonTypeName(*v));
  }
  *out = v->get<double>();
  return Status::OK();
}

Status FateParams::Bool(const std::string& key, bool* out) {
  ASSIGN_OR_RETURN(const Json* v, Find(key));
  if (v != nullptr) {
    ASSIGN_OR_RETURN(*out, AsBool(*v, Where(key)));
  }
  return Status::OK();
}

Status FateParams::String(const std::string& key, std::string* out, bool allow_null) {
  if (allow_null && params_.is_object()) {
    const Json* raw = FindMember(params_, key);
    if (raw != nullptr && raw->is_null()) {
      RETURN_NOT_OK(Find(key).status());
      out->clear();
      return Status::OK();
    }
  }
  ASSIGN_OR_RETURN(const Json* v, Find(key));
  if (v != nullptr) {
    ASSIGN_OR_RETURN(*out, AsString(*v, Where(key)));
  }
  return Status::OK();
}

Status FateParams::IntList(const std::string& key, std::optional<std::vector<int>>* out) {
  ASSIGN_OR_RETURN(const Json* v, Find(key));
  if (v == nullptr) return Status::OK();
  if (v->is_number_integer()) {  // FATE accepts a single index for a list.
    *out = std::vector<int>{v->get<int>()};
    return Status::OK();
  }
  if (!v->is_array()) {
    return Status::InvalidArgument(Where(key) + ": expected a list of integers, got " +
                                   JsonTypeName(*v));
  }
  std::vector<int> list;
  for (size_t i = 0; i < v->size(); ++i) {
    ASSIGN_OR_RETURN(int64_t x, AsInt((*v)[i], JsonPathIndex(Where(key), i)));
    list.push_back(static_cast<int>(x));
  }
  *out = std::move(list);
  return Status::OK();
}

Status FateParams::IndexesOrAll(const std::string& key, std::optional<std::vector<int>>* out) {
  ASSIGN_OR_RETURN(const Json* v, Find(key));
  if (v == nullptr) return Status::OK();
  if (v->is_number_integer() && v->get<int64_t>() == -1) {
    out->reset();
    return Status::OK();
  }
  return IntList(key, out);
}

Status FateParams::DoubleList(const std::string& key, std::optional<std::vector<double>>* out) {
  ASSIGN_OR_RETURN(const Json* v, Find(key));
  if (v == nullptr) return Status::OK();
  if (!v->is_array()) {
    return Status::InvalidArgument(Where(key) + ": expected a list of numbers, got " +
                                   JsonTypeName(*v));
  }
  std::vector<double> list;
  for (size_t i = 0; i < v->size(); ++i) {
    if (!(*v)[i].is_number()) {
      return Status::InvalidArgument(JsonPathIndex(Where(key), i) + ": expected a number, got " +
                                     JsonTypeName((*v)[i]));
    }
    list.push_back((*v)[i].get<double>());
  }
  *out = std::move(list);
  return Status::OK();
}

Status FateParams::StringList(const std::string& key,
                              std::optional<std::vector<std::string>>* out) {
  ASSIGN_OR_RETURN(const Json* v, Find(key));
  if (v == nullptr) return Status::OK();
  if (v->is_string()) {
    *out = std::vector<std::string>{v->get<std::string>()};
    return Status::OK();
  }
  if (!v->is_array()) {
    return Status::InvalidArgument(Where(key) + ": expected a list of strings, got " +
                                   JsonTypeName(*v));
  }
  std::vector<std::string> list;
  for (size_t i = 0; i < v->size(); ++i) {
    ASSIGN_OR_RETURN(std::string s, AsString((*v)[i], JsonPathIndex(Where(key), i)));
    list.push_back(std::move(s));
  }
  *out = std::move(list);
  return Status::OK();
}

Status FateParams::Object(const std::string& key, const Json** out) {
  ASSIGN_OR_RETURN(*out, Find(key));
  if (*out != nullptr && !(*out)->is_object()) {
    return Status::InvalidArgument(Where(key) + ": expected an object, got " + JsonTypeName(**out));
  }
  return Status::OK();
}

Status FateParams::Ignore(const std::string& key) { return Find(key).status(); }

Status FateParams::CheckNoUnknown() const {
  if (!params_.is_object()) return Status::OK();
  for (const auto& [key, value] : params_.items()) {
    if (path_.empty() && key == kNeedRunParameter) continue;
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    std::string takes;
    for (const std::string& k : known_) takes += (takes.empty() ? "" : ", ") + k;
    if (path_.empty()) takes += std::string(", ") + kNeedRunParameter;
    return Status::InvalidArgument(module_ + ": unknown parameter \"" + Path(key) + "\" (" +
                                   (path_.empty() ? module_ : path_) + " takes: " + takes + ")");
  }
  return Status::OK();
}

namespace {

Status ReadSplitPointsByIndex(const Json& v, const std::string& where,
                              std::map<int, std::vector<double>>* out) {
  // FATE: {"0": [...], "3": [...]} (JSON keys are strings) or a list of lists by position.
  auto points = [&](const Json& list, const std::string& at) -> Result<std::vector<double>> {
    if (!list.is_array()) return Status::InvalidArgument(at + ": expected a list of numbers");
    std::vector<double> sp;
    for (const Json& x : list) {
      if (!x.is_number()) return Status::InvalidArgument(at + ": expected a list of numbers");
      sp.push_back(x.get<double>());
    }
    if (!std::is_sorted(sp.begin(), sp.end())) {
      return Status::InvalidArgument(at + ": split points must be ascending");
    }
    return sp;
  };
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      const std::string at = where + "[" + it.key() + "]";
      char* end = nullptr;
      long idx = std::strtol(it.key().c_str(), &end, 10);
      if (it.key().empty() || *end != '\0' || idx < 0) {
        return Status::InvalidArgument(at + ": keys must be column indexes");
      }
      ASSIGN_OR_RETURN((*out)[static_cast<int>(idx)], points(it.value(), at));
    }
    return Status::OK();
  }
  return Status::InvalidArgument(where + ": expected an object {\"<index>\": [split points]}");
}

}  // namespace

Result<FeatureBinningParams> ParseFeatureBinningParams(const Json& component_parameters) {
  FeatureBinningParams p;
  FateParams r(kModule, "", component_parameters);
  RETURN_NOT_OK(r.String("method", &p.method));
  RETURN_NOT_OK(r.Int("bin_num", &p.bin_num));
  RETURN_NOT_OK(r.Int("compress_thres", &p.compress_thres));
  RETURN_NOT_OK(r.Int("head_size", &p.head_size));
  RETURN_NOT_OK(r.Double("error", &p.error));
  RETURN_NOT_OK(r.Double("adjustment_factor", &p.adjustment_factor));
  RETURN_NOT_OK(r.IndexesOrAll("bin_indexes", &p.bin_indexes));
  std::optional<std::vector<std::string>> names;
  RETURN_NOT_OK(r.StringList("bin_names", &names));
  if (names) p.bin_names = *names;
  p.category_indexes = std::vector<int>{};
  RETURN_NOT_OK(r.IndexesOrAll("category_indexes", &p.category_indexes));
  names.reset();
  RETURN_NOT_OK(r.StringList("category_names", &names));
  if (names) p.category_names = *names;
  RETURN_NOT_OK(r.Bool("local_only", &p.local_only));
  RETURN_NOT_OK(r.Bool("skip_static", &p.skip_static));
  RETURN_NOT_OK(r.Ignore("optimal_binning_param"));  // used by method "optimal" only

  const Json* transform = nullptr;
  RETURN_NOT_OK(r.Object("transform_param", &transform));
  if (transform != nullptr) {
    FateParams t(kModule, "transform_param", *transform);
    RETURN_NOT_OK(t.IndexesOrAll("transform_cols", &p.transform_cols));
    names.reset();
    RETURN_NOT_OK(t.StringList("transform_names", &names));
    if (names) p.transform_names = *names;
    RETURN_NOT_OK(t.String("transform_type", &p.transform_type, /*allow_null=*/true));
    RETURN_NOT_OK(t.CheckNoUnknown());
  }

  const Json* encrypt = nullptr;
  RETURN_NOT_OK(r.Object("encrypt_param", &encrypt));
  if (encrypt != nullptr) {
    FateParams e(kModule, "encrypt_param", *encrypt);
    std::string method = "Paillier";
    RETURN_NOT_OK(e.String("method", &method, /*allow_null=*/true));
    RETURN_NOT_OK(e.Int("key_length", &p.key_length));
    RETURN_NOT_OK(e.CheckNoUnknown());
    if (Lower(method) != "paillier") {
      return Status::InvalidArgument(e.Where("method") + ": \"" + method +
                                     "\" is not supported (fedflow's HeteroFeatureBinning "
                                     "encrypts labels with Paillier)");
    }
    if (p.key_length < 1024 || p.key_length > 8192 || p.key_length % 2 != 0) {
      return Status::InvalidArgument(e.Where("key_length") +
                                     ": must be an even number of bits in [1024, 8192], got " +
                                     std::to_string(p.key_length));
    }
  }

  const Json* by_index = nullptr;
  RETURN_NOT_OK(r.Object("split_points_by_index", &by_index));
  if (by_index != nullptr) {
    RETURN_NOT_OK(ReadSplitPointsByIndex(*by_index, r.Where("split_points_by_index"),
                                         &p.split_points_by_index));
  }
  const Json* by_name = nullptr;
  RETURN_NOT_OK(r.Object("split_points_by_col_name", &by_name));
  if (by_name != nullptr) {
    FateParams n(kModule, "split_points_by_col_name", *by_name);
    for (auto it = by_name->begin(); it != by_name->end(); ++it) {
      std::optional<std::vector<double>> sp;
      RETURN_NOT_OK(n.DoubleList(it.key(), &sp));
      if (sp && !std::is_sorted(sp->begin(), sp->end())) {
        return Status::InvalidArgument(n.Where(it.key()) + ": split points must be ascending");
      }
      if (sp) p.split_points_by_col_name[it.key()] = *sp;
    }
  }
  RETURN_NOT_OK(r.CheckNoUnknown());

  p.method = Lower(p.method);
  if (p.method == "optimal") {
    return Status::InvalidArgument(r.Where("method") +
                                   ": \"optimal\" binning is not supported by fedflow (supported: "
                                   "quantile, bucket)");
  }
  if (p.method != "quantile" && p.method != "bucket") {
    return Status::InvalidArgument(r.Where("method") + ": unknown method \"" + p.method +
                                   "\" (expected quantile or bucket)");
  }
  if (p.bin_num < 2 || p.bin_num > 100000) {
    return Status::InvalidArgument(r.Where("bin_num") + ": must be in [2, 100000], got " +
                                   std::to_string(p.bin_num));
  }
  if (!(p.error > 0 && p.error < 1)) {
    return Status::InvalidArgument(r.Where("error") + ": must be in (0, 1)");
  }
  if (p.compress_thres <= 0 || p.head_size <= 0) {
    return Status::InvalidArgument(std::string(kModule) +
                                   ": parameters \"compress_thres\" and \"head_size\" must be "
                                   "positive");
  }
  if (!(p.adjustment_factor > 0)) {
    return Status::InvalidArgument(r.Where("adjustment_factor") + ": must be positive");
  }
  p.transform_type = Lower(p.transform_type);
  if (p.transform_type != "bin_num" && p.transform_type != "woe" && !p.transform_type.empty()) {
    return Status::InvalidArgument(std::string(kModule) +
                                   ": parameter \"transform_param.transform_type\": \"" +
                                   p.transform_type + "\" is not one of bin_num, woe, null");
  }
  return p;
}

}  // namespace fedflow
