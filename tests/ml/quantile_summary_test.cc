// The ported quantile summary: exact picks on small data (the closed form FATE's summary
// reduces to), partition merges, the rank guarantee on data large enough to compress.
#include "common/ml/quantile_summary.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "common/ml/binning.h"
#include "tests/harness/test_util.h"

namespace fedflow::ml {
namespace {

class QuantileSummaryTest : public fedflow::testing::FedflowTest {};

// What FATE's summary answers while it holds every value (count <= 1 / error, target error 1):
// the value of 1-based rank max(2, ceil(q * n)), capped at n.
double ClosedFormQuantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const auto n = static_cast<int64_t>(values.size());
  int64_t rank = static_cast<int64_t>(std::ceil(q * static_cast<double>(n)));
  rank = std::min(std::max<int64_t>(rank, 2), n);
  return values[rank - 1];
}

std::vector<double> RandomColumn(std::mt19937& rng, int n, int distinct) {
  std::uniform_int_distribution<int> pick(0, distinct - 1);
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(pick(rng) * 0.37 - 3.0);
  return v;
}

TEST_F(QuantileSummaryTest, SmallDataGivesTheClosedFormRank) {
  std::mt19937 rng(11);
  for (int n : {2, 3, 10, 57, 569, 1000}) {
    for (int distinct : {3, 40, 100000}) {
      std::vector<double> column = RandomColumn(rng, n, distinct);
      QuantileSummaryOptions options;
      options.error = 0.001;  // the seed pipeline's setting
      QuantileSummary summary(options);
      for (double x : column) summary.Insert(x);
      std::vector<double> rates;
      for (int i = 1; i < 10; ++i) rates.push_back(i * (1.0 / 10));
      rates.push_back(1.0);
      std::vector<double> answers = summary.QueryList(rates);
      ASSERT_EQ(answers.size(), rates.size());
      for (size_t i = 0; i < rates.size(); ++i) {
        EXPECT_EQ(answers[i], ClosedFormQuantile(column, rates[i]))
            << "n=" << n << " distinct=" << distinct << " q=" << rates[i];
        EXPECT_EQ(summary.Query(rates[i]), answers[i]);
      }
    }
  }
}

TEST_F(QuantileSummaryTest, EndsAndEmpty) {
  QuantileSummary empty;
  EXPECT_EQ(empty.Query(0.5), 0.0);
  EXPECT_EQ(empty.QueryList({0.5, 1.0}), (std::vector<double>{0.0, 0.0}));

  QuantileSummary one;
  one.Insert(4.0);
  EXPECT_EQ(one.QueryList({0.5, 1.0}), (std::vector<double>{4.0, 4.0}));

  QuantileSummary s;
  for (double x : {5.0, 1.0, 3.0}) s.Insert(x);
  EXPECT_EQ(s.Query(0.0), 1.0);  // q <= error: the smallest
  EXPECT_EQ(s.Query(1.0), 5.0);  // q >= 1 - error: the largest
}

TEST_F(QuantileSummaryTest, MissingValuesAreSkipped) {
  QuantileSummaryOptions options;
  options.abnormal_values = {-999};
  QuantileSummary s(options);
  for (double x : std::vector<double>{1.0, NAN, 2.0, -999.0, 3.0, 4.0}) s.Insert(x);
  EXPECT_EQ(s.count(), 4);
  EXPECT_EQ(s.missing_count(), 2);
  EXPECT_EQ(s.Query(0.5), 2.0);  // rank ceil(0.5 * 4) = 2 of 1, 2, 3, 4
}

TEST_F(QuantileSummaryTest, MergedPartitionsAnswerAsOneStream) {
  std::mt19937 rng(3);
  std::vector<double> column = RandomColumn(rng, 800, 300);
  QuantileSummary whole;
  std::vector<QuantileSummary> parts(4);
  for (size_t i = 0; i < column.size(); ++i) {
    whole.Insert(column[i]);
    parts[i % 4].Insert(column[i]);
  }
  QuantileSummary merged = QuantileSummary::Merge(QuantileSummary::Merge(parts[0], parts[1]),
                                                  QuantileSummary::Merge(parts[2], parts[3]));
  EXPECT_EQ(merged.count(), 800);
  std::vector<double> rates = PercentileRates(10);
  EXPECT_EQ(merged.QueryList(rates), whole.QueryList(rates));
}

TEST_F(QuantileSummaryTest, CompressedSummaryKeepsTheRankGuarantee) {
  // 50,000 distinct values through 10,000-value head buffers: the summary compresses, and an
  // answer's rank stays within FATE's documented bound of about 2 * error * n of q * n.
  std::mt19937 rng(5);
  std::vector<double> column(50000);
  for (size_t i = 0; i < column.size(); ++i) column[i] = static_cast<double>(i);
  std::shuffle(column.begin(), column.end(), rng);
  QuantileSummaryOptions options;
  options.error = 0.001;
  QuantileSummary s(options);
  for (double x : column) s.Insert(x);
  s.Compress();
  EXPECT_LT(s.num_entries(), column.size());
  const double n = static_cast<double>(column.size());
  for (double q : PercentileRates(20)) {
    double value = s.Query(q);  // value v has 1-based rank v + 1
    EXPECT_GE(value + 1, std::floor((q - 2 * options.error) * n)) << q;
    EXPECT_LE(value + 1, std::ceil((q + 2 * options.error) * n)) << q;
  }
}

}  // namespace
}  // namespace fedflow::ml
