#pragma once

#include <string>
#include <sys/types.h>

#include "common/status.h"

namespace fedflow::testing {

// Runs a real, standalone ZooKeeper server (Debian's `zookeeper` package) for a test:
//   java -cp /usr/share/java/zookeeper.jar:/etc/zookeeper/conf
//        org.apache.zookeeper.server.ZooKeeperServerMain <dir>/zoo.cfg
// on a free loopback port, with the admin server disabled, a small tickTime (so short
// session timeouts are allowed) and its data dir under `dir`. Start() returns once the
// server answers `ruok` with `imok`. The port is kept across Restart() so that clients
// can reconnect to the same address. Not thread-safe; owned by one test.
class ZkLauncher {
 public:
  struct Options {
    // Directory for zoo.cfg, data and the server's log (zookeeper.log).
    std::string dir;
    // 0 picks a free loopback port at the first Start().
    int port = 0;
    // ZooKeeper's tickTime; the minimum session timeout is 2 ticks.
    int tick_time_ms = 100;
    // How long Start() waits for `imok`.
    int start_timeout_ms = 30000;
  };

  explicit ZkLauncher(Options options);
  ~ZkLauncher();  // Stops the server if it runs.

  ZkLauncher(const ZkLauncher&) = delete;
  ZkLauncher& operator=(const ZkLauncher&) = delete;

  // Starts the server and waits until it is serving. Fails with a clear message when
  // java or the ZooKeeper jar is missing or the server does not come up in time (the
  // tail of its log is included).
  Status Start();
  // SIGTERM, then SIGKILL after a grace period; waits for the process to exit.
  Status Stop();
  // SIGKILL; waits for the process to exit.
  Status Kill();
  // Stop() then Start() on the same port and data dir (sessions can survive this).
  Status Restart();

  bool running() const { return pid_ > 0; }
  int port() const { return port_; }
  // "127.0.0.1:<port>", the connect string for clients.
  std::string connect_string() const;
  pid_t pid() const { return pid_; }

  // Sends a four-letter command ("ruok", "stat", ...) and returns the reply.
  Result<std::string> FourLetterWord(const std::string& cmd) const;

 private:
  Options options_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace fedflow::testing
