// PlanToJson. Objects are built by appending to the ordered map's storage: keys are unique
// by construction, and ordered_json's own insertion looks each key up linearly, which would
// make a 100,000-component plan quadratic.

#include "common/plan/plan_render.h"

namespace fedflow::plan {

namespace {

void Append(Json* obj, std::string key, Json value) {
  obj->get_ref<Json::object_t&>().emplace_back(std::move(key), std::move(value));
}

Json StringArray(const std::vector<std::string>& items) {
  Json a = Json::array();
  a.get_ref<Json::array_t&>().reserve(items.size());
  for (const std::string& s : items) a.push_back(s);
  return a;
}

Json PartyToJson(const Plan& plan, const PartyPlan& party) {
  Json p = Json::object();
  Append(&p, "tasks", StringArray(party.TaskNames()));
  Append(&p, "components_run", StringArray(party.ComponentsRun()));
  Append(&p, "job_parameters", party.job_parameters);
  Json params = Json::object();
  params.get_ref<Json::object_t&>().reserve(party.tasks.size());
  for (const PlannedTask& t : party.tasks) Append(&params, t.component, t.parameters);
  Append(&p, "component_parameters", std::move(params));
  if (plan.dsl_version == 1) {
    Append(&p, "data_inputs", party.data_inputs.is_object() ? party.data_inputs : Json::object());
  }
  return p;
}

}  // namespace

Json PlanToJson(const Plan& plan) {
  Json out = Json::object();
  Append(&out, "dsl_version", plan.dsl_version);
  Append(&out, "job_type", JobModeName(plan.job_type));

  Json components = Json::object();
  components.get_ref<Json::object_t&>().reserve(plan.components.size());
  for (const PlannedComponent& c : plan.components) {
    Json entry = Json::object();
    Append(&entry, "module", c.module);
    Append(&entry, "upstream", StringArray(c.upstream));
    Append(&entry, "downstream", StringArray(c.downstream));
    Append(&components, c.name, std::move(entry));
  }
  Append(&out, "components", std::move(components));
  Append(&out, "topological_order", StringArray(plan.topological_order));
  Json levels = Json::array();
  for (const auto& level : plan.levels) levels.push_back(StringArray(level));
  Append(&out, "levels", std::move(levels));

  // Parties are grouped by role already (roles in conf order); party ids are unique per role.
  Json parties = Json::object();
  for (size_t i = 0; i < plan.parties.size();) {
    Role role = plan.parties[i].role;
    Json role_obj = Json::object();
    for (; i < plan.parties.size() && plan.parties[i].role == role; ++i) {
      Append(&role_obj, std::to_string(plan.parties[i].party_id),
             PartyToJson(plan, plan.parties[i]));
    }
    Append(&parties, RoleName(role), std::move(role_obj));
  }
  Append(&out, "parties", std::move(parties));
  if (plan.dsl_version == 1 && plan.job_type == JobMode::kTrain && plan.predict_dsl) {
    Append(&out, "predict_dsl", *plan.predict_dsl);
  }
  return out;
}

}  // namespace fedflow::plan
