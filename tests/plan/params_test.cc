// Per-party job and component parameters (§2.3, §2.4), need_run, task placement, parameter
// names, and the conf checks.
#include <string>
#include <vector>

#include "tests/harness/test_util.h"
#include "tests/plan/plan_test_util.h"

namespace fedflow::plan {
namespace {

class ParamsTest : public testing::FedflowTest {};

// reader -> binning_0 -> binning_1 (model of binning_0) and selection (model of binning_0,
// another module), hetero_lr_0 -> hetero_lr_1 (warm start: train_data + model), evaluation.
constexpr char kBinningDsl[] = R"({"components": {
  "reader_0": {"module": "Reader", "output": {"data": ["data"]}},
  "binning_0": {"module": "HeteroFeatureBinning", "input": {"data": {"data": ["reader_0.data"]}},
                "output": {"data": ["data"], "model": ["model"]}},
  "binning_1": {"module": "HeteroFeatureBinning",
                "input": {"data": {"data": ["reader_0.data"]}, "model": ["binning_0.model"]},
                "output": {"data": ["data"], "model": ["model"]}},
  "binning_2": {"module": "HeteroFeatureBinning",
                "input": {"data": {"data": ["reader_0.data"]}, "model": ["binning_1.model"]},
                "output": {"data": ["data"], "model": ["model"]}},
  "selection_0": {"module": "HeteroFeatureSelection",
                  "input": {"data": {"data": ["binning_0.data"]}, "model": ["binning_0.model"]},
                  "output": {"data": ["data"]}},
  "hetero_lr_0": {"module": "HeteroLR", "input": {"data": {"train_data": ["binning_0.data"]}},
                  "output": {"data": ["data"], "model": ["model"]}},
  "hetero_lr_1": {"module": "HeteroLR",
                  "input": {"data": {"train_data": ["binning_0.data"]}, "model": ["hetero_lr_0.model"]},
                  "output": {"data": ["data"], "model": ["model"]}},
  "evaluation_0": {"module": "Evaluation", "input": {"data": {"data": ["hetero_lr_1.data"]}}}}})";

TEST_F(ParamsTest, TasksGoWhereTheModuleRuns) {
  auto plan = PlanTexts(kBinningDsl, V2Conf());
  ASSERT_OK(plan);
  std::vector<std::string> all = {"reader_0",    "binning_0",   "binning_1",   "binning_2",
                                  "selection_0", "hetero_lr_0", "hetero_lr_1", "evaluation_0"};
  EXPECT_EQ(all, Party(*plan, Role::kGuest, 9999).TaskNames());
  EXPECT_EQ(all, Party(*plan, Role::kHost, 10000).TaskNames());
  // Reader, binning and selection have no arbiter runner; HeteroLR and Evaluation do.
  EXPECT_EQ((std::vector<std::string>{"hetero_lr_0", "hetero_lr_1", "evaluation_0"}),
            Party(*plan, Role::kArbiter, 10000).TaskNames());
  EXPECT_EQ(Party(*plan, Role::kArbiter, 10000).TaskNames(),
            Party(*plan, Role::kArbiter, 10000).ComponentsRun());
}

TEST_F(ParamsTest, LocalOnlyModulesRunOnlyOnTheLocalRole) {
  auto plan = PlanTexts(R"({"components": {"upload_0": {"module": "Upload"},
                                            "probe_0": {"module": "Probe"}}})",
                        R"({"dsl_version": 2, "initiator": {"role": "local", "party_id": 0},
                            "role": {"local": [0], "guest": [9999]}})");
  ASSERT_OK(plan);
  EXPECT_EQ((std::vector<std::string>{"upload_0", "probe_0"}),
            Party(*plan, Role::kLocal, 0).TaskNames());
  EXPECT_EQ(std::vector<std::string>{"probe_0"}, Party(*plan, Role::kGuest, 9999).TaskNames());
}

TEST_F(ParamsTest, ComponentWithoutAnyTaskWarns) {
  auto plan = PlanTexts(R"({"components": {"upload_0": {"module": "Upload"},
                                            "probe_0": {"module": "Probe"}}})",
                        V2Conf());
  ASSERT_OK(plan);
  ASSERT_FALSE(plan->warnings.empty());
  EXPECT_NE(std::string::npos,
            plan->warnings.back().find("component upload_0 has no task on any party (Upload "
                                       "runs on: local)"));
}

// Conf with three hosts, to tell "all", "0|1" and single indices apart.
std::string ThreeHostConf(const std::string& host_sections, const std::string& job_host = "{}") {
  return R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 9999},
      "role": {"guest": [9999], "host": [1, 2, 3]},
      "job_parameters": {"common": {"task_cores": 4, "eggroll_run": {"a": 1}},
                         "role": {"host": )" +
         job_host + R"(}},
      "component_parameters": {
        "common": {"binning_0": {"bin_num": 10, "method": "quantile"}},
        "role": {"host": )" +
         host_sections + "}}}";
}

TEST_F(ParamsTest, AllAndIndexKeysApplyInConfOrderAllFirst) {
  auto plan =
      PlanTexts(kBinningDsl, ThreeHostConf(R"({"all": {"binning_0": {"bin_num": 20, "error": 0.1}},
                                          "0|1": {"binning_0": {"bin_num": 30}},
                                          "2": {"binning_0": {"method": "bucket"}}})"));
  ASSERT_OK(plan);
  EXPECT_EQ(J(R"({"bin_num": 30, "method": "quantile", "error": 0.1})"),
            Params(*plan, Role::kHost, 1, "binning_0"));
  EXPECT_EQ(J(R"({"bin_num": 30, "method": "quantile", "error": 0.1})"),
            Params(*plan, Role::kHost, 2, "binning_0"));
  EXPECT_EQ(J(R"({"bin_num": 20, "method": "bucket", "error": 0.1})"),
            Params(*plan, Role::kHost, 3, "binning_0"));
  EXPECT_EQ(J(R"({"bin_num": 10, "method": "quantile"})"),
            Params(*plan, Role::kGuest, 9999, "binning_0"));
}

TEST_F(ParamsTest, AllAndIndexKeysApplyInConfOrderIndexFirst) {
  // The same entries with "0|1" before "all": "all" is applied later and wins.
  auto plan = PlanTexts(kBinningDsl, ThreeHostConf(R"({"0|1": {"binning_0": {"bin_num": 30}},
                                          "all": {"binning_0": {"bin_num": 20, "error": 0.1}}})"));
  ASSERT_OK(plan);
  for (int64_t host : {1, 2, 3}) {
    EXPECT_EQ(J(R"({"bin_num": 20, "method": "quantile", "error": 0.1})"),
              Params(*plan, Role::kHost, host, "binning_0"))
        << "host " << host;
  }
}

TEST_F(ParamsTest, JobParametersMergeCommonThenRoleKeysInOrder) {
  auto plan = PlanTexts(kBinningDsl,
                        ThreeHostConf("{}", R"({"all": {"task_cores": 1, "eggroll_run": {"b": 2}},
                                                "1|2": {"task_cores": 2}})"));
  ASSERT_OK(plan);
  EXPECT_EQ(J(R"({"task_cores": 1, "eggroll_run": {"a": 1, "b": 2}})"),
            Party(*plan, Role::kHost, 1).job_parameters);
  EXPECT_EQ(J(R"({"task_cores": 2, "eggroll_run": {"a": 1, "b": 2}})"),
            Party(*plan, Role::kHost, 3).job_parameters);
  EXPECT_EQ(J(R"({"task_cores": 4, "eggroll_run": {"a": 1}})"),
            Party(*plan, Role::kGuest, 9999).job_parameters);

  auto reversed = PlanTexts(kBinningDsl, ThreeHostConf("{}", R"({"1|2": {"task_cores": 2},
      "all": {"task_cores": 1}})"));
  ASSERT_OK(reversed);
  EXPECT_EQ(1, Party(*reversed, Role::kHost, 3).job_parameters["task_cores"]);
}

TEST_F(ParamsTest, NestedParameterClassesMergeAndPlainValuesReplace) {
  auto plan = PlanTexts(R"({"components": {
      "reader_0": {"module": "Reader", "output": {"data": ["data"]}},
      "hetero_lr_0": {"module": "HeteroLR", "input": {"data": {"train_data": ["reader_0.data"]}}},
      "ftl_0": {"module": "FTL", "input": {"data": {"train_data": ["reader_0.data"]}}}}})",
                        V2Conf(R"({
      "common": {"hetero_lr_0": {"encrypt_param": {"method": "Paillier"}, "max_iter": 3},
                 "ftl_0": {"nn_define": {"layers": 1}}},
      "role": {"guest": {"0": {"hetero_lr_0": {"encrypt_param": {"key_length": 1024}},
                               "ftl_0": {"nn_define": {"class_name": "x"}}}}}})"));
  ASSERT_OK(plan);
  // encrypt_param is a parameter class: merged key by key.
  EXPECT_EQ(J(R"({"encrypt_param": {"method": "Paillier", "key_length": 1024}, "max_iter": 3})"),
            Params(*plan, Role::kGuest, 9999, "hetero_lr_0"));
  // FTL's nn_define is a plain value (a dict): the later setting replaces it whole.
  EXPECT_EQ(J(R"({"nn_define": {"class_name": "x"}})"), Params(*plan, Role::kGuest, 9999, "ftl_0"));
  EXPECT_EQ(J(R"({"nn_define": {"layers": 1}})"), Params(*plan, Role::kHost, 10000, "ftl_0"));
}

TEST_F(ParamsTest, ModelInputsInheritTheRootParametersUnlessWarmStart) {
  auto plan = PlanTexts(kBinningDsl, V2Conf(R"({
      "common": {"binning_0": {"bin_num": 7}, "binning_1": {"bin_num": 99},
                 "binning_2": {"method": "bucket"}, "selection_0": {"filter_methods": ["iv_filter"]},
                 "hetero_lr_0": {"max_iter": 5}, "hetero_lr_1": {"max_iter": 50}},
      "role": {"host": {"0": {"binning_0": {"bin_num": 8}}}}})"));
  ASSERT_OK(plan);
  // binning_1 and binning_2 take binning_0's parameters (their own entries are not read).
  for (const char* c : {"binning_0", "binning_1", "binning_2"}) {
    EXPECT_EQ(J(R"({"bin_num": 7})"), Params(*plan, Role::kGuest, 9999, c)) << c;
    EXPECT_EQ(J(R"({"bin_num": 8})"), Params(*plan, Role::kHost, 10000, c)) << c;
  }
  // Another module's model: own parameters.
  EXPECT_EQ(J(R"({"filter_methods": ["iv_filter"]})"),
            Params(*plan, Role::kGuest, 9999, "selection_0"));
  // Warm start (train_data and model): own parameters.
  EXPECT_EQ(J(R"({"max_iter": 50})"), Params(*plan, Role::kArbiter, 10000, "hetero_lr_1"));
}

TEST_F(ParamsTest, NeedRunFalseKeepsTheTaskAndFollowsModelInputs) {
  auto plan = PlanTexts(kBinningDsl, V2Conf(R"({
      "role": {"host": {"0": {"binning_0": {"need_run": false}, "evaluation_0": {"need_run": false}}},
               "guest": {"0": {"selection_0": {"need_run": false}}}}})"));
  ASSERT_OK(plan);
  const PartyPlan& host = Party(*plan, Role::kHost, 10000);
  EXPECT_EQ(8u, host.tasks.size());  // need_run false does not remove tasks
  // binning_1/2 (same module) and selection_0 (another module) follow binning_0 along their
  // model inputs; evaluation_0 has its own need_run false.
  EXPECT_EQ((std::vector<std::string>{"reader_0", "hetero_lr_0", "hetero_lr_1"}),
            host.ComponentsRun());
  // On the guest, selection_0's own need_run false is overridden by binning_0's (true), as in
  // FATE, where need_run follows the model input.
  EXPECT_EQ(Party(*plan, Role::kGuest, 9999).TaskNames(),
            Party(*plan, Role::kGuest, 9999).ComponentsRun());
}

TEST_F(ParamsTest, NeedRunFollowsCacheInputsToo) {
  auto plan = PlanTexts(R"({"components": {
      "reader_0": {"module": "Reader", "output": {"data": ["data"]}},
      "binning_0": {"module": "HeteroFeatureBinning", "input": {"data": {"data": ["reader_0.data"]}},
                    "output": {"data": ["data"], "cache": ["cache"]}},
      "binning_1": {"module": "HeteroFeatureBinning",
                    "input": {"data": {"data": ["reader_0.data"]}, "cache": ["binning_0.cache"]},
                    "output": {"data": ["data"]}}}})",
                        V2Conf(R"({"role": {"guest": {"0": {"binning_0": {"need_run": false,
                                                                         "method": "bucket"}}}}})"));
  ASSERT_OK(plan);
  EXPECT_EQ(std::vector<std::string>{"reader_0"}, Party(*plan, Role::kGuest, 9999).ComponentsRun());
  // Cache inputs also carry parameter inheritance (same module).
  EXPECT_EQ(J(R"({"need_run": false, "method": "bucket"})"),
            Params(*plan, Role::kGuest, 9999, "binning_1"));
}

TEST_F(ParamsTest, UnknownParameterNamesComponentModuleAndKey) {
  auto plan = PlanTexts(kBinningDsl, V2Conf(R"({"common": {"binning_0": {"cols": -1}}})"));
  ExpectError(plan, {"component binning_0 (module HeteroFeatureBinning): unknown parameter "
                     "\"cols\" (at component_parameters.common.binning_0.cols)"});
}

TEST_F(ParamsTest, UnknownNamesInNestedClassesAreFound) {
  auto plan = PlanTexts(kBinningDsl, V2Conf(R"({"role": {"arbiter": {"all": {
      "hetero_lr_0": {"encrypt_param": {"method": "Paillier", "bogus": 1}}}}}})"));
  ExpectError(plan, {"component hetero_lr_0 (module HeteroLR): unknown parameter "
                     "\"encrypt_param.bogus\" (at component_parameters.role.arbiter.all."
                     "hetero_lr_0.encrypt_param.bogus)"});
}

TEST_F(ParamsTest, AllowUnknownParamsDropsThemWithOneWarningPerName) {
  std::string conf = V2Conf(R"({"common": {"binning_0": {"cols": -1, "bin_num": 3}},
      "role": {"guest": {"0": {"binning_0": {"cols": [1]}}}, "host": {"0": {"binning_0": {"cols": [2]}}}}})");
  PlanOptions allow;
  allow.allow_unknown_params = true;
  auto plan = PlanTexts(kBinningDsl, conf, allow);
  ASSERT_OK(plan);
  EXPECT_EQ(J(R"({"bin_num": 3})"), Params(*plan, Role::kHost, 10000, "binning_0"));
  int warnings = 0;
  for (const std::string& w : plan->warnings) {
    if (w.find("ignoring unknown parameter \"cols\"") != std::string::npos) ++warnings;
  }
  EXPECT_EQ(1, warnings);
}

TEST_F(ParamsTest, ParametersOfComponentsNotInTheDslOnlyWarn) {
  auto plan = PlanTexts(kBinningDsl, V2Conf(R"({"common": {"intersect_0": {"anything": 1}}})"));
  ASSERT_OK(plan);
  EXPECT_NE(std::string::npos,
            plan->warnings[0].find("component_parameters.common.intersect_0: the DSL has no "
                                   "component intersect_0"));
}

// A v1 job: guest 9999, hosts 1 and 2, arbiter 5.
constexpr char kV1Dsl[] = R"({"components": {
  "dataio_0": {"module": "DataIO", "input": {"data": {"data": ["args.train_data"]}},
               "output": {"data": ["train"], "model": ["dataio"]}},
  "hetero_lr_0": {"module": "HeteroLR", "input": {"data": {"train_data": ["dataio_0.train"]}},
                  "output": {"data": ["train"], "model": ["hetero_lr"]}},
  "evaluation_0": {"module": "Evaluation", "input": {"data": {"data": ["hetero_lr_0.train"]}}}}})";

std::string V1Conf(const std::string& host_params, const std::string& host_data = R"(
    {"train_data": [{"name": "h1", "namespace": "n"}, {"name": "h2", "namespace": "n"}]})") {
  return R"({"initiator": {"role": "guest", "party_id": 9999},
    "job_parameters": {"work_mode": 1},
    "role": {"guest": [9999], "host": [1, 2], "arbiter": [5]},
    "algorithm_parameters": {"hetero_lr_0": {"max_iter": 10, "encrypt_param": {"method": "Paillier"}}},
    "role_parameters": {
      "guest": {"args": {"data": {"train_data": [{"name": "g", "namespace": "n"}]}},
                "dataio_0": {"with_label": [true]}},
      "host": {"args": {"data": )" +
         host_data + R"(}, )" + host_params + "}}}";
}

TEST_F(ParamsTest, V1RoleParameterListsAreIndexedByPartyPosition) {
  auto plan = PlanTexts(kV1Dsl, V1Conf(R"("dataio_0": {"with_label": [false, true]},
      "hetero_lr_0": {"encrypt_param": {"key_length": [1024, 2048]}})"));
  ASSERT_OK(plan);
  EXPECT_EQ(1, plan->dsl_version);
  EXPECT_EQ(J(R"({"with_label": false})"), Params(*plan, Role::kHost, 1, "dataio_0"));
  EXPECT_EQ(J(R"({"with_label": true})"), Params(*plan, Role::kHost, 2, "dataio_0"));
  EXPECT_EQ(J(R"({"max_iter": 10, "encrypt_param": {"method": "Paillier", "key_length": 2048}})"),
            Params(*plan, Role::kHost, 2, "hetero_lr_0"));
  EXPECT_EQ(J(R"({"max_iter": 10, "encrypt_param": {"method": "Paillier"}})"),
            Params(*plan, Role::kArbiter, 5, "hetero_lr_0"));
  // v1 job parameters are the same for every party; data inputs come from args per party.
  EXPECT_EQ(J(R"({"work_mode": 1})"), Party(*plan, Role::kArbiter, 5).job_parameters);
  EXPECT_EQ(J(R"({"train_data": {"name": "h2", "namespace": "n"}})"),
            Party(*plan, Role::kHost, 2).data_inputs);
  EXPECT_EQ(Json::object(), Party(*plan, Role::kArbiter, 5).data_inputs);
}

TEST_F(ParamsTest, V1ListsOfTheWrongLengthAreRejected) {
  ExpectError(PlanTexts(kV1Dsl, V1Conf(R"("dataio_0": {"with_label": [false]})")),
              {"role_parameters.host.dataio_0.with_label: the list has 1 value but the conf has "
               "2 host parties"});
  ExpectError(PlanTexts(kV1Dsl, V1Conf(R"("dataio_0": {"with_label": [false, true, true]})")),
              {"role_parameters.host.dataio_0.with_label: the list has 3 values but the conf "
               "has 2 host parties"});
  ExpectError(PlanTexts(kV1Dsl, V1Conf(R"("hetero_lr_0": {"encrypt_param": {"key_length": [1]}})")),
              {"role_parameters.host.hetero_lr_0.encrypt_param.key_length: the list has 1 value"});
  ExpectError(PlanTexts(kV1Dsl, V1Conf(R"("dataio_0": {"with_label": false})")),
              {"role_parameters.host.dataio_0.with_label: a v1 role parameter must be a list with "
               "one value per host party, got boolean"});
  ExpectError(PlanTexts(kV1Dsl, V1Conf(R"("dataio_0": {})",
                                       R"({"train_data": [{"name": "h1", "namespace": "n"}]})")),
              {"role_parameters.host.args.data.train_data: the list has 1 table but the conf "
               "has 2 host parties"});
}

TEST_F(ParamsTest, V1ArgsDataMissingForARoleIsRejected) {
  ExpectError(PlanTexts(kV1Dsl, V1Conf(R"("dataio_0": {})",
                                       R"({"eval_data": [{"name": "a"}, {"name": "b"}]})")),
              {"component dataio_0: data input \"args.train_data\": the conf has no "
               "role_parameters.host.args.data.train_data (DataIO runs on the 2 host parties)"});
}

struct ConfCase {
  const char* conf;
  const char* error;
};

class ConfCheckTest : public ParamsTest, public ::testing::WithParamInterface<ConfCase> {};

TEST_P(ConfCheckTest, IsRejectedWithItsMessage) {
  ExpectError(PlanTexts(kBinningDsl, GetParam().conf), {GetParam().error});
}

INSTANTIATE_TEST_SUITE_P(
    Errors, ConfCheckTest,
    ::testing::Values(
        ConfCase{"[]", "the runtime conf must be a JSON object"},
        ConfCase{R"({"dsl_version": 2, "role": {"guest": [1]}})", "the conf has no initiator"},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest"}, "role": {"guest": [1]}})",
                 "initiator: the conf gives no party_id"},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "boss", "party_id": 1},
                     "role": {"guest": [1]}})",
                 "initiator.role: unknown role \"boss\""},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1}})",
                 "the conf has no role section"},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1], "server": [2]}})",
                 "role.server: unknown role \"server\""},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1, "ten"]}})",
                 "role.guest[1]: party id must be an integer, got \"ten\""},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1.5]}})",
                 "role.guest[0]: party id must be an integer, got 1.5"},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1, "1"]}})",
                 "role.guest: party 1 is listed twice"},
        ConfCase{
            R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 7},
                     "role": {"guest": [1, 2], "host": [7]}})",
            "initiator: party 7 is not among the guest parties of the conf (role.guest: [1, 2])"},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "arbiter", "party_id": 7},
                     "role": {"guest": [1]}})",
                 "initiator: party 7 is not among the arbiter parties"},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": []}})",
                 "role: the conf lists no parties"},
        ConfCase{R"({"dsl_version": 3, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1]}})",
                 "dsl_version: expected 1 or 2, got 3"},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1]}, "job_parameters": {"common": {"job_type": "test"}}})",
                 "job_parameters.common.job_type: expected \"train\" or \"predict\", got \"test\""},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1]}, "job_parameters": {"task_cores": 2}})",
                 "job_parameters: key \"task_cores\" is not \"common\" or \"role\""},
        ConfCase{
            R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1]},
                     "component_parameters": {"role": {"guest": {"binning_0": {"bin_num": 1}}}}})",
            "component_parameters.role.guest: key \"binning_0\" is not \"all\", a party index"},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1]},
                     "component_parameters": {"role": {"judge": {"0": {}}}}})",
                 "component_parameters.role.judge: unknown role \"judge\""},
        ConfCase{R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 1},
                     "role": {"guest": [1]},
                     "component_parameters": {"common": {"binning_0": 5}}})",
                 "component_parameters.common.binning_0: expected an object, got integer"}));

TEST_F(ParamsTest, PartyIdsMayBeStringsAndOutOfRangeIndicesWarn) {
  auto plan = PlanTexts(kBinningDsl, R"({"dsl_version": "2",
      "initiator": {"role": "guest", "party_id": "9999"},
      "role": {"guest": ["9999"], "host": [10000]},
      "component_parameters": {"role": {"host": {"0|1": {"binning_0": {"bin_num": 3}}}}}})");
  ASSERT_OK(plan);
  EXPECT_EQ(J(R"({"bin_num": 3})"), Params(*plan, Role::kHost, 10000, "binning_0"));
  EXPECT_NE(nullptr, plan->FindParty(Role::kGuest, 9999));
  bool warned = false;
  for (const std::string& w : plan->warnings) {
    warned |= w.find("the conf has 1 host party; index 1 matches none") != std::string::npos;
  }
  EXPECT_TRUE(warned);
}

TEST_F(ParamsTest, DeeplyNestedConfsAreRefused) {
  std::string deep = "1";
  for (int i = 0; i < 70; ++i) deep = "[" + deep + "]";
  ExpectError(
      PlanTexts(kBinningDsl, V2Conf(R"({"common": {"binning_0": {"bin_num": )" + deep + "}}}")),
      {"the runtime conf nests objects and lists deeper than 64 levels"});
}

TEST_F(ParamsTest, JobTypeComesFromTheConfUnlessOverridden) {
  auto plan = PlanTexts(kBinningDsl, V2Conf("{}", R"({"common": {"job_type": "train"}})"));
  ASSERT_OK(plan);
  EXPECT_EQ(JobMode::kTrain, plan->job_type);
  PlanOptions predict;
  predict.job_type = JobMode::kPredict;
  ExpectError(PlanTexts(kBinningDsl, V2Conf(), predict),
              {"a predict job needs the training job's DSL and conf"});
}

}  // namespace
}  // namespace fedflow::plan
