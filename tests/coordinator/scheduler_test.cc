// Unit tests of the scheduler's decisions with an in-memory job store and a fake agent
// gateway (the real processes are exercised by tests/integration).
#include "coordinator/scheduler.h"

#include <mutex>

#include "coordinator/in_memory_job_store.h"
#include "tests/harness/test_util.h"

namespace fedflow::coordinator {
namespace {

// Records every call; answers StartTask/StopTask with a configurable status, inline.
class FakeGateway : public AgentGateway {
 public:
  void StartTask(const std::string& endpoint, const StartTaskArgs& args,
                 std::function<void(Status)> done) override {
    Status s;
    {
      std::lock_guard<std::mutex> l(mu_);
      starts.push_back({endpoint, args});
      s = start_status;
    }
    done(s);
  }
  void StopTask(const std::string& endpoint, const TaskKey& key, const std::string& stop_status,
                const std::string&, std::function<void(Status)> done) override {
    {
      std::lock_guard<std::mutex> l(mu_);
      stops.push_back({endpoint, key, stop_status});
    }
    done(Status::OK());
  }
  void SyncTaskStatus(const std::string&, const TaskKey&, RunStatus) override {}
  void QueryTasks(const std::string&, const std::string&,
                  std::function<void(Result<std::vector<AgentTaskState>>)> done) override {
    done(std::vector<AgentTaskState>{});
  }

  struct Start {
    std::string endpoint;
    StartTaskArgs args;
  };
  struct Stop {
    std::string endpoint;
    TaskKey key;
    std::string status;
  };
  std::vector<Start> Starts() {
    std::lock_guard<std::mutex> l(mu_);
    return starts;
  }
  std::vector<Stop> Stops() {
    std::lock_guard<std::mutex> l(mu_);
    return stops;
  }

  std::mutex mu_;
  std::vector<Start> starts;
  std::vector<Stop> stops;
  Status start_status;
};

constexpr char kConf[] = R"({"dsl_version": 2,
  "initiator": {"role": "guest", "party_id": 9999},
  "role": {"guest": [9999], "host": [10000]},
  "job_parameters": {"common": {"task_parallelism": 2, "auto_retries": %d,
                                "auto_retry_delay": 0}}})";

JobSpec Spec(const std::string& dsl, const std::string& conf) {
  JobSpec s;
  s.dsl = dsl;
  s.conf = conf;
  return s;
}

AgentInfo Agent(const std::string& id, int64_t party, int64_t started_at_ms = 0) {
  AgentInfo a;
  a.agent_id = id;
  a.party_id = party;
  a.endpoint = id + ":1";
  a.cores = 4;
  a.started_at_ms = started_at_ms;
  return a;
}

std::string Conf(int retries) {
  char buf[512];
  std::snprintf(buf, sizeof(buf), kConf, retries);
  return buf;
}

// a -> b, a -> c, (b, c) -> d
constexpr char kDiamond[] = R"({"components": {
  "a": {"module": "Probe", "output": {"data": ["data"]}},
  "b": {"module": "Probe", "input": {"data": {"data": ["a.data"]}}, "output": {"data": ["data"]}},
  "c": {"module": "Probe", "input": {"data": {"data": ["a.data"]}}, "output": {"data": ["data"]}},
  "d": {"module": "Probe", "input": {"data": {"data": ["b.data", "c.data"]}},
        "output": {"data": ["data"]}}}})";

class SchedulerTest : public testing::FedflowTest {
 protected:
  void SetUp() override {
    SchedulerOptions o;
    o.agent_lost_grace_ms = 50;
    o.retry_stop_wait_ms = 200;
    sched_ = std::make_unique<Scheduler>(o, &store_, &gw_);
    ASSERT_OK(sched_->Start());
    sched_->SetAgents({Agent("g1", 9999), Agent("h1", 10000)});
  }

  // Reports `status` for every started task of `component` at its current version.
  void Report(const std::string& job, const std::string& component, RunStatus status,
              const std::string& role = "", const std::string& error = "") {
    for (const auto& s : gw_.Starts()) {
      const TaskKey& k = s.args.key;
      if (k.job_id != job || k.component != component) continue;
      if (!role.empty() && k.role != role) continue;
      TaskReport r;
      r.key = k;
      r.party_status = status;
      r.seq = ++seq_;
      r.error = error;
      ASSERT_OK(sched_->ReportTaskStatus(r));
    }
  }

  std::vector<std::string> Started(const std::string& job) {
    std::vector<std::string> out;
    for (const auto& s : gw_.Starts()) {
      if (s.args.key.job_id == job && s.args.key.role == "guest") {
        out.push_back(s.args.key.component + "/v" + std::to_string(s.args.key.task_version));
      }
    }
    return out;
  }

  JobView Query(const std::string& job) {
    auto v = sched_->QueryJob(job);
    EXPECT_TRUE(v.ok()) << v.status().ToString();
    return v.ok() ? *v : JobView{};
  }

  InMemoryJobStore store_;
  FakeGateway gw_;
  std::unique_ptr<Scheduler> sched_;
  int64_t seq_ = 0;
};

TEST_F(SchedulerTest, DiamondRunsBranchesTogetherAndSucceeds) {
  auto r = sched_->Submit(Spec(kDiamond, Conf(0)));
  ASSERT_OK(r);
  const std::string job = r->job_id;
  EXPECT_EQ(std::vector<std::string>{"a/v0"}, Started(job));
  Report(job, "a", RunStatus::kRunning);
  Report(job, "a", RunStatus::kSuccess);
  // task_parallelism 2: b and c start together, d waits for both.
  EXPECT_EQ((std::vector<std::string>{"a/v0", "b/v0", "c/v0"}), Started(job));
  Report(job, "b", RunStatus::kRunning);
  Report(job, "b", RunStatus::kSuccess);
  EXPECT_EQ(3u, Started(job).size());
  Report(job, "c", RunStatus::kRunning);
  Report(job, "c", RunStatus::kPass);  // pass counts as success
  EXPECT_EQ(4u, Started(job).size());
  Report(job, "d", RunStatus::kRunning);
  EXPECT_EQ(RunStatus::kRunning, Query(job).record.status);
  Report(job, "d", RunStatus::kSuccess);
  JobView v = Query(job);
  EXPECT_EQ(RunStatus::kSuccess, v.record.status);
  EXPECT_EQ(100, v.record.progress);
  EXPECT_EQ(8u, v.tasks.size());  // 4 components x 2 parties
}

TEST_F(SchedulerTest, OnePartyFailingStopsTheOthersAndFailsTheJob) {
  auto r = sched_->Submit(Spec(kDiamond, Conf(0)));
  ASSERT_OK(r);
  Report(r->job_id, "a", RunStatus::kRunning);
  Report(r->job_id, "a", RunStatus::kFailed, "guest", "boom");
  JobView v = Query(r->job_id);
  EXPECT_EQ(RunStatus::kFailed, v.record.status);
  EXPECT_NE(std::string::npos, v.record.fail_reason.find("boom")) << v.record.fail_reason;
  bool host_stopped = false;
  for (const auto& s : gw_.Stops()) host_stopped |= s.key.role == "host" && s.key.component == "a";
  EXPECT_TRUE(host_stopped);
  // Nothing downstream was started.
  EXPECT_EQ(std::vector<std::string>{"a/v0"}, Started(r->job_id));
}

TEST_F(SchedulerTest, AutoRetryStartsANewVersionOnAllParties) {
  auto r = sched_->Submit(Spec(kDiamond, Conf(1)));
  ASSERT_OK(r);
  const std::string job = r->job_id;
  Report(job, "a", RunStatus::kRunning);
  Report(job, "a", RunStatus::kFailed, "guest", "first attempt");
  Report(job, "a", RunStatus::kCanceled, "host");  // stopped by the scheduler
  ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] {
    auto started = Started(job);
    ASSERT_EQ(2u, started.size());
    ASSERT_EQ("a/v1", started[1]);
  });
  EXPECT_EQ(RunStatus::kRunning, Query(job).record.status);
}

TEST_F(SchedulerTest, StopCancelsAndRerunFromComponentBumpsVersions) {
  auto r = sched_->Submit(Spec(kDiamond, Conf(0)));
  ASSERT_OK(r);
  const std::string job = r->job_id;
  Report(job, "a", RunStatus::kRunning);
  ASSERT_OK(sched_->StopJob(job, RunStatus::kCanceled));
  EXPECT_EQ(RunStatus::kCanceled, Query(job).record.status);
  EXPECT_EQ(2u, gw_.Stops().size());
  EXPECT_TRUE(sched_->StopJob(job, RunStatus::kCanceled).IsIllegalState());
  Report(job, "a", RunStatus::kCanceled);
  auto rerun = sched_->RerunJob(job, "a", false);
  ASSERT_OK(rerun);
  EXPECT_EQ((std::vector<std::string>{"a", "b", "c", "d"}), *rerun);
  EXPECT_EQ("a/v1", Started(job).back());
  EXPECT_EQ(RunStatus::kRunning, Query(job).record.status);
  EXPECT_TRUE(sched_->RerunJob(job, "nope", false).status().IsIllegalState());  // still running
}

TEST_F(SchedulerTest, LostAgentFailsItsTasks) {
  auto r = sched_->Submit(Spec(kDiamond, Conf(0)));
  ASSERT_OK(r);
  Report(r->job_id, "a", RunStatus::kRunning);
  sched_->SetAgents({Agent("g1", 9999)});  // h1 disappears
  ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] {
    JobView v = Query(r->job_id);
    ASSERT_EQ(RunStatus::kFailed, v.record.status);
    ASSERT_NE(std::string::npos, v.record.fail_reason.find("agent h1 lost")) << v.record.fail_reason;
  });
}

// Placement with data: a party's tasks of one job stay on one agent (its home), even when
// another agent of the party is less loaded; when the home is lost, the retry first re-runs
// the upstream components whose outputs were there, on the new home.
TEST_F(SchedulerTest, TasksStayOnTheHomeAgentAndALostHomeRebuildsUpstreamOutputs) {
  sched_->SetAgents({Agent("g1", 9999), Agent("h1", 10000), Agent("h2", 10000)});
  auto r = sched_->Submit(Spec(kDiamond, Conf(1)));
  ASSERT_OK(r);
  const std::string job = r->job_id;
  auto host_agent = [&](const std::string& component, int version) {
    for (const auto& s : gw_.Starts()) {
      const TaskKey& k = s.args.key;
      if (k.job_id == job && k.component == component && k.role == "host" &&
          k.task_version == version) {
        return s.endpoint;
      }
    }
    return std::string("(not started)");
  };
  Report(job, "a", RunStatus::kRunning);
  Report(job, "a", RunStatus::kSuccess);
  const std::string home = host_agent("a", 0);
  ASSERT_TRUE(home == "h1:1" || home == "h2:1") << home;
  // b and c start together on the home although the other agent is idle.
  EXPECT_EQ(home, host_agent("b", 0));
  EXPECT_EQ(home, host_agent("c", 0));
  // The task io names the upstream output each task reads.
  for (const auto& s : gw_.Starts()) {
    if (s.args.key.component != "d") continue;
    EXPECT_EQ("b", s.args.io["data"]["data"][0]["component"]);
    EXPECT_EQ("data", s.args.io["data"]["data"][0]["data"]);
  }
  Report(job, "b", RunStatus::kRunning);
  Report(job, "b", RunStatus::kSuccess);
  Report(job, "c", RunStatus::kRunning);
  // The home dies while c runs: c fails, and its retry needs a's output, lost with the home.
  const std::string other = home == "h1:1" ? "h2" : "h1";
  sched_->SetAgents({Agent("g1", 9999), Agent(other, 10000)});
  ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] {
    ASSERT_EQ(other + ":1", host_agent("a", 1));  // a re-runs first, on the new home.
  });
  EXPECT_EQ("(not started)", host_agent("c", 1));  // c waits for a's rebuilt output.
  Report(job, "a", RunStatus::kRunning);
  Report(job, "a", RunStatus::kSuccess);
  // c's retry and b (whose output was lost too, and d needs it) run on the new home.
  ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] {
    ASSERT_EQ(other + ":1", host_agent("c", 1));
  });
  Report(job, "c", RunStatus::kRunning);
  Report(job, "c", RunStatus::kSuccess);
  ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] {
    ASSERT_EQ(other + ":1", host_agent("b", 1));
  });
  Report(job, "b", RunStatus::kRunning);
  Report(job, "b", RunStatus::kSuccess);
  ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] {
    ASSERT_EQ(other + ":1", host_agent("d", 0));
  });
  Report(job, "d", RunStatus::kRunning);
  Report(job, "d", RunStatus::kSuccess);
  EXPECT_EQ(RunStatus::kSuccess, Query(job).record.status);
}

TEST_F(SchedulerTest, AgentRestartedUnderTheSameIdFailsItsOldTasks) {
  sched_->SetAgents({Agent("g1", 9999, 100), Agent("h1", 10000, 100)});
  auto r = sched_->Submit(Spec(kDiamond, Conf(0)));
  ASSERT_OK(r);
  Report(r->job_id, "a", RunStatus::kRunning);
  sched_->SetAgents({Agent("g1", 9999, 100), Agent("h1", 10000, 200)});
  ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] {
    JobView v = Query(r->job_id);
    ASSERT_EQ(RunStatus::kFailed, v.record.status);
    ASSERT_NE(std::string::npos, v.record.fail_reason.find("agent h1 restarted"))
        << v.record.fail_reason;
  });
}

TEST_F(SchedulerTest, JobTimeoutCountsFromStartAndStopsRunningTasks) {
  std::string conf = R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 9999},
      "role": {"guest": [9999], "host": [10000]},
      "job_parameters": {"common": {"timeout": 1}}})";
  auto r = sched_->Submit(Spec(kDiamond, conf));
  ASSERT_OK(r);
  Report(r->job_id, "a", RunStatus::kRunning);
  ASSERT_EVENTUALLY(std::chrono::seconds(10), [&] {
    JobView v = Query(r->job_id);
    ASSERT_EQ(RunStatus::kTimeout, v.record.status);
    ASSERT_NE(std::string::npos, v.record.fail_reason.find("exceeded 1 s")) << v.record.fail_reason;
  });
  JobView v = Query(r->job_id);
  EXPECT_GE(v.record.end_ms - v.record.start_ms, 1000);
  int timeout_stops = 0;
  for (const auto& s : gw_.Stops()) timeout_stops += s.status == "timeout" ? 1 : 0;
  EXPECT_EQ(2, timeout_stops);  // component a on both parties
}

TEST_F(SchedulerTest, InvalidJobsAndMissingAgentsAreRefusedWithoutWrites) {
  int before = store_.writes();
  auto bad = sched_->Submit(Spec(R"({"components": {"a": {"module": "NoSuchModule"}}})", Conf(0)));
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(std::string::npos, bad.status().message().find("NoSuchModule")) << bad.status();
  sched_->SetAgents({Agent("g1", 9999)});
  auto no_agent = sched_->Submit(Spec(kDiamond, Conf(0)));
  ASSERT_FALSE(no_agent.ok());
  EXPECT_NE(std::string::npos, no_agent.status().message().find("party 10000 has no live agent"))
      << no_agent.status();
  EXPECT_EQ(before, store_.writes());
}

TEST_F(SchedulerTest, FailedWriteFencesTheScheduler) {
  store_.FailNextWrite(Status::VersionMismatch("someone else wrote"));
  auto r = sched_->Submit(Spec(kDiamond, Conf(0)));
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(sched_->fenced());
  EXPECT_TRUE(sched_->Submit(Spec(kDiamond, Conf(0))).status().IsNotLeader());
}

TEST_F(SchedulerTest, NewSchedulerResumesFromTheStore) {
  auto r = sched_->Submit(Spec(kDiamond, Conf(0)));
  ASSERT_OK(r);
  Report(r->job_id, "a", RunStatus::kRunning);
  Report(r->job_id, "a", RunStatus::kSuccess);
  sched_->Stop();
  // A standby takes over with the same store.
  FakeGateway gw2;
  Scheduler next(SchedulerOptions{}, &store_, &gw2);
  ASSERT_OK(next.Start());
  next.SetAgents({Agent("g1", 9999), Agent("h1", 10000)});
  ASSERT_EVENTUALLY(std::chrono::seconds(5), [&] {
    auto v = next.QueryJob(r->job_id);
    ASSERT_OK(v);
    ASSERT_EQ(RunStatus::kRunning, v->record.status);
    int running = 0;
    for (const TaskView& t : v->tasks) running += t.status == RunStatus::kRunning ? 1 : 0;
    ASSERT_EQ(4, running);  // b and c on both parties, as recorded by the old leader
  });
}

}  // namespace
}  // namespace fedflow::coordinator
