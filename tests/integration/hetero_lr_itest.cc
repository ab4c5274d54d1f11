// HeteroLR end to end with real processes: FATE's golden job (DSL v2, reader -> data_transform
// -> intersection -> hetero_lr -> evaluation on breast_hetero; guest 10000, host and arbiter
// 9999) reaches FATE's train AUC 0.975186 from the guest's predictions; the arbiter logs the
// loss; every party saves its model. Without an Intersection, a guest id the host lacks fails
// the job naming the fix; a second HeteroLR with the first one's model predicts the training
// scores again (the arbiter on the host's party, as in FATE's conf).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "common/json_util.h"
#include "common/ml/binary_metrics.h"
#include "party-agent/store/agent_store.h"
#include "party-agent/store/table_reader.h"
#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/job_data.h"
#include "tests/integration/probe_job.h"
#include "tests/integration/shared_cluster.h"

namespace fedflow::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr int64_t kGuest = 10000;
// Also the arbiter, as in FATE's example conf: the host's and the arbiter's tasks of a component
// run on one agent, and one ending must not disturb the other's federation messages.
constexpr int64_t kHost = 9999;
constexpr int64_t kBreastRows = 569;

std::vector<std::string> Fields(const std::string& row, size_t count) {
  std::vector<std::string> out;
  size_t start = 0;
  while (out.size() < count) {
    size_t comma = row.find(',', start);
    out.push_back(
        row.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

class HeteroLrITest : public DataJobSuite<HeteroLrITest> {
 public:
  static DataSuiteSpec Spec() {
    const std::string host_csv = TestDataCsv("breast_hetero_host");
    // The host's first 300 rows (header included): guest ids the host lacks.
    std::string host_part;
    {
      std::stringstream in(host_csv);
      std::string line;
      for (int i = 0; i <= 300 && std::getline(in, line); ++i) host_part += line + "\n";
    }
    return {"HeteroLrITest",
            {kGuest, kHost},
            {{kGuest, "breast_hetero_guest", TestDataCsv("breast_hetero_guest")},
             {kHost, "breast_hetero_host", host_csv},
             {kHost, "breast_hetero_host_part", host_part}}};
  }

 protected:
  static std::string Corpus(const std::string& file) {
    return TestDataDir() + "/fate-corpus/dsl/flow_test_template_fate1.11.4/hetero_lr/" + file;
  }

  static Json ReadJsonOrDie(const std::string& path) {
    Result<Json> j = ParseJson(ReadFileOrDie(path), path);
    EXPECT_TRUE(j.ok()) << j.status();
    return j.ok() ? *j : Json();
  }

  // The saved model "model" of the party's hetero_lr_0 task, parsed.
  static Json ModelJson(store::AgentStore* s, const store::TaskPartyKey& task) {
    auto model = s->LoadModel(task, "model");
    EXPECT_TRUE(model.ok()) << task.role << ": " << model.status();
    if (!model.ok()) return Json();
    EXPECT_EQ("HeteroLR", model->meta.module);
    Result<Json> j = ParseJson(model->data, "model");
    EXPECT_TRUE(j.ok()) << j.status();
    return j.ok() ? *j : Json();
  }

};

TEST_F(HeteroLrITest, GoldenJobReachesFatesTrainAuc) {
  const Json dsl = ReadJsonOrDie(Corpus("hetero_lr_normal_dsl.json"));
  const Json conf = ReadJsonOrDie(Corpus("hetero_lr_normal_conf.json"));
  ASSERT_EQ(kGuest, conf["role"]["guest"][0].get<int64_t>());
  Result<thrift::TJobInfo> job = Run(dsl, conf);
  ASSERT_OK(job.status());
  ASSERT_EQ("success", job->status) << DescribeJob(*job);

  WithStore(kGuest, [&](store::AgentStore* s) {
    const store::TaskPartyKey lr{job->job_id, "hetero_lr_0", "guest", kGuest};
    // The guest's train predictions: FATE's prediction table.
    auto out = s->LatestOutput(lr, "data");
    ASSERT_OK(out.status());
    ASSERT_EQ(kBreastRows, out->count);
    EXPECT_EQ("id", out->header.front());
    auto table = s->OpenOutput(*out->output);
    ASSERT_OK(table.status());
    std::vector<store::Row> rows;
    ASSERT_OK((*table)->NextBatch(&rows, 1000000));
    ASSERT_EQ(static_cast<size_t>(kBreastRows), rows.size());
    std::vector<double> scores;
    std::vector<int> labels;
    for (const store::Row& row : rows) {
      std::vector<std::string> f = Fields(row.data, 4);
      ASSERT_EQ(4u, f.size()) << row.data;
      labels.push_back(std::stoi(f[1]));
      scores.push_back(std::stod(f[3]));
      EXPECT_EQ(scores.back() > 0.5 ? 1 : 0, std::stoi(f[2])) << row.data;
      EXPECT_THAT(row.data, ::testing::EndsWith(",train"));
    }
    Result<double> auc = ml::RocAuc(scores, labels);
    ASSERT_OK(auc.status());
    EXPECT_NEAR(0.975186, *auc, 0.001);
    EXPECT_EQ(0.975186, ml::RoundLikeNumpy(*auc, 6));
    RecordProperty("train_auc", std::to_string(*auc));

    // Evaluation on the guest reports the same AUC.
    const store::TaskPartyKey eval{job->job_id, "evaluation_0", "guest", kGuest};
    auto metric = s->GetMetric(eval, "train", "hetero_lr_0");
    ASSERT_OK(metric.status());
    bool found = false;
    for (const store::MetricPoint& p : metric->points) {
      if (std::holds_alternative<std::string>(p.key) && std::get<std::string>(p.key) == "auc") {
        found = true;
        EXPECT_NEAR(0.975186, std::get<double>(p.value), 1e-6);
      }
    }
    EXPECT_TRUE(found) << "evaluation_0 logged no auc";

    Json model = ModelJson(s, lr);
    EXPECT_EQ(5, model["param"]["iters"].get<int64_t>());
    EXPECT_EQ(10u, model["param"]["weight"].size());
    EXPECT_TRUE(model["param"]["weight"].contains("x0"));
    EXPECT_TRUE(model["param"]["intercept"].is_number());
    EXPECT_EQ("rmsprop", model["meta"]["optimizer"].get<std::string>());
    auto summary = s->GetSummary(lr);
    ASSERT_OK(summary.status());
    EXPECT_THAT(summary->json, HasSubstr("\"iters\":5"));
  });

  WithStore(kHost, [&](store::AgentStore* s) {
    const store::TaskPartyKey host{job->job_id, "hetero_lr_0", "host", kHost};
    Json model = ModelJson(s, host);
    EXPECT_EQ(20u, model["param"]["weight"].size());
    EXPECT_FALSE(model["param"]["fit_intercept"].get<bool>());
    // The arbiter's loss per iteration, as FATE logs it.
    const store::TaskPartyKey arbiter{job->job_id, "hetero_lr_0", "arbiter", kHost};
    auto loss = s->GetMetric(arbiter, "train", "loss");
    ASSERT_OK(loss.status());
    ASSERT_TRUE(loss->meta.has_value());
    EXPECT_EQ("LOSS", loss->meta->metric_type);
    ASSERT_EQ(5u, loss->points.size());
    EXPECT_NEAR(std::log(2.0), std::get<double>(loss->points[0].value), 1e-9);
    Json arbiter_model = ModelJson(s, arbiter);
    EXPECT_EQ(5u, arbiter_model["param"]["loss_history"].size());
  });
}

TEST_F(HeteroLrITest, HostWithoutTheGuestsIdsFailsNamingIntersection) {
  Json dsl = ReadJsonOrDie(Corpus("hetero_lr_normal_dsl.json"));
  Json& components = dsl["components"];
  components.erase("intersection_0");
  components["hetero_lr_0"]["input"]["data"]["train_data"] = {"data_transform_0.data"};
  Json conf = ReadJsonOrDie(Corpus("hetero_lr_normal_conf.json"));
  conf["component_parameters"]["role"]["host"]["0"]["reader_0"]["table"]["name"] =
      "breast_hetero_host_part";
  conf["component_parameters"]["common"]["hetero_lr_0"]["max_iter"] = 1;
  Result<thrift::TJobInfo> job = Run(dsl, conf);
  ASSERT_OK(job.status());
  ASSERT_EQ("failed", job->status) << DescribeJob(*job);
  EXPECT_THAT(DescribeJob(*job), HasSubstr("of the guest is not in host 9999's data: put an "
                                        "Intersection before HeteroLR"));
}

TEST_F(HeteroLrITest, PredictionWithTheTrainedModelGivesTheTrainScores) {
  Json dsl = ReadJsonOrDie(Corpus("hetero_lr_normal_dsl.json"));
  dsl["components"]["hetero_lr_1"] = {
      {"module", "HeteroLR"},
      {"input",
       {{"data", {{"test_data", {"intersection_0.data"}}}}, {"model", {"hetero_lr_0.model"}}}},
      {"output", {{"data", {"data"}}}}};
  Json conf = ReadJsonOrDie(Corpus("hetero_lr_normal_conf.json"));
  Result<thrift::TJobInfo> job = Run(dsl, conf);
  ASSERT_OK(job.status());
  ASSERT_EQ("success", job->status) << DescribeJob(*job);
  WithStore(kGuest, [&](store::AgentStore* s) {
    std::map<std::string, std::string> train;  // id -> predict_score
    for (const char* component : {"hetero_lr_0", "hetero_lr_1"}) {
      const store::TaskPartyKey task{job->job_id, component, "guest", kGuest};
      auto out = s->LatestOutput(task, "data");
      ASSERT_OK(out.status());
      ASSERT_EQ(kBreastRows, out->count) << component;
      auto table = s->OpenOutput(*out->output);
      ASSERT_OK(table.status());
      std::vector<store::Row> rows;
      ASSERT_OK((*table)->NextBatch(&rows, 1000000));
      for (const store::Row& row : rows) {
        std::vector<std::string> f = Fields(row.data, 4);
        ASSERT_EQ(4u, f.size());
        if (std::string(component) == "hetero_lr_0") {
          train[f[0]] = f[3];
        } else {
          EXPECT_EQ(train[f[0]], f[3]) << "id " << f[0];
          EXPECT_THAT(row.data, ::testing::EndsWith(",predict"));
        }
      }
    }
  });
}

}  // namespace
}  // namespace fedflow::testing
