#include "common/status.h"

#include <memory>

#include "tests/harness/test_util.h"

namespace fedflow {
namespace {

Status FailsWith(Status s) { return s; }

Status UsesReturnNotOk(Status inner, bool* reached_end) {
  RETURN_NOT_OK(inner);
  *reached_end = true;
  return Status::OK();
}

Status UsesPrepend(Status inner) {
  RETURN_NOT_OK_PREPEND(inner, "loading job 42");
  return Status::OK();
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Status::InvalidArgument(std::to_string(x) + " is odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  ASSIGN_OR_RETURN(int h, Half(x));
  ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ("OK", s.ToString());
  EXPECT_EQ("", s.message());
}

TEST(StatusTest, CodesAndMessages) {
  Status s = Status::NotFound("table t1");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(s.IsNotFound());
  EXPECT_FALSE(s.IsInvalidArgument());
  EXPECT_EQ("table t1", s.message());
  EXPECT_EQ("Not found: table t1", s.ToString());
  EXPECT_TRUE(Status::Aborted("x").IsAborted());
  EXPECT_TRUE(Status::NotLeader("x").IsNotLeader());
  EXPECT_TRUE(Status::TimedOut("x").IsTimedOut());
}

TEST(StatusTest, PrependAndAppendKeepCode) {
  Status s = Status::IOError("disk full").CloneAndPrepend("writing table t1");
  EXPECT_TRUE(s.IsIOError());
  EXPECT_EQ("writing table t1: disk full", s.message());
  EXPECT_EQ("disk full: sector 7", Status::IOError("disk full").CloneAndAppend("sector 7").message());
  EXPECT_TRUE(Status::OK().CloneAndPrepend("ctx").ok());
}

TEST(StatusTest, ReturnNotOkStopsAtFirstError) {
  bool reached = false;
  EXPECT_TRUE(UsesReturnNotOk(Status::Unavailable("zk down"), &reached).IsUnavailable());
  EXPECT_FALSE(reached);
  EXPECT_TRUE(UsesReturnNotOk(Status::OK(), &reached).ok());
  EXPECT_TRUE(reached);
  Status p = UsesPrepend(FailsWith(Status::Internal("boom")));
  EXPECT_EQ("Internal error: loading job 42: boom", p.ToString());
}

TEST(ResultTest, ValueOrStatus) {
  auto q = Quarter(12);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(3, *q);
  auto bad = Quarter(6);  // 6 -> 3 -> odd
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ("3 is odd", bad.status().message());
  EXPECT_EQ(7, bad.ValueOr(7));
}

TEST(ResultTest, OkStatusWithoutValueBecomesInternal) {
  Result<int> r{Status::OK()};
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().IsInternal());
}

TEST(ResultTest, MoveOnlyValues) {
  Result<std::unique_ptr<int>> r(std::make_unique<int>(5));
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  EXPECT_EQ(5, *p);
}

}  // namespace
}  // namespace fedflow
