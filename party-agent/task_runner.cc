#include "party-agent/task_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <deque>
#include <future>
#include <map>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

#include <glog/logging.h>

#include "common/time_util.h"

namespace fedflow {

namespace {

constexpr uint64_t kWakeToken = 0;  // epoll data of the wake eventfd; tasks use their pid (> 0).

std::string ErrnoText(int err) { return std::strerror(err); }

bool IsStopStatus(const std::string& s) {
  return s == kPartyStatusCanceled || s == kPartyStatusFailed || s == kPartyStatusTimeout;
}

// ---- Starting a task process -----------------------------------------------------------------

int OpenPidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// "SIGABRT (6)".
std::string SignalName(int sig) {
  const char* abbrev = ::sigabbrev_np(sig);
  return (abbrev ? std::string("SIG") + abbrev : std::string("signal")) + " (" +
         std::to_string(sig) + ")";
}

// Moves a close-on-exec descriptor to a number above 2, so that the child's dup2 onto 0-2 cannot
// clobber it (an agent may run with a closed stdin). Returns -1 if fd < 0 or on error.
int AboveStdio(int fd) {
  if (fd < 0 || fd > 2) return fd;
  int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, 3);
  int err = errno;
  ::close(fd);
  errno = err;
  return moved;
}

struct SpawnedProcess {
  pid_t pid = 0;
  int pidfd = -1;
};

// What the child reports through the exec pipe when it cannot exec the task.
struct ChildFailure {
  int step;
  int err;
};
constexpr const char* kChildSteps[] = {
    "prctl(PR_SET_PDEATHSIG)", "setpgid", "setrlimit(RLIMIT_CORE)", "chdir", "dup2", "execve"};

// In the forked child: only async-signal-safe calls, no allocation. Never returns.
[[noreturn]] void RunChild(pid_t parent, const char* binary, char* const argv[], const char* dir,
                           int null_fd, int log_fd, int err_fd, int max_fd) {
  int step = 0;
  auto fail = [&](int s) {
    ChildFailure f{s, errno};
    ssize_t n = ::write(err_fd, &f, sizeof(f));
    (void)n;
    ::_exit(127);
  };
  // Tied to the runner's thread, which lives until every task is reaped.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail(step);
  if (::getppid() != parent) ::_exit(127);  // The agent died before prctl.
  ++step;
  if (::setpgid(0, 0) != 0) fail(step);
  ++step;
  struct rlimit no_core = {0, 0};
  if (::setrlimit(RLIMIT_CORE, &no_core) != 0) fail(step);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig != SIGKILL && sig != SIGSTOP) ::sigaction(sig, &dfl, nullptr);
  }
  ++step;
  if (::chdir(dir) != 0) fail(step);
  ++step;
  if (::dup2(null_fd, 0) < 0 || ::dup2(log_fd, 1) < 0 || ::dup2(log_fd, 2) < 0) fail(step);
  // Every other inherited descriptor closes at exec (err_fd too: EOF tells the parent).
  if (::syscall(SYS_close_range, 3u, ~0u, 4u /* CLOSE_RANGE_CLOEXEC, Linux 5.11 */) != 0) {
    for (int fd = 3; fd < max_fd; ++fd) {
      if (fd != err_fd) ::close(fd);
    }
  }
  ++step;
  ::execve(binary, argv, environ);
  fail(step);
  ::_exit(127);
}

// Forks and execs `fedflow-task --task_dir=<dir>`; returns once the child has exec'd.
Result<SpawnedProcess> SpawnTaskProcess(const std::string& binary, const std::string& dir) {
  std::string log_path = dir + "/" + kTaskLogFile;
  std::string dir_flag = "--task_dir=" + dir;
  std::vector<char*> argv = {const_cast<char*>(binary.c_str()), dir_flag.data(), nullptr};
  int max_fd = static_cast<int>(std::min<long>(::sysconf(_SC_OPEN_MAX), 1 << 16));
  int log_fd =
      AboveStdio(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (log_fd < 0) return Status::IOError("cannot open " + log_path + ": " + ErrnoText(errno));
  int null_fd = AboveStdio(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int pipe_fds[2] = {-1, -1};
  if (null_fd >= 0 && ::pipe2(pipe_fds, O_CLOEXEC) == 0) {
    pipe_fds[0] = AboveStdio(pipe_fds[0]);
    pipe_fds[1] = AboveStdio(pipe_fds[1]);
  }
  if (null_fd < 0 || pipe_fds[0] < 0 || pipe_fds[1] < 0) {
    int err = errno;
    for (int fd : {log_fd, null_fd, pipe_fds[0], pipe_fds[1]}) {
      if (fd >= 0) ::close(fd);
    }
    return Status::IOError("cannot prepare the task's descriptors: " + ErrnoText(err));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid == 0) {
    RunChild(parent, binary.c_str(), argv.data(), dir.c_str(), null_fd, log_fd, pipe_fds[1],
             max_fd);
  }
  int fork_errno = errno;
  ::close(pipe_fds[1]);
  ::close(log_fd);
  ::close(null_fd);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return Status::IOError("fork: " + ErrnoText(fork_errno));
  }
  // Also in the parent, so that the group exists before anyone signals it.
  if (::setpgid(pid, pid) != 0 && errno != EACCES && errno != ESRCH) {
    PLOG(WARNING) << "setpgid(" << pid << ")";
  }
  ChildFailure failure{};
  size_t got = 0;
  while (got < sizeof(failure)) {
    ssize_t n = ::read(pipe_fds[0], reinterpret_cast<char*>(&failure) + got, sizeof(failure) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(pipe_fds[0]);
  if (got > 0) {
    ::waitpid(pid, nullptr, 0);
    if (got < sizeof(failure)) return Status::IOError("task process died before exec");
    return Status::IOError(std::string("cannot start ") + binary + ": " +
                           kChildSteps[failure.step] + ": " + ErrnoText(failure.err));
  }
  int pidfd = OpenPidfd(pid);
  if (pidfd < 0) {
    int err = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return Status::IOError("pidfd_open(" + std::to_string(pid) + "): " + ErrnoText(err));
  }
  return SpawnedProcess{pid, pidfd};
}

}  // namespace

TaskRunner::TaskRunner(Options options) : options_(std::move(options)) {}

TaskRunner::~TaskRunner() {
  Shutdown(/*kill_children=*/true);
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

Result<std::unique_ptr<TaskRunner>> TaskRunner::Create(Options options) {
  std::unique_ptr<TaskRunner> runner(new TaskRunner(std::move(options)));
  RETURN_NOT_OK(runner->Init());
  return runner;
}

Status TaskRunner::Init() {
  if (options_.task_binary.empty()) return Status::InvalidArgument("TaskRunner: no task binary");
  if (::access(options_.task_binary.c_str(), X_OK) != 0) {
    return Status::InvalidArgument("TaskRunner: task binary " + options_.task_binary +
                                   " is not executable: " + ErrnoText(errno));
  }
  if (options_.stop_grace_ms < 0) {
    return Status::InvalidArgument("TaskRunner: stop_grace_ms must not be negative");
  }
  int self = OpenPidfd(::getpid());
  if (self < 0) {
    return Status::IllegalState("TaskRunner: pidfd_open is not available (Linux 5.3+ needed): " +
                                ErrnoText(errno));
  }
  ::close(self);
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (wake_fd_ < 0 || epoll_fd_ < 0) {
    return Status::IOError("TaskRunner: cannot create eventfd/epoll: " + ErrnoText(errno));
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeToken;
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev) != 0) {
    return Status::IOError("TaskRunner: epoll_ctl: " + ErrnoText(errno));
  }
  try {
    thread_ = std::thread([this] { ThreadMain(); });
  } catch (const std::system_error& e) {
    return Status::Internal(std::string("TaskRunner: cannot start its thread: ") + e.what());
  }
  thread_id_ = thread_.get_id();
  return Status::OK();
}

void TaskRunner::Wake() {
  uint64_t one = 1;
  ssize_t n = ::write(wake_fd_, &one, sizeof(one));
  (void)n;  // EAGAIN: the counter is already non-zero, the thread will wake anyway.
}

Result<pid_t> TaskRunner::Launch(const TaskLaunch& launch_in) {
  RETURN_NOT_OK(ValidateTaskKey(launch_in.key));
  const std::string key_text = launch_in.key.ToString();
  if (launch_in.module.empty()) return Status::InvalidArgument("task " + key_text + ": no module");
  if (launch_in.work_dir.empty()) {
    return Status::InvalidArgument("task " + key_text + ": no work directory");
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!accepting_) return Status::IllegalState("task runner is shut down");
    auto it = pid_by_key_.find(launch_in.key);
    if (it != pid_by_key_.end()) {
      return Status::AlreadyExists("task " + key_text + " is already running (pid " +
                                   std::to_string(it->second) + ")");
    }
    if (!launching_.emplace(launch_in.key, std::nullopt).second) {
      return Status::AlreadyExists("task " + key_text + " is already being launched");
    }
  }
  TaskLaunch launch = launch_in;
  Status prepared = PrepareTaskDir(&launch);
  if (!prepared.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    launching_.erase(launch.key);
    Wake();  // A draining thread may be waiting for launching_ to empty.
    return prepared.CloneAndPrepend("task " + key_text);
  }
  if (OnRunnerThread()) return SpawnAndRegister(launch);
  SpawnRequest request{&launch, {}};
  std::future<Result<pid_t>> result = request.result.get_future();
  {
    std::lock_guard<std::mutex> l(mu_);
    spawn_queue_.push_back(&request);
  }
  Wake();
  return result.get();
}

Result<pid_t> TaskRunner::SpawnAndRegister(const TaskLaunch& launch) {
  const std::string key_text = launch.key.ToString();
  bool refuse = false;
  {
    std::lock_guard<std::mutex> l(mu_);
    refuse = draining_ && kill_on_drain_;
    if (refuse) launching_.erase(launch.key);
  }
  if (refuse) return Status::IllegalState("task " + key_text + ": task runner is shutting down");

  // Taken before the spawn: the task may be working before SpawnTaskProcess returns.
  const int64_t start_ms = WallMillis();
  Result<SpawnedProcess> spawned = SpawnTaskProcess(options_.task_binary, launch.work_dir);
  std::lock_guard<std::mutex> l(mu_);
  std::optional<PendingStop> pending = std::move(launching_[launch.key]);
  launching_.erase(launch.key);
  if (!spawned.ok()) return spawned.status().CloneAndPrepend("task " + key_text);

  const pid_t pid = spawned->pid;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = static_cast<uint64_t>(pid);
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, spawned->pidfd, &ev) != 0) {
    int err = errno;
    ::kill(-pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    ::close(spawned->pidfd);
    return Status::IOError("task " + key_text + ": epoll_ctl: " + ErrnoText(err));
  }
  Task& task = tasks_[pid];
  task.info = RunningTask{launch.key, launch.module, launch.work_dir, pid, start_ms, false};
  task.pidfd = spawned->pidfd;
  pid_by_key_[launch.key] = pid;
  VLOG(1) << launch.key.LogPrefix() << "started " << launch.module << " as pid " << pid << " in "
          << launch.work_dir;
  if (pending) RequestStopLocked(&task, pending->status, pending->reason);
  if (draining_ && kill_on_drain_) KillNowLocked(&task);
  return pid;
}

Status TaskRunner::Stop(const TaskKey& key, const std::string& stop_status,
                        const std::string& reason) {
  if (!IsStopStatus(stop_status)) {
    return Status::InvalidArgument("stop status \"" + stop_status +
                                   "\" is not canceled, failed or timeout");
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    auto launching = launching_.find(key);
    if (launching != launching_.end()) {
      if (!launching->second) launching->second = PendingStop{stop_status, reason};
      return Status::OK();
    }
    auto it = pid_by_key_.find(key);
    if (it == pid_by_key_.end()) {
      return Status::NotFound("task " + key.ToString() + " is not running");
    }
    RequestStopLocked(&tasks_.at(it->second), stop_status, reason);
  }
  Wake();  // The thread arms the SIGKILL timer.
  return Status::OK();
}

void TaskRunner::RequestStopLocked(Task* task, const std::string& status,
                                   const std::string& reason) {
  if (!task->info.stop_requested) {
    task->info.stop_requested = true;
    task->stop_status = status;
    task->stop_reason = reason;
  }
  if (task->kill_deadline || task->force_killed) return;
  LOG(INFO) << task->info.key.LogPrefix() << "stopping (" << status
            << "): SIGTERM to process group " << task->info.pid;
  // The pid is not reaped yet (reaping takes mu_), so the group id still names our task.
  ::kill(-task->info.pid, SIGTERM);
  task->kill_deadline = Clock::now() + std::chrono::milliseconds(options_.stop_grace_ms);
}

void TaskRunner::KillNowLocked(Task* task) {
  if (!task->info.stop_requested) {
    task->info.stop_requested = true;
    task->stop_status = kPartyStatusFailed;
    task->stop_reason = "task runner shut down";
  }
  if (task->force_killed) return;
  ::kill(-task->info.pid, SIGKILL);
  task->force_killed = true;
}

void TaskRunner::Shutdown(bool kill_children) {
  if (OnRunnerThread()) {
    LOG(DFATAL) << "TaskRunner::Shutdown called from on_exit; ignored";
    return;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    accepting_ = false;
    draining_ = true;
    if (kill_children) {
      kill_on_drain_ = true;
      for (auto& [pid, task] : tasks_) KillNowLocked(&task);
    }
  }
  if (wake_fd_ >= 0) Wake();
  std::lock_guard<std::mutex> s(shutdown_mu_);
  if (thread_.joinable()) thread_.join();
}

size_t TaskRunner::running() const {
  std::lock_guard<std::mutex> l(mu_);
  return tasks_.size();
}

std::vector<RunningTask> TaskRunner::RunningTasks() const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<RunningTask> out;
  out.reserve(tasks_.size());
  for (const auto& [pid, task] : tasks_) out.push_back(task.info);
  return out;
}

std::optional<RunningTask> TaskRunner::FindRunning(const TaskKey& key) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = pid_by_key_.find(key);
  if (it == pid_by_key_.end()) return std::nullopt;
  return tasks_.at(it->second).info;
}

int TaskRunner::NextTimeoutMsLocked() const {
  std::optional<Clock::time_point> next;
  for (const auto& [pid, task] : tasks_) {
    if (task.kill_deadline && !task.force_killed && (!next || *task.kill_deadline < *next)) {
      next = task.kill_deadline;
    }
  }
  if (!next) return -1;
  auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now()).count();
  return static_cast<int>(std::clamp<int64_t>(wait, 0, INT_MAX));
}

void TaskRunner::FireKillTimers() {
  std::lock_guard<std::mutex> l(mu_);
  const auto now = Clock::now();
  for (auto& [pid, task] : tasks_) {
    if (!task.kill_deadline || task.force_killed || *task.kill_deadline > now) continue;
    LOG(WARNING) << task.info.key.LogPrefix() << "still alive " << options_.stop_grace_ms
                 << " ms after SIGTERM; SIGKILL to process group " << pid;
    ::kill(-pid, SIGKILL);
    task.force_killed = true;
  }
}

void TaskRunner::Reap(pid_t pid, std::vector<TaskExit>* exits) {
  Task task;
  int wait_status = 0;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tasks_.find(pid);
    if (it == tasks_.end()) return;
    // The leader has exited but is not reaped, so -pid is still our group: end whatever the
    // task left running in it.
    ::kill(-pid, SIGKILL);
    pid_t r;
    do {
      r = ::waitpid(pid, &wait_status, WNOHANG);
    } while (r < 0 && errno == EINTR);
    if (r == 0) return;  // Not exited after all.
    if (r < 0) {
      LOG(ERROR) << it->second.info.key.LogPrefix() << "waitpid(" << pid
                 << "): " << ErrnoText(errno) << " (reaped by someone else?)";
      wait_status = -1;
    }
    task = std::move(it->second);
    ::close(task.pidfd);  // Also removes it from the epoll set.
    pid_by_key_.erase(task.info.key);
    tasks_.erase(it);
  }
  exits->push_back(MakeExit(task, wait_status));
}

TaskExit TaskRunner::MakeExit(const Task& task, int wait_status) const {
  TaskExit e;
  e.key = task.info.key;
  e.pid = task.info.pid;
  e.stop_requested = task.info.stop_requested;
  e.force_killed = task.force_killed;
  e.start_time_ms = task.info.start_time_ms;
  e.end_time_ms = WallMillis();
  e.party_status = kPartyStatusFailed;
  if (wait_status == -1) {
    e.error = "task process exit status lost (the process was reaped outside the task runner)";
  } else if (WIFSIGNALED(wait_status)) {
    e.term_signal = WTERMSIG(wait_status);
    e.error = "task process killed by signal " + SignalName(e.term_signal);
  } else {
    e.exit_code = WEXITSTATUS(wait_status);
    Result<TaskResult> result = ReadTaskResult(task.info.work_dir);
    if (e.exit_code == 0 && result.ok() && result->party_status != kPartyStatusFailed) {
      e.party_status = result->party_status;
    } else if (result.ok() && !result->error.empty()) {
      e.error = result->error;
    } else if (e.exit_code != 0) {
      e.error = "task process exited with status " + std::to_string(e.exit_code);
    } else {
      e.error = "task process exited with status 0 without a success result: " +
                (result.ok() ? std::string("result.json says failed") : result.status().message());
    }
  }
  if (task.info.stop_requested) {
    e.party_status = task.stop_status;
    e.error =
        task.stop_reason.empty() ? "task stopped (" + task.stop_status + ")" : task.stop_reason;
  }
  LOG(INFO) << e.key.LogPrefix() << "pid " << e.pid << " ended: " << e.party_status
            << (e.error.empty() ? "" : ": " + e.error);
  return e;
}

void TaskRunner::ThreadMain() {
  epoll_event events[64];
  while (true) {
    std::deque<SpawnRequest*> spawns;
    int timeout_ms = -1;
    {
      std::lock_guard<std::mutex> l(mu_);
      spawns.swap(spawn_queue_);
      if (spawns.empty() && draining_ && tasks_.empty() && launching_.empty()) break;
      timeout_ms = NextTimeoutMsLocked();
    }
    for (SpawnRequest* request : spawns) {
      request->result.set_value(SpawnAndRegister(*request->launch));
    }
    // After spawning, only collect what is ready: the next round recomputes the timeout.
    if (!spawns.empty()) timeout_ms = 0;
    int n = ::epoll_wait(epoll_fd_, events, 64, timeout_ms);
    if (n < 0 && errno != EINTR) PLOG(ERROR) << "TaskRunner: epoll_wait";
    std::vector<TaskExit> exits;
    for (int i = 0; i < n; ++i) {
      if (events[i].data.u64 == kWakeToken) {
        uint64_t counter;
        ssize_t r = ::read(wake_fd_, &counter, sizeof(counter));
        (void)r;
      } else {
        Reap(static_cast<pid_t>(events[i].data.u64), &exits);
      }
    }
    FireKillTimers();
    for (const TaskExit& e : exits) {
      if (options_.on_exit) options_.on_exit(e);
    }
  }
  VLOG(1) << "TaskRunner: thread exits, no task left";
}

}  // namespace fedflow
