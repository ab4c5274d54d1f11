#pragma once

// The task-process contract between fedflow-agent and fedflow-task
// ==================================================================
//
// One task attempt = one `fedflow-task` child process of the agent, identified by a TaskKey
// (job_id, component, role, party_id, task_version: one party id may play several roles).
//
// 1. Work directory. The agent prepares
//      <data_dir>/jobs/<job_id>/<role>/<party_id>/<component>/<task_version>/
//    (TaskWorkDir() builds it) and the runner writes `task.json` there (components/task_spec.h
//    reads and writes these files):
//      {"job_id": "...", "component": "...", "role": "guest", "party_id": 9999,
//       "task_version": 0, "module": "Probe", "job_parameters": {...},
//       "component_parameters": {...}, "agent_endpoint": "127.0.0.1:9370"}
//    agent_endpoint is the agent's loopback TaskService endpoint; it may be empty.
//    A `result.json` left over from an earlier run in the same directory is removed.
//
// 2. Process. The runner runs `fedflow-task --task_dir=<dir>` with cwd = <dir>, stdin from
//    /dev/null, stdout and stderr appended to `<dir>/task.log` (the task's glog output goes
//    there too), in its own process group (pgid = its pid), with no inherited file descriptor
//    other than 0-2 (a task never holds the agent's listening socket or LevelDB lock), the
//    signal mask cleared and every signal disposition reset to default, core dumps disabled
//    (RLIMIT_CORE = 0), and PR_SET_PDEATHSIG = SIGKILL tied to the runner's thread, so a task
//    does not outlive an agent that dies.
//
// 3. Result. Before exiting, the task writes `<dir>/result.json` atomically (a temporary file,
//    then rename):
//      {"party_status": "success" | "pass" | "failed", "error": "..."}
//    and exits 0 for success or pass, non-zero for failed (1; 143 when stopped by SIGTERM).
//    `need_run: false` in component_parameters makes the task report pass without running
//    its module. A module the agent does not implement fails with
//    `module "<M>" is not available on this agent`.
//
// 4. Final party_status, derived by the runner (TaskExit):
//    - stopped on request (Stop, Shutdown): the stop status given (canceled, failed, timeout),
//      whatever the process did after the request; error = the stop reason;
//    - exit 0 and result.json says success or pass: that status;
//    - exit 0 without a valid success/pass result: failed, saying what was wrong;
//    - exit N != 0: failed, error from result.json if it has one, else
//      "task process exited with status N";
//    - killed by a signal: failed, "task process killed by signal SIGABRT (6)".
//
// 5. Stop. SIGTERM to the task's process group; SIGKILL to the group if the task is still alive
//    stop_grace_ms later. fedflow-task treats SIGTERM as "finish promptly": a component's
//    sleeps and waits are interrupted and the task exits 143 with a failed result.
//
// 6. Clean-up. When a task's main process ends (for any reason) the runner sends SIGKILL to
//    its process group before reaping it, so helpers a task started in its group do not
//    outlive it. (A helper that leaves the group with setsid/setpgid escapes this.)

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "party-agent/components/task_spec.h"

namespace fedflow {

// How a task attempt ended, as the runner reports it to Options::on_exit.
struct TaskExit {
  TaskKey key;
  pid_t pid = 0;
  // success | pass | failed, or the stop status given to Stop (canceled | failed | timeout).
  std::string party_status;
  // Why the task did not succeed; empty on success and pass.
  std::string error;
  // The exit status when the process exited, -1 when a signal killed it.
  int exit_code = -1;
  // The signal that killed the process, 0 when it exited.
  int term_signal = 0;
  // Stop (or Shutdown) was called for this task before it ended.
  bool stop_requested = false;
  // The runner sent SIGKILL: the grace period after SIGTERM ran out, or Shutdown killed it.
  bool force_killed = false;
  // Wall-clock times, milliseconds since the Unix epoch.
  int64_t start_time_ms = 0;
  int64_t end_time_ms = 0;
};

// A task that has been launched and not yet reaped.
struct RunningTask {
  TaskKey key;
  std::string module;
  std::string work_dir;
  pid_t pid = 0;  // Also the task's process group id.
  int64_t start_time_ms = 0;
  bool stop_requested = false;
};

// Runs task attempts as `fedflow-task` child processes (the contract above): starts them in
// their own process groups, stops them (SIGTERM, then SIGKILL after a grace period), reaps them
// and reports each one's end exactly once through Options::on_exit.
//
// Why: a task may crash, hang or ignore signals; running it as a separate process group keeps
// the agent alive and lets the agent kill everything the task started. The runner owns one
// thread that forks every task (so PR_SET_PDEATHSIG follows the runner's lifetime, not that of
// an RPC thread), watches each child through a pidfd (Linux 5.3+) in an epoll set, reaps only
// the pids it launched (never waitpid(-1): other children of the process are left alone), fires
// the SIGKILL timers and calls on_exit.
//
// The agent owns the runner. Its process must not set SIGCHLD to SIG_IGN nor reap with
// waitpid(-1), which would take exit statuses away from the runner.
//
// Thread-safe. on_exit runs on the runner's thread with no runner lock held; it may call
// Launch, Stop and the queries, but not Shutdown.
class TaskRunner {
 public:
  struct Options {
    // Path of the fedflow-task binary.
    std::string task_binary;
    // Time between SIGTERM and SIGKILL when a task is stopped.
    int stop_grace_ms = 2000;
    // Called once per launched task when it has ended and been reaped.
    std::function<void(const TaskExit&)> on_exit;
  };

  // Starts the runner's thread. Fails if the binary is not executable or the kernel lacks
  // pidfd support.
  static Result<std::unique_ptr<TaskRunner>> Create(Options options);

  // Shutdown(/*kill_children=*/true).
  ~TaskRunner();

  TaskRunner(const TaskRunner&) = delete;
  TaskRunner& operator=(const TaskRunner&) = delete;

  // Creates launch.work_dir, writes task.json there and starts the task; returns its pid (also
  // its process group id) once the child has exec'd the task binary. Fails, and no on_exit
  // follows, when the key is invalid or already running, the runner is shut down, or the
  // process cannot be started.
  Result<pid_t> Launch(const TaskLaunch& launch);

  // Stops a running task: SIGTERM to its process group now, SIGKILL stop_grace_ms later if it
  // is still alive (timed on the runner's thread: Stop does not block). Its TaskExit carries
  // `stop_status` (canceled | failed | timeout) and `reason` as the error. Stopping a task
  // already being stopped is OK and keeps the first status. NotFound if the task is not
  // running (it may have just ended: its on_exit is then under way or done).
  Status Stop(const TaskKey& key, const std::string& stop_status, const std::string& reason);

  // Stops accepting launches and returns when no task is left, each reaped and reported through
  // on_exit. kill_children: SIGKILL every task's group at once (reported as failed, "task runner
  // shut down"); otherwise wait for the tasks to end by themselves (a later call with
  // kill_children = true, from another thread, hurries a waiting one). Must not be called from
  // on_exit.
  void Shutdown(bool kill_children);

  // Tasks launched and not yet reaped.
  size_t running() const;
  std::vector<RunningTask> RunningTasks() const;
  std::optional<RunningTask> FindRunning(const TaskKey& key) const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Task {
    RunningTask info;
    int pidfd = -1;
    std::string stop_status;
    std::string stop_reason;
    bool force_killed = false;
    std::optional<Clock::time_point> kill_deadline;  // Set by the first Stop.
  };
  struct PendingStop {
    std::string status;
    std::string reason;
  };
  // A Launch waiting for the runner's thread to fork its task.
  struct SpawnRequest {
    const TaskLaunch* launch;
    std::promise<Result<pid_t>> result;
  };

  explicit TaskRunner(Options options);
  Status Init();
  void ThreadMain();
  bool OnRunnerThread() const { return std::this_thread::get_id() == thread_id_; }
  void Wake();
  // On the runner's thread: forks the task and registers it.
  Result<pid_t> SpawnAndRegister(const TaskLaunch& launch);
  void RequestStopLocked(Task* task, const std::string& status, const std::string& reason);
  void KillNowLocked(Task* task);
  int NextTimeoutMsLocked() const;
  void FireKillTimers();
  void Reap(pid_t pid, std::vector<TaskExit>* exits);
  TaskExit MakeExit(const Task& task, int wait_status) const;

  const Options options_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::thread thread_;
  std::thread::id thread_id_;

  // Lock order: mu_ and shutdown_mu_ are never held together.
  mutable std::mutex mu_;
  std::map<pid_t, Task> tasks_;          // Guarded by mu_.
  std::map<TaskKey, pid_t> pid_by_key_;  // Guarded by mu_.
  // Keys between Launch's check and the task's registration, with a Stop received meanwhile.
  std::map<TaskKey, std::optional<PendingStop>> launching_;  // Guarded by mu_.
  std::deque<SpawnRequest*> spawn_queue_;                    // Guarded by mu_.
  bool accepting_ = true;                                    // Guarded by mu_.
  bool draining_ = false;                                    // Guarded by mu_.
  bool kill_on_drain_ = false;                               // Guarded by mu_.

  // Serialises joining the thread in Shutdown.
  std::mutex shutdown_mu_;
};

}  // namespace fedflow
