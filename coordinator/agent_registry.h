#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/cluster_layout.h"
#include "common/zk/zk_client.h"
#include "coordinator/scheduler.h"

namespace fedflow::coordinator {

// Follows the live agents in ZooKeeper (<root>/parties/<party>/agents/<agent>) with one-shot
// watches, re-armed after each event, and hands every new full snapshot to `on_change`.
// Callbacks run on the ZooKeeper dispatcher thread. Thread-safe.
class AgentRegistry {
 public:
  AgentRegistry(zk::ZkClient* zk, ClusterLayout layout,
                std::function<void(std::vector<AgentInfo>)> on_change);

  // Reads the current agents, arms the watches and reports the first snapshot.
  Status Start();
  void Stop();

 private:
  void Rescan();
  zk::WatchCallback WatchFor(const std::string& path);

  zk::ZkClient* zk_;
  const ClusterLayout layout_;
  std::function<void(std::vector<AgentInfo>)> on_change_;
  std::mutex mu_;
  std::set<std::string> armed_;  // Paths with a pending children watch. Guarded by mu_.
  bool stopped_ = false;         // Guarded by mu_.
};

}  // namespace fedflow::coordinator
