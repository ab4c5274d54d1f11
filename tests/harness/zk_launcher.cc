#include "tests/harness/zk_launcher.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <glog/logging.h>

namespace fs = std::filesystem;

namespace fedflow::testing {

namespace {

constexpr const char* kZkJar = "/usr/share/java/zookeeper.jar";
constexpr const char* kZkConfDir = "/etc/zookeeper/conf";

// Asks the kernel for a free loopback port. Another process could take it before the
// server binds; Start() then fails with the server's log, which names the bind error.
Result<int> PickFreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::IOError(std::string("socket: ") + strerror(errno));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return Status::IOError(std::string("bind: ") + strerror(errno));
  }
  socklen_t len = sizeof(addr);
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return static_cast<int>(ntohs(addr.sin_port));
}

std::string TailOfFile(const std::string& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "(no log at " + path + ")";
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  return s;
}

// Waits for `pid` to exit within `timeout`; returns whether it did.
bool WaitExit(pid_t pid, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid || (r < 0 && errno == ECHILD)) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

ZkLauncher::ZkLauncher(Options options) : options_(std::move(options)), port_(options_.port) {}

ZkLauncher::~ZkLauncher() {
  if (running()) Stop().IgnoreError();
}

std::string ZkLauncher::connect_string() const { return "127.0.0.1:" + std::to_string(port_); }

Status ZkLauncher::Start() {
  if (running()) return Status::IllegalState("ZooKeeper is already running");
  if (access(kZkJar, R_OK) != 0) {
    return Status::NotFound(std::string("ZooKeeper server jar not found at ") + kZkJar +
                            ": install Debian's `zookeeper` package (deploy/install-deps.sh)");
  }
  if (port_ == 0) {
    ASSIGN_OR_RETURN(port_, PickFreePort());
  }
  std::error_code ec;
  fs::create_directories(options_.dir + "/data", ec);
  if (ec) return Status::IOError("cannot create " + options_.dir + "/data: " + ec.message());

  const std::string cfg = options_.dir + "/zoo.cfg";
  {
    std::ofstream out(cfg, std::ios::trunc);
    out << "tickTime=" << options_.tick_time_ms << "\n"
        << "initLimit=10\nsyncLimit=5\n"
        << "dataDir=" << options_.dir << "/data\n"
        << "clientPort=" << port_ << "\n"
        << "clientPortAddress=127.0.0.1\n"
        << "maxClientCnxns=0\n"
        << "admin.enableServer=false\n"
        << "4lw.commands.whitelist=*\n"
        // Short session timeouts for tests: the minimum is 2 ticks.
        << "minSessionTimeout=" << 2 * options_.tick_time_ms << "\n"
        << "maxSessionTimeout=60000\n";
    if (!out) return Status::IOError("cannot write " + cfg);
  }

  const std::string log = options_.dir + "/zookeeper.log";
  pid_t pid = fork();
  if (pid < 0) return Status::IOError(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    // Child: own process group, output to the log file; dies with the test process.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    std::string cp = std::string(kZkJar) + ":" + kZkConfDir;
    std::string log_dir_opt = "-Dzookeeper.log.dir=" + options_.dir;
    execlp("java", "java", "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
           "-Dzookeeper.admin.enableServer=false", log_dir_opt.c_str(),
           "-Dzookeeper.root.logger=INFO,CONSOLE", "-cp", cp.c_str(),
           "org.apache.zookeeper.server.ZooKeeperServerMain", cfg.c_str(),
           static_cast<char*>(nullptr));
    fprintf(stderr, "exec java failed: %s\n", strerror(errno));
    _exit(127);
  }
  pid_ = pid;

  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(options_.start_timeout_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    int st;
    if (waitpid(pid_, &st, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::IOError("ZooKeeper server exited during start-up (status " +
                             std::to_string(st) + "); its log:\n" + TailOfFile(log, 4000));
    }
    // `ruok` answers before the server accepts sessions; `srvr` says when it is serving.
    auto r = FourLetterWord("ruok");
    auto srvr = r.ok() && *r == "imok" ? FourLetterWord("srvr") : Result<std::string>("");
    if (srvr.ok() && srvr->find("Mode:") != std::string::npos) {
      LOG(INFO) << "ZooKeeper serving on " << connect_string() << " (pid " << pid_ << ")";
      return Status::OK();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  Kill().IgnoreError();
  return Status::TimedOut("ZooKeeper did not answer ruok within " +
                          std::to_string(options_.start_timeout_ms) + " ms; its log:\n" +
                          TailOfFile(log, 4000));
}

Status ZkLauncher::Stop() {
  if (!running()) return Status::OK();
  kill(-pid_, SIGTERM);
  kill(pid_, SIGTERM);
  if (!WaitExit(pid_, std::chrono::seconds(10))) {
    kill(-pid_, SIGKILL);
    kill(pid_, SIGKILL);
    WaitExit(pid_, std::chrono::seconds(10));
  }
  pid_ = -1;
  return Status::OK();
}

Status ZkLauncher::Kill() {
  if (!running()) return Status::OK();
  kill(-pid_, SIGKILL);
  kill(pid_, SIGKILL);
  WaitExit(pid_, std::chrono::seconds(10));
  pid_ = -1;
  return Status::OK();
}

Status ZkLauncher::Restart() {
  RETURN_NOT_OK(Stop());
  // The port may linger in TIME_WAIT; ZooKeeper sets SO_REUSEADDR so it rebinds.
  return Start();
}

Result<std::string> ZkLauncher::FourLetterWord(const std::string& cmd) const {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return Status::IOError(std::string("socket: ") + strerror(errno));
  timeval tv{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port_);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    int e = errno;
    close(fd);
    return Status::Unavailable("connect to " + connect_string() + ": " + strerror(e));
  }
  if (write(fd, cmd.data(), cmd.size()) != static_cast<ssize_t>(cmd.size())) {
    close(fd);
    return Status::IOError("write to " + connect_string() + " failed");
  }
  std::string reply;
  char buf[4096];
  while (true) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) break;
    reply.append(buf, n);
  }
  close(fd);
  return reply;
}

}  // namespace fedflow::testing
