#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace apache::thrift {
class TProcessor;
namespace server {
class TServerEventHandler;
class TThreadedServer;
}  // namespace server
namespace transport {
class TServerSocket;
}  // namespace transport
}  // namespace apache::thrift

namespace fedflow::rpc {

// Serves one Thrift processor on a TCP port: a TThreadedServer (one thread per
// connection) over framed transport and the binary protocol, matching ClientPool.
//
// Why: Thrift's defaults block forever on a silent peer and report the bound port and
// bind errors only through exceptions on the serving thread. This class gives a
// synchronous Start() that returns once the socket accepts (or a Status naming host:port),
// resolves port 0 to the real port, and puts a receive timeout on every accepted socket so a
// dead client never pins a thread forever.
//
// Owned by the daemon that serves; Start() once, Stop() any number of times (the destructor
// stops too). Stop() waits for handlers that are running to return. Thread-safe.
class ThriftServer {
 public:
  struct Options {
    // "127.0.0.1" (default, loopback only) or "0.0.0.0" or another local address.
    std::string bind_host = "127.0.0.1";
    // 0 picks a free port; port() reports the real one after Start().
    int port = 0;
    // For logs: "coordinator", "agent", ...
    std::string name = "thrift";
    // An accepted connection that sends nothing for this long is closed. Keep it above
    // the clients' idle time for pooled connections (ClientPool::Options::max_idle_ms).
    int recv_timeout_ms = 60000;
    // A response that cannot be written for this long closes the connection.
    int send_timeout_ms = 60000;
    // Optional: sees every connection (createContext/deleteContext/processContext).
    std::shared_ptr<apache::thrift::server::TServerEventHandler> event_handler;
  };

  explicit ThriftServer(Options options);
  ~ThriftServer();

  ThriftServer(const ThriftServer&) = delete;
  ThriftServer& operator=(const ThriftServer&) = delete;

  // Binds, listens and starts serving `processor` on a background thread; returns once the
  // socket accepts connections. IOError naming host:port when the address cannot be bound;
  // IllegalState when called twice.
  Status Start(std::shared_ptr<apache::thrift::TProcessor> processor);

  // Stops accepting, interrupts idle connections, waits for running handlers and joins the
  // serving thread. No-op when not running.
  void Stop();

  // The bound port (the real one when Options::port was 0); 0 before a successful Start(),
  // the last bound port after Stop() (to restart a server on the same port).
  int port() const;
  // "host:port" of the bound socket, for clients and logs.
  std::string endpoint() const;
  const Options& options() const { return options_; }

 private:
  class EventHandler;

  void Serve();
  // Called by EventHandler::preServe on the serving thread once the socket listens.
  void OnListening();
  std::string LogPrefix() const;

  const Options options_;

  // Serialises Start() and Stop(). Lock order: lifecycle_mu_ before mu_.
  std::mutex lifecycle_mu_;
  std::shared_ptr<apache::thrift::transport::TServerSocket> socket_;  // Guarded by lifecycle_mu_.
  std::shared_ptr<apache::thrift::server::TThreadedServer> server_;   // Guarded by lifecycle_mu_.
  std::thread thread_;                                                // Guarded by lifecycle_mu_.

  mutable std::mutex mu_;
  std::condition_variable cv_;
  enum class State { kNew, kStarting, kServing, kFailed, kStopped };
  State state_ = State::kNew;  // Guarded by mu_.
  Status start_error_;         // Guarded by mu_.
  int port_ = 0;               // Guarded by mu_.
};

}  // namespace fedflow::rpc
