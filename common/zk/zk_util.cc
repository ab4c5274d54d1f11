#include "common/zk/zk_util.h"

#include <chrono>
#include <cstring>
#include <mutex>
#include <utility>

#include <glog/logging.h>

namespace fedflow::zk {

const char* SessionEventName(SessionEvent event) {
  switch (event) {
    case SessionEvent::kConnected:
      return "connected";
    case SessionEvent::kConnectionLost:
      return "connection lost";
    case SessionEvent::kExpired:
      return "expired";
  }
  return "unknown";
}

const char* WatchEventTypeName(WatchEventType type) {
  switch (type) {
    case WatchEventType::kCreated:
      return "created";
    case WatchEventType::kDeleted:
      return "deleted";
    case WatchEventType::kDataChanged:
      return "data changed";
    case WatchEventType::kChildrenChanged:
      return "children changed";
    case WatchEventType::kSessionLost:
      return "session lost";
  }
  return "unknown";
}

Op Op::Create(std::string path, std::string data, CreateMode mode) {
  Op op;
  op.type = Type::kCreate;
  op.path = std::move(path);
  op.data = std::move(data);
  op.mode = mode;
  return op;
}

Op Op::Set(std::string path, std::string data, int32_t expected_version) {
  Op op;
  op.type = Type::kSet;
  op.path = std::move(path);
  op.data = std::move(data);
  op.version = expected_version;
  return op;
}

Op Op::Delete(std::string path, int32_t expected_version) {
  Op op;
  op.type = Type::kDelete;
  op.path = std::move(path);
  op.version = expected_version;
  return op;
}

Op Op::Check(std::string path, int32_t version) {
  Op op;
  op.type = Type::kCheck;
  op.path = std::move(path);
  op.version = version;
  return op;
}

std::string Op::ToString() const {
  const std::string v = std::to_string(version);
  switch (type) {
    case Type::kCreate:
      return "create " + path;
    case Type::kSet:
      return "set " + path + (version >= 0 ? " (expected version " + v + ")" : "");
    case Type::kDelete:
      return "delete " + path + (version >= 0 ? " (expected version " + v + ")" : "");
    case Type::kCheck:
      return "check " + path + " (version " + v + ")";
  }
  return "unknown op on " + path;
}

namespace internal {

const char* ZkErrorName(int rc) {
  static const struct {
    int rc;
    const char* name;
  } kNames[] = {
      {ZOK, "ZOK"},
      {ZSYSTEMERROR, "ZSYSTEMERROR"},
      {ZRUNTIMEINCONSISTENCY, "ZRUNTIMEINCONSISTENCY"},
      {ZDATAINCONSISTENCY, "ZDATAINCONSISTENCY"},
      {ZCONNECTIONLOSS, "ZCONNECTIONLOSS"},
      {ZMARSHALLINGERROR, "ZMARSHALLINGERROR"},
      {ZUNIMPLEMENTED, "ZUNIMPLEMENTED"},
      {ZOPERATIONTIMEOUT, "ZOPERATIONTIMEOUT"},
      {ZBADARGUMENTS, "ZBADARGUMENTS"},
      {ZINVALIDSTATE, "ZINVALIDSTATE"},
      {ZNONODE, "ZNONODE"},
      {ZNOAUTH, "ZNOAUTH"},
      {ZBADVERSION, "ZBADVERSION"},
      {ZNOCHILDRENFOREPHEMERALS, "ZNOCHILDRENFOREPHEMERALS"},
      {ZNODEEXISTS, "ZNODEEXISTS"},
      {ZNOTEMPTY, "ZNOTEMPTY"},
      {ZSESSIONEXPIRED, "ZSESSIONEXPIRED"},
      {ZINVALIDACL, "ZINVALIDACL"},
      {ZAUTHFAILED, "ZAUTHFAILED"},
      {ZCLOSING, "ZCLOSING"},
      {ZSESSIONMOVED, "ZSESSIONMOVED"},
      {ZNOTREADONLY, "ZNOTREADONLY"},
      {ZTHROTTLEDOP, "ZTHROTTLEDOP"},
  };
  for (const auto& entry : kNames) {
    if (entry.rc == rc) return entry.name;
  }
  return "ZUNKNOWN";
}

Status ZkErrorToStatus(int rc, std::string_view op, std::string_view path, std::string_view hosts,
                       int32_t expected_version) {
  std::string prefix = "ZooKeeper ";
  prefix.append(op);
  if (!path.empty()) prefix.append(" ").append(path);
  prefix += ": ";
  auto msg = [&](const std::string& what) { return prefix + what + " (" + ZkErrorName(rc) + ")"; };
  switch (rc) {
    case ZNONODE:
      return Status::NotFound(
          msg(op == "create" ? "the parent node does not exist" : "the node does not exist"));
    case ZNODEEXISTS:
      return Status::AlreadyExists(msg("the node already exists"));
    case ZBADVERSION:
      return Status::VersionMismatch(
          msg(expected_version >= 0 ? "version conflict: the node is not at expected version " +
                                          std::to_string(expected_version)
                                    : "version conflict"));
    case ZNOTEMPTY:
      return Status::IllegalState(msg("the node has children"));
    case ZSESSIONEXPIRED:
    case ZINVALIDSTATE:
      return Status::IllegalState(
          msg("the session expired; this client is dead, connect a new ZkClient"));
    case ZNOAUTH:
    case ZAUTHFAILED:
      return Status::IllegalState(msg("not authorised"));
    case ZCLOSING:
      return Status::IllegalState(msg("the client is closing"));
    case ZBADARGUMENTS:
      return Status::InvalidArgument(
          msg("invalid arguments (a path must start with '/' and have no empty segment or "
              "trailing '/')"));
    case ZNOCHILDRENFOREPHEMERALS:
      return Status::InvalidArgument(msg("ephemeral nodes cannot have children"));
    case ZCONNECTIONLOSS:
      return Status::Unavailable(msg("lost the connection to ZooKeeper at " + std::string(hosts)));
    case ZOPERATIONTIMEOUT:
      return Status::Unavailable(msg("timed out (ZooKeeper at " + std::string(hosts) + ")"));
    case ZSESSIONMOVED:
      return Status::Unavailable(msg("the session moved to another server"));
    case ZTHROTTLEDOP:
      return Status::Unavailable(msg("the server throttled the operation"));
    default:
      return Status::Internal(msg(std::string("error ") + std::to_string(rc) + ": " + zerror(rc)));
  }
}

Stat FromCStat(const struct ::Stat& s) {
  Stat out;
  out.czxid = s.czxid;
  out.mzxid = s.mzxid;
  out.pzxid = s.pzxid;
  out.ctime_ms = s.ctime;
  out.mtime_ms = s.mtime;
  out.version = s.version;
  out.cversion = s.cversion;
  out.aversion = s.aversion;
  out.ephemeral_owner = s.ephemeralOwner;
  out.data_length = s.dataLength;
  out.num_children = s.numChildren;
  return out;
}

int CreateModeFlags(CreateMode mode) {
  switch (mode) {
    case CreateMode::kPersistent:
      return ZOO_PERSISTENT;
    case CreateMode::kEphemeral:
      return ZOO_EPHEMERAL;
    case CreateMode::kPersistentSequential:
      return ZOO_PERSISTENT_SEQUENTIAL;
    case CreateMode::kEphemeralSequential:
      return ZOO_EPHEMERAL_SEQUENTIAL;
  }
  return ZOO_PERSISTENT;
}

std::string JoinPath(const std::string& parent, const std::string& child) {
  return parent == "/" ? "/" + child : parent + "/" + child;
}

namespace {

// While a server is down the C client logs every failed connection attempt; let through a burst
// per window and count the rest.
constexpr int kLogBurst = 20;
constexpr auto kLogWindow = std::chrono::seconds(10);

struct LogThrottle {
  std::mutex mu;
  std::chrono::steady_clock::time_point window_start;
  int in_window = 0;
  int suppressed = 0;
};

}  // namespace

void LogCClientMessage(const char* message) {
  static LogThrottle* throttle = new LogThrottle();
  int suppressed = 0;
  {
    std::lock_guard<std::mutex> l(throttle->mu);
    auto now = std::chrono::steady_clock::now();
    if (now - throttle->window_start >= kLogWindow) {
      throttle->window_start = now;
      throttle->in_window = 0;
    }
    if (++throttle->in_window > kLogBurst) {
      ++throttle->suppressed;
      return;
    }
    std::swap(suppressed, throttle->suppressed);
  }
  // "<time>:<pid>(<thread>):ZOO_WARN@<function>@<line>: <text>": keep from the level on.
  std::string_view line(message);
  size_t level = line.find("ZOO_");
  if (level != std::string_view::npos) line.remove_prefix(level);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  LOG(WARNING) << "zookeeper C client: " << line
               << (suppressed > 0 ? " (" + std::to_string(suppressed) + " earlier lines dropped)"
                                  : std::string());
}

void ConfigureCClientLogging() {
  static std::once_flag once;
  std::call_once(once, [] { zoo_set_debug_level(ZOO_LOG_LEVEL_WARN); });
}

}  // namespace internal
}  // namespace fedflow::zk
