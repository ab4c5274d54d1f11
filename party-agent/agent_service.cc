#include "party-agent/agent_service.h"

#include "common/rpc/thrift_status.h"
#include "party-agent/agent.h"

namespace fedflow {

namespace {
TaskKey FromThriftKey(const thrift::TTaskKey& k) {
  return TaskKey{k.job_id, k.component, k.role, k.party_id, k.task_version};
}
}  // namespace

void AgentServiceHandler::StartTask(thrift::TStartTaskResponse& resp,
                                    const thrift::TStartTaskRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  if (!v.ok()) {
    resp.status = rpc::ToThrift(v);
    return;
  }
  auto r = agent_->StartTask(req);
  resp.status = rpc::ToThrift(r.status());
  if (r.ok()) resp.__set_started(*r);
}

void AgentServiceHandler::StopTask(thrift::TStopTaskResponse& resp,
                                   const thrift::TStopTaskRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  if (!v.ok()) {
    resp.status = rpc::ToThrift(v);
    return;
  }
  resp.status = rpc::ToThrift(agent_->StopTask(FromThriftKey(req.key), req.stop_status, req.reason));
}

void AgentServiceHandler::QueryTasks(thrift::TQueryAgentTasksResponse& resp,
                                     const thrift::TQueryAgentTasksRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  if (!v.ok()) {
    resp.status = rpc::ToThrift(v);
    return;
  }
  std::vector<thrift::TAgentTask> out;
  for (const AgentTask& t : agent_->Tasks(req.job_id)) {
    thrift::TAgentTask a;
    a.key.job_id = t.key.job_id;
    a.key.component = t.key.component;
    a.key.role = t.key.role;
    a.key.party_id = t.key.party_id;
    a.key.task_version = t.key.task_version;
    a.module_name = t.module;
    a.party_status = t.party_status;
    if (t.start_ms) a.__set_start_time_ms(t.start_ms);
    if (t.end_ms) a.__set_end_time_ms(t.end_ms);
    if (!t.error.empty()) a.__set_error(t.error);
    if (t.pid) a.__set_pid(t.pid);
    if (!t.federated_status.empty()) a.__set_federated_status(t.federated_status);
    out.push_back(std::move(a));
  }
  resp.status = rpc::ToThrift(Status::OK());
  resp.__set_tasks(out);
}

void AgentServiceHandler::SyncTaskStatus(thrift::TSyncTaskStatusResponse& resp,
                                         const thrift::TSyncTaskStatusRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  if (!v.ok()) {
    resp.status = rpc::ToThrift(v);
    return;
  }
  resp.status =
      rpc::ToThrift(agent_->SyncTaskStatus(FromThriftKey(req.key), req.federated_status));
}

void AgentServiceHandler::Ping(thrift::TPingResponse& resp, const thrift::TPingRequest& req) {
  Status v = rpc::CheckProtocolVersion(req.protocol_version);
  resp.status = rpc::ToThrift(v);
  if (!v.ok()) return;
  resp.__set_agent_id(agent_->agent_id());
  resp.__set_party_id(agent_->party_id());
  resp.__set_cores(agent_->cores());
  resp.__set_running_tasks(agent_->running_tasks());
}

}  // namespace fedflow
