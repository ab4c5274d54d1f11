#include "coordinator/status_rules.h"

#include "tests/harness/test_util.h"

namespace fedflow::coordinator {
namespace {

using S = RunStatus;

S Agg(std::vector<S> v) {
  auto r = AggregateTaskStatus(v);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : S::kReady;
}

TEST(StatusRulesTest, StringsRoundTrip) {
  for (int i = 0; i <= 7; ++i) {
    auto s = static_cast<S>(i);
    auto parsed = ParseRunStatus(ToString(s));
    ASSERT_OK(parsed);
    EXPECT_EQ(s, *parsed);
  }
  auto bad = ParseRunStatus("rerun");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string::npos, bad.status().message().find("\"rerun\""));
}

TEST(StatusRulesTest, TaskAggregationFollowsFate) {
  EXPECT_EQ(S::kWaiting, Agg({S::kWaiting, S::kWaiting}));
  EXPECT_EQ(S::kSuccess, Agg({S::kSuccess, S::kPass}));  // pass folds into success
  EXPECT_EQ(S::kSuccess, Agg({S::kPass}));               // never pass
  EXPECT_EQ(S::kFailed, Agg({S::kRunning, S::kFailed, S::kCanceled}));
  EXPECT_EQ(S::kFailed, Agg({S::kTimeout, S::kFailed}));  // failed beats timeout
  EXPECT_EQ(S::kTimeout, Agg({S::kTimeout, S::kCanceled, S::kSuccess}));
  EXPECT_EQ(S::kCanceled, Agg({S::kCanceled, S::kRunning}));
  EXPECT_EQ(S::kRunning, Agg({S::kRunning, S::kSuccess}));
  EXPECT_EQ(S::kRunning, Agg({S::kWaiting, S::kSuccess}));
  EXPECT_EQ(S::kRunning, Agg({S::kWaiting, S::kRunning}));
  EXPECT_FALSE(AggregateTaskStatus({}).ok());
}

TEST(StatusRulesTest, JobAggregationFollowsFate) {
  auto job = [](std::vector<S> v, bool next) {
    auto r = AggregateJobStatus(v, next);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : S::kReady;
  };
  EXPECT_EQ(S::kSuccess, job({S::kSuccess, S::kPass}, false));
  EXPECT_EQ(S::kRunning, job({S::kSuccess, S::kRunning, S::kWaiting}, false));
  EXPECT_EQ(S::kRunning, job({S::kSuccess, S::kWaiting}, true));
  EXPECT_EQ(S::kCanceled, job({S::kSuccess, S::kWaiting}, false));
  EXPECT_EQ(S::kFailed, job({S::kSuccess, S::kFailed, S::kWaiting}, false));
  EXPECT_EQ(S::kRunning, job({S::kFailed, S::kRunning}, false));  // running wins (§4.4 step 2)
  EXPECT_EQ(S::kWaiting, job({S::kWaiting, S::kWaiting}, true));
}

TEST(StatusRulesTest, TransitionTables) {
  EXPECT_TRUE(TaskTransitionAllowed(S::kWaiting, S::kRunning));
  EXPECT_TRUE(TaskTransitionAllowed(S::kRunning, S::kSuccess));
  EXPECT_FALSE(TaskTransitionAllowed(S::kSuccess, S::kRunning));
  EXPECT_FALSE(TaskTransitionAllowed(S::kFailed, S::kWaiting));
  EXPECT_TRUE(TaskTransitionAllowed(S::kCanceled, S::kWaiting));
  EXPECT_FALSE(TaskTransitionAllowed(S::kWaiting, S::kFailed));
  EXPECT_TRUE(JobTransitionAllowed(S::kWaiting, S::kRunning));
  EXPECT_TRUE(JobTransitionAllowed(S::kFailed, S::kWaiting));  // rerun
  EXPECT_FALSE(JobTransitionAllowed(S::kSuccess, S::kRunning));
  EXPECT_FALSE(JobTransitionAllowed(S::kRunning, S::kWaiting));
}

}  // namespace
}  // namespace fedflow::coordinator
