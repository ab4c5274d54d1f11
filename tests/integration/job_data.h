#pragma once

// Helpers for integration tests that put tables on parties' agents, run jobs over them and
// look at what the tasks stored.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "coordinator_types.h"
#include "party-agent/store/agent_store.h"
#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/shared_cluster.h"

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

// tests/data/<name>.csv, whole.
std::string TestDataCsv(const std::string& name);

// A table a suite puts on a party's agent before its tests run.
struct SuiteTable {
  int64_t party;
  std::string name;
  std::string csv;
};

// What a DataJobSuite starts: its cluster's name and parties, and the tables to upload.
struct DataSuiteSpec {
  std::string name;
  std::vector<int64_t> parties;
  std::vector<SuiteTable> tables;
};

// A test suite whose tests run jobs over tables on one MiniCluster, started (and the tables
// uploaded) once for the suite: `class FooITest : public DataJobSuite<FooITest>` with
// `static DataSuiteSpec Spec();`.
template <typename Derived>
class DataJobSuite : public FedflowTest {
 protected:
  static void SetUpTestSuite() {
    DataSuiteSpec spec = Derived::Spec();
    shared_ = new SharedCluster();
    MiniCluster::Options o;
    o.parties = spec.parties;
    shared_->Start(spec.name, o);
    if (!shared_->started()) return;
    for (const SuiteTable& t : spec.tables) {
      Status s = Upload(t.party, t.name, t.csv);
      if (!s.ok()) {
        upload_status_ = s.CloneAndPrepend("uploading " + t.name);
        return;
      }
    }
  }
  static void TearDownTestSuite() {
    shared_->Stop();
    delete shared_;
    shared_ = nullptr;
  }
  void SetUp() override {
    ASSERT_OK(shared_->status());
    ASSERT_OK(upload_status_);
  }
  MiniCluster* cluster() { return shared_->cluster(); }

  static Status Upload(int64_t party, const std::string& name, const std::string& csv) {
    return UploadTable(shared_->cluster(), party, name, csv);
  }
  Result<thrift::TJobInfo> Run(const Json& dsl, const Json& conf) {
    return RunJob(cluster(), dsl, conf, std::chrono::seconds(300));
  }
  void WithStore(int64_t party, const std::function<void(store::AgentStore*)>& check) {
    WithAgentStore(cluster(), party, check);
  }

  static inline SharedCluster* shared_ = nullptr;
  static inline Status upload_status_;
};

}  // namespace fedflow::testing
