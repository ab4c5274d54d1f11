#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "AgentService.h"
#include "cli/coordinator_client.h"
#include "common/cluster_layout.h"
#include "common/json_util.h"
#include "common/rpc/client_pool.h"
#include "common/rpc/thrift_status.h"
#include "common/status.h"

namespace fedflow::cli {

// The live agents of one party, found in ZooKeeper, and calls to their AgentService: the
// data commands talk to a party's agents directly (raw data never goes through the
// coordinator). Not thread-safe (one per command).
class PartyAgents {
 public:
  PartyAgents(ClusterAddress address, int64_t party_id);

  // The party's live agents, by agent id. Unavailable, naming the party and where in
  // ZooKeeper it was looked for, when there is none.
  Result<std::vector<AgentRegistration>> List();

  // Calls one agent and checks the response's status. Failures other than the data's own
  // (InvalidArgument, NotFound, AlreadyExists: the agent does not matter for those) are
  // prefixed with "agent <id> (<endpoint>)".
  template <typename Resp>
  Status Call(const AgentRegistration& agent,
              const std::function<void(thrift::AgentServiceClient&, Resp&)>& call, Resp* resp,
              rpc::Idempotency idem) {
    Status s = pool_.Call(
        agent.endpoint, [&](thrift::AgentServiceClient& c) { call(c, *resp); }, idem);
    if (s.ok()) s = rpc::FromThrift(resp->status);
    if (s.ok() || s.IsInvalidArgument() || s.IsNotFound() || s.IsAlreadyExists()) return s;
    return s.CloneAndPrepend("agent " + agent.agent_id + " (" + agent.endpoint + ")");
  }

  int64_t party_id() const { return party_id_; }

 private:
  CoordinatorClient cluster_;  // Its ZooKeeper session.
  const int64_t party_id_;
  rpc::ClientPool<thrift::AgentServiceClient> pool_;
};

// Options every data and table command takes.
struct DataCommandOptions {
  ClusterAddress address;
  int64_t party_id = 0;
  bool json = false;
};
void AddDataCommandOptions(CLI::App* cmd, DataCommandOptions* o);

// Prints "error: ..." to stderr; returns the exit code: 2 for bad input (InvalidArgument,
// NotFound, AlreadyExists), 1 otherwise.
int FailCommand(const Status& s);

// "12.3 MiB".
std::string FormatBytes(int64_t bytes);
// The agent ids, comma-separated.
std::string AgentIds(const std::vector<AgentRegistration>& agents);

// A progress line on stderr: on a terminal redrawn in place at most ten times a second; in a
// log, one line every few seconds. Not thread-safe.
class ProgressLine {
 public:
  ProgressLine();
  // Shows `text` (throttled unless `force`).
  void Update(const std::string& text, bool force = false);
  // Ends the line on a terminal (so what follows starts on a fresh line).
  void Done();

 private:
  const bool tty_;
  bool shown_ = false;
  std::chrono::steady_clock::time_point last_;
};

// Writes `path` from parts: `next_part` replaces *data with the next part and sets *done after
// the last. Writes <path>.tmp (creating the parent directories) and renames it when complete;
// on failure nothing is left. *bytes counts what was written.
Status WriteFileInParts(const std::string& path,
                        const std::function<Status(std::string* data, bool* done)>& next_part,
                        int64_t* bytes);

// A party data table as JSON, in FATE's `table info` shape (schema.header without the id
// column, schema.sid).
Json TableJson(const thrift::TTableInfo& t);

}  // namespace fedflow::cli
