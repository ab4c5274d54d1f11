#include "coordinator/agent_registry.h"

#include <glog/logging.h>

namespace fedflow::coordinator {

AgentRegistry::AgentRegistry(zk::ZkClient* zk, ClusterLayout layout,
                             std::function<void(std::vector<AgentInfo>)> on_change)
    : zk_(zk), layout_(std::move(layout)), on_change_(std::move(on_change)) {}

Status AgentRegistry::Start() {
  RETURN_NOT_OK(zk_->EnsurePath(layout_.parties_dir()));
  Rescan();
  return Status::OK();
}

void AgentRegistry::Stop() {
  std::lock_guard<std::mutex> l(mu_);
  stopped_ = true;
}

zk::WatchCallback AgentRegistry::WatchFor(const std::string& path) {
  {
    std::lock_guard<std::mutex> l(mu_);
    // One pending watch per path: the C client would call every duplicate.
    if (!armed_.insert(path).second) return {};
  }
  return [this, path](const zk::WatchEvent& e) {
    {
      std::lock_guard<std::mutex> l(mu_);
      armed_.erase(path);
      if (stopped_) return;
    }
    if (e.type != zk::WatchEventType::kSessionLost) Rescan();
  };
}

void AgentRegistry::Rescan() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopped_) return;
  }
  std::vector<AgentInfo> agents;
  auto parties = zk_->GetChildren(layout_.parties_dir(), WatchFor(layout_.parties_dir()));
  if (!parties.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    armed_.erase(layout_.parties_dir());
    LOG(WARNING) << "agent registry: " << parties.status();
    return;
  }
  for (const std::string& p : *parties) {
    std::string dir = layout_.parties_dir() + "/" + p + "/agents";
    auto children = zk_->GetChildren(dir, WatchFor(dir));
    if (!children.ok()) {
      {
        std::lock_guard<std::mutex> l(mu_);
        armed_.erase(dir);
      }
      // The party node exists but its agents/ node not yet: watch for its creation.
      if (children.status().IsNotFound()) {
        auto exists = zk_->Exists(dir, WatchFor(dir));
        if (exists.ok() && exists->has_value()) Rescan();
      }
      continue;
    }
    for (const std::string& a : *children) {
      auto node = zk_->Get(dir + "/" + a);
      if (!node.ok()) continue;
      auto reg = AgentRegistration::FromJson(node->data, dir + "/" + a);
      if (!reg.ok()) {
        LOG(WARNING) << "agent registry: ignoring " << reg.status();
        continue;
      }
      AgentInfo info;
      info.agent_id = reg->agent_id;
      info.party_id = reg->party_id;
      info.endpoint = reg->endpoint;
      info.federation_endpoint = reg->federation_endpoint;
      info.cores = reg->cores;
      info.version = reg->version;
      info.started_at_ms = reg->started_at_ms;
      agents.push_back(std::move(info));
    }
  }
  on_change_(std::move(agents));
}

}  // namespace fedflow::coordinator
