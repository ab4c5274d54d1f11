// TaskRunner against the real fedflow-task binary (build/bin): outcomes, stop, SIGKILL
// escalation, process-group clean-up, concurrency and reaping.
#include "party-agent/task_runner.h"

#include <dirent.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/harness/test_util.h"

namespace fedflow {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::steady_clock;

// Children of this process in state Z (zombies), from /proc.
std::vector<pid_t> ZombieChildren() {
  std::vector<pid_t> zombies;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return zombies;
  const pid_t self = ::getpid();
  while (dirent* entry = ::readdir(proc)) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream in(std::string("/proc/") + entry->d_name + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t paren = stat.rfind(')');  // The command name may hold spaces and parentheses.
    if (paren == std::string::npos) continue;
    std::istringstream fields(stat.substr(paren + 1));
    char state = 0;
    pid_t ppid = 0;
    fields >> state >> ppid;
    if (ppid == self && state == 'Z') zombies.push_back(std::stoi(entry->d_name));
  }
  ::closedir(proc);
  return zombies;
}

bool GroupGone(pid_t pgid) { return ::kill(-pgid, 0) != 0 && errno == ESRCH; }

bool FileContains(const std::string& path, const std::string& text) {
  std::ifstream in(path);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return all.find(text) != std::string::npos;
}

class TaskRunnerTest : public testing::FedflowTest {
 protected:
  void SetUp() override { StartRunner(/*grace_ms=*/2000); }
  void TearDown() override {
    if (runner_) runner_->Shutdown(/*kill_children=*/true);
  }

  static std::string TaskBinary() { return BinDir() + "/fedflow-task"; }

  void StartRunner(int grace_ms, const std::string& binary = TaskBinary()) {
    if (runner_) runner_->Shutdown(true);
    TaskRunner::Options options;
    options.task_binary = binary;
    options.stop_grace_ms = grace_ms;
    options.on_exit = [this](const TaskExit& e) {
      std::function<void(const TaskExit&)> hook;
      {
        std::lock_guard<std::mutex> l(mu_);
        exits_[e.key] = e;
        exit_counts_[e.key]++;
        hook = on_exit_hook_;
      }
      cv_.notify_all();
      if (hook) hook(e);
    };
    auto runner = TaskRunner::Create(std::move(options));
    ASSERT_OK(runner);
    runner_ = std::move(runner).value();
  }

  TaskLaunch MakeTask(const std::string& component, Json params, int32_t version = 0,
                      const std::string& module = "Probe") {
    TaskLaunch l;
    l.key = TaskKey{"202611260000000001", component, "guest", 9999, version};
    l.module = module;
    l.job_parameters = Json{{"task_parallelism", 2}};
    l.component_parameters = std::move(params);
    l.work_dir = TaskWorkDir(test_dir(), l.key).ValueOr("");
    return l;
  }

  // Waits (on a condition variable, with a deadline) for the task's on_exit.
  std::optional<TaskExit> WaitForExit(const TaskKey& key, milliseconds timeout = seconds(20)) {
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_for(l, timeout, [&] { return exits_.count(key) > 0; })) return std::nullopt;
    return exits_.at(key);
  }

  // Launches and waits for the end.
  TaskExit Run(const TaskLaunch& launch) {
    auto pid = runner_->Launch(launch);
    EXPECT_TRUE(pid.ok()) << pid.status().ToString();
    auto e = WaitForExit(launch.key);
    EXPECT_TRUE(e.has_value()) << "no exit for " << launch.key.ToString();
    return e.value_or(TaskExit{});
  }

  std::unique_ptr<TaskRunner> runner_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::map<TaskKey, TaskExit> exits_;
  std::map<TaskKey, int> exit_counts_;
  std::function<void(const TaskExit&)> on_exit_hook_;
};

TEST_F(TaskRunnerTest, ProbeSucceedsAndFollowsTheContract) {
  TaskLaunch launch = MakeTask("probe_0", Json{{"sleep_ms", 0}});
  launch.agent_endpoint = "127.0.0.1:9370";
  TaskExit e = Run(launch);
  EXPECT_EQ("success", e.party_status);
  EXPECT_EQ("", e.error);
  EXPECT_EQ(0, e.exit_code);
  EXPECT_EQ(0, e.term_signal);
  EXPECT_FALSE(e.stop_requested);
  EXPECT_GT(e.pid, 0);
  EXPECT_LE(e.start_time_ms, e.end_time_ms);
  EXPECT_EQ(0u, runner_->running());
  EXPECT_TRUE(GroupGone(e.pid));

  // The work directory: task.json as written, result.json, task.log with the task's glog lines.
  const std::string dir = test_dir() + "/jobs/202611260000000001/guest/9999/probe_0/0";
  auto task_json = ReadJsonFile(dir + "/task.json");
  ASSERT_OK(task_json);
  EXPECT_EQ("Probe", (*task_json)["module"]);
  EXPECT_EQ(9999, (*task_json)["party_id"]);
  EXPECT_EQ(Json({{"sleep_ms", 0}}), (*task_json)["component_parameters"]);
  EXPECT_EQ("127.0.0.1:9370", (*task_json)["agent_endpoint"]);
  auto result = ReadTaskResult(dir);
  ASSERT_OK(result);
  EXPECT_EQ("success", result->party_status);
  EXPECT_TRUE(FileContains(dir + "/task.log", "Probe: done"));
}

TEST_F(TaskRunnerTest, ProbeFailReportsItsError) {
  TaskExit e = Run(MakeTask("probe_0", Json{{"fail", true}}));
  EXPECT_EQ("failed", e.party_status);
  EXPECT_EQ("Probe: failing as requested (fail=true)", e.error);
  EXPECT_EQ(1, e.exit_code);
}

TEST_F(TaskRunnerTest, CrashIsReportedWithTheSignal) {
  TaskLaunch launch = MakeTask("probe_0", Json{{"crash", true}});
  TaskExit e = Run(launch);
  EXPECT_EQ("failed", e.party_status);
  EXPECT_EQ("task process killed by signal SIGABRT (6)", e.error);
  EXPECT_EQ(SIGABRT, e.term_signal);
  EXPECT_EQ(-1, e.exit_code);
  EXPECT_FALSE(std::ifstream(launch.work_dir + "/core").good()) << "core dumps are disabled";
}

TEST_F(TaskRunnerTest, UnknownModuleIsNotAvailable) {
  TaskExit e = Run(MakeTask("secureboost_0", Json::object(), 0, "HeteroSecureBoost"));
  EXPECT_EQ("failed", e.party_status);
  EXPECT_EQ("module \"HeteroSecureBoost\" is not available on this agent", e.error);
}

TEST_F(TaskRunnerTest, NeedRunFalsePassesWithoutRunning) {
  TaskExit e = Run(MakeTask("probe_0", Json{{"need_run", false}, {"fail", true}}));
  EXPECT_EQ("pass", e.party_status);
  EXPECT_EQ("", e.error);
  EXPECT_EQ(0, e.exit_code);
}

TEST_F(TaskRunnerTest, BadParametersNameTheKey) {
  TaskExit unknown = Run(MakeTask("probe_0", Json{{"sleeps_ms", 5}}));
  EXPECT_EQ("failed", unknown.party_status);
  EXPECT_NE(std::string::npos, unknown.error.find("unknown parameter \"sleeps_ms\""))
      << unknown.error;
  TaskExit wrong = Run(MakeTask("probe_1", Json{{"sleep_ms", "5"}}));
  EXPECT_EQ("failed", wrong.party_status);
  EXPECT_EQ("Probe: parameter \"sleep_ms\": expected an integer, got string", wrong.error);
  TaskExit need_run = Run(MakeTask("probe_2", Json{{"need_run", "no"}}));
  EXPECT_EQ("failed", need_run.party_status);
  EXPECT_NE(std::string::npos, need_run.error.find("need_run")) << need_run.error;
}

// The retry is launched from on_exit, i.e. on the runner's own thread.
TEST_F(TaskRunnerTest, FailAttemptsFailsBelowTheVersionAndARetryFromOnExitSucceeds) {
  TaskLaunch retry = MakeTask("probe_0", Json{{"fail_attempts", 1}}, /*version=*/1);
  {
    std::lock_guard<std::mutex> l(mu_);
    on_exit_hook_ = [this, retry](const TaskExit& e) {
      if (e.key.task_version == 0) EXPECT_OK(runner_->Launch(retry));
    };
  }
  TaskExit first = Run(MakeTask("probe_0", Json{{"fail_attempts", 1}}, /*version=*/0));
  EXPECT_EQ("failed", first.party_status);
  EXPECT_EQ("Probe: failing as requested (task_version 0 < fail_attempts 1)", first.error);
  auto second = WaitForExit(retry.key);
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ("success", second->party_status);
}

TEST_F(TaskRunnerTest, StopInterruptsASleepingProbe) {
  StartRunner(/*grace_ms=*/10000);
  TaskLaunch launch = MakeTask("probe_0", Json{{"sleep_ms", 600000}});
  auto pid = runner_->Launch(launch);
  ASSERT_OK(pid);
  ASSERT_TRUE(testing::WaitFor(
      [&] { return FileContains(launch.work_dir + "/task.log", "Probe: sleeping"); }));
  ASSERT_TRUE(runner_->FindRunning(launch.key).has_value());
  EXPECT_EQ(1u, runner_->running());
  auto t0 = Clock::now();
  ASSERT_OK(runner_->Stop(launch.key, "canceled", "job stopped by user"));
  auto e = WaitForExit(launch.key, seconds(5));
  ASSERT_TRUE(e.has_value());
  EXPECT_LT(Clock::now() - t0, milliseconds(5000)) << "should end long before the grace period";
  EXPECT_EQ("canceled", e->party_status);
  EXPECT_EQ("job stopped by user", e->error);
  EXPECT_TRUE(e->stop_requested);
  EXPECT_FALSE(e->force_killed);
  EXPECT_EQ(0, e->term_signal);
  EXPECT_EQ(143, e->exit_code);
  EXPECT_TRUE(GroupGone(*pid));
  EXPECT_FALSE(runner_->FindRunning(launch.key).has_value());
  EXPECT_TRUE(runner_->Stop(launch.key, "canceled", "").IsNotFound());
}

TEST_F(TaskRunnerTest, IgnoredSigtermEscalatesToSigkillAfterTheGracePeriod) {
  StartRunner(/*grace_ms=*/300);
  TaskLaunch launch = MakeTask("probe_0", Json{{"sleep_ms", 600000}, {"ignore_sigterm", true}});
  auto pid = runner_->Launch(launch);
  ASSERT_OK(pid);
  ASSERT_TRUE(testing::WaitFor(
      [&] { return FileContains(launch.work_dir + "/task.log", "Probe: sleeping"); }));
  auto t0 = Clock::now();
  ASSERT_OK(runner_->Stop(launch.key, "timeout", "job timeout"));
  // The task ignores SIGTERM, so it is still there: a second Stop keeps the first status and
  // does not restart the grace period.
  ASSERT_OK(runner_->Stop(launch.key, "canceled", "ignored"));
  auto e = WaitForExit(launch.key, seconds(10));
  ASSERT_TRUE(e.has_value());
  EXPECT_GE(Clock::now() - t0, milliseconds(300));
  EXPECT_EQ("timeout", e->party_status);
  EXPECT_EQ("job timeout", e->error);
  EXPECT_EQ(SIGKILL, e->term_signal);
  EXPECT_TRUE(e->force_killed);
  EXPECT_TRUE(GroupGone(*pid));
}

// Helpers a task leaves in its process group are killed with it: both when it is stopped and
// when it exits by itself. The task here is a shell script standing in for fedflow-task; the
// test process becomes a child subreaper so that it can reap (and so inspect) the orphans.
TEST_F(TaskRunnerTest, GrandchildrenInTheGroupDoNotOutliveTheTask) {
  struct Subreaper {
    Subreaper() { ok = ::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0; }
    ~Subreaper() {
      ::prctl(PR_SET_CHILD_SUBREAPER, 0);
      while (::waitpid(-1, nullptr, WNOHANG) > 0) {
      }
    }
    bool ok;
  } subreaper;
  ASSERT_TRUE(subreaper.ok);
  const std::string script = test_dir() + "/fake-task.sh";
  testing::WriteFileOrDie(script,
                          "#!/bin/sh\n"
                          "sleep 600 &\n"
                          "echo $! > grandchild.pid\n"
                          "if [ -e ../wait ]; then wait; fi\n");
  ASSERT_EQ(0, ::chmod(script.c_str(), 0755));
  StartRunner(/*grace_ms=*/5000, script);

  auto grandchild_of = [](const std::string& dir) -> pid_t {
    pid_t gc = 0;
    testing::WaitFor([&] {
      std::ifstream in(dir + "/grandchild.pid");
      std::string line;
      // Complete once the newline is there (echo writes it in the same write).
      return std::getline(in, line) && !in.eof() && (gc = std::stoi(line)) > 0;
    });
    return gc;
  };
  auto reaped_by_sigkill = [](pid_t gc) {
    int status = 0;
    bool reaped = testing::WaitFor([&] { return ::waitpid(gc, &status, WNOHANG) == gc; });
    return reaped && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  };

  // 1. The script exits at once, leaving `sleep` behind in its group.
  TaskLaunch exits = MakeTask("script_0", Json::object());
  TaskExit e1 = Run(exits);
  EXPECT_EQ("failed", e1.party_status);  // No result.json.
  EXPECT_NE(std::string::npos, e1.error.find("exited with status 0")) << e1.error;
  pid_t gc1 = grandchild_of(exits.work_dir);
  ASSERT_GT(gc1, 0);
  EXPECT_TRUE(reaped_by_sigkill(gc1));
  EXPECT_TRUE(GroupGone(e1.pid));

  // 2. The script waits for its child; Stop ends both.
  testing::WriteFileOrDie(MakeTask("script_1", Json::object()).work_dir + "/../wait", "");
  TaskLaunch waits = MakeTask("script_1", Json::object());
  auto pid = runner_->Launch(waits);
  ASSERT_OK(pid);
  pid_t gc2 = grandchild_of(waits.work_dir);
  ASSERT_GT(gc2, 0);
  ASSERT_OK(runner_->Stop(waits.key, "canceled", ""));
  auto e2 = WaitForExit(waits.key);
  ASSERT_TRUE(e2.has_value());
  EXPECT_EQ("canceled", e2->party_status);
  EXPECT_EQ("task stopped (canceled)", e2->error);
  int status = 0;
  EXPECT_TRUE(testing::WaitFor([&] { return ::waitpid(gc2, &status, WNOHANG) == gc2; }));
  EXPECT_TRUE(GroupGone(*pid));
}

TEST_F(TaskRunnerTest, FiftyConcurrentTasksAreAllReaped) {
  constexpr int kThreads = 5;
  constexpr int kPerThread = 10;
  std::vector<std::thread> threads;
  std::vector<TaskKey> keys;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      keys.push_back(MakeTask("probe_" + std::to_string(t * kPerThread + i), Json::object()).key);
    }
  }
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        int n = t * kPerThread + i;
        Json params = {{"sleep_ms", n % 7 * 10}, {"fail", n % 5 == 0}};
        EXPECT_OK(runner_->Launch(MakeTask("probe_" + std::to_string(n), params)));
      }
    });
  }
  for (auto& th : threads) th.join();
  for (const TaskKey& key : keys) {
    auto e = WaitForExit(key, seconds(60));
    ASSERT_TRUE(e.has_value()) << key.ToString();
    int n = std::stoi(key.component.substr(6));
    EXPECT_EQ(n % 5 == 0 ? "failed" : "success", e->party_status) << key.ToString();
    EXPECT_TRUE(GroupGone(e->pid));
  }
  EXPECT_EQ(0u, runner_->running());
  {
    std::lock_guard<std::mutex> l(mu_);
    EXPECT_EQ(50u, exit_counts_.size());
    for (const auto& [key, count] : exit_counts_) EXPECT_EQ(1, count) << key.ToString();
  }
  EXPECT_TRUE(ZombieChildren().empty());
}

TEST_F(TaskRunnerTest, ShutdownKillsRunningTasksAndReportsThem) {
  std::vector<std::pair<TaskKey, pid_t>> started;
  for (int i = 0; i < 3; ++i) {
    TaskLaunch l = MakeTask("probe_" + std::to_string(i),
                            Json{{"sleep_ms", 600000}, {"ignore_sigterm", i == 0}});
    auto pid = runner_->Launch(l);
    ASSERT_OK(pid);
    started.emplace_back(l.key, *pid);
  }
  EXPECT_EQ(3u, runner_->RunningTasks().size());
  runner_->Shutdown(/*kill_children=*/true);
  EXPECT_EQ(0u, runner_->running());
  for (const auto& [key, pid] : started) {
    auto e = WaitForExit(key, milliseconds(0));  // Shutdown returns after every on_exit.
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ("failed", e->party_status);
    EXPECT_EQ("task runner shut down", e->error);
    EXPECT_TRUE(GroupGone(pid));
  }
  EXPECT_TRUE(runner_->Launch(MakeTask("late", Json::object())).status().IsIllegalState());
  EXPECT_TRUE(ZombieChildren().empty());
}

TEST_F(TaskRunnerTest, RefusesBadRequests) {
  TaskLaunch launch = MakeTask("probe_0", Json{{"sleep_ms", 600000}});
  ASSERT_OK(runner_->Launch(launch));
  EXPECT_TRUE(runner_->Launch(launch).status().IsAlreadyExists());
  EXPECT_TRUE(runner_->Stop(launch.key, "success", "").IsInvalidArgument());
  EXPECT_TRUE(runner_->Stop(MakeTask("other", Json::object()).key, "canceled", "").IsNotFound());
  TaskLaunch bad = MakeTask("../etc", Json::object());
  bad.work_dir = test_dir() + "/bad";
  EXPECT_TRUE(runner_->Launch(bad).status().IsInvalidArgument());
  ASSERT_OK(runner_->Stop(launch.key, "canceled", ""));
  ASSERT_TRUE(WaitForExit(launch.key).has_value());

  TaskRunner::Options options;
  options.task_binary = test_dir() + "/no-such-binary";
  EXPECT_TRUE(TaskRunner::Create(options).status().IsInvalidArgument());
}

TEST_F(TaskRunnerTest, ExecFailureFailsTheLaunch) {
  const std::string not_a_program = test_dir() + "/not-a-program";
  testing::WriteFileOrDie(not_a_program,
                          "\x7f"
                          "ELF garbage");
  ASSERT_EQ(0, ::chmod(not_a_program.c_str(), 0755));
  StartRunner(2000, not_a_program);
  auto pid = runner_->Launch(MakeTask("probe_0", Json::object()));
  ASSERT_FALSE(pid.ok());
  EXPECT_NE(std::string::npos, pid.status().message().find("execve")) << pid.status().ToString();
  EXPECT_EQ(0u, runner_->running());
  EXPECT_TRUE(ZombieChildren().empty());
}

// fedflow-task run by hand on a broken work directory still writes a clear result.
TEST_F(TaskRunnerTest, TaskReportsAMissingOrMalformedTaskJson) {
  const std::string dir = test_dir() + "/broken";
  testing::WriteFileOrDie(dir + "/placeholder", "");
  auto run = [&] {
    std::string cmd = TaskBinary() + " --task_dir=" + dir + " 2>>" + dir + "/task.log";
    return std::system(cmd.c_str());
  };
  int status = run();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  auto result = ReadTaskResult(dir);
  ASSERT_OK(result);
  EXPECT_EQ("failed", result->party_status);
  EXPECT_NE(std::string::npos, result->error.find("cannot read the task description"))
      << result->error;

  testing::WriteFileOrDie(dir + "/task.json", R"({"job_id": "j", "component": "c"})");
  status = run();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
  result = ReadTaskResult(dir);
  ASSERT_OK(result);
  EXPECT_NE(std::string::npos, result->error.find("task.json: ")) << result->error;
  EXPECT_NE(std::string::npos, result->error.find("role")) << result->error;
}

}  // namespace
}  // namespace fedflow
