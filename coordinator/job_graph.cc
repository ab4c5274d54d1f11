#include "coordinator/job_graph.h"

#include <map>

#include "common/plan/plan.h"

namespace fedflow::coordinator {

namespace {

int64_t NumberOr(const Json& params, const char* key, int64_t fallback) {
  const Json* v = FindMember(params, key);
  if (v == nullptr) return fallback;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) return static_cast<int64_t>(v->get<double>());
  return fallback;
}

// "<component>.<name>" -> {"component", <what>: name}. The name is what follows the last '.'.
Json ComponentRef(const std::string& text, const char* what) {
  size_t first = text.find('.');
  size_t last = text.rfind('.');
  Json ref = Json::object();
  ref["component"] = text.substr(0, first);
  ref[what] = last == std::string::npos ? std::string() : text.substr(last + 1);
  return ref;
}

// The task io of `pc` for a party whose DSL v1 args tables are `data_inputs`.
Json TaskIo(const plan::PlannedComponent& pc, const Json& data_inputs) {
  Json io = Json::object();
  if (const Json* data = FindMember(pc.inputs, "data"); data != nullptr) {
    Json resolved = Json::object();
    for (auto it = data->begin(); it != data->end(); ++it) {
      Json list = Json::array();
      for (const Json& ref : it.value()) {
        const std::string text = ref.get<std::string>();
        if (text.rfind("args.", 0) == 0) {
          std::string key = text.substr(5);
          Json r = Json::object();
          r["args"] = key;
          const Json* table = data_inputs.is_object() ? FindMember(data_inputs, key) : nullptr;
          r["table"] = table != nullptr ? *table : Json();
          list.push_back(std::move(r));
        } else {
          list.push_back(ComponentRef(text, "data"));
        }
      }
      resolved[it.key()] = std::move(list);
    }
    io["data"] = std::move(resolved);
  }
  for (const char* kind : {"model", "isometric_model"}) {
    const Json* refs = FindMember(pc.inputs, kind);
    if (refs == nullptr) continue;
    Json list = Json::array();
    for (const Json& ref : *refs) list.push_back(ComponentRef(ref.get<std::string>(), "model"));
    io[kind] = std::move(list);
  }
  io["output"] = pc.outputs;
  return io;
}

}  // namespace

int JobGraph::IndexOf(const std::string& component) const {
  for (size_t i = 0; i < components.size(); ++i) {
    if (components[i].name == component) return static_cast<int>(i);
  }
  return -1;
}

Result<JobGraph> BuildJobGraph(const JobSpec& spec) {
  ASSIGN_OR_RETURN(Json conf, ParseJson(spec.conf, "runtime conf"));
  Json dsl, train_dsl, train_conf;
  plan::JobInput input;
  input.conf = &conf;
  if (!spec.dsl.empty()) {
    ASSIGN_OR_RETURN(dsl, ParseJson(spec.dsl, "DSL"));
    input.dsl = &dsl;
  }
  if (!spec.train_dsl.empty()) {
    ASSIGN_OR_RETURN(train_dsl, ParseJson(spec.train_dsl, "training DSL"));
    input.train_dsl = &train_dsl;
  }
  if (!spec.train_conf.empty()) {
    ASSIGN_OR_RETURN(train_conf, ParseJson(spec.train_conf, "training conf"));
    input.train_conf = &train_conf;
  }
  ASSIGN_OR_RETURN(const plan::ModuleRegistry* registry, plan::BuiltinModuleRegistry());
  ASSIGN_OR_RETURN(plan::Plan p, plan::PlanJob(input, *registry));

  JobGraph g;
  std::map<std::string, int> index;
  for (const std::string& name : p.topological_order) {
    const plan::PlannedComponent* pc = p.FindComponent(name);
    if (pc == nullptr) return Status::Internal("plan lists unknown component " + name);
    index[name] = static_cast<int>(g.components.size());
    GraphComponent gc;
    gc.name = name;
    gc.module = pc->module;
    g.components.push_back(std::move(gc));
  }
  for (GraphComponent& gc : g.components) {
    const plan::PlannedComponent* pc = p.FindComponent(gc.name);
    for (const std::string& up : pc->upstream) gc.upstream.push_back(index.at(up));
    for (const std::string& down : pc->downstream) gc.downstream.push_back(index.at(down));
  }
  for (const plan::PartyPlan& party : p.parties) {
    std::string role = plan::RoleName(party.role);
    if (!g.roles.contains(role)) g.roles[role] = Json::array();
    g.roles[role].push_back(party.party_id);
    for (const plan::PlannedTask& task : party.tasks) {
      GraphParty gp;
      gp.role = role;
      gp.party_id = party.party_id;
      gp.need_run = task.need_run;
      gp.job_parameters = party.job_parameters;
      gp.component_parameters = task.parameters.is_null() ? Json::object() : task.parameters;
      gp.io = TaskIo(*p.FindComponent(task.component), party.data_inputs);
      g.components[index.at(task.component)].parties.push_back(std::move(gp));
    }
  }
  g.initiator_role = plan::RoleName(p.initiator_role);
  g.initiator_party_id = p.initiator_party_id;
  const plan::PartyPlan* initiator = p.FindParty(p.initiator_role, p.initiator_party_id);
  const Json& jp = initiator != nullptr ? initiator->job_parameters : Json::object();
  // FATE's defaults (job_default_config): task_parallelism 1, auto_retries 0,
  // auto_retry_delay 1 s, timeout 259200 s.
  g.task_parallelism = static_cast<int>(std::max<int64_t>(1, NumberOr(jp, "task_parallelism", 1)));
  g.auto_retries = static_cast<int>(std::max<int64_t>(0, NumberOr(jp, "auto_retries", 0)));
  g.auto_retry_delay_ms = std::max<int64_t>(0, NumberOr(jp, "auto_retry_delay", 1)) * 1000;
  g.timeout_s = std::max<int64_t>(1, NumberOr(jp, "timeout", 259200));
  if (const Json* mid = FindMember(jp, "model_id"); mid != nullptr && mid->is_string()) {
    g.model_id = mid->get<std::string>();
  }
  return g;
}

}  // namespace fedflow::coordinator
