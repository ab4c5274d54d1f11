// The seed pipeline as a user runs it, with real processes throughout: FATE's breast data
// uploaded with `fedflow data upload` to guest 9999 and host 10000, the project's DSL v1 seed
// pipeline (examples/seed-pipeline: DataIO -> HeteroFeatureBinning -> HeteroFeatureSelection ->
// HeteroLR -> Evaluation; arbiter 10000, the host's party) submitted to the coordinator, and
// its evaluation, loss and predictions read back with `fedflow tracking`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "tests/harness/cli_runner.h"
#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/probe_job.h"

namespace fedflow::testing {
namespace {

using std::chrono::seconds;

class SeedPipelineITest : public FedflowTest {
 protected:
  CliRun Fedflow(MiniCluster* cluster, std::vector<std::string> args) {
    return RunFedflowCli(BinDir(), cluster->zk_connect_string(), std::move(args), test_dir(),
                         seconds(120));
  }
  Json FedflowJson(MiniCluster* cluster, std::vector<std::string> args) {
    args.push_back("--json");
    CliRun r = Fedflow(cluster, args);
    EXPECT_EQ(0, r.exit_code) << r.Describe();
    auto j = ParseJson(r.out, "fedflow --json output");
    EXPECT_TRUE(j.ok()) << j.status() << "\n" << r.Describe();
    return j.ok() ? *j : Json();
  }
};

TEST_F(SeedPipelineITest, SeedPipelineRunsOnTheBreastDataAndReportsItsEvaluation) {
  MiniCluster::Options o;
  o.dir = test_dir() + "/cluster";
  o.parties = {9999, 10000};
  MiniCluster cluster(o);
  ASSERT_OK(cluster.Start());
  for (auto [party, part] : {std::pair<const char*, const char*>{"9999", "guest"},
                             {"10000", "host"}}) {
    const std::string name = std::string("breast_hetero_") + part;
    CliRun up = Fedflow(&cluster, {"data", "upload", "--party", party, "--file",
                                   TestDataDir() + "/" + name + ".csv", "--namespace",
                                   "experiment", "--name", name});
    ASSERT_EQ(0, up.exit_code) << up.Describe();
  }
  const std::string examples = std::string(FEDFLOW_SOURCE_DIR) + "/examples/seed-pipeline";
  auto id = cluster.Submit(ReadFileOrDie(examples + "/dsl.json"),
                           ReadFileOrDie(examples + "/conf.json"));
  ASSERT_OK(id);
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo end, cluster.WaitForEnd(*id, seconds(300)));
  ASSERT_EQ("success", end.status) << DescribeJob(end);
  for (const char* c : {"dataio_0", "hetero_feature_binning_0", "hetero_feature_selection_0",
                        "hetero_lr_0", "evaluation_0"}) {
    for (const thrift::TTaskInfo& t : TasksOf(end, c)) {
      EXPECT_TRUE(t.party_status == "success" || t.party_status == "pass") << DescribeJob(end);
    }
  }
  // The host's evaluation does not run (need_run false in the conf): it passes.
  EXPECT_EQ("pass", TaskOf(end, "evaluation_0", "host").party_status);

  // Evaluation on the guest: FATE's summary shape, an AUC better than chance.
  Json summary = FedflowJson(&cluster, {"tracking", "summary", "-j", *id, "-r", "guest", "-p",
                                        "9999", "-cpn", "evaluation_0"});
  const Json& train = summary["data"]["hetero_lr_0"]["train"];
  ASSERT_TRUE(train.contains("auc")) << summary;
  const double auc = train["auc"].get<double>();
  RecordProperty("seed_pipeline_train_auc", std::to_string(auc));
  EXPECT_GT(auc, 0.6) << summary;
  EXPECT_LE(auc, 1.0) << summary;

  // The arbiter logged the loss of each of max_iter (10) iterations, starting at log 2.
  Json loss = FedflowJson(&cluster, {"tracking", "metric-data", "-j", *id, "-r", "arbiter", "-p",
                                     "10000", "-cpn", "hetero_lr_0", "--namespace", "train",
                                     "--name", "loss"});
  ASSERT_EQ(10u, loss["data"].size()) << loss;
  EXPECT_NEAR(std::log(2.0), loss["data"][0][1].get<double>(), 1e-9) << loss;

  // The guest's predictions: one row per instance, FATE's prediction columns.
  Json preds = FedflowJson(&cluster, {"tracking", "output-data", "-j", *id, "-r", "guest", "-p",
                                      "9999", "-cpn", "hetero_lr_0", "--limit", "3"});
  ASSERT_EQ(1u, preds["data"]["outputs"].size()) << preds;
  const Json& out = preds["data"]["outputs"][0];
  EXPECT_EQ(569, out["total"].get<int64_t>()) << preds;
  EXPECT_EQ(Json::parse(R"(["id", "label", "predict_result", "predict_score", "predict_detail",
                           "type"])"),
            out["header"])
      << preds;

  // Selection left the host only some of its columns, and the host never saw a label.
  Json host_sel = FedflowJson(&cluster, {"tracking", "output-data", "-j", *id, "-r", "host", "-p",
                                         "10000", "-cpn", "hetero_feature_selection_0",
                                         "--limit", "1"});
  const Json& host_header = host_sel["data"]["outputs"][0]["header"];
  EXPECT_GE(host_header.size(), 2u) << host_sel;
  EXPECT_LT(host_header.size(), 21u) << host_sel;  // id + fewer than the host's 20 features
  for (const Json& h : host_header) EXPECT_NE("y", h.get<std::string>()) << host_sel;
}

}  // namespace
}  // namespace fedflow::testing
