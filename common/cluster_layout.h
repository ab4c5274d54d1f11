#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "common/zk/zk_client.h"

namespace fedflow {

// fedflow's ZooKeeper layout (DESIGN.md, "ZooKeeper layout"), below a configurable root.
struct ClusterLayout {
  std::string root = "/fedflow";

  std::string election_dir() const { return root + "/coordinators/election"; }
  std::string parties_dir() const { return root + "/parties"; }
  std::string agents_dir(int64_t party_id) const {
    return parties_dir() + "/" + std::to_string(party_id) + "/agents";
  }
  std::string jobs_dir() const { return root + "/jobs"; }
};

// What an agent publishes in its ephemeral node.
struct AgentRegistration {
  std::string agent_id;
  int64_t party_id = 0;
  std::string endpoint;             // AgentService, host:port
  std::string federation_endpoint;  // FederationService, host:port (may be empty)
  int cores = 1;
  std::string version;
  int64_t started_at_ms = 0;

  Json ToJson() const;
  static Result<AgentRegistration> FromJson(const std::string& data, const std::string& path);
};

// The election candidates, lowest sequence first: each is (node name, endpoint).
struct Candidate {
  std::string node;
  std::string endpoint;
};
Result<std::vector<Candidate>> ListCandidates(zk::ZkClient* zk, const ClusterLayout& layout);

// The leader coordinator's endpoint (the lowest candidate). Unavailable when there is none.
Result<std::string> FindLeaderEndpoint(zk::ZkClient* zk, const ClusterLayout& layout);

// Every live agent of every party.
Result<std::vector<AgentRegistration>> ListAgents(zk::ZkClient* zk, const ClusterLayout& layout);

}  // namespace fedflow
