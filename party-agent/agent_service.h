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

  // Party data (DataService).
  void UploadBegin(thrift::TUploadBeginResponse& resp,
                   const thrift::TUploadBeginRequest& req) override;
  void UploadChunk(thrift::TUploadChunkResponse& resp,
                   const thrift::TUploadChunkRequest& req) override;
  void UploadFinish(thrift::TUploadFinishResponse& resp,
                    const thrift::TUploadFinishRequest& req) override;
  void UploadAbort(thrift::TUploadAbortResponse& resp,
                   const thrift::TUploadAbortRequest& req) override;
  void Download(thrift::TDownloadResponse& resp, const thrift::TDownloadRequest& req) override;
  void TableInfo(thrift::TTableInfoResponse& resp, const thrift::TTableInfoRequest& req) override;
  void TableList(thrift::TTableListResponse& resp, const thrift::TTableListRequest& req) override;
  void TableDelete(thrift::TTableDeleteResponse& resp,
                   const thrift::TTableDeleteRequest& req) override;

 private:
  Agent* agent_;
};

}  // namespace fedflow
