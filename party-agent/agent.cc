#include "party-agent/agent.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <glog/logging.h>

#include "common/time_util.h"
#include "common/rpc/thrift_status.h"
#include "common/version.h"
#include "common_constants.h"
#include "party-agent/agent_service.h"
#include "party-agent/task_service.h"

namespace fedflow {

namespace {

std::string SelfDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "." : p.parent_path().string();
}

thrift::TTaskKey ToThriftKey(const TaskKey& k) {
  thrift::TTaskKey t;
  t.job_id = k.job_id;
  t.component = k.component;
  t.role = k.role;
  t.party_id = k.party_id;
  t.task_version = k.task_version;
  return t;
}

rpc::ClientPoolOptions CoordinatorPoolOptions() {
  rpc::ClientPoolOptions o;
  o.connect_timeout_ms = 1000;
  o.send_timeout_ms = 5000;
  o.recv_timeout_ms = 5000;
  o.retries = 1;
  return o;
}

}  // namespace

Agent::Agent(AgentOptions options)
    : options_(std::move(options)),
      layout_{options_.zk_root},
      coordinators_(CoordinatorPoolOptions()),
      control_("agent-control") {}

Agent::~Agent() { Shutdown(); }

std::string Agent::endpoint() const {
  return options_.advertise_host + ":" + std::to_string(server_ ? server_->port() : 0);
}

std::string Agent::federation_endpoint() const {
  return options_.advertise_host + ":" +
         std::to_string(federation_server_ ? federation_server_->port() : 0);
}

Status Agent::OpenStore() {
  std::error_code ec;
  std::filesystem::create_directories(options_.data_dir, ec);
  if (ec) return Status::IOError("cannot create data dir " + options_.data_dir + ": " + ec.message());
  // Never recreated over existing data: a corrupt or locked store is the operator's call
  // (AgentStore::Open says which, and why).
  ASSIGN_OR_RETURN(store_,
                   store::AgentStore::Open(options_.data_dir + "/agent.db", options_.store));
  return Status::OK();
}

Status Agent::Start() {
  if (options_.party_id <= 0) {
    return Status::InvalidArgument("--party_id must be a positive integer (FATE party id)");
  }
  if (options_.data_dir.empty()) return Status::InvalidArgument("--data_dir is required");
  started_at_ms_ = WallMillis();
  cores_ = options_.cores > 0 ? options_.cores
                              : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  // 1. The store: the party's tables, and reports not yet acknowledged.
  RETURN_NOT_OK(OpenStore());
  DataService::Options dso;
  dso.idle_timeout_ms = options_.upload_idle_timeout_ms;
  data_ = std::make_unique<DataService>(store_.get(), dso);
  data_->Start();
  task_storage_ = std::make_unique<TaskStorage>(store_.get(), options_.task_storage);
  task_storage_->Start();
  // 2. The task runner.
  TaskRunner::Options ro;
  ro.task_binary = options_.task_binary.empty() ? SelfDir() + "/fedflow-task" : options_.task_binary;
  ro.stop_grace_ms = options_.task_stop_grace_ms;
  ro.on_exit = [this](const TaskExit& e) { OnTaskExit(e); };
  if (access(ro.task_binary.c_str(), X_OK) != 0) {
    return Status::NotFound("task binary " + ro.task_binary + " is missing or not executable");
  }
  ASSIGN_OR_RETURN(runner_, TaskRunner::Create(ro));
  // 3. Serve AgentService.
  rpc::ThriftServer::Options so;
  so.bind_host = options_.bind_host;
  so.port = options_.port;
  so.name = "agent";
  server_ = std::make_unique<rpc::ThriftServer>(so);
  auto handler = std::make_shared<AgentServiceHandler>(this);
  RETURN_NOT_OK_PREPEND(server_->Start(std::make_shared<thrift::AgentServiceProcessor>(handler)),
                        "starting the agent service");
  // 4. Federation: FederationService for other parties' agents; TaskService (loopback only)
  // for our task processes: federation and storage.
  federation_ = std::make_unique<Federation>(this, options_.federation);
  rpc::ThriftServer::Options fo = so;
  fo.port = options_.federation_port;
  fo.name = "federation";
  federation_server_ = std::make_unique<rpc::ThriftServer>(fo);
  RETURN_NOT_OK_PREPEND(federation_server_->Start(std::make_shared<thrift::FederationServiceProcessor>(
                            federation_->federation_handler())),
                        "starting the federation service");
  RETURN_NOT_OK_PREPEND(federation_->Start(options_.bind_host),
                        "starting the federation data channel");
  rpc::ThriftServer::Options to;
  to.bind_host = "127.0.0.1";
  to.port = 0;
  to.name = "task-service";
  to.recv_timeout_ms = 24 * 3600 * 1000;  // A task may wait long for a peer's message.
  task_server_ = std::make_unique<rpc::ThriftServer>(to);
  RETURN_NOT_OK_PREPEND(
      task_server_->Start(std::make_shared<thrift::TaskServiceProcessor>(
          NewTaskServiceHandler(federation_.get(), task_storage_.get()))),
      "starting the task service");
  agent_id_ = options_.agent_id.empty()
                  ? std::to_string(options_.party_id) + "-" + options_.advertise_host + "-" +
                        std::to_string(server_->port())
                  : options_.agent_id;
  // 5. Reports to the leader (including those left by an earlier run).
  reports_ = std::make_unique<ReportQueue>(
      store_->db(), [this](const thrift::TReportTaskStatusRequest& r) { return SendReport(r); });
  RETURN_NOT_OK(reports_->Start());
  // 6. Register in ZooKeeper: from now on the coordinator may send tasks.
  control_.Start();
  RETURN_NOT_OK(ConnectAndRegister());
  LOG(INFO) << LogPrefix() << "fedflow-agent " << VersionString() << " for party "
            << options_.party_id << " serving on " << endpoint() << " with " << cores_
            << " cores";
  return Status::OK();
}

Status Agent::ConnectAndRegister() {
  zk::ZkOptions zo;
  zo.hosts = options_.zk_hosts;
  zo.session_timeout_ms = options_.zk_session_timeout_ms;
  zo.on_session_event = [this](zk::SessionEvent e) {
    control_.Post([this, e] { OnSessionEvent(e); });
  };
  ASSIGN_OR_RETURN(std::unique_ptr<zk::ZkClient> client, zk::ZkClient::Connect(zo));
  std::shared_ptr<zk::ZkClient> zk(std::move(client));
  const std::string dir = layout_.agents_dir(options_.party_id);
  RETURN_NOT_OK(zk->EnsurePath(dir));
  {
    std::lock_guard<std::mutex> l(mu_);
    zk_ = zk;  // The report sender finds the leader through it.
  }
  // Reports left by an earlier run of this agent go out before it registers: once the
  // leader sees a new process under this id it fails whatever the old one was running, and a
  // success reported after that would be lost.
  if (!reports_->WaitDrained(std::chrono::seconds(5))) {
    LOG(WARNING) << LogPrefix() << reports_->pending()
                 << " reports still undelivered; registering anyway";
  }
  AgentRegistration reg;
  reg.agent_id = agent_id_;
  reg.party_id = options_.party_id;
  reg.endpoint = endpoint();
  reg.federation_endpoint = federation_endpoint();
  reg.cores = cores_;
  reg.version = VersionString();
  reg.started_at_ms = started_at_ms_;
  const std::string path = dir + "/" + agent_id_;
  auto created = zk->Create(path, DumpJson(reg.ToJson()), zk::CreateMode::kEphemeral);
  if (created.status().IsAlreadyExists()) {
    // A node of an expired session of ours can linger until the server notices; replace it.
    auto existing = zk->Exists(path);
    if (existing.ok() && existing->has_value() &&
        (*existing)->ephemeral_owner != zk->session_id()) {
      zk->Delete(path).IgnoreError();
      created = zk->Create(path, DumpJson(reg.ToJson()), zk::CreateMode::kEphemeral);
    } else {
      created = path;
    }
  }
  RETURN_NOT_OK_PREPEND(created.status(), "registering agent " + agent_id_ + " in ZooKeeper");
  return Status::OK();
}

void Agent::OnSessionEvent(zk::SessionEvent e) {
  if (e != zk::SessionEvent::kExpired || shutting_down_) return;
  LOG(WARNING) << LogPrefix() << "ZooKeeper session expired; registering again";
  {
    std::lock_guard<std::mutex> l(mu_);
    zk_.reset();
  }
  Status s = ConnectAndRegister();
  if (!s.ok()) {
    LOG(ERROR) << LogPrefix() << "cannot register again: " << s << "; retrying in 1 s";
    control_.PostAfter(std::chrono::seconds(1),
                       [this] { OnSessionEvent(zk::SessionEvent::kExpired); });
  }
}

void Agent::Shutdown() {
  if (shutting_down_.exchange(true)) return;
  // 1. Stop accepting RPCs.
  if (server_) server_->Stop();
  if (federation_server_) federation_server_->Stop();
  if (federation_) federation_->Stop();
  if (task_server_) task_server_->Stop();
  // 2. Leave ZooKeeper: the coordinator stops sending work here.
  control_.Stop();
  {
    std::lock_guard<std::mutex> l(mu_);
    zk_.reset();
  }
  // 3. Stop every task (their final reports are persisted for the next run).
  if (runner_) runner_->Shutdown(/*kill_children=*/true);
  // 4. Stop reporting, abort uploads and task outputs in progress and close the store.
  if (reports_) reports_->Stop();
  reports_.reset();
  runner_.reset();
  if (data_) data_->Shutdown();
  data_.reset();
  if (task_storage_) task_storage_->Shutdown();
  task_storage_.reset();
  store_.reset();
  LOG(INFO) << LogPrefix() << "stopped";
}

Result<bool> Agent::StartTask(const thrift::TStartTaskRequest& req) {
  TaskKey key{req.key.job_id, req.key.component, req.key.role, req.key.party_id,
              req.key.task_version};
  RETURN_NOT_OK(ValidateTaskKey(key));
  if (key.party_id != options_.party_id) {
    return Status::InvalidArgument("task " + key.ToString() + " is for party " +
                                   std::to_string(key.party_id) + ", this agent serves party " +
                                   std::to_string(options_.party_id));
  }
  ASSIGN_OR_RETURN(Json job_params, ParseJson(req.job_parameters_json, "job parameters"));
  ASSIGN_OR_RETURN(Json cpn_params, ParseJson(req.component_parameters_json,
                                              "component parameters"));
  Json io = Json::object();
  if (req.__isset.io_json && !req.io_json.empty()) {
    ASSIGN_OR_RETURN(io, ParseJson(req.io_json, "task io"));
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    if (tasks_.count(key)) return false;  // Idempotent: known (running, ended or stopped).
    AgentTask t;
    t.key = key;
    t.module = req.module_name;
    t.party_status = "waiting";
    t.create_ms = WallMillis();
    t.parameters_json = req.component_parameters_json;
    for (const thrift::TPeer& p : req.peers) {
      t.peers.push_back(TaskPeer{p.role, p.party_id, p.agent_id, p.federation_endpoint});
    }
    tasks_[key] = t;
    RecordTask(t);
  }
  TaskLaunch launch;
  launch.key = key;
  launch.module = req.module_name;
  launch.job_parameters = std::move(job_params);
  launch.component_parameters = std::move(cpn_params);
  launch.io = std::move(io);
  auto dir = TaskWorkDir(options_.data_dir, key);
  Result<pid_t> pid = dir.ok() ? Result<pid_t>(Status::OK()) : Result<pid_t>(dir.status());
  if (dir.ok()) {
    launch.work_dir = *dir;
    launch.agent_endpoint = "127.0.0.1:" + std::to_string(task_server_->port());
    for (const thrift::TPeer& p : req.peers) {
      launch.peers.push_back(Json{{"role", p.role}, {"party_id", p.party_id}});
    }
    // Its storage calls are accepted from the moment the process may make them.
    task_storage_->BeginTask(key);
    pid = runner_->Launch(launch);
    if (!pid.ok()) task_storage_->EndTask(key);
  }
  // The runner took the start time before spawning the process; use it, not the time the
  // launch returned (the task may have been working for a while by then).
  int64_t start_ms = WallMillis();
  if (pid.ok()) {
    if (auto running = runner_->FindRunning(key)) start_ms = running->start_time_ms;
  }
  if (!pid.ok()) {
    // Messages already sent to it will never be taken.
    federation_->mailbox()->CloseTask(key, "task " + key.ToString() + " could not start");
  }
  std::lock_guard<std::mutex> l(mu_);
  AgentTask& t = tasks_[key];
  if (!pid.ok()) {
    t.party_status = "failed";
    t.error = "cannot start the task process: " + pid.status().ToString();
    t.end_ms = WallMillis();
    LOG(ERROR) << LogPrefix() << key.ToString() << ": " << t.error;
    Report(t);
    return true;
  }
  if (t.party_status == "waiting") {  // Not ended already (OnTaskExit reports running first).
    t.party_status = "running";
    t.pid = *pid;
    t.start_ms = start_ms;
    Report(t);
  }
  VLOG(1) << LogPrefix() << "started " << key.ToString() << " (" << req.module_name << ") pid "
          << *pid;
  return true;
}

Status Agent::StopTask(const TaskKey& key, const std::string& stop_status,
                       const std::string& reason) {
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = tasks_.find(key);
    if (it == tasks_.end()) {
      // Stopped before it was started here: remember it, so a late start is refused.
      AgentTask t;
      t.key = key;
      t.party_status = stop_status;
      t.error = reason;
      t.end_ms = WallMillis();
      tasks_[key] = t;
      Report(t);
      return Status::OK();
    }
    if (it->second.party_status != "running" && it->second.party_status != "waiting") {
      return Status::OK();  // Already ended.
    }
  }
  // Wake a task blocked waiting for a peer's message, so that it ends at once.
  federation_->mailbox()->CloseTask(key, "task stopped (" + stop_status + "): " + reason);
  Status s = runner_->Stop(key, stop_status, reason);
  return s.IsNotFound() ? Status::OK() : s;
}

void Agent::OnTaskExit(const TaskExit& e) {
  // First refuse the dead process's storage calls and release what it left open (its
  // uncommitted outputs are deleted), so that the task's end is reported after that.
  task_storage_->EndTask(e.key);
  std::lock_guard<std::mutex> l(mu_);
  auto it = tasks_.find(e.key);
  if (it == tasks_.end()) return;
  AgentTask& t = it->second;
  if (t.party_status == "waiting") {
    // The process ended before StartTask recorded it running: report running first (order).
    t.party_status = "running";
    t.start_ms = e.start_time_ms;
    Report(t);
  }
  t.party_status = e.party_status;
  t.error = e.error;
  t.end_ms = e.end_time_ms;
  t.pid = 0;
  federation_->mailbox()->CloseTask(e.key, "task " + e.key.ToString() + " ended " + e.party_status);
  VLOG(1) << LogPrefix() << e.key.ToString() << " ended " << e.party_status
          << (e.error.empty() ? "" : ": " + e.error);
  Report(t);
}

// Called with mu_ held, so reports of one task are enqueued in order.
void Agent::Report(const AgentTask& t) {
  thrift::TReportTaskStatusRequest r;
  r.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
  r.key = ToThriftKey(t.key);
  r.party_status = t.party_status;
  r.agent_id = agent_id_;
  if (t.start_ms) r.__set_start_time_ms(t.start_ms);
  if (t.end_ms) r.__set_end_time_ms(t.end_ms);
  if (!t.error.empty()) r.__set_error(t.error);
  Status s = reports_->Enqueue(r);
  if (!s.ok()) LOG(ERROR) << LogPrefix() << "cannot persist a report: " << s;
  RecordTask(t);
}

void Agent::RecordTask(const AgentTask& t) {
  store::TaskRecord r;
  r.job_id = t.key.job_id;
  r.component = t.key.component;
  r.role = t.key.role;
  r.party_id = t.key.party_id;
  r.task_version = t.key.task_version;
  r.module = t.module;
  r.party_status = t.party_status;
  r.create_time_ms = t.create_ms != 0 ? t.create_ms : (t.start_ms != 0 ? t.start_ms : t.end_ms);
  r.start_time_ms = t.start_ms;
  r.end_time_ms = t.end_ms;
  r.error = t.error;
  r.run_pid = t.pid;
  r.agent_id = agent_id_;
  r.parameters_json = t.parameters_json;
  Status s = store_->PutTaskRecord(std::move(r));
  if (!s.ok()) {
    LOG(ERROR) << LogPrefix() << t.key.ToString() << ": cannot write the task record: " << s;
  }
}

Status Agent::SendReport(const thrift::TReportTaskStatusRequest& r) {
  std::string leader;
  std::shared_ptr<zk::ZkClient> zk;
  {
    std::lock_guard<std::mutex> l(mu_);
    leader = leader_;
    zk = zk_;
  }
  if (leader.empty()) {
    if (zk == nullptr) return Status::Unavailable("not connected to ZooKeeper");
    ASSIGN_OR_RETURN(leader, FindLeaderEndpoint(zk.get(), layout_));
    std::lock_guard<std::mutex> l(mu_);
    leader_ = leader;
  }
  thrift::TReportTaskStatusResponse resp;
  Status s = coordinators_.Call(
      leader, [&](thrift::CoordinatorServiceClient& c) { c.ReportTaskStatus(resp, r); },
      rpc::Idempotency::kIdempotent);
  if (s.ok()) s = rpc::FromThrift(resp.status);
  if (s.ok()) return s;
  if (s.IsNotLeader() || s.IsUnavailable() || s.IsTimedOut() || s.IsIOError()) {
    std::lock_guard<std::mutex> l(mu_);
    leader_ = s.IsNotLeader() && resp.status.__isset.leader_endpoint &&
                      resp.status.leader_endpoint != leader
                  ? resp.status.leader_endpoint
                  : "";
    return s;
  }
  // The leader understood and refused it (unknown job or task): retrying cannot help.
  LOG(WARNING) << LogPrefix() << "report for " << r.key.job_id << "/" << r.key.component
               << " refused by the leader: " << s;
  return Status::OK();
}

std::vector<AgentTask> Agent::Tasks(const std::string& job_id) const {
  std::lock_guard<std::mutex> l(mu_);
  std::vector<AgentTask> out;
  for (const auto& [key, t] : tasks_) {
    if (job_id.empty() || key.job_id == job_id) out.push_back(t);
  }
  return out;
}

Status Agent::SyncTaskStatus(const TaskKey& key, const std::string& federated_status) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = tasks_.find(key);
  if (it == tasks_.end()) return Status::NotFound("task " + key.ToString() + " is not known here");
  it->second.federated_status = federated_status;
  return Status::OK();
}

Status Agent::CheckIncoming(const MessageKey& key) {
  TaskKey dst{key.job_id, key.component, key.dst_role, key.dst_party_id, key.task_version};
  std::lock_guard<std::mutex> l(mu_);
  auto it = tasks_.find(dst);
  if (it == tasks_.end()) {
    bool job_known = false;
    for (const auto& [k, t] : tasks_) job_known |= k.job_id == key.job_id;
    return Status::Unavailable(std::string(job_known ? "" : "no task of job " + key.job_id +
                                                                 " here yet; ") +
                               "task " + dst.ToString() + " has not started on agent " + agent_id_);
  }
  for (const TaskPeer& p : it->second.peers) {
    if (p.role == key.src_role && p.party_id == key.src_party_id) return Status::OK();
  }
  return Status::InvalidArgument("refusing " + key.ToString() + ": " + key.src_role + " " +
                                 std::to_string(key.src_party_id) + " is not a party of job " +
                                 key.job_id + " component " + key.component);
}

Result<std::string> Agent::PeerEndpoint(const TaskKey& task, const std::string& role,
                                        int64_t party_id) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = tasks_.find(task);
  if (it == tasks_.end()) return Status::NotFound("task " + task.ToString() + " is not known here");
  for (const TaskPeer& p : it->second.peers) {
    if (p.role == role && p.party_id == party_id) {
      if (p.federation_endpoint.empty()) {
        return Status::Unavailable("agent " + p.agent_id + " of " + role + " " +
                                   std::to_string(party_id) + " has no federation endpoint");
      }
      return p.federation_endpoint;
    }
  }
  return Status::InvalidArgument(role + " " + std::to_string(party_id) +
                                 " is not a party of component " + task.component + " in job " +
                                 task.job_id);
}

Result<pid_t> Agent::TaskPid(const TaskKey& task) {
  // The runner knows a task's pid from the moment it is spawned (before StartTask records it).
  std::optional<RunningTask> t = runner_ ? runner_->FindRunning(task) : std::nullopt;
  if (!t || t->pid <= 0) {
    return Status::IllegalState("task " + task.ToString() + " is not running on agent " +
                                agent_id_);
  }
  return t->pid;
}

int Agent::running_tasks() const { return static_cast<int>(runner_ ? runner_->running() : 0); }

}  // namespace fedflow
