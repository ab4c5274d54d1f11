// PlanJob: DSL + runtime conf (+ training job for predict) -> Plan. The steps, in the order
// their errors are reported:
//   1. the conf's shape (runtime_conf.cc)        4. parameter names (param_check.cc)
//   2. the DSL's shape (dsl.cc)                  5. v1 lists and args data (param_merge.cc)
//   3. references, cycles, modules (dag.cc)      6. parties: initiator among them
// then placement, parameters and need_run per party, and for v1 training jobs the derived
// predict DSL (predict.cc).

#include <algorithm>
#include <cctype>
#include <unordered_map>
#include <unordered_set>

#include "common/plan/dag.h"
#include "common/plan/dsl.h"
#include "common/plan/param_check.h"
#include "common/plan/param_merge.h"
#include "common/plan/plan.h"
#include "common/plan/predict.h"
#include "common/plan/runtime_conf.h"
#include "common/plan/strings.h"

namespace fedflow::plan {

namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

Result<std::vector<const ModuleInfo*>> LookUpModules(const Dsl& dsl,
                                                     const ModuleRegistry& registry) {
  std::vector<const ModuleInfo*> modules(dsl.components.size());
  for (size_t i = 0; i < dsl.components.size(); ++i) {
    const DslComponent& c = dsl.components[i];
    modules[i] = registry.Find(c.module);
    if (modules[i] != nullptr) continue;
    std::string hint;
    for (const std::string& name : registry.Names()) {
      if (Lower(name) == Lower(c.module)) hint = " (did you mean " + name + "?)";
    }
    return Invalid("component ", c.name, ": unknown module ", c.module,
                   " (neither a FATE module nor one of fedflow's)", hint);
  }
  return modules;
}

Status CheckParties(const RuntimeConf& conf) {
  size_t total = 0;
  for (const RoleParties& r : conf.roles) total += r.party_ids.size();
  if (total == 0) return Invalid("role: the conf lists no parties");
  const RoleParties* initiator = conf.FindRole(conf.initiator_role);
  bool found =
      initiator != nullptr && std::find(initiator->party_ids.begin(), initiator->party_ids.end(),
                                        conf.initiator_party_id) != initiator->party_ids.end();
  if (!found) {
    std::vector<std::string> ids;
    if (initiator != nullptr) {
      for (int64_t id : initiator->party_ids) ids.push_back(std::to_string(id));
    }
    return Invalid("initiator: party ", conf.initiator_party_id, " is not among the ",
                   RoleName(conf.initiator_role), " parties of the conf (role.",
                   RoleName(conf.initiator_role), ": [", Join(ids), "])");
  }
  return Status::OK();
}

// Predict jobs: "pipeline.<component>.<model>" inputs must name a trained component.
Status CheckPipelineInputs(const Dsl& dsl, const Plan& training) {
  std::unordered_set<std::string> trained;
  for (const PlannedComponent& c : training.components) trained.insert(c.name);
  for (const DslComponent& c : dsl.components) {
    for (const auto* refs : {&c.model_inputs, &c.isometric_model_inputs}) {
      for (const InputRef& ref : *refs) {
        if (ref.component() != "pipeline") continue;
        size_t first = ref.text.find('.');
        size_t last = ref.text.rfind('.');
        std::string trained_name =
            last > first ? ref.text.substr(first + 1, last - first - 1) : std::string();
        if (!trained.count(trained_name)) {
          return Invalid("component ", c.name, ": model input ", Quote(ref.text),
                         ": the training job has no component ", Quote(trained_name));
        }
      }
    }
  }
  return Status::OK();
}

void FillComponents(const Dsl& dsl, const Dag& dag, Plan* plan) {
  size_t n = dsl.components.size();
  auto names_of = [&](const std::vector<int>& idx) {
    std::vector<std::string> names;
    names.reserve(idx.size());
    for (int i : idx) names.push_back(dsl.components[i].name);
    std::sort(names.begin(), names.end());
    return names;
  };
  plan->components.resize(n);
  plan->component_index.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    plan->component_index.emplace(dsl.components[i].name, i);
    PlannedComponent& pc = plan->components[i];
    pc.name = dsl.components[i].name;
    pc.module = dsl.components[i].module;
    pc.upstream = names_of(dag.upstream[i]);
    pc.downstream = names_of(dag.downstream[i]);
    pc.level = dag.level[i];
    const DslComponent& c = dsl.components[i];
    auto texts = [](const std::vector<InputRef>& refs) {
      Json list = Json::array();
      for (const InputRef& r : refs) list.push_back(r.text);
      return list;
    };
    if (c.has_input_data) {
      Json data = Json::object();
      for (const auto& [key, refs] : c.data_inputs) data[key] = texts(refs);
      pc.inputs["data"] = std::move(data);
    }
    if (!c.model_inputs.empty()) pc.inputs["model"] = texts(c.model_inputs);
    if (!c.isometric_model_inputs.empty()) {
      pc.inputs["isometric_model"] = texts(c.isometric_model_inputs);
    }
    if (!c.cache_inputs.empty()) pc.inputs["cache"] = texts(c.cache_inputs);
    auto names = [](const std::vector<std::string>& v) {
      Json list = Json::array();
      for (const std::string& n : v) list.push_back(n);
      return list;
    };
    if (c.has_output_data) pc.outputs["data"] = names(c.output_data);
    if (c.has_output_model) pc.outputs["model"] = names(c.output_model);
    if (c.has_output_cache) pc.outputs["cache"] = names(c.output_cache);
  }
  plan->topological_order.reserve(n);
  for (int v : dag.topo_order) plan->topological_order.push_back(dsl.components[v].name);
  plan->levels.assign(dag.num_levels, {});
  for (size_t i = 0; i < n; ++i) plan->levels[dag.level[i]].push_back(dsl.components[i].name);
  for (auto& level : plan->levels) std::sort(level.begin(), level.end());
}

// Tasks, parameters and need_run of party `index` of `role`.
PartyPlan PlanParty(const RuntimeConf& conf, const Dsl& dsl, const Dag& dag,
                    const std::vector<const ModuleInfo*>& modules,
                    const std::vector<int>& param_source, Role role, int index,
                    const PartyPlan* previous) {
  const RoleParties& parties = *conf.FindRole(role);
  PartyPlan party;
  party.role = role;
  party.party_id = parties.party_ids[index];
  party.index = index;
  party.job_parameters = MergeJobParameters(conf, role, index);

  std::unordered_map<std::string, const Json*> previous_params;
  if (previous != nullptr) {
    for (const PlannedTask& t : previous->tasks)
      previous_params.emplace(t.component, &t.parameters);
  }
  size_t n = dsl.components.size();
  std::vector<int> task_pos(n, -1);
  std::vector<char> need_run(n, 0);
  party.tasks.reserve(n);
  const V1RoleParameters& v1 = conf.role_parameters[static_cast<int>(role)];
  std::vector<std::string> args_keys;
  for (int v : dag.topo_order) {
    if (!modules[v]->RunsOn(role)) continue;
    PlannedTask task;
    task.component = dsl.components[v].name;
    int src = param_source[v];
    if (src != v && task_pos[src] >= 0) {
      task.parameters = party.tasks[task_pos[src]].parameters;
    } else {
      const std::string& alias = dsl.components[src].name;
      auto prev = previous_params.find(alias);
      task.parameters =
          MergeComponentParameters(conf, role, index, alias, modules[v]->schema.get(),
                                   prev == previous_params.end() ? nullptr : prev->second);
    }
    int parent = dag.model_parent[v];
    if (parent >= 0) {
      need_run[v] = need_run[parent];
    } else {
      auto it = task.parameters.find("need_run");
      need_run[v] = !(it != task.parameters.end() && it->is_boolean() && !it->get<bool>());
    }
    task.need_run = need_run[v] != 0;
    for (const std::string& key : dag.args_inputs[v]) {
      if (std::find(args_keys.begin(), args_keys.end(), key) == args_keys.end()) {
        args_keys.push_back(key);
      }
    }
    task_pos[v] = static_cast<int>(party.tasks.size());
    party.tasks.push_back(std::move(task));
  }
  if (conf.version == 1) {
    party.data_inputs = Json::object();
    for (const std::string& key : args_keys) {
      const Json* list = v1.args_data ? FindMember(*v1.args_data, key) : nullptr;
      if (list != nullptr && list->is_array() && index < static_cast<int>(list->size())) {
        party.data_inputs[key] = (*list)[index];
      }
    }
  }
  return party;
}

// Plans one job whose conf is final (a predict job's is already merged with training's).
Result<Plan> BuildPlan(const Json& dsl_json, const Json& conf_json, JobMode mode,
                       const ModuleRegistry& registry, const PlanOptions& options,
                       const Plan* training) {
  Plan plan;
  plan.job_type = mode;
  std::vector<std::string>& warnings = plan.warnings;
  ASSIGN_OR_RETURN(RuntimeConf conf, ParseRuntimeConf(conf_json, &warnings));
  if (conf.job_type.has_value() && *conf.job_type != mode) {
    warnings.push_back(StrCat("planned as a ", JobModeName(mode),
                              " job although the conf's "
                              "job_type is ",
                              JobModeName(*conf.job_type)));
  }
  plan.dsl_version = conf.version;
  plan.initiator_role = conf.initiator_role;
  plan.initiator_party_id = conf.initiator_party_id;

  ASSIGN_OR_RETURN(Dsl dsl, ParseDsl(dsl_json, conf.version, mode, &warnings));
  ASSIGN_OR_RETURN(Dag dag, BuildDag(dsl, mode));
  ASSIGN_OR_RETURN(std::vector<const ModuleInfo*> modules, LookUpModules(dsl, registry));
  if (training != nullptr) RETURN_NOT_OK(CheckPipelineInputs(dsl, *training));

  std::vector<UnknownParam> unknown = FindUnknownParams(conf, dsl, modules, mode, &warnings);
  Json cleaned;
  if (!unknown.empty()) {
    if (!options.allow_unknown_params) return UnknownParamsError(unknown, dsl, dag.topo_order);
    cleaned = DropUnknownParams(conf_json, unknown, &warnings);
    std::vector<std::string> ignored;  // already reported by the first parse
    ASSIGN_OR_RETURN(conf, ParseRuntimeConf(cleaned, &ignored));
  }
  if (conf.version == 1) RETURN_NOT_OK(CheckV1Lists(conf, dsl, dag, modules));
  RETURN_NOT_OK(CheckParties(conf));

  FillComponents(dsl, dag, &plan);
  std::vector<int> param_source(dsl.components.size());
  for (size_t i = 0; i < dsl.components.size(); ++i) {
    param_source[i] = ParameterSource(dsl, dag, static_cast<int>(i));
  }
  std::vector<char> has_task(dsl.components.size(), 0);
  for (const RoleParties& parties : conf.roles) {
    for (size_t idx = 0; idx < parties.party_ids.size(); ++idx) {
      const PartyPlan* previous =
          training ? training->FindParty(parties.role, parties.party_ids[idx]) : nullptr;
      plan.parties.push_back(PlanParty(conf, dsl, dag, modules, param_source, parties.role,
                                       static_cast<int>(idx), previous));
    }
    for (size_t i = 0; i < dsl.components.size(); ++i) {
      if (!parties.party_ids.empty() && modules[i]->RunsOn(parties.role)) has_task[i] = 1;
    }
  }
  for (size_t i = 0; i < dsl.components.size(); ++i) {
    if (has_task[i]) continue;
    std::vector<std::string> roles;
    for (int r = 0; r < kNumRoles; ++r) {
      if (modules[i]->RunsOn(static_cast<Role>(r))) roles.push_back(RoleName(static_cast<Role>(r)));
    }
    warnings.push_back(StrCat("component ", dsl.components[i].name, " has no task on any party (",
                              dsl.components[i].module, " runs on: ", Join(roles, ", ", "none"),
                              ")"));
  }

  if (mode == JobMode::kTrain && (conf.version == 1 || options.derive_predict_dsl)) {
    std::vector<char> all(dsl.components.size(), 1);
    ASSIGN_OR_RETURN(plan.predict_dsl,
                     DerivePredictDsl(dsl, dag, modules, conf.version == 1 ? nullptr : &all));
  }
  return plan;
}

// Confs nested deeper than this are refused before anything recurses into them (copies and
// merges of JSON values are recursive; FATE itself stops at 5 levels of parameter classes).
constexpr int kMaxJsonDepth = 64;

// Recursive, but never deeper than kMaxJsonDepth + 1 frames: it stops there.
bool WithinDepth(const Json& j, int depth) {
  if (depth > kMaxJsonDepth) return false;
  for (const Json& child : j) {
    if (child.is_structured() && !WithinDepth(child, depth + 1)) return false;
  }
  return true;
}

Status CheckDepth(const Json* j, const char* what) {
  if (j == nullptr || !j->is_structured() || WithinDepth(*j, 1)) return Status::OK();
  return Invalid("the ", what, " nests objects and lists deeper than ", kMaxJsonDepth, " levels");
}

Result<JobMode> ModeOf(const Json& conf, const PlanOptions& options) {
  if (options.job_type.has_value()) return *options.job_type;
  if (!conf.is_object()) return JobMode::kTrain;  // reported by ParseRuntimeConf
  ASSIGN_OR_RETURN(int version, ConfVersion(conf));
  const Json* jp = FindMember(conf, "job_parameters");
  if (jp != nullptr && version == 2) jp = FindMember(*jp, "common");
  const Json* jt = jp ? FindMember(*jp, "job_type") : nullptr;
  if (jt != nullptr && jt->is_string() && *jt == "predict") return JobMode::kPredict;
  return JobMode::kTrain;
}

}  // namespace

Result<Plan> PlanJob(const JobInput& job, const ModuleRegistry& registry,
                     const PlanOptions& options) {
  if (job.conf == nullptr) return Invalid("no runtime conf given");
  // DSLs are only read to a fixed depth; confs' parameter values are copied whole.
  RETURN_NOT_OK(CheckDepth(job.conf, "runtime conf"));
  RETURN_NOT_OK(CheckDepth(job.train_conf, "training conf"));
  ASSIGN_OR_RETURN(JobMode mode, ModeOf(*job.conf, options));
  if (mode == JobMode::kTrain) {
    if (job.dsl == nullptr) return Invalid("no DSL given");
    return BuildPlan(*job.dsl, *job.conf, JobMode::kTrain, registry, options, nullptr);
  }

  if (job.train_dsl == nullptr || job.train_conf == nullptr) {
    return Invalid("a predict job needs the training job's DSL and conf");
  }
  std::vector<std::string> ignored;
  RETURN_NOT_OK_PREPEND(ParseRuntimeConf(*job.conf, &ignored), "predict conf");
  ASSIGN_OR_RETURN(int version, ConfVersion(*job.conf));
  Result<int> train_version = ConfVersion(*job.train_conf);
  RETURN_NOT_OK_PREPEND(train_version, "training conf");
  if (*train_version != version) {
    return Invalid("the predict conf is dsl_version ", version, " but the training conf is ",
                   *train_version);
  }
  PlanOptions train_options = options;
  train_options.job_type = JobMode::kTrain;
  train_options.derive_predict_dsl = version == 2 && job.dsl == nullptr;
  Result<Plan> training =
      BuildPlan(*job.train_dsl, *job.train_conf, JobMode::kTrain, registry, train_options, nullptr);
  RETURN_NOT_OK_PREPEND(training, "training job");
  std::vector<std::string> merge_warnings;
  ASSIGN_OR_RETURN(Json merged, MergePredictConf(*job.train_conf, *job.conf, &merge_warnings));
  const Json& dsl = job.dsl != nullptr ? *job.dsl : *training->predict_dsl;
  ASSIGN_OR_RETURN(Plan plan,
                   BuildPlan(dsl, merged, JobMode::kPredict, registry, options, &training.value()));
  for (const std::string& w : training->warnings) plan.warnings.push_back("training job: " + w);
  plan.warnings.insert(plan.warnings.end(), merge_warnings.begin(), merge_warnings.end());
  return plan;
}

}  // namespace fedflow::plan
