#pragma once

#include <string>

namespace fedflow {

// How a process wants its flags and logs set up.
struct ProcessOptions {
  // One line shown by --help after "Usage:".
  std::string usage;
  // Daemons log INFO and above to files in --log_dir (or glog's default directory) and
  // also to stderr. Command-line tools log only warnings and errors, to stderr.
  bool daemon = false;
};

// Parses gflags (--help, --version, --flagfile and every defined flag), then sets up glog.
// Exits the process on --help, --version or a bad flag, as gflags does.
void InitProcess(int* argc, char*** argv, const ProcessOptions& options);

}  // namespace fedflow

// Logging with the per-object prefix a class returns from `std::string LogPrefix() const`,
// e.g. "job=202611261022000001 task=hetero_lr_0/guest/9999: ".
#define LOG_WITH_PREFIX(severity) LOG(severity) << LogPrefix()
#define VLOG_WITH_PREFIX(level) VLOG(level) << LogPrefix()
