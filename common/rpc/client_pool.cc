#include "common/rpc/client_pool.h"

#include <glog/logging.h>
#include <poll.h>
#include <thrift/TApplicationException.h>
#include <thrift/Thrift.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TProtocolException.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TSocket.h>
#include <thrift/transport/TTransportException.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <random>
#include <thread>

#include "common/rpc/thrift_logging.h"

namespace fedflow::rpc::internal {

using apache::thrift::TApplicationException;
using apache::thrift::TException;
using apache::thrift::protocol::TBinaryProtocol;
using apache::thrift::protocol::TProtocolException;
using apache::thrift::transport::TFramedTransport;
using apache::thrift::transport::TSocket;
using apache::thrift::transport::TTransport;
using apache::thrift::transport::TTransportException;
using Clock = std::chrono::steady_clock;

namespace {

ClientPoolOptions Sanitize(ClientPoolOptions o) {
  const ClientPoolOptions defaults;
  auto positive = [](int* value, int fallback, const char* name) {
    if (*value <= 0) {
      LOG(WARNING) << "client pool: " << name << "=" << *value << " must be positive; using "
                   << fallback;
      *value = fallback;
    }
  };
  positive(&o.connect_timeout_ms, defaults.connect_timeout_ms, "connect_timeout_ms");
  positive(&o.send_timeout_ms, defaults.send_timeout_ms, "send_timeout_ms");
  positive(&o.recv_timeout_ms, defaults.recv_timeout_ms, "recv_timeout_ms");
  positive(&o.max_idle_ms, defaults.max_idle_ms, "max_idle_ms");
  positive(&o.initial_backoff_ms, defaults.initial_backoff_ms, "initial_backoff_ms");
  positive(&o.max_backoff_ms, defaults.max_backoff_ms, "max_backoff_ms");
  o.max_idle_per_endpoint = std::max(0, o.max_idle_per_endpoint);
  o.retries = std::max(0, o.retries);
  return o;
}

// True when an idle connection has neither unread data nor a pending EOF/error: a
// connection the server closed (restart, idle timeout) shows up as readable.
bool LooksHealthy(TSocket* socket) {
  if (!socket->isOpen()) return false;
  pollfd pfd{};
  pfd.fd = socket->getSocketFD();
  pfd.events = POLLIN;
  return ::poll(&pfd, 1, /*timeout=*/0) == 0;
}

}  // namespace

// One connected client. Used by one call at a time (moved out of the pool while in use).
struct ConnectionPool::Connection {
  std::shared_ptr<TSocket> socket;
  std::shared_ptr<TTransport> transport;  // Framed, over socket.
  std::shared_ptr<void> client;
  uint64_t generation = 0;
  Clock::time_point last_used;

  ~Connection() {
    client.reset();
    try {
      if (transport) transport->close();
    } catch (const std::exception& e) {
      VLOG(2) << "closing a pooled connection: " << e.what();
    }
  }
};

ConnectionPool::ConnectionPool(const ClientPoolOptions& options, ClientFactory factory)
    : options_(Sanitize(options)), factory_(std::move(factory)) {
  RouteThriftOutputToGlog();
}

ConnectionPool::~ConnectionPool() = default;

Status ConnectionPool::Call(const std::string& endpoint, const Invoker& fn,
                            Idempotency idempotency) {
  Result<HostPort> where = ParseEndpoint(endpoint);
  if (!where.ok()) return where.status();
  const int attempts = 1 + options_.retries;
  Status last;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) {
      int backoff_ms = BackoffMs(attempt);
      LOG_EVERY_T(WARNING, 10) << last.ToString() << "; retrying in " << backoff_ms << " ms";
      VLOG(2) << last.ToString() << "; retry " << attempt << " in " << backoff_ms << " ms";
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    }
    std::unique_ptr<Connection> conn = TakeIdle(endpoint);
    const bool reused = conn != nullptr;
    if (!conn) {
      Result<std::unique_ptr<Connection>> fresh = Connect(endpoint, *where);
      if (!fresh.ok()) {
        // Nothing was sent, so trying again is safe whatever the call.
        last = fresh.status();
        continue;
      }
      conn = std::move(fresh).value();
    }
    Attempt result = Invoke(endpoint, conn.get(), fn);
    if (result.status.ok()) {
      Release(endpoint, std::move(conn));
      return Status::OK();
    }
    // After any exception the stream's state is unknown: never reuse the connection.
    conn.reset();
    last = result.status;
    // A pooled connection that broke hints that the peer restarted: its siblings are
    // probably dead too, so the next attempt should connect afresh.
    if (reused && result.retryable) DropEndpoint(endpoint);
    if (!result.retryable || idempotency == Idempotency::kNotIdempotent) return last;
  }
  if (attempts == 1) return last;
  return last.CloneAndAppend("gave up after " + std::to_string(attempts) + " attempts");
}

std::unique_ptr<ConnectionPool::Connection> ConnectionPool::TakeIdle(const std::string& endpoint) {
  const Clock::time_point now = Clock::now();
  const auto max_idle = std::chrono::milliseconds(options_.max_idle_ms);
  std::vector<std::unique_ptr<Connection>> discard;  // Closed outside the lock.
  std::unique_ptr<Connection> found;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = pools_.find(endpoint);
    if (it == pools_.end()) return nullptr;
    std::vector<std::unique_ptr<Connection>>& idle = it->second.idle;
    // The oldest come first; those past max_idle_ms go.
    auto fresh = std::find_if(idle.begin(), idle.end(),
                              [&](const auto& c) { return now - c->last_used < max_idle; });
    std::move(idle.begin(), fresh, std::back_inserter(discard));
    idle.erase(idle.begin(), fresh);
    while (!idle.empty() && !found) {
      std::unique_ptr<Connection> candidate = std::move(idle.back());
      idle.pop_back();
      if (LooksHealthy(candidate->socket.get())) {
        found = std::move(candidate);
      } else {
        discard.push_back(std::move(candidate));
      }
    }
  }
  if (!discard.empty()) {
    VLOG(2) << endpoint << ": closing " << discard.size() << " stale idle connection(s)";
  }
  return found;
}

Result<std::unique_ptr<ConnectionPool::Connection>> ConnectionPool::Connect(
    const std::string& endpoint, const HostPort& where) {
  auto conn = std::make_unique<Connection>();
  try {
    conn->socket = std::make_shared<TSocket>(where.host, where.port);
    conn->socket->setConnTimeout(options_.connect_timeout_ms);
    conn->socket->setSendTimeout(options_.send_timeout_ms);
    conn->socket->setRecvTimeout(options_.recv_timeout_ms);
    conn->transport = std::make_shared<TFramedTransport>(conn->socket);
    conn->transport->open();
    conn->client = factory_(std::make_shared<TBinaryProtocol>(conn->transport));
  } catch (const TTransportException& e) {
    std::string what = e.what();
    if (what.find("timed out") != std::string::npos) {
      return Status::TimedOut(endpoint + ": no connection within " +
                              std::to_string(options_.connect_timeout_ms) + " ms: " + what);
    }
    return Status::Unavailable(endpoint + ": cannot connect: " + what);
  } catch (const std::exception& e) {
    return Status::Unavailable(endpoint + ": cannot connect: " + e.what());
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    conn->generation = pools_[endpoint].generation;
  }
  VLOG(2) << endpoint << ": connected";
  return conn;
}

ConnectionPool::Attempt ConnectionPool::Invoke(const std::string& endpoint, Connection* conn,
                                               const Invoker& fn) const {
  try {
    fn(conn->client.get());
    return {Status::OK(), false};
  } catch (const TTransportException& e) {
    if (e.getType() == TTransportException::TIMED_OUT) {
      return {Status::TimedOut(endpoint + ": timed out (send timeout " +
                               std::to_string(options_.send_timeout_ms) + " ms, receive timeout " +
                               std::to_string(options_.recv_timeout_ms) + " ms): " + e.what()),
              false};
    }
    if (e.getType() == TTransportException::CORRUPTED_DATA ||
        e.getType() == TTransportException::BAD_ARGS) {
      // Deterministic (e.g. an oversized frame: the peer does not speak framed Thrift).
      return {Status::IOError(endpoint + ": " + e.what()), false};
    }
    return {Status::Unavailable(endpoint + ": " + e.what()), true};
  } catch (const TApplicationException& e) {
    return {Status::Internal(endpoint + ": remote application error: " + e.what()), false};
  } catch (const TProtocolException& e) {
    return {Status::IOError(endpoint + ": protocol error: " + e.what()), false};
  } catch (const TException& e) {
    return {Status::Internal(endpoint + ": " + e.what()), false};
  } catch (const std::exception& e) {
    return {Status::Internal(endpoint + ": exception in call: " + e.what()), false};
  } catch (...) {
    return {Status::Internal(endpoint + ": unknown exception in call"), false};
  }
}

void ConnectionPool::Release(const std::string& endpoint, std::unique_ptr<Connection> conn) {
  conn->last_used = Clock::now();
  std::unique_ptr<Connection> discard;  // Closed outside the lock.
  std::lock_guard<std::mutex> l(mu_);
  EndpointPool& pool = pools_[endpoint];
  if (conn->generation != pool.generation ||
      static_cast<int>(pool.idle.size()) >= options_.max_idle_per_endpoint) {
    discard = std::move(conn);
    return;
  }
  pool.idle.push_back(std::move(conn));
}

void ConnectionPool::DropEndpoint(const std::string& endpoint) {
  std::vector<std::unique_ptr<Connection>> discard;  // Closed outside the lock.
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = pools_.find(endpoint);
    if (it == pools_.end()) return;
    discard.swap(it->second.idle);
    ++it->second.generation;
  }
  VLOG(1) << endpoint << ": dropped " << discard.size() << " idle connection(s)";
}

int ConnectionPool::IdleConnections(const std::string& endpoint) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = pools_.find(endpoint);
  return it == pools_.end() ? 0 : static_cast<int>(it->second.idle.size());
}

int ConnectionPool::BackoffMs(int retry) const {
  int64_t bound = options_.initial_backoff_ms;
  for (int i = 1; i < retry && bound < options_.max_backoff_ms; ++i) bound *= 2;
  bound = std::min<int64_t>(bound, options_.max_backoff_ms);
  thread_local std::mt19937 rng(std::random_device{}());
  std::uniform_int_distribution<int64_t> jitter(bound / 2, bound);
  return static_cast<int>(jitter(rng));
}

}  // namespace fedflow::rpc::internal
