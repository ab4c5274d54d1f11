// The plan's JSON and text forms, and `fedflow dsl plan` run as a real process.
#include "common/plan/plan_render.h"

#include <sys/wait.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/harness/test_util.h"
#include "tests/plan/plan_test_util.h"

namespace fedflow::plan {
namespace {

std::vector<std::string> Keys(const Json& obj) {
  std::vector<std::string> keys;
  for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(it.key());
  return keys;
}

class PlanRenderTest : public testing::FedflowTest {
 protected:
  std::string Corpus(const std::string& path) { return TestDataDir() + "/fate-corpus/dsl/" + path; }

  struct Run {
    int exit_code = -1;
    std::string out;
    std::string err;
  };

  // Runs `fedflow <args>` and collects its exit code, stdout and stderr.
  Run Fedflow(const std::string& args) {
    std::string err_path = test_dir() + "/stderr";
    std::string cmd = std::string(FEDFLOW_BINARY_DIR) + "/bin/fedflow " + args + " 2>" + err_path;
    Run run;
    FILE* pipe = popen(cmd.c_str(), "r");
    if (pipe == nullptr) {
      ADD_FAILURE() << "cannot run " << cmd;
      return run;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, n);
    int status = pclose(pipe);
    run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    run.err = testing::ReadFileOrDie(err_path);
    return run;
  }
};

constexpr char kSeedDsl[] = "flow_test_template_fate1.11.4/hetero_lr/hetero_lr_normal_dsl.json";
constexpr char kSeedConf[] = "flow_test_template_fate1.11.4/hetero_lr/hetero_lr_normal_conf.json";

TEST_F(PlanRenderTest, JsonHasExactlyTheDocumentedShape) {
  auto plan =
      PlanTexts(R"({"components": {
      "reader_0": {"module": "Reader", "output": {"data": ["data"]}},
      "hetero_lr_0": {"module": "HeteroLR", "input": {"data": {"train_data": ["reader_0.data"]}}}}})",
                V2Conf(R"({"role": {"host": {"0": {"reader_0": {"table": {"name": "t"}}}}}})"));
  ASSERT_OK(plan);
  Json j = PlanToJson(*plan);
  EXPECT_EQ((std::vector<std::string>{"dsl_version", "job_type", "components", "topological_order",
                                      "levels", "parties"}),
            Keys(j));
  EXPECT_EQ(2, j["dsl_version"]);
  EXPECT_EQ("train", j["job_type"]);
  EXPECT_EQ(J(R"({"module": "Reader", "upstream": [], "downstream": ["hetero_lr_0"]})"),
            j["components"]["reader_0"]);
  EXPECT_EQ(J(R"(["reader_0", "hetero_lr_0"])"), j["topological_order"]);
  EXPECT_EQ(J(R"([["reader_0"], ["hetero_lr_0"]])"), j["levels"]);
  EXPECT_EQ((std::vector<std::string>{"guest", "host", "arbiter"}), Keys(j["parties"]));
  EXPECT_EQ(std::vector<std::string>{"10000"}, Keys(j["parties"]["host"]));
  const Json& host = j["parties"]["host"]["10000"];
  EXPECT_EQ((std::vector<std::string>{"tasks", "components_run", "job_parameters",
                                      "component_parameters"}),
            Keys(host));  // no data_inputs for DSL v2
  EXPECT_EQ(J(R"(["reader_0", "hetero_lr_0"])"), host["tasks"]);
  EXPECT_EQ(J(R"({"reader_0": {"table": {"name": "t"}}, "hetero_lr_0": {}})"),
            host["component_parameters"]);
  EXPECT_EQ(J(R"(["hetero_lr_0"])"), j["parties"]["arbiter"]["10000"]["tasks"]);
}

TEST_F(PlanRenderTest, V1TrainingJsonCarriesDataInputsAndThePredictDsl) {
  Json dsl = J(testing::ReadFileOrDie(
      Corpus("v1/hetero_logistic_regression/test_hetero_lr_train_job_dsl.json")));
  Json conf = J(testing::ReadFileOrDie(
      Corpus("v1/hetero_logistic_regression/test_hetero_lr_train_job_conf.json")));
  auto plan = PlanJsons(dsl, conf);
  ASSERT_OK(plan);
  Json j = PlanToJson(*plan);
  EXPECT_EQ((std::vector<std::string>{"dsl_version", "job_type", "components", "topological_order",
                                      "levels", "parties", "predict_dsl"}),
            Keys(j));
  EXPECT_EQ(1, j["dsl_version"]);
  EXPECT_EQ(J(R"({"train_data": {"name": "breast_hetero_guest", "namespace": "experiment"}})"),
            j["parties"]["guest"]["10000"]["data_inputs"]);
  EXPECT_EQ(J("{}"), j["parties"]["arbiter"]["10000"]["data_inputs"]);
  EXPECT_EQ((std::vector<std::string>{"dataio_0", "intersection_0", "hetero_lr_0"}),
            Keys(j["predict_dsl"]["components"]));
  // The conf sets need_run false for evaluation_0 on the host.
  EXPECT_EQ(J(R"(["dataio_0", "intersection_0", "hetero_lr_0", "evaluation_0"])"),
            j["parties"]["host"]["10000"]["tasks"]);
  EXPECT_EQ(J(R"(["dataio_0", "intersection_0", "hetero_lr_0"])"),
            j["parties"]["host"]["10000"]["components_run"]);
}

TEST_F(PlanRenderTest, TextShowsLevelsTasksAndParameters) {
  Json dsl = J(testing::ReadFileOrDie(Corpus(kSeedDsl)));
  Json conf = J(testing::ReadFileOrDie(Corpus(kSeedConf)));
  auto plan = PlanJsons(dsl, conf);
  ASSERT_OK(plan);
  std::string text = PlanToText(*plan);
  size_t levels = text.find("Levels\n  0: reader_0\n  1: data_transform_0\n");
  size_t tasks = text.find("Tasks (run:");
  size_t params = text.find("Component parameters");
  EXPECT_NE(std::string::npos, levels) << text;
  EXPECT_LT(levels, tasks);
  EXPECT_LT(tasks, params);
  EXPECT_NE(std::string::npos, text.find("arbiter 9999")) << text;
  EXPECT_NE(std::string::npos, text.find("\"table\":{\"name\":\"breast_hetero_guest\"")) << text;
}

TEST_F(PlanRenderTest, CliPrintsTheJsonPlanOfAValidJob) {
  Run run =
      Fedflow("dsl plan --dsl " + Corpus(kSeedDsl) + " --conf " + Corpus(kSeedConf) + " --json");
  ASSERT_EQ(0, run.exit_code) << run.err;
  auto j = ParseJson(run.out, "fedflow output");
  ASSERT_OK(j);
  EXPECT_EQ((std::vector<std::string>{"dsl_version", "job_type", "components", "topological_order",
                                      "levels", "parties"}),
            Keys(*j));
  EXPECT_EQ(J(R"(["hetero_lr_0", "evaluation_0"])"), (*j)["parties"]["arbiter"]["9999"]["tasks"]);
  EXPECT_EQ(J(R"(["data_transform_0"])"), (*j)["components"]["intersection_0"]["upstream"]);
  // The same plan as the library's.
  auto plan = PlanJsons(J(testing::ReadFileOrDie(Corpus(kSeedDsl))),
                        J(testing::ReadFileOrDie(Corpus(kSeedConf))));
  ASSERT_OK(plan);
  EXPECT_EQ(PlanToJson(*plan), *j);
}

TEST_F(PlanRenderTest, CliPrintsTheReadablePlanWithoutJson) {
  Run run = Fedflow("dsl plan -d " + Corpus(kSeedDsl) + " -c " + Corpus(kSeedConf));
  ASSERT_EQ(0, run.exit_code) << run.err;
  EXPECT_EQ(0u, run.out.find("DSL v2 train job: 5 components, 3 parties")) << run.out;
  EXPECT_NE(std::string::npos, run.out.find("Tasks (run:")) << run.out;
}

TEST_F(PlanRenderTest, CliPlansAV1PredictJobWithoutADsl) {
  Run run = Fedflow(
      "dsl plan --conf " + Corpus("v1/hetero_logistic_regression/test_predict_conf.json") +
      " --train-dsl " + Corpus("v1/hetero_logistic_regression/test_hetero_lr_train_job_dsl.json") +
      " --train-conf " +
      Corpus("v1/hetero_logistic_regression/test_hetero_lr_train_job_conf.json") + " --json");
  ASSERT_EQ(0, run.exit_code) << run.err;
  auto j = ParseJson(run.out, "fedflow output");
  ASSERT_OK(j);
  EXPECT_EQ("predict", (*j)["job_type"]);
  EXPECT_FALSE(j->contains("predict_dsl"));
  EXPECT_EQ(J(R"({"eval_data": {"name": "breast_hetero_guest", "namespace": "experiment"}})"),
            (*j)["parties"]["guest"]["10000"]["data_inputs"]);
}

TEST_F(PlanRenderTest, CliExitsTwoWithTheErrorForAnInvalidJob) {
  Run run =
      Fedflow("dsl plan --dsl " +
              Corpus("min_test_task_fate1.6.1/config/test_hetero_lr_train_job_dsl.json") +
              " --conf " + Corpus("min_test_task_fate1.6.1/config/test_intersect_job_conf.json"));
  EXPECT_EQ(2, run.exit_code);
  EXPECT_TRUE(run.out.empty()) << run.out;
  EXPECT_NE(std::string::npos,
            run.err.find("component dataio_0: data input \"args.train_data\": the conf has no "
                         "role_parameters.guest.args.data.train_data"))
      << run.err;
}

TEST_F(PlanRenderTest, CliExitsTwoNamingAMissingOrMalformedFile) {
  Run missing = Fedflow("dsl plan --dsl " + test_dir() + "/nope.json --conf " + Corpus(kSeedConf));
  EXPECT_EQ(2, missing.exit_code);
  EXPECT_NE(std::string::npos, missing.err.find(test_dir() + "/nope.json")) << missing.err;

  testing::WriteFileOrDie(test_dir() + "/bad.json", "{\"components\": {\n  \"a\": }\n");
  Run bad = Fedflow("dsl plan --dsl " + test_dir() + "/bad.json --conf " + Corpus(kSeedConf));
  EXPECT_EQ(2, bad.exit_code);
  EXPECT_NE(std::string::npos, bad.err.find(test_dir() + "/bad.json: invalid JSON at line 2"))
      << bad.err;

  Run no_dsl = Fedflow("dsl plan --conf " + Corpus(kSeedConf));
  EXPECT_EQ(2, no_dsl.exit_code);
  EXPECT_NE(std::string::npos, no_dsl.err.find("--dsl is required")) << no_dsl.err;
}

TEST_F(PlanRenderTest, CliAllowUnknownParamsWarnsOnStderr) {
  std::string args =
      "dsl plan --dsl " +
      Corpus("fml1x_fate1.4.5/hetero_feature_binning/test_hetero_binning_job_dsl.json") +
      " --conf " +
      Corpus(
          "fml1x_fate1.4.5/hetero_feature_binning/"
          "test_sparse_optimal_binning_chi_square_job_conf.json");
  Run strict = Fedflow(args + " --json");
  EXPECT_EQ(2, strict.exit_code);
  EXPECT_NE(std::string::npos, strict.err.find("unknown parameter \"with_value\"")) << strict.err;
  Run allowed = Fedflow(args + " --json --allow-unknown-params");
  EXPECT_EQ(0, allowed.exit_code) << allowed.err;
  EXPECT_NE(std::string::npos,
            allowed.err.find("warning: component dataio_0 (module DataIO): ignoring unknown "
                             "parameter \"with_value\""))
      << allowed.err;
  EXPECT_OK(ParseJson(allowed.out, "fedflow output"));
}

}  // namespace
}  // namespace fedflow::plan
