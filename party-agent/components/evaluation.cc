#include "party-agent/components/evaluation.h"

#include <glog/logging.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <utility>

#include "common/ml/binary_metrics.h"
#include "common/ml/regression_metrics.h"
#include "party-agent/components/parameter_reader.h"

// GCC 12 reports a false -Wmaybe-uninitialized inside std::variant's move constructor when
// vectors of MetricPoint grow; the points are fully initialised.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace fedflow {

namespace {

constexpr char kModule[] = "Evaluation";
constexpr int kRound = 6;

const std::vector<std::string> kBinaryComputed = {"auc",      "ks",        "lift",  "gain",
                                                  "accuracy", "precision", "recall"};
const std::vector<std::string> kBinaryFate = {"roc", "confusion_mat", "psi", "f1_score",
                                              "quantile_pr"};
const std::vector<std::string> kRegression = {"explained_variance",    "mean_absolute_error",
                                              "mean_squared_error",    "median_absolute_error",
                                              "r2_score",              "root_mean_squared_error"};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

double Round(double v) { return std::isfinite(v) ? ml::RoundLikeNumpy(v, kRound) : v; }

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// FATE sorts curve points by x before saving; NaN values (recall without positives) are left
// out, as JSON cannot hold them.
std::vector<std::pair<double, double>> Points(const std::vector<double>& x,
                                              const std::vector<double>& y,
                                              const std::vector<size_t>* keep = nullptr) {
  std::vector<std::pair<double, double>> out;
  auto add = [&](size_t i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) return;
    out.emplace_back(Round(x[i]), Round(y[i]));
  };
  if (keep != nullptr) {
    for (size_t i : *keep) add(i);
  } else {
    for (size_t i = 0; i < x.size() && i < y.size(); ++i) add(i);
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

Json Finite(const std::vector<double>& v) {
  Json out = Json::array();
  for (double d : v) out.push_back(std::isfinite(d) ? Json(Round(d)) : Json(nullptr));
  return out;
}

}  // namespace

Result<Evaluation::Params> Evaluation::ParseParams(const Json& component_parameters) {
  Params p;
  ParameterReader reader(kModule, component_parameters);
  RETURN_NOT_OK(reader.ReadString("eval_type", &p.eval_type));
  const Json* pos_label = nullptr;
  RETURN_NOT_OK(reader.ReadJson("pos_label", &pos_label));
  const Json* metrics = nullptr;
  RETURN_NOT_OK(reader.ReadJson("metrics", &metrics));
  bool unfold = false, run_clustering_arbiter_metric = false;
  RETURN_NOT_OK(reader.ReadBool("unfold_multi_result", &unfold));
  RETURN_NOT_OK(reader.ReadBool("run_clustering_arbiter_metric", &run_clustering_arbiter_metric));
  const Json* ignored = nullptr;
  RETURN_NOT_OK(reader.ReadJson("allowed_metrics", &ignored));
  RETURN_NOT_OK(reader.ReadJson("default_metrics", &ignored));
  RETURN_NOT_OK(reader.CheckNoUnknown());

  if (p.eval_type != "binary" && p.eval_type != "regression") {
    return Status::InvalidArgument(std::string(kModule) + ": parameter \"eval_type\": \"" +
                                   p.eval_type +
                                   "\" is not supported (use binary or regression)");
  }
  if (pos_label != nullptr && !pos_label->is_null()) {
    if (pos_label->is_number()) {
      p.pos_label = pos_label->get<double>();
    } else if (pos_label->is_string()) {
      const std::string s = pos_label->get<std::string>();
      char* end = nullptr;
      p.pos_label = std::strtod(s.c_str(), &end);
      if (s.empty() || end != s.c_str() + s.size()) {
        return Status::InvalidArgument(std::string(kModule) + ": parameter \"pos_label\": \"" +
                                       s + "\" is not a number (labels are numeric)");
      }
    } else {
      return Status::InvalidArgument(std::string(kModule) +
                                     ": parameter \"pos_label\": expected a number, got " +
                                     JsonTypeName(*pos_label));
    }
  }
  const std::vector<std::string>& computed =
      p.eval_type == "binary" ? kBinaryComputed : kRegression;
  if (metrics == nullptr || metrics->is_null() || (metrics->is_array() && metrics->empty())) {
    p.metrics = computed;
    return p;
  }
  if (!metrics->is_array()) {
    return Status::InvalidArgument(std::string(kModule) +
                                   ": parameter \"metrics\": expected a list, got " +
                                   JsonTypeName(*metrics));
  }
  for (const Json& m : *metrics) {
    if (!m.is_string()) {
      return Status::InvalidArgument(std::string(kModule) +
                                     ": parameter \"metrics\": expected metric names");
    }
    const std::string name = m.get<std::string>();
    if (Contains(computed, name)) {
      if (!Contains(p.metrics, name)) p.metrics.push_back(name);
      continue;
    }
    std::string allowed;
    for (const std::string& c : computed) allowed += (allowed.empty() ? "" : ", ") + c;
    if (p.eval_type == "binary" && Contains(kBinaryFate, name)) {
      return Status::InvalidArgument(std::string(kModule) + ": parameter \"metrics\": \"" + name +
                                     "\" is not supported by fedflow (it computes: " + allowed +
                                     ")");
    }
    return Status::InvalidArgument(std::string(kModule) + ": parameter \"metrics\": \"" + name +
                                   "\" is not a " + p.eval_type + " metric (use: " + allowed +
                                   ")");
  }
  return p;
}

Result<Json> Evaluation::Evaluate(const Params& p, const std::vector<PredictionRow>& rows,
                                  std::map<std::string, Curve>* curves) {
  Json single = Json::object();
  if (p.eval_type == "regression") {
    std::vector<double> labels, preds;
    for (const PredictionRow& r : rows) {
      labels.push_back(r.label);
      preds.push_back(r.predict_result);
    }
    using Fn = Result<double> (*)(const std::vector<double>&, const std::vector<double>&);
    const std::vector<std::pair<std::string, Fn>> fns = {
        {"explained_variance", &ml::ExplainedVariance},
        {"mean_absolute_error", &ml::MeanAbsoluteError},
        {"mean_squared_error", &ml::MeanSquaredError},
        {"median_absolute_error", &ml::MedianAbsoluteError},
        {"r2_score", &ml::R2Score},
        {"root_mean_squared_error", &ml::RootMeanSquaredError}};
    for (const auto& [name, fn] : fns) {
      if (!Contains(p.metrics, name)) continue;
      ASSIGN_OR_RETURN(double v, fn(labels, preds));
      single[name] = Round(v);
    }
    return single;
  }
  std::vector<double> scores;
  std::vector<int> labels;
  scores.reserve(rows.size());
  labels.reserve(rows.size());
  for (const PredictionRow& r : rows) {
    scores.push_back(r.predict_score);
    labels.push_back(r.label == p.pos_label ? 1 : 0);
  }
  if (Contains(p.metrics, "auc")) {
    ASSIGN_OR_RETURN(double auc, ml::RocAuc(scores, labels));
    single["auc"] = Round(auc);
  }
  if (Contains(p.metrics, "ks")) {
    ASSIGN_OR_RETURN(ml::KsResult ks, ml::Ks(scores, labels));
    single["ks"] = Round(ks.ks);
    if (curves != nullptr) {
      Json extra = {{"unit_name", ""}, {"ordinate_name", "tpr"}, {"curve_name", "fpr"},
                    {"thresholds", Finite(ks.thresholds)}};
      (*curves)["ks_fpr"] = {Points(ks.cuts, ks.fpr), "KS_EVALUATION", extra};
      extra["curve_name"] = "tpr";
      (*curves)["ks_tpr"] = {Points(ks.cuts, ks.tpr), "KS_EVALUATION", extra};
    }
  }
  if (curves == nullptr) return single;
  for (const char* name : {"lift", "gain"}) {
    if (!Contains(p.metrics, name)) continue;
    ml::LiftGainCurve c;
    if (std::string(name) == "lift") {
      ASSIGN_OR_RETURN(c, ml::LiftCurve(scores, labels));
    } else {
      ASSIGN_OR_RETURN(c, ml::GainCurve(scores, labels));
    }
    std::vector<size_t> keep = ml::KeepMaxYPerX(c.x, c.y);
    Json extra = {{"unit_name", ""}, {"ordinate_name", name}, {"curve_name", name},
                  {"thresholds", Finite(c.thresholds)}};
    (*curves)[name] = {Points(c.x, c.y, &keep), Upper(name) + "_EVALUATION", extra};
  }
  for (const char* name : {"precision", "recall", "accuracy"}) {
    if (!Contains(p.metrics, name)) continue;
    ml::ThresholdCurve c;
    const std::string n(name);
    if (n == "precision") {
      ASSIGN_OR_RETURN(c, ml::PrecisionCurve(scores, labels));
    } else if (n == "recall") {
      ASSIGN_OR_RETURN(c, ml::RecallCurve(scores, labels));
    } else {
      ASSIGN_OR_RETURN(c, ml::AccuracyCurve(scores, labels));
    }
    Json extra = {{"unit_name", ""}, {"ordinate_name", name}, {"curve_name", name},
                  {"thresholds", Finite(c.thresholds)}};
    (*curves)[name] = {Points(c.cuts, c.values), Upper(name) + "_EVALUATION", extra};
  }
  return single;
}

Status Evaluation::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(Params p, ParseParams(ctx.component_parameters()));
  Json summary = Json::object();
  TaskStorageClient& storage = ctx.storage();
  int evaluated = 0;
  const Json* data = FindMember(ctx.io(), "data");
  for (const auto& [key, entries] : ctx.DataInputs()) {
    for (size_t i = 0; i < entries; ++i) {
      const Json& ref = (*FindMember(*data, key))[i];
      std::string name = key;
      if (const Json* c = FindMember(ref, "component"); c != nullptr && c->is_string()) {
        name = c->get<std::string>();
      } else if (const Json* a = FindMember(ref, "args"); a != nullptr && a->is_string()) {
        name = a->get<std::string>();
      }
      auto opened = ctx.OpenInput(key, i);
      if (!opened.ok()) {
        if (opened.status().IsNotFound()) {
          // The upstream component did not run here (FATE: the input is None).
          LOG(INFO) << ctx.LogPrefix() << "Evaluation: nothing to evaluate from " << name << ": "
                    << opened.status().message();
          continue;
        }
        return opened.status().CloneAndPrepend(kModule);
      }
      std::unique_ptr<InputTable> in = std::move(opened).value();
      auto rows = ReadPredictions(ctx, in.get());
      if (!rows.ok()) return rows.status().CloneAndPrepend(kModule);
      // Group by data type, in order of appearance.
      std::vector<std::string> types;
      std::map<std::string, std::vector<PredictionRow>> by_type;
      for (PredictionRow& r : *rows) {
        if (!by_type.count(r.type)) types.push_back(r.type);
        by_type[r.type].push_back(std::move(r));
      }
      for (const std::string& type : types) {
        std::map<std::string, Curve> curves;
        auto single = Evaluate(p, by_type[type], &curves);
        if (!single.ok()) {
          return single.status().CloneAndPrepend(std::string(kModule) + ": " + name + " " + type +
                                                 " (" + std::to_string(by_type[type].size()) +
                                                 " rows)");
        }
        std::vector<MetricPoint> points;
        points.reserve(single->size());
        for (auto it = single->begin(); it != single->end(); ++it) {
          MetricPoint point;
          point.key = MetricValue(std::in_place_type<std::string>, it.key());
          point.value = MetricValue(std::in_place_type<double>, it.value().get<double>());
          points.push_back(std::move(point));
        }
        RETURN_NOT_OK_PREPEND(storage.LogMetric(type, name, points), kModule);
        RETURN_NOT_OK_PREPEND(storage.SetMetricMeta(type, name, "EVALUATION_SUMMARY",
                                                    Json{{"metric_name", name}}),
                              kModule);
        for (const auto& [suffix, curve] : curves) {
          std::vector<MetricPoint> cp;
          cp.reserve(curve.points.size());
          for (const auto& [x, y] : curve.points) cp.push_back({x, y});
          const std::string metric_name = name + "_" + suffix;
          RETURN_NOT_OK_PREPEND(storage.LogMetric(type, metric_name, cp), kModule);
          RETURN_NOT_OK_PREPEND(
              storage.SetMetricMeta(type, metric_name, curve.metric_type, curve.extra), kModule);
        }
        summary[name][type] = *single;
        LOG(INFO) << ctx.LogPrefix() << "Evaluation: " << name << " " << type << " ("
                  << by_type[type].size() << " rows): " << DumpJson(*single);
        ++evaluated;
      }
    }
  }
  if (evaluated == 0) {
    LOG(INFO) << ctx.LogPrefix() << "Evaluation: no prediction data on this party, nothing to "
                                    "evaluate";
  }
  RETURN_NOT_OK_PREPEND(storage.SaveSummary(summary), kModule);
  return Status::OK();
}

}  // namespace fedflow
