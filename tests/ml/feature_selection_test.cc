// Selection filters and their chaining across guest and host: threshold, top-k, percentile,
// keep-one, manually, unique_value, local_only, host thresholds, unjudged columns.
#include "common/ml/feature_selection.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/harness/test_util.h"

namespace fedflow::ml {
namespace {

using Names = std::vector<std::string>;

class FeatureSelectionTest : public fedflow::testing::FedflowTest {
 protected:
  FeatureSelectionTest() {
    guest_.header = {"a", "b", "c", "d"};
    guest_.iv = {{"a", 0.05}, {"b", 0.5}, {"c", 0.3}, {"d", 0.2}};
    host_.header = {"h0", "h1", "h2"};
    host_.iv = {{"h0", 0.08}, {"h1", 0.7}, {"h2", 0.15}};
  }

  static SelectionFilterConfig Filter(const std::string& method) {
    SelectionFilterConfig f;
    f.method = method;
    return f;
  }

  // Runs the filters; returns the guest's and the host's left columns.
  std::pair<Names, Names> Run(const std::vector<SelectionFilterConfig>& filters) {
    Result<std::vector<ColumnSelection>> out = RunSelection({guest_, host_}, filters);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    if (!out.ok()) return {};
    return {(*out)[0].left_names(), (*out)[1].left_names()};
  }

  PartySelectionInput guest_;
  PartySelectionInput host_;
};

TEST_F(FeatureSelectionTest, ThresholdTopKAndPercentilePicks) {
  const std::vector<double> v = {0.3, 0.1, 0.5, 0.1, 0.2};
  EXPECT_EQ(ThresholdPass(v, 0.2, true), (std::vector<size_t>{0, 2, 4}));
  EXPECT_EQ(ThresholdPass(v, 0.2, false), (std::vector<size_t>{1, 3, 4}));
  EXPECT_EQ(TopKPass(v, 2, true), (std::vector<size_t>{0, 2}));
  // Ties: ascending order keeps the earlier value first, descending the later one.
  EXPECT_EQ(TopKPass(v, 1, false), (std::vector<size_t>{1}));
  EXPECT_EQ(TopKPass({0.5, 0.1, 0.5}, 1, true), (std::vector<size_t>{2}));
  EXPECT_EQ(TopKPass(v, 10, true).size(), 5u);
  EXPECT_EQ(TopKPass(v, 0, true), (std::vector<size_t>{2}));  // FATE keeps one even for k 0
  // ceil(0.5 * 5) = 3 highest.
  EXPECT_EQ(PercentilePass(v, 0.5, true), (std::vector<size_t>{0, 2, 4}));
  EXPECT_EQ(PercentilePass(v, 1.0, true).size(), 5u);
  EXPECT_EQ(KeepOnePosition({0.1, 0.4, 0.4}, true), 1u);  // the first on ties
  EXPECT_EQ(KeepOnePosition({0.1, 0.4, 0.1}, false), 0u);
}

TEST_F(FeatureSelectionTest, ColumnSelectionKeepsUnjudgedColumns) {
  Result<ColumnSelection> s =
      ColumnSelection::Create({"a", "b", "c", "d"}, std::vector<int>{2, 0, 9}, {"b"});
  ASSERT_OK(s);
  EXPECT_EQ(s->candidate_names(), (Names{"c", "a", "b"}));  // index order given, then names
  s->Apply("test", {0});                                    // of c, a, b keep a; d was never judged
  EXPECT_EQ(s->left_names(), (Names{"a", "d"}));
  EXPECT_EQ(s->candidate_names(), (Names{"a"}));
  ASSERT_EQ(s->history().size(), 1u);
  EXPECT_EQ(s->history()[0].original_cols, (Names{"a", "b", "c", "d"}));
  EXPECT_EQ(s->history()[0].left_cols, (Names{"a", "d"}));
  EXPECT_TRUE(ColumnSelection::Create({"a", "a"}, std::nullopt).status().IsInvalidArgument());
}

TEST_F(FeatureSelectionTest, ManuallyFilter) {
  guest_.manually.filter_out_indexes = std::vector<int>{1};
  guest_.manually.filter_out_names = Names{"d"};
  host_.manually.left_col_names = Names{"h2"};
  auto [guest, host] = Run({Filter("manually")});
  EXPECT_EQ(guest, (Names{"a", "c"}));
  EXPECT_EQ(host, (Names{"h2"}));
}

TEST_F(FeatureSelectionTest, ManuallyPresenceRules) {
  // An empty filter_out_indexes does not count as given: left_col_indexes apply.
  guest_.manually.filter_out_indexes = std::vector<int>{};
  guest_.manually.left_col_indexes = std::vector<int>{0, 3};
  // Filtering out everything keeps one column (the first candidate).
  host_.manually.filter_out_names = Names{"h0", "h1", "h2"};
  auto [guest, host] = Run({Filter("manually")});
  EXPECT_EQ(guest, (Names{"a", "d"}));
  EXPECT_EQ(host, (Names{"h0"}));
  // Nothing given: nothing dropped.
  guest_.manually = {};
  host_.manually = {};
  auto [g2, h2] = Run({Filter("manually")});
  EXPECT_EQ(g2.size(), 4u);
  EXPECT_EQ(h2.size(), 3u);
}

TEST_F(FeatureSelectionTest, IvValueThresholdAcrossParties) {
  SelectionFilterConfig f = Filter("iv_value_thres");
  f.value_threshold = 0.1;
  auto [guest, host] = Run({f});
  EXPECT_EQ(guest, (Names{"b", "c", "d"}));
  EXPECT_EQ(host, (Names{"h1", "h2"}));
  f.host_thresholds = std::vector<double>{0.2};
  auto [g2, h2] = Run({f});
  EXPECT_EQ(g2, (Names{"b", "c", "d"}));
  EXPECT_EQ(h2, (Names{"h1"}));
}

TEST_F(FeatureSelectionTest, IvPercentileAndTopKPoolGuestAndHosts) {
  SelectionFilterConfig thres = Filter("iv_value_thres");
  thres.value_threshold = 0.1;
  SelectionFilterConfig pct = Filter("iv_percentile");
  pct.percentile_threshold = 0.5;
  // After the threshold: b .5, c .3, d .2 and h1 .7, h2 .15; ceil(0.5 * 5) = 3 highest:
  // h1, b, c.
  auto [guest, host] = Run({thres, pct});
  EXPECT_EQ(guest, (Names{"b", "c"}));
  EXPECT_EQ(host, (Names{"h1"}));

  SelectionFilterConfig top = Filter("iv_top_k");
  top.k = 2;  // of all 7: h1 .7, b .5
  auto [g2, h2] = Run({top});
  EXPECT_EQ(g2, (Names{"b"}));
  EXPECT_EQ(h2, (Names{"h1"}));
}

TEST_F(FeatureSelectionTest, KeepOnePerPartyWhenNothingPasses) {
  SelectionFilterConfig f = Filter("iv_value_thres");
  f.value_threshold = 0.95;
  auto [guest, host] = Run({f});
  EXPECT_EQ(guest, (Names{"b"}));  // the guest's highest IV
  EXPECT_EQ(host, (Names{"h1"}));
  // Top-1 goes to the host; the guest still keeps its best.
  SelectionFilterConfig top = Filter("iv_top_k");
  top.k = 1;
  auto [g2, h2] = Run({top});
  EXPECT_EQ(g2, (Names{"b"}));
  EXPECT_EQ(h2, (Names{"h1"}));
}

TEST_F(FeatureSelectionTest, LocalOnlyLeavesHostsAlone) {
  SelectionFilterConfig f = Filter("iv_top_k");
  f.k = 1;
  f.local_only = true;
  auto [guest, host] = Run({f});
  EXPECT_EQ(guest, (Names{"b"}));
  EXPECT_EQ(host, (Names{"h0", "h1", "h2"}));
}

TEST_F(FeatureSelectionTest, LaterFiltersJudgeOnlySurvivorsAndSelectedColumns) {
  guest_.select_col_indexes = std::vector<int>{0, 1, 2};  // d is never judged
  guest_.manually.filter_out_names = Names{"b"};
  SelectionFilterConfig thres = Filter("iv_value_thres");
  thres.value_threshold = 0.4;  // of a .05 and c .3 nothing passes: keep c
  Result<std::vector<ColumnSelection>> out =
      RunSelection({guest_, host_}, {Filter("manually"), thres});
  ASSERT_OK(out);
  const ColumnSelection& g = (*out)[0];
  EXPECT_EQ(g.left_names(), (Names{"c", "d"}));
  ASSERT_EQ(g.history().size(), 2u);
  EXPECT_EQ(g.history()[1].method, "iv_value_thres");
  EXPECT_EQ(g.history()[1].original_cols, (Names{"a", "c", "d"}));
  EXPECT_EQ(g.history()[1].feature_values,
            (std::map<std::string, double>{{"a", 0.05}, {"c", 0.3}}));
  EXPECT_EQ((*out)[1].left_names(), (Names{"h1"}));
}

TEST_F(FeatureSelectionTest, UniqueValueDropsConstantColumns) {
  guest_.std_dev = {{"a", 0.0}, {"b", 1.2}, {"c", 1e-6}, {"d", 0.3}};
  host_.std_dev = {{"h0", 0.0}, {"h1", 0.0}, {"h2", 0.0}};
  auto [guest, host] = Run({Filter("unique_value")});
  EXPECT_EQ(guest, (Names{"b", "d"}));
  EXPECT_EQ(host, (Names{"h0"}));  // all constant: keep one (the first of equal values)
}

TEST_F(FeatureSelectionTest, Errors) {
  Result<std::vector<ColumnSelection>> unknown = RunSelection({guest_}, {Filter("vif_filter")});
  EXPECT_TRUE(unknown.status().IsInvalidArgument());
  guest_.iv.erase("c");
  EXPECT_TRUE(RunSelection({guest_}, {Filter("iv_top_k")}).status().IsNotFound());
  SelectionFilterConfig f = Filter("iv_value_thres");
  f.host_thresholds = std::vector<double>{0.1, 0.2};
  guest_.iv["c"] = 0.3;
  EXPECT_TRUE(RunSelection({guest_, host_}, {f}).status().IsInvalidArgument());
  EXPECT_TRUE(RunSelection({}, {}).status().IsInvalidArgument());
}

}  // namespace
}  // namespace fedflow::ml
