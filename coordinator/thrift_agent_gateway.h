#pragma once

#include <memory>
#include <string>

#include "AgentService.h"
#include "common/rpc/client_pool.h"
#include "common/thread_pool.h"
#include "coordinator/agent_gateway.h"

namespace fedflow::coordinator {

// AgentGateway over Thrift: pooled AgentService clients, calls run on an I/O thread pool.
// Every call here is idempotent on the agent side (keyed by task and version), so all retry.
// Thread-safe.
class ThriftAgentGateway : public AgentGateway {
 public:
  ThriftAgentGateway(int io_threads, const rpc::ClientPoolOptions& pool_options);
  ~ThriftAgentGateway() override;

  void StartTask(const std::string& endpoint, const StartTaskArgs& args,
                 std::function<void(Status)> done) override;
  void StopTask(const std::string& endpoint, const TaskKey& key, const std::string& stop_status,
                const std::string& reason, std::function<void(Status)> done) override;
  void SyncTaskStatus(const std::string& endpoint, const TaskKey& key,
                      RunStatus federated_status) override;
  void QueryTasks(const std::string& endpoint, const std::string& job_id,
                  std::function<void(Result<std::vector<AgentTaskState>>)> done) override;

  void Shutdown();

 private:
  rpc::ClientPool<thrift::AgentServiceClient> pool_;
  ThreadPool io_;
};

thrift::TTaskKey ToThrift(const TaskKey& key);
TaskKey FromThrift(const thrift::TTaskKey& key);

}  // namespace fedflow::coordinator
