#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/status.h"

// The ZooKeeper C client's handle type (from <zookeeper/zookeeper.h>, which this header keeps
// away from its users).
typedef struct _zhandle zhandle_t;

namespace fedflow::zk {

class Dispatcher;

// Changes of the session's state, reported through ZkOptions::on_session_event.
enum class SessionEvent {
  // The session is (again) connected to a server: after Connect() and after every reconnection
  // that kept the session (ephemeral nodes and pending watches are intact).
  kConnected,
  // The connection dropped; the C client reconnects by itself. Not expiry: the session, its
  // ephemeral nodes and its watches live on if a server is reached within the session timeout.
  // The server may expire the session meanwhile; the client learns that only when it reconnects.
  kConnectionLost,
  // The server expired the session: its ephemeral nodes are gone and this ZkClient is dead (every
  // operation fails with IllegalState). The owner destroys it and connects a new ZkClient.
  kExpired,
};
const char* SessionEventName(SessionEvent event);

struct ZkOptions {
  // Comma-separated host:port list, optionally followed by a chroot ("h1:2181,h2:2181/fedflow").
  std::string hosts;
  // Requested session timeout; the server clamps it to [2, 20] ticks by default.
  int session_timeout_ms = 10000;
  // How long Connect() waits for the first connection.
  int connect_timeout_ms = 10000;
  // Called on the dispatcher thread (see ZkClient) for each session state change, starting with
  // the first kConnected (which may run before Connect() returns). May be empty.
  std::function<void(SessionEvent)> on_session_event;
};

enum class CreateMode {
  kPersistent,
  kEphemeral,
  kPersistentSequential,  // The server appends a 10-digit, increasing sequence number.
  kEphemeralSequential,
};

// A znode's metadata (ZooKeeper's Stat).
struct Stat {
  int64_t czxid = 0;            // zxid of the change that created the node.
  int64_t mzxid = 0;            // zxid of the last change to the node's data.
  int64_t pzxid = 0;            // zxid of the last change to the node's children.
  int64_t ctime_ms = 0;         // Creation time, milliseconds since the Unix epoch.
  int64_t mtime_ms = 0;         // Last data change, milliseconds since the Unix epoch.
  int32_t version = 0;          // Number of data changes; what Set/Delete/Check compare.
  int32_t cversion = 0;         // Number of changes to the children.
  int32_t aversion = 0;         // Number of ACL changes.
  int64_t ephemeral_owner = 0;  // Session id of an ephemeral node's owner; 0 when persistent.
  int32_t data_length = 0;
  int32_t num_children = 0;
};

struct NodeData {
  std::string data;
  Stat stat;
};

enum class WatchEventType {
  kCreated,
  kDeleted,
  kDataChanged,
  kChildrenChanged,
  // The session expired before the watch fired; it never will. Re-read with a new ZkClient.
  kSessionLost,
};
const char* WatchEventTypeName(WatchEventType type);

struct WatchEvent {
  WatchEventType type;
  std::string path;  // The watched path.
};

// A one-shot watch: called at most once, on the dispatcher thread. Re-arm it by reading again
// with a watch (the read returns the state the next event will be relative to).
using WatchCallback = std::function<void(const WatchEvent&)>;

// One operation of an atomic ZkClient::Multi().
struct Op {
  enum class Type { kCreate, kSet, kDelete, kCheck };

  static Op Create(std::string path, std::string data, CreateMode mode = CreateMode::kPersistent);
  static Op Set(std::string path, std::string data, int32_t expected_version = -1);
  static Op Delete(std::string path, int32_t expected_version = -1);
  // Fails the whole Multi unless the node exists with this version.
  static Op Check(std::string path, int32_t version);

  // "create /a", "set /a (expected version 3)", ...
  std::string ToString() const;

  Type type = Type::kCheck;
  std::string path;
  std::string data;                           // kCreate, kSet.
  CreateMode mode = CreateMode::kPersistent;  // kCreate.
  int32_t version = -1;                       // kSet, kDelete, kCheck; -1 means any version.
};

// The outcome of one Op of a Multi().
struct OpResult {
  // OK when the Multi succeeded. When an op failed: that op's error, and Aborted ("not applied,
  // op #i failed") for every other op. When the Multi failed as a whole (connection loss: the
  // outcome is unknown), every op gets the Multi's status.
  Status status;
  std::string path;  // kCreate: the created path (with the sequence suffix for sequential modes).
  Stat stat;         // kSet: the node's new Stat.
};

// What a second handle needs to attach to this session (zookeeper_init's clientid_t). Tests use
// it to force expiry: connect a second handle with these credentials, then close it.
struct SessionCredentials {
  int64_t session_id = 0;
  std::string password;  // 16 opaque bytes.
};

// A ZooKeeper session over the multi-threaded C client (zookeeper_mt), with fedflow's Status
// errors and callbacks delivered on one thread the client owns.
//
// Why: the C client calls watchers on its own completion thread, where blocking, calling back into
// the client or closing the handle deadlocks or crashes; its error codes and one-shot watch
// semantics are easy to misuse. ZkClient turns every call into a synchronous call returning a
// Status that names the operation and the path, and delivers session events and watch callbacks
// on a dispatcher thread, in the order the C client produced them, where they may call any
// ZkClient method (re-arm a watch, read, write).
//
// Session lifecycle: Connect() returns once connected. A lost connection is reported as
// kConnectionLost and repaired by the C client (kConnected again, same session_id()). When the
// server expires the session, kExpired is reported, every pending watch gets kSessionLost, and
// every later call fails with IllegalState "session ... expired": the handle is dead for good. The
// owner then destroys this ZkClient (not from inside its callback, preferably: post to the
// owner's own thread) and connects a new one, re-creating its ephemeral nodes and watches.
//
// Errors (the code of the returned Status):
//   NotFound          node does not exist (ZNONODE; for Create: its parent does not exist)
//   AlreadyExists     node exists (ZNODEEXISTS)
//   VersionMismatch   expected version differs (ZBADVERSION): "version conflict ... expected
//                     version N"; a compare-and-set lost a race, re-read and retry
//   IllegalState      node has children (ZNOTEMPTY); session expired (ZSESSIONEXPIRED,
//                     ZINVALIDSTATE, or a call after kExpired); not authorised (ZNOAUTH)
//   InvalidArgument   malformed path, ephemeral parent (ZBADARGUMENTS, ZNOCHILDRENFOREPHEMERALS)
//   Unavailable       connection lost or timed out (ZCONNECTIONLOSS, ZOPERATIONTIMEOUT, ...).
//                     The session may survive: retry. A write that fails this way may or may not
//                     have been applied, so retried writes must tolerate their own earlier success
//                     (e.g. AlreadyExists after a create).
//   Internal          anything else (the C client's error name is in the message)
//
// Thread-safe: any thread may call any method concurrently, except that nothing may run
// concurrently with (or after) the destructor. Callbacks run one at a time on the dispatcher
// thread; no callback runs after the destructor returns, unless the destructor itself runs in a
// callback (allowed, see ~ZkClient).
class ZkClient {
 public:
  // Opens a session and waits until it is connected. Fails with TimedOut (no server answered
  // within connect_timeout_ms), Unavailable (the session was rejected) or InvalidArgument (bad
  // options or host list); the message names the hosts.
  static Result<std::unique_ptr<ZkClient>> Connect(ZkOptions options);

  // Closes the session (its ephemeral nodes go away at once) after stopping the dispatcher:
  // queued callbacks are dropped and a callback that is running is waited for. When called from a
  // callback of this client, the dispatcher thread finishes that callback and exits by itself.
  // Never closes the handle from a C client thread.
  ~ZkClient();

  ZkClient(const ZkClient&) = delete;
  ZkClient& operator=(const ZkClient&) = delete;

  // Creates `path` (open ACL) and returns the created path, which for sequential modes carries
  // the sequence suffix ("/election/n_0000000007").
  Result<std::string> Create(const std::string& path, const std::string& data,
                             CreateMode mode = CreateMode::kPersistent);
  // Creates `path` and its missing ancestors as empty persistent nodes; OK if it exists (also
  // when another client creates some of them concurrently).
  Status EnsurePath(const std::string& path);

  // Reads a node. With `watch`, a one-shot watch is set when the read succeeds: kDataChanged or
  // kDeleted (or kSessionLost). No watch is set when the node does not exist (see Exists()).
  Result<NodeData> Get(const std::string& path, WatchCallback watch = {});
  // Writes a node's data if its version is `expected_version` (-1: any version); a stale version
  // fails with VersionMismatch. `out` receives the new Stat.
  Status Set(const std::string& path, const std::string& data, int32_t expected_version = -1,
             Stat* out = nullptr);
  // Deletes a childless node if its version is `expected_version` (-1: any version).
  Status Delete(const std::string& path, int32_t expected_version = -1);
  // Deletes a node and all its descendants, depth first (not atomic). OK if `path` does not exist.
  Status DeleteRecursive(const std::string& path);

  // The names (not paths) of a node's children, sorted. With `watch`, a one-shot watch is set
  // when the read succeeds: kChildrenChanged or kDeleted (or kSessionLost).
  Result<std::vector<std::string>> GetChildren(const std::string& path, WatchCallback watch = {});
  // A node's Stat, or nullopt when it does not exist. With `watch`, a one-shot watch is set in
  // both cases: kCreated, kDataChanged or kDeleted (or kSessionLost).
  Result<std::optional<Stat>> Exists(const std::string& path, WatchCallback watch = {});

  // Applies `ops` atomically: all or none. On failure the Status is the failing op's error,
  // prefixed with which op failed ("multi of 3 ops failed at op #2 (set /a (expected version 4)),
  // nothing applied: ..."). `results`, when given, gets one entry per op (also on failure).
  Status Multi(const std::vector<Op>& ops, std::vector<OpResult>* results = nullptr);

  // The session id (0 before the first connection).
  int64_t session_id() const { return session_id_.load(); }
  // Whether the session is currently connected to a server.
  bool connected() const { return state_.load() == State::kConnected; }
  // Whether the session expired (the client is dead; see the class comment).
  bool expired() const { return state_.load() == State::kExpired; }
  // The negotiated session timeout (0 before the first connection).
  int session_timeout_ms() const { return negotiated_timeout_ms_.load(); }
  SessionCredentials credentials() const;
  // Whether the caller runs on this client's dispatcher thread (where callbacks run).
  bool IsDispatcherThread() const;

  // "ZkClient{hosts=..., session=0x..., state=connected, timeout=...ms, watches=N}".
  std::string DebugString() const;
  // "zk session=0x...: ", for this client's log lines.
  std::string LogPrefix() const;

 private:
  enum class State { kConnecting, kConnected, kDisconnected, kExpired };
  static const char* StateName(State state);

  struct PendingWatch {
    std::string path;
    WatchCallback callback;
  };

  explicit ZkClient(ZkOptions options);
  Status Init();

  // C client callbacks (run on its threads): they only update state and post to the dispatcher.
  static void SessionWatcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);
  static void NodeWatcher(zhandle_t* zh, int type, int state, const char* path, void* ctx);
  void OnSessionState(zhandle_t* zh, int state);
  void OnNodeEvent(uint64_t watch_id, int type);

  // IllegalState after expiry; OK otherwise.
  Status CheckUsable(const char* op, const std::string& path) const;
  // The Status for the C client's `rc`, naming the hosts for connection errors.
  Status Error(int rc, const char* op, const std::string& path,
               int32_t expected_version = -1) const;
  uint64_t AddWatch(const std::string& path, WatchCallback callback);
  void DropWatch(uint64_t watch_id);

  const ZkOptions options_;
  // Set by Init(), closed by the destructor; the C client handle is thread-safe in between.
  zhandle_t* zh_ = nullptr;
  std::unique_ptr<Dispatcher> dispatcher_;

  std::atomic<State> state_{State::kConnecting};  // Written under mu_ (for state_cv_).
  std::atomic<int64_t> session_id_{0};
  std::atomic<int> negotiated_timeout_ms_{0};

  // A leaf lock: never held while calling the C client or a callback.
  mutable std::mutex mu_;
  std::condition_variable state_cv_;                    // Signalled on state_ changes.
  SessionCredentials credentials_;                      // Guarded by mu_.
  uint64_t next_watch_id_ = 1;                          // Guarded by mu_.
  std::unordered_map<uint64_t, PendingWatch> watches_;  // Guarded by mu_.
};

}  // namespace fedflow::zk
