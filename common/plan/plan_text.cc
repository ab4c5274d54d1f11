// PlanToText: the readable plan of `fedflow dsl plan`.

#include <algorithm>
#include <sstream>
#include <unordered_map>

#include "common/plan/plan_render.h"

namespace fedflow::plan {

namespace {

std::string PartyLabel(const PartyPlan& p) {
  return std::string(RoleName(p.role)) + " " + std::to_string(p.party_id);
}

void Pad(std::ostringstream& os, const std::string& s, size_t width) {
  os << s;
  if (s.size() < width) os << std::string(width - s.size(), ' ');
}

void WriteTaskTable(std::ostringstream& os, const Plan& plan) {
  os << "Tasks (run: the task runs; pass: it starts with need_run false and passes; "
        "-: no task)\n";
  size_t name_w = std::string("component").size();
  size_t module_w = std::string("module").size();
  for (const PlannedComponent& c : plan.components) {
    name_w = std::max(name_w, c.name.size());
    module_w = std::max(module_w, c.module.size());
  }
  std::vector<std::string> labels;
  for (const PartyPlan& p : plan.parties) labels.push_back(PartyLabel(p));
  os << "  ";
  Pad(os, "component", name_w + 2);
  Pad(os, "module", module_w + 2);
  for (const std::string& l : labels) Pad(os, l, l.size() + 2);
  os << "\n";
  // One column per party; cells looked up through a per-party index of its tasks.
  std::vector<std::unordered_map<std::string, const PlannedTask*>> tasks(plan.parties.size());
  for (size_t i = 0; i < plan.parties.size(); ++i) {
    for (const PlannedTask& t : plan.parties[i].tasks) tasks[i].emplace(t.component, &t);
  }
  std::unordered_map<std::string, const std::string*> modules;
  for (const PlannedComponent& c : plan.components) modules.emplace(c.name, &c.module);
  for (const std::string& name : plan.topological_order) {
    os << "  ";
    Pad(os, name, name_w + 2);
    auto module = modules.find(name);
    Pad(os, module == modules.end() ? "?" : *module->second, module_w + 2);
    for (size_t i = 0; i < plan.parties.size(); ++i) {
      auto it = tasks[i].find(name);
      std::string cell = it == tasks[i].end() ? "-" : (it->second->need_run ? "run" : "pass");
      Pad(os, cell, labels[i].size() + 2);
    }
    os << "\n";
  }
}

}  // namespace

std::string PlanToText(const Plan& plan) {
  std::ostringstream os;
  os << "DSL v" << plan.dsl_version << " " << JobModeName(plan.job_type)
     << " job: " << plan.components.size() << " components, " << plan.parties.size()
     << " parties, initiator " << RoleName(plan.initiator_role) << " " << plan.initiator_party_id
     << "\n\n";

  os << "Levels\n";
  for (size_t l = 0; l < plan.levels.size(); ++l) {
    os << "  " << l << ": ";
    for (size_t i = 0; i < plan.levels[l].size(); ++i) {
      os << (i ? ", " : "") << plan.levels[l][i];
    }
    os << "\n";
  }
  os << "\n";
  WriteTaskTable(os, plan);

  os << "\nJob parameters\n";
  for (const PartyPlan& p : plan.parties) {
    os << "  " << PartyLabel(p) << ": " << DumpJson(p.job_parameters) << "\n";
  }
  os << "\nComponent parameters (user-given, after inheritance; module defaults not shown)\n";
  for (const PartyPlan& p : plan.parties) {
    os << "  " << PartyLabel(p) << "\n";
    for (const PlannedTask& t : p.tasks) {
      os << "    " << t.component << ": " << DumpJson(t.parameters) << "\n";
    }
  }
  if (plan.dsl_version == 1) {
    os << "\nData inputs (args)\n";
    for (const PartyPlan& p : plan.parties) {
      if (!p.data_inputs.is_object() || p.data_inputs.empty()) continue;
      os << "  " << PartyLabel(p) << ":";
      for (auto it = p.data_inputs.begin(); it != p.data_inputs.end(); ++it) {
        os << " " << it.key() << "=" << DumpJson(*it);
      }
      os << "\n";
    }
  }
  if (plan.dsl_version == 1 && plan.job_type == JobMode::kTrain && plan.predict_dsl) {
    os << "\nPredict DSL (derived by need_deploy)\n  " << DumpJson(*plan.predict_dsl) << "\n";
  }
  if (!plan.warnings.empty()) {
    os << "\nWarnings\n";
    for (const std::string& w : plan.warnings) os << "  - " << w << "\n";
  }
  return os.str();
}

}  // namespace fedflow::plan
