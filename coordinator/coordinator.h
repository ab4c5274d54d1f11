#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "common/cluster_layout.h"
#include "common/event_loop.h"
#include "common/rpc/thrift_server.h"
#include "common/zk/zk_client.h"
#include "coordinator/agent_registry.h"
#include "coordinator/coordinator_service.h"
#include "coordinator/leader_election.h"
#include "coordinator/scheduler.h"
#include "coordinator/thrift_agent_gateway.h"
#include "coordinator/zk_job_store.h"

namespace fedflow::coordinator {

struct CoordinatorOptions {
  std::string zk_hosts = "127.0.0.1:2181";
  std::string zk_root = "/fedflow";
  int zk_session_timeout_ms = 6000;
  std::string bind_host = "127.0.0.1";
  // Host name other processes use to reach this coordinator.
  std::string advertise_host = "127.0.0.1";
  int port = 0;
  std::string data_dir;
  int agent_rpc_threads = 8;
  SchedulerOptions scheduler;
};

// The coordinator daemon: serves CoordinatorService, takes part in the leader election and,
// while it leads, runs the Scheduler over the ZooKeeper job store and the live agents.
// Leadership ends when the ZooKeeper session expires or the scheduler is fenced; the daemon
// then drops all leader state, opens a new session and stands for election again.
// Thread-safe. Start-up and shutdown steps are numbered in the .cc.
class Coordinator : public CoordinatorContext {
 public:
  explicit Coordinator(CoordinatorOptions options);
  ~Coordinator() override;

  Status Start();
  void Shutdown();

  std::string endpoint() const;
  bool is_leader();

  // CoordinatorContext.
  std::shared_ptr<Scheduler> scheduler() override;
  std::string leader_endpoint() override;
  void FillClusterStatus(thrift::TClusterStatusResponse* resp) override;

 private:
  Status ConnectAndJoin();
  void OnElected();
  void OnSessionEvent(zk::SessionEvent e);
  // Drops leadership and the session, then joins again with a new session.
  void Rejoin(const std::string& why);
  void Supervise();

  const CoordinatorOptions options_;
  const ClusterLayout layout_;
  std::unique_ptr<rpc::ThriftServer> server_;
  std::unique_ptr<ThriftAgentGateway> gateway_;
  EventLoop control_;  // Session changes, elections and step-downs happen here, in order.

  std::mutex mu_;
  // Guarded by mu_. Lock order: mu_ before nothing (never held across ZooKeeper calls that
  // wait for callbacks).
  std::shared_ptr<zk::ZkClient> zk_;
  std::unique_ptr<LeaderElection> election_;
  std::unique_ptr<ZkJobStore> store_;
  std::shared_ptr<Scheduler> scheduler_;
  std::unique_ptr<AgentRegistry> registry_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace fedflow::coordinator
