#include "coordinator/coordinator.h"

#include <glog/logging.h>

#include "common/version.h"

namespace fedflow::coordinator {

Coordinator::Coordinator(CoordinatorOptions options)
    : options_(std::move(options)), layout_{options_.zk_root}, control_("coordinator-control") {}

Coordinator::~Coordinator() { Shutdown(); }

std::string Coordinator::endpoint() const {
  return options_.advertise_host + ":" + std::to_string(server_ ? server_->port() : 0);
}

Status Coordinator::Start() {
  // 1. Serve RPCs (as a follower until elected: calls are answered with the leader's address).
  rpc::ThriftServer::Options so;
  so.bind_host = options_.bind_host;
  so.port = options_.port;
  so.name = "coordinator";
  server_ = std::make_unique<rpc::ThriftServer>(so);
  auto handler = std::make_shared<CoordinatorServiceHandler>(this);
  RETURN_NOT_OK_PREPEND(
      server_->Start(std::make_shared<thrift::CoordinatorServiceProcessor>(handler)),
      "starting the coordinator service");
  // 2. The RPC client side towards agents.
  rpc::ClientPoolOptions po;
  po.connect_timeout_ms = 1000;
  po.recv_timeout_ms = 5000;
  po.send_timeout_ms = 5000;
  po.retries = 2;
  gateway_ = std::make_unique<ThriftAgentGateway>(options_.agent_rpc_threads, po);
  control_.Start();
  // 3. ZooKeeper session and election.
  RETURN_NOT_OK(ConnectAndJoin());
  LOG(INFO) << "coordinator " << VersionString() << " serving on " << endpoint();
  return Status::OK();
}

Status Coordinator::ConnectAndJoin() {
  zk::ZkOptions zo;
  zo.hosts = options_.zk_hosts;
  zo.session_timeout_ms = options_.zk_session_timeout_ms;
  zo.on_session_event = [this](zk::SessionEvent e) {
    control_.Post([this, e] { OnSessionEvent(e); });
  };
  ASSIGN_OR_RETURN(std::unique_ptr<zk::ZkClient> client, zk::ZkClient::Connect(zo));
  std::shared_ptr<zk::ZkClient> zk(std::move(client));
  RETURN_NOT_OK(zk->EnsurePath(layout_.jobs_dir()));
  RETURN_NOT_OK(zk->EnsurePath(layout_.parties_dir()));
  auto election = std::make_unique<LeaderElection>(zk.get(), layout_, endpoint(), [this] {
    control_.Post([this] { OnElected(); });
  });
  LeaderElection* e = election.get();
  {
    std::lock_guard<std::mutex> l(mu_);
    zk_ = zk;
    election_ = std::move(election);
  }
  return e->Join();
}

void Coordinator::OnElected() {
  std::shared_ptr<zk::ZkClient> zk;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (shutting_down_ || election_ == nullptr || !election_->is_leader()) return;
    zk = zk_;
  }
  auto store = std::make_unique<ZkJobStore>(zk.get(), layout_.root);
  Status s = store->Init();
  auto sched = std::make_shared<Scheduler>(options_.scheduler, store.get(), gateway_.get());
  if (s.ok()) s = sched->Start();
  if (!s.ok()) {
    Rejoin("cannot start scheduling as leader: " + s.ToString());
    return;
  }
  auto registry = std::make_unique<AgentRegistry>(
      zk.get(), layout_, [sched](std::vector<AgentInfo> agents) { sched->SetAgents(agents); });
  {
    std::lock_guard<std::mutex> l(mu_);
    store_ = std::move(store);
    scheduler_ = sched;
    registry_ = std::move(registry);
  }
  s = registry_->Start();
  if (!s.ok()) {
    Rejoin("cannot watch the agents: " + s.ToString());
    return;
  }
  LOG(INFO) << "leading as " << endpoint();
  Supervise();
}

void Coordinator::Supervise() {
  // Fencing is decided on the scheduler thread; look at it here a few times a second.
  std::shared_ptr<Scheduler> sched;
  {
    std::lock_guard<std::mutex> l(mu_);
    sched = scheduler_;
  }
  if (sched == nullptr || shutting_down_) return;
  if (sched->fenced()) {
    Rejoin("scheduler fenced: " + sched->fence_reason());
    return;
  }
  control_.PostAfter(std::chrono::milliseconds(200), [this] { Supervise(); });
}

void Coordinator::OnSessionEvent(zk::SessionEvent e) {
  switch (e) {
    case zk::SessionEvent::kConnected:
      VLOG(1) << "ZooKeeper session connected";
      break;
    case zk::SessionEvent::kConnectionLost: {
      // Not expiry: the session (and leadership) may survive. Writes fail meanwhile, and any
      // failed write fences the scheduler, so nothing is acted on unpersisted. The client
      // learns of expiry only when it reconnects, so a leader cut off for longer than the
      // session timeout steps down by itself: another coordinator may lead by then.
      LOG(WARNING) << "ZooKeeper connection lost";
      std::weak_ptr<zk::ZkClient> weak;
      {
        std::lock_guard<std::mutex> l(mu_);
        weak = zk_;
      }
      control_.PostAfter(std::chrono::milliseconds(options_.zk_session_timeout_ms), [this, weak] {
        auto zk = weak.lock();
        if (zk != nullptr && !zk->connected() && !shutting_down_) {
          Rejoin("cut off from ZooKeeper for longer than the session timeout");
        }
      });
      break;
    }
    case zk::SessionEvent::kExpired:
      Rejoin("ZooKeeper session expired");
      break;
  }
}

void Coordinator::Rejoin(const std::string& why) {
  LOG(WARNING) << "stepping down: " << why;
  std::shared_ptr<Scheduler> sched;
  std::unique_ptr<AgentRegistry> registry;
  std::unique_ptr<ZkJobStore> store;
  std::unique_ptr<LeaderElection> election;
  std::shared_ptr<zk::ZkClient> zk;
  {
    std::lock_guard<std::mutex> l(mu_);
    sched = std::move(scheduler_);
    registry = std::move(registry_);
    store = std::move(store_);
    election = std::move(election_);
    zk = std::move(zk_);
  }
  // Stop acting at once, then let go of the session (the election node goes with it).
  if (registry) registry->Stop();
  if (sched) sched->Stop();
  // Closing the session first joins its dispatcher, so no watch callback can still be using
  // the election or the registry when they are destroyed.
  zk.reset();
  election.reset();
  registry.reset();
  store.reset();
  sched.reset();
  if (shutting_down_) return;
  Status s = ConnectAndJoin();
  if (!s.ok()) {
    LOG(ERROR) << "cannot rejoin the election: " << s << "; retrying in 1 s";
    control_.PostAfter(std::chrono::seconds(1), [this] { Rejoin("retrying"); });
  }
}

void Coordinator::Shutdown() {
  if (shutting_down_.exchange(true)) return;
  // 1. Stop accepting RPCs.
  if (server_) server_->Stop();
  // 2. Stop scheduling and leave ZooKeeper (closing the session deletes the election node).
  control_.RunSync([this] { Rejoin("shutting down"); });
  control_.Stop();
  // 3. Stop talking to agents.
  if (gateway_) gateway_->Shutdown();
  LOG(INFO) << "coordinator stopped";
}

bool Coordinator::is_leader() {
  std::lock_guard<std::mutex> l(mu_);
  return scheduler_ != nullptr && !scheduler_->fenced();
}

std::shared_ptr<Scheduler> Coordinator::scheduler() {
  std::lock_guard<std::mutex> l(mu_);
  return scheduler_;
}

std::string Coordinator::leader_endpoint() {
  std::shared_ptr<zk::ZkClient> zk;
  {
    std::lock_guard<std::mutex> l(mu_);
    zk = zk_;
  }
  if (zk == nullptr) return "";
  auto leader = FindLeaderEndpoint(zk.get(), layout_);
  return leader.ok() ? *leader : "";
}

void Coordinator::FillClusterStatus(thrift::TClusterStatusResponse* resp) {
  std::shared_ptr<zk::ZkClient> zk;
  {
    std::lock_guard<std::mutex> l(mu_);
    zk = zk_;
  }
  if (zk == nullptr) return;
  auto candidates = ListCandidates(zk.get(), layout_);
  if (candidates.ok() && !candidates->empty()) {
    resp->__set_leader_endpoint(candidates->front().endpoint);
    std::vector<std::string> standby;
    for (size_t i = 1; i < candidates->size(); ++i) standby.push_back((*candidates)[i].endpoint);
    resp->__set_standby_endpoints(standby);
  }
  auto agents = ListAgents(zk.get(), layout_);
  if (agents.ok()) {
    std::vector<thrift::TAgentInfo> out;
    for (const AgentRegistration& a : *agents) {
      thrift::TAgentInfo t;
      t.agent_id = a.agent_id;
      t.party_id = a.party_id;
      t.endpoint = a.endpoint;
      t.__set_cores(a.cores);
      t.__set_version(a.version);
      t.__set_started_at_ms(a.started_at_ms);
      out.push_back(std::move(t));
    }
    resp->__set_agents(out);
  }
}

}  // namespace fedflow::coordinator
