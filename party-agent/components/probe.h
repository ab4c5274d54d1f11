#pragma once

#include <cstdint>

#include "common/json_util.h"
#include "common/status.h"
#include "party-agent/components/component.h"

namespace fedflow {

// Diagnostic module for tests and benchmarks of the control plane: runs on any role, sleeps,
// then succeeds, fails or crashes as its parameters ask. It passes its input data through:
// with a data input in its io it copies the first one (an upstream output or a party table)
// to its first output data name ("data" by default); an upstream output that does not exist
// (an upstream Probe without input writes none) leaves nothing to pass. Parameters (all
// optional):
//   sleep_ms (int, 0)          sleeps that long; SIGTERM interrupts the sleep
//   fail (bool, false)         fails with "Probe: failing as requested (fail=true)"
//   crash (bool, false)        aborts the process (SIGABRT)
//   ignore_sigterm (bool)      ignores SIGTERM from the start, so only SIGKILL stops it
//   fail_attempts (int, 0)     fails while the task version is below this (auto-retry tests)
//   track (bool, false)        logs metric probe/progress (three points, meta type LOSS),
//                              saves model "model" (module Probe, a few bytes) and a summary
//                              {"rows", "role", "party_id", "task_version"}
// Unknown names and wrong types fail the task with an error naming the key.
// One instance runs one task, on fedflow-task's main thread.
class Probe : public Component {
 public:
  struct Params {
    int64_t sleep_ms = 0;
    bool fail = false;
    bool crash = false;
    bool ignore_sigterm = false;
    int64_t fail_attempts = 0;
    bool track = false;
  };
  static Result<Params> ParseParams(const Json& component_parameters);

  Status Run(TaskContext& ctx) override;
};

}  // namespace fedflow
