#include "coordinator/leader_election.h"

#include <glog/logging.h>

namespace fedflow::coordinator {

LeaderElection::LeaderElection(zk::ZkClient* zk, ClusterLayout layout, std::string endpoint,
                               std::function<void()> on_elected)
    : zk_(zk),
      layout_(std::move(layout)),
      endpoint_(std::move(endpoint)),
      on_elected_(std::move(on_elected)) {}

Status LeaderElection::Join() {
  RETURN_NOT_OK(zk_->EnsurePath(layout_.election_dir()));
  ASSIGN_OR_RETURN(std::string path, zk_->Create(layout_.election_dir() + "/n_", endpoint_,
                                                 zk::CreateMode::kEphemeralSequential));
  {
    std::lock_guard<std::mutex> l(mu_);
    node_ = path.substr(path.rfind('/') + 1);
    left_ = false;
  }
  LOG(INFO) << "joined the coordinator election as " << path;
  Check();
  return Status::OK();
}

Status LeaderElection::Leave() {
  std::string node;
  {
    std::lock_guard<std::mutex> l(mu_);
    node = node_;
    left_ = true;
    leader_ = false;
  }
  if (node.empty()) return Status::OK();
  Status s = zk_->Delete(layout_.election_dir() + "/" + node);
  return s.IsNotFound() ? Status::OK() : s;
}

bool LeaderElection::is_leader() const {
  std::lock_guard<std::mutex> l(mu_);
  return leader_;
}

std::string LeaderElection::node() const {
  std::lock_guard<std::mutex> l(mu_);
  return node_;
}

int64_t LeaderElection::epoch() const {
  std::string n = node();
  if (n.empty()) return 0;
  return std::stoll(n.substr(n.rfind('_') + 1));
}

void LeaderElection::Check() {
  std::string mine;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (left_ || leader_) return;
    mine = node_;
  }
  auto candidates = ListCandidates(zk_, layout_);
  if (!candidates.ok()) {
    LOG(WARNING) << "election: cannot list candidates: " << candidates.status();
    return;  // The session callback handles connection loss and expiry.
  }
  std::string predecessor;
  for (const Candidate& c : *candidates) {
    if (c.node == mine) break;
    predecessor = c.node;
  }
  if (predecessor.empty()) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (left_) return;
      leader_ = true;
    }
    LOG(INFO) << "elected leader (" << mine << ")";
    on_elected_();
    return;
  }
  // Watch the predecessor only. If it vanished between listing and watching, check again.
  auto exists = zk_->Exists(layout_.election_dir() + "/" + predecessor,
                            [this](const zk::WatchEvent& e) {
                              if (e.type != zk::WatchEventType::kSessionLost) Check();
                            });
  if (exists.ok() && !exists->has_value()) {
    Check();
  } else if (exists.ok()) {
    VLOG(1) << "standing by behind " << predecessor;
  }
}

}  // namespace fedflow::coordinator
