#include "common/cluster_layout.h"

#include <algorithm>

namespace fedflow {

Json AgentRegistration::ToJson() const {
  return Json{{"agent_id", agent_id},       {"party_id", party_id},
              {"endpoint", endpoint},       {"federation_endpoint", federation_endpoint},
              {"cores", cores},             {"version", version},
              {"started_at", started_at_ms}};
}

Result<AgentRegistration> AgentRegistration::FromJson(const std::string& data,
                                                      const std::string& path) {
  ASSIGN_OR_RETURN(Json j, ParseJson(data, path));
  AgentRegistration r;
  ASSIGN_OR_RETURN(r.agent_id, GetString(j, "agent_id", path));
  ASSIGN_OR_RETURN(r.party_id, GetInt(j, "party_id", path));
  ASSIGN_OR_RETURN(r.endpoint, GetString(j, "endpoint", path));
  bool found = false;
  RETURN_NOT_OK(FindString(j, "federation_endpoint", path, &r.federation_endpoint, &found));
  int64_t cores = 1;
  RETURN_NOT_OK(FindInt(j, "cores", path, &cores, &found));
  r.cores = static_cast<int>(cores);
  RETURN_NOT_OK(FindString(j, "version", path, &r.version, &found));
  RETURN_NOT_OK(FindInt(j, "started_at", path, &r.started_at_ms, &found));
  return r;
}

Result<std::vector<Candidate>> ListCandidates(zk::ZkClient* zk, const ClusterLayout& layout) {
  auto children = zk->GetChildren(layout.election_dir());
  if (!children.ok()) {
    if (children.status().IsNotFound()) return std::vector<Candidate>{};
    return children.status();
  }
  std::vector<std::string> names = *children;
  // Sequence suffixes are fixed-width, so the name order after the prefix is the sequence order.
  std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
    return a.substr(a.rfind('_') + 1) < b.substr(b.rfind('_') + 1);
  });
  std::vector<Candidate> out;
  for (const std::string& n : names) {
    auto node = zk->Get(layout.election_dir() + "/" + n);
    if (!node.ok()) continue;  // Gone between the listing and the read.
    out.push_back(Candidate{n, node->data});
  }
  return out;
}

Result<std::string> FindLeaderEndpoint(zk::ZkClient* zk, const ClusterLayout& layout) {
  ASSIGN_OR_RETURN(std::vector<Candidate> c, ListCandidates(zk, layout));
  if (c.empty()) {
    return Status::Unavailable("no coordinator is running (nothing under " +
                               layout.election_dir() + ")");
  }
  return c.front().endpoint;
}

Result<std::vector<AgentRegistration>> ListAgents(zk::ZkClient* zk, const ClusterLayout& layout) {
  std::vector<AgentRegistration> out;
  auto parties = zk->GetChildren(layout.parties_dir());
  if (!parties.ok()) {
    if (parties.status().IsNotFound()) return out;
    return parties.status();
  }
  for (const std::string& p : *parties) {
    std::string dir = layout.parties_dir() + "/" + p + "/agents";
    auto agents = zk->GetChildren(dir);
    if (!agents.ok()) continue;
    for (const std::string& a : *agents) {
      auto node = zk->Get(dir + "/" + a);
      if (!node.ok()) continue;
      auto reg = AgentRegistration::FromJson(node->data, dir + "/" + a);
      if (reg.ok()) out.push_back(std::move(reg).value());
    }
  }
  return out;
}

}  // namespace fedflow
