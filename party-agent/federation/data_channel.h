#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "federation_types.h"

namespace fedflow {

// The federation data channel: agent to agent, a plain TCP connection that carries Push
// requests with their chunk's bytes written straight after the request, so a chunk crosses
// the wire without Thrift's framing (one copy into the kernel on the sender, one out of it
// on the receiver, instead of four). The control calls stay on the Thrift FederationService;
// an agent tells its data port through FederationService.DataChannel, and a sender falls back
// to Push when a peer has none. docs/FEDERATION.md "Data channel".
//
// One request on a connection (integers big-endian):
//   "FFD1" | u32 header length | u64 body length | header | body
// with the header a TPushRequest (Thrift binary protocol) whose `data` is empty. The answer
// is u32 length | TPushResponse (binary protocol). A connection carries any number of
// requests, one after another. A malformed request (bad magic, oversized header or body,
// unreadable header) closes the connection; a request the receiver refuses (not a party of
// the job, mailbox full, ...) is answered with that status after its body has been read.
inline constexpr char kDataChannelMagic[4] = {'F', 'F', 'D', '1'};
inline constexpr uint32_t kDataChannelMaxHeaderBytes = 64 << 10;

// Reusable chunk buffers, so that steady traffic does not fault in fresh pages for every
// chunk. Keeps at most `max_buffers` released buffers. Thread-safe.
class ChunkBufferPool {
 public:
  explicit ChunkBufferPool(size_t max_buffers) : max_buffers_(max_buffers) {}
  // A string of exactly `size` bytes (contents unspecified).
  std::string Acquire(size_t size);
  void Release(std::string buffer);

 private:
  const size_t max_buffers_;
  std::mutex mu_;
  std::vector<std::string> free_;  // Guarded by mu_.
};

struct DataChannelOptions {
  std::string bind_host = "127.0.0.1";
  // 0 picks a free port.
  int port = 0;
  // Each read or write of a request in progress must progress within this.
  int io_timeout_ms = 60000;
  // An idle connection (between requests) is closed after this.
  int idle_timeout_ms = 300000;
  // Larger bodies are refused (the connection is closed).
  int64_t max_body_bytes = int64_t{64} << 20;
  int max_connections = 512;
};

// The receiving end: accepts connections, one thread per connection, and hands each request
// (header, body) to `handler`, whose status is the answer.
class DataChannelServer {
 public:
  using Handler = std::function<Status(const thrift::TPushRequest& header, std::string body)>;

  DataChannelServer(DataChannelOptions options, Handler handler, ChunkBufferPool* buffers);
  ~DataChannelServer();

  Status Start();
  // Closes the listening socket and every connection, and joins their threads.
  void Stop();
  int port() const { return port_; }

 private:
  void AcceptLoop();
  void Serve(int fd);
  // Reads one request and answers it; false when the connection must close.
  bool ServeOne(int fd);

  const DataChannelOptions options_;
  const Handler handler_;
  ChunkBufferPool* const buffers_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::map<int, std::thread> connections_;  // Guarded by mu_: fd -> its thread.
  std::vector<std::thread> finished_;       // Guarded by mu_: to join.
};

struct DataChannelClientOptions {
  int connect_timeout_ms = 2000;
  int io_timeout_ms = 60000;
  // Pooled connections idle longer than this are closed rather than reused (below the
  // server's idle timeout, so a reused connection is not one the server is closing).
  int max_idle_ms = 60000;
};

// The sending end: a pool of connections per endpoint. Thread-safe; concurrent pushes to one
// endpoint use separate connections.
class DataChannelClient {
 public:
  explicit DataChannelClient(DataChannelClientOptions options) : options_(options) {}
  ~DataChannelClient();

  // Sends one request and returns the receiver's answer (its status is the caller's to
  // read). Unavailable when the endpoint cannot be reached or the connection breaks; the
  // broken connection is dropped, never reused.
  Status Push(const std::string& endpoint, const thrift::TPushRequest& header, const char* body,
              size_t body_len, thrift::TPushResponse* response);

 private:
  struct Idle {
    int fd;
    std::chrono::steady_clock::time_point since;
  };
  Result<int> Connect(const std::string& endpoint);
  int TakeIdle(const std::string& endpoint);
  void PutIdle(const std::string& endpoint, int fd);

  const DataChannelClientOptions options_;
  std::mutex mu_;
  std::map<std::string, std::vector<Idle>> idle_;  // Guarded by mu_.
};

}  // namespace fedflow
