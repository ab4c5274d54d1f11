#include "coordinator/status_rules.h"

#include <set>

namespace fedflow::coordinator {

namespace {

std::string Describe(const std::set<RunStatus>& s) {
  std::string out = "{";
  for (RunStatus st : s) {
    if (out.size() > 1) out += ", ";
    out += ToString(st);
  }
  return out + "}";
}

// Status set with pass folded into success, as FATE aggregates.
std::set<RunStatus> Fold(const std::vector<RunStatus>& v) {
  std::set<RunStatus> s;
  for (RunStatus st : v) s.insert(st == RunStatus::kPass ? RunStatus::kSuccess : st);
  return s;
}

// First interrupt status present in descending level: failed, timeout, canceled.
std::optional<RunStatus> FirstInterrupt(const std::set<RunStatus>& s) {
  for (RunStatus st : {RunStatus::kFailed, RunStatus::kTimeout, RunStatus::kCanceled}) {
    if (s.count(st)) return st;
  }
  return std::nullopt;
}

}  // namespace

const char* ToString(RunStatus s) {
  switch (s) {
    case RunStatus::kWaiting: return "waiting";
    case RunStatus::kReady: return "ready";
    case RunStatus::kRunning: return "running";
    case RunStatus::kCanceled: return "canceled";
    case RunStatus::kTimeout: return "timeout";
    case RunStatus::kFailed: return "failed";
    case RunStatus::kPass: return "pass";
    case RunStatus::kSuccess: return "success";
  }
  return "unknown";
}

Result<RunStatus> ParseRunStatus(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(RunStatus::kSuccess); ++i) {
    auto st = static_cast<RunStatus>(i);
    if (s == ToString(st)) return st;
  }
  return Status::InvalidArgument("unknown status \"" + std::string(s) +
                                 "\" (expected one of waiting, ready, running, canceled, "
                                 "timeout, failed, pass, success)");
}

bool IsEndStatus(RunStatus s) {
  return s == RunStatus::kCanceled || s == RunStatus::kTimeout || s == RunStatus::kFailed ||
         s == RunStatus::kPass || s == RunStatus::kSuccess;
}
bool IsInterruptStatus(RunStatus s) {
  return s == RunStatus::kCanceled || s == RunStatus::kTimeout || s == RunStatus::kFailed;
}
bool IsSuccessStatus(RunStatus s) { return s == RunStatus::kPass || s == RunStatus::kSuccess; }
bool IsOngoingStatus(RunStatus s) { return s == RunStatus::kWaiting || s == RunStatus::kRunning; }

bool JobTransitionAllowed(RunStatus from, RunStatus to) {
  using S = RunStatus;
  switch (from) {
    case S::kReady:
      return to == S::kWaiting || to == S::kCanceled || to == S::kTimeout || to == S::kFailed;
    case S::kWaiting:
      return to == S::kRunning || to == S::kCanceled || to == S::kTimeout || to == S::kFailed ||
             to == S::kSuccess || to == S::kPass;
    case S::kRunning:
      return to == S::kCanceled || to == S::kTimeout || to == S::kFailed || to == S::kSuccess;
    case S::kCanceled: return to == S::kWaiting;
    case S::kTimeout: return to == S::kFailed || to == S::kSuccess || to == S::kWaiting;
    case S::kFailed: return to == S::kWaiting;
    case S::kSuccess: return to == S::kWaiting;
    case S::kPass: return false;
  }
  return false;
}

bool TaskTransitionAllowed(RunStatus from, RunStatus to) {
  using S = RunStatus;
  switch (from) {
    case S::kWaiting: return to == S::kRunning || to == S::kSuccess || to == S::kPass;
    case S::kRunning:
      return to == S::kCanceled || to == S::kTimeout || to == S::kFailed || to == S::kPass ||
             to == S::kSuccess;
    case S::kCanceled: return to == S::kWaiting;
    case S::kTimeout: return to == S::kFailed || to == S::kSuccess;
    case S::kFailed:
    case S::kPass:
    case S::kSuccess:
    case S::kReady: return false;
  }
  return false;
}

Result<RunStatus> AggregateTaskStatus(const std::vector<RunStatus>& party_statuses) {
  if (party_statuses.empty()) {
    return Status::InvalidArgument("cannot aggregate the status of a component with no tasks");
  }
  std::set<RunStatus> s = Fold(party_statuses);
  if (s.size() == 1) return *s.begin();
  if (auto i = FirstInterrupt(s)) return *i;
  if (s.count(RunStatus::kRunning)) return RunStatus::kRunning;
  if (s.count(RunStatus::kSuccess)) return RunStatus::kRunning;  // waiting + success
  return Status::IllegalState("cannot aggregate party statuses " + Describe(s));
}

Result<RunStatus> AggregateJobStatus(const std::vector<RunStatus>& component_statuses,
                                     bool have_next) {
  if (component_statuses.empty()) {
    return Status::InvalidArgument("cannot aggregate the status of a job with no components");
  }
  std::set<RunStatus> s = Fold(component_statuses);
  if (s.size() == 1) return *s.begin();
  if (s.count(RunStatus::kRunning)) return RunStatus::kRunning;
  if (s.count(RunStatus::kWaiting) && have_next) return RunStatus::kRunning;
  if (auto i = FirstInterrupt(s)) return *i;
  if (s == std::set<RunStatus>{RunStatus::kWaiting, RunStatus::kSuccess}) {
    return RunStatus::kCanceled;  // nothing more can start
  }
  return Status::IllegalState("cannot aggregate component statuses " + Describe(s));
}

}  // namespace fedflow::coordinator
