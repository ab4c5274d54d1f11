// fedflow's own modules. To add one: build its ModuleInfo with MakeModule (roles, parameter
// defaults; nested parameter classes as objects with "__param_class__") and register it
// below. A fedflow implementation of a FATE module replaces FATE's entry with Upsert.

#include "common/plan/module_registry.h"

namespace fedflow::plan {

namespace {

// Probe: fedflow's diagnostic module for tests of scheduling and fault handling. It passes
// its input data through (a Probe without input writes 8 generated rows; a missing input
// fails it), and can sleep, fail, crash or ignore SIGTERM on request, and track
// (a metric, a model and a summary) for tests of the tracking commands.
Result<ModuleInfo> ProbeModule() {
  Json defaults = {
      {"sleep_ms", 0},            // sleep this long before finishing
      {"fail", false},            // finish with an error
      {"crash", false},           // abort the task process
      {"ignore_sigterm", false},  // keep running after SIGTERM (until SIGKILL)
      {"fail_attempts", 0},       // fail the first N attempts (task versions), then succeed
      {"track", false},           // log a metric, save a model and a summary
  };
  ASSIGN_OR_RETURN(ModuleInfo info,
                   MakeModule("Probe", {Role::kGuest, Role::kHost, Role::kArbiter, Role::kLocal},
                              "fedflow", std::move(defaults)));
  info.inputs = {"data"};
  info.outputs = {"data"};
  return info;
}

// FedTransfer: fedflow's diagnostic module for federation: the guest sends `bytes` bytes to
// every host `rounds` times and each host checks them byte for byte.
Result<ModuleInfo> FedTransferModule() {
  Json defaults = {
      {"bytes", 1048576},     // payload size
      {"rounds", 1},          // payloads sent, one after the other
      {"seed", 7},            // payload content
      {"timeout_ms", 120000}, // how long each side waits for the other's message
      {"verify", true},       // compare every byte (false: only the size)
      {"chunk_bytes", 4194304},  // the guest's chunk size
  };
  return MakeModule("FedTransfer", {Role::kGuest, Role::kHost}, "fedflow", std::move(defaults));
}

}  // namespace

Status RegisterFedflowModules(ModuleRegistry* registry) {
  ASSIGN_OR_RETURN(ModuleInfo probe, ProbeModule());
  RETURN_NOT_OK(registry->Register(std::move(probe)));
  ASSIGN_OR_RETURN(ModuleInfo transfer, FedTransferModule());
  RETURN_NOT_OK(registry->Register(std::move(transfer)));
  return Status::OK();
}

}  // namespace fedflow::plan
