// Losing daemons mid-job, with real processes killed for real (kill -9): the only agent of a
// party (gone for good, or back at once), one of a party's two agents, the leader coordinator
// (with a job running, and with a job waiting for cores). Each test starts its own cluster,
// since a kill leaves it changed.

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/probe_job.h"

namespace fedflow::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr auto kSettle = seconds(15);

class FaultToleranceITest : public FedflowTest {
 protected:
  MiniCluster::Options ClusterOptions() const {
    MiniCluster::Options o;
    o.dir = test_dir() + "/cluster";
    return o;
  }

  // Waits until every party's task of `component` runs, and returns the job's view then.
  static void AwaitRunning(MiniCluster* cluster, const std::string& id,
                           const std::string& component, thrift::TJobInfo* out) {
    ASSERT_EVENTUALLY(kSettle, [&] {
      ASSERT_OK_AND_ASSIGN(thrift::TJobInfo q, cluster->Query(id));
      ASSERT_EQ("running", q.status) << DescribeJob(q);
      std::vector<thrift::TTaskInfo> tasks = TasksOf(q, component);
      ASSERT_EQ(3u, tasks.size());
      for (const thrift::TTaskInfo& t : tasks) {
        ASSERT_EQ("running", t.party_status) << DescribeJob(q);
      }
      ASSERT_GE(cluster->CountTaskProcesses(id), 3);
      *out = q;
    });
  }
};

// f. kill -9 of the only agent of a party mid-task fails the job within a bounded time
// (ZooKeeper session timeout + the coordinator's grace period, well under 20 s), with a reason
// naming the lost agent, and stops the other parties' tasks.
TEST_F(FaultToleranceITest, LosingTheOnlyAgentOfAPartyFailsTheJobInBoundedTime) {
  MiniCluster cluster(ClusterOptions());
  ASSERT_OK(cluster.Start());
  ProbeJob job = ProbeJob::Chain(3);
  job.Param("probe_1", {{"sleep_ms", 60000}});
  ASSERT_OK_AND_ASSIGN(std::string id, cluster.Submit(job.dsl(), job.conf()));
  thrift::TJobInfo running;
  ASSERT_NO_FATAL_FAILURE(AwaitRunning(&cluster, id, "probe_1", &running));

  const auto kill_at = std::chrono::steady_clock::now();
  ASSERT_OK(cluster.KillAgent(ProbeJob::kHost, 0));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster.WaitForEnd(id, seconds(40)));
  const int64_t took_ms = MsSince(kill_at);
  RecordProperty("job_failed_after_kill_ms", std::to_string(took_ms));
  ASSERT_EQ("failed", info.status) << DescribeJob(info);
  EXPECT_LT(took_ms, 20000);
  // The agent might have come back: its tasks are failed only after the grace period.
  EXPECT_GE(took_ms, cluster.options().agent_lost_grace_ms);
  EXPECT_THAT(info.fail_reason, HasSubstr("agent 10000-0 lost"));
  thrift::TTaskInfo host = TaskOf(info, "probe_1", "host");
  EXPECT_EQ("failed", host.party_status);
  EXPECT_THAT(host.error, HasSubstr("agent 10000-0 lost"));
  // The host's task died with its agent; the others are stopped by the coordinator.
  ASSERT_EVENTUALLY(kSettle, [&] { ASSERT_EQ(0, cluster.CountTaskProcesses(id)); });
  ASSERT_EVENTUALLY(kSettle, [&] {
    ASSERT_OK_AND_ASSIGN(thrift::TJobInfo q, cluster.Query(id));
    EXPECT_EQ("canceled", TaskOf(q, "probe_1", "guest").party_status) << DescribeJob(q);
    EXPECT_EQ("canceled", TaskOf(q, "probe_1", "arbiter").party_status) << DescribeJob(q);
  });

  // The agent comes back (same id, port and store): the party can run jobs again.
  ASSERT_OK(cluster.RestartAgent(ProbeJob::kHost, 0));
  ProbeJob again = ProbeJob::Chain(2);
  ASSERT_OK_AND_ASSIGN(std::string id2, cluster.Submit(again.dsl(), again.conf()));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info2, cluster.WaitForEnd(id2, seconds(60)));
  EXPECT_EQ("success", info2.status) << DescribeJob(info2);
  EXPECT_EQ("10000-0", TaskOf(info2, "probe_0", "host").agent_id);
}

// An agent that dies mid-task and is back (same id) before ZooKeeper notices it left: the
// task died with it, so the task must still end (failed), not stay running for ever.
TEST_F(FaultToleranceITest, AgentRestartedMidTaskDoesNotLeaveTheTaskRunning) {
  MiniCluster cluster(ClusterOptions());
  ASSERT_OK(cluster.Start());
  ProbeJob job = ProbeJob::Chain(3);
  job.Param("probe_1", {{"sleep_ms", 60000}});
  ASSERT_OK_AND_ASSIGN(std::string id, cluster.Submit(job.dsl(), job.conf()));
  thrift::TJobInfo running;
  ASSERT_NO_FATAL_FAILURE(AwaitRunning(&cluster, id, "probe_1", &running));

  const auto kill_at = std::chrono::steady_clock::now();
  ASSERT_OK(cluster.KillAgent(ProbeJob::kHost, 0));
  ASSERT_OK(cluster.RestartAgent(ProbeJob::kHost, 0));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster.WaitForEnd(id, seconds(40)));
  const int64_t took_ms = MsSince(kill_at);
  RecordProperty("job_failed_after_kill_ms", std::to_string(took_ms));
  ASSERT_EQ("failed", info.status) << DescribeJob(info);
  EXPECT_LT(took_ms, 20000);
  thrift::TTaskInfo host = TaskOf(info, "probe_1", "host");
  EXPECT_EQ("failed", host.party_status) << DescribeJob(info);
  EXPECT_THAT(host.error, HasSubstr("10000-0")) << DescribeJob(info);
  ASSERT_EVENTUALLY(kSettle, [&] { ASSERT_EQ(0, cluster.CountTaskProcesses(id)); });
}

// g. With two agents for the party and auto_retries, losing the agent that runs the party's
// task reruns the component (task_version 1) on the surviving agent, after rebuilding there
// the upstream outputs lost with the victim, and the job succeeds.
TEST_F(FaultToleranceITest, SecondAgentOfThePartyTakesOverTheRetry) {
  MiniCluster::Options o = ClusterOptions();
  o.agents_for_party[ProbeJob::kHost] = 2;
  MiniCluster cluster(o);
  ASSERT_OK(cluster.Start());
  ProbeJob job = ProbeJob::Chain(3);
  job.JobParam("auto_retries", 1).Param("probe_1", {{"sleep_ms", 2000}});
  ASSERT_OK_AND_ASSIGN(std::string id, cluster.Submit(job.dsl(), job.conf()));
  thrift::TJobInfo running;
  ASSERT_NO_FATAL_FAILURE(AwaitRunning(&cluster, id, "probe_1", &running));
  const std::string victim = TaskOf(running, "probe_1", "host").agent_id;
  const int victim_index = MiniCluster::AgentIndex(victim);
  ASSERT_TRUE(victim_index == 0 || victim_index == 1) << victim;

  ASSERT_OK(cluster.KillAgent(ProbeJob::kHost, victim_index));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster.WaitForEnd(id, seconds(60)));
  ASSERT_EQ("success", info.status) << DescribeJob(info);
  for (const thrift::TTaskInfo& t : TasksOf(info, "probe_1")) {
    EXPECT_EQ(1, t.task_version) << DescribeJob(info);
    EXPECT_EQ("success", t.party_status) << DescribeJob(info);
  }
  const std::string survivor = MiniCluster::AgentId(ProbeJob::kHost, 1 - victim_index);
  EXPECT_EQ(survivor, TaskOf(info, "probe_1", "host").agent_id) << DescribeJob(info);
  ASSERT_OK_AND_ASSIGN(std::vector<thrift::TAgentTask> tasks,
                       cluster.AgentTasks(ProbeJob::kHost, 1 - victim_index, id));
  bool ran_retry = false;
  for (const thrift::TAgentTask& t : tasks) {
    ran_retry |=
        t.key.component == "probe_1" && t.key.task_version == 1 && t.party_status == "success";
  }
  EXPECT_TRUE(ran_retry) << survivor << " did not run probe_1 v1";
  // Placement with data: probe_1 reads probe_0's output, which was lost with the victim, so
  // probe_0 ran again (task version 1) on the survivor before probe_1's retry; probe_2 ran
  // where the outputs are.
  for (const thrift::TTaskInfo& t : TasksOf(info, "probe_0")) {
    EXPECT_EQ(1, t.task_version) << DescribeJob(info);
    EXPECT_EQ("success", t.party_status) << DescribeJob(info);
  }
  EXPECT_EQ(survivor, TaskOf(info, "probe_0", "host").agent_id) << DescribeJob(info);
  EXPECT_EQ(survivor, TaskOf(info, "probe_2", "host").agent_id) << DescribeJob(info);
  ASSERT_EVENTUALLY(kSettle, [&] { ASSERT_EQ(0, cluster.CountTaskProcesses()); });
}

// h. kill -9 of the leader coordinator mid-job with a standby running: the standby takes over,
// rebuilds from ZooKeeper, and the job still succeeds without rerunning anything.
TEST_F(FaultToleranceITest, StandbyCoordinatorFinishesTheJobAfterTheLeaderDies) {
  MiniCluster::Options o = ClusterOptions();
  o.coordinators = 2;
  MiniCluster cluster(o);
  ASSERT_OK(cluster.Start());
  ASSERT_OK_AND_ASSIGN(int leader, cluster.LeaderIndex());
  ProbeJob job = ProbeJob::Chain(5);
  for (int i = 0; i < 5; ++i) {
    job.Param("probe_" + std::to_string(i), {{"sleep_ms", i == 1 ? 3000 : 500}});
  }
  ASSERT_OK_AND_ASSIGN(std::string id, cluster.Submit(job.dsl(), job.conf()));
  thrift::TJobInfo running;
  ASSERT_NO_FATAL_FAILURE(AwaitRunning(&cluster, id, "probe_1", &running));

  const auto kill_at = std::chrono::steady_clock::now();
  ASSERT_OK(cluster.KillCoordinator(leader));
  ASSERT_EVENTUALLY(cluster.patience(), [&] {
    ASSERT_OK_AND_ASSIGN(int now_leading, cluster.LeaderIndex());
    ASSERT_EQ(1 - leader, now_leading);
  });
  RecordProperty("standby_elected_after_ms", std::to_string(MsSince(kill_at)));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster.WaitForEnd(id, seconds(90)));
  RecordProperty("job_ended_after_kill_ms", std::to_string(MsSince(kill_at)));
  ASSERT_EQ("success", info.status) << DescribeJob(info);
  EXPECT_EQ(100, info.progress);
  ASSERT_EQ(15u, info.tasks.size()) << DescribeJob(info);
  for (const thrift::TTaskInfo& t : info.tasks) {
    EXPECT_EQ("success", t.party_status) << DescribeJob(info);
    EXPECT_EQ(0, t.task_version) << DescribeJob(info);
  }
  ASSERT_EVENTUALLY(kSettle, [&] { ASSERT_EQ(0, cluster.CountTaskProcesses()); });

  // The old leader comes back as a standby: leadership does not move back.
  ASSERT_OK(cluster.RestartCoordinator(leader));
  ASSERT_OK_AND_ASSIGN(int after_restart, cluster.LeaderIndex());
  EXPECT_EQ(1 - leader, after_restart);
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo queried, cluster.Query(id));
  EXPECT_EQ("success", queried.status);
}

// A new leader learns the live agents from ZooKeeper only after it has loaded the jobs. A
// component that is ready but waits for a free core when the leader dies must wait on the new
// leader too, not fail with "has no live agent" because the agents are not known yet.
TEST_F(FaultToleranceITest, StandbyDoesNotFailReadyComponentsBeforeItKnowsTheAgents) {
  MiniCluster::Options o = ClusterOptions();
  o.coordinators = 2;
  o.agent_cores = 1;
  MiniCluster cluster(o);
  ASSERT_OK(cluster.Start());
  ASSERT_OK_AND_ASSIGN(int leader, cluster.LeaderIndex());
  // Job x holds every agent's only core for longer than the leader change takes.
  ProbeJob x = ProbeJob::Chain(1);
  x.Param("probe_0", {{"sleep_ms", 8000}});
  ASSERT_OK_AND_ASSIGN(std::string x_id, cluster.Submit(x.dsl(), x.conf()));
  thrift::TJobInfo running;
  ASSERT_NO_FATAL_FAILURE(AwaitRunning(&cluster, x_id, "probe_0", &running));
  // Job y is ready to start but waits for a core.
  ProbeJob y = ProbeJob::Chain(1);
  ASSERT_OK_AND_ASSIGN(std::string y_id, cluster.Submit(y.dsl(), y.conf()));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo y_before, cluster.Query(y_id));
  ASSERT_EQ("running", y_before.status) << DescribeJob(y_before);
  ASSERT_EQ("waiting", TaskOf(y_before, "probe_0", "guest").party_status);

  ASSERT_OK(cluster.KillCoordinator(leader));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo x_info, cluster.WaitForEnd(x_id, seconds(60)));
  EXPECT_EQ("success", x_info.status) << DescribeJob(x_info);
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo y_info, cluster.WaitForEnd(y_id, seconds(60)));
  EXPECT_EQ("success", y_info.status) << DescribeJob(y_info);
  // y ran once x had freed the cores.
  EXPECT_GE(TaskOf(y_info, "probe_0", "guest").start_time_ms,
            TaskOf(x_info, "probe_0", "guest").end_time_ms);
}

}  // namespace
}  // namespace fedflow::testing
