#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "common/rpc/endpoint.h"
#include "common/status.h"

namespace apache::thrift::protocol {
class TProtocol;
}  // namespace apache::thrift::protocol

namespace fedflow::rpc {

// Whether a call may run twice. Only idempotent calls are retried once the request may have
// reached the server; a failure to connect is retried for every call (nothing was sent).
enum class Idempotency { kIdempotent, kNotIdempotent };

struct ClientPoolOptions {
  // Socket timeouts; every one must be positive (Thrift's 0 means "block forever").
  int connect_timeout_ms = 2000;
  int send_timeout_ms = 10000;
  int recv_timeout_ms = 10000;
  // Idle connections kept per endpoint; more are closed when returned.
  int max_idle_per_endpoint = 8;
  // An idle connection older than this is closed instead of reused. Keep it below the
  // server's receive timeout (ThriftServer::Options::recv_timeout_ms, 60 s by default) so
  // the pool rarely picks a connection the server is about to close.
  int max_idle_ms = 30000;
  // Retries after the first attempt, with exponential backoff and jitter:
  // the n-th retry waits a random time in [b/2, b], b = min(max, initial * 2^(n-1)).
  int retries = 3;
  int initial_backoff_ms = 20;
  int max_backoff_ms = 1000;
};

namespace internal {

// The type-independent part of ClientPool (sockets, pooling, retries), so the template
// stays a thin cast. Thread-safe.
class ConnectionPool {
 public:
  // Builds a generated client (type-erased) over a connected protocol.
  using ClientFactory =
      std::function<std::shared_ptr<void>(std::shared_ptr<apache::thrift::protocol::TProtocol>)>;
  // Runs the caller's function on a client built by the factory.
  using Invoker = std::function<void(void* client)>;

  ConnectionPool(const ClientPoolOptions& options, ClientFactory factory);
  ~ConnectionPool();

  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  Status Call(const std::string& endpoint, const Invoker& fn, Idempotency idempotency);
  void DropEndpoint(const std::string& endpoint);
  int IdleConnections(const std::string& endpoint) const;
  const ClientPoolOptions& options() const { return options_; }

 private:
  struct Connection;
  // The result of running the caller's function once.
  struct Attempt {
    Status status;
    // The failure says nothing about the server's state (a broken or stale connection),
    // so an idempotent call may try again.
    bool retryable = false;
  };
  struct EndpointPool {
    // Most recently used last.
    std::vector<std::unique_ptr<Connection>> idle;
    // Bumped by DropEndpoint: connections of an older generation are closed when returned.
    uint64_t generation = 0;
  };

  // An idle connection that still looks usable, or null.
  std::unique_ptr<Connection> TakeIdle(const std::string& endpoint);
  Result<std::unique_ptr<Connection>> Connect(const std::string& endpoint, const HostPort& where);
  Attempt Invoke(const std::string& endpoint, Connection* conn, const Invoker& fn) const;
  void Release(const std::string& endpoint, std::unique_ptr<Connection> conn);
  int BackoffMs(int retry) const;

  const ClientPoolOptions options_;
  const ClientFactory factory_;

  mutable std::mutex mu_;
  std::map<std::string, EndpointPool> pools_;  // Guarded by mu_.
};

}  // namespace internal

// A pool of Thrift client connections per endpoint, for one generated client type:
//   ClientPool<thrift::AgentServiceClient> agents(options);
//   thrift::TPingResponse resp;
//   Status s = agents.Call("10.0.0.5:9370", [&](thrift::AgentServiceClient& c) {
//     c.Ping(resp, req);
//   }, Idempotency::kIdempotent);
//   RETURN_NOT_OK(s);
//   RETURN_NOT_OK(FromThrift(resp.status));
//
// Why: Thrift clients block forever by default, throw on every failure and own one socket
// each. The pool gives every socket connect/send/receive timeouts, turns exceptions into a
// Status naming the endpoint (Unavailable, or TimedOut for a timeout), drops a connection
// after any exception, reuses healthy connections, and retries with backoff and jitter
// only what is safe to retry (see Idempotency). A receive timeout is not retried: the
// server is alive but slow, and retrying would multiply both the wait and its load. Idle
// connections are checked before reuse (one the server closed is dropped); when a reused
// connection breaks anyway, the endpoint's other idle connections are dropped too.
//
// Wire format: framed transport, binary protocol (what ThriftServer serves).
// Thread-safe; each connection is used by one call at a time. `fn` may make several calls
// on the client; it must not keep the client beyond its own return.
template <typename Client>
class ClientPool {
 public:
  using Options = ClientPoolOptions;

  explicit ClientPool(const Options& options = Options())
      : pool_(options, [](std::shared_ptr<apache::thrift::protocol::TProtocol> protocol) {
          return std::shared_ptr<void>(std::make_shared<Client>(std::move(protocol)));
        }) {}

  // Borrows a connection to `endpoint` ("host:port"), runs fn on its client and returns
  // the connection to the pool. InvalidArgument for a malformed endpoint; Unavailable or
  // TimedOut ("<endpoint>: ...") when the endpoint cannot be reached or does not answer;
  // Internal or IOError for a remote application or protocol error. A Status returned
  // inside the response (TStatus) is the caller's to check.
  Status Call(const std::string& endpoint, const std::function<void(Client&)>& fn,
              Idempotency idempotency) {
    return pool_.Call(
        endpoint, [&fn](void* client) { fn(*static_cast<Client*>(client)); }, idempotency);
  }

  // Closes every idle connection to `endpoint`; connections in use are closed when returned.
  // For when a peer is known to have restarted or moved.
  void DropEndpoint(const std::string& endpoint) { pool_.DropEndpoint(endpoint); }

  // Idle pooled connections to `endpoint` (for tests and diagnostics).
  int IdleConnections(const std::string& endpoint) const { return pool_.IdleConnections(endpoint); }

  const Options& options() const { return pool_.options(); }

 private:
  internal::ConnectionPool pool_;
};

}  // namespace fedflow::rpc
