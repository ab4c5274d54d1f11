// The federation data channel (party-agent/federation/data_channel.h) over loopback TCP:
// requests and answers, refusals, reuse of connections, truncated and malformed requests.
#include "party-agent/federation/data_channel.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <arpa/inet.h>

#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "common/rpc/thrift_status.h"
#include "tests/harness/test_util.h"

namespace fedflow {
namespace {

thrift::TPushRequest Header(int32_t chunk_index, int64_t total) {
  thrift::TPushRequest h;
  h.protocol_version = 1;
  h.key.job_id = "j1";
  h.key.tag = "t";
  h.key.src_role = "guest";
  h.key.src_party_id = 9999;
  h.key.dst_role = "host";
  h.key.dst_party_id = 10000;
  h.component = "c";
  h.chunk_index = chunk_index;
  h.chunk_count = 4;
  h.total_bytes = total;
  return h;
}

class DataChannelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DataChannelOptions o;
    o.io_timeout_ms = 2000;
    o.max_body_bytes = 1 << 20;
    server_ = std::make_unique<DataChannelServer>(
        o,
        [this](const thrift::TPushRequest& h, std::string body) {
          std::lock_guard<std::mutex> l(mu_);
          if (h.key.src_party_id == 4242) return Status::InvalidArgument("not a party of job j1");
          received_.push_back({h.chunk_index, std::move(body)});
          return Status::OK();
        },
        &buffers_);
    ASSERT_OK(server_->Start());
    endpoint_ = "127.0.0.1:" + std::to_string(server_->port());
  }

  // A raw connection to the server, for requests the client would never send.
  int RawConnect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(server_->port()));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(0, connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)));
    timeval tv{5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
  }

  size_t Received() {
    std::lock_guard<std::mutex> l(mu_);
    return received_.size();
  }

  ChunkBufferPool buffers_{4};
  std::unique_ptr<DataChannelServer> server_;
  std::string endpoint_;
  std::mutex mu_;
  std::vector<std::pair<int32_t, std::string>> received_;
};

TEST_F(DataChannelTest, ChunksArriveIntactOverReusedConnections) {
  DataChannelClient client(DataChannelClientOptions{});
  std::string body(300000, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>(i * 7 + 3);
  for (int i = 0; i < 3; ++i) {
    thrift::TPushResponse resp;
    ASSERT_OK(client.Push(endpoint_, Header(i, 900000), body.data(), body.size(), &resp));
    ASSERT_OK(rpc::FromThrift(resp.status));
  }
  ASSERT_EQ(3u, Received());
  for (const auto& [index, got] : received_) EXPECT_TRUE(got == body) << "chunk " << index;
  // An empty body is a valid chunk too.
  thrift::TPushResponse resp;
  ASSERT_OK(client.Push(endpoint_, Header(3, 0), nullptr, 0, &resp));
  ASSERT_OK(rpc::FromThrift(resp.status));
  EXPECT_EQ(4u, Received());
}

TEST_F(DataChannelTest, ConcurrentPushesUseSeparateConnections) {
  DataChannelClient client(DataChannelClientOptions{});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::string body(100000, static_cast<char>('a' + t));
      for (int i = 0; i < 5; ++i) {
        thrift::TPushResponse resp;
        if (client.Push(endpoint_, Header(t, 0), body.data(), body.size(), &resp).ok() &&
            rpc::FromThrift(resp.status).ok()) {
          ok++;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(20, ok.load());
  EXPECT_EQ(20u, Received());
}

TEST_F(DataChannelTest, ARefusalIsTheAnswerAndTheConnectionStaysUsable) {
  DataChannelClient client(DataChannelClientOptions{});
  thrift::TPushRequest h = Header(0, 3);
  h.key.src_party_id = 4242;
  thrift::TPushResponse resp;
  ASSERT_OK(client.Push(endpoint_, h, "bad", 3, &resp));
  Status refused = rpc::FromThrift(resp.status);
  EXPECT_TRUE(refused.IsInvalidArgument()) << refused;
  EXPECT_NE(std::string::npos, refused.message().find("not a party of job j1"));
  ASSERT_OK(client.Push(endpoint_, Header(1, 3), "abc", 3, &resp));
  ASSERT_OK(rpc::FromThrift(resp.status));
  EXPECT_EQ(1u, Received());
}

TEST_F(DataChannelTest, ATruncatedChunkIsDroppedAndTheServerGoesOn) {
  // A request announcing 1000 body bytes, of which only 10 are sent before the sender dies.
  DataChannelClient client(DataChannelClientOptions{});
  thrift::TPushResponse resp;
  ASSERT_OK(client.Push(endpoint_, Header(0, 5), "hello", 5, &resp));
  int fd = RawConnect();
  auto buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>();
  apache::thrift::protocol::TBinaryProtocol proto(buf);
  Header(0, 1000).write(&proto);
  std::string head = buf->getBufferAsString();
  std::string prefix(16, '\0');
  std::memcpy(prefix.data(), kDataChannelMagic, 4);
  uint32_t header_len = static_cast<uint32_t>(head.size());
  uint64_t body_len = 1000;
  for (int i = 0; i < 4; ++i) prefix[4 + i] = static_cast<char>((header_len >> (24 - 8 * i)) & 0xff);
  for (int i = 0; i < 8; ++i) prefix[8 + i] = static_cast<char>((body_len >> (56 - 8 * i)) & 0xff);
  prefix += head;
  ASSERT_EQ(static_cast<ssize_t>(prefix.size()), write(fd, prefix.data(), prefix.size()));
  ASSERT_EQ(10, write(fd, "0123456789", 10));
  close(fd);
  // Nothing from it was delivered, and the server still serves others.
  ASSERT_OK(client.Push(endpoint_, Header(1, 5), "world", 5, &resp));
  ASSERT_OK(rpc::FromThrift(resp.status));
  EXPECT_EQ(2u, Received());
}

TEST_F(DataChannelTest, MalformedRequestsCloseTheConnection) {
  for (const std::string& garbage :
       {std::string("GET / HTTP/1.1\r\n\r\n"),
        // Right magic, a body over the server's 1 MiB limit.
        std::string("FFD1\0\0\0\0\0\0\0\0\x10\0\0\0", 16)}) {
    int fd = RawConnect();
    ASSERT_EQ(static_cast<ssize_t>(garbage.size()), write(fd, garbage.data(), garbage.size()));
    char c;
    // Closed: the end of the stream, or a reset when the server left bytes unread.
    EXPECT_LE(read(fd, &c, 1), 0) << "the server must close the connection";
    close(fd);
  }
  EXPECT_EQ(0u, Received());
}

TEST_F(DataChannelTest, AnUnreachableEndpointIsUnavailable) {
  std::string dead = "127.0.0.1:" + std::to_string(server_->port());
  server_->Stop();
  DataChannelClient client(DataChannelClientOptions{});
  thrift::TPushResponse resp;
  Status s = client.Push(dead, Header(0, 1), "x", 1, &resp);
  EXPECT_TRUE(s.IsUnavailable()) << s;
  EXPECT_NE(std::string::npos, s.message().find(dead)) << s;
}

TEST(ChunkBufferPoolTest, ReleasedBuffersAreReused) {
  ChunkBufferPool pool(2);
  std::string a = pool.Acquire(1 << 20);
  const char* mem = a.data();
  pool.Release(std::move(a));
  std::string b = pool.Acquire(512 << 10);  // fits in the released one
  EXPECT_EQ(mem, b.data());
  EXPECT_EQ(size_t{512} << 10, b.size());
}

}  // namespace
}  // namespace fedflow
