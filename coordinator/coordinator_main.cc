// fedflow-coordinator: the scheduler daemon.
#include <signal.h>

#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/init.h"
#include "coordinator/coordinator.h"

DEFINE_string(zk, "127.0.0.1:2181", "ZooKeeper connect string (host:port[,host:port...])");
DEFINE_string(zk_root, "/fedflow", "Root of fedflow's nodes in ZooKeeper");
DEFINE_int32(zk_session_timeout_ms, 6000, "ZooKeeper session timeout");
DEFINE_int32(port, 9380, "Port of the coordinator's Thrift service (0 picks a free one)");
DEFINE_string(bind_host, "127.0.0.1", "Address the Thrift service listens on");
DEFINE_string(advertise_host, "127.0.0.1", "Host name agents and clients use to reach us");
DEFINE_string(data_dir, "", "Directory for the coordinator's own files");
DEFINE_int32(coordinator_agent_lost_grace_ms, 3000,
             "How long an agent may be missing from ZooKeeper before its tasks fail");
DEFINE_string(port_file, "", "If set, the coordinator writes its endpoint there once serving");

static bool ValidatePort(const char* flag, int32_t v) {
  if (v >= 0 && v < 65536) return true;
  fprintf(stderr, "--%s must be in [0, 65535], got %d\n", flag, v);
  return false;
}
DEFINE_validator(port, &ValidatePort);

int main(int argc, char** argv) {
  fedflow::InitProcess(&argc, &argv,
                       {"fedflow-coordinator --zk HOST:PORT --port N --data_dir DIR", true});
  fedflow::coordinator::CoordinatorOptions o;
  o.zk_hosts = FLAGS_zk;
  o.zk_root = FLAGS_zk_root;
  o.zk_session_timeout_ms = FLAGS_zk_session_timeout_ms;
  o.port = FLAGS_port;
  o.bind_host = FLAGS_bind_host;
  o.advertise_host = FLAGS_advertise_host;
  o.data_dir = FLAGS_data_dir;
  o.scheduler.agent_lost_grace_ms = FLAGS_coordinator_agent_lost_grace_ms;

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);  // Threads created from here on inherit it.

  fedflow::coordinator::Coordinator coordinator(o);
  fedflow::Status s = coordinator.Start();
  if (!s.ok()) {
    LOG(ERROR) << "fedflow-coordinator cannot start: " << s.ToString();
    return 1;
  }
  if (!FLAGS_port_file.empty()) {
    FILE* f = fopen((FLAGS_port_file + ".tmp").c_str(), "w");
    if (f != nullptr) {
      fprintf(f, "%s\n", coordinator.endpoint().c_str());
      fclose(f);
      rename((FLAGS_port_file + ".tmp").c_str(), FLAGS_port_file.c_str());
    }
  }
  int sig = 0;
  sigwait(&sigs, &sig);
  LOG(INFO) << "signal " << sig << ": shutting down";
  coordinator.Shutdown();
  return 0;
}
