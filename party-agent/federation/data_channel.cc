#include "party-agent/federation/data_channel.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <glog/logging.h>
#include "common/rpc/endpoint.h"
#include "common/rpc/thrift_bytes.h"
#include "common/rpc/thrift_status.h"

namespace fedflow {

namespace {

template <typename T>
std::string Encode(const T& value) {
  return rpc::ThriftToBytes(value, rpc::ThriftProtocol::kBinary);
}

template <typename T>
Status Decode(const std::string& bytes, const char* what, T* value) {
  Status s = rpc::ThriftFromBytes(bytes, rpc::ThriftProtocol::kBinary, value);
  return s.ok() ? s : Status::InvalidArgument(std::string("unreadable ") + what + ": " + s.message());
}

void PutU32(char* p, uint32_t v) {
  for (int i = 3; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}
void PutU64(char* p, uint64_t v) {
  for (int i = 7; i >= 0; --i, v >>= 8) p[i] = static_cast<char>(v & 0xff);
}
uint64_t GetBE(const char* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void SetTimeouts(int fd, int ms) {
  timeval tv{ms / 1000, (ms % 1000) * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

// Reads exactly len bytes. IOError on a timeout, a reset or the end of the stream (which
// `eof_at_start` reports separately when nothing at all was read).
Status ReadFull(int fd, char* p, size_t len, bool* eof_at_start = nullptr) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = recv(fd, p + got, len - got, MSG_WAITALL);
    if (n > 0) {
      got += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 && got == 0 && eof_at_start != nullptr) {
      *eof_at_start = true;
      return Status::IOError("connection closed");
    }
    if (n == 0) {
      return Status::IOError("connection closed after " + std::to_string(got) + " of " +
                             std::to_string(len) + " bytes");
    }
    return Status::IOError(std::string(errno == EAGAIN || errno == EWOULDBLOCK ? "timed out"
                                                                               : strerror(errno)) +
                           " after " + std::to_string(got) + " of " + std::to_string(len) +
                           " bytes");
  }
  return Status::OK();
}

Status WriteFull(int fd, const char* p, size_t len) {
  size_t put = 0;
  while (put < len) {
    ssize_t n = send(fd, p + put, len - put, MSG_NOSIGNAL);
    if (n > 0) {
      put += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return Status::IOError(std::string(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
                                           ? "timed out"
                                           : strerror(errno)) +
                           " after writing " + std::to_string(put) + " of " +
                           std::to_string(len) + " bytes");
  }
  return Status::OK();
}

}  // namespace

// ---- ChunkBufferPool ----

std::string ChunkBufferPool::Acquire(size_t size) {
  std::string out;
  {
    std::lock_guard<std::mutex> l(mu_);
    // The smallest free buffer that holds `size` without growing.
    size_t best = free_.size();
    for (size_t i = 0; i < free_.size(); ++i) {
      if (free_[i].capacity() >= size &&
          (best == free_.size() || free_[i].capacity() < free_[best].capacity())) {
        best = i;
      }
    }
    if (best < free_.size()) {
      out = std::move(free_[best]);
      free_[best] = std::move(free_.back());
      free_.pop_back();
    }
  }
  out.resize(size);
  return out;
}

void ChunkBufferPool::Release(std::string buffer) {
  if (buffer.capacity() < (size_t{64} << 10)) return;  // Small ones are cheap to allocate.
  std::lock_guard<std::mutex> l(mu_);
  if (free_.size() < max_buffers_) free_.push_back(std::move(buffer));
}

// ---- DataChannelServer ----

DataChannelServer::DataChannelServer(DataChannelOptions options, Handler handler,
                                     ChunkBufferPool* buffers)
    : options_(std::move(options)), handler_(std::move(handler)), buffers_(buffers) {}

DataChannelServer::~DataChannelServer() { Stop(); }

Status DataChannelServer::Start() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(options_.port);
  int rc = getaddrinfo(options_.bind_host.empty() ? nullptr : options_.bind_host.c_str(),
                       port.c_str(), &hints, &res);
  if (rc != 0) {
    return Status::InvalidArgument("federation data channel: cannot resolve " +
                                   options_.bind_host + ": " + gai_strerror(rc));
  }
  Status last = Status::IOError("no address to listen on");
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(fd, a->ai_addr, a->ai_addrlen) == 0 && listen(fd, 128) == 0) {
      sockaddr_storage bound{};
      socklen_t len = sizeof(bound);
      getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
      port_ = ntohs(bound.ss_family == AF_INET6
                        ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
      listen_fd_ = fd;
      break;
    }
    last = Status::IOError("cannot listen on " + options_.bind_host + ":" + port + ": " +
                           strerror(errno));
    close(fd);
  }
  freeaddrinfo(res);
  if (listen_fd_ < 0) return last.CloneAndPrepend("federation data channel");
  accept_thread_ = std::thread([this] { AcceptLoop(); });
  return Status::OK();
}

void DataChannelServer::Stop() {
  if (stopping_.exchange(true)) return;
  if (listen_fd_ >= 0) shutdown(listen_fd_, SHUT_RDWR);
  if (accept_thread_.joinable()) accept_thread_.join();
  if (listen_fd_ >= 0) close(listen_fd_);
  listen_fd_ = -1;
  std::map<int, std::thread> conns;
  std::vector<std::thread> finished;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (auto& [fd, t] : connections_) shutdown(fd, SHUT_RDWR);
    conns.swap(connections_);
    finished.swap(finished_);
  }
  for (auto& [fd, t] : conns) t.join();
  for (std::thread& t : finished) t.join();
}

void DataChannelServer::AcceptLoop() {
  while (!stopping_) {
    pollfd p{listen_fd_, POLLIN, 0};
    int r = poll(&p, 1, 500);
    if (stopping_) break;
    if (r <= 0) continue;
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::vector<std::thread> done;
    std::lock_guard<std::mutex> l(mu_);
    done.swap(finished_);
    if (static_cast<int>(connections_.size()) >= options_.max_connections) {
      LOG(WARNING) << "federation data channel: " << connections_.size()
                   << " connections open; refusing a new one";
      close(fd);
    } else {
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      connections_.emplace(fd, std::thread([this, fd] { Serve(fd); }));
    }
    // Join outside the lock would be nicer, but these threads have already returned.
    for (std::thread& t : done) t.join();
  }
}

void DataChannelServer::Serve(int fd) {
  while (!stopping_) {
    // Wait for the next request; an idle connection is closed after idle_timeout_ms.
    pollfd p{fd, POLLIN, 0};
    int waited = 0;
    int r = 0;
    while (!stopping_ && (r = poll(&p, 1, 500)) == 0 && (waited += 500) < options_.idle_timeout_ms) {
    }
    if (stopping_ || r <= 0) break;
    if (!ServeOne(fd)) break;
  }
  std::lock_guard<std::mutex> l(mu_);
  auto it = connections_.find(fd);
  if (it != connections_.end()) {  // Not when Stop() took it (Stop joins it itself).
    finished_.push_back(std::move(it->second));
    connections_.erase(it);
  }
  close(fd);
}

bool DataChannelServer::ServeOne(int fd) {
  SetTimeouts(fd, options_.io_timeout_ms);
  char prefix[16];
  bool eof = false;
  Status s = ReadFull(fd, prefix, sizeof(prefix), &eof);
  if (!s.ok()) {
    if (!eof) LOG(WARNING) << "federation data channel: reading a request: " << s.ToString();
    return false;
  }
  if (std::memcmp(prefix, kDataChannelMagic, 4) != 0) {
    LOG(WARNING) << "federation data channel: not a fedflow data request (bad magic); "
                    "closing the connection";
    return false;
  }
  const uint64_t header_len = GetBE(prefix + 4, 4);
  const uint64_t body_len = GetBE(prefix + 8, 8);
  if (header_len > kDataChannelMaxHeaderBytes ||
      body_len > static_cast<uint64_t>(options_.max_body_bytes)) {
    LOG(WARNING) << "federation data channel: request of " << header_len << " header and "
                 << body_len << " body bytes exceeds the limits (" << kDataChannelMaxHeaderBytes
                 << ", " << options_.max_body_bytes << "); closing the connection";
    return false;
  }
  std::string header_bytes(header_len, '\0');
  s = ReadFull(fd, header_bytes.data(), header_bytes.size());
  thrift::TPushRequest header;
  if (s.ok()) s = Decode(header_bytes, "data channel request", &header);
  if (!s.ok()) {
    LOG(WARNING) << "federation data channel: " << s.ToString() << "; closing the connection";
    return false;
  }
  std::string body = buffers_->Acquire(body_len);
  s = ReadFull(fd, body.data(), body.size());
  if (!s.ok()) {
    // A truncated chunk is dropped whole; the sender retries it.
    LOG(WARNING) << "federation data channel: chunk " << header.chunk_index << " of tag \""
                 << header.key.tag << "\" from " << header.key.src_role << " "
                 << header.key.src_party_id << " truncated: " << s.ToString();
    buffers_->Release(std::move(body));
    return false;
  }
  thrift::TPushResponse resp;
  resp.status = rpc::ToThrift(handler_(header, std::move(body)));
  std::string answer = Encode(resp);
  std::string out(4, '\0');
  PutU32(out.data(), static_cast<uint32_t>(answer.size()));
  out += answer;
  s = WriteFull(fd, out.data(), out.size());
  if (!s.ok()) {
    LOG(WARNING) << "federation data channel: answering: " << s.ToString();
    return false;
  }
  return true;
}

// ---- DataChannelClient ----

DataChannelClient::~DataChannelClient() {
  for (auto& [ep, fds] : idle_) {
    for (const Idle& i : fds) close(i.fd);
  }
}

int DataChannelClient::TakeIdle(const std::string& endpoint) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = idle_.find(endpoint);
  if (it == idle_.end()) return -1;
  auto now = std::chrono::steady_clock::now();
  while (!it->second.empty()) {
    Idle i = it->second.back();
    it->second.pop_back();
    if (now - i.since < std::chrono::milliseconds(options_.max_idle_ms)) return i.fd;
    close(i.fd);
  }
  return -1;
}

void DataChannelClient::PutIdle(const std::string& endpoint, int fd) {
  std::lock_guard<std::mutex> l(mu_);
  idle_[endpoint].push_back(Idle{fd, std::chrono::steady_clock::now()});
}

Result<int> DataChannelClient::Connect(const std::string& endpoint) {
  ASSIGN_OR_RETURN(rpc::HostPort hp, rpc::ParseEndpoint(endpoint));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  std::string port = std::to_string(hp.port);
  int rc = getaddrinfo(hp.host.c_str(), port.c_str(), &hints, &res);
  if (rc != 0) {
    return Status::Unavailable("cannot resolve " + hp.host + ": " + gai_strerror(rc));
  }
  Status last = Status::Unavailable("no address for " + endpoint);
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    int s = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (s < 0) continue;
    int r = connect(s, a->ai_addr, a->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      pollfd p{s, POLLOUT, 0};
      r = poll(&p, 1, options_.connect_timeout_ms) == 1 ? 0 : -1;
      int err = r == 0 ? 0 : ETIMEDOUT;
      socklen_t len = sizeof(err);
      if (r == 0) getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
      errno = err;
      r = err == 0 ? 0 : -1;
    }
    if (r == 0) {
      fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);
      int one = 1;
      setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      SetTimeouts(s, options_.io_timeout_ms);
      fd = s;
    } else {
      last = Status::Unavailable("cannot connect to " + endpoint + ": " + strerror(errno));
      close(s);
    }
  }
  freeaddrinfo(res);
  if (fd < 0) return last;
  return fd;
}

Status DataChannelClient::Push(const std::string& endpoint, const thrift::TPushRequest& header,
                               const char* body, size_t body_len,
                               thrift::TPushResponse* response) {
  std::string head = Encode(header);
  std::string prefix(16, '\0');
  std::memcpy(prefix.data(), kDataChannelMagic, 4);
  PutU32(prefix.data() + 4, static_cast<uint32_t>(head.size()));
  PutU64(prefix.data() + 8, body_len);
  prefix += head;
  // A pooled connection may have been closed by the peer meanwhile: one more try on a fresh
  // connection when a reused one fails before any answer.
  for (int attempt = 0; attempt < 2; ++attempt) {
    int fd = attempt == 0 ? TakeIdle(endpoint) : -1;
    const bool reused = fd >= 0;
    if (fd < 0) {
      ASSIGN_OR_RETURN(fd, Connect(endpoint));
    }
    Status s = WriteFull(fd, prefix.data(), prefix.size());
    if (s.ok()) s = WriteFull(fd, body, body_len);
    char len_bytes[4];
    if (s.ok()) s = ReadFull(fd, len_bytes, sizeof(len_bytes));
    std::string answer;
    if (s.ok()) {
      uint64_t len = GetBE(len_bytes, 4);
      if (len > kDataChannelMaxHeaderBytes) {
        s = Status::IOError("answer of " + std::to_string(len) + " bytes");
      } else {
        answer.resize(len);
        s = ReadFull(fd, answer.data(), answer.size());
      }
    }
    if (s.ok()) s = Decode(answer, "data channel answer", response);
    if (s.ok()) {
      PutIdle(endpoint, fd);
      return Status::OK();
    }
    close(fd);
    if (!reused) {
      return Status::Unavailable("federation data channel to " + endpoint + ": " + s.ToString());
    }
  }
  return Status::Unavailable("federation data channel to " + endpoint + ": connection lost");
}

}  // namespace fedflow
