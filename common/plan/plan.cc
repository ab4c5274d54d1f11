#include "common/plan/plan.h"

namespace fedflow::plan {

std::vector<std::string> PartyPlan::TaskNames() const {
  std::vector<std::string> names;
  names.reserve(tasks.size());
  for (const PlannedTask& t : tasks) names.push_back(t.component);
  return names;
}

std::vector<std::string> PartyPlan::ComponentsRun() const {
  std::vector<std::string> names;
  for (const PlannedTask& t : tasks) {
    if (t.need_run) names.push_back(t.component);
  }
  return names;
}

const PlannedTask* PartyPlan::FindTask(const std::string& component) const {
  for (const PlannedTask& t : tasks) {
    if (t.component == component) return &t;
  }
  return nullptr;
}

const PartyPlan* Plan::FindParty(Role role, int64_t party_id) const {
  for (const PartyPlan& p : parties) {
    if (p.role == role && p.party_id == party_id) return &p;
  }
  return nullptr;
}

const PlannedComponent* Plan::FindComponent(const std::string& name) const {
  if (!component_index.empty()) {
    auto it = component_index.find(name);
    return it == component_index.end() ? nullptr : &components[it->second];
  }
  for (const PlannedComponent& c : components) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

}  // namespace fedflow::plan
