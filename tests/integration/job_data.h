#pragma once

// Helpers for integration tests that put tables on parties' agents, run jobs over them and
// look at what the tasks stored.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "common/json_util.h"
#include "common/status.h"
#include "coordinator_types.h"
#include "party-agent/store/agent_store.h"
#include "tests/harness/mini_cluster.h"

namespace fedflow::testing {

// Uploads `csv` (with a header) as table <ns>.<name> to agent 0 of `party` through its
// AgentService, in one chunk, replacing a table of that name (what `fedflow data upload
// --drop` does).
Status UploadTable(MiniCluster* cluster, int64_t party, const std::string& name,
                   const std::string& csv, const std::string& ns = "experiment");

// Submits the job and waits for its end.
Result<thrift::TJobInfo> RunJob(MiniCluster* cluster, const Json& dsl, const Json& conf,
                                std::chrono::seconds timeout);

// Calls `check` with the store of agent 0 of `party`: the agent is stopped meanwhile (LevelDB
// allows one process per database) and restarted afterwards. Fails the test on error.
void WithAgentStore(MiniCluster* cluster, int64_t party,
                    const std::function<void(store::AgentStore*)>& check);

}  // namespace fedflow::testing
