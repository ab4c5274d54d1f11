// The control plane end to end on one shared cluster of real processes (ZooKeeper, a
// coordinator, one agent per party, fedflow-task processes): DAG scheduling, cross-party status
// sync, failures, stop, retries and refused jobs. Each test runs its own job and leaves no task
// process behind (checked after every test). Loss of agents and coordinators is in
// fault_tolerance_itest.cc.

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/probe_job.h"
#include "tests/integration/shared_cluster.h"

namespace fedflow::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr auto kJobTimeout = seconds(60);
constexpr auto kSettle = seconds(15);
const std::map<std::string, int64_t> kPartyOfRole = {
    {"guest", ProbeJob::kGuest}, {"host", ProbeJob::kHost}, {"arbiter", ProbeJob::kArbiter}};

class ControlPlaneITest : public FedflowTest {
 protected:
  static void SetUpTestSuite() {
    shared_ = new SharedCluster();
    shared_->Start("ControlPlaneITest", MiniCluster::Options());
  }
  static void TearDownTestSuite() {
    shared_->Stop();
    delete shared_;
    shared_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(shared_->started()) << "the cluster did not start: " << shared_->status();
  }
  void TearDown() override {
    if (!shared_->started()) return;
    // Isolation: whatever a test did, no task process of the cluster outlives it.
    ASSERT_EVENTUALLY(kSettle, [&] { ASSERT_EQ(0, cluster().CountTaskProcesses()); });
  }

  static MiniCluster& cluster() { return *shared_->cluster(); }

  // Submits `job` and waits for it to end.
  static void RunToEnd(const ProbeJob& job, thrift::TJobInfo* info) {
    ASSERT_OK_AND_ASSIGN(std::string id, cluster().Submit(job.dsl(), job.conf()));
    ASSERT_OK_AND_ASSIGN(*info, cluster().WaitForEnd(id, kJobTimeout));
  }

  // Waits until every party's task of `component` runs as a live process.
  static void AwaitRunning(const std::string& id, const std::string& component) {
    ASSERT_EVENTUALLY(kSettle, [&] {
      ASSERT_OK_AND_ASSIGN(thrift::TJobInfo q, cluster().Query(id));
      ASSERT_EQ("running", q.status) << DescribeJob(q);
      for (const thrift::TTaskInfo& t : TasksOf(q, component)) {
        ASSERT_EQ("running", t.party_status) << DescribeJob(q);
      }
      ASSERT_EQ(3, cluster().CountTaskProcesses(id));
    });
  }

  // The tasks agent 0 of `party` knows for the job, keyed by "component/v<version>".
  static std::map<std::string, thrift::TAgentTask> AgentView(int64_t party, const std::string& id) {
    std::map<std::string, thrift::TAgentTask> out;
    auto tasks = cluster().AgentTasks(party, 0, id);
    EXPECT_TRUE(tasks.ok()) << tasks.status();
    if (!tasks.ok()) return out;
    for (const thrift::TAgentTask& t : *tasks) {
      out[t.key.component + "/v" + std::to_string(t.key.task_version)] = t;
    }
    return out;
  }

  static SharedCluster* shared_;
};

SharedCluster* ControlPlaneITest::shared_ = nullptr;

// a. A 5-component chain over guest, host and arbiter succeeds, and every party's rows agree,
// in the coordinator's view and in each agent's own.
TEST_F(ControlPlaneITest, ChainSucceedsAndEveryPartyAgrees) {
  ProbeJob job = ProbeJob::Chain(5);
  job.Param("probe_2", {{"sleep_ms", 200}});
  thrift::TJobInfo info;
  ASSERT_NO_FATAL_FAILURE(RunToEnd(job, &info));
  ASSERT_EQ("success", info.status) << DescribeJob(info);
  EXPECT_EQ(100, info.progress);
  ASSERT_EQ(15u, info.tasks.size()) << DescribeJob(info);

  std::map<std::string, std::set<std::string>> roles_of;
  std::map<std::string, std::pair<int64_t, int64_t>> span;  // First start, last end.
  for (const thrift::TTaskInfo& t : info.tasks) {
    SCOPED_TRACE(t.component + "/" + t.role);
    EXPECT_TRUE(roles_of[t.component].insert(t.role).second) << "two rows for one party";
    ASSERT_TRUE(kPartyOfRole.count(t.role));
    EXPECT_EQ(kPartyOfRole.at(t.role), t.party_id);
    EXPECT_EQ(0, t.task_version);
    EXPECT_EQ("success", t.status);
    EXPECT_EQ("success", t.party_status);
    EXPECT_EQ(MiniCluster::AgentId(t.party_id, 0), t.agent_id);
    EXPECT_GT(t.start_time_ms, 0);
    EXPECT_GE(t.end_time_ms, t.start_time_ms);
    auto& [first, last] = span.try_emplace(t.component, INT64_MAX, 0).first->second;
    first = std::min(first, t.start_time_ms);
    last = std::max(last, t.end_time_ms);
  }
  EXPECT_EQ(5u, roles_of.size());
  for (const auto& [component, roles] : roles_of) EXPECT_EQ(3u, roles.size()) << component;
  // A component starts on any party only after its upstream ended on every party.
  for (int i = 1; i < 5; ++i) {
    const std::string up = "probe_" + std::to_string(i - 1), me = "probe_" + std::to_string(i);
    EXPECT_GE(span[me].first, span[up].second) << me << " started before " << up << " ended";
  }
  // Each party's agent ran the same five tasks and was told the federated status.
  for (const auto& [role, party] : kPartyOfRole) {
    SCOPED_TRACE("agent of " + role);
    ASSERT_EVENTUALLY(kSettle, [&] {
      auto view = AgentView(party, info.job_id);
      ASSERT_EQ(5u, view.size());
      for (int i = 0; i < 5; ++i) {
        const thrift::TAgentTask& t = view["probe_" + std::to_string(i) + "/v0"];
        EXPECT_EQ(role, t.key.role);
        EXPECT_EQ(party, t.key.party_id);
        EXPECT_EQ("success", t.party_status);
        EXPECT_EQ("success", t.federated_status);
      }
    });
  }
}

// A task's reported [start, end] covers its work: a Probe that sleeps 300 ms ran >= 300 ms
// (less 1 ms, as both ends are truncated to milliseconds).
TEST_F(ControlPlaneITest, TaskTimesCoverTheTaskWork) {
  ProbeJob job = ProbeJob::Chain(1);
  job.Param("probe_0", {{"sleep_ms", 300}});
  thrift::TJobInfo info;
  ASSERT_NO_FATAL_FAILURE(RunToEnd(job, &info));
  ASSERT_EQ("success", info.status) << DescribeJob(info);
  for (const thrift::TTaskInfo& t : info.tasks) {
    EXPECT_GE(t.end_time_ms - t.start_time_ms, 299) << DescribeJob(info);
  }
}

// One party id may play several roles in a job (FATE's examples often use one id for guest,
// host and arbiter): its agent runs one task per role, keyed apart.
TEST_F(ControlPlaneITest, OnePartyPlayingEveryRoleRunsOneTaskPerRole) {
  ProbeJob job = ProbeJob::Chain(2);
  job.conf_json()["role"] = {
      {"guest", {ProbeJob::kGuest}}, {"host", {ProbeJob::kGuest}}, {"arbiter", {ProbeJob::kGuest}}};
  job.Param("probe_0", {{"sleep_ms", 200}});
  thrift::TJobInfo info;
  ASSERT_NO_FATAL_FAILURE(RunToEnd(job, &info));
  ASSERT_EQ("success", info.status) << DescribeJob(info);
  ASSERT_EQ(6u, info.tasks.size()) << DescribeJob(info);
  std::set<std::string> keys;
  for (const thrift::TTaskInfo& t : info.tasks) {
    EXPECT_EQ(ProbeJob::kGuest, t.party_id);
    EXPECT_EQ("success", t.party_status);
    keys.insert(t.component + "/" + t.role);
  }
  EXPECT_EQ(6u, keys.size());
  ASSERT_OK_AND_ASSIGN(std::vector<thrift::TAgentTask> tasks,
                       cluster().AgentTasks(ProbeJob::kGuest, 0, info.job_id));
  EXPECT_EQ(6u, tasks.size());
  for (const thrift::TAgentTask& t : tasks) EXPECT_EQ("success", t.party_status);
}

// b. A diamond's branches run in parallel when task_parallelism allows it, and only then.
TEST_F(ControlPlaneITest, DiamondBranchesRunInParallelOnlyWhenAllowed) {
  for (int parallelism : {2, 1}) {
    SCOPED_TRACE("task_parallelism " + std::to_string(parallelism));
    ProbeJob job = ProbeJob::Diamond();
    job.JobParam("task_parallelism", parallelism)
        .Param("b", {{"sleep_ms", 1000}})
        .Param("c", {{"sleep_ms", 1000}});
    thrift::TJobInfo info;
    ASSERT_NO_FATAL_FAILURE(RunToEnd(job, &info));
    ASSERT_EQ("success", info.status) << DescribeJob(info);
    for (const auto& [role, party] : kPartyOfRole) {
      thrift::TTaskInfo b = TaskOf(info, "b", role), c = TaskOf(info, "c", role);
      bool overlap = b.start_time_ms < c.end_time_ms && c.start_time_ms < b.end_time_ms;
      EXPECT_EQ(parallelism > 1, overlap)
          << role << ": b [" << b.start_time_ms << ", " << b.end_time_ms << "], c ["
          << c.start_time_ms << ", " << c.end_time_ms << "]";
      EXPECT_GE(TaskOf(info, "d", role).start_time_ms, std::max(b.end_time_ms, c.end_time_ms));
    }
  }
}

// c. One party's failure fails the component on every party and the job, with its reason;
// the other parties' tasks of that component are stopped at once, not left to run.
TEST_F(ControlPlaneITest, FailingTaskFailsComponentOnAllPartiesAndJob) {
  ProbeJob job = ProbeJob::Chain(3);
  job.Param("probe_1", {{"sleep_ms", 60000}})
      .RoleParam("guest", "probe_1", {{"fail", true}, {"sleep_ms", 0}});
  ASSERT_OK_AND_ASSIGN(std::string id, cluster().Submit(job.dsl(), job.conf()));
  // Far less than the others' 60 s sleep: they are stopped, not waited for.
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster().WaitForEnd(id, seconds(30)));
  ASSERT_EQ("failed", info.status) << DescribeJob(info);
  EXPECT_THAT(info.fail_reason, HasSubstr("probe_1"));
  EXPECT_THAT(info.fail_reason, HasSubstr("Probe: failing as requested (fail=true)"));

  ASSERT_EVENTUALLY(kSettle, [&] {
    ASSERT_OK_AND_ASSIGN(thrift::TJobInfo q, cluster().Query(id));
    for (const thrift::TTaskInfo& t : TasksOf(q, "probe_1")) {
      EXPECT_EQ("failed", t.status) << DescribeJob(q);
      EXPECT_EQ(t.role == "guest" ? "failed" : "canceled", t.party_status) << DescribeJob(q);
    }
    EXPECT_THAT(TaskOf(q, "probe_1", "guest").error, HasSubstr("fail=true"));
  });
  ASSERT_EVENTUALLY(kSettle, [&] { ASSERT_EQ(0, cluster().CountTaskProcesses(id)); });
  for (const auto& [role, party] : kPartyOfRole) {
    auto view = AgentView(party, id);
    EXPECT_EQ(0u, view.count("probe_2/v0")) << role << " ran a component after the failure";
    EXPECT_EQ(role == "guest" ? "failed" : "canceled", view["probe_1/v0"].party_status) << role;
  }
}

// d. Stop cancels a running job: every running task on every party is stopped and no task
// process of the job is left.
TEST_F(ControlPlaneITest, StopCancelsRunningJobAndLeavesNoProcess) {
  ProbeJob job = ProbeJob::Chain(3);
  job.Param("probe_1", {{"sleep_ms", 60000}});
  ASSERT_OK_AND_ASSIGN(std::string id, cluster().Submit(job.dsl(), job.conf()));
  ASSERT_NO_FATAL_FAILURE(AwaitRunning(id, "probe_1"));

  ASSERT_OK(cluster().StopJob(id));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster().WaitForEnd(id, seconds(10)));
  EXPECT_EQ("canceled", info.status) << DescribeJob(info);
  ASSERT_EVENTUALLY(seconds(10), [&] { ASSERT_EQ(0, cluster().CountTaskProcesses(id)); });
  ASSERT_EVENTUALLY(kSettle, [&] {
    ASSERT_OK_AND_ASSIGN(thrift::TJobInfo q, cluster().Query(id));
    for (const thrift::TTaskInfo& t : TasksOf(q, "probe_1")) {
      EXPECT_EQ("canceled", t.party_status) << DescribeJob(q);
      EXPECT_EQ("canceled", t.status) << DescribeJob(q);
    }
  });
  for (const auto& [role, party] : kPartyOfRole) {
    auto view = AgentView(party, id);
    EXPECT_EQ("canceled", view["probe_1/v0"].party_status) << role;
    EXPECT_EQ(0u, view.count("probe_2/v0")) << role << " started a component after the stop";
  }
  // A second stop is refused: the job has ended.
  Status again = cluster().StopJob(id);
  EXPECT_TRUE(again.IsIllegalState()) << again;
}

// e. auto_retries turns a component that fails its first attempt into a success: a new
// task_version on every party of that component, not only on the party that failed.
TEST_F(ControlPlaneITest, AutoRetryRunsNewTaskVersionOnAllParties) {
  ProbeJob job = ProbeJob::Chain(3);
  job.JobParam("auto_retries", 1).RoleParam("guest", "probe_1", {{"fail_attempts", 1}});
  thrift::TJobInfo info;
  ASSERT_NO_FATAL_FAILURE(RunToEnd(job, &info));
  ASSERT_EQ("success", info.status) << DescribeJob(info);
  for (const thrift::TTaskInfo& t : info.tasks) {
    EXPECT_EQ(t.component == "probe_1" ? 1 : 0, t.task_version) << DescribeJob(info);
    EXPECT_EQ("success", t.party_status) << DescribeJob(info);
  }
  for (const auto& [role, party] : kPartyOfRole) {
    auto view = AgentView(party, info.job_id);
    ASSERT_EQ(1u, view.count("probe_1/v0")) << role << " never ran the first attempt";
    EXPECT_NE("running", view["probe_1/v0"].party_status) << role;
    EXPECT_EQ("success", view["probe_1/v1"].party_status) << role;
  }
  auto guest = AgentView(ProbeJob::kGuest, info.job_id);
  EXPECT_EQ("failed", guest["probe_1/v0"].party_status);
  EXPECT_THAT(guest["probe_1/v0"].error, HasSubstr("fail_attempts"));
}

// i. An invalid job is refused at submit with the planner's error, and nothing is created.
TEST_F(ControlPlaneITest, InvalidJobIsRefusedAtSubmitAndNotCreated) {
  ASSERT_OK_AND_ASSIGN(std::vector<thrift::TJobInfo> before, cluster().ListJobs());

  ProbeJob missing_input = ProbeJob::Chain(2);
  missing_input.dsl_json()["components"]["probe_1"]["input"]["data"]["data"] = {"nowhere.data"};
  ProbeJob unknown_module = ProbeJob::Chain(2);
  unknown_module.dsl_json()["components"]["probe_0"]["module"] = "NoSuchModule";
  ProbeJob unknown_param = ProbeJob::Chain(2);
  unknown_param.Param("probe_0", {{"no_such_param", 1}});
  const std::vector<std::pair<ProbeJob*, std::string>> cases = {
      {&missing_input, "there is no component nowhere"},
      {&unknown_module, "component probe_0: unknown module NoSuchModule"},
      {&unknown_param, "unknown parameter \"no_such_param\""}};
  for (const auto& [job, error] : cases) {
    SCOPED_TRACE(error);
    auto id = cluster().Submit(job->dsl(), job->conf());
    ASSERT_FALSE(id.ok()) << "accepted as job " << *id;
    EXPECT_TRUE(id.status().IsInvalidArgument()) << id.status();
    EXPECT_THAT(id.status().message(), HasSubstr(error));
  }

  ASSERT_OK_AND_ASSIGN(std::vector<thrift::TJobInfo> after, cluster().ListJobs());
  std::vector<std::string> ids_before, ids_after;
  for (const auto& j : before) ids_before.push_back(j.job_id);
  for (const auto& j : after) ids_after.push_back(j.job_id);
  EXPECT_EQ(ids_before, ids_after);
}

// j. A task process that crashes reports failed naming the signal; the job fails with it.
TEST_F(ControlPlaneITest, CrashingTaskReportsFailedWithTheSignal) {
  ProbeJob job = ProbeJob::Chain(2);
  job.Param("probe_0", {{"sleep_ms", 60000}})
      .RoleParam("guest", "probe_0", {{"crash", true}, {"sleep_ms", 0}});
  ASSERT_OK_AND_ASSIGN(std::string id, cluster().Submit(job.dsl(), job.conf()));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster().WaitForEnd(id, seconds(30)));
  ASSERT_EQ("failed", info.status) << DescribeJob(info);
  EXPECT_THAT(info.fail_reason, HasSubstr("SIGABRT"));
  ASSERT_EVENTUALLY(kSettle, [&] {
    ASSERT_OK_AND_ASSIGN(thrift::TJobInfo q, cluster().Query(id));
    thrift::TTaskInfo guest = TaskOf(q, "probe_0", "guest");
    EXPECT_EQ("failed", guest.party_status);
    EXPECT_THAT(guest.error, HasSubstr("killed by signal SIGABRT"));
    EXPECT_EQ("canceled", TaskOf(q, "probe_0", "host").party_status);
    EXPECT_EQ("canceled", TaskOf(q, "probe_0", "arbiter").party_status);
  });
  ASSERT_EVENTUALLY(kSettle, [&] { ASSERT_EQ(0, cluster().CountTaskProcesses(id)); });
}

// j. A task that ignores SIGTERM is killed (SIGKILL after the agent's grace period) on stop.
TEST_F(ControlPlaneITest, TaskIgnoringSigtermIsKilledOnStop) {
  ProbeJob job = ProbeJob::Chain(2);
  job.Param("probe_0", {{"sleep_ms", 60000}, {"ignore_sigterm", true}});
  ASSERT_OK_AND_ASSIGN(std::string id, cluster().Submit(job.dsl(), job.conf()));
  ASSERT_NO_FATAL_FAILURE(AwaitRunning(id, "probe_0"));
  // Wait until each task has really turned SIGTERM off (the Probe logs it).
  for (const auto& [role, party] : kPartyOfRole) {
    const std::string log = cluster().dir() + "/agent-" + std::to_string(party) + "-0/jobs/" + id +
                            "/" + role + "/" + std::to_string(party) + "/probe_0/0/task.log";
    ASSERT_EVENTUALLY(kSettle,
                      [&] { ASSERT_THAT(ReadFileOrDie(log), HasSubstr("ignoring SIGTERM")); });
  }
  const auto stop_at = std::chrono::steady_clock::now();
  ASSERT_OK(cluster().StopJob(id));
  ASSERT_EVENTUALLY(seconds(10), [&] { ASSERT_EQ(0, cluster().CountTaskProcesses(id)); });
  // SIGTERM alone did not end them: they lived through the grace period, then were killed.
  EXPECT_GE(MsSince(stop_at), cluster().options().task_stop_grace_ms);
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster().WaitForEnd(id, seconds(10)));
  EXPECT_EQ("canceled", info.status) << DescribeJob(info);
  ASSERT_EVENTUALLY(kSettle, [&] {
    ASSERT_OK_AND_ASSIGN(thrift::TJobInfo q, cluster().Query(id));
    for (const thrift::TTaskInfo& t : TasksOf(q, "probe_0")) {
      EXPECT_EQ("canceled", t.party_status) << DescribeJob(q);
    }
  });
}

}  // namespace
}  // namespace fedflow::testing
