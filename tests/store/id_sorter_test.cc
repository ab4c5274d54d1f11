// The external-sort duplicate id check.

#include "party-agent/store/id_sorter.h"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "tests/harness/test_util.h"

namespace fedflow::store {
namespace {

class IdSorterTest : public fedflow::testing::FedflowTest {
 protected:
  std::string dir() const { return test_dir() + "/runs"; }
  bool NoRunFiles() const {
    std::error_code ec;
    return !std::filesystem::exists(dir(), ec) || std::filesystem::is_empty(dir(), ec);
  }
};

TEST_F(IdSorterTest, UniqueIdsInMemory) {
  IdSorter sorter(dir(), "t-", 1 << 20);
  for (int i = 0; i < 1000; i++) ASSERT_OK(sorter.Add("id" + std::to_string(i), i));
  ASSERT_OK(sorter.Finish());
  EXPECT_EQ(0, sorter.runs_written());
  EXPECT_TRUE(NoRunFiles());
}

TEST_F(IdSorterTest, UniqueIdsAcrossManyRunsAndIntermediateMerges) {
  IdSorter sorter(dir(), "t-", 64 << 10);  // ~1,500 ids per run
  const int n = 200000;
  for (int i = 0; i < n; i++) ASSERT_OK(sorter.Add(std::to_string(n - i) + "-x", i));
  EXPECT_GT(sorter.runs_written(), static_cast<int>(IdSorter::kMaxRuns));
  ASSERT_OK(sorter.Finish());
  EXPECT_FALSE(sorter.duplicate().has_value());
  EXPECT_TRUE(NoRunFiles());
}

TEST_F(IdSorterTest, DuplicateWithinABuffer) {
  IdSorter sorter(dir(), "t-", 1 << 20);
  ASSERT_OK(sorter.Add("a", 0));
  ASSERT_OK(sorter.Add("b", 1));
  ASSERT_OK(sorter.Add("a", 2));
  Status s = sorter.Finish();
  EXPECT_TRUE(s.IsAlreadyExists()) << s;
  ASSERT_TRUE(sorter.duplicate().has_value());
  EXPECT_EQ("a", sorter.duplicate()->id);
  EXPECT_EQ(0, sorter.duplicate()->first_seq);
  EXPECT_EQ(2, sorter.duplicate()->second_seq);
}

TEST_F(IdSorterTest, DuplicateAcrossRunsAndFilesRemoved) {
  {
    IdSorter sorter(dir(), "t-", 64 << 10);
    const int n = 20000;
    for (int i = 0; i < n; i++) ASSERT_OK(sorter.Add("id" + std::to_string(i), i));
    ASSERT_OK(sorter.Add("id7", n));
    EXPECT_GT(sorter.runs_written(), 1);
    Status s = sorter.Finish();
    EXPECT_TRUE(s.IsAlreadyExists()) << s;
    ASSERT_TRUE(sorter.duplicate().has_value());
    EXPECT_EQ("id7", sorter.duplicate()->id);
    EXPECT_EQ(7, sorter.duplicate()->first_seq);
    EXPECT_EQ(n, sorter.duplicate()->second_seq);
  }
  EXPECT_TRUE(NoRunFiles()) << "a failed sorter removes its runs when destroyed";
}

TEST_F(IdSorterTest, EmptyAndBinaryIds) {
  IdSorter sorter(dir(), "t-", 64 << 10);
  ASSERT_OK(sorter.Add(std::string("a\0b", 3), 0));
  ASSERT_OK(sorter.Add(std::string("a\0c", 3), 1));
  ASSERT_OK(sorter.Finish());
}

}  // namespace
}  // namespace fedflow::store
