// HeteroFeatureBinning's and HeteroFeatureSelection's per-party logic, without processes:
// parameters, column choice, the bin transform, the host's encrypted per-bin sums against the
// plaintext counts, the model's JSON form, and the guest's IV selection from a binning model.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/crypto/paillier_vector.h"
#include "common/ml/binning.h"
#include "party-agent/components/hetero_feature_binning.h"
#include "party-agent/components/hetero_feature_selection.h"
#include "party-agent/components/registry.h"
#include "tests/harness/test_util.h"

namespace fedflow {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class BinningComponentTest : public testing::FedflowTest {};

TEST_F(BinningComponentTest, ParamsHaveFateDefaults) {
  auto p = ParseFeatureBinningParams(Json::object());
  ASSERT_OK(p);
  EXPECT_EQ("quantile", p->method);
  EXPECT_EQ(10, p->bin_num);
  EXPECT_EQ(10000, p->compress_thres);
  EXPECT_EQ(10000, p->head_size);
  EXPECT_DOUBLE_EQ(1e-4, p->error);
  EXPECT_DOUBLE_EQ(0.5, p->adjustment_factor);
  EXPECT_FALSE(p->bin_indexes.has_value());
  ASSERT_TRUE(p->category_indexes.has_value());
  EXPECT_TRUE(p->category_indexes->empty());
  EXPECT_EQ("bin_num", p->transform_type);
  EXPECT_EQ(2048, p->key_length);
  EXPECT_FALSE(p->local_only);
}

TEST_F(BinningComponentTest, ParamsAcceptFateShapesAndRejectOthers) {
  Json fate = {{"method", "bucket"},
               {"bin_num", 5},
               {"bin_indexes", {0, 2}},
               {"bin_names", {"x3"}},
               {"category_indexes", nullptr},
               {"transform_param", {{"transform_cols", -1}, {"transform_type", nullptr}}},
               {"encrypt_param", {{"method", "Paillier"}, {"key_length", 1024}}},
               {"optimal_binning_param", {{"metric_method", "iv"}}},
               {"split_points_by_index", {{"1", {0.5, 1.0}}}},
               {"need_run", true}};
  auto p = ParseFeatureBinningParams(fate);
  ASSERT_OK(p);
  EXPECT_EQ("bucket", p->method);
  EXPECT_THAT(*p->bin_indexes, ElementsAre(0, 2));
  EXPECT_THAT(p->bin_names, ElementsAre("x3"));
  EXPECT_EQ("", p->transform_type);
  EXPECT_EQ(1024, p->key_length);
  EXPECT_THAT(p->split_points_by_index.at(1), ElementsAre(0.5, 1.0));

  auto unknown = ParseFeatureBinningParams(Json{{"bins", 3}});
  EXPECT_TRUE(unknown.status().IsInvalidArgument());
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown parameter \"bins\""));
  auto nested = ParseFeatureBinningParams(Json{{"transform_param", {{"type", "woe"}}}});
  EXPECT_THAT(nested.status().message(), HasSubstr("\"transform_param.type\""));
  auto optimal = ParseFeatureBinningParams(Json{{"method", "optimal"}});
  EXPECT_THAT(optimal.status().message(), HasSubstr("\"optimal\" binning is not supported"));
  auto rsa = ParseFeatureBinningParams(Json{{"encrypt_param", {{"method", "RSA"}}}});
  EXPECT_THAT(rsa.status().message(), HasSubstr("\"RSA\" is not supported"));
  auto bad_type = ParseFeatureBinningParams(Json{{"bin_num", "ten"}});
  EXPECT_THAT(bad_type.status().message(), HasSubstr("\"bin_num\""));
}

TEST_F(BinningComponentTest, ComponentsAreRegistered) {
  EXPECT_TRUE(ComponentRegistry::BuiltIn().Contains("HeteroFeatureBinning"));
  EXPECT_TRUE(ComponentRegistry::BuiltIn().Contains("HeteroFeatureSelection"));
}

TEST_F(BinningComponentTest, ResolveColumnsTakesIndexesAndNames) {
  const std::vector<std::string> header = {"a", "b", "c", "d"};
  auto all = ResolveColumns(header, std::nullopt, {}, "bin_indexes");
  ASSERT_OK(all);
  EXPECT_THAT(*all, ElementsAre(0, 1, 2, 3));
  auto some = ResolveColumns(header, std::vector<int>{3, 1}, {"a", "b"}, "bin_indexes");
  ASSERT_OK(some);
  EXPECT_THAT(*some, ElementsAre(0, 1, 3));
  EXPECT_THAT(ResolveColumns(header, std::vector<int>{4}, {}, "bin_indexes").status().message(),
              HasSubstr("index 4 is out of range"));
  EXPECT_THAT(ResolveColumns(header, std::vector<int>{}, {"z"}, "bin_names").status().message(),
              HasSubstr("\"z\" is not a feature"));
}

Instances SmallInstances() {
  Instances inst;
  inst.ids = {"a", "b", "c", "d", "e", "f"};
  inst.label_name = "y";
  inst.labels = {1, 0, 1, 1, 0, 0};
  inst.feature_names = {"x0", "x1"};
  inst.features = {0.1, 10, 0.5, 20, 0.2, 30, 0.9, 40, 0.7, 50, 0.3, 60};
  return inst;
}

TEST_F(BinningComponentTest, TransformReplacesValuesByBinIndex) {
  Instances inst = SmallInstances();
  // x0 bins: <= 0.2 -> 0, <= 0.5 -> 1, above -> 2; x1 not transformed.
  TransformToBinIndex(&inst, {0}, {{"x0", {0.2, 0.5, 0.9}}, {"x1", {25, 60}}});
  EXPECT_EQ(std::vector<double>({0, 1, 0, 2, 2, 1}), ColumnOf(inst, 0));
  EXPECT_EQ(std::vector<double>({10, 20, 30, 40, 50, 60}), ColumnOf(inst, 1));

  Instances all = SmallInstances();
  TransformToBinIndex(&all, {0, 1}, {{"x0", {0.2, 0.5, 0.9}}, {"x1", {25, 60}}});
  EXPECT_EQ(std::vector<double>({0, 0, 1, 1, 1, 1}), ColumnOf(all, 1));
}

TEST_F(BinningComponentTest, SplitPointsOfCategoryColumnAreItsValues) {
  FeatureBinningParams p;
  auto sp = ComputeSplitPoints({3, 1, 2, 3, 1, NAN}, p, /*is_category=*/true);
  ASSERT_OK(sp);
  EXPECT_THAT(*sp, ElementsAre(1, 2, 3));
  p.method = "bucket";
  p.bin_num = 4;
  auto bucket = ComputeSplitPoints({0, 1, 2, 3, 4}, p, false);
  ASSERT_OK(bucket);
  EXPECT_THAT(*bucket, ElementsAre(1, 2, 3, 4));
}

TEST_F(BinningComponentTest, AlignToGuestFailsOnAMissingId) {
  auto aligned = AlignToGuest({"c", "a"}, {"a", "b", "c"});
  ASSERT_OK(aligned);
  EXPECT_THAT(*aligned, ElementsAre(2, 0));
  auto missing = AlignToGuest({"a", "z"}, {"a", "b"});
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_THAT(missing.status().message(), HasSubstr("\"z\""));
  EXPECT_THAT(missing.status().message(), HasSubstr("put an Intersection first"));
}

// The host sums E(y) and E(1 - y) per bin of its column; decrypted, they are the plaintext
// event counts, and the WOE/IV from them are what the guest would compute in the clear.
TEST_F(BinningComponentTest, EncryptedBinSumsEqualPlaintextCounts) {
  auto keys = crypto::GenerateKeyPair(1024);
  ASSERT_OK(keys);
  const crypto::PublicKey& pk = keys->public_key;
  // Guest rows in the guest's order.
  const std::vector<std::string> guest_ids = {"g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7"};
  const std::vector<int> y = {1, 0, 0, 1, 1, 0, 1, 0};
  std::vector<double> ev, nev;
  for (int v : y) {
    ev.push_back(v);
    nev.push_back(1 - v);
  }
  auto enc_ev = crypto::EncryptVector(pk, ev, 0);
  auto enc_nev = crypto::EncryptVector(pk, nev, 0);
  ASSERT_OK(enc_ev);
  ASSERT_OK(enc_nev);
  // Host rows in another order; values chosen so that bin 1 of 4 is empty.
  const std::vector<std::string> host_ids = {"g3", "g0", "g7", "g1", "g6", "g2", "g5", "g4"};
  const std::vector<double> host_x = {0.1, 0.2, 3.5, 0.05, 3.9, 2.5, 2.7, 3.1};
  const std::vector<double> sp = {1, 2, 3, 4};
  auto aligned = AlignToGuest(host_ids, guest_ids);
  ASSERT_OK(aligned);
  std::vector<int> bins;
  for (double x : host_x) bins.push_back(ml::BinIndex(x, sp));
  auto sums = EncryptedBinSums(pk, *enc_ev, *enc_nev, *aligned, bins);
  ASSERT_OK(sums);
  auto plain = crypto::DecryptVector(keys->private_key, *sums);
  ASSERT_OK(plain);

  std::vector<int> host_y;
  for (size_t i = 0; i < host_ids.size(); ++i) host_y.push_back(y[(*aligned)[i]]);
  auto counts = ml::CountEvents(host_x, host_y, sp);
  ASSERT_OK(counts);
  ASSERT_EQ(2 * counts->size(), plain->size());
  for (size_t b = 0; b < counts->size(); ++b) {
    EXPECT_EQ((*counts)[b].event, (*plain)[2 * b]) << "bin " << b;
    EXPECT_EQ((*counts)[b].non_event, (*plain)[2 * b + 1]) << "bin " << b;
  }
  EXPECT_EQ(0, (*plain)[2]);  // the empty bin 1
  EXPECT_EQ(0, (*plain)[3]);
}

TEST_F(BinningComponentTest, ModelRoundTripsThroughJson) {
  FeatureBinningModel m;
  m.role = "guest";
  m.party_id = 9999;
  m.method = "quantile";
  m.bin_num = 10;
  m.header = {"x0", "x1"};
  m.bin_cols = {"x0", "x1"};
  auto woe = ml::ComputeWoeIv({{3, 1}, {1, 3}});
  m.results["x0"] = {{0.5, 1.0}, false, true, woe};
  m.results["x1"] = {{2.0}, false, false, {}};
  m.host_cols[10000] = {"host_10000_0"};
  m.host_results[10000]["host_10000_0"] = {{}, false, true, woe};
  auto back = ParseFeatureBinningModel(SerializeFeatureBinningModel(m));
  ASSERT_OK(back);
  EXPECT_EQ("guest", back->role);
  EXPECT_EQ(m.header, back->header);
  EXPECT_THAT(back->results.at("x0").split_points, ElementsAre(0.5, 1.0));
  EXPECT_DOUBLE_EQ(woe.iv, back->Ivs().at("x0"));
  EXPECT_EQ(1u, back->Ivs().size());
  EXPECT_DOUBLE_EQ(woe.iv, back->HostIvs(10000).at("host_10000_0"));
  EXPECT_EQ(woe.event_count, back->results.at("x0").woe_iv.event_count);
  EXPECT_TRUE(ParseFeatureBinningModel("{\"module\": \"Probe\"}").status().IsInvalidArgument());
}

TEST_F(BinningComponentTest, SelectionParamsAndUnsupportedFilters) {
  auto p = ParseFeatureSelectionParams(Json::object());
  ASSERT_OK(p);
  ASSERT_EQ(1u, p->filters.size());
  EXPECT_EQ("manually", p->filters[0].method);
  auto iv = ParseFeatureSelectionParams(
      Json{{"filter_methods", {"unique_value", "iv_top_k", "iv_value_thres"}},
           {"iv_top_k_param", {{"k", 3}, {"local_only", true}}},
           {"iv_value_param", {{"value_threshold", 0.1}, {"host_thresholds", {0.2}}}}});
  ASSERT_OK(iv);
  ASSERT_EQ(3u, iv->filters.size());
  EXPECT_EQ(ml::IvFilterType::kTopK, iv->filters[1].iv.type);
  EXPECT_DOUBLE_EQ(3, iv->filters[1].iv.threshold);
  EXPECT_TRUE(iv->filters[1].iv.local_only);
  EXPECT_DOUBLE_EQ(0.1, iv->filters[2].iv.threshold);
  EXPECT_THAT(*iv->filters[2].iv.host_thresholds, ElementsAre(0.2));
  auto vif = ParseFeatureSelectionParams(Json{{"filter_methods", {"vif_filter"}}});
  EXPECT_THAT(vif.status().message(), HasSubstr("\"vif_filter\" is not supported by fedflow"));
  auto typo = ParseFeatureSelectionParams(Json{{"filter_method", {"manually"}}});
  EXPECT_THAT(typo.status().message(), HasSubstr("unknown parameter \"filter_method\""));
}

// The guest keeps, for itself and its host, the columns an IV filter passes, with the IVs of a
// binning model; the outcome is ml::RunSelection's on the same IVs.
TEST_F(BinningComponentTest, GuestSelectsColumnsFromTheBinningModel) {
  FeatureBinningModel m;
  m.role = "guest";
  m.party_id = 9999;
  m.header = {"x0", "x1", "x2"};
  m.bin_cols = m.header;
  auto with_iv = [](double iv) {
    ColumnBinResult r;
    r.has_woe_iv = true;
    r.woe_iv.iv = iv;
    return r;
  };
  m.results = {{"x0", with_iv(0.5)}, {"x1", with_iv(0.01)}, {"x2", with_iv(0.2)}};
  m.host_cols[10000] = {"host_10000_0", "host_10000_1", "host_10000_2"};
  m.host_results[10000] = {{"host_10000_0", with_iv(0.3)},
                           {"host_10000_1", with_iv(0.001)},
                           {"host_10000_2", with_iv(0.6)}};
  auto model = ParseFeatureBinningModel(SerializeFeatureBinningModel(m));
  ASSERT_OK(model);

  auto params = ParseFeatureSelectionParams(Json{{"filter_methods", {"iv_value_thres", "iv_top_k"}},
                                                 {"iv_value_param", {{"value_threshold", 0.02}}},
                                                 {"iv_top_k_param", {{"k", 3}}}});
  ASSERT_OK(params);
  auto guest = ml::ColumnSelection::Create(model->header, std::nullopt);
  ASSERT_OK(guest);
  std::vector<HostIvCandidates> hosts(1);
  hosts[0].party_id = 10000;
  hosts[0].candidates = model->host_cols.at(10000);
  hosts[0].iv = model->HostIvs(10000);
  ASSERT_OK(GuestApplyIvFilter(params->filters[0], &*guest, model->Ivs(), &hosts));
  EXPECT_THAT(guest->left_names(), ElementsAre("x0", "x2"));
  EXPECT_THAT(hosts[0].kept, ElementsAre("host_10000_0", "host_10000_2"));
  // The host's next candidates are what it kept.
  hosts[0].candidates = hosts[0].kept;
  ASSERT_OK(GuestApplyIvFilter(params->filters[1], &*guest, model->Ivs(), &hosts));
  EXPECT_THAT(guest->left_names(), ElementsAre("x0"));
  EXPECT_THAT(hosts[0].kept, ElementsAre("host_10000_0", "host_10000_2"));

  ml::PartySelectionInput g, h;
  g.header = model->header;
  g.iv = model->Ivs();
  h.header = model->host_cols.at(10000);
  h.iv = model->HostIvs(10000);
  ml::SelectionFilterConfig f1, f2;
  f1.method = "iv_value_thres";
  f1.value_threshold = 0.02;
  f2.method = "iv_top_k";
  f2.k = 3;
  auto expected = ml::RunSelection({g, h}, {f1, f2});
  ASSERT_OK(expected);
  EXPECT_EQ((*expected)[0].left_names(), guest->left_names());
  EXPECT_EQ((*expected)[1].left_names(), hosts[0].kept);

  // A candidate without an IV is an error that names the input to check.
  hosts[0].candidates = {"host_10000_9"};
  Status s = GuestApplyIvFilter(params->filters[0], &*guest, model->Ivs(), &hosts);
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("isometric_model"));
}

TEST_F(BinningComponentTest, LocalFiltersAndKeepColumns) {
  Instances inst = SmallInstances();
  inst.feature_names.push_back("constant");
  std::vector<double> features;
  for (size_t r = 0; r < 6; ++r) {
    features.push_back(inst.features[2 * r]);
    features.push_back(inst.features[2 * r + 1]);
    features.push_back(7.0);
  }
  inst.features = features;
  auto std_dev = ColumnStdDevs(inst);
  EXPECT_DOUBLE_EQ(0, std_dev.at("constant"));
  EXPECT_NEAR(17.078251, std_dev.at("x1"), 1e-6);
  auto params =
      ParseFeatureSelectionParams(Json{{"filter_methods", {"unique_value", "manually"}},
                                       {"manually_param", {{"filter_out_names", {"x0"}}}}});
  ASSERT_OK(params);
  auto sel = ml::ColumnSelection::Create(inst.feature_names, std::nullopt);
  ASSERT_OK(sel);
  for (const SelectionFilter& f : params->filters) {
    ASSERT_OK(ApplyLocalFilter(f, params->manually, std_dev, &*sel));
  }
  EXPECT_THAT(sel->left_names(), ElementsAre("x1"));
  Instances out = KeepColumns(inst, sel->left_names());
  EXPECT_THAT(out.feature_names, ElementsAre("x1"));
  EXPECT_EQ(std::vector<double>({10, 20, 30, 40, 50, 60}), out.features);
  EXPECT_EQ(inst.labels, out.labels);
  EXPECT_EQ(inst.ids, out.ids);
}

}  // namespace
}  // namespace fedflow
