// fedflow-agent: one party's agent daemon.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/init.h"

DEFINE_int64(party_id, 0, "The party this agent serves (FATE party id)");
DEFINE_string(zk, "127.0.0.1:2181", "ZooKeeper connect string (host:port[,host:port...])");
DEFINE_string(data_dir, "", "Directory for the agent's LevelDB store and task work directories");
DEFINE_int32(port, 0, "Port of the agent's Thrift service (0 picks a free one)");
DEFINE_int32(cores, 0, "Task slots this agent offers (0: the machine's core count)");

int main(int argc, char** argv) {
  fedflow::InitProcess(
      &argc, &argv,
      {"fedflow-agent --party_id ID --zk HOST:PORT --data_dir DIR [--port N] [--cores N]", true});
  LOG(ERROR) << "fedflow-agent: task execution is not built yet; this binary only parses its "
                "flags (see README.md, 'Status')";
  return 1;
}
