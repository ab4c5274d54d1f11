// Predict jobs: the v1 predict DSL derived by need_deploy (§9), the predict conf merged with
// the training conf (§2.4), and planning a predict job.
#include "common/plan/predict.h"

#include <string>
#include <vector>

#include "tests/harness/test_util.h"
#include "tests/plan/plan_test_util.h"

namespace fedflow::plan {
namespace {

class PredictTest : public testing::FedflowTest {
 protected:
  static Result<Plan> PlanPredict(const Json* dsl, const Json& conf, const Json& train_dsl,
                                  const Json& train_conf, const PlanOptions& options = {}) {
    JobInput job;
    job.dsl = dsl;
    job.conf = &conf;
    job.train_dsl = &train_dsl;
    job.train_conf = &train_conf;
    return PlanJob(job, Registry(), options);
  }
};

constexpr char kTrainDsl[] = R"({"components": {
  "dataio_0": {"module": "DataIO", "input": {"data": {"data": ["args.train_data"]}},
               "output": {"data": ["train"], "model": ["dataio"]}},
  "intersection_0": {"module": "Intersection", "input": {"data": {"data": ["dataio_0.train"]}},
                     "output": {"data": ["train"]}},
  "hetero_lr_0": {"module": "HeteroLR", "input": {"data": {"train_data": ["intersection_0.train"]}},
                  "output": {"data": ["train"], "model": ["hetero_lr"]}},
  "evaluation_0": {"module": "Evaluation", "input": {"data": {"data": ["hetero_lr_0.train"]}}}}})";

constexpr char kTrainConf[] = R"({"initiator": {"role": "guest", "party_id": 9999},
  "job_parameters": {"work_mode": 1},
  "role": {"guest": [9999], "host": [1, 2], "arbiter": [5]},
  "algorithm_parameters": {"hetero_lr_0": {"max_iter": 10}},
  "role_parameters": {
    "guest": {"args": {"data": {"train_data": [{"name": "g", "namespace": "train"}]}},
              "dataio_0": {"with_label": [true]}},
    "host": {"args": {"data": {"train_data": [{"name": "h1", "namespace": "train"},
                                              {"name": "h2", "namespace": "train"}]}},
             "dataio_0": {"with_label": [false, false], "output_format": ["dense", "sparse"]}}}})";

Result<Json> Derive(const Json& train_dsl, const Json& train_conf) {
  JobInput job;
  job.dsl = &train_dsl;
  job.conf = &train_conf;
  ASSIGN_OR_RETURN(Plan plan, PlanJob(job, Registry()));
  if (!plan.predict_dsl) return Status::Internal("no predict DSL");
  return *plan.predict_dsl;
}

TEST_F(PredictTest, V1PredictDslFollowsNeedDeploy) {
  auto predict = Derive(J(kTrainDsl), J(kTrainConf));
  ASSERT_OK(predict);
  // Evaluation is not deployed by default; models become pipeline inputs; train_data becomes
  // test_data; args inputs become args.eval_data. Key order as FATE writes it.
  EXPECT_EQ(J(R"({"components": {
      "dataio_0": {"module": "DataIO", "input": {"model": ["pipeline.dataio_0.dataio"],
                   "data": {"data": ["args.eval_data"]}}, "output": {"data": ["train"]}},
      "intersection_0": {"module": "Intersection", "output": {"data": ["train"]},
                         "input": {"data": {"data": ["dataio_0.train"]}}},
      "hetero_lr_0": {"module": "HeteroLR", "input": {"model": ["pipeline.hetero_lr_0.hetero_lr"],
                      "data": {"test_data": ["intersection_0.train"]}},
                      "output": {"data": ["train"]}}}})"),
            *predict);
}

TEST_F(PredictTest, DataFromAComponentNotDeployedPassesThrough) {
  Json dsl = J(kTrainDsl);
  dsl["components"]["intersection_0"]["need_deploy"] = false;
  dsl["components"]["evaluation_0"]["need_deploy"] = true;
  auto predict = Derive(dsl, J(kTrainConf));
  ASSERT_OK(predict);
  const Json& c = (*predict)["components"];
  EXPECT_FALSE(c.contains("intersection_0"));
  EXPECT_EQ(J(R"({"test_data": ["dataio_0.train"]})"), c["hetero_lr_0"]["input"]["data"]);
  EXPECT_EQ(J(R"({"module": "Evaluation", "input": {"data": {"data": ["hetero_lr_0.train"]}}})"),
            c["evaluation_0"]);
}

TEST_F(PredictTest, DerivationErrors) {
  Json cache = J(R"({"components": {
      "dataio_0": {"module": "DataIO", "input": {"data": {"data": ["args.train_data"]}},
                   "output": {"data": ["train"]}},
      "intersection_0": {"module": "Intersection", "input": {"data": {"data": ["dataio_0.train"]}},
                         "output": {"data": ["train"], "cache": ["cache"]}, "need_deploy": false},
      "intersection_1": {"module": "Intersection", "input": {"data": {"data": ["dataio_0.train"]},
                         "cache": ["intersection_0.cache"]}, "output": {"data": ["train"]}}}})");
  ExpectError(Derive(cache, J(kTrainConf)),
              {"component intersection_1 takes cache \"intersection_0.cache\" from "
               "intersection_0, which is not deployed"});
  Json no_pass_through = J(kTrainDsl);
  no_pass_through["components"]["intersection_0"]["need_deploy"] = false;
  no_pass_through["components"]["intersection_0"]["input"]["data"] =
      J(R"({"validate_data": ["dataio_0.train"]})");
  ExpectError(Derive(no_pass_through, J(kTrainConf)),
              {"component intersection_0 is not deployed and has none of the data inputs "
               "train_data, eval_data, test_data, data to pass through"});
  Json reader =
      J(R"({"components": {"reader_0": {"module": "Reader", "output": {"data": ["d"]}}}})");
  ExpectError(Derive(reader, J(kTrainConf)),
              {"component reader_0: a Reader component exists only in DSL v2"});
}

TEST_F(PredictTest, V1PredictJobUsesTheDerivedDslAndTheMergedConf) {
  Json predict_conf = J(R"({"initiator": {"role": "guest", "party_id": 9999},
      "job_parameters": {"job_type": "predict", "model_id": "m", "model_version": "v"},
      "role": {"guest": [9999], "host": [1, 2], "arbiter": [5]},
      "role_parameters": {
        "guest": {"args": {"data": {"eval_data": [{"name": "ge", "namespace": "test"}]}}},
        "host": {"args": {"data": {"eval_data": [{"name": "he1", "namespace": "test"},
                                                 {"name": "he2", "namespace": "test"}]}},
                 "dataio_0": {"output_format": ["dense", "dense"]}}}})");
  auto plan = PlanPredict(nullptr, predict_conf, J(kTrainDsl), J(kTrainConf));
  ASSERT_OK(plan);
  EXPECT_EQ(JobMode::kPredict, plan->job_type);
  EXPECT_EQ((std::vector<std::string>{"dataio_0", "intersection_0", "hetero_lr_0"}),
            plan->topological_order);
  // Model inputs are no edges in predict mode: dataio_0 is a source.
  EXPECT_TRUE(plan->FindComponent("dataio_0")->upstream.empty());
  EXPECT_EQ(J(R"({"eval_data": {"name": "he2", "namespace": "test"}})"),
            Party(*plan, Role::kHost, 2).data_inputs);
  EXPECT_EQ(J(R"({"work_mode": 1, "job_type": "predict", "model_id": "m", "model_version": "v"})"),
            Party(*plan, Role::kGuest, 9999).job_parameters);
  // Training parameters, then the predict conf's on top.
  EXPECT_EQ(J(R"({"with_label": false, "output_format": "dense"})"),
            Params(*plan, Role::kHost, 2, "dataio_0"));
  EXPECT_EQ(J(R"({"max_iter": 10})"), Params(*plan, Role::kArbiter, 5, "hetero_lr_0"));
  EXPECT_EQ((std::vector<std::string>{"hetero_lr_0"}), Party(*plan, Role::kArbiter, 5).TaskNames());
  EXPECT_FALSE(plan->predict_dsl.has_value());
}

TEST_F(PredictTest, PartySubsetReindexesV1ListsAndV2RoleKeys) {
  // v1: host 2 alone predicts; training lists are re-indexed to it.
  Json predict_conf = J(R"({"initiator": {"role": "guest", "party_id": 9999},
      "job_parameters": {"job_type": "predict"},
      "role": {"guest": [9999], "host": [2]},
      "role_parameters": {
        "guest": {"args": {"data": {"eval_data": [{"name": "ge"}]}}},
        "host": {"args": {"data": {"eval_data": [{"name": "he2"}]}}}}})");
  auto plan = PlanPredict(nullptr, predict_conf, J(kTrainDsl), J(kTrainConf));
  ASSERT_OK(plan);
  EXPECT_EQ(J(R"({"with_label": false, "output_format": "sparse"})"),
            Params(*plan, Role::kHost, 2, "dataio_0"));
  EXPECT_EQ(nullptr, plan->FindParty(Role::kArbiter, 5));

  // v2: the "1" section of training (host 20) becomes "0" when host 20 predicts alone.
  Json train_conf = J(R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 9},
      "role": {"guest": [9], "host": [10, 20]},
      "component_parameters": {"role": {"host": {
          "0": {"reader_0": {"table": {"name": "a"}}},
          "1": {"reader_0": {"table": {"name": "b"}}},
          "0|1": {"data_transform_0": {"with_label": false}}}}}})");
  Json predict_v2 = J(R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 9},
      "role": {"guest": [9], "host": [20]}, "job_parameters": {"common": {"job_type": "predict"}}})");
  std::vector<std::string> warnings;
  auto merged = MergePredictConf(train_conf, predict_v2, &warnings);
  ASSERT_OK(merged);
  EXPECT_EQ(
      J(R"({"0": {"reader_0": {"table": {"name": "b"}}, "data_transform_0": {"with_label": false}}})"),
      (*merged)["component_parameters"]["role"]["host"]);
}

TEST_F(PredictTest, PredictPartiesTheTrainingLacksAreNamedAndCanBeMappedByPosition) {
  Json predict_conf = J(R"({"initiator": {"role": "guest", "party_id": 10000},
      "job_parameters": {"job_type": "predict"},
      "role": {"guest": [10000], "host": [3, 4], "arbiter": [5]},
      "role_parameters": {
        "guest": {"args": {"data": {"eval_data": [{"name": "ge"}]}}},
        "host": {"args": {"data": {"eval_data": [{"name": "a"}, {"name": "b"}]}}}}})");
  ExpectError(PlanPredict(nullptr, predict_conf, J(kTrainDsl), J(kTrainConf)),
              {"the predict conf names parties that the training conf lacks: guest 10000 "
               "(training guest: 9999); host 3, 4 (training host: 1, 2)"});
  auto mapped = MapPredictPartyIds(predict_conf, J(kTrainConf));
  ASSERT_OK(mapped);
  EXPECT_EQ(J(R"({"guest": [9999], "host": [1, 2], "arbiter": [5]})"), (*mapped)["role"]);
  EXPECT_EQ(9999, (*mapped)["initiator"]["party_id"]);
  ASSERT_OK(PlanPredict(nullptr, *mapped, J(kTrainDsl), J(kTrainConf)));
}

TEST_F(PredictTest, ARoleTheTrainingLacksIsTakenWithAWarning) {
  Json train_conf = J(kTrainConf);
  train_conf["role"].erase("arbiter");
  Json predict_conf = J(R"({"initiator": {"role": "guest", "party_id": 9999},
      "job_parameters": {"job_type": "predict"},
      "role": {"guest": [9999], "host": [1, 2], "arbiter": [7]},
      "role_parameters": {
        "guest": {"args": {"data": {"eval_data": [{"name": "ge"}]}}},
        "host": {"args": {"data": {"eval_data": [{"name": "a"}, {"name": "b"}]}}}}})");
  auto plan = PlanPredict(nullptr, predict_conf, J(kTrainDsl), train_conf);
  ASSERT_OK(plan);
  EXPECT_EQ(std::vector<std::string>{"hetero_lr_0"}, Party(*plan, Role::kArbiter, 7).TaskNames());
  bool warned = false;
  for (const std::string& w : plan->warnings) {
    warned |= w.find("role arbiter does not occur in the training conf") != std::string::npos;
  }
  EXPECT_TRUE(warned);
}

constexpr char kTrainDslV2[] = R"({"components": {
  "reader_0": {"module": "Reader", "output": {"data": ["data"]}},
  "data_transform_0": {"module": "DataTransform", "input": {"data": {"data": ["reader_0.data"]}},
                       "output": {"data": ["data"], "model": ["model"]}},
  "hetero_lr_0": {"module": "HeteroLR", "input": {"data": {"train_data": ["data_transform_0.data"]}},
                  "output": {"data": ["data"], "model": ["model"]}},
  "evaluation_0": {"module": "Evaluation", "input": {"data": {"data": ["hetero_lr_0.data"]}}}}})";

constexpr char kTrainConfV2[] = R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 9},
  "role": {"guest": [9], "host": [10], "arbiter": [10]},
  "component_parameters": {
    "common": {"hetero_lr_0": {"max_iter": 5}},
    "role": {"guest": {"0": {"reader_0": {"table": {"name": "train_g"}},
                              "data_transform_0": {"with_label": true}}},
             "host": {"0": {"reader_0": {"table": {"name": "train_h"}}}}}}})";

constexpr char kPredictConfV2[] =
    R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 9},
  "role": {"guest": [9], "host": [10]},
  "job_parameters": {"common": {"job_type": "predict"}},
  "component_parameters": {"role": {"guest": {"0": {"reader_0": {"table": {"name": "test_g"}}}}}}})";

TEST_F(PredictTest, V2PredictJobWithItsOwnDsl) {
  Json predict_dsl = J(R"({"components": {
      "reader_0": {"module": "Reader", "output": {"data": ["data"]}},
      "hetero_lr_0": {"module": "HeteroLR", "input": {"data": {"test_data": ["data_transform_0.data"]},
                      "model": ["pipeline.hetero_lr_0.model"]}, "output": {"data": ["data"]}},
      "data_transform_0": {"module": "DataTransform", "input": {"data": {"data": ["reader_0.data"]},
                           "model": ["pipeline.data_transform_0.model"]}, "output": {"data": ["data"]}}}})");
  auto plan = PlanPredict(&predict_dsl, J(kPredictConfV2), J(kTrainDslV2), J(kTrainConfV2));
  ASSERT_OK(plan);
  EXPECT_EQ((std::vector<std::string>{"reader_0", "data_transform_0", "hetero_lr_0"}),
            plan->topological_order);
  EXPECT_EQ(J(R"({"table": {"name": "test_g"}})"), Params(*plan, Role::kGuest, 9, "reader_0"));
  EXPECT_EQ(J(R"({"table": {"name": "train_h"}})"), Params(*plan, Role::kHost, 10, "reader_0"));
  EXPECT_EQ(J(R"({"with_label": true})"), Params(*plan, Role::kGuest, 9, "data_transform_0"));
  EXPECT_EQ(J(R"({"max_iter": 5})"), Params(*plan, Role::kHost, 10, "hetero_lr_0"));
  // The training arbiter is left out by the predict conf.
  EXPECT_EQ(nullptr, plan->FindParty(Role::kArbiter, 10));

  Json bad = predict_dsl;
  bad["components"]["hetero_lr_0"]["input"]["model"] = {"pipeline.hetero_lr_9.model"};
  ExpectError(PlanPredict(&bad, J(kPredictConfV2), J(kTrainDslV2), J(kTrainConfV2)),
              {"component hetero_lr_0: model input \"pipeline.hetero_lr_9.model\": the training "
               "job has no component \"hetero_lr_9\""});
}

TEST_F(PredictTest, V2PredictDslDefaultsToDeployingEveryComponent) {
  auto plan = PlanPredict(nullptr, J(kPredictConfV2), J(kTrainDslV2), J(kTrainConfV2));
  ASSERT_OK(plan);
  EXPECT_EQ(
      (std::vector<std::string>{"reader_0", "data_transform_0", "hetero_lr_0", "evaluation_0"}),
      plan->topological_order);
  EXPECT_EQ((std::vector<std::string>{"hetero_lr_0"}),
            plan->FindComponent("evaluation_0")->upstream);
}

TEST_F(PredictTest, VersionsMustMatchAndTrainingMustBeValid) {
  ExpectError(PlanPredict(nullptr, J(kPredictConfV2), J(kTrainDsl), J(kTrainConf)),
              {"the predict conf is dsl_version 2 but the training conf is 1"});
  Json bad_train = J(kTrainConfV2);
  bad_train["component_parameters"]["common"]["hetero_lr_0"]["eps"] = 1;
  ExpectError(PlanPredict(nullptr, J(kPredictConfV2), J(kTrainDslV2), bad_train),
              {"training job: component hetero_lr_0 (module HeteroLR): unknown parameter \"eps\""});
}

}  // namespace
}  // namespace fedflow::plan
