// ZkClient's session: connecting, session state, watches, the dispatcher and closing. The
// node operations are in zk_client_ops.cc.

#include "common/zk/zk_client.h"

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <sstream>
#include <utility>

#include <glog/logging.h>

#include "common/init.h"
#include "common/zk/zk_dispatcher.h"
#include "common/zk/zk_util.h"

namespace fedflow::zk {

namespace {

std::string SessionIdString(int64_t id) {
  std::ostringstream ss;
  ss << "0x" << std::hex << id;
  return ss.str();
}

}  // namespace

Result<std::unique_ptr<ZkClient>> ZkClient::Connect(ZkOptions options) {
  if (options.hosts.empty()) {
    return Status::InvalidArgument("ZooKeeper connect: no hosts given");
  }
  if (options.session_timeout_ms <= 0 || options.connect_timeout_ms <= 0) {
    return Status::InvalidArgument("ZooKeeper connect to " + options.hosts +
                                   ": session and connect timeouts must be positive (got " +
                                   std::to_string(options.session_timeout_ms) + " ms and " +
                                   std::to_string(options.connect_timeout_ms) + " ms)");
  }
  std::unique_ptr<ZkClient> client(new ZkClient(std::move(options)));
  RETURN_NOT_OK(client->Init());
  return Result<std::unique_ptr<ZkClient>>(std::move(client));
}

ZkClient::ZkClient(ZkOptions options) : options_(std::move(options)) {}

Status ZkClient::Init() {
  internal::ConfigureCClientLogging();
  dispatcher_ = std::make_unique<Dispatcher>("zk-dispatch");
  errno = 0;
  zh_ = zookeeper_init2(options_.hosts.c_str(), &ZkClient::SessionWatcher,
                        options_.session_timeout_ms, /*clientid=*/nullptr, /*context=*/this,
                        ZOO_NO_LOG_CLIENTENV, &internal::LogCClientMessage);
  if (zh_ == nullptr) {
    const int err = errno;
    if (err == EINVAL) {
      return Status::InvalidArgument("ZooKeeper connect to " + options_.hosts +
                                     ": malformed host list, expected "
                                     "host:port[,host:port...][/chroot]");
    }
    return Status::Unavailable("ZooKeeper connect to " + options_.hosts +
                               ": cannot resolve the hosts (" +
                               (err != 0 ? strerror(err) : "unknown error") + ")");
  }

  std::unique_lock<std::mutex> l(mu_);
  const bool settled = state_cv_.wait_for(
      l, std::chrono::milliseconds(options_.connect_timeout_ms),
      [&] { return state_.load() == State::kConnected || state_.load() == State::kExpired; });
  if (!settled) {
    return Status::TimedOut(
        "ZooKeeper connect: no server at " + options_.hosts + " accepted a session within " +
        std::to_string(options_.connect_timeout_ms) + " ms (is ZooKeeper running and reachable?)");
  }
  if (state_.load() == State::kExpired) {
    return Status::Unavailable("ZooKeeper connect to " + options_.hosts +
                               ": the server rejected the session");
  }
  l.unlock();
  LOG_WITH_PREFIX(INFO) << "connected to " << options_.hosts << ", session timeout "
                        << negotiated_timeout_ms_.load() << " ms";
  return Status::OK();
}

ZkClient::~ZkClient() {
  // 1. Stop callbacks first: a running callback may still use the handle, so the handle is closed
  //    only after it returns. C client watchers that fire meanwhile post into the void.
  if (dispatcher_) dispatcher_->Shutdown();
  // 2. Close the session. zookeeper_close() joins the C client's threads: no watcher runs after.
  if (zh_ != nullptr) {
    const bool was_live = state_.load() != State::kExpired;
    const int rc = zookeeper_close(zh_);
    zh_ = nullptr;
    if (rc != ZOK && was_live) {
      LOG_WITH_PREFIX(WARNING) << "closing the session: " << internal::ZkErrorName(rc)
                               << "; the server expires it after the session timeout";
    } else {
      VLOG_WITH_PREFIX(1) << "session closed";
    }
  }
}

void ZkClient::SessionWatcher(zhandle_t* zh, int type, int state, const char* /*path*/, void* ctx) {
  if (type != ZOO_SESSION_EVENT) return;  // No default watches are set (watch=0 reads only).
  static_cast<ZkClient*>(ctx)->OnSessionState(zh, state);
}

void ZkClient::NodeWatcher(zhandle_t* zh, int type, int /*state*/, const char* /*path*/,
                           void* ctx) {
  // The C client also passes every session state change to each pending watch; SessionWatcher
  // handles those (and fails pending watches on expiry).
  if (type == ZOO_SESSION_EVENT) return;
  auto* self = static_cast<ZkClient*>(const_cast<void*>(zoo_get_context(zh)));
  self->OnNodeEvent(internal::ContextToWatchId(ctx), type);
}

void ZkClient::OnSessionState(zhandle_t* zh, int c_state) {
  const bool connected = c_state == ZOO_CONNECTED_STATE || c_state == ZOO_READONLY_STATE;
  SessionCredentials credentials;
  if (connected) {
    const clientid_t* id = zoo_client_id(zh);
    credentials.session_id = id->client_id;
    credentials.password.assign(id->passwd, sizeof(id->passwd));
    negotiated_timeout_ms_.store(zoo_recv_timeout(zh));
  }
  std::optional<SessionEvent> event;
  std::vector<PendingWatch> lost;
  {
    std::lock_guard<std::mutex> l(mu_);
    const State old_state = state_.load();
    if (connected) {
      session_id_.store(credentials.session_id);
      credentials_ = std::move(credentials);
      if (old_state != State::kConnected && old_state != State::kExpired) {
        state_.store(State::kConnected);
        event = SessionEvent::kConnected;
      }
    } else if (c_state == ZOO_EXPIRED_SESSION_STATE || c_state == ZOO_AUTH_FAILED_STATE) {
      if (old_state != State::kExpired) {
        state_.store(State::kExpired);
        event = SessionEvent::kExpired;
        for (auto& [id, watch] : watches_) lost.push_back(std::move(watch));
        watches_.clear();
      }
    } else if (old_state == State::kConnected) {
      // ZOO_CONNECTING_STATE, ZOO_ASSOCIATING_STATE, ZOO_NOTCONNECTED_STATE.
      state_.store(State::kDisconnected);
      event = SessionEvent::kConnectionLost;
    }
  }
  state_cv_.notify_all();
  if (!event) return;

  if (*event == SessionEvent::kExpired) {
    LOG_WITH_PREFIX(WARNING) << "session "
                             << (c_state == ZOO_AUTH_FAILED_STATE ? "authentication failed"
                                                                  : "expired")
                             << "; " << lost.size() << " pending watches lost";
  } else {
    LOG_WITH_PREFIX(INFO) << SessionEventName(*event);
  }
  if (options_.on_session_event) {
    dispatcher_->Post([cb = options_.on_session_event, e = *event] { cb(e); });
  }
  for (PendingWatch& watch : lost) {
    dispatcher_->Post([cb = std::move(watch.callback), path = std::move(watch.path)] {
      cb(WatchEvent{WatchEventType::kSessionLost, path});
    });
  }
}

void ZkClient::OnNodeEvent(uint64_t watch_id, int type) {
  WatchEventType event_type;
  if (type == ZOO_CREATED_EVENT) {
    event_type = WatchEventType::kCreated;
  } else if (type == ZOO_DELETED_EVENT) {
    event_type = WatchEventType::kDeleted;
  } else if (type == ZOO_CHANGED_EVENT) {
    event_type = WatchEventType::kDataChanged;
  } else if (type == ZOO_CHILD_EVENT) {
    event_type = WatchEventType::kChildrenChanged;
  } else {
    return;  // ZOO_NOTWATCHING_EVENT: only after removing watches, which ZkClient never does.
  }
  PendingWatch watch;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = watches_.find(watch_id);
    if (it == watches_.end()) return;  // Dropped: its read failed (see Get()).
    watch = std::move(it->second);
    watches_.erase(it);
  }
  VLOG_WITH_PREFIX(2) << "watch on " << watch.path << ": " << WatchEventTypeName(event_type);
  dispatcher_->Post([cb = std::move(watch.callback), path = std::move(watch.path), event_type] {
    cb(WatchEvent{event_type, path});
  });
}

uint64_t ZkClient::AddWatch(const std::string& path, WatchCallback callback) {
  std::lock_guard<std::mutex> l(mu_);
  const uint64_t id = next_watch_id_++;
  watches_.emplace(id, PendingWatch{path, std::move(callback)});
  return id;
}

void ZkClient::DropWatch(uint64_t watch_id) {
  PendingWatch dropped;  // Destroyed outside the lock.
  std::lock_guard<std::mutex> l(mu_);
  auto it = watches_.find(watch_id);
  if (it == watches_.end()) return;
  dropped = std::move(it->second);
  watches_.erase(it);
}

Status ZkClient::CheckUsable(const char* op, const std::string& path) const {
  if (state_.load() != State::kExpired) return Status::OK();
  return Status::IllegalState("ZooKeeper " + std::string(op) + " " + path + ": session " +
                              SessionIdString(session_id()) +
                              " expired; this client is dead, connect a new ZkClient");
}

Status ZkClient::Error(int rc, const char* op, const std::string& path,
                       int32_t expected_version) const {
  return internal::ZkErrorToStatus(rc, op, path, options_.hosts, expected_version);
}

SessionCredentials ZkClient::credentials() const {
  std::lock_guard<std::mutex> l(mu_);
  return credentials_;
}

bool ZkClient::IsDispatcherThread() const { return dispatcher_->IsCurrentThread(); }

const char* ZkClient::StateName(State state) {
  switch (state) {
    case State::kConnecting:
      return "connecting";
    case State::kConnected:
      return "connected";
    case State::kDisconnected:
      return "disconnected";
    case State::kExpired:
      return "expired";
  }
  return "unknown";
}

std::string ZkClient::DebugString() const {
  size_t watches;
  {
    std::lock_guard<std::mutex> l(mu_);
    watches = watches_.size();
  }
  return "ZkClient{hosts=" + options_.hosts + ", session=" + SessionIdString(session_id()) +
         ", state=" + StateName(state_.load()) +
         ", timeout=" + std::to_string(negotiated_timeout_ms_.load()) +
         "ms, watches=" + std::to_string(watches) + "}";
}

std::string ZkClient::LogPrefix() const {
  return "zk session=" + SessionIdString(session_id()) + ": ";
}

}  // namespace fedflow::zk
