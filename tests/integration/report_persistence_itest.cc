// An agent keeps the status reports the leader has not acknowledged in its LevelDB store and
// sends them after a restart: a task that finished while no coordinator was reachable, on an
// agent that was then restarted, still counts.
#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/probe_job.h"

namespace fedflow::testing {
namespace {

using std::chrono::seconds;

class ReportPersistenceITest : public FedflowTest {};

TEST_F(ReportPersistenceITest, ReportsSurviveAnAgentRestartWhileNoLeaderIsUp) {
  MiniCluster::Options o;
  o.dir = test_dir() + "/cluster";
  o.parties = {9999, 10000};
  MiniCluster cluster(o);
  ASSERT_OK(cluster.Start());
  ProbeJob job = ProbeJob::Chain(1);
  job.conf_json()["role"] = Json{{"guest", {9999}}, {"host", {10000}}};
  job.Param("probe_0", {{"sleep_ms", 1500}});
  ASSERT_OK_AND_ASSIGN(std::string id, cluster.Submit(job.dsl(), job.conf()));
  ASSERT_EVENTUALLY(seconds(15), [&] {
    ASSERT_OK_AND_ASSIGN(thrift::TJobInfo q, cluster.Query(id));
    for (const auto& t : q.tasks) ASSERT_EQ("running", t.party_status) << DescribeJob(q);
  });
  // No leader while the tasks finish: their success reports cannot be delivered.
  ASSERT_OK(cluster.StopCoordinator(0));
  ASSERT_EVENTUALLY(seconds(15), [&] { ASSERT_EQ(0, cluster.CountTaskProcesses(id)); });
  // The guest's agent restarts (same data dir and id) with its report still undelivered.
  ASSERT_OK(cluster.StopAgent(9999, 0));
  ASSERT_OK(cluster.RestartAgent(9999, 0));
  ASSERT_OK(cluster.RestartCoordinator(0));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo end, cluster.WaitForEnd(id, seconds(60)));
  EXPECT_EQ("success", end.status) << DescribeJob(end);
  for (const auto& t : end.tasks) EXPECT_EQ("success", t.party_status) << DescribeJob(end);
  // The success came from the store of the restarted agent, not from a live task.
  std::string log = ReadFileOrDie(o.dir + "/logs/agent-9999-0.out");
  EXPECT_NE(std::string::npos, log.find("unacknowledged reports from an earlier run")) << log;
}

}  // namespace
}  // namespace fedflow::testing
