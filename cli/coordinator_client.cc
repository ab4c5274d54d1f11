#include "cli/coordinator_client.h"

#include <cstdlib>

#include "common/rpc/thrift_status.h"

namespace fedflow::cli {

namespace {
rpc::ClientPoolOptions PoolOptions() {
  rpc::ClientPoolOptions o;
  o.connect_timeout_ms = 2000;
  o.send_timeout_ms = 30000;
  o.recv_timeout_ms = 30000;
  o.retries = 2;
  return o;
}
}  // namespace

CoordinatorClient::CoordinatorClient(ClusterAddress address)
    : address_(std::move(address)), pool_(PoolOptions()) {
  if (address_.zk.empty() && std::getenv("FEDFLOW_ZK") != nullptr) {
    address_.zk = std::getenv("FEDFLOW_ZK");
  }
}

Result<zk::ZkClient*> CoordinatorClient::Zk() {
  if (zk_ != nullptr) return zk_.get();
  if (address_.zk.empty()) {
    return Status::InvalidArgument(
        "no cluster given: pass --zk HOST:PORT (or set FEDFLOW_ZK, e.g. `source "
        "<cluster dir>/cluster.env`) or --coordinator HOST:PORT");
  }
  zk::ZkOptions o;
  o.hosts = address_.zk;
  o.session_timeout_ms = 10000;
  o.connect_timeout_ms = 5000;
  auto c = zk::ZkClient::Connect(o);
  if (!c.ok()) return c.status().CloneAndPrepend("cannot reach ZooKeeper at " + address_.zk);
  zk_ = std::move(c).value();
  return zk_.get();
}

Result<std::string> CoordinatorClient::Leader() {
  if (!address_.coordinator.empty()) return address_.coordinator;
  ASSIGN_OR_RETURN(zk::ZkClient * zk, Zk());
  return FindLeaderEndpoint(zk, ClusterLayout{address_.zk_root});
}

Status CoordinatorClient::CallImpl(
    const std::function<void(thrift::CoordinatorServiceClient&)>& call,
    const std::function<const thrift::TStatus&()>& status, rpc::Idempotency idem) {
  ASSIGN_OR_RETURN(std::string endpoint, Leader());
  for (int attempt = 0; attempt < 2; ++attempt) {
    Status s = pool_.Call(endpoint, call, idem);
    if (!s.ok()) return s.CloneAndPrepend("coordinator " + endpoint);
    const thrift::TStatus& ts = status();
    Status r = rpc::FromThrift(ts);
    if (r.IsNotLeader() && ts.__isset.leader_endpoint && ts.leader_endpoint != endpoint) {
      endpoint = ts.leader_endpoint;  // Follow the redirect once.
      continue;
    }
    return r;
  }
  return Status::Unavailable("no leader coordinator answered");
}

}  // namespace fedflow::cli
