#include "coordinator/coordinator_service.h"

#include "common/rpc/thrift_status.h"
#include "coordinator/thrift_agent_gateway.h"

namespace fedflow::coordinator {

namespace {

thrift::TTaskInfo ToThrift(const TaskView& t) {
  thrift::TTaskInfo out;
  out.component = t.component;
  out.role = t.task.role;
  out.party_id = t.task.party_id;
  out.task_version = t.task.task_version;
  out.status = ToString(t.status);
  out.party_status = ToString(t.task.party_status);
  if (!t.task.agent_id.empty()) out.__set_agent_id(t.task.agent_id);
  if (t.task.start_ms) out.__set_start_time_ms(t.task.start_ms);
  if (t.task.end_ms) out.__set_end_time_ms(t.task.end_ms);
  if (!t.task.error.empty()) out.__set_error(t.task.error);
  return out;
}

}  // namespace

thrift::TJobInfo ToThrift(const JobView& view, bool with_tasks) {
  const JobRecord& r = view.record;
  thrift::TJobInfo j;
  j.job_id = r.job_id;
  j.status = ToString(r.status);
  j.progress = r.progress;
  j.create_time_ms = r.create_ms;
  if (r.start_ms) j.__set_start_time_ms(r.start_ms);
  if (r.end_ms) j.__set_end_time_ms(r.end_ms);
  j.__set_initiator_role(r.initiator_role);
  j.__set_initiator_party_id(r.initiator_party_id);
  j.__set_roles_json(DumpJson(r.roles));
  if (!r.fail_reason.empty()) j.__set_fail_reason(r.fail_reason);
  j.__set_model_id(r.model_id);
  j.__set_model_version(r.model_version);
  if (with_tasks) {
    std::vector<thrift::TTaskInfo> tasks;
    for (const TaskView& t : view.tasks) tasks.push_back(ToThrift(t));
    j.__set_tasks(tasks);
  }
  return j;
}

thrift::TStatus CoordinatorServiceHandler::Fail(const Status& s) {
  thrift::TStatus t = rpc::ToThrift(s);
  if (s.IsNotLeader()) {
    std::string leader = ctx_->leader_endpoint();
    if (!leader.empty()) t.__set_leader_endpoint(leader);
  }
  return t;
}

Result<std::shared_ptr<Scheduler>> CoordinatorServiceHandler::Leader(int32_t protocol_version) {
  RETURN_NOT_OK(rpc::CheckProtocolVersion(protocol_version));
  std::shared_ptr<Scheduler> s = ctx_->scheduler();
  if (s == nullptr || s->fenced()) {
    return Status::NotLeader("this coordinator is not the leader");
  }
  return s;
}

// Every call but ClusterStatus: check the version and leadership, run `fn` with the
// scheduler; fn returns the Status to answer with (and fills the rest of the response).
template <typename Resp, typename Fn>
void CoordinatorServiceHandler::WithLeader(int32_t protocol_version, Resp& resp, Fn fn) {
  auto sched = Leader(protocol_version);
  resp.status = Fail(sched.ok() ? fn(**sched) : sched.status());
}

void CoordinatorServiceHandler::SubmitJob(thrift::TSubmitJobResponse& resp,
                                          const thrift::TSubmitJobRequest& req) {
  WithLeader(req.protocol_version, resp, [&](Scheduler& sched) -> Status {
    JobSpec spec{req.dsl_json, req.conf_json, req.train_dsl_json, req.train_conf_json};
    ASSIGN_OR_RETURN(SubmitResult r, sched.Submit(spec));
    resp.__set_job_id(r.job_id);
    resp.__set_model_id(r.model_id);
    resp.__set_model_version(r.model_version);
    return Status::OK();
  });
}

void CoordinatorServiceHandler::QueryJob(thrift::TQueryJobResponse& resp,
                                         const thrift::TQueryJobRequest& req) {
  WithLeader(req.protocol_version, resp, [&](Scheduler& sched) -> Status {
    ASSIGN_OR_RETURN(JobView v, sched.QueryJob(req.job_id));
    resp.__set_job(ToThrift(v, true));
    return Status::OK();
  });
}

void CoordinatorServiceHandler::ListJobs(thrift::TListJobsResponse& resp,
                                         const thrift::TListJobsRequest& req) {
  WithLeader(req.protocol_version, resp, [&](Scheduler& sched) -> Status {
    ASSIGN_OR_RETURN(std::vector<JobView> views,
                     sched.ListJobs(req.__isset.limit ? req.limit : 0, req.status_filter));
    std::vector<thrift::TJobInfo> jobs;
    for (const JobView& v : views) jobs.push_back(ToThrift(v, false));
    resp.__set_jobs(jobs);
    return Status::OK();
  });
}

void CoordinatorServiceHandler::StopJob(thrift::TStopJobResponse& resp,
                                        const thrift::TStopJobRequest& req) {
  WithLeader(req.protocol_version, resp, [&](Scheduler& sched) -> Status {
    RunStatus stop = RunStatus::kCanceled;
    if (req.__isset.stop_status && !req.stop_status.empty()) {
      ASSIGN_OR_RETURN(stop, ParseRunStatus(req.stop_status));
    }
    return sched.StopJob(req.job_id, stop);
  });
}

void CoordinatorServiceHandler::RerunJob(thrift::TRerunJobResponse& resp,
                                         const thrift::TRerunJobRequest& req) {
  WithLeader(req.protocol_version, resp, [&](Scheduler& sched) -> Status {
    ASSIGN_OR_RETURN(std::vector<std::string> components,
                     sched.RerunJob(req.job_id, req.component, req.__isset.force && req.force));
    resp.__set_components(components);
    return Status::OK();
  });
}

void CoordinatorServiceHandler::QueryTasks(thrift::TQueryTasksResponse& resp,
                                           const thrift::TQueryTasksRequest& req) {
  WithLeader(req.protocol_version, resp, [&](Scheduler& sched) -> Status {
    ASSIGN_OR_RETURN(JobView v, sched.QueryJob(req.job_id));
    std::vector<thrift::TTaskInfo> tasks;
    for (const TaskView& t : v.tasks) {
      if (req.__isset.component && !req.component.empty() && t.component != req.component) {
        continue;
      }
      tasks.push_back(ToThrift(t));
    }
    resp.__set_tasks(tasks);
    return Status::OK();
  });
}

void CoordinatorServiceHandler::ReportTaskStatus(thrift::TReportTaskStatusResponse& resp,
                                                 const thrift::TReportTaskStatusRequest& req) {
  WithLeader(req.protocol_version, resp, [&](Scheduler& sched) -> Status {
    TaskReport r;
    ASSIGN_OR_RETURN(r.party_status, ParseRunStatus(req.party_status));
    r.key = FromThrift(req.key);
    r.agent_id = req.agent_id;
    r.seq = req.seq;
    r.start_ms = req.start_time_ms;
    r.end_ms = req.end_time_ms;
    r.error = req.error;
    return sched.ReportTaskStatus(r);
  });
}

void CoordinatorServiceHandler::ClusterStatus(thrift::TClusterStatusResponse& resp,
                                              const thrift::TClusterStatusRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  if (!v.ok()) {
    resp.status = Fail(v);
    return;
  }
  resp.status = rpc::ToThrift(Status::OK());
  ctx_->FillClusterStatus(&resp);
}

}  // namespace fedflow::coordinator
