// fedflow-task: runs one task attempt of one component; started by fedflow-agent.
#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/init.h"

int main(int argc, char** argv) {
  fedflow::InitProcess(&argc, &argv, {"fedflow-task (started by fedflow-agent)", false});
  LOG(ERROR) << "fedflow-task: no component runner is built yet";
  return 1;
}
