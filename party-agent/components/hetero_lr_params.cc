#include "party-agent/components/hetero_lr_params.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace fedflow {

namespace {

constexpr char kModule[] = "HeteroLR";
// FATE's consts.MIN_BATCH_SIZE.
constexpr int64_t kMinBatchSize = 10;

// Reads the members of one parameter object by name and type, remembering the names asked
// for so that CheckNoUnknown can reject the rest. A JSON null counts as absent (FATE's None
// means "the default"). `path` is the object's dotted name ("" at the top, "init_param").
class Fields {
 public:
  Fields(const Json& obj, std::string path) : obj_(obj), path_(std::move(path)) {}

  Status Check() const {
    if (obj_.is_null() || obj_.is_object()) return Status::OK();
    return Status::InvalidArgument(Where("") + ": expected an object, got " + JsonTypeName(obj_));
  }

  std::string Where(const std::string& key) const {
    std::string full = path_.empty() ? key : (key.empty() ? path_ : path_ + "." + key);
    return std::string(kModule) + ": parameter \"" + full + "\"";
  }

  const Json* Find(const std::string& key) {
    known_.push_back(key);
    if (!obj_.is_object()) return nullptr;
    const Json* v = FindMember(obj_, key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  Status Double(const std::string& key, double* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::OK();
    if (!v->is_number()) return WrongType(key, *v, "a number");
    *out = v->get<double>();
    if (!std::isfinite(*out)) return Status::InvalidArgument(Where(key) + ": must be finite");
    return Status::OK();
  }
  Status Int(const std::string& key, int64_t* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::OK();
    ASSIGN_OR_RETURN(*out, AsInt(*v, Where(key)));
    return Status::OK();
  }
  Status OptionalInt(const std::string& key, std::optional<int64_t>* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::OK();
    ASSIGN_OR_RETURN(int64_t i, AsInt(*v, Where(key)));
    *out = i;
    return Status::OK();
  }
  Status Bool(const std::string& key, bool* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::OK();
    ASSIGN_OR_RETURN(*out, AsBool(*v, Where(key)));
    return Status::OK();
  }
  Status String(const std::string& key, std::string* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::OK();
    ASSIGN_OR_RETURN(*out, AsString(*v, Where(key)));
    return Status::OK();
  }
  Status StringList(const std::string& key, std::vector<std::string>* out) {
    const Json* v = Find(key);
    if (v == nullptr) return Status::OK();
    if (!v->is_array()) return WrongType(key, *v, "a list of strings");
    out->clear();
    for (const Json& item : *v) {
      if (!item.is_string()) return WrongType(key, item, "a list of strings");
      out->push_back(item.get<std::string>());
    }
    return Status::OK();
  }
  // Any value; null (or absent) leaves *out null.
  void Raw(const std::string& key, Json* out) {
    const Json* v = Find(key);
    if (v != nullptr) *out = *v;
  }
  // A nested parameter object (null when absent).
  Fields Object(const std::string& key) {
    const Json* v = Find(key);
    return Fields(v == nullptr ? null_ : *v, path_.empty() ? key : path_ + "." + key);
  }

  Status CheckNoUnknown() const {
    if (!obj_.is_object()) return Status::OK();
    for (const auto& [key, value] : obj_.items()) {
      if (path_.empty() && key == "need_run") continue;
      if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
      std::string takes;
      for (const std::string& k : known_) takes += (takes.empty() ? "" : ", ") + k;
      if (path_.empty()) takes += ", need_run";
      const std::string full = path_.empty() ? key : path_ + "." + key;
      return Status::InvalidArgument(std::string(kModule) + ": unknown parameter \"" + full +
                                     "\" (" + (path_.empty() ? kModule : path_) +
                                     " takes: " + takes + ")");
    }
    return Status::OK();
  }

 private:
  Status WrongType(const std::string& key, const Json& v, const char* expected) const {
    return Status::InvalidArgument(Where(key) + ": expected " + expected + ", got " +
                                   JsonTypeName(v));
  }

  static inline const Json null_ = Json();
  const Json& obj_;
  const std::string path_;
  std::vector<std::string> known_;
};

Status Invalid(const Fields& f, const std::string& key, const std::string& what) {
  return Status::InvalidArgument(f.Where(key) + ": " + what);
}

// Wraps a parse error of common/ml ("optimizer \"x\" is not supported ...") with the path.
template <typename T>
Status ParseInto(const Fields& f, const std::string& key, Result<T> parsed, T* out) {
  if (!parsed.ok()) return Invalid(f, key, parsed.status().message());
  *out = *parsed;
  return Status::OK();
}

Status ReadInitParam(Fields f, HeteroLrParams* p) {
  RETURN_NOT_OK(f.Check());
  RETURN_NOT_OK(f.String("init_method", &p->init_method_name));
  RETURN_NOT_OK(
      ParseInto(f, "init_method", ml::ParseInitMethod(p->init_method_name), &p->init.method));
  RETURN_NOT_OK(f.Double("init_const", &p->init.init_const));
  RETURN_NOT_OK(f.Bool("fit_intercept", &p->init.fit_intercept));
  std::optional<int64_t> seed;
  RETURN_NOT_OK(f.OptionalInt("random_seed", &seed));
  if (seed.has_value()) {
    if (*seed < 0 || *seed > UINT32_MAX) {
      return Invalid(f, "random_seed",
                     "must be in [0, 2^32 - 1] (numpy's seed range), got " + std::to_string(*seed));
    }
    p->init.random_seed = static_cast<uint32_t>(*seed);
  }
  return f.CheckNoUnknown();
}

Status ReadEncryptParam(Fields f, HeteroLrParams* p) {
  RETURN_NOT_OK(f.Check());
  RETURN_NOT_OK(f.String("method", &p->encrypt_method));
  std::string lower = p->encrypt_method;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower != "paillier") {
    return Invalid(
        f, "method",
        "\"" + p->encrypt_method + "\" is not supported (HeteroLR encrypts with Paillier)");
  }
  p->encrypt_method = "Paillier";
  int64_t key_length = p->key_length;
  RETURN_NOT_OK(f.Int("key_length", &key_length));
  if (key_length < 1024 || key_length > 8192 || key_length % 2 != 0) {
    return Invalid(
        f, "key_length",
        "must be an even number of bits in [1024, 8192], got " + std::to_string(key_length));
  }
  p->key_length = static_cast<int>(key_length);
  return f.CheckNoUnknown();
}

Status ReadPredictParam(Fields f, HeteroLrParams* p) {
  RETURN_NOT_OK(f.Check());
  RETURN_NOT_OK(f.Double("threshold", &p->predict_threshold));
  if (p->predict_threshold < 0 || p->predict_threshold > 1) {
    return Invalid(f, "threshold", "must be in [0, 1]");
  }
  return f.CheckNoUnknown();
}

Status ReadCvParam(Fields f) {
  RETURN_NOT_OK(f.Check());
  bool need_cv = false;
  RETURN_NOT_OK(f.Bool("need_cv", &need_cv));
  if (need_cv) {
    return Invalid(f, "need_cv", "cross validation is not supported by fedflow's HeteroLR");
  }
  int64_t n_splits = 5, seed = 1;
  bool shuffle = true, output_fold_history = true;
  std::string s;
  RETURN_NOT_OK(f.Int("n_splits", &n_splits));
  RETURN_NOT_OK(f.Bool("shuffle", &shuffle));
  RETURN_NOT_OK(f.Int("random_seed", &seed));
  RETURN_NOT_OK(f.Bool("output_fold_history", &output_fold_history));
  RETURN_NOT_OK(f.String("mode", &s));
  RETURN_NOT_OK(f.String("role", &s));
  RETURN_NOT_OK(f.String("history_value_type", &s));
  return f.CheckNoUnknown();
}

Status ReadStepwiseParam(Fields f) {
  RETURN_NOT_OK(f.Check());
  bool need_stepwise = false;
  RETURN_NOT_OK(f.Bool("need_stepwise", &need_stepwise));
  if (need_stepwise) {
    return Invalid(f, "need_stepwise", "stepwise selection is not supported by fedflow's HeteroLR");
  }
  std::string s;
  int64_t i = 0;
  std::optional<int64_t> nvmax;
  RETURN_NOT_OK(f.String("score_name", &s));
  RETURN_NOT_OK(f.String("mode", &s));
  RETURN_NOT_OK(f.String("role", &s));
  RETURN_NOT_OK(f.String("direction", &s));
  RETURN_NOT_OK(f.Int("max_step", &i));
  RETURN_NOT_OK(f.Int("nvmin", &i));
  RETURN_NOT_OK(f.OptionalInt("nvmax", &nvmax));
  return f.CheckNoUnknown();
}

Status ReadSqnParam(Fields f) {
  RETURN_NOT_OK(f.Check());
  int64_t i = 0;
  std::optional<int64_t> seed;
  RETURN_NOT_OK(f.Int("update_interval_L", &i));
  RETURN_NOT_OK(f.Int("memory_M", &i));
  RETURN_NOT_OK(f.Int("sample_size", &i));
  RETURN_NOT_OK(f.OptionalInt("random_seed", &seed));
  return f.CheckNoUnknown();
}

Status ReadEncryptedModeCalculatorParam(Fields f) {
  RETURN_NOT_OK(f.Check());
  std::string mode = "strict";
  double rate = 1;
  RETURN_NOT_OK(f.String("mode", &mode));
  RETURN_NOT_OK(f.Double("re_encrypted_rate", &rate));
  if (mode != "strict" && mode != "fast" && mode != "confusion_opt" && mode != "balance" &&
      mode != "confusion_opt_balance") {
    return Invalid(f, "mode",
                   "unknown mode \"" + mode +
                       "\" (FATE's: strict, fast, balance, "
                       "confusion_opt, confusion_opt_balance)");
  }
  return f.CheckNoUnknown();
}

Status CheckValidationFreqs(const Fields& f, const std::string& key, const Json& v) {
  if (v.is_null()) return Status::OK();
  if (v.is_number_integer() && v.get<int64_t>() > 0) return Status::OK();
  if (v.is_array()) {
    for (const Json& item : v) {
      if (!item.is_number_integer() || item.get<int64_t>() < 0) {
        return Invalid(f, key, "expected a list of iteration numbers");
      }
    }
    return Status::OK();
  }
  return Invalid(f, key,
                 "expected null, a positive integer or a list of iterations, got " +
                     std::string(JsonTypeName(v)));
}

Status ReadCallbackParam(Fields f, HeteroLrParams* p) {
  RETURN_NOT_OK(f.Check());
  std::vector<std::string> callbacks;
  RETURN_NOT_OK(f.StringList("callbacks", &callbacks));
  Json freqs;
  f.Raw("validation_freqs", &freqs);
  RETURN_NOT_OK(CheckValidationFreqs(f, "validation_freqs", freqs));
  if (!freqs.is_null()) p->validation_freqs = freqs;
  std::optional<int64_t> rounds;
  RETURN_NOT_OK(f.OptionalInt("early_stopping_rounds", &rounds));
  if (rounds.has_value()) p->early_stopping_rounds = rounds;
  RETURN_NOT_OK(f.StringList("metrics", &p->metrics));
  RETURN_NOT_OK(f.Bool("use_first_metric_only", &p->use_first_metric_only));
  int64_t save_freq = 1;
  RETURN_NOT_OK(f.Int("save_freq", &save_freq));
  return f.CheckNoUnknown();
}

}  // namespace

ml::OptimizerOptions HeteroLrParams::optimizer_options() const {
  ml::OptimizerOptions o;
  o.type = optimizer;
  o.learning_rate = learning_rate;
  o.alpha = alpha;
  o.penalty = penalty;
  o.decay = decay;
  o.decay_sqrt = decay_sqrt;
  return o;
}

Json HeteroLrParams::ToMetaJson() const {
  return Json{{"penalty", penalty_name},
              {"tol", tol},
              {"alpha", alpha},
              {"optimizer", optimizer_name},
              {"batch_size", batch_size},
              {"learning_rate", learning_rate},
              {"max_iter", max_iter},
              {"early_stop", early_stop_name},
              {"fit_intercept", init.fit_intercept},
              {"need_one_vs_rest", false},
              {"module", "HeteroLR"}};
}

Result<HeteroLrParams> ParseHeteroLrParams(const Json& component_parameters) {
  HeteroLrParams p;
  Fields f(component_parameters, "");
  if (!component_parameters.is_null() && !component_parameters.is_object()) {
    return Status::InvalidArgument(std::string(kModule) + ": parameters: expected an object, got " +
                                   JsonTypeName(component_parameters));
  }
  // FATE's penalty None (null) means no penalty.
  if (component_parameters.is_object() && component_parameters.contains("penalty") &&
      component_parameters["penalty"].is_null()) {
    p.penalty_name = "none";
  }
  RETURN_NOT_OK(f.String("penalty", &p.penalty_name));
  RETURN_NOT_OK(ParseInto(f, "penalty", ml::ParsePenalty(p.penalty_name), &p.penalty));
  RETURN_NOT_OK(f.Double("tol", &p.tol));
  if (p.tol < 0) return Invalid(f, "tol", "must not be negative");
  RETURN_NOT_OK(f.Double("alpha", &p.alpha));
  if (p.alpha < 0) return Invalid(f, "alpha", "must not be negative");
  RETURN_NOT_OK(f.String("optimizer", &p.optimizer_name));
  if (p.optimizer_name == "sqn") {
    return Invalid(f, "optimizer",
                   "\"sqn\" is not supported by fedflow's HeteroLR (supported: "
                   "sgd, nesterov_momentum_sgd, rmsprop, adam, adagrad)");
  }
  RETURN_NOT_OK(ParseInto(f, "optimizer", ml::ParseOptimizerType(p.optimizer_name), &p.optimizer));
  RETURN_NOT_OK(f.Int("batch_size", &p.batch_size));
  if (p.batch_size != -1 && p.batch_size < kMinBatchSize) {
    return Invalid(f, "batch_size",
                   "must be -1 (full batch) or at least " + std::to_string(kMinBatchSize) +
                       ", got " + std::to_string(p.batch_size));
  }
  RETURN_NOT_OK(f.String("batch_strategy", &p.batch_strategy));
  if (p.batch_strategy == "random") {
    return Invalid(f, "batch_strategy", "\"random\" is not supported (supported: full)");
  }
  if (p.batch_strategy != "full") {
    return Invalid(f, "batch_strategy",
                   "unknown value \"" + p.batch_strategy + "\" (expected one of: full, random)");
  }
  RETURN_NOT_OK(f.Double("learning_rate", &p.learning_rate));
  if (p.learning_rate <= 0) return Invalid(f, "learning_rate", "must be positive");
  RETURN_NOT_OK(ReadInitParam(f.Object("init_param"), &p));
  RETURN_NOT_OK(f.Int("max_iter", &p.max_iter));
  if (p.max_iter <= 0) return Invalid(f, "max_iter", "must be positive");
  RETURN_NOT_OK(f.String("early_stop", &p.early_stop_name));
  RETURN_NOT_OK(ParseInto(f, "early_stop", ml::ParseEarlyStop(p.early_stop_name), &p.early_stop));
  RETURN_NOT_OK(ReadEncryptParam(f.Object("encrypt_param"), &p));
  RETURN_NOT_OK(ReadEncryptedModeCalculatorParam(f.Object("encrypted_mode_calculator_param")));
  RETURN_NOT_OK(ReadPredictParam(f.Object("predict_param"), &p));
  RETURN_NOT_OK(ReadCvParam(f.Object("cv_param")));
  RETURN_NOT_OK(ReadStepwiseParam(f.Object("stepwise_param")));
  RETURN_NOT_OK(ReadSqnParam(f.Object("sqn_param")));
  RETURN_NOT_OK(f.Double("decay", &p.decay));
  if (p.decay < 0) return Invalid(f, "decay", "must not be negative");
  RETURN_NOT_OK(f.Bool("decay_sqrt", &p.decay_sqrt));
  RETURN_NOT_OK(f.String("multi_class", &p.multi_class));
  if (p.multi_class != "ovr") {
    return Invalid(f, "multi_class", "unknown value \"" + p.multi_class + "\" (expected: ovr)");
  }
  // floating_point_precision: null turns FATE's fixed-point gradient off.
  const bool precision_null = component_parameters.is_object() &&
                              component_parameters.contains("floating_point_precision") &&
                              component_parameters["floating_point_precision"].is_null();
  int64_t precision = 23;
  RETURN_NOT_OK(f.Int("floating_point_precision", &precision));
  if (precision_null) {
    p.floating_point_precision.reset();
  } else {
    if (precision < 0 || precision > 52) {
      return Invalid(f, "floating_point_precision",
                     "must be null or in [0, 52], got " + std::to_string(precision));
    }
    p.floating_point_precision = static_cast<int>(precision);
  }
  RETURN_NOT_OK(f.Bool("shuffle", &p.shuffle));
  RETURN_NOT_OK(f.Double("masked_rate", &p.masked_rate));
  if (p.masked_rate < 0) return Invalid(f, "masked_rate", "must not be negative");
  RETURN_NOT_OK(f.StringList("metrics", &p.metrics));
  RETURN_NOT_OK(f.Bool("use_first_metric_only", &p.use_first_metric_only));
  Json freqs;
  f.Raw("validation_freqs", &freqs);
  RETURN_NOT_OK(CheckValidationFreqs(f, "validation_freqs", freqs));
  p.validation_freqs = freqs;
  RETURN_NOT_OK(f.OptionalInt("early_stopping_rounds", &p.early_stopping_rounds));
  RETURN_NOT_OK(ReadCallbackParam(f.Object("callback_param"), &p));
  if (p.early_stopping_rounds.has_value() && *p.early_stopping_rounds <= 0) {
    return Invalid(f, "early_stopping_rounds", "must be positive");
  }
  RETURN_NOT_OK(f.CheckNoUnknown());
  return p;
}

}  // namespace fedflow
