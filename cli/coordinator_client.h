#pragma once

#include <functional>
#include <memory>
#include <string>

#include "CoordinatorService.h"
#include "common/cluster_layout.h"
#include "common/rpc/client_pool.h"
#include "common/status.h"

namespace fedflow::cli {

// Where the CLI finds the cluster: a coordinator given outright, or ZooKeeper
// (--zk, else $FEDFLOW_ZK) to look up the leader.
struct ClusterAddress {
  std::string coordinator;  // host:port
  std::string zk;
  std::string zk_root = "/fedflow";
};

// Calls the leader coordinator: finds it through ZooKeeper (unless given), follows one
// NOT_LEADER redirect, and turns transport and service errors into one Status.
// Not thread-safe (one per command).
class CoordinatorClient {
 public:
  explicit CoordinatorClient(ClusterAddress address);

  // Runs `call` against the leader; `status_of` extracts the response's status.
  template <typename Resp>
  Status Call(const std::function<void(thrift::CoordinatorServiceClient&, Resp&)>& call, Resp* resp,
              rpc::Idempotency idem) {
    return CallImpl([&](thrift::CoordinatorServiceClient& c) { call(c, *resp); },
                    [resp]() -> const thrift::TStatus& { return resp->status; }, idem);
  }

  // Calls one CoordinatorService method on the leader:
  //   client.Invoke(&thrift::CoordinatorServiceClient::QueryJob, req, &resp, idem)
  template <typename Req, typename Resp>
  Status Invoke(void (thrift::CoordinatorServiceClient::*method)(Resp&, const Req&), const Req& req,
                Resp* resp, rpc::Idempotency idem) {
    return Call<Resp>([&](thrift::CoordinatorServiceClient& c, Resp& r) { (c.*method)(r, req); },
                      resp, idem);
  }

  // A ZooKeeper session for commands that read the cluster layout directly.
  Result<zk::ZkClient*> Zk();
  const ClusterAddress& address() const { return address_; }

 private:
  Status CallImpl(const std::function<void(thrift::CoordinatorServiceClient&)>& call,
                  const std::function<const thrift::TStatus&()>& status, rpc::Idempotency idem);
  Result<std::string> Leader();

  ClusterAddress address_;
  rpc::ClientPool<thrift::CoordinatorServiceClient> pool_;
  std::unique_ptr<zk::ZkClient> zk_;
};

}  // namespace fedflow::cli
