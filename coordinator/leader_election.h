#pragma once

#include <functional>
#include <mutex>
#include <string>

#include "common/cluster_layout.h"
#include "common/zk/zk_client.h"

namespace fedflow::coordinator {

// ZooKeeper leader election: each coordinator creates an ephemeral-sequential node under
// <root>/coordinators/election holding its endpoint; the lowest sequence leads. A candidate
// watches only its predecessor (no herd effect) and re-checks when it goes away.
// `on_elected` runs once, on the ZooKeeper dispatcher thread, when this candidate becomes
// leader; leadership lasts as long as the session (expiry is reported by the session callback
// the owner registered). Thread-safe.
class LeaderElection {
 public:
  LeaderElection(zk::ZkClient* zk, ClusterLayout layout, std::string endpoint,
                 std::function<void()> on_elected);

  // Creates the candidate node and checks leadership.
  Status Join();
  // Deletes the candidate node (steps down or leaves the race).
  Status Leave();

  bool is_leader() const;
  std::string node() const;
  // The epoch of this candidate: its sequence number (increases with every candidate).
  int64_t epoch() const;

 private:
  void Check();

  zk::ZkClient* zk_;
  const ClusterLayout layout_;
  const std::string endpoint_;
  std::function<void()> on_elected_;
  mutable std::mutex mu_;
  std::string node_;       // Guarded by mu_.
  bool leader_ = false;    // Guarded by mu_.
  bool left_ = false;      // Guarded by mu_.
};

}  // namespace fedflow::coordinator
