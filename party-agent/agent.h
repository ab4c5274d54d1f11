#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "AgentService.h"
#include "CoordinatorService.h"
#include "common/cluster_layout.h"
#include "common/event_loop.h"
#include "common/rpc/client_pool.h"
#include "common/rpc/thrift_server.h"
#include "common/zk/zk_client.h"
#include "party-agent/data_service.h"
#include "party-agent/federation/federation_handlers.h"
#include "party-agent/report_queue.h"
#include "party-agent/store/agent_store.h"
#include "party-agent/task_runner.h"
#include "party-agent/task_storage.h"

namespace fedflow {

struct AgentOptions {
  int64_t party_id = 0;
  std::string agent_id;  // Empty: "<party>-<host>-<port>".
  std::string zk_hosts = "127.0.0.1:2181";
  std::string zk_root = "/fedflow";
  int zk_session_timeout_ms = 6000;
  std::string data_dir;
  std::string bind_host = "127.0.0.1";
  std::string advertise_host = "127.0.0.1";
  int port = 0;
  int cores = 0;  // 0: the machine's hardware threads.
  std::string task_binary;  // Empty: fedflow-task next to this binary.
  int task_stop_grace_ms = 2000;
  // FederationService port (0 picks a free one) and the federation limits.
  int federation_port = 0;
  FederationOptions federation;
  // The party's store (<data_dir>/agent.db) and its data service.
  store::AgentStoreOptions store;
  // An upload session that receives nothing for this long is aborted (nothing of it stays).
  int upload_idle_timeout_ms = 300000;
  // What tasks may do with the store through the TaskService (cursors, writers, idle expiry).
  TaskStorageOptions task_storage;
};

// A party task of the same component (from StartTask): where its messages go.
struct TaskPeer {
  std::string role;
  int64_t party_id = 0;
  std::string agent_id;
  std::string federation_endpoint;
};

// One task attempt as this agent knows it.
struct AgentTask {
  TaskKey key;
  std::string module;
  std::string party_status;  // waiting | running | success | pass | failed | canceled | timeout
  std::string federated_status;
  std::string error;
  int64_t create_ms = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  int pid = 0;
  std::vector<TaskPeer> peers;
  std::string parameters_json;  // component parameters, for the task record
};

// A party's agent: registers in ZooKeeper, serves AgentService, runs each task attempt as a
// fedflow-task child process (TaskRunner) and reports every party_status change to the leader
// through a persisted ReportQueue. Re-registers after a ZooKeeper session expiry.
// Thread-safe. Start-up and shutdown steps are numbered in the .cc.
class Agent : public FederationHost {
 public:
  explicit Agent(AgentOptions options);
  ~Agent();

  Status Start();
  void Shutdown();

  std::string endpoint() const;
  const std::string& agent_id() const { return agent_id_; }

  // AgentService operations (the handler is a thin wrapper over these).
  Result<bool> StartTask(const thrift::TStartTaskRequest& req);
  Status StopTask(const TaskKey& key, const std::string& stop_status, const std::string& reason);
  std::vector<AgentTask> Tasks(const std::string& job_id) const;
  Status SyncTaskStatus(const TaskKey& key, const std::string& federated_status);
  int running_tasks() const;
  int cores() const { return cores_; }
  int64_t party_id() const { return options_.party_id; }
  std::string federation_endpoint() const;
  // The party's data (tables, uploads, downloads); the data RPCs call it.
  DataService* data() const { return data_.get(); }
  // The party's store and data dir (task work dirs and logs): the tracking RPCs read them.
  store::AgentStore* store() const { return store_.get(); }
  const std::string& data_dir() const { return options_.data_dir; }

  // FederationHost.
  Status CheckIncoming(const MessageKey& key) override;
  Result<std::string> PeerEndpoint(const TaskKey& task, const std::string& role,
                                   int64_t party_id) override;
  Result<pid_t> TaskPid(const TaskKey& task) override;

 private:
  Status OpenStore();
  Status ConnectAndRegister();
  void OnSessionEvent(zk::SessionEvent e);
  void OnTaskExit(const TaskExit& exit);
  void Report(const AgentTask& t);
  // Writes the store's record of the task (its party_status and times). Called with mu_ held.
  void RecordTask(const AgentTask& t);
  Status SendReport(const thrift::TReportTaskStatusRequest& r);
  std::string LogPrefix() const { return "agent " + agent_id_ + ": "; }

  const AgentOptions options_;
  const ClusterLayout layout_;
  std::string agent_id_;
  int cores_ = 1;
  int64_t started_at_ms_ = 0;

  std::unique_ptr<store::AgentStore> store_;
  std::unique_ptr<DataService> data_;
  std::unique_ptr<TaskStorage> task_storage_;  // The TaskService's storage calls.
  std::unique_ptr<TaskRunner> runner_;
  std::unique_ptr<rpc::ThriftServer> server_;
  std::unique_ptr<Federation> federation_;
  std::unique_ptr<rpc::ThriftServer> federation_server_;  // FederationService, other agents.
  std::unique_ptr<rpc::ThriftServer> task_server_;        // TaskService, loopback, our tasks.
  std::unique_ptr<ReportQueue> reports_;
  rpc::ClientPool<thrift::CoordinatorServiceClient> coordinators_;
  EventLoop control_;  // ZooKeeper session changes are handled here.

  mutable std::mutex mu_;
  std::map<TaskKey, AgentTask> tasks_;    // Guarded by mu_.
  std::shared_ptr<zk::ZkClient> zk_;      // Guarded by mu_.
  std::string leader_;                    // Cached leader endpoint. Guarded by mu_.
  std::atomic<bool> shutting_down_{false};
};

}  // namespace fedflow
