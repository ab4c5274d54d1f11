#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent_types.h"
#include "common/status.h"
#include "coordinator_types.h"
#include "tests/harness/zk_launcher.h"

namespace fedflow {
namespace zk {
class ZkClient;
}  // namespace zk
namespace rpc {
template <typename Client>
class ClientPool;
}  // namespace rpc
namespace thrift {
class CoordinatorServiceClient;
class AgentServiceClient;
}  // namespace thrift
}  // namespace fedflow

namespace fedflow::testing {

// A whole fedflow cluster of real processes on loopback, for integration tests (after Kudu's
// ExternalMiniCluster): a ZooKeeper server (ZkLauncher), `coordinators` fedflow-coordinator
// processes and, per party, its fedflow-agent processes, all started from Options::bin_dir.
// Each daemon runs in its own process group with stdout/stderr in <dir>/logs/<name>.out and its
// glog files in <dir>/logs/<name>/; agents keep their store and task work directories in
// <dir>/<name>/. Daemons are named "coordinator-<i>" and "agent-<party>-<i>"; agent i of party P
// registers as agent id "<P>-<i>". Indexes start at 0.
//
// Why: the control plane's promises (cross-party sync, stop, retries, agent and leader loss)
// only mean something between real processes, killed for real.
//
// Daemons get PR_SET_PDEATHSIG(SIGKILL): if the test process dies they die too (and their task
// processes with them), so a crashed test leaves nothing running. Shutdown() (also run by the
// destructor) stops every daemon, reaps it, kills any fedflow-task process left under <dir> and
// stops ZooKeeper.
//
// Not thread-safe: owned and driven by the test's main thread (PR_SET_PDEATHSIG is tied to the
// thread that forks, so daemons must be started from a thread that outlives them).
class MiniCluster {
 public:
  struct Options {
    // Everything the cluster writes goes below this directory (created if missing).
    std::string dir;
    std::vector<int64_t> parties = {9999, 10000, 10001};
    int agents_per_party = 1;
    // Per-party override of agents_per_party.
    std::map<int64_t, int> agents_for_party;
    int coordinators = 1;
    int agent_cores = 4;
    // Appended to each daemon's command line (later flags win in gflags).
    std::vector<std::string> extra_coordinator_flags;
    std::vector<std::string> extra_agent_flags;
    int agent_lost_grace_ms = 1500;
    int task_stop_grace_ms = 500;
    int zk_session_timeout_ms = 4000;
    // Where fedflow's binaries are; empty: $FEDFLOW_TEST_BIN_DIR if set (to test another
    // build), else the build tree's bin/ (FedflowTest::BinDir()).
    std::string bin_dir;
    // How long Start() and Restart*() wait for daemons to serve and a leader to be ready.
    int start_timeout_ms = 60000;
  };

  explicit MiniCluster(Options options);
  ~MiniCluster();  // Shutdown().

  MiniCluster(const MiniCluster&) = delete;
  MiniCluster& operator=(const MiniCluster&) = delete;

  // Starts ZooKeeper, then every daemon, and returns once each has written its --port_file
  // (agents: registered in ZooKeeper) and a leader coordinator answers calls. On failure the
  // message carries the tail of the failing daemon's output.
  Status Start();
  // Stops every daemon (SIGTERM, SIGKILL after 15 s) and ZooKeeper; never leaves a process
  // behind. Idempotent.
  void Shutdown();

  // Daemon control. Kill* sends SIGKILL and reaps; Stop* sends SIGTERM and reaps (SIGKILL after
  // 15 s); Restart* stops the daemon if it runs, then starts it again with the same command line,
  // port and data directory and waits for its port file.
  Status KillCoordinator(int index);
  Status StopCoordinator(int index);
  Status RestartCoordinator(int index);
  Status KillAgent(int64_t party_id, int index);
  Status StopAgent(int64_t party_id, int index);
  Status RestartAgent(int64_t party_id, int index);

  bool CoordinatorRunning(int index) const;
  bool AgentRunning(int64_t party_id, int index) const;
  pid_t CoordinatorPid(int index) const;
  pid_t AgentPid(int64_t party_id, int index) const;
  // "<party_id>-<index>", the id agent `index` of the party registers with.
  static std::string AgentId(int64_t party_id, int index);
  // The index within its party of an agent id made by AgentId(); -1 when it is not one.
  static int AgentIndex(const std::string& agent_id);
  std::string CoordinatorEndpoint(int index) const;
  std::string AgentEndpoint(int64_t party_id, int index) const;

  // The index of the coordinator that leads the election in ZooKeeper (lowest sequence);
  // Unavailable when there is none or the leader is not one of ours.
  Result<int> LeaderIndex();

  const std::string& dir() const { return options_.dir; }
  const Options& options() const { return options_; }
  std::string zk_connect_string() const;
  ZkLauncher* zk_launcher() { return zk_.get(); }

  // --- Client calls to the leader coordinator (CoordinatorService). ---
  // Each finds the leader in ZooKeeper and follows NOT_LEADER redirects. Idempotent calls
  // (queries, stop) are retried across a leader change for up to `patience`; Submit and Rerun
  // are retried only when the leader refused them without writing anything (NOT_LEADER, or a
  // party whose agents the just-elected leader does not know yet).

  // Returns the new job's id; a refused job returns the coordinator's error.
  Result<std::string> Submit(const std::string& dsl_json, const std::string& conf_json);
  Result<thrift::TJobInfo> Query(const std::string& job_id);
  // Newest first, without tasks.
  Result<std::vector<thrift::TJobInfo>> ListJobs();
  Status StopJob(const std::string& job_id, const std::string& stop_status = "canceled");
  Result<std::vector<std::string>> Rerun(const std::string& job_id,
                                         const std::string& component = "", bool force = false);
  // Polls the job until it has an end status (success, failed, canceled, timeout) and returns
  // its final view; TimedOut (naming the last status and running tasks) after `timeout`.
  // Transient errors while a new leader takes over are polled through.
  Result<thrift::TJobInfo> WaitForEnd(const std::string& job_id, std::chrono::milliseconds timeout);
  // What agent `index` of a party knows of the job's tasks (AgentService.QueryTasks).
  Result<std::vector<thrift::TAgentTask>> AgentTasks(int64_t party_id, int index,
                                                     const std::string& job_id);

  // --- Processes. ---
  // Live fedflow-task processes of this cluster (a --task_dir below dir()), of one job when
  // `job_id` is not empty. Zombies are not counted.
  std::vector<pid_t> TaskProcesses(const std::string& job_id = "") const;
  int CountTaskProcesses(const std::string& job_id = "") const {
    return static_cast<int>(TaskProcesses(job_id).size());
  }

  // How long a leader change may take before calls give up (session timeout + slack).
  std::chrono::milliseconds patience() const;

 private:
  struct Daemon {
    std::string name;
    int64_t party_id = 0;  // Agents only.
    int index = 0;
    std::string binary;
    std::vector<std::string> args;  // Without the program name and --port.
    std::string port_file;
    int port = 0;  // 0 until the first start; kept for restarts.
    pid_t pid = -1;
    std::string endpoint;
  };

  Daemon* FindCoordinator(int index);
  const Daemon* FindCoordinator(int index) const;
  Daemon* FindAgent(int64_t party_id, int index);
  const Daemon* FindAgent(int64_t party_id, int index) const;
  Result<Daemon*> CoordinatorDaemon(int index);
  Result<Daemon*> AgentDaemon(int64_t party_id, int index);
  Status Launch(Daemon* d);
  // Waits for the port files of `daemons` (or for one of them to exit).
  Status AwaitServing(const std::vector<Daemon*>& daemons);
  // Sends `sig` and waits for the daemon to exit (SIGKILL after 15 s), reaping it.
  Status Signal(Daemon* d, int sig);
  void AwaitExit(Daemon* d);
  Status Restart(Daemon* d);
  Status ConnectZk();
  Status AwaitLeader();
  std::string DaemonOutputTail(const Daemon& d) const;

  // Runs `call` on the leader; `status` reads the response's TStatus after a call.
  // (mini_cluster_client.cc, with the other client calls.)
  Status CallLeader(const std::function<void(thrift::CoordinatorServiceClient&)>& call,
                    const std::function<const thrift::TStatus&()>& status, bool idempotent,
                    std::chrono::milliseconds patience);
  Result<thrift::TJobInfo> QueryWithPatience(const std::string& job_id,
                                             std::chrono::milliseconds patience);

  Options options_;
  std::unique_ptr<ZkLauncher> zk_;
  std::vector<Daemon> coordinators_;
  std::vector<Daemon> agents_;
  std::unique_ptr<zk::ZkClient> zk_client_;
  std::unique_ptr<rpc::ClientPool<thrift::CoordinatorServiceClient>> coordinator_pool_;
  std::unique_ptr<rpc::ClientPool<thrift::AgentServiceClient>> agent_pool_;
  bool started_ = false;
};

}  // namespace fedflow::testing
