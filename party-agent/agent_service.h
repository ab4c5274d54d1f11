#pragma once

#include "AgentService.h"

namespace fedflow {

class Agent;

// Thin Thrift handler over Agent: checks the protocol version, converts, calls, packs.
// Thread-safe.
class AgentServiceHandler : public thrift::AgentServiceIf {
 public:
  explicit AgentServiceHandler(Agent* agent) : agent_(agent) {}

  void StartTask(thrift::TStartTaskResponse& resp, const thrift::TStartTaskRequest& req) override;
  void StopTask(thrift::TStopTaskResponse& resp, const thrift::TStopTaskRequest& req) override;
  void QueryTasks(thrift::TQueryAgentTasksResponse& resp,
                  const thrift::TQueryAgentTasksRequest& req) override;
  void SyncTaskStatus(thrift::TSyncTaskStatusResponse& resp,
                      const thrift::TSyncTaskStatusRequest& req) override;
  void Ping(thrift::TPingResponse& resp, const thrift::TPingRequest& req) override;

 private:
  Agent* agent_;
};

}  // namespace fedflow
