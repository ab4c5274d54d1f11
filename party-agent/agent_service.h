#pragma once

#include <memory>

#include "AgentService.h"
#include "party-agent/tracking_service.h"

namespace fedflow {

class Agent;

// Thin Thrift handler over Agent: checks the protocol version, converts, calls, packs. It owns
// the agent's TrackingService (over the agent's store and data dir, which must be open when the
// handler is made and outlive it). Thread-safe.
class AgentServiceHandler : public thrift::AgentServiceIf {
 public:
  explicit AgentServiceHandler(Agent* agent);

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

  // Tracking (TrackingService).
  void TrackingMetrics(thrift::TTrackingMetricsResponse& resp,
                       const thrift::TTrackingMetricsRequest& req) override;
  void TrackingMetricData(thrift::TTrackingMetricDataResponse& resp,
                          const thrift::TTrackingMetricDataRequest& req) override;
  void TrackingOutputs(thrift::TTrackingOutputsResponse& resp,
                       const thrift::TTrackingOutputsRequest& req) override;
  void TrackingOutputData(thrift::TTrackingOutputDataResponse& resp,
                          const thrift::TTrackingOutputDataRequest& req) override;
  void TrackingModels(thrift::TTrackingModelsResponse& resp,
                      const thrift::TTrackingModelsRequest& req) override;
  void TrackingModel(thrift::TTrackingModelResponse& resp,
                     const thrift::TTrackingModelRequest& req) override;
  void TrackingSummary(thrift::TTrackingSummaryResponse& resp,
                       const thrift::TTrackingSummaryRequest& req) override;
  void TrackingTaskRecords(thrift::TTrackingTaskRecordsResponse& resp,
                           const thrift::TTrackingTaskRecordsRequest& req) override;
  void TaskLogList(thrift::TTaskLogListResponse& resp,
                   const thrift::TTaskLogListRequest& req) override;
  void TaskLogRead(thrift::TTaskLogReadResponse& resp,
                   const thrift::TTaskLogReadRequest& req) override;
  void CleanJob(thrift::TCleanJobResponse& resp, const thrift::TCleanJobRequest& req) override;

 private:
  Agent* agent_;
  std::unique_ptr<TrackingService> tracking_;
};

}  // namespace fedflow
