// HeteroLR's parameters and its three roles run in one process over an in-memory exchange: the
// weights, losses and scores of the Paillier protocol against common/ml's plaintext maths, on
// FATE's breast_hetero data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/crypto/paillier.h"
#include "common/crypto/paillier_serde.h"
#include "common/ml/binary_metrics.h"
#include "common/ml/linear_model.h"
#include "common/ml/optimizer.h"
#include "party-agent/components/fed_object.h"
#include "party-agent/components/hetero_lr_memory_channel.h"
#include "party-agent/components/hetero_lr_params.h"
#include "party-agent/components/hetero_lr_protocol.h"
#include "tests/harness/test_util.h"

namespace fedflow {
namespace {

using ::testing::HasSubstr;

const FedParty kGuest{"guest", 10000};
const FedParty kHost{"host", 9999};
const FedParty kArbiter{"arbiter", 9999};

// FATE's breast_hetero tables, read from tests/data.
LrPartyData ReadCsv(const std::string& path, bool with_label) {
  LrPartyData data;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << path;
  std::string line;
  std::vector<std::vector<double>> rows;
  bool header = true;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::stringstream ss(line);
    std::string cell;
    std::vector<std::string> cells;
    while (std::getline(ss, cell, ',')) cells.push_back(cell);
    if (header) {
      data.feature_names.assign(cells.begin() + (with_label ? 2 : 1), cells.end());
      header = false;
      continue;
    }
    data.ids.push_back(cells[0]);
    size_t first = 1;
    if (with_label) {
      data.labels.push_back(std::stod(cells[1]));
      first = 2;
    }
    std::vector<double> row;
    for (size_t i = first; i < cells.size(); ++i) row.push_back(std::stod(cells[i]));
    rows.push_back(std::move(row));
  }
  data.x = *ml::FeatureMatrix::FromRows(rows);
  return data;
}

struct RunResult {
  Result<LrTrainResult> guest = Status::Internal("not run");
  Result<LrTrainResult> host = Status::Internal("not run");
  Result<LrTrainResult> arbiter = Status::Internal("not run");
};

// Runs the three roles on their own threads.
RunResult RunParties(const HeteroLrParams& p, const LrPartyData& guest, const LrPartyData& host) {
  LrMemoryExchange exchange;
  const std::vector<FedParty> all = {kGuest, kHost, kArbiter};
  MemoryLrChannel g(kGuest, all, &exchange), h(kHost, all, &exchange), a(kArbiter, all, &exchange);
  RunResult r;
  std::thread tg([&] { r.guest = TrainHeteroLrGuest(p, guest, &g); });
  std::thread th([&] { r.host = TrainHeteroLrHost(p, host, &h); });
  std::thread ta([&] { r.arbiter = TrainHeteroLrArbiter(p, &a); });
  tg.join();
  th.join();
  ta.join();
  return r;
}

// The same training in plaintext with common/ml (the golden test's loop, with batches).
struct PlainResult {
  ml::LinearWeights guest, host;
  std::vector<double> losses;
  std::vector<double> scores;
};
PlainResult TrainPlain(const HeteroLrParams& p, const LrPartyData& guest, const LrPartyData& host) {
  PlainResult out;
  const std::vector<int> labels(guest.labels.begin(), guest.labels.end());
  const std::vector<int> y = ml::SignedLabels(labels);
  ml::Optimizer arbiter(p.optimizer_options()), gopt(p.optimizer_options()),
      hopt(p.optimizer_options());
  ml::InitParam init = p.init;
  ml::LinearWeights wg = ml::InitWeights(guest.x.cols(), init);
  init.fit_intercept = false;
  ml::LinearWeights wh = ml::InitWeights(host.x.cols(), init);
  ml::ConvergenceCheck converge(p.early_stop, p.tol);
  ml::GradientOptions g_opt{p.init.fit_intercept, p.floating_point_precision};
  ml::GradientOptions h_opt{false, p.floating_point_precision};
  auto batches = *ml::MiniBatchIndexes(labels.size(), p.batch_size);
  for (int64_t iter = 0; iter < p.max_iter; ++iter) {
    arbiter.set_iters(iter);
    gopt.set_iters(iter);
    hopt.set_iters(iter);
    double loss = 0;
    std::vector<double> total_delta;
    for (const auto& batch : batches) {
      ml::FeatureMatrix bg = guest.x.SelectRows(batch), bh = host.x.SelectRows(batch);
      std::vector<int> by;
      for (size_t i : batch) by.push_back(y[i]);
      std::vector<double> wx = *ml::LinearPredictor(bg, wg);
      std::vector<double> wx_h = *ml::LinearPredictor(bh, wh);
      for (size_t i = 0; i < wx.size(); ++i) wx[i] += wx_h[i];
      std::vector<double> d = *ml::ForeGradient(wx, by);
      std::vector<double> gg = *gopt.AddRegularToGrad(*ml::Gradient(bg, d, g_opt), wg);
      std::vector<double> gh = *hopt.AddRegularToGrad(*ml::Gradient(bh, d, h_opt), wh);
      std::vector<double> all = gh;
      all.insert(all.end(), gg.begin(), gg.end());
      std::vector<double> delta = *arbiter.ApplyGradients(all);
      if (total_delta.empty()) total_delta.assign(delta.size(), 0.0);
      for (size_t i = 0; i < delta.size(); ++i) total_delta[i] += delta[i];
      std::vector<double> dh(delta.begin(), delta.begin() + gh.size());
      std::vector<double> dg(delta.begin() + gh.size(), delta.end());
      loss +=
          *ml::TaylorLoss(wx, by) + gopt.LossNorm(wg).value_or(0) + hopt.LossNorm(wh).value_or(0);
      wg = *gopt.UpdateModel(wg, dg);
      wh = *hopt.UpdateModel(wh, dh);
    }
    loss /= static_cast<double>(batches.size());
    out.losses.push_back(loss);
    const bool converged = p.early_stop == ml::EarlyStop::kWeightDiff
                               ? converge.IsConvergedStep(total_delta)
                               : converge.IsConvergedLoss(loss);
    if (converged) break;
  }
  out.guest = wg;
  out.host = wh;
  std::vector<double> wx = *ml::LinearPredictor(guest.x, wg);
  std::vector<double> wx_h = *ml::LinearPredictor(host.x, wh);
  for (size_t i = 0; i < wx.size(); ++i) out.scores.push_back(ml::Sigmoid(wx[i] + wx_h[i]));
  return out;
}

void ExpectNear(const std::vector<double>& expected, const std::vector<double>& actual, double rel,
                const std::string& what) {
  ASSERT_EQ(expected.size(), actual.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(expected[i], actual[i], rel * std::max(1.0, std::fabs(expected[i])))
        << what << "[" << i << "]";
  }
}

class HeteroLrTest : public testing::FedflowTest {
 protected:
  void SetUp() override {
    guest_ = ReadCsv(TestDataDir() + "/breast_hetero_guest.csv", true);
    host_ = ReadCsv(TestDataDir() + "/breast_hetero_host.csv", false);
    ASSERT_EQ(569u, guest_.ids.size());
    ASSERT_EQ(10u, guest_.x.cols());
    ASSERT_EQ(20u, host_.x.cols());
  }

  // The golden job's parameters, with a 1024-bit key to keep the test fast.
  static HeteroLrParams GoldenParams() {
    Json params = {{"penalty", "L2"},
                   {"tol", 0.0001},
                   {"alpha", 0.01},
                   {"optimizer", "rmsprop"},
                   {"batch_size", -1},
                   {"learning_rate", 0.15},
                   {"init_param", {{"init_method", "zeros"}}},
                   {"max_iter", 5},
                   {"early_stop", "diff"},
                   {"encrypt_param", {{"key_length", 1024}}}};
    Result<HeteroLrParams> p = ParseHeteroLrParams(params);
    EXPECT_TRUE(p.ok()) << p.status();
    return *p;
  }

  LrPartyData guest_, host_;
};

TEST_F(HeteroLrTest, DefaultsAreFates) {
  Result<HeteroLrParams> p = ParseHeteroLrParams(Json());
  ASSERT_OK(p);
  EXPECT_EQ(ml::Penalty::kL2, p->penalty);
  EXPECT_EQ(1.0, p->alpha);
  EXPECT_EQ(0.01, p->learning_rate);
  EXPECT_EQ(ml::OptimizerType::kRmsprop, p->optimizer);
  EXPECT_EQ(-1, p->batch_size);
  EXPECT_EQ(100, p->max_iter);
  EXPECT_EQ(ml::InitMethod::kRandomUniform, p->init.method);
  EXPECT_TRUE(p->init.fit_intercept);
  EXPECT_EQ(2048, p->key_length);
  EXPECT_EQ(23, p->floating_point_precision.value_or(-1));
  EXPECT_EQ(ml::EarlyStop::kDiff, p->early_stop);
  EXPECT_TRUE(p->decay_sqrt);
}

TEST_F(HeteroLrTest, GoldenConfParsesWithItsNestedParameters) {
  Json params = {
      {"penalty", "L2"},
      {"tol", 0.0001},
      {"alpha", 0.01},
      {"optimizer", "rmsprop"},
      {"batch_size", -1},
      {"learning_rate", 0.15},
      {"max_iter", 5},
      {"early_stop", "diff"},
      {"need_run", true},
      {"init_param", {{"init_method", "zeros"}}},
      {"cv_param", {{"n_splits", 5}, {"shuffle", false}, {"random_seed", 103}, {"need_cv", false}}},
      {"sqn_param",
       {{"update_interval_L", 3},
        {"memory_M", 5},
        {"sample_size", 5000},
        {"random_seed", nullptr}}}};
  Result<HeteroLrParams> p = ParseHeteroLrParams(params);
  ASSERT_OK(p);
  EXPECT_EQ(ml::InitMethod::kZeros, p->init.method);
  EXPECT_EQ(0.15, p->learning_rate);
}

TEST_F(HeteroLrTest, BadParametersAreNamed) {
  struct Case {
    Json params;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{{"alpah", 1}}, "unknown parameter \"alpah\""},
      {{{"init_param", {{"init_methd", "zeros"}}}}, "unknown parameter \"init_param.init_methd\""},
      {{{"init_param", {{"init_method", "zero"}}}}, "parameter \"init_param.init_method\""},
      {{{"optimizer", "sqn"}}, "parameter \"optimizer\": \"sqn\" is not supported"},
      {{{"optimizer", "lbfgs"}}, "parameter \"optimizer\""},
      {{{"penalty", "L3"}}, "parameter \"penalty\""},
      {{{"batch_size", 5}}, "parameter \"batch_size\": must be -1"},
      {{{"max_iter", "5"}}, "parameter \"max_iter\": expected an integer"},
      {{{"learning_rate", 0}}, "parameter \"learning_rate\": must be positive"},
      {{{"encrypt_param", {{"method", "IterativeAffine"}}}},
       "parameter \"encrypt_param.method\": \"IterativeAffine\" is not supported"},
      {{{"encrypt_param", {{"key_length", 512}}}}, "parameter \"encrypt_param.key_length\""},
      {{{"cv_param", {{"need_cv", true}}}}, "parameter \"cv_param.need_cv\""},
      {{{"multi_class", "ovo"}}, "parameter \"multi_class\""},
      {{{"early_stop", "loss"}}, "parameter \"early_stop\""},
      {{{"batch_strategy", "random"}}, "parameter \"batch_strategy\""},
      {{{"callback_param", {{"metric", "auc"}}}}, "unknown parameter \"callback_param.metric\""},
  };
  for (const Case& c : cases) {
    Result<HeteroLrParams> p = ParseHeteroLrParams(c.params);
    ASSERT_FALSE(p.ok()) << c.params.dump();
    EXPECT_THAT(p.status().message(), HasSubstr(c.message)) << c.params.dump();
    EXPECT_THAT(p.status().message(), HasSubstr("HeteroLR")) << c.params.dump();
  }
}

TEST_F(HeteroLrTest, OneIterationMatchesThePlaintextMaths) {
  HeteroLrParams p = GoldenParams();
  p.max_iter = 1;
  RunResult r = RunParties(p, guest_, host_);
  ASSERT_OK(r.guest.status());
  ASSERT_OK(r.host.status());
  ASSERT_OK(r.arbiter.status());
  PlainResult plain = TrainPlain(p, guest_, host_);
  ExpectNear(plain.guest.values, r.guest->weights.values, 1e-12, "guest weights");
  ExpectNear(plain.host.values, r.host->weights.values, 1e-12, "host weights");
  EXPECT_TRUE(r.guest->weights.fit_intercept);
  EXPECT_FALSE(r.host->weights.fit_intercept);
  ASSERT_EQ(1u, r.arbiter->loss_history.size());
  EXPECT_NEAR(std::log(2.0), r.arbiter->loss_history[0], 1e-12);
  EXPECT_EQ(1, r.guest->iterations);
  EXPECT_EQ(1, r.host->iterations);
  EXPECT_EQ(1, r.arbiter->iterations);
}

TEST_F(HeteroLrTest, GoldenJobReachesFatesTrainAuc) {
  const HeteroLrParams p = GoldenParams();
  RunResult r = RunParties(p, guest_, host_);
  ASSERT_OK(r.guest.status());
  ASSERT_OK(r.host.status());
  ASSERT_OK(r.arbiter.status());
  PlainResult plain = TrainPlain(p, guest_, host_);
  ExpectNear(plain.losses, r.arbiter->loss_history, 1e-9, "loss");
  ExpectNear(plain.guest.values, r.guest->weights.values, 1e-9, "guest weights");
  ExpectNear(plain.host.values, r.host->weights.values, 1e-9, "host weights");
  EXPECT_EQ(5, r.arbiter->iterations);
  EXPECT_FALSE(r.arbiter->converged);
  std::vector<int> labels(guest_.labels.begin(), guest_.labels.end());
  Result<double> auc = ml::RocAuc(r.guest->scores, labels);
  ASSERT_OK(auc);
  EXPECT_EQ(0.975186, ml::RoundLikeNumpy(*auc, 6));
  RecordProperty("guest_train_seconds", std::to_string(r.guest->train_seconds));
  RecordProperty("host_paillier_seconds", std::to_string(r.host->paillier_seconds));
}

TEST_F(HeteroLrTest, MiniBatchesAndOtherOptimizersMatchThePlaintextMaths) {
  struct Variant {
    const char* optimizer;
    const char* penalty;
    const char* early_stop;
  };
  for (const Variant& v :
       {Variant{"adam", "L1", "diff"}, Variant{"sgd", "none", "abs"},
        Variant{"nesterov_momentum_sgd", "L2", "weight_diff"}, Variant{"adagrad", "L2", "diff"}}) {
    SCOPED_TRACE(v.optimizer);
    Json params = {{"penalty", v.penalty},
                   {"optimizer", v.optimizer},
                   {"alpha", 0.01},
                   {"batch_size", 200},
                   {"shuffle", false},
                   {"learning_rate", 0.05},
                   {"early_stop", v.early_stop},
                   {"init_param", {{"init_method", "random_uniform"}, {"random_seed", 7}}},
                   {"max_iter", 2},
                   {"encrypt_param", {{"key_length", 1024}}}};
    Result<HeteroLrParams> p = ParseHeteroLrParams(params);
    ASSERT_OK(p);
    RunResult r = RunParties(*p, guest_, host_);
    ASSERT_OK(r.guest.status());
    ASSERT_OK(r.host.status());
    ASSERT_OK(r.arbiter.status());
    PlainResult plain = TrainPlain(*p, guest_, host_);
    ExpectNear(plain.guest.values, r.guest->weights.values, 1e-9, "guest weights");
    ExpectNear(plain.host.values, r.host->weights.values, 1e-9, "host weights");
    ExpectNear(plain.losses, r.arbiter->loss_history, 1e-9, "loss");
    ExpectNear(plain.scores, r.guest->scores, 1e-9, "scores");
  }
}

TEST_F(HeteroLrTest, ShuffledBatchesTrainAndAgreeAcrossParties) {
  Json params = {{"batch_size", 100},
                 {"shuffle", true},
                 {"max_iter", 2},
                 {"learning_rate", 0.1},
                 {"encrypt_param", {{"key_length", 1024}}}};
  Result<HeteroLrParams> p = ParseHeteroLrParams(params);
  ASSERT_OK(p);
  RunResult r = RunParties(*p, guest_, host_);
  ASSERT_OK(r.guest.status());
  ASSERT_OK(r.host.status());
  ASSERT_OK(r.arbiter.status());
  ASSERT_EQ(2u, r.arbiter->loss_history.size());
  EXPECT_LT(r.arbiter->loss_history[1], r.arbiter->loss_history[0]);
  std::vector<int> labels(guest_.labels.begin(), guest_.labels.end());
  EXPECT_GT(*ml::RocAuc(r.guest->scores, labels), 0.9);
}

TEST_F(HeteroLrTest, HostRowsAreFoundByIdInAnyOrder) {
  // The host's rows reversed, with an extra row the guest does not have.
  LrPartyData host;
  host.feature_names = host_.feature_names;
  std::vector<std::vector<double>> rows;
  for (size_t i = host_.ids.size(); i-- > 0;) {
    host.ids.push_back(host_.ids[i]);
    rows.emplace_back(host_.x.row(i), host_.x.row(i) + host_.x.cols());
  }
  host.ids.push_back("extra");
  rows.emplace_back(host_.x.cols(), 1.0);
  host.x = *ml::FeatureMatrix::FromRows(rows);
  HeteroLrParams p = GoldenParams();
  p.max_iter = 1;
  RunResult r = RunParties(p, guest_, host);
  ASSERT_OK(r.guest.status());
  ASSERT_OK(r.host.status());
  PlainResult plain = TrainPlain(p, guest_, host_);
  ExpectNear(plain.host.values, r.host->weights.values, 1e-12, "host weights");
}

TEST_F(HeteroLrTest, GuestIdMissingOnTheHostFailsClearly) {
  LrPartyData guest = guest_;
  guest.ids[3] = "no-such-id";
  HeteroLrParams p = GoldenParams();
  p.max_iter = 1;
  LrMemoryExchange exchange;
  const std::vector<FedParty> all = {kGuest, kHost, kArbiter};
  MemoryLrChannel h(kHost, all, &exchange), g(kGuest, all, &exchange);
  // The arbiter's key and the guest's ids, without running guest and arbiter to the end.
  Result<crypto::KeyPair> key = crypto::GenerateKeyPair(1024);
  ASSERT_OK(key.status());
  MemoryLrChannel a(kArbiter, all, &exchange);
  ASSERT_OK(a.Send("paillier_pubkey", crypto::SerializePublicKey(key->public_key), {kHost}));
  std::string ids;
  for (const std::string& id : guest.ids) ids += id + "\n";
  ASSERT_OK(g.Send("data_ids", SerializeFedObject(FedObject::String(ids)), {kHost}));
  Result<LrTrainResult> r = TrainHeteroLrHost(p, host_, &h);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(),
              HasSubstr("id no-such-id of the guest is not in host 9999's data: put an "
                        "Intersection before HeteroLR"));
}

TEST_F(HeteroLrTest, MoreThanTwoClassesIsAnError) {
  LrPartyData guest = guest_;
  guest.labels[0] = 2;
  HeteroLrParams p = GoldenParams();
  LrMemoryExchange exchange;
  MemoryLrChannel g(kGuest, {kGuest, kHost, kArbiter}, &exchange);
  Result<LrTrainResult> r = TrainHeteroLrGuest(p, guest, &g);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("parameter \"multi_class\": the label has 3"));
}

TEST_F(HeteroLrTest, PredictionCombinesTheHostsLinearPredictor) {
  HeteroLrParams p = GoldenParams();
  PlainResult plain = TrainPlain(p, guest_, host_);
  LrMemoryExchange exchange;
  const std::vector<FedParty> all = {kGuest, kHost, kArbiter};
  MemoryLrChannel g(kGuest, all, &exchange), h(kHost, all, &exchange), a(kArbiter, all, &exchange);
  Status host_status, arbiter_status;
  std::thread th([&] { host_status = PredictHeteroLrHost(plain.host, host_, &h); });
  std::thread ta([&] { arbiter_status = PredictHeteroLrArbiter(&a); });
  Result<std::vector<double>> scores = PredictHeteroLrGuest(plain.guest, guest_, &g);
  th.join();
  ta.join();
  ASSERT_OK(host_status);
  ASSERT_OK(arbiter_status);
  ASSERT_OK(scores.status());
  ExpectNear(plain.scores, *scores, 1e-15, "scores");
}

TEST_F(HeteroLrTest, TwoHostsShareTheFeaturesOfOne) {
  // The host's 20 features split between two hosts: the same model, in two parts. FATE has no
  // loss with several hosts.
  LrPartyData a, b;
  for (LrPartyData* part : {&a, &b}) part->ids = host_.ids;
  std::vector<std::vector<double>> rows_a, rows_b;
  for (size_t r = 0; r < host_.ids.size(); ++r) {
    rows_a.emplace_back(host_.x.row(r), host_.x.row(r) + 10);
    rows_b.emplace_back(host_.x.row(r) + 10, host_.x.row(r) + 20);
  }
  a.x = *ml::FeatureMatrix::FromRows(rows_a);
  b.x = *ml::FeatureMatrix::FromRows(rows_b);
  a.feature_names.assign(host_.feature_names.begin(), host_.feature_names.begin() + 10);
  b.feature_names.assign(host_.feature_names.begin() + 10, host_.feature_names.end());
  HeteroLrParams p = GoldenParams();
  p.max_iter = 2;

  const FedParty host_b{"host", 9998};
  LrMemoryExchange exchange;
  const std::vector<FedParty> all = {kGuest, kHost, host_b, kArbiter};
  MemoryLrChannel g(kGuest, all, &exchange), ha(kHost, all, &exchange), hb(host_b, all, &exchange),
      ar(kArbiter, all, &exchange);
  Result<LrTrainResult> rg = Status::Internal(""), ra = rg, rb = rg, rr = rg;
  std::thread tg([&] { rg = TrainHeteroLrGuest(p, guest_, &g); });
  std::thread ta([&] { ra = TrainHeteroLrHost(p, a, &ha); });
  std::thread tb([&] { rb = TrainHeteroLrHost(p, b, &hb); });
  std::thread tr([&] { rr = TrainHeteroLrArbiter(p, &ar); });
  for (std::thread* t : {&tg, &ta, &tb, &tr}) t->join();
  ASSERT_OK(rg.status());
  ASSERT_OK(ra.status());
  ASSERT_OK(rb.status());
  ASSERT_OK(rr.status());
  EXPECT_TRUE(rr->loss_history.empty());
  EXPECT_EQ(2, rr->iterations);

  PlainResult plain = TrainPlain(p, guest_, host_);
  ExpectNear(plain.guest.values, rg->weights.values, 1e-9, "guest weights");
  ExpectNear(std::vector<double>(plain.host.values.begin(), plain.host.values.begin() + 10),
             ra->weights.values, 1e-9, "host a weights");
  ExpectNear(std::vector<double>(plain.host.values.begin() + 10, plain.host.values.end()),
             rb->weights.values, 1e-9, "host b weights");
  ExpectNear(plain.scores, rg->scores, 1e-9, "scores");
}

}  // namespace
}  // namespace fedflow
