#include "party-agent/components/probe.h"

#include <signal.h>

#include <cstdlib>
#include <string>

#include <glog/logging.h>

#include "party-agent/components/parameter_reader.h"

namespace fedflow {

Result<Probe::Params> Probe::ParseParams(const Json& component_parameters) {
  Params p;
  ParameterReader reader("Probe", component_parameters);
  RETURN_NOT_OK(reader.ReadInt("sleep_ms", &p.sleep_ms));
  RETURN_NOT_OK(reader.ReadBool("fail", &p.fail));
  RETURN_NOT_OK(reader.ReadBool("crash", &p.crash));
  RETURN_NOT_OK(reader.ReadBool("ignore_sigterm", &p.ignore_sigterm));
  RETURN_NOT_OK(reader.ReadInt("fail_attempts", &p.fail_attempts));
  RETURN_NOT_OK(reader.CheckNoUnknown());
  if (p.sleep_ms < 0) {
    return Status::InvalidArgument("Probe: parameter \"sleep_ms\": must not be negative, got " +
                                   std::to_string(p.sleep_ms));
  }
  return p;
}

Status Probe::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(Params p, ParseParams(ctx.component_parameters()));
  if (p.ignore_sigterm) {
    // Process-wide on purpose: the test is whether the agent escalates to SIGKILL.
    ::signal(SIGTERM, SIG_IGN);
    LOG(INFO) << ctx.LogPrefix() << "Probe: ignoring SIGTERM (ignore_sigterm=true)";
  }
  if (p.sleep_ms > 0) {
    LOG(INFO) << ctx.LogPrefix() << "Probe: sleeping " << p.sleep_ms << " ms";
    RETURN_NOT_OK(ctx.SleepFor(p.sleep_ms));
  }
  if (p.crash) {
    LOG(ERROR) << ctx.LogPrefix() << "Probe: aborting as requested (crash=true)";
    std::abort();
  }
  if (p.fail) return Status::Aborted("Probe: failing as requested (fail=true)");
  if (ctx.key().task_version < p.fail_attempts) {
    return Status::Aborted("Probe: failing as requested (task_version " +
                           std::to_string(ctx.key().task_version) + " < fail_attempts " +
                           std::to_string(p.fail_attempts) + ")");
  }
  LOG(INFO) << ctx.LogPrefix() << "Probe: done";
  return Status::OK();
}

}  // namespace fedflow
