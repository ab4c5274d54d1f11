#include "tests/harness/mini_cluster.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <glog/logging.h>

#include "AgentService.h"
#include "CoordinatorService.h"
#include "common/cluster_layout.h"
#include "common/rpc/client_pool.h"
#include "common/rpc/thrift_status.h"
#include "common/zk/zk_client.h"
#include "tests/harness/test_util.h"

namespace fs = std::filesystem;

namespace fedflow::testing {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kStopGrace(15000);
std::string TailOfFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "(nothing at " + path + ")";
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return s;
}

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  if (in && std::getline(in, line)) return line;
  return "";
}

// Reaps `pid` if it has exited; true when it is gone (or was never our child).
bool Reaped(pid_t pid) {
  int st;
  pid_t r = waitpid(pid, &st, WNOHANG);
  return r == pid || (r < 0 && errno == ECHILD);
}

rpc::ClientPoolOptions PoolOptions() {
  rpc::ClientPoolOptions o;
  o.connect_timeout_ms = 2000;
  o.send_timeout_ms = 15000;
  o.recv_timeout_ms = 15000;
  o.retries = 1;
  return o;
}

int32_t Proto() { return rpc::ProtocolVersion(); }

}  // namespace

MiniCluster::MiniCluster(Options options) : options_(std::move(options)) {}

MiniCluster::~MiniCluster() { Shutdown(); }

std::string MiniCluster::AgentId(int64_t party_id, int index) {
  return std::to_string(party_id) + "-" + std::to_string(index);
}

int MiniCluster::AgentIndex(const std::string& agent_id) {
  size_t dash = agent_id.rfind('-');
  if (dash == std::string::npos || dash + 1 >= agent_id.size()) return -1;
  const std::string tail = agent_id.substr(dash + 1);
  if (tail.size() > 6 || !std::all_of(tail.begin(), tail.end(), ::isdigit)) return -1;
  return static_cast<int>(std::strtol(tail.c_str(), nullptr, 10));
}

std::string MiniCluster::zk_connect_string() const { return zk_ ? zk_->connect_string() : ""; }

milliseconds MiniCluster::patience() const {
  // A dead leader's election node lasts one session timeout; then the standby loads the jobs.
  return milliseconds(3 * options_.zk_session_timeout_ms + 15000);
}

Status MiniCluster::Start() {
  if (started_) return Status::IllegalState("the mini cluster is already started");
  if (options_.dir.empty()) return Status::InvalidArgument("MiniCluster: Options::dir is empty");
  std::error_code ec;
  fs::create_directories(options_.dir + "/logs", ec);
  fs::create_directories(options_.dir + "/run", ec);
  if (ec) return Status::IOError("cannot create " + options_.dir + ": " + ec.message());
  options_.dir = fs::canonical(options_.dir).string();
  started_ = true;  // From here on Shutdown() has something to clean.
  LOG(INFO) << "mini cluster in " << options_.dir;

  ZkLauncher::Options zo;
  zo.dir = options_.dir + "/zk";
  zk_ = std::make_unique<ZkLauncher>(zo);
  RETURN_NOT_OK_PREPEND(zk_->Start(), "starting ZooKeeper");

  std::string bin = options_.bin_dir;
  if (bin.empty() && getenv("FEDFLOW_TEST_BIN_DIR") != nullptr)
    bin = getenv("FEDFLOW_TEST_BIN_DIR");
  if (bin.empty()) bin = FedflowTest::BinDir();
  const std::string zk = zk_->connect_string();
  for (int i = 0; i < options_.coordinators; ++i) {
    Daemon d;
    d.name = "coordinator-" + std::to_string(i);
    d.index = i;
    d.binary = bin + "/fedflow-coordinator";
    d.args = {"--zk=" + zk, "--data_dir=" + options_.dir + "/" + d.name,
              "--zk_session_timeout_ms=" + std::to_string(options_.zk_session_timeout_ms),
              "--coordinator_agent_lost_grace_ms=" + std::to_string(options_.agent_lost_grace_ms),
              "--v=1"};
    for (const std::string& f : options_.extra_coordinator_flags) d.args.push_back(f);
    coordinators_.push_back(std::move(d));
  }
  for (int64_t party : options_.parties) {
    auto it = options_.agents_for_party.find(party);
    int n = it == options_.agents_for_party.end() ? options_.agents_per_party : it->second;
    for (int i = 0; i < n; ++i) {
      Daemon d;
      d.name = "agent-" + std::to_string(party) + "-" + std::to_string(i);
      d.party_id = party;
      d.index = i;
      d.binary = bin + "/fedflow-agent";
      d.args = {"--party_id=" + std::to_string(party),
                "--agent_id=" + AgentId(party, i),
                "--zk=" + zk,
                "--cores=" + std::to_string(options_.agent_cores),
                "--data_dir=" + options_.dir + "/" + d.name,
                "--zk_session_timeout_ms=" + std::to_string(options_.zk_session_timeout_ms),
                "--agent_task_stop_grace_ms=" + std::to_string(options_.task_stop_grace_ms),
                "--v=1"};
      for (const std::string& f : options_.extra_agent_flags) d.args.push_back(f);
      agents_.push_back(std::move(d));
    }
  }
  std::vector<Daemon*> all;
  for (Daemon& d : coordinators_) all.push_back(&d);
  for (Daemon& d : agents_) all.push_back(&d);
  for (Daemon* d : all) RETURN_NOT_OK(Launch(d));
  RETURN_NOT_OK(AwaitServing(all));

  coordinator_pool_ =
      std::make_unique<rpc::ClientPool<thrift::CoordinatorServiceClient>>(PoolOptions());
  agent_pool_ = std::make_unique<rpc::ClientPool<thrift::AgentServiceClient>>(PoolOptions());
  RETURN_NOT_OK(ConnectZk());
  return AwaitLeader();
}

Status MiniCluster::ConnectZk() {
  zk::ZkOptions o;
  o.hosts = zk_->connect_string();
  o.session_timeout_ms = 10000;
  o.connect_timeout_ms = 10000;
  ASSIGN_OR_RETURN(zk_client_, zk::ZkClient::Connect(o));
  return Status::OK();
}

Status MiniCluster::AwaitLeader() {
  // Elected is not enough: the leader answers only once its scheduler has loaded the jobs.
  Status last;
  bool ready = WaitFor(
      [&] {
        thrift::TListJobsResponse resp;
        thrift::TListJobsRequest req;
        req.protocol_version = Proto();
        req.__set_limit(1);
        last = CallLeader([&](thrift::CoordinatorServiceClient& c) { c.ListJobs(resp, req); },
                          [&]() -> const thrift::TStatus& { return resp.status; }, true,
                          milliseconds(0));
        return last.ok();
      },
      milliseconds(options_.start_timeout_ms));
  if (ready) return Status::OK();
  return Status::TimedOut("no leader coordinator answered within " +
                          std::to_string(options_.start_timeout_ms) + " ms: " + last.ToString());
}

Status MiniCluster::Launch(Daemon* d) {
  const std::string log_dir = options_.dir + "/logs/" + d->name;
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  d->port_file = options_.dir + "/run/" + d->name + ".endpoint";
  fs::remove(d->port_file, ec);
  d->endpoint.clear();

  // Everything the child needs is built before fork: after it only async-signal-safe calls.
  std::vector<std::string> args = {d->binary, "--port=" + std::to_string(d->port),
                                   "--port_file=" + d->port_file, "--log_dir=" + log_dir};
  args.insert(args.end(), d->args.begin(), d->args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = options_.dir + "/logs/" + d->name + ".out";
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) return Status::IOError(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);  // The test died before prctl took effect.
    int fd = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0) dup2(null_fd, 0);
    execv(argv[0], argv.data());
    const char msg[] = "exec failed\n";
    ssize_t ignored = write(2, msg, sizeof(msg) - 1);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid, pid);  // Also from the parent, so a signal right after fork reaches the group.
  d->pid = pid;
  VLOG(1) << "started " << d->name << " (pid " << pid << ")";
  return Status::OK();
}

Status MiniCluster::AwaitServing(const std::vector<Daemon*>& daemons) {
  const auto deadline = Clock::now() + milliseconds(options_.start_timeout_ms);
  for (Daemon* d : daemons) {
    while (true) {
      std::string endpoint = ReadFirstLine(d->port_file);
      if (!endpoint.empty()) {
        d->endpoint = endpoint;
        size_t colon = endpoint.rfind(':');
        if (colon != std::string::npos) {
          d->port = static_cast<int>(std::strtol(endpoint.c_str() + colon + 1, nullptr, 10));
        }
        break;
      }
      if (Reaped(d->pid)) {
        d->pid = -1;
        return Status::IOError(d->name + " exited during start-up; its output:\n" +
                               DaemonOutputTail(*d));
      }
      if (Clock::now() >= deadline) {
        return Status::TimedOut(d->name + " did not write " + d->port_file + " within " +
                                std::to_string(options_.start_timeout_ms) + " ms; its output:\n" +
                                DaemonOutputTail(*d));
      }
      std::this_thread::sleep_for(milliseconds(10));
    }
  }
  return Status::OK();
}

std::string MiniCluster::DaemonOutputTail(const Daemon& d) const {
  return TailOfFile(options_.dir + "/logs/" + d.name + ".out", 3000);
}

Status MiniCluster::Signal(Daemon* d, int sig) {
  if (d->pid <= 0) return Status::IllegalState(d->name + " is not running");
  kill(d->pid, sig);
  AwaitExit(d);
  return Status::OK();
}

void MiniCluster::AwaitExit(Daemon* d) {
  if (d->pid <= 0) return;
  const auto deadline = Clock::now() + kStopGrace;
  while (!Reaped(d->pid)) {
    if (Clock::now() >= deadline) {
      LOG(WARNING) << d->name << " still runs " << kStopGrace.count()
                   << " ms after it was signalled; sending SIGKILL";
      kill(d->pid, SIGKILL);
      while (!Reaped(d->pid)) std::this_thread::sleep_for(milliseconds(5));
      break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  VLOG(1) << d->name << " (pid " << d->pid << ") exited";
  d->pid = -1;
}

Status MiniCluster::Restart(Daemon* d) {
  if (d->pid > 0) RETURN_NOT_OK(Signal(d, SIGTERM));
  RETURN_NOT_OK(Launch(d));
  return AwaitServing({d});
}

MiniCluster::Daemon* MiniCluster::FindCoordinator(int index) {
  return index >= 0 && index < static_cast<int>(coordinators_.size()) ? &coordinators_[index]
                                                                      : nullptr;
}
const MiniCluster::Daemon* MiniCluster::FindCoordinator(int index) const {
  return const_cast<MiniCluster*>(this)->FindCoordinator(index);
}
MiniCluster::Daemon* MiniCluster::FindAgent(int64_t party_id, int index) {
  for (Daemon& d : agents_) {
    if (d.party_id == party_id && d.index == index) return &d;
  }
  return nullptr;
}
const MiniCluster::Daemon* MiniCluster::FindAgent(int64_t party_id, int index) const {
  return const_cast<MiniCluster*>(this)->FindAgent(party_id, index);
}

Result<MiniCluster::Daemon*> MiniCluster::CoordinatorDaemon(int index) {
  Daemon* d = FindCoordinator(index);
  if (d == nullptr) return Status::NotFound("no coordinator " + std::to_string(index));
  return d;
}
Result<MiniCluster::Daemon*> MiniCluster::AgentDaemon(int64_t party_id, int index) {
  Daemon* d = FindAgent(party_id, index);
  if (d == nullptr) return Status::NotFound("no agent " + AgentId(party_id, index));
  return d;
}

Status MiniCluster::KillCoordinator(int index) {
  ASSIGN_OR_RETURN(Daemon * d, CoordinatorDaemon(index));
  return Signal(d, SIGKILL);
}
Status MiniCluster::StopCoordinator(int index) {
  ASSIGN_OR_RETURN(Daemon * d, CoordinatorDaemon(index));
  return Signal(d, SIGTERM);
}
Status MiniCluster::RestartCoordinator(int index) {
  ASSIGN_OR_RETURN(Daemon * d, CoordinatorDaemon(index));
  return Restart(d);
}
Status MiniCluster::KillAgent(int64_t party_id, int index) {
  ASSIGN_OR_RETURN(Daemon * d, AgentDaemon(party_id, index));
  return Signal(d, SIGKILL);
}
Status MiniCluster::StopAgent(int64_t party_id, int index) {
  ASSIGN_OR_RETURN(Daemon * d, AgentDaemon(party_id, index));
  return Signal(d, SIGTERM);
}
Status MiniCluster::RestartAgent(int64_t party_id, int index) {
  ASSIGN_OR_RETURN(Daemon * d, AgentDaemon(party_id, index));
  return Restart(d);
}

bool MiniCluster::CoordinatorRunning(int index) const { return CoordinatorPid(index) > 0; }
bool MiniCluster::AgentRunning(int64_t party_id, int index) const {
  return AgentPid(party_id, index) > 0;
}
pid_t MiniCluster::CoordinatorPid(int index) const {
  const Daemon* d = FindCoordinator(index);
  return d == nullptr ? -1 : d->pid;
}
pid_t MiniCluster::AgentPid(int64_t party_id, int index) const {
  const Daemon* d = FindAgent(party_id, index);
  return d == nullptr ? -1 : d->pid;
}
std::string MiniCluster::CoordinatorEndpoint(int index) const {
  const Daemon* d = FindCoordinator(index);
  return d == nullptr ? "" : d->endpoint;
}
std::string MiniCluster::AgentEndpoint(int64_t party_id, int index) const {
  const Daemon* d = FindAgent(party_id, index);
  return d == nullptr ? "" : d->endpoint;
}

Result<int> MiniCluster::LeaderIndex() {
  if (zk_client_ == nullptr) return Status::IllegalState("the mini cluster is not started");
  ASSIGN_OR_RETURN(std::string leader, FindLeaderEndpoint(zk_client_.get(), ClusterLayout{}));
  for (const Daemon& d : coordinators_) {
    if (d.endpoint == leader) return d.index;
  }
  return Status::Unavailable("the leader " + leader + " is none of this cluster's coordinators");
}

void MiniCluster::Shutdown() {
  if (!started_) return;
  started_ = false;
  // 1. Every daemon at once (agents stop their tasks), then reap them.
  std::vector<Daemon*> all;
  for (Daemon& d : agents_) all.push_back(&d);
  for (Daemon& d : coordinators_) all.push_back(&d);
  for (Daemon* d : all) {
    if (d->pid > 0) kill(d->pid, SIGTERM);
  }
  for (Daemon* d : all) AwaitExit(d);
  // 2. A task process should not outlive its agent (PR_SET_PDEATHSIG); make sure of it.
  for (pid_t pid : TaskProcesses()) {
    LOG(WARNING) << "fedflow-task pid " << pid << " outlived its agent; killing it";
    kill(-pid, SIGKILL);
    kill(pid, SIGKILL);
  }
  // 3. Our own clients, then ZooKeeper.
  coordinator_pool_.reset();
  agent_pool_.reset();
  zk_client_.reset();
  if (zk_) zk_->Stop().IgnoreError();
}

}  // namespace fedflow::testing
