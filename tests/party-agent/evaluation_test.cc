// Evaluation: FATE's parameters, binary and regression metrics on small prediction tables
// against values computed here, and a run through the TaskService with its tracking.
#include "party-agent/components/evaluation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "tests/party-agent/task_service_fixture.h"

namespace fedflow::testing {
namespace {

using ::testing::HasSubstr;

// Ten rows with distinct scores; labels 1 (positive) and 0.
std::vector<PredictionRow> BinaryRows(const std::string& type = "train") {
  const double scores[] = {0.95, 0.9, 0.8, 0.7, 0.62, 0.55, 0.4, 0.3, 0.2, 0.1};
  const double labels[] = {1, 1, 0, 1, 0, 1, 0, 0, 1, 0};
  std::vector<PredictionRow> rows;
  for (int i = 0; i < 10; ++i) {
    rows.push_back({std::to_string(i), labels[i], scores[i] > 0.5 ? 1.0 : 0.0, scores[i], type});
  }
  return rows;
}

// AUC by counting ordered pairs; KS as the largest TPR - FPR over thresholds "score > t".
void Expected(const std::vector<PredictionRow>& rows, double pos, double* auc, double* ks) {
  double good = 0, pairs = 0, p = 0, n = 0;
  for (const auto& a : rows) {
    (a.label == pos ? p : n) += 1;
    for (const auto& b : rows) {
      if (a.label == pos && b.label != pos) {
        pairs += 1;
        good += a.predict_score > b.predict_score ? 1 : (a.predict_score == b.predict_score ? 0.5 : 0);
      }
    }
  }
  *auc = good / pairs;
  *ks = 0;
  for (const auto& t : rows) {
    double tp = 0, fp = 0;
    for (const auto& r : rows) {
      if (r.predict_score > t.predict_score) (r.label == pos ? tp : fp) += 1;
    }
    *ks = std::max(*ks, tp / p - fp / n);
  }
}

TEST(EvaluationTest, BinaryAucAndKs) {
  ASSERT_OK_AND_ASSIGN(Evaluation::Params p, Evaluation::ParseParams(Json::object()));
  std::map<std::string, Evaluation::Curve> curves;
  ASSERT_OK_AND_ASSIGN(Json single, Evaluation::Evaluate(p, BinaryRows(), &curves));
  double auc, ks;
  Expected(BinaryRows(), 1, &auc, &ks);
  EXPECT_NEAR(auc, single["auc"].get<double>(), 1e-6);
  EXPECT_NEAR(ks, single["ks"].get<double>(), 1e-6);
  for (const char* c : {"ks_fpr", "ks_tpr", "lift", "gain", "precision", "recall", "accuracy"}) {
    ASSERT_TRUE(curves.count(c)) << c;
    EXPECT_FALSE(curves[c].points.empty()) << c;
  }
  EXPECT_EQ("LIFT_EVALUATION", curves["lift"].metric_type);

  // pos_label 0: the other class is positive.
  ASSERT_OK_AND_ASSIGN(p, Evaluation::ParseParams(Json{{"pos_label", 0}, {"metrics", {"auc"}}}));
  ASSERT_OK_AND_ASSIGN(single, Evaluation::Evaluate(p, BinaryRows(), nullptr));
  Expected(BinaryRows(), 0, &auc, &ks);
  EXPECT_NEAR(auc, single["auc"].get<double>(), 1e-6);
  EXPECT_FALSE(single.contains("ks"));
}

TEST(EvaluationTest, Regression) {
  ASSERT_OK_AND_ASSIGN(Evaluation::Params p,
                       Evaluation::ParseParams(Json{{"eval_type", "regression"}}));
  std::vector<PredictionRow> rows = {{"a", 3, 2.5, 2.5, "train"},
                                     {"b", -0.5, 0, 0, "train"},
                                     {"c", 2, 2, 2, "train"},
                                     {"d", 7, 8, 8, "train"}};
  ASSERT_OK_AND_ASSIGN(Json single, Evaluation::Evaluate(p, rows, nullptr));
  const double mse = (0.25 + 0.25 + 0 + 1) / 4;
  EXPECT_NEAR(mse, single["mean_squared_error"].get<double>(), 1e-6);
  EXPECT_NEAR((0.5 + 0.5 + 0 + 1) / 4, single["mean_absolute_error"].get<double>(), 1e-6);
  EXPECT_NEAR(std::sqrt(mse), single["root_mean_squared_error"].get<double>(), 1e-6);
  const double mean = (3 - 0.5 + 2 + 7) / 4;
  double ss = 0;
  for (double y : {3.0, -0.5, 2.0, 7.0}) ss += (y - mean) * (y - mean);
  EXPECT_NEAR(1 - 1.5 / ss, single["r2_score"].get<double>(), 1e-6);
  EXPECT_NEAR(0.5, single["median_absolute_error"].get<double>(), 1e-6);
}

TEST(EvaluationTest, ParametersNamedInErrors) {
  for (auto [params, message] :
       {std::make_pair(Json{{"eval_type", "multi"}}, "\"eval_type\": \"multi\""),
        std::make_pair(Json{{"metrics", {"roc"}}}, "\"roc\" is not supported"),
        std::make_pair(Json{{"metrics", {"r2_score"}}}, "not a binary metric"),
        std::make_pair(Json{{"evaltype", "binary"}}, "unknown parameter \"evaltype\"")}) {
    auto p = Evaluation::ParseParams(params);
    ASSERT_TRUE(p.status().IsInvalidArgument()) << params;
    EXPECT_THAT(p.status().message(), HasSubstr(message));
  }
  // FATE's other parameters with their defaults are accepted.
  EXPECT_OK(Evaluation::ParseParams(Json{{"eval_type", "binary"}, {"pos_label", 1},
                                         {"metrics", nullptr}, {"need_run", true},
                                         {"unfold_multi_result", false},
                                         {"run_clustering_arbiter_metric", false}})
                .status());
}

class EvaluationRunTest : public TaskServiceFixture {};

TEST_F(EvaluationRunTest, TracksMetricsAndSummaryPerDataType) {
  std::vector<PredictionRow> rows = BinaryRows("train");
  for (PredictionRow r : BinaryRows("validate")) {
    r.id = "v" + r.id;
    rows.push_back(r);
  }
  {
    auto ctx = Context("hetero_lr_0", "HeteroLR", ComponentIo("intersection_0"));
    ASSERT_OK(WritePredictions(*ctx, "data", rows));
    End("hetero_lr_0");
  }
  auto ctx = Context("evaluation_0", "Evaluation", ComponentIo("hetero_lr_0"));
  Evaluation component;
  ASSERT_OK(component.Run(*ctx));
  End("evaluation_0");
  double auc, ks;
  Expected(BinaryRows(), 1, &auc, &ks);
  const store::TaskPartyKey task{"job1", "evaluation_0", "guest", kGuest};
  for (const char* type : {"train", "validate"}) {
    ASSERT_OK_AND_ASSIGN(store::MetricData metric, store_->GetMetric(task, type, "hetero_lr_0"));
    ASSERT_TRUE(metric.meta.has_value());
    EXPECT_EQ("EVALUATION_SUMMARY", metric.meta->metric_type);
    ASSERT_EQ(2u, metric.points.size());
    EXPECT_EQ(std::string("auc"), std::get<std::string>(metric.points[0].key));
    EXPECT_NEAR(auc, std::get<double>(metric.points[0].value), 1e-6);
    ASSERT_OK_AND_ASSIGN(store::MetricData lift,
                         store_->GetMetric(task, type, "hetero_lr_0_lift"));
    EXPECT_FALSE(lift.points.empty());
  }
  ASSERT_OK_AND_ASSIGN(store::Summary summary, store_->GetSummary(task));
  ASSERT_OK_AND_ASSIGN(Json s, ParseJson(summary.json, "summary"));
  EXPECT_NEAR(auc, s["hetero_lr_0"]["train"]["auc"].get<double>(), 1e-6);
  EXPECT_NEAR(ks, s["hetero_lr_0"]["validate"]["ks"].get<double>(), 1e-6);
}

TEST_F(EvaluationRunTest, NothingToEvaluateWithoutUpstreamOutput) {
  // The arbiter's and host's case: hetero_lr_0 wrote no data output on this party.
  auto ctx = Context("evaluation_0", "Evaluation", ComponentIo("hetero_lr_0"));
  Evaluation component;
  ASSERT_OK(component.Run(*ctx));
  End("evaluation_0");
}

}  // namespace
}  // namespace fedflow::testing
