#pragma once

#include <functional>
#include <memory>

#include "CoordinatorService.h"
#include "coordinator/scheduler.h"

namespace fedflow::coordinator {

// What the service handler needs from the daemon: the scheduler while this coordinator
// leads (nullptr otherwise), the leader's endpoint for redirects, and the cluster view.
class CoordinatorContext {
 public:
  virtual ~CoordinatorContext() = default;
  virtual std::shared_ptr<Scheduler> scheduler() = 0;
  virtual std::string leader_endpoint() = 0;
  virtual void FillClusterStatus(thrift::TClusterStatusResponse* resp) = 0;
};

// Thin Thrift handler: checks the protocol version and leadership, calls the scheduler,
// packs the response. Thread-safe (Thrift calls it from one thread per connection).
class CoordinatorServiceHandler : public thrift::CoordinatorServiceIf {
 public:
  explicit CoordinatorServiceHandler(CoordinatorContext* ctx) : ctx_(ctx) {}

  void SubmitJob(thrift::TSubmitJobResponse& resp, const thrift::TSubmitJobRequest& req) override;
  void QueryJob(thrift::TQueryJobResponse& resp, const thrift::TQueryJobRequest& req) override;
  void ListJobs(thrift::TListJobsResponse& resp, const thrift::TListJobsRequest& req) override;
  void StopJob(thrift::TStopJobResponse& resp, const thrift::TStopJobRequest& req) override;
  void RerunJob(thrift::TRerunJobResponse& resp, const thrift::TRerunJobRequest& req) override;
  void QueryTasks(thrift::TQueryTasksResponse& resp,
                  const thrift::TQueryTasksRequest& req) override;
  void ReportTaskStatus(thrift::TReportTaskStatusResponse& resp,
                        const thrift::TReportTaskStatusRequest& req) override;
  void ClusterStatus(thrift::TClusterStatusResponse& resp,
                     const thrift::TClusterStatusRequest& req) override;

 private:
  // The scheduler, or a NotLeader/VersionMismatch status to answer with.
  Result<std::shared_ptr<Scheduler>> Leader(int32_t protocol_version);
  thrift::TStatus Fail(const Status& s);
  template <typename Resp, typename Fn>
  void WithLeader(int32_t protocol_version, Resp& resp, Fn fn);

  CoordinatorContext* ctx_;
};

// Conversions shared with the CLI.
thrift::TJobInfo ToThrift(const JobView& view, bool with_tasks);

}  // namespace fedflow::coordinator
