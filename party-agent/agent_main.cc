// fedflow-agent: one party's agent daemon.
#include <signal.h>

#include <algorithm>

#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/init.h"
#include "party-agent/agent.h"

DEFINE_int64(party_id, 0, "The party this agent serves (FATE party id)");
DEFINE_string(agent_id, "", "This agent's id (default: <party>-<host>-<port>)");
DEFINE_string(zk, "127.0.0.1:2181", "ZooKeeper connect string (host:port[,host:port...])");
DEFINE_string(zk_root, "/fedflow", "Root of fedflow's nodes in ZooKeeper");
DEFINE_int32(zk_session_timeout_ms, 6000, "ZooKeeper session timeout");
DEFINE_string(data_dir, "", "Directory for the agent's LevelDB store and task work directories");
DEFINE_string(bind_host, "127.0.0.1", "Address the agent's Thrift service listens on");
DEFINE_string(advertise_host, "127.0.0.1", "Host name the coordinator uses to reach this agent");
DEFINE_int32(port, 0, "Port of the agent's Thrift service (0 picks a free one)");
DEFINE_int32(cores, 0, "Task slots this agent offers (0: the machine's core count)");
DEFINE_string(task_binary, "", "Path of fedflow-task (default: next to fedflow-agent)");
DEFINE_int32(agent_task_stop_grace_ms, 2000, "SIGTERM-to-SIGKILL grace period when stopping a task");
DEFINE_int32(agent_upload_idle_timeout_ms, 300000,
             "An upload session that receives nothing for this long is aborted (its rows are "
             "deleted)");
DEFINE_int32(agent_task_storage_idle_timeout_ms, 600000,
             "A task's table cursor or output writer that receives no call for this long is "
             "released (an unfinished output's rows are deleted)");
DEFINE_int32(federation_port, 0,
             "Port of the agent's FederationService, which other parties' agents call (0 picks a "
             "free one)");
DEFINE_int32(federation_data_port, 0,
             "Port of the federation data channel, where other agents send message chunks "
             "(0 picks a free one; -1: none, other agents then use the Thrift federation port)");
DEFINE_bool(federation_direct_task_memory, true,
            "Move message chunks between this agent and its task processes by reading and "
            "writing the tasks' memory (process_vm_readv/writev) instead of inside the "
            "TaskService calls");
DEFINE_string(port_file, "", "If set, the agent writes its endpoint there once registered");

static bool ValidatePort(const char* flag, int32_t v) {
  if (v >= 0 && v < 65536) return true;
  fprintf(stderr, "--%s must be in [0, 65535], got %d\n", flag, v);
  return false;
}
DEFINE_validator(port, &ValidatePort);
DEFINE_validator(federation_port, &ValidatePort);
static bool ValidateDataPort(const char* flag, int32_t v) {
  if (v >= -1 && v <= 65535) return true;
  fprintf(stderr, "--%s must be -1 (no data channel), 0 (a free port) or a port, not %d\n", flag,
          v);
  return false;
}
DEFINE_validator(federation_data_port, &ValidateDataPort);

static bool ValidatePositive(const char* flag, int32_t v) {
  if (v > 0) return true;
  fprintf(stderr, "--%s must be positive, got %d\n", flag, v);
  return false;
}
DEFINE_validator(agent_upload_idle_timeout_ms, &ValidatePositive);
DEFINE_validator(agent_task_storage_idle_timeout_ms, &ValidatePositive);

int main(int argc, char** argv) {
  fedflow::InitProcess(
      &argc, &argv,
      {"fedflow-agent --party_id ID --zk HOST:PORT --data_dir DIR [--port N] [--cores N]", true});
  fedflow::AgentOptions o;
  o.party_id = FLAGS_party_id;
  o.agent_id = FLAGS_agent_id;
  o.zk_hosts = FLAGS_zk;
  o.zk_root = FLAGS_zk_root;
  o.zk_session_timeout_ms = FLAGS_zk_session_timeout_ms;
  o.data_dir = FLAGS_data_dir;
  o.bind_host = FLAGS_bind_host;
  o.advertise_host = FLAGS_advertise_host;
  o.port = FLAGS_port;
  o.cores = FLAGS_cores;
  o.task_binary = FLAGS_task_binary;
  o.task_stop_grace_ms = FLAGS_agent_task_stop_grace_ms;
  o.upload_idle_timeout_ms = FLAGS_agent_upload_idle_timeout_ms;
  o.task_storage.idle_timeout_ms = FLAGS_agent_task_storage_idle_timeout_ms;
  o.federation_port = FLAGS_federation_port;
  o.federation.data_channel_enabled = FLAGS_federation_data_port >= 0;
  o.federation.data_channel.port = std::max(0, FLAGS_federation_data_port);
  o.federation.direct_task_memory = FLAGS_federation_direct_task_memory;

  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  fedflow::Agent agent(o);
  fedflow::Status s = agent.Start();
  if (!s.ok()) {
    LOG(ERROR) << "fedflow-agent cannot start: " << s.ToString();
    return 1;
  }
  if (!FLAGS_port_file.empty()) {
    FILE* f = fopen((FLAGS_port_file + ".tmp").c_str(), "w");
    if (f != nullptr) {
      fprintf(f, "%s\n", agent.endpoint().c_str());
      fclose(f);
      rename((FLAGS_port_file + ".tmp").c_str(), FLAGS_port_file.c_str());
    }
  }
  int sig = 0;
  sigwait(&sigs, &sig);
  LOG(INFO) << "signal " << sig << ": shutting down";
  agent.Shutdown();
  return 0;
}
