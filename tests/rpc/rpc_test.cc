// ThriftServer and ClientPool over real loopback sockets, with a small AgentService.
#include <netinet/in.h>
#include <sys/socket.h>
#include <thrift/server/TServer.h>
#include <thrift/transport/TSocket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "AgentService.h"
#include "common/rpc/client_pool.h"
#include "common/rpc/endpoint.h"
#include "common/rpc/thrift_server.h"
#include "common/rpc/thrift_status.h"
#include "common_types.h"
#include "tests/harness/test_util.h"

namespace fedflow::rpc {
namespace {

using apache::thrift::protocol::TProtocol;
using apache::thrift::server::TServerEventHandler;
using apache::thrift::transport::TSocket;
using apache::thrift::transport::TTransport;
using std::chrono::milliseconds;
using AgentPool = ClientPool<thrift::AgentServiceClient>;
using SteadyClock = std::chrono::steady_clock;

// The server-side socket of the request being processed on this thread (TThreadedServer
// runs a connection's processContext and handler calls on the same thread).
thread_local int tls_current_fd = -1;

// Counts connections and remembers the current one so the handler can cut it.
class ConnectionTracker : public TServerEventHandler {
 public:
  void* createContext(std::shared_ptr<TProtocol>, std::shared_ptr<TProtocol>) override {
    accepted_++;
    active_++;
    return nullptr;
  }
  void deleteContext(void*, std::shared_ptr<TProtocol>, std::shared_ptr<TProtocol>) override {
    active_--;
  }
  void processContext(void*, std::shared_ptr<TTransport> transport) override {
    auto socket = std::dynamic_pointer_cast<TSocket>(transport);
    tls_current_fd = socket ? socket->getSocketFD() : -1;
  }

  int accepted() const { return accepted_; }
  int active() const { return active_; }

 private:
  std::atomic<int> accepted_{0};
  std::atomic<int> active_{0};
};

class TestAgent : public thrift::AgentServiceNull {
 public:
  void Ping(thrift::TPingResponse& resp, const thrift::TPingRequest& req) override {
    pings_++;
    if (drop_next_.fetch_sub(1) > 0) {
      // The request was handled but the response is lost: the client sees EOF.
      if (tls_current_fd >= 0) ::shutdown(tls_current_fd, SHUT_RDWR);
    }
    if (slow_) {
      // The deliberately slow handler: waits (bounded) until the test releases it.
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait_for(l, std::chrono::seconds(10), [this] { return released_; });
    }
    resp.status = ToThrift(CheckProtocolVersion(req.protocol_version));
    resp.__set_agent_id("agent-7");
  }
  void StartTask(thrift::TStartTaskResponse& resp, const thrift::TStartTaskRequest&) override {
    resp.status = ToThrift(Status::OK());
  }
  void StopTask(thrift::TStopTaskResponse& resp, const thrift::TStopTaskRequest&) override {
    resp.status = ToThrift(Status::OK());
  }
  void QueryTasks(thrift::TQueryAgentTasksResponse& resp,
                  const thrift::TQueryAgentTasksRequest&) override {
    resp.status = ToThrift(Status::OK());
  }
  void SyncTaskStatus(thrift::TSyncTaskStatusResponse& resp,
                      const thrift::TSyncTaskStatusRequest&) override {
    resp.status = ToThrift(Status::OK());
  }

  int pings() const { return pings_; }
  void DropNextResponses(int n) { drop_next_ = n; }
  void SetSlow(bool slow) { slow_ = slow; }
  void Release() {
    std::lock_guard<std::mutex> l(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::atomic<int> pings_{0};
  std::atomic<int> drop_next_{0};
  std::atomic<bool> slow_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

class RpcTest : public testing::FedflowTest {
 protected:
  void TearDown() override { agent_->Release(); }

  // Starts an AgentService server on `port` (0: any) with its own connection tracker.
  std::unique_ptr<ThriftServer> StartServer(int port = 0, int recv_timeout_ms = 60000,
                                            std::shared_ptr<ConnectionTracker>* tracker = nullptr) {
    auto t = std::make_shared<ConnectionTracker>();
    if (tracker) *tracker = t;
    ThriftServer::Options options;
    options.port = port;
    options.name = "test-agent";
    options.recv_timeout_ms = recv_timeout_ms;
    options.event_handler = t;
    auto server = std::make_unique<ThriftServer>(options);
    Status s = server->Start(std::make_shared<thrift::AgentServiceProcessor>(agent_));
    EXPECT_TRUE(s.ok()) << s.ToString();
    return server;
  }

  static Status Ping(AgentPool* pool, const std::string& endpoint, Idempotency idempotency,
                     std::string* agent_id = nullptr) {
    thrift::TPingRequest req;
    req.protocol_version = ProtocolVersion();
    thrift::TPingResponse resp;
    RETURN_NOT_OK(pool->Call(
        endpoint, [&](thrift::AgentServiceClient& client) { client.Ping(resp, req); },
        idempotency));
    RETURN_NOT_OK(FromThrift(resp.status));
    if (agent_id) *agent_id = resp.agent_id;
    return Status::OK();
  }

  static int64_t MillisSince(SteadyClock::time_point start) {
    return std::chrono::duration_cast<milliseconds>(SteadyClock::now() - start).count();
  }

  std::shared_ptr<TestAgent> agent_ = std::make_shared<TestAgent>();
};

TEST_F(RpcTest, PingThroughPoolOnPickedPort) {
  std::unique_ptr<ThriftServer> server = StartServer();
  ASSERT_GT(server->port(), 0);
  EXPECT_EQ("127.0.0.1:" + std::to_string(server->port()), server->endpoint());
  AgentPool pool;
  std::string agent_id;
  ASSERT_OK(Ping(&pool, server->endpoint(), Idempotency::kIdempotent, &agent_id));
  EXPECT_EQ("agent-7", agent_id);
}

TEST_F(RpcTest, ConnectionsAreReused) {
  std::shared_ptr<ConnectionTracker> tracker;
  std::unique_ptr<ThriftServer> server = StartServer(0, 60000, &tracker);
  AgentPool pool;
  for (int i = 0; i < 20; ++i) {
    ASSERT_OK(Ping(&pool, server->endpoint(), Idempotency::kNotIdempotent));
  }
  EXPECT_EQ(1, tracker->accepted());
  EXPECT_EQ(1, pool.IdleConnections(server->endpoint()));
  EXPECT_EQ(20, agent_->pings());
}

TEST_F(RpcTest, DropEndpointClosesPooledConnections) {
  std::shared_ptr<ConnectionTracker> tracker;
  std::unique_ptr<ThriftServer> server = StartServer(0, 60000, &tracker);
  AgentPool pool;
  ASSERT_OK(Ping(&pool, server->endpoint(), Idempotency::kIdempotent));
  ASSERT_EQ(1, pool.IdleConnections(server->endpoint()));
  pool.DropEndpoint(server->endpoint());
  EXPECT_EQ(0, pool.IdleConnections(server->endpoint()));
  ASSERT_EVENTUALLY(milliseconds(5000), [&] { ASSERT_EQ(0, tracker->active()); });
  ASSERT_OK(Ping(&pool, server->endpoint(), Idempotency::kIdempotent));
  EXPECT_EQ(2, tracker->accepted());
}

TEST_F(RpcTest, StoppedServerFailsFastWithUnavailable) {
  std::unique_ptr<ThriftServer> server = StartServer();
  const std::string endpoint = server->endpoint();
  AgentPool pool;
  ASSERT_OK(Ping(&pool, endpoint, Idempotency::kIdempotent));
  server->Stop();
  server->Stop();  // Twice is fine.

  for (Idempotency idem : {Idempotency::kIdempotent, Idempotency::kNotIdempotent}) {
    SteadyClock::time_point start = SteadyClock::now();
    Status s = Ping(&pool, endpoint, idem);
    EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
    EXPECT_NE(std::string::npos, s.message().find(endpoint)) << s.ToString();
    // Refused connects: 3 retries with at most 20 + 40 + 80 ms of backoff.
    EXPECT_LT(MillisSince(start), 2000) << s.ToString();
  }
  EXPECT_EQ(1, agent_->pings());
}

TEST_F(RpcTest, PoolRecoversWhenServerRestartsOnSamePort) {
  std::unique_ptr<ThriftServer> first = StartServer();
  const int port = first->port();
  const std::string endpoint = first->endpoint();
  AgentPool pool;
  ASSERT_OK(Ping(&pool, endpoint, Idempotency::kIdempotent));
  ASSERT_EQ(1, pool.IdleConnections(endpoint));
  first->Stop();

  std::shared_ptr<ConnectionTracker> tracker;
  std::unique_ptr<ThriftServer> second = StartServer(port, 60000, &tracker);
  ASSERT_EQ(port, second->port());
  // The pooled connection belongs to the old server: it is dropped, not used.
  ASSERT_OK(Ping(&pool, endpoint, Idempotency::kIdempotent));
  EXPECT_EQ(1, tracker->accepted());
  EXPECT_EQ(2, agent_->pings());
  EXPECT_EQ(1, pool.IdleConnections(endpoint));
}

TEST_F(RpcTest, LostResponseIsRetriedOnlyWhenIdempotent) {
  std::unique_ptr<ThriftServer> server = StartServer();
  const std::string endpoint = server->endpoint();
  AgentPool pool;

  agent_->DropNextResponses(1);
  Status s = Ping(&pool, endpoint, Idempotency::kNotIdempotent);
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find(endpoint)) << s.ToString();
  EXPECT_EQ(1, agent_->pings());
  EXPECT_EQ(0, pool.IdleConnections(endpoint));  // The broken connection was dropped.

  agent_->DropNextResponses(1);
  ASSERT_OK(Ping(&pool, endpoint, Idempotency::kIdempotent));
  EXPECT_EQ(3, agent_->pings());
}

TEST_F(RpcTest, RetriesStopAfterConfiguredCount) {
  std::unique_ptr<ThriftServer> server = StartServer();
  AgentPool::Options options;
  options.retries = 2;
  AgentPool pool(options);
  agent_->DropNextResponses(100);
  Status s = Ping(&pool, server->endpoint(), Idempotency::kIdempotent);
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("gave up after 3 attempts")) << s.ToString();
  EXPECT_EQ(3, agent_->pings());
}

TEST_F(RpcTest, SlowHandlerTimesOutWithinReceiveTimeout) {
  std::unique_ptr<ThriftServer> server = StartServer();
  AgentPool::Options options;
  options.recv_timeout_ms = 300;
  AgentPool pool(options);
  agent_->SetSlow(true);

  SteadyClock::time_point start = SteadyClock::now();
  Status s = Ping(&pool, server->endpoint(), Idempotency::kIdempotent);
  int64_t elapsed_ms = MillisSince(start);
  EXPECT_TRUE(s.IsTimedOut()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find(server->endpoint())) << s.ToString();
  EXPECT_GE(elapsed_ms, 250);
  EXPECT_LT(elapsed_ms, 2000);
  EXPECT_EQ(1, agent_->pings());  // A receive timeout is not retried.
  EXPECT_EQ(0, pool.IdleConnections(server->endpoint()));

  agent_->Release();
  agent_->SetSlow(false);
  ASSERT_OK(Ping(&pool, server->endpoint(), Idempotency::kIdempotent));
}

TEST_F(RpcTest, ConnectTimeoutIsBoundedAndRetried) {
  std::ifstream abort_on_overflow("/proc/sys/net/ipv4/tcp_abort_on_overflow");
  int abort = 0;
  if (abort_on_overflow >> abort && abort != 0) {
    GTEST_SKIP() << "tcp_abort_on_overflow=1: a full accept queue refuses instead of dropping";
  }
  // A listener that never accepts, with its accept queue (backlog 0: one slot) filled:
  // the kernel drops further SYNs, so a connect can only time out.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(0, ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
  ASSERT_EQ(0, ::listen(listener, 0));
  socklen_t len = sizeof(addr);
  ASSERT_EQ(0, ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len));
  int filler = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(0, ::connect(filler, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)));
  const std::string endpoint = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  AgentPool::Options options;
  options.connect_timeout_ms = 200;
  options.retries = 1;
  AgentPool pool(options);
  SteadyClock::time_point start = SteadyClock::now();
  // Not idempotent, yet retried: nothing was sent.
  Status s = Ping(&pool, endpoint, Idempotency::kNotIdempotent);
  int64_t elapsed_ms = MillisSince(start);
  ::close(filler);
  ::close(listener);
  EXPECT_TRUE(s.IsTimedOut()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find(endpoint)) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("gave up after 2 attempts")) << s.ToString();
  EXPECT_GE(elapsed_ms, 350);
  EXPECT_LT(elapsed_ms, 3000);
}

TEST_F(RpcTest, ServerClosesIdleConnectionsAfterReceiveTimeout) {
  std::shared_ptr<ConnectionTracker> tracker;
  std::unique_ptr<ThriftServer> server = StartServer(0, /*recv_timeout_ms=*/200, &tracker);
  AgentPool pool;
  ASSERT_OK(Ping(&pool, server->endpoint(), Idempotency::kIdempotent));
  ASSERT_EVENTUALLY(milliseconds(5000), [&] { ASSERT_EQ(0, tracker->active()); });
  // The pool notices the closed connection and opens a new one, even for a call that
  // must not be retried.
  ASSERT_OK(Ping(&pool, server->endpoint(), Idempotency::kNotIdempotent));
  EXPECT_EQ(2, tracker->accepted());
  EXPECT_EQ(2, agent_->pings());
}

TEST_F(RpcTest, ConcurrentCallsFromEightThreads) {
  std::shared_ptr<ConnectionTracker> tracker;
  std::unique_ptr<ThriftServer> server = StartServer(0, 60000, &tracker);
  AgentPool pool;
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        std::string agent_id;
        Status s = Ping(&pool, server->endpoint(), Idempotency::kIdempotent, &agent_id);
        if (!s.ok() || agent_id != "agent-7") failures++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(0, failures.load());
  EXPECT_EQ(kThreads * kCallsPerThread, agent_->pings());
  // At most one connection per concurrent caller; all of them fit in the idle pool.
  EXPECT_LE(tracker->accepted(), kThreads);
  EXPECT_EQ(tracker->accepted(), pool.IdleConnections(server->endpoint()));
}

TEST_F(RpcTest, BindFailureNamesHostAndPort) {
  std::unique_ptr<ThriftServer> first = StartServer();
  ThriftServer::Options options;
  options.port = first->port();
  options.name = "second";
  ThriftServer second(options);
  Status s = second.Start(std::make_shared<thrift::AgentServiceProcessor>(agent_));
  EXPECT_TRUE(s.IsIOError()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("127.0.0.1:" + std::to_string(first->port())))
      << s.ToString();
  EXPECT_EQ(0, second.port());
  second.Stop();

  Status again = first->Start(std::make_shared<thrift::AgentServiceProcessor>(agent_));
  EXPECT_TRUE(again.IsIllegalState()) << again.ToString();
}

TEST_F(RpcTest, MalformedEndpointsAreRejected) {
  AgentPool pool;
  for (const char* bad :
       {"", "localhost", ":9000", "localhost:", "localhost:http", "host:0", "host:65536",
        "host:123456", "host:80x", "::1:80", "[::1", "[::1]80", "[]:80", "a b:80"}) {
    Result<HostPort> parsed = ParseEndpoint(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_TRUE(parsed.status().IsInvalidArgument()) << parsed.status().ToString();
    EXPECT_NE(std::string::npos, parsed.status().message().find("\"" + std::string(bad) + "\""))
        << parsed.status().ToString();
    Status s = Ping(&pool, bad, Idempotency::kIdempotent);
    EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  }
  Result<HostPort> v4 = ParseEndpoint("127.0.0.1:9370");
  ASSERT_OK(v4);
  EXPECT_EQ("127.0.0.1", v4->host);
  EXPECT_EQ(9370, v4->port);
  Result<HostPort> v6 = ParseEndpoint("[::1]:65535");
  ASSERT_OK(v6);
  EXPECT_EQ("::1", v6->host);
  EXPECT_EQ("[::1]:65535", v6->ToString());
  ASSERT_OK(ParseEndpoint("agent-3.example.org:1"));
}

TEST(ThriftStatusTest, EveryCodeRoundTrips) {
  for (int code = 0; code <= static_cast<int>(Status::Code::kVersionMismatch); ++code) {
    Status original(static_cast<Status::Code>(code), "what went wrong " + std::to_string(code));
    thrift::TStatus wire = ToThrift(original);
    EXPECT_EQ(code, static_cast<int>(wire.code));
    Status back = FromThrift(wire);
    EXPECT_EQ(original.code(), back.code()) << code;
    EXPECT_EQ(original.message(), back.message()) << code;
  }
  EXPECT_FALSE(ToThrift(Status::OK()).__isset.message);
}

TEST(ThriftStatusTest, UnknownCodeAndLeaderHint) {
  thrift::TStatus unknown;
  // A code a newer peer might send (within the enum's value range, so the load is defined).
  unknown.code = static_cast<thrift::StatusCode::type>(12);
  unknown.__set_message("from the future");
  Status s = FromThrift(unknown);
  EXPECT_TRUE(s.IsInternal()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("12")) << s.ToString();

  thrift::TStatus not_leader;
  not_leader.code = thrift::StatusCode::NOT_LEADER;
  not_leader.__set_message("not the leader");
  not_leader.__set_leader_endpoint("10.0.0.2:9380");
  Status redirect = FromThrift(not_leader);
  EXPECT_TRUE(redirect.IsNotLeader());
  EXPECT_NE(std::string::npos, redirect.message().find("10.0.0.2:9380")) << redirect.ToString();
}

TEST(ThriftStatusTest, ProtocolVersionCheck) {
  ASSERT_OK(CheckProtocolVersion(ProtocolVersion()));
  Status s = CheckProtocolVersion(ProtocolVersion() + 1);
  EXPECT_TRUE(s.IsVersionMismatch()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find(std::to_string(ProtocolVersion())));
  EXPECT_NE(std::string::npos, s.message().find(std::to_string(ProtocolVersion() + 1)));
}

}  // namespace
}  // namespace fedflow::rpc
