#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "party-agent/components/component.h"

namespace fedflow {

using ComponentFactory = std::function<std::unique_ptr<Component>()>;

// Maps a module name (FATE's "module" in a DSL) to the factory of the component that runs it on
// this agent. A module missing here fails its tasks with `module "<M>" is not available on this
// agent`, which is how FATE modules fedflow has not implemented fail. (The planner has its own
// module registry of roles and outputs; a module runs only if both know it.)
// Thread-compatible: fill it, then share it read-only. BuiltIn() is immutable.
class ComponentRegistry {
 public:
  // The components built into fedflow-task (listed in registry.cc).
  static const ComponentRegistry& BuiltIn();

  // AlreadyExists if the module is registered.
  Status Register(const std::string& module, ComponentFactory factory);
  bool Contains(const std::string& module) const;
  std::vector<std::string> Modules() const;
  // NotFound: module "<M>" is not available on this agent
  Result<std::unique_ptr<Component>> Create(const std::string& module) const;

 private:
  std::map<std::string, ComponentFactory> factories_;
};

}  // namespace fedflow
