// Federation between parties' agents, with real processes: FATE's toy job, a large message,
// a peer agent killed mid-exchange, a message from a party outside the job.
#include <chrono>

#include "FederationService.h"
#include "common/cluster_layout.h"
#include "common/rpc/client_pool.h"
#include "common/rpc/thrift_status.h"
#include "common/zk/zk_client.h"
#include "common_constants.h"
#include "party-agent/federation/data_channel.h"
#include "tests/harness/test_util.h"
#include "tests/integration/shared_cluster.h"

namespace fedflow::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::string TwoPartyConf(const std::string& component, const Json& params) {
  Json conf{{"dsl_version", 2},
            {"initiator", {{"role", "guest"}, {"party_id", 9999}}},
            {"role", {{"guest", {9999}}, {"host", {10000}}}},
            {"component_parameters", {{"common", {{component, params}}}}}};
  return DumpJson(conf);
}

std::string OneComponentDsl(const std::string& component, const std::string& module) {
  return DumpJson(Json{{"components", {{component, {{"module", module}}}}}});
}

// One shared two-party cluster per suite; FederationWithoutFastPathsTest starts its agents
// with both fast paths off: chunks inside the TaskService calls and Thrift Push between
// agents (what runs where an agent cannot read its tasks' memory, or talks to an agent
// without a data channel).
template <bool kFastPaths>
class FederationClusterTest : public FedflowTest {
 protected:
  static void SetUpTestSuite() {
    shared_ = new SharedCluster();
    MiniCluster::Options o;
    o.parties = {9999, 10000};
    if (!kFastPaths) {
      o.extra_agent_flags = {"--federation_data_port=-1", "--federation_direct_task_memory=false"};
    }
    shared_->Start(kFastPaths ? "FederationTest" : "FederationWithoutFastPathsTest", o);
  }
  static void TearDownTestSuite() {
    shared_->Stop();
    delete shared_;
    shared_ = nullptr;
  }
  void SetUp() override { ASSERT_OK(shared_->status()); }
  MiniCluster* cluster() { return shared_->cluster(); }

  static inline SharedCluster* shared_ = nullptr;
};
using FederationTest = FederationClusterTest<true>;
using FederationWithoutFastPathsTest = FederationClusterTest<false>;

// FATE's toy job between the two parties succeeds, both tasks too.
void ExpectToyJobSucceeds(MiniCluster* cluster) {
  auto id = cluster->Submit(
      OneComponentDsl("secure_add_example_0", "SecureAddExample"),
      TwoPartyConf("secure_add_example_0", {{"seed", 1}, {"partition", 4}, {"data_num", 1000}}));
  ASSERT_OK(id);
  auto job = cluster->WaitForEnd(*id, seconds(60));
  ASSERT_OK(job);
  EXPECT_EQ("success", job->status) << job->fail_reason;
  ASSERT_EQ(2u, job->tasks.size());
  for (const auto& t : job->tasks) EXPECT_EQ("success", t.party_status) << t.role;
}

// Two 64 MiB messages: the host compares every byte with the payload it derives from the same
// seed; the second round (another payload) lands in the buffer the first one used.
void ExpectSixtyFourMegabyteMessagesArriveIntact(MiniCluster* cluster) {
  auto id = cluster->Submit(OneComponentDsl("fed_transfer_0", "FedTransfer"),
                            TwoPartyConf("fed_transfer_0", {{"bytes", 64 << 20}, {"rounds", 2}}));
  ASSERT_OK(id);
  auto job = cluster->WaitForEnd(*id, seconds(120));
  ASSERT_OK(job);
  EXPECT_EQ("success", job->status) << job->fail_reason;
}

TEST_F(FederationTest, ToyJobSucceeds) {
  ExpectToyJobSucceeds(cluster());
}

TEST_F(FederationTest, SixtyFourMegabyteMessageArrivesIntact) {
  ExpectSixtyFourMegabyteMessagesArriveIntact(cluster());
}

TEST_F(FederationTest, MessageFromAPartyOutsideTheJobIsRefused) {
  // A long exchange keeps the host's task alive while we push as party 4242.
  auto id = cluster()->Submit(
      OneComponentDsl("fed_transfer_0", "FedTransfer"),
      TwoPartyConf("fed_transfer_0", {{"bytes", 1 << 20}, {"rounds", 200000}, {"timeout_ms", 60000}}));
  ASSERT_OK(id);
  zk::ZkOptions zo;
  zo.hosts = cluster()->zk_connect_string();
  auto zk = zk::ZkClient::Connect(zo);
  ASSERT_OK(zk);
  auto agents = ListAgents(zk->get(), ClusterLayout{});
  ASSERT_OK(agents);
  std::string host_federation;
  for (const AgentRegistration& a : agents.value()) {
    if (a.party_id == 10000) host_federation = a.federation_endpoint;
  }
  ASSERT_FALSE(host_federation.empty());
  rpc::ClientPool<thrift::FederationServiceClient> pool;
  thrift::TPushRequest req;
  req.protocol_version = thrift::g_common_constants.PROTOCOL_VERSION;
  req.key.job_id = *id;
  req.key.task_version = 0;
  req.key.tag = "payload";
  req.key.src_role = "guest";
  req.key.src_party_id = 4242;
  req.key.dst_role = "host";
  req.key.dst_party_id = 10000;
  req.key.seq = 0;
  req.component = "fed_transfer_0";
  req.chunk_index = 0;
  req.chunk_count = 1;
  req.total_bytes = 3;
  req.data = "bad";
  Status refused;
  // Wait until the host's task exists there (until then the push is "not started yet").
  ASSERT_EVENTUALLY(seconds(30), [&] {
    thrift::TPushResponse resp;
    ASSERT_OK(pool.Call(host_federation, [&](thrift::FederationServiceClient& c) { c.Push(resp, req); },
                        rpc::Idempotency::kIdempotent));
    refused = rpc::FromThrift(resp.status);
    ASSERT_TRUE(refused.IsInvalidArgument()) << refused.ToString();
  });
  EXPECT_NE(std::string::npos, refused.message().find("guest 4242 is not a party of job"))
      << refused.ToString();
  // The same refusal on the agent's data channel, where chunks normally travel.
  thrift::TDataChannelRequest dreq;
  dreq.protocol_version = req.protocol_version;
  thrift::TDataChannelResponse dresp;
  ASSERT_OK(pool.Call(host_federation,
                      [&](thrift::FederationServiceClient& c) { c.DataChannel(dresp, dreq); },
                      rpc::Idempotency::kIdempotent));
  ASSERT_TRUE(dresp.__isset.port && dresp.port > 0);
  DataChannelClient data(DataChannelClientOptions{});
  thrift::TPushResponse dpush;
  req.data.clear();
  ASSERT_OK(data.Push("127.0.0.1:" + std::to_string(dresp.port), req, "bad", 3, &dpush));
  Status data_refused = rpc::FromThrift(dpush.status);
  EXPECT_TRUE(data_refused.IsInvalidArgument()) << data_refused.ToString();
  EXPECT_NE(std::string::npos, data_refused.message().find("guest 4242 is not a party of job"))
      << data_refused.ToString();
  ASSERT_OK(cluster()->StopJob(*id));
  auto job = cluster()->WaitForEnd(*id, seconds(30));
  ASSERT_OK(job);
  EXPECT_EQ("canceled", job->status);
}

// Last: it kills the host's agent.
TEST_F(FederationTest, ZPeerAgentKilledMidExchangeFailsTheJobFast) {
  // Without the agent loss this job would run for minutes; each side waits up to 120 s.
  auto id = cluster()->Submit(
      OneComponentDsl("fed_transfer_0", "FedTransfer"),
      TwoPartyConf("fed_transfer_0", {{"bytes", 1 << 20}, {"rounds", 1000000}, {"timeout_ms", 120000}}));
  ASSERT_OK(id);
  ASSERT_EVENTUALLY(seconds(30), [&] {
    auto job = cluster()->Query(*id);
    ASSERT_OK(job);
    int running = 0;
    for (const auto& t : job->tasks) running += t.party_status == "running" ? 1 : 0;
    ASSERT_EQ(2, running);
  });
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_OK(cluster()->KillAgent(10000, 0));
  auto job = cluster()->WaitForEnd(*id, seconds(60));
  ASSERT_OK(job);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ("failed", job->status);
  EXPECT_NE(std::string::npos, job->fail_reason.find("lost")) << job->fail_reason;
  EXPECT_LT(secs, 20.0) << "the job took " << secs << " s to fail: it waited out a timeout";
  // The guest's task was stopped, not left waiting.
  ASSERT_EVENTUALLY(seconds(20), [&] { ASSERT_EQ(0, cluster()->CountTaskProcesses(*id)); });
}

TEST_F(FederationWithoutFastPathsTest, SixtyFourMegabyteMessageArrivesIntact) {
  ExpectSixtyFourMegabyteMessagesArriveIntact(cluster());
}

TEST_F(FederationWithoutFastPathsTest, ToyJobSucceeds) {
  ExpectToyJobSucceeds(cluster());
}

}  // namespace
}  // namespace fedflow::testing
