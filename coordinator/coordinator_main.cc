// fedflow-coordinator: the scheduler daemon.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/init.h"

DEFINE_string(zk, "127.0.0.1:2181", "ZooKeeper connect string (host:port[,host:port...])");
DEFINE_int32(port, 9380, "Port of the coordinator's Thrift service (0 picks a free one)");
DEFINE_string(data_dir, "", "Directory for the coordinator's own files");

int main(int argc, char** argv) {
  fedflow::InitProcess(&argc, &argv,
                       {"fedflow-coordinator --zk HOST:PORT --port N --data_dir DIR", true});
  LOG(ERROR) << "fedflow-coordinator: scheduling is not built yet; this binary only parses its "
                "flags (see README.md, 'Status')";
  return 1;
}
