#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fedflow::coordinator {

// FATE-Flow's status values (reference §4.1), in FATE's level order. Jobs use every value but
// kPass; tasks every value but kReady. The strings on the wire are FATE's lower-case names.
enum class RunStatus {
  kWaiting = 0,
  kReady = 1,
  kRunning = 2,
  kCanceled = 3,
  kTimeout = 4,
  kFailed = 5,
  kPass = 6,
  kSuccess = 7,
};

const char* ToString(RunStatus s);
// Parses a FATE status string; errors name the value.
Result<RunStatus> ParseRunStatus(std::string_view s);

bool IsEndStatus(RunStatus s);        // canceled timeout failed pass success
bool IsInterruptStatus(RunStatus s);  // canceled timeout failed
bool IsSuccessStatus(RunStatus s);    // pass success
bool IsOngoingStatus(RunStatus s);    // waiting running

// FATE's transition tables (§4.2), enforced before any status is written.
bool JobTransitionAllowed(RunStatus from, RunStatus to);
bool TaskTransitionAllowed(RunStatus from, RunStatus to);

// §4.3: the federated status of one component from the party_status of each of its tasks
// (the current task_version on every party). Returns an error for a mix FATE cannot
// aggregate, e.g. {waiting, ...} patterns that never occur; never returns kPass.
Result<RunStatus> AggregateTaskStatus(const std::vector<RunStatus>& party_statuses);

// §4.4 without FATE's raise: the job status from its components' federated statuses.
// `have_next`: at least one waiting component could start now. An unexpected mix is an
// error naming the statuses (the caller fails the job with it).
Result<RunStatus> AggregateJobStatus(const std::vector<RunStatus>& component_statuses,
                                     bool have_next);

}  // namespace fedflow::coordinator
