// fedflow's own modules. To add one: build its ModuleInfo with MakeModule (roles, parameter
// defaults; nested parameter classes as objects with "__param_class__") and register it
// below. A fedflow implementation of a FATE module replaces FATE's entry with Upsert.

#include "common/plan/module_registry.h"

namespace fedflow::plan {

namespace {

// Probe: fedflow's diagnostic module for tests of scheduling and fault handling. It passes
// its input data through, and can sleep, fail, crash or ignore SIGTERM on request.
Result<ModuleInfo> ProbeModule() {
  Json defaults = {
      {"sleep_ms", 0},              // sleep this long before finishing
      {"fail", false},              // finish with an error
      {"crash", false},             // abort the task process
      {"ignore_sigterm", false},    // keep running after SIGTERM (until SIGKILL)
      {"fail_attempts", 0},         // fail the first N attempts (task versions), then succeed
  };
  ASSIGN_OR_RETURN(ModuleInfo info,
                   MakeModule("Probe", {Role::kGuest, Role::kHost, Role::kArbiter, Role::kLocal},
                              "fedflow", std::move(defaults)));
  info.inputs = {"data"};
  info.outputs = {"data"};
  return info;
}

}  // namespace

Status RegisterFedflowModules(ModuleRegistry* registry) {
  ASSIGN_OR_RETURN(ModuleInfo probe, ProbeModule());
  RETURN_NOT_OK(registry->Register(std::move(probe)));
  return Status::OK();
}

}  // namespace fedflow::plan
