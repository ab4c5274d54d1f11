#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/json_util.h"
#include "coordinator_types.h"

#ifndef ASSERT_OK_AND_ASSIGN
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)                           \
  auto tmp = (rexpr);                                                        \
  ASSERT_TRUE(tmp.ok()) << #rexpr << " failed: " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(FEDFLOW_CONCAT(_assign_, __LINE__), lhs, rexpr)
#endif

namespace fedflow::testing {

// A FATE DSL v2 job of Probe components (fedflow's diagnostic module) with its runtime conf v2,
// built in the test so each test shows the job it runs. By default: guest 9999, host 10000,
// arbiter 10001, task_parallelism 2, auto_retries 0.
//   ProbeJob job = ProbeJob::Chain(5);
//   job.Param("probe_2", {{"sleep_ms", 200}}).RoleParam("guest", "probe_1", {{"fail", true}});
//   cluster.Submit(job.dsl(), job.conf());
class ProbeJob {
 public:
  ProbeJob();

  // probe_0 -> probe_1 -> ... -> probe_<n-1>.
  static ProbeJob Chain(int n);
  // a -> b, a -> c, (b, c) -> d.
  static ProbeJob Diamond();

  // Adds a component reading the data output of each of `upstream`.
  ProbeJob& Add(const std::string& name, const std::vector<std::string>& upstream = {});
  // component_parameters.common.<component> (merged into what is there).
  ProbeJob& Param(const std::string& component, const Json& params);
  // component_parameters.role.<role>."0".<component>.
  ProbeJob& RoleParam(const std::string& role, const std::string& component, const Json& params);
  // job_parameters.common.<key>.
  ProbeJob& JobParam(const std::string& key, const Json& value);

  Json& dsl_json() { return dsl_; }
  Json& conf_json() { return conf_; }
  std::string dsl() const { return DumpJson(dsl_); }
  std::string conf() const { return DumpJson(conf_); }

  static constexpr int64_t kGuest = 9999;
  static constexpr int64_t kHost = 10000;
  static constexpr int64_t kArbiter = 10001;

 private:
  Json dsl_;
  Json conf_;
};

// The task rows of `component` in a queried job (one per party).
std::vector<thrift::TTaskInfo> TasksOf(const thrift::TJobInfo& job, const std::string& component);
// The row of `component` on `role`; fails the test (and returns an empty row) when absent.
thrift::TTaskInfo TaskOf(const thrift::TJobInfo& job, const std::string& component,
                         const std::string& role);
// A one-line summary of a job's rows for failure messages.
std::string DescribeJob(const thrift::TJobInfo& job);

// Milliseconds since `start`.
inline int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

}  // namespace fedflow::testing
