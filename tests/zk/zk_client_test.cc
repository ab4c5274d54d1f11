// Integration tests of ZkClient against a real ZooKeeper server (ZkLauncher) per test.

#include "common/zk/zk_client.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <glog/logging.h>
#include <zookeeper/zookeeper.h>

#include "tests/harness/test_util.h"
#include "tests/harness/zk_launcher.h"

#ifndef ASSERT_OK_AND_ASSIGN
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)                           \
  auto tmp = (rexpr);                                                        \
  ASSERT_TRUE(tmp.ok()) << #rexpr << " failed: " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(FEDFLOW_CONCAT(_assign_, __LINE__), lhs, rexpr)
#endif

namespace fedflow::zk {
namespace {

using fedflow::testing::FedflowTest;
using fedflow::testing::WaitFor;
using fedflow::testing::ZkLauncher;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr auto kWait = seconds(15);

// A thread-safe record of callback invocations.
template <typename T>
class Recorder {
 public:
  void Add(T value) {
    std::lock_guard<std::mutex> l(mu_);
    values_.push_back(std::move(value));
  }
  std::vector<T> Get() const {
    std::lock_guard<std::mutex> l(mu_);
    return values_;
  }
  size_t size() const {
    std::lock_guard<std::mutex> l(mu_);
    return values_.size();
  }

 private:
  mutable std::mutex mu_;
  std::vector<T> values_;
};

std::vector<std::string> Names(const std::vector<SessionEvent>& events) {
  std::vector<std::string> out;
  for (SessionEvent e : events) out.push_back(SessionEventName(e));
  return out;
}

// Attaches a second handle to the session of `creds` (the server moves the session to it and
// drops the first client's connection) and closes it at once, which closes the session. Also
// returns when the session turns out to be closed already.
void AttachAndClose(const std::string& hosts, const SessionCredentials& creds) {
  ASSERT_EQ(16u, creds.password.size());
  clientid_t id;
  id.client_id = creds.session_id;
  memcpy(id.passwd, creds.password.data(), sizeof(id.passwd));
  struct SessionState {
    std::mutex mu;
    std::condition_variable cv;
    int state = 0;  // ZOO_CONNECTED_STATE or ZOO_EXPIRED_SESSION_STATE once known.
  } session;
  watcher_fn watcher = [](zhandle_t*, int type, int state, const char*, void* ctx) {
    if (type != ZOO_SESSION_EVENT) return;
    if (state != ZOO_CONNECTED_STATE && state != ZOO_EXPIRED_SESSION_STATE) return;
    auto* s = static_cast<SessionState*>(ctx);
    std::lock_guard<std::mutex> l(s->mu);
    s->state = state;
    s->cv.notify_all();
  };
  log_callback_fn log = [](const char* message) { LOG(INFO) << "second handle: " << message; };
  zhandle_t* zh = zookeeper_init2(hosts.c_str(), watcher, 10000, &id, &session, 0, log);
  ASSERT_NE(nullptr, zh);
  int state;
  {
    std::unique_lock<std::mutex> l(session.mu);
    session.cv.wait_for(l, kWait, [&] { return session.state != 0; });
    state = session.state;
  }
  const int64_t attached = zoo_client_id(zh)->client_id;
  // Close without delay: the first client reconnects within milliseconds and would take the
  // session back.
  zookeeper_close(zh);
  if (state == ZOO_EXPIRED_SESSION_STATE) return;
  ASSERT_EQ(ZOO_CONNECTED_STATE, state) << "the second handle did not connect";
  ASSERT_EQ(creds.session_id, attached) << "the second handle got a new session";
}

// Forces `client`'s session to expire with AttachAndClose(). When the first client wins the race
// for its session (it reconnects in milliseconds), the close fails on the server; then again.
void ExpireSession(const std::string& hosts, ZkClient* client) {
  // The client may notice only after its connection times out (2/3 of the session timeout).
  const auto notice = milliseconds(client->session_timeout_ms()) + seconds(2);
  for (int attempt = 1; attempt <= 5; ++attempt) {
    ASSERT_NO_FATAL_FAILURE(AttachAndClose(hosts, client->credentials()));
    if (WaitFor([&] { return client->expired(); }, notice)) return;
    LOG(INFO) << "session " << client->session_id() << " survived attempt " << attempt;
  }
  FAIL() << "could not expire session " << client->session_id();
}

class ZkClientTest : public FedflowTest {
 protected:
  void SetUp() override {
    ZkLauncher::Options opts;
    opts.dir = test_dir() + "/zk";
    zk_ = std::make_unique<ZkLauncher>(opts);
    // A test fails (never skips) when the server cannot start.
    ASSERT_OK(zk_->Start());
  }

  Result<std::unique_ptr<ZkClient>> NewClient(std::function<void(SessionEvent)> on_event = {},
                                              int session_timeout_ms = 4000) {
    ZkOptions opts;
    opts.hosts = zk_->connect_string();
    opts.session_timeout_ms = session_timeout_ms;
    opts.connect_timeout_ms = 10000;
    opts.on_session_event = std::move(on_event);
    return ZkClient::Connect(std::move(opts));
  }

  std::unique_ptr<ZkLauncher> zk_;
};

TEST_F(ZkClientTest, EphemeralNodeVanishesWhenItsSessionCloses) {
  ASSERT_OK_AND_ASSIGN(auto owner, NewClient());
  ASSERT_OK_AND_ASSIGN(auto observer, NewClient());
  ASSERT_OK(owner->EnsurePath("/fedflow/agents"));
  ASSERT_OK_AND_ASSIGN(std::string path,
                       owner->Create("/fedflow/agents/a1", "{}", CreateMode::kEphemeral));
  EXPECT_EQ("/fedflow/agents/a1", path);

  Recorder<WatchEvent> events;
  ASSERT_OK_AND_ASSIGN(std::optional<Stat> stat,
                       observer->Exists(path, [&](const WatchEvent& e) { events.Add(e); }));
  ASSERT_TRUE(stat.has_value());
  EXPECT_EQ(owner->session_id(), stat->ephemeral_owner);
  EXPECT_NE(owner->session_id(), observer->session_id());

  owner.reset();  // Closes the session.

  ASSERT_TRUE(WaitFor([&] { return events.size() == 1; }, kWait));
  EXPECT_EQ(WatchEventType::kDeleted, events.Get()[0].type);
  EXPECT_EQ(path, events.Get()[0].path);
  ASSERT_OK_AND_ASSIGN(stat, observer->Exists(path));
  EXPECT_FALSE(stat.has_value());
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> children, observer->GetChildren("/fedflow/agents"));
  EXPECT_TRUE(children.empty());
}

TEST_F(ZkClientTest, WatchFiresOnceAndCanBeReArmed) {
  ASSERT_OK_AND_ASSIGN(auto client, NewClient());
  ASSERT_OK_AND_ASSIGN(auto writer, NewClient());
  ASSERT_OK(client->Create("/w", "v1").status());

  Recorder<WatchEvent> first;
  ASSERT_OK_AND_ASSIGN(NodeData node,
                       client->Get("/w", [&](const WatchEvent& e) { first.Add(e); }));
  EXPECT_EQ("v1", node.data);
  ASSERT_OK(writer->Set("/w", "v2"));
  ASSERT_TRUE(WaitFor([&] { return first.size() == 1; }, kWait));
  EXPECT_EQ(WatchEventType::kDataChanged, first.Get()[0].type);
  EXPECT_EQ("/w", first.Get()[0].path);

  // Not re-armed: the second change is not delivered to `first`. Events reach a client in order,
  // so once the re-armed watch below has seen the third change, a stray event for the second
  // change would already have arrived.
  ASSERT_OK(writer->Set("/w", "v3"));
  Recorder<WatchEvent> second;
  ASSERT_OK_AND_ASSIGN(node, client->Get("/w", [&](const WatchEvent& e) { second.Add(e); }));
  EXPECT_EQ("v3", node.data);
  ASSERT_OK(writer->Set("/w", "v4"));
  ASSERT_TRUE(WaitFor([&] { return second.size() == 1; }, kWait));
  EXPECT_EQ(WatchEventType::kDataChanged, second.Get()[0].type);
  EXPECT_EQ(1u, first.size());

  // Children and existence watches.
  Recorder<WatchEvent> children;
  ASSERT_OK(client->GetChildren("/w", [&](const WatchEvent& e) { children.Add(e); }).status());
  Recorder<WatchEvent> created;
  ASSERT_OK_AND_ASSIGN(std::optional<Stat> stat,
                       client->Exists("/w/c", [&](const WatchEvent& e) { created.Add(e); }));
  EXPECT_FALSE(stat.has_value());
  ASSERT_OK(writer->Create("/w/c", "").status());
  ASSERT_TRUE(WaitFor([&] { return children.size() == 1 && created.size() == 1; }, kWait));
  EXPECT_EQ(WatchEventType::kChildrenChanged, children.Get()[0].type);
  EXPECT_EQ(WatchEventType::kCreated, created.Get()[0].type);
  EXPECT_EQ("/w/c", created.Get()[0].path);

  // A failed read sets no watch (and leaves none pending).
  EXPECT_TRUE(
      client->Get("/missing", [&](const WatchEvent& e) { first.Add(e); }).status().IsNotFound());
  EXPECT_NE(std::string::npos, client->DebugString().find("watches=0")) << client->DebugString();
}

TEST_F(ZkClientTest, VersionedSetRejectsStaleVersion) {
  ASSERT_OK_AND_ASSIGN(auto client, NewClient());
  ASSERT_OK(client->Create("/job", "created").status());
  ASSERT_OK_AND_ASSIGN(NodeData node, client->Get("/job"));
  EXPECT_EQ(0, node.stat.version);

  Stat stat;
  ASSERT_OK(client->Set("/job", "running", node.stat.version, &stat));
  EXPECT_EQ(1, stat.version);
  EXPECT_EQ(7, stat.data_length);

  Status s = client->Set("/job", "failed", node.stat.version);  // Stale: version 0.
  ASSERT_TRUE(s.IsVersionMismatch()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("set /job")) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("expected version 0")) << s.ToString();
  ASSERT_OK_AND_ASSIGN(node, client->Get("/job"));
  EXPECT_EQ("running", node.data);

  s = client->Delete("/job", 0);
  EXPECT_TRUE(s.IsVersionMismatch()) << s.ToString();
  ASSERT_OK(client->Delete("/job", 1));
  EXPECT_TRUE(client->Get("/job").status().IsNotFound());
}

TEST_F(ZkClientTest, MultiIsAtomic) {
  ASSERT_OK_AND_ASSIGN(auto client, NewClient());
  ASSERT_OK(client->EnsurePath("/jobs/j1/tasks"));

  std::vector<OpResult> results;
  Status s = client->Multi({Op::Create("/jobs/j1/tasks/reader_0", "waiting"),
                            Op::Set("/jobs/j1", "running", /*expected_version=*/5),
                            Op::Create("/jobs/j1/tasks/lr_0", "waiting")},
                           &results);
  ASSERT_TRUE(s.IsVersionMismatch()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("op #2 (set /jobs/j1 (expected version 5))"))
      << s.ToString();
  ASSERT_EQ(3u, results.size());
  EXPECT_TRUE(results[0].status.IsAborted()) << results[0].status.ToString();
  EXPECT_TRUE(results[1].status.IsVersionMismatch()) << results[1].status.ToString();
  EXPECT_TRUE(results[2].status.IsAborted()) << results[2].status.ToString();
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> tasks, client->GetChildren("/jobs/j1/tasks"));
  EXPECT_TRUE(tasks.empty());
  ASSERT_OK_AND_ASSIGN(NodeData job, client->Get("/jobs/j1"));
  EXPECT_EQ(0, job.stat.version);

  // A failing create names its op too.
  s = client->Multi({Op::Check("/jobs/j1", 0), Op::Create("/jobs/nope/x", "")});
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("op #2 (create /jobs/nope/x)")) << s.ToString();

  ASSERT_OK(
      client->Multi({Op::Check("/jobs/j1", 0), Op::Create("/jobs/j1/tasks/reader_0", "waiting"),
                     Op::Create("/jobs/j1/tasks/t_", "", CreateMode::kPersistentSequential),
                     Op::Set("/jobs/j1", "running", 0), Op::Check("/jobs/j1", 1),
                     Op::Delete("/jobs/j1/tasks/reader_0", 0)},
                    &results));
  ASSERT_EQ(6u, results.size());
  for (const OpResult& r : results) EXPECT_OK(r.status);
  EXPECT_EQ("/jobs/j1/tasks/reader_0", results[1].path);
  EXPECT_EQ("/jobs/j1/tasks/t_0000000001", results[2].path);
  EXPECT_EQ(1, results[3].stat.version);
  ASSERT_OK_AND_ASSIGN(tasks, client->GetChildren("/jobs/j1/tasks"));
  EXPECT_EQ(std::vector<std::string>{"t_0000000001"}, tasks);
}

TEST_F(ZkClientTest, SessionSurvivesServerRestartWithinTimeout) {
  // Long enough for a restart plus one connection attempt that hangs: a server still starting
  // may accept a connection and never answer it, and the C client then waits 2/3 of the timeout.
  Recorder<SessionEvent> events;
  ASSERT_OK_AND_ASSIGN(auto client,
                       NewClient([&](SessionEvent e) { events.Add(e); }, /*timeout=*/10000));
  const int64_t session = client->session_id();
  ASSERT_NE(0, session);
  ASSERT_OK(client->Create("/leader", "me", CreateMode::kEphemeral).status());
  Recorder<WatchEvent> watch;
  ASSERT_OK(client->Exists("/later", [&](const WatchEvent& e) { watch.Add(e); }).status());
  ASSERT_TRUE(WaitFor([&] { return events.size() == 1; }, kWait));

  ASSERT_OK(zk_->Stop());
  ASSERT_TRUE(WaitFor([&] { return !client->connected(); }, kWait));
  Status s = client->Get("/leader").status();
  EXPECT_TRUE(s.IsUnavailable()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find(zk_->connect_string())) << s.ToString();
  ASSERT_OK(zk_->Start());

  ASSERT_EVENTUALLY(kWait, [&] {
    ASSERT_EQ((std::vector<std::string>{"connected", "connection lost", "connected"}),
              Names(events.Get()));
  });
  EXPECT_TRUE(client->connected());
  EXPECT_EQ(session, client->session_id());
  ASSERT_OK_AND_ASSIGN(NodeData leader, client->Get("/leader"));
  EXPECT_EQ(session, leader.stat.ephemeral_owner);
  // The watch set before the restart is still armed.
  ASSERT_OK(client->Create("/later", "").status());
  ASSERT_TRUE(WaitFor([&] { return watch.size() == 1; }, kWait));
  EXPECT_EQ(WatchEventType::kCreated, watch.Get()[0].type);
}

TEST_F(ZkClientTest, ForcedExpiryReportsExpiredAndANewClientWorks) {
  Recorder<SessionEvent> events;
  ASSERT_OK_AND_ASSIGN(auto client,
                       NewClient([&](SessionEvent e) { events.Add(e); }, /*timeout=*/2000));
  ASSERT_OK(client->Create("/agent", "", CreateMode::kEphemeral).status());
  // A watch on a node the expiry leaves alone (one on /agent could see its deletion first).
  ASSERT_OK(client->Create("/config", "").status());
  Recorder<WatchEvent> watch;
  ASSERT_OK(client->Get("/config", [&](const WatchEvent& e) { watch.Add(e); }).status());

  ASSERT_NO_FATAL_FAILURE(ExpireSession(zk_->connect_string(), client.get()));

  ASSERT_EVENTUALLY(kWait, [&] {
    std::vector<SessionEvent> got = events.Get();
    ASSERT_FALSE(got.empty());
    ASSERT_EQ(SessionEvent::kExpired, got.back());
  });
  EXPECT_TRUE(client->expired());
  EXPECT_FALSE(client->connected());
  ASSERT_TRUE(WaitFor([&] { return watch.size() == 1; }, kWait));
  EXPECT_EQ(WatchEventType::kSessionLost, watch.Get()[0].type);
  EXPECT_EQ("/config", watch.Get()[0].path);
  Status s = client->Get("/agent").status();
  EXPECT_TRUE(s.IsIllegalState()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("expired")) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("get /agent")) << s.ToString();

  client.reset();
  ASSERT_OK_AND_ASSIGN(client, NewClient());
  ASSERT_OK_AND_ASSIGN(std::optional<Stat> stat, client->Exists("/agent"));
  EXPECT_FALSE(stat.has_value());  // The ephemeral went with the old session.
  ASSERT_OK(client->Create("/agent", "", CreateMode::kEphemeral).status());
}

TEST_F(ZkClientTest, SequentialNodesGetIncreasingSuffixes) {
  ASSERT_OK_AND_ASSIGN(auto client, NewClient());
  ASSERT_OK(client->EnsurePath("/election"));
  std::vector<std::string> created;
  for (int i = 0; i < 5; ++i) {
    CreateMode mode = i % 2 ? CreateMode::kEphemeralSequential : CreateMode::kPersistentSequential;
    ASSERT_OK_AND_ASSIGN(std::string path, client->Create("/election/n_", "ep", mode));
    created.push_back(path);
  }
  for (size_t i = 0; i < created.size(); ++i) {
    ASSERT_EQ(std::string("/election/n_").size() + 10, created[i].size()) << created[i];
    if (i > 0) {
      EXPECT_LT(created[i - 1], created[i]);
    }
  }
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> children, client->GetChildren("/election"));
  ASSERT_EQ(5u, children.size());
  for (size_t i = 0; i < children.size(); ++i) EXPECT_EQ(created[i], "/election/" + children[i]);
}

TEST_F(ZkClientTest, CallbacksRunOnTheDispatcherAndMayCallTheClient) {
  Recorder<std::thread::id> session_threads;
  auto on_event = [&](SessionEvent) { session_threads.Add(std::this_thread::get_id()); };
  ASSERT_OK_AND_ASSIGN(auto client, NewClient(on_event));
  ASSERT_OK_AND_ASSIGN(auto writer, NewClient());
  ASSERT_OK(client->Create("/cfg", "0").status());

  // A watch that re-arms itself from inside its callback, reading through the client each time.
  Recorder<std::string> seen;
  std::atomic<int> off_dispatcher{0};
  std::thread::id watch_thread;
  std::function<void(const WatchEvent&)> watch = [&](const WatchEvent&) {
    if (!client->IsDispatcherThread()) ++off_dispatcher;
    watch_thread = std::this_thread::get_id();
    Result<NodeData> node = client->Get("/cfg", watch);
    seen.Add(node.ok() ? node->data : node.status().ToString());
  };
  ASSERT_OK(client->Get("/cfg", watch).status());
  for (int i = 1; i <= 3; ++i) {
    ASSERT_OK(writer->Set("/cfg", std::to_string(i)));
    ASSERT_TRUE(WaitFor([&] { return seen.size() == static_cast<size_t>(i); }, kWait));
    EXPECT_EQ(std::to_string(i), seen.Get().back());
  }
  EXPECT_EQ(0, off_dispatcher.load());
  EXPECT_FALSE(client->IsDispatcherThread());
  ASSERT_EQ(1u, session_threads.size());
  EXPECT_EQ(watch_thread, session_threads.Get()[0]);
  EXPECT_NE(std::this_thread::get_id(), watch_thread);
  client.reset();  // Waits for callbacks; none runs afterwards.
}

TEST_F(ZkClientTest, ClientMayBeDestroyedFromItsOwnCallback) {
  std::mutex mu;
  std::unique_ptr<ZkClient> client;  // Guarded by mu once the watch is set.
  std::atomic<bool> destroyed{false};
  auto destroy = [&](const WatchEvent&) {
    std::lock_guard<std::mutex> l(mu);
    client.reset();
    destroyed = true;
  };
  ASSERT_OK_AND_ASSIGN(client, NewClient());
  ASSERT_OK(client->Create("/x", "").status());
  ASSERT_OK(client->Get("/x", destroy).status());
  ASSERT_OK_AND_ASSIGN(auto writer, NewClient());
  ASSERT_OK(writer->Set("/x", "y"));
  ASSERT_TRUE(WaitFor([&] { return destroyed.load(); }, kWait));
  std::lock_guard<std::mutex> l(mu);
  EXPECT_EQ(nullptr, client);
}

TEST_F(ZkClientTest, ErrorsNameTheOperationAndPath) {
  ASSERT_OK_AND_ASSIGN(auto client, NewClient());
  Status s = client->Get("/no/such").status();
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("get /no/such")) << s.ToString();

  s = client->Create("/no/such", "").status();
  EXPECT_TRUE(s.IsNotFound()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("parent")) << s.ToString();

  ASSERT_OK(client->EnsurePath("/a/b"));
  s = client->Create("/a", "").status();
  EXPECT_TRUE(s.IsAlreadyExists()) << s.ToString();
  s = client->Delete("/a");
  EXPECT_TRUE(s.IsIllegalState()) << s.ToString();
  EXPECT_NE(std::string::npos, s.message().find("delete /a: the node has children"))
      << s.ToString();
  s = client->Create("relative", "").status();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  ASSERT_OK(client->Create("/eph", "", CreateMode::kEphemeral).status());
  s = client->Create("/eph/child", "").status();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();

  // No server: Connect gives up at its deadline and names the hosts.
  ASSERT_OK(zk_->Stop());
  ZkOptions opts;
  opts.hosts = zk_->connect_string();
  opts.connect_timeout_ms = 300;
  auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<ZkClient>> dead = ZkClient::Connect(opts);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(5));
  ASSERT_FALSE(dead.ok());
  EXPECT_TRUE(dead.status().IsTimedOut()) << dead.status().ToString();
  EXPECT_NE(std::string::npos, dead.status().message().find(opts.hosts)) << dead.status();
}

TEST_F(ZkClientTest, EnsurePathAndDeleteRecursive) {
  ASSERT_OK_AND_ASSIGN(auto a, NewClient());
  ASSERT_OK_AND_ASSIGN(auto b, NewClient());
  // Racing creators of the same path both succeed.
  Status sa, sb;
  std::thread ta([&] { sa = a->EnsurePath("/fedflow/jobs/j1/tasks/c"); });
  std::thread tb([&] { sb = b->EnsurePath("/fedflow/jobs/j1/tasks/c"); });
  ta.join();
  tb.join();
  ASSERT_OK(sa);
  ASSERT_OK(sb);
  ASSERT_OK(a->EnsurePath("/fedflow/jobs/j1/tasks/c"));
  ASSERT_OK(a->Create("/fedflow/jobs/j1/spec", std::string(100 * 1024, 'x')).status());
  ASSERT_OK_AND_ASSIGN(NodeData spec, b->Get("/fedflow/jobs/j1/spec"));  // Larger than 16 KiB.
  EXPECT_EQ(100u * 1024, spec.data.size());
  EXPECT_EQ(100 * 1024, spec.stat.data_length);

  ASSERT_OK(a->DeleteRecursive("/fedflow/jobs"));
  ASSERT_OK_AND_ASSIGN(std::optional<Stat> stat, b->Exists("/fedflow/jobs"));
  EXPECT_FALSE(stat.has_value());
  ASSERT_OK_AND_ASSIGN(stat, b->Exists("/fedflow"));
  EXPECT_TRUE(stat.has_value());
  ASSERT_OK(a->DeleteRecursive("/fedflow/jobs"));  // Already gone: OK.
  EXPECT_TRUE(a->DeleteRecursive("/").IsInvalidArgument());
}

}  // namespace
}  // namespace fedflow::zk
