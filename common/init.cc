#include "common/init.h"

#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/version.h"

namespace fedflow {

void InitProcess(int* argc, char*** argv, const ProcessOptions& options) {
  gflags::SetVersionString(VersionString());
  gflags::SetUsageMessage(options.usage);
  if (options.daemon) {
    // Files plus stderr unless the operator said otherwise on the command line or in a flagfile.
    FLAGS_alsologtostderr = true;
    FLAGS_logbufsecs = 0;
  } else {
    FLAGS_logtostderr = true;
    FLAGS_minloglevel = google::GLOG_WARNING;
  }
  gflags::ParseCommandLineFlags(argc, argv, /*remove_flags=*/true);
  google::InitGoogleLogging((*argv)[0]);
  if (options.daemon) google::InstallFailureSignalHandler();
}

}  // namespace fedflow
