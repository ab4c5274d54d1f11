// Tests of the test harness itself: temp dirs, flag saving, ASSERT_EVENTUALLY.
#include <atomic>
#include <filesystem>
#include <thread>

#include "tests/harness/test_util.h"

DEFINE_int32(harness_test_flag, 1, "A flag for FlagSaver tests");

namespace fedflow::testing {
namespace {

class HarnessTest : public FedflowTest {};

TEST_F(HarnessTest, TestDirExistsAndIsWritable) {
  ASSERT_TRUE(std::filesystem::is_directory(test_dir()));
  WriteFileOrDie(test_dir() + "/a/b.txt", "hello");
  EXPECT_EQ("hello", ReadFileOrDie(test_dir() + "/a/b.txt"));
}

// The two tests below run in order: the first changes the flag, the second sees it reset.
TEST_F(HarnessTest, FlagSaverA_ChangesFlag) {
  FLAGS_harness_test_flag = 99;
  EXPECT_EQ(99, FLAGS_harness_test_flag);
}
TEST_F(HarnessTest, FlagSaverB_FlagWasRestored) { EXPECT_EQ(1, FLAGS_harness_test_flag); }

TEST_F(HarnessTest, AssertEventuallyWaitsForCondition) {
  std::atomic<int> n{0};
  std::thread t([&] {
    for (int i = 0; i < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      ++n;
    }
  });
  ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] { ASSERT_EQ(5, n.load()); });
  t.join();
}

TEST_F(HarnessTest, AssertEventuallyReportsFailureAtDeadline) {
  // EXPECT_FATAL_FAILURE needs a static context, so check the helper directly.
  ::testing::TestPartResultArray results;
  {
    ::testing::ScopedFakeTestPartResultReporter reporter(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
    AssertEventually(std::chrono::milliseconds(50), [] { ASSERT_EQ(1, 2); });
  }
  ASSERT_GE(results.size(), 1);
  EXPECT_TRUE(results.GetTestPartResult(results.size() - 1).failed());
}

}  // namespace
}  // namespace fedflow::testing
