// Plain TCP on loopback: one connection, the receiver reads everything the sender writes,
// in 1 MiB writes and reads. Prints the best MB/s per message size. The baseline the
// federation benchmark compares against (bench/federation/run.sh).
//   tcp_baseline SIZE[:ROUNDS] ...
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::pair<long long, int>> sizes;  // size, rounds (0: by size)
  for (int i = 1; i < argc; ++i) {
    const char* colon = std::strchr(argv[i], ':');
    sizes.emplace_back(std::atoll(argv[i]), colon != nullptr ? std::atoi(colon + 1) : 0);
  }
  if (sizes.empty()) sizes = {{1 << 20, 0}, {64 << 20, 0}, {1 << 30, 0}};
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(ls, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
  socklen_t len = sizeof(addr);
  getsockname(ls, reinterpret_cast<sockaddr*>(&addr), &len);
  listen(ls, 1);
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (connect(c, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return 1;
  int s = accept(ls, nullptr, nullptr);
  std::vector<char> buf(1 << 20, 'x');
  for (auto [size, rounds] : sizes) {
    if (rounds <= 0) rounds = size <= (1 << 20) ? 50 : (size <= (64 << 20) ? 5 : 2);
    double best = 0;
    for (int r = 0; r < rounds; ++r) {
      auto t0 = std::chrono::steady_clock::now();
      std::thread reader([&] {
        std::vector<char> in(1 << 20);
        long long got = 0;
        while (got < size) {
          ssize_t n = read(s, in.data(), in.size());
          if (n <= 0) break;
          got += n;
        }
        char ack = 1;
        if (write(s, &ack, 1) != 1) return;
      });
      long long sent = 0;
      while (sent < size) {
        ssize_t n = write(c, buf.data(), std::min<long long>(buf.size(), size - sent));
        if (n <= 0) return 1;
        sent += n;
      }
      char ack;
      if (read(c, &ack, 1) != 1) return 1;
      reader.join();
      double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      best = std::max(best, size / 1e6 / secs);
    }
    std::printf("tcp %lld %.1f\n", size, best);
  }
  return 0;
}
