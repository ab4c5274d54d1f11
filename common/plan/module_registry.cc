#include "common/plan/module_registry.h"

#include <algorithm>
#include <mutex>

#include "common/plan/strings.h"

namespace fedflow::plan {

namespace {
constexpr const char* kRoleNames[kNumRoles] = {"guest", "host", "arbiter", "local"};
}  // namespace

const char* RoleName(Role role) { return kRoleNames[static_cast<int>(role)]; }

bool ParseRole(std::string_view name, Role* role) {
  for (int i = 0; i < kNumRoles; ++i) {
    if (name == kRoleNames[i]) {
      *role = static_cast<Role>(i);
      return true;
    }
  }
  return false;
}

Result<ModuleInfo> MakeModule(std::string name, std::vector<Role> roles, std::string provider,
                              Json defaults) {
  ModuleInfo info;
  info.name = std::move(name);
  for (Role r : roles) info.roles |= RoleBit(r);
  info.provider = std::move(provider);
  auto schema = std::make_shared<ParamSchema>();
  RETURN_NOT_OK_PREPEND(schema->AddVersion(defaults), "module " + info.name);
  info.schema = std::move(schema);
  info.defaults = std::move(defaults);
  return info;
}

Status ModuleRegistry::Register(ModuleInfo info) {
  if (info.name.empty()) return Invalid("a module needs a name");
  if (modules_.count(info.name)) {
    return Status::AlreadyExists(StrCat("module ", info.name, " is already registered"));
  }
  std::string name = info.name;
  modules_.emplace(std::move(name), std::move(info));
  return Status::OK();
}

void ModuleRegistry::Upsert(ModuleInfo info) {
  std::string name = info.name;
  modules_[name] = std::move(info);
}

const ModuleInfo* ModuleRegistry::Find(std::string_view name) const {
  auto it = modules_.find(std::string(name));
  return it == modules_.end() ? nullptr : &it->second;
}

std::vector<std::string> ModuleRegistry::Names() const {
  std::vector<std::string> names;
  names.reserve(modules_.size());
  for (const auto& [name, info] : modules_) names.push_back(name);
  std::sort(names.begin(), names.end());
  return names;
}

Result<const ModuleRegistry*> BuiltinModuleRegistry() {
  static std::once_flag once;
  static ModuleRegistry* registry = nullptr;  // never freed: lives for the process
  static Status* error = nullptr;
  std::call_once(once, [] {
    auto r = std::make_unique<ModuleRegistry>();
    Status s = RegisterFateModules(r.get());
    if (s.ok()) s = RegisterFedflowModules(r.get());
    if (s.ok()) {
      registry = r.release();
    } else {
      error = new Status(s.CloneAndPrepend("built-in module registry"));
    }
  });
  if (registry == nullptr) return *error;
  return static_cast<const ModuleRegistry*>(registry);
}

}  // namespace fedflow::plan
