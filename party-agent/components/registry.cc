#include "party-agent/components/registry.h"

#include <utility>

#include <glog/logging.h>

#include "party-agent/components/data_io.h"
#include "party-agent/components/evaluation.h"
#include "party-agent/components/fed_transfer.h"
#include "party-agent/components/hetero_feature_binning.h"
#include "party-agent/components/hetero_feature_selection.h"
#include "party-agent/components/hetero_lr.h"
#include "party-agent/components/intersection.h"
#include "party-agent/components/probe.h"
#include "party-agent/components/reader.h"
#include "party-agent/components/secure_add_example.h"

namespace fedflow {

namespace {

// Every component built into fedflow-task. Add new modules here.
void RegisterBuiltIns(ComponentRegistry* registry) {
  auto add = [registry](const std::string& module, ComponentFactory factory) {
    Status s = registry->Register(module, std::move(factory));
    if (!s.ok()) LOG(DFATAL) << s;
  };
  add("Probe", [] { return std::make_unique<Probe>(); });
  add("Reader", [] { return std::make_unique<Reader>(); });
  add("SecureAddExample", [] { return std::make_unique<SecureAddExample>(); });
  add("FedTransfer", [] { return std::make_unique<FedTransfer>(); });
  add("DataIO", [] { return std::make_unique<DataTransform>("DataIO"); });
  add("DataTransform", [] { return std::make_unique<DataTransform>("DataTransform"); });
  add("Intersection", [] { return std::make_unique<Intersection>(); });
  add("Evaluation", [] { return std::make_unique<Evaluation>(); });
  add("HeteroFeatureBinning", [] { return std::make_unique<HeteroFeatureBinning>(); });
  add("HeteroFeatureSelection", [] { return std::make_unique<HeteroFeatureSelection>(); });
  add("HeteroLR", [] { return std::make_unique<HeteroLR>(); });
}

}  // namespace

const ComponentRegistry& ComponentRegistry::BuiltIn() {
  static const ComponentRegistry* const registry = [] {
    auto* r = new ComponentRegistry();
    RegisterBuiltIns(r);
    return r;
  }();
  return *registry;
}

Status ComponentRegistry::Register(const std::string& module, ComponentFactory factory) {
  if (module.empty() || !factory) {
    return Status::InvalidArgument("component registry: empty module name or factory");
  }
  if (!factories_.emplace(module, std::move(factory)).second) {
    return Status::AlreadyExists("component registry: module \"" + module +
                                 "\" is already registered");
  }
  return Status::OK();
}

bool ComponentRegistry::Contains(const std::string& module) const {
  return factories_.count(module) > 0;
}

std::vector<std::string> ComponentRegistry::Modules() const {
  std::vector<std::string> out;
  for (const auto& [module, factory] : factories_) out.push_back(module);
  return out;
}

Result<std::unique_ptr<Component>> ComponentRegistry::Create(const std::string& module) const {
  auto it = factories_.find(module);
  if (it == factories_.end()) {
    return Status::NotFound("module \"" + module + "\" is not available on this agent");
  }
  std::unique_ptr<Component> component = it->second();
  if (component == nullptr) {
    return Status::Internal("module \"" + module + "\": its factory returned nothing");
  }
  return component;
}

}  // namespace fedflow
