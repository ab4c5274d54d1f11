#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <gflags/gflags.h>
#include <gtest/gtest.h>
#include <gtest/gtest-spi.h>

#include "common/status.h"

namespace fedflow::testing {

// Base fixture of every fedflow test: a fresh temporary directory per test (removed
// afterwards unless the test failed or FEDFLOW_KEEP_TEST_DIRS is set) and a
// gflags::FlagSaver so a test's flag changes never leak into the next test.
class FedflowTest : public ::testing::Test {
 public:
  // Absolute path of the source tree's tests/data directory.
  static std::string TestDataDir();
  // Absolute path of build/bin (where fedflow's binaries are).
  static std::string BinDir();

 protected:
  FedflowTest();
  ~FedflowTest() override;

  // Absolute path of this test's temporary directory.
  const std::string& test_dir() const { return test_dir_; }

 private:
  gflags::FlagSaver flag_saver_;
  std::string test_dir_;
};

// Writes `contents` to `path`, creating parent directories. Fails the test on error.
void WriteFileOrDie(const std::string& path, const std::string& contents);
std::string ReadFileOrDie(const std::string& path);

// Polls `cond` until it returns true or `timeout` passes; between polls it sleeps a
// little (a poll, not a synchronisation sleep). Returns whether `cond` became true.
bool WaitFor(const std::function<bool()>& cond,
             std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace fedflow::testing

#define ASSERT_OK(expr)                                                          \
  do {                                                                           \
    ::fedflow::Status _st = ::fedflow::internal::ToStatus(expr);          \
    ASSERT_TRUE(_st.ok()) << #expr << " failed: " << _st.ToString();             \
  } while (0)

#define EXPECT_OK(expr)                                                          \
  do {                                                                           \
    ::fedflow::Status _st = ::fedflow::internal::ToStatus(expr);          \
    EXPECT_TRUE(_st.ok()) << #expr << " failed: " << _st.ToString();             \
  } while (0)

// Retries a block of assertions until it passes or `timeout` (a std::chrono duration)
// expires; on expiry the last attempt's failures are reported.
//   ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] { ASSERT_EQ(3, Count()); });
#define ASSERT_EVENTUALLY(timeout, fn)                                          \
  do {                                                                          \
    ASSERT_NO_FATAL_FAILURE(::fedflow::testing::AssertEventually(timeout, fn)); \
  } while (0)

namespace fedflow::testing {
// Implementation of ASSERT_EVENTUALLY: runs `fn` (which uses gtest assertions) until it
// produces no failure or the deadline passes; only the final attempt's failures count.
void AssertEventually(std::chrono::milliseconds timeout, const std::function<void()>& fn);
}  // namespace fedflow::testing
