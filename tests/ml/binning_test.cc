// Split points (quantile, bucket), bin assignment, event counts, and WOE / IV with FATE's
// adjustment for empty bins, against hand-worked values.
#include "common/ml/binning.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "tests/harness/test_util.h"

namespace fedflow::ml {
namespace {

class BinningTest : public fedflow::testing::FedflowTest {
 protected:
  static std::vector<double> Shuffled(std::vector<double> v) {
    std::mt19937 rng(1);
    std::shuffle(v.begin(), v.end(), rng);
    return v;
  }
};

TEST_F(BinningTest, PercentileRatesAreFatesDoubles) {
  std::vector<double> rates = PercentileRates(10);
  ASSERT_EQ(rates.size(), 10u);
  EXPECT_EQ(rates[2], 0.30000000000000004);  // 3 * 0.1
  EXPECT_EQ(rates[5], 0.6000000000000001);   // 6 * 0.1
  EXPECT_EQ(rates[9], 1.0);
  EXPECT_EQ(PercentileRates(1), (std::vector<double>{1.0}));
}

TEST_F(BinningTest, QuantileSplitPointsOfOneToTen) {
  std::vector<double> column = Shuffled({1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  QuantileBinningOptions options;
  options.bin_num = 4;
  // Ranks ceil(0.25 * 10) = 3, ceil(0.5 * 10) = 5, ceil(0.75 * 10) = 8, and the maximum.
  Result<std::vector<double>> four = QuantileSplitPoints(column, options);
  ASSERT_OK(four);
  EXPECT_EQ(*four, (std::vector<double>{3, 5, 8, 10}));

  // Ten bins: rank 1 becomes rank 2 (FATE's query starts at the second entry), and the rates
  // 3 * 0.1, 6 * 0.1, 7 * 0.1 are slightly above 0.3, 0.6, 0.7, so their ranks round up to 4, 7,
  // 8. Ranks 2, 2, 4, 4, 5, 7, 8, 8, 9, 10, deduplicated.
  options.bin_num = 10;
  Result<std::vector<double>> ten = QuantileSplitPoints(column, options);
  ASSERT_OK(ten);
  EXPECT_EQ(*ten, (std::vector<double>{2, 4, 5, 7, 8, 9, 10}));

  options.allow_duplicate = true;
  Result<std::vector<double>> with_duplicates = QuantileSplitPoints(column, options);
  ASSERT_OK(with_duplicates);
  EXPECT_EQ(*with_duplicates, (std::vector<double>{2, 2, 4, 4, 5, 7, 8, 8, 9, 10}));
}

TEST_F(BinningTest, QuantileSplitPointsWithRepeatedValues) {
  // Sorted: 1 1 1 1 2 2 3 3 3 4; ranks 3, 5, 8 and the maximum.
  QuantileBinningOptions options;
  options.bin_num = 4;
  Result<std::vector<double>> points =
      QuantileSplitPoints(Shuffled({1, 1, 1, 1, 2, 2, 3, 3, 3, 4}), options);
  ASSERT_OK(points);
  EXPECT_EQ(*points, (std::vector<double>{1, 2, 3, 4}));
}

TEST_F(BinningTest, QuantileSplitPointsSkipMissingAndValidate) {
  QuantileBinningOptions options;
  options.bin_num = 2;
  Result<std::vector<double>> points = QuantileSplitPoints({NAN, 4, 1, NAN, 3, 2}, options);
  ASSERT_OK(points);
  EXPECT_EQ(*points, (std::vector<double>{2, 4}));  // rank ceil(0.5 * 4) = 2
  Result<std::vector<double>> empty = QuantileSplitPoints({NAN}, options);
  ASSERT_OK(empty);
  EXPECT_EQ(*empty, (std::vector<double>{0}));
  options.bin_num = 0;
  EXPECT_TRUE(QuantileSplitPoints({1, 2}, options).status().IsInvalidArgument());
  options.bin_num = 2;
  options.error = 0;
  EXPECT_TRUE(QuantileSplitPoints({1, 2}, options).status().IsInvalidArgument());
}

TEST_F(BinningTest, BucketSplitPoints) {
  Result<std::vector<double>> points = BucketSplitPoints({10, 0, 3, NAN, 7}, 5);
  ASSERT_OK(points);
  EXPECT_EQ(*points, (std::vector<double>{2, 4, 6, 8, 10}));
  Result<std::vector<double>> constant = BucketSplitPoints({3, 3}, 3);
  ASSERT_OK(constant);
  EXPECT_EQ(*constant, (std::vector<double>{3, 3, 3}));
  EXPECT_TRUE(BucketSplitPoints({NAN}, 3).status().IsInvalidArgument());
  EXPECT_TRUE(BucketSplitPoints({1}, 0).status().IsInvalidArgument());
}

TEST_F(BinningTest, BinIndexIsFirstSplitPointAtOrAboveValue) {
  const std::vector<double> split = {3, 5, 8, 10};
  EXPECT_EQ(BinIndex(-5, split), 0);
  EXPECT_EQ(BinIndex(3, split), 0);  // equal to a split point: that bin
  EXPECT_EQ(BinIndex(3.5, split), 1);
  EXPECT_EQ(BinIndex(5, split), 1);
  EXPECT_EQ(BinIndex(8, split), 2);
  EXPECT_EQ(BinIndex(9, split), 3);
  EXPECT_EQ(BinIndex(10, split), 3);
  EXPECT_EQ(BinIndex(100, split), 3);  // above the maximum: the last bin
  EXPECT_EQ(BinIndex(NAN, split), 0);
  EXPECT_EQ(BinIndex(7, {10}), 0);
}

TEST_F(BinningTest, CountEventsListsBinsUpToTheLastReached) {
  // Split 1 | 5 | 8 | 10: values 1, 2, 3 reach bins 0, 1, 1 only.
  Result<std::vector<BinCount>> counts = CountEvents({1, 2, 3}, {1, 0, 1}, {1, 5, 8, 10});
  ASSERT_OK(counts);
  ASSERT_EQ(counts->size(), 2u);
  EXPECT_EQ((*counts)[0].event, 1);
  EXPECT_EQ((*counts)[0].non_event, 0);
  EXPECT_EQ((*counts)[1].event, 1);
  EXPECT_EQ((*counts)[1].non_event, 1);
  // An empty bin before the last reached one is listed with zero counts.
  Result<std::vector<BinCount>> gap = CountEvents({0, 9}, {0, 1}, {1, 5, 8, 10});
  ASSERT_OK(gap);
  ASSERT_EQ(gap->size(), 4u);
  EXPECT_EQ((*gap)[1].event + (*gap)[1].non_event, 0);
  EXPECT_TRUE(CountEvents({1}, {}, {1}).status().IsInvalidArgument());
}

TEST_F(BinningTest, WoeAndIvOfTwoBins) {
  // Bin 0: 3 events, 1 non-event; bin 1: 1 event, 3 non-events; totals 4 and 4.
  WoeIv r = ComputeWoeIv({{3, 1}, {1, 3}});
  ASSERT_EQ(r.woe.size(), 2u);
  EXPECT_DOUBLE_EQ(r.event_rate[0], 0.75);
  EXPECT_DOUBLE_EQ(r.non_event_rate[0], 0.25);
  EXPECT_DOUBLE_EQ(r.woe[0], std::log(3.0));  // ln(0.75 / 0.25): more events, positive WOE
  EXPECT_DOUBLE_EQ(r.woe[1], -std::log(3.0));
  EXPECT_DOUBLE_EQ(r.iv_per_bin[0], 0.5 * std::log(3.0));
  EXPECT_DOUBLE_EQ(r.iv_per_bin[1], 0.5 * std::log(3.0));
  EXPECT_DOUBLE_EQ(r.iv, std::log(3.0));
  EXPECT_EQ(r.event_count, (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(r.non_event_count, (std::vector<int64_t>{1, 3}));
}

TEST_F(BinningTest, WoeAdjustsBinsWithAZeroCount) {
  // Bin 0: 4 events, 0 non-events -> (4.5 / 5, 0.5 / 5); bin 1: 1 and 5 -> (0.2, 1.0).
  WoeIv r = ComputeWoeIv({{4, 0}, {1, 5}}, 0.5);
  EXPECT_DOUBLE_EQ(r.event_rate[0], 0.9);
  EXPECT_DOUBLE_EQ(r.non_event_rate[0], 0.1);
  EXPECT_DOUBLE_EQ(r.woe[0], std::log(9.0));
  EXPECT_DOUBLE_EQ(r.event_rate[1], 0.2);
  EXPECT_DOUBLE_EQ(r.non_event_rate[1], 1.0);
  EXPECT_DOUBLE_EQ(r.woe[1], std::log(0.2));
  EXPECT_NEAR(r.iv, 0.8 * std::log(9.0) + 0.8 * std::log(5.0), 1e-12);
  // A column without events: the event total counts as 1, every bin adjusted.
  WoeIv none = ComputeWoeIv({{0, 2}, {0, 2}}, 0.5);
  EXPECT_DOUBLE_EQ(none.event_rate[0], 0.5);
  EXPECT_DOUBLE_EQ(none.non_event_rate[0], 2.5 / 4);
}

TEST_F(BinningTest, IvOfAColumnEndToEnd) {
  // 2 bins by the median of 1..8; events are the larger values except one.
  std::vector<double> column = {1, 2, 3, 4, 5, 6, 7, 8};
  std::vector<int> labels = {0, 0, 1, 0, 1, 1, 1, 0};
  QuantileBinningOptions options;
  options.bin_num = 2;
  Result<std::vector<double>> split = QuantileSplitPoints(column, options);
  ASSERT_OK(split);
  EXPECT_EQ(*split, (std::vector<double>{4, 8}));
  Result<std::vector<BinCount>> counts = CountEvents(column, labels, *split);
  ASSERT_OK(counts);
  ASSERT_EQ(counts->size(), 2u);
  WoeIv r = ComputeWoeIv(*counts);
  // Bin 0 (1..4): 1 event, 3 non-events; bin 1 (5..8): 3 events, 1 non-event.
  EXPECT_DOUBLE_EQ(r.iv, std::log(3.0));
  EXPECT_LT(r.woe[0], 0);
}

}  // namespace
}  // namespace fedflow::ml
