#include "coordinator/thrift_agent_gateway.h"

#include <glog/logging.h>

#include "common/rpc/thrift_status.h"
#include "common_constants.h"

namespace fedflow::coordinator {

thrift::TTaskKey ToThrift(const TaskKey& key) {
  thrift::TTaskKey k;
  k.job_id = key.job_id;
  k.component = key.component;
  k.role = key.role;
  k.party_id = key.party_id;
  k.task_version = key.task_version;
  return k;
}

TaskKey FromThrift(const thrift::TTaskKey& k) {
  return TaskKey{k.job_id, k.component, k.role, k.party_id, k.task_version};
}

ThriftAgentGateway::ThriftAgentGateway(int io_threads, const rpc::ClientPoolOptions& pool_options)
    : pool_(pool_options), io_("agent-rpc", io_threads) {}

ThriftAgentGateway::~ThriftAgentGateway() { Shutdown(); }

void ThriftAgentGateway::Shutdown() { io_.Shutdown(); }

void ThriftAgentGateway::StartTask(const std::string& endpoint, const StartTaskArgs& args,
                                   std::function<void(Status)> done) {
  io_.Submit([this, endpoint, args, done = std::move(done)] {
    thrift::TStartTaskRequest req;
    req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
    req.key = ToThrift(args.key);
    req.module_name = args.module;
    req.job_parameters_json = DumpJson(args.job_parameters);
    req.component_parameters_json = DumpJson(args.component_parameters);
    req.__set_upstream(args.upstream);
    std::vector<thrift::TPeer> peers;
    for (const TaskPeer& p : args.peers) {
      thrift::TPeer t;
      t.role = p.role;
      t.party_id = p.party_id;
      t.agent_id = p.agent_id;
      t.federation_endpoint = p.federation_endpoint;
      peers.push_back(std::move(t));
    }
    req.__set_peers(peers);
    req.__set_io_json(DumpJson(args.io));
    thrift::TStartTaskResponse resp;
    Status s = pool_.Call(
        endpoint, [&](thrift::AgentServiceClient& c) { c.StartTask(resp, req); },
        rpc::Idempotency::kIdempotent);
    if (s.ok()) s = rpc::FromThrift(resp.status);
    if (!s.ok()) LOG(WARNING) << "StartTask " << args.key.ToString() << " on " << endpoint << ": " << s;
    done(s);
  });
}

void ThriftAgentGateway::StopTask(const std::string& endpoint, const TaskKey& key,
                                  const std::string& stop_status, const std::string& reason,
                                  std::function<void(Status)> done) {
  io_.Submit([this, endpoint, key, stop_status, reason, done = std::move(done)] {
    thrift::TStopTaskRequest req;
    req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
    req.key = ToThrift(key);
    req.stop_status = stop_status;
    req.__set_reason(reason);
    thrift::TStopTaskResponse resp;
    Status s = pool_.Call(
        endpoint, [&](thrift::AgentServiceClient& c) { c.StopTask(resp, req); },
        rpc::Idempotency::kIdempotent);
    if (s.ok()) s = rpc::FromThrift(resp.status);
    done(s);
  });
}

void ThriftAgentGateway::SyncTaskStatus(const std::string& endpoint, const TaskKey& key,
                                        RunStatus federated_status) {
  io_.Submit([this, endpoint, key, federated_status] {
    thrift::TSyncTaskStatusRequest req;
    req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
    req.key = ToThrift(key);
    req.federated_status = ToString(federated_status);
    thrift::TSyncTaskStatusResponse resp;
    Status s = pool_.Call(
        endpoint, [&](thrift::AgentServiceClient& c) { c.SyncTaskStatus(resp, req); },
        rpc::Idempotency::kIdempotent);
    if (!s.ok()) VLOG(1) << "SyncTaskStatus " << key.ToString() << " to " << endpoint << ": " << s;
  });
}

void ThriftAgentGateway::QueryTasks(
    const std::string& endpoint, const std::string& job_id,
    std::function<void(Result<std::vector<AgentTaskState>>)> done) {
  io_.Submit([this, endpoint, job_id, done = std::move(done)] {
    thrift::TQueryAgentTasksRequest req;
    req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
    if (!job_id.empty()) req.__set_job_id(job_id);
    thrift::TQueryAgentTasksResponse resp;
    Status s = pool_.Call(
        endpoint, [&](thrift::AgentServiceClient& c) { c.QueryTasks(resp, req); },
        rpc::Idempotency::kIdempotent);
    if (s.ok()) s = rpc::FromThrift(resp.status);
    if (!s.ok()) {
      done(s);
      return;
    }
    std::vector<AgentTaskState> out;
    for (const thrift::TAgentTask& t : resp.tasks) {
      AgentTaskState a;
      a.key = FromThrift(t.key);
      auto st = ParseRunStatus(t.party_status);
      if (!st.ok()) continue;
      a.party_status = *st;
      a.start_ms = t.start_time_ms;
      a.end_ms = t.end_time_ms;
      a.error = t.error;
      out.push_back(std::move(a));
    }
    done(std::move(out));
  });
}

}  // namespace fedflow::coordinator
