#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json_util.h"
#include "common/plan/param_schema.h"
#include "common/status.h"

namespace fedflow::plan {

// The roles a party can play in a job. A module runs on a subset of them.
enum class Role : uint8_t { kGuest = 0, kHost = 1, kArbiter = 2, kLocal = 3 };
inline constexpr int kNumRoles = 4;

// "guest", "host", "arbiter", "local".
const char* RoleName(Role role);
// Parses a role name; false for anything else.
bool ParseRole(std::string_view name, Role* role);

// A set of roles (bit i = Role i).
using RoleSet = uint8_t;
inline constexpr RoleSet RoleBit(Role role) { return RoleSet(1u << static_cast<int>(role)); }

// What the planner knows about one module (FATE's "module", fedflow's component class):
// where it runs, which parameter names it accepts and whether a v1 training job deploys it
// into the predict DSL by default. One entry of the ModuleRegistry.
struct ModuleInfo {
  std::string name;
  // Roles on which the module has a runner, i.e. gets a task (FATE's bound runners).
  RoleSet roles = 0;
  // "fate" for FATE's modules known from the reference data, "fedflow" for fedflow's own.
  std::string provider;
  // Default of the DSL v1 `need_deploy` flag (FATE's setting_conf "need_deploy").
  bool need_deploy = true;
  // Accepted parameter names; null when unknown (parameter names are then not checked).
  std::shared_ptr<const ParamSchema> schema;
  // Parameter defaults (for the components that implement the module; the plan itself only
  // carries user parameters). Null when unknown.
  Json defaults;
  // The kinds of input and output the module declares ("data", "model", "cache"):
  // documentation for users and for later component work, not checked by the planner.
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;

  bool RunsOn(Role role) const { return (roles & RoleBit(role)) != 0; }
};

// Builds a ModuleInfo whose schema comes from `defaults` (plain values; nested parameter
// classes as objects carrying "__param_class__", as in fate-module-params.json).
Result<ModuleInfo> MakeModule(std::string name, std::vector<Role> roles, std::string provider,
                              Json defaults);

// The modules the planner knows, by name. Built once at start-up (FATE's reference data plus
// fedflow's own modules) and then only read: thread-safe for concurrent readers.
class ModuleRegistry {
 public:
  ModuleRegistry() = default;
  ModuleRegistry(ModuleRegistry&&) = default;
  ModuleRegistry& operator=(ModuleRegistry&&) = default;

  // Adds a module; AlreadyExists when the name is taken.
  Status Register(ModuleInfo info);
  // Replaces or adds a module (fedflow's implementation of a FATE module, for example).
  void Upsert(ModuleInfo info);
  const ModuleInfo* Find(std::string_view name) const;
  size_t size() const { return modules_.size(); }
  // Module names, sorted.
  std::vector<std::string> Names() const;

 private:
  std::unordered_map<std::string, ModuleInfo> modules_;
};

// Adds FATE's modules from the compiled-in reference data (fate-modules.tsv for the roles,
// fate-module-params.json for the parameter names of FATE 1.6.1 and 1.11.4).
Status RegisterFateModules(ModuleRegistry* registry);
// The same from given texts (tests use this with hand-made tables).
Status RegisterFateModulesFrom(std::string_view modules_tsv, std::string_view params_json,
                               ModuleRegistry* registry);

// Adds fedflow's own modules (fedflow_modules.cc): the diagnostic `Probe` now; later work
// registers the components it implements there.
Status RegisterFedflowModules(ModuleRegistry* registry);

// FATE's and fedflow's modules, built on first use. An error here means the compiled-in data
// is broken (a build defect); callers report it like any other error.
Result<const ModuleRegistry*> BuiltinModuleRegistry();

}  // namespace fedflow::plan
