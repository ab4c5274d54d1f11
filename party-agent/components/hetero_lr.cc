#include "party-agent/components/hetero_lr.h"

#include <glog/logging.h>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/ml/linear_model.h"
#include "party-agent/components/federation_client.h"
#include "party-agent/components/hetero_lr_params.h"
#include "party-agent/components/hetero_lr_protocol.h"
#include "party-agent/components/instances.h"

namespace fedflow {

namespace {

constexpr char kModule[] = "HeteroLR";
// How long a party waits for one message of another. A failed or stopped peer ends the wait
// sooner: the coordinator then stops this component's tasks on every party.
constexpr std::chrono::milliseconds kMessageTimeout{std::chrono::hours(1)};

LrPartyData ToPartyData(Instances inst) {
  LrPartyData data;
  data.x = ml::FeatureMatrix(inst.rows(), inst.cols());
  for (size_t r = 0; r < inst.rows(); ++r) {
    for (size_t c = 0; c < inst.cols(); ++c) data.x.at(r, c) = inst.at(r, c);
  }
  data.ids = std::move(inst.ids);
  data.feature_names = std::move(inst.feature_names);
  if (inst.label_name.has_value()) data.labels = std::move(inst.labels);
  return data;
}

// The first data input among `keys` present in the task's io.
Result<std::string> DataKey(const TaskContext& ctx, const std::vector<std::string>& keys) {
  std::vector<std::pair<std::string, size_t>> inputs = ctx.DataInputs();
  for (const std::string& key : keys) {
    for (const auto& [name, count] : inputs) {
      if (name == key && count > 0) return key;
    }
  }
  std::string have;
  for (const auto& [name, count] : inputs) have += (have.empty() ? "" : ", ") + name;
  return Status::InvalidArgument(std::string(kModule) + " on " + ctx.key().role +
                                 " needs data input " + keys.front() +
                                 " (its inputs: " + (have.empty() ? "none" : have) + ")");
}

std::string ModelAlias(const TaskContext& ctx) {
  const Json* output = FindMember(ctx.io(), "output");
  const Json* model =
      output != nullptr && output->is_object() ? FindMember(*output, "model") : nullptr;
  if (model != nullptr && model->is_array() && !model->empty() && (*model)[0].is_string()) {
    return (*model)[0].get<std::string>();
  }
  return "model";
}

std::string DataOutputName(const TaskContext& ctx) {
  std::vector<std::string> names = ctx.OutputDataNames();
  return names.empty() ? "data" : names.front();
}

// FATE's LRModelParam of one party.
Json ModelParam(const LrTrainResult& r, const std::vector<std::string>& header) {
  Json weight = Json::object();
  const std::vector<double> coef = r.weights.coef();
  for (size_t i = 0; i < coef.size() && i < header.size(); ++i) weight[header[i]] = coef[i];
  return Json{{"iters", r.iterations},
              {"loss_history", r.loss_history},
              {"is_converged", r.converged},
              {"weight", weight},
              {"intercept", r.weights.intercept()},
              {"fit_intercept", r.weights.fit_intercept},
              {"header", header},
              {"best_iteration", -1},
              {"need_one_vs_rest", false}};
}

Json Summary(const TaskContext& ctx, const LrTrainResult& r, const Json& param) {
  Json s = {{"iters", r.iterations},
            {"is_converged", r.converged},
            {"best_iteration", -1},
            {"one_vs_rest", false}};
  if (ctx.key().role == "arbiter") {
    s["loss_history"] = r.loss_history;
  } else {
    s["coef"] = param["weight"];
    s["intercept"] = param["intercept"];
  }
  return s;
}

Status SaveTrainOutputs(TaskContext& ctx, const HeteroLrParams& p, const LrTrainResult& r,
                        const LrPartyData* data) {
  const std::vector<std::string> header =
      data != nullptr ? data->feature_names : std::vector<std::string>();
  Json param = ModelParam(r, header);
  Json model = {{"meta", p.ToMetaJson()},
                {"param", param},
                {"role", ctx.key().role},
                {"party_id", ctx.key().party_id}};
  RETURN_NOT_OK(ctx.storage().SaveModel(ModelAlias(ctx), kModule, DumpJson(model)));
  RETURN_NOT_OK(ctx.storage().SaveSummary(Summary(ctx, r, param)));
  if (ctx.key().role == "guest") {
    std::vector<PredictionRow> rows(data->ids.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      rows[i].id = data->ids[i];
      rows[i].label = data->labels[i];
      rows[i].predict_score = r.scores[i];
      rows[i].predict_result = ml::PredictLabel(r.scores[i], p.predict_threshold);
      rows[i].type = "train";
    }
    RETURN_NOT_OK(WritePredictions(ctx, DataOutputName(ctx), rows));
  }
  return Status::OK();
}

Status Train(TaskContext& ctx, const HeteroLrParams& p, LrChannel* ch) {
  const std::string& role = ctx.key().role;
  if (role == "arbiter") {
    bool meta_set = false;
    auto on_loss = [&](int64_t iter, double loss) -> Status {
      if (!meta_set) {
        RETURN_NOT_OK(
            ctx.storage().SetMetricMeta("train", "loss", "LOSS", Json{{"unit_name", "iters"}}));
        meta_set = true;
      }
      LOG(INFO) << ctx.LogPrefix() << "HeteroLR: iteration " << iter << " loss " << loss;
      return ctx.storage().LogMetric("train", "loss",
                                     {MetricPoint{static_cast<double>(iter), loss}});
    };
    ASSIGN_OR_RETURN(LrTrainResult r, TrainHeteroLrArbiter(p, ch, on_loss));
    LOG(INFO) << ctx.LogPrefix() << "HeteroLR: " << r.iterations << " iterations, converged "
              << r.converged << ", " << r.train_seconds << " s (Paillier " << r.paillier_seconds
              << " s)";
    return SaveTrainOutputs(ctx, p, r, nullptr);
  }
  ASSIGN_OR_RETURN(std::string key, DataKey(ctx, {"train_data", "data"}));
  for (const auto& [name, count] : ctx.DataInputs()) {
    if (name == "validate_data" && count > 0) {
      LOG(WARNING) << ctx.LogPrefix()
                   << "HeteroLR: validate_data is ignored (validation during training is not "
                      "implemented)";
    }
  }
  ASSIGN_OR_RETURN(Instances inst, ReadInputInstances(ctx, key));
  const LrPartyData data = ToPartyData(std::move(inst));
  Result<LrTrainResult> r =
      role == "guest" ? TrainHeteroLrGuest(p, data, ch) : TrainHeteroLrHost(p, data, ch);
  RETURN_NOT_OK(r.status());
  LOG(INFO) << ctx.LogPrefix() << "HeteroLR: " << r->iterations << " iterations on "
            << data.ids.size() << " rows, converged " << r->converged << ", " << r->train_seconds
            << " s (Paillier " << r->paillier_seconds << " s)";
  return SaveTrainOutputs(ctx, p, *r, &data);
}

// The weights of a saved HeteroLR model, in the order of `features`.
Result<ml::LinearWeights> LoadWeights(TaskContext& ctx, const Json& ref,
                                      const std::vector<std::string>& features) {
  if (!ref.is_object()) return Status::InvalidArgument("input model: expected an object");
  ASSIGN_OR_RETURN(std::string component, GetString(ref, "component", "input model"));
  ASSIGN_OR_RETURN(std::string alias, GetString(ref, "model", "input model"));
  ASSIGN_OR_RETURN(TaskStorageClient::Model model,
                   ctx.storage().LoadModel(component, alias.empty() ? "model" : alias));
  if (model.module != kModule) {
    return Status::InvalidArgument("input model " + component + "." + alias + " is a " +
                                   model.module + " model, not a HeteroLR model");
  }
  ASSIGN_OR_RETURN(Json j, ParseJson(model.data, "HeteroLR model"));
  const Json* param = FindMember(j, "param");
  if (param == nullptr || !param->is_object()) {
    return Status::InvalidArgument("HeteroLR model " + component + ": no \"param\"");
  }
  ml::LinearWeights w;
  const Json* weight = FindMember(*param, "weight");
  for (const std::string& f : features) {
    const Json* v = weight != nullptr ? FindMember(*weight, f) : nullptr;
    if (v == nullptr || !v->is_number()) {
      return Status::InvalidArgument("HeteroLR model " + component + " has no weight for feature " +
                                     f + " of the data");
    }
    w.values.push_back(v->get<double>());
  }
  const Json* fit = FindMember(*param, "fit_intercept");
  w.fit_intercept = fit != nullptr && fit->is_boolean() && fit->get<bool>();
  if (w.fit_intercept) {
    const Json* b = FindMember(*param, "intercept");
    w.values.push_back(b != nullptr && b->is_number() ? b->get<double>() : 0.0);
  }
  return w;
}

Status Predict(TaskContext& ctx, const HeteroLrParams& p, const Json& model_ref, LrChannel* ch) {
  const std::string& role = ctx.key().role;
  if (role == "arbiter") return PredictHeteroLrArbiter(ch);
  ASSIGN_OR_RETURN(std::string key, DataKey(ctx, {"test_data", "data", "eval_data"}));
  ASSIGN_OR_RETURN(Instances inst, ReadInputInstances(ctx, key));
  const LrPartyData data = ToPartyData(std::move(inst));
  ASSIGN_OR_RETURN(ml::LinearWeights w, LoadWeights(ctx, model_ref, data.feature_names));
  if (role != "guest") return PredictHeteroLrHost(w, data, ch);
  ASSIGN_OR_RETURN(std::vector<double> scores, PredictHeteroLrGuest(w, data, ch));
  std::vector<PredictionRow> rows(data.ids.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].id = data.ids[i];
    rows[i].label = i < data.labels.size() ? data.labels[i] : 0;
    rows[i].predict_score = scores[i];
    rows[i].predict_result = ml::PredictLabel(scores[i], p.predict_threshold);
    rows[i].type = "predict";
  }
  return WritePredictions(ctx, DataOutputName(ctx), rows);
}

}  // namespace

Status HeteroLR::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(HeteroLrParams p, ParseHeteroLrParams(ctx.component_parameters()));
  const std::string& role = ctx.key().role;
  if (role != "guest" && role != "host" && role != "arbiter") {
    return Status::InvalidArgument(std::string(kModule) + " runs on guest, host and arbiter, not " +
                                   role);
  }
  FederationClient fed(ctx);
  FederationLrChannel channel(ctx, &fed, kMessageTimeout);
  const Json* models = FindMember(ctx.io(), "model");
  Status s = models != nullptr && models->is_array() && !models->empty()
                 ? Predict(ctx, p, (*models)[0], &channel)
                 : Train(ctx, p, &channel);
  if (!s.ok() && s.message().rfind(kModule, 0) != 0) return s.CloneAndPrepend(kModule);
  return s;
}

}  // namespace fedflow
