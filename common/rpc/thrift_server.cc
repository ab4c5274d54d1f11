#include "common/rpc/thrift_server.h"

#include <glog/logging.h>
#include <thrift/TProcessor.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/server/TServer.h>
#include <thrift/server/TThreadedServer.h>
#include <thrift/transport/TBufferTransports.h>
#include <thrift/transport/TServerSocket.h>

#include <exception>
#include <utility>

#include "common/rpc/endpoint.h"
#include "common/rpc/thrift_logging.h"

namespace fedflow::rpc {

using apache::thrift::TProcessor;
using apache::thrift::protocol::TBinaryProtocolFactory;
using apache::thrift::protocol::TProtocol;
using apache::thrift::server::TServerEventHandler;
using apache::thrift::server::TThreadedServer;
using apache::thrift::transport::TFramedTransportFactory;
using apache::thrift::transport::TServerSocket;
using apache::thrift::transport::TTransport;

// Tells the owner when the socket listens (preServe runs on the serving thread right after
// listen()), and forwards every event to the user's handler, if any.
class ThriftServer::EventHandler : public TServerEventHandler {
 public:
  EventHandler(ThriftServer* owner, std::shared_ptr<TServerEventHandler> delegate)
      : owner_(owner), delegate_(std::move(delegate)) {}

  void preServe() override {
    if (delegate_) delegate_->preServe();
    owner_->OnListening();
  }
  void* createContext(std::shared_ptr<TProtocol> input,
                      std::shared_ptr<TProtocol> output) override {
    return delegate_ ? delegate_->createContext(std::move(input), std::move(output)) : nullptr;
  }
  void deleteContext(void* context, std::shared_ptr<TProtocol> input,
                     std::shared_ptr<TProtocol> output) override {
    if (delegate_) delegate_->deleteContext(context, std::move(input), std::move(output));
  }
  void processContext(void* context, std::shared_ptr<TTransport> transport) override {
    if (delegate_) delegate_->processContext(context, std::move(transport));
  }

 private:
  ThriftServer* const owner_;
  const std::shared_ptr<TServerEventHandler> delegate_;
};

ThriftServer::ThriftServer(Options options) : options_(std::move(options)) {}

ThriftServer::~ThriftServer() { Stop(); }

std::string ThriftServer::LogPrefix() const { return "thrift server " + options_.name + ": "; }

Status ThriftServer::Start(std::shared_ptr<TProcessor> processor) {
  RouteThriftOutputToGlog();
  std::lock_guard<std::mutex> life(lifecycle_mu_);
  const std::string address = HostPort{options_.bind_host, options_.port}.ToString();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (state_ != State::kNew) {
      return Status::IllegalState(LogPrefix() + "Start() may be called only once");
    }
    if (!processor) return Status::InvalidArgument(LogPrefix() + "no processor");
    if (options_.port < 0 || options_.port > 65535) {
      return Status::InvalidArgument(LogPrefix() + "port " + std::to_string(options_.port) +
                                     " is not in 0..65535");
    }
    if (options_.recv_timeout_ms <= 0 || options_.send_timeout_ms <= 0) {
      return Status::InvalidArgument(LogPrefix() + "socket timeouts must be positive");
    }
    state_ = State::kStarting;
  }

  try {
    socket_ = std::make_shared<TServerSocket>(options_.bind_host, options_.port);
    socket_->setRecvTimeout(options_.recv_timeout_ms);
    socket_->setSendTimeout(options_.send_timeout_ms);
    socket_->setKeepAlive(true);
    server_ = std::make_shared<TThreadedServer>(std::move(processor), socket_,
                                                std::make_shared<TFramedTransportFactory>(),
                                                std::make_shared<TBinaryProtocolFactory>());
    server_->setServerEventHandler(std::make_shared<EventHandler>(this, options_.event_handler));
  } catch (const std::exception& e) {
    server_.reset();
    socket_.reset();
    std::lock_guard<std::mutex> l(mu_);
    state_ = State::kFailed;
    return Status::Internal(LogPrefix() + "cannot set up a server on " + address + ": " + e.what());
  }

  // The serving thread reads server_ and socket_ without the lock: they are set before the
  // thread starts and reset only after it is joined.
  thread_ = std::thread([this] { Serve(); });

  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return state_ != State::kStarting; });
  if (state_ == State::kFailed) {
    Status error = start_error_;
    l.unlock();
    thread_.join();
    server_.reset();
    socket_.reset();
    return error;
  }
  LOG(INFO) << LogPrefix() << "serving on " << HostPort{options_.bind_host, port_}.ToString();
  return Status::OK();
}

void ThriftServer::Serve() {
  std::string error;
  try {
    server_->serve();
  } catch (const std::exception& e) {
    error = e.what();
  }
  std::lock_guard<std::mutex> l(mu_);
  if (state_ == State::kStarting) {
    state_ = State::kFailed;
    start_error_ = Status::IOError(
        LogPrefix() + "cannot listen on " + HostPort{options_.bind_host, options_.port}.ToString() +
        ": " + (error.empty() ? std::string("the server stopped before listening") : error));
    cv_.notify_all();
  } else if (!error.empty()) {
    LOG(ERROR) << LogPrefix() << "stopped serving: " << error;
  }
}

void ThriftServer::OnListening() {
  std::lock_guard<std::mutex> l(mu_);
  port_ = socket_->getPort();
  state_ = State::kServing;
  cv_.notify_all();
}

void ThriftServer::Stop() {
  std::lock_guard<std::mutex> life(lifecycle_mu_);
  if (!thread_.joinable()) return;
  // 1. Stop accepting and interrupt connections waiting for a request.
  server_->stop();
  // 2. Wait for running handlers (TThreadedServer::serve returns when no client is left).
  thread_.join();
  server_.reset();
  socket_.reset();
  std::lock_guard<std::mutex> l(mu_);
  state_ = State::kStopped;
  LOG(INFO) << LogPrefix() << "stopped";
}

int ThriftServer::port() const {
  std::lock_guard<std::mutex> l(mu_);
  return port_;
}

std::string ThriftServer::endpoint() const {
  return HostPort{options_.bind_host, port()}.ToString();
}

}  // namespace fedflow::rpc
