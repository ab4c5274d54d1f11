#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/json_util.h"
#include "common/plan/dsl.h"
#include "common/plan/module_registry.h"
#include "common/status.h"

namespace fedflow::plan {

// One component of the job's DAG.
struct PlannedComponent {
  std::string name;
  std::string module;
  std::vector<std::string> upstream;    // sorted by name
  std::vector<std::string> downstream;  // sorted by name
  int level = 0;                        // 0 for sources, else 1 + deepest upstream
  // The component's inputs and outputs as the DSL writes them (references as text):
  // {"data": {"<key>": ["<component>.<name>" | "args.<key>", ...], ...},
  //  "model": [...], "isometric_model": [...], "cache": [...]} and
  // {"data": [names], "model": [names], "cache": [names]}. Keys absent in the DSL are absent.
  Json inputs = Json::object();
  Json outputs = Json::object();
};

// One component's task on one party.
struct PlannedTask {
  std::string component;
  // FATE's need_run: false when the merged parameter `need_run` is false, or (along model and
  // cache inputs) when the component whose model it takes does not run. A task that does not
  // need to run still starts and reports `pass`.
  bool need_run = true;
  // The merged user parameters (§2.4): what the conf says for this component on this party,
  // after parameter inheritance; module defaults are not filled in.
  Json parameters;
};

// Everything one party does in the job.
struct PartyPlan {
  Role role = Role::kGuest;
  int64_t party_id = 0;
  int index = 0;                   // position in the conf's list of parties of `role`
  std::vector<PlannedTask> tasks;  // the components that have a task here, topological order
  Json job_parameters;             // merged job parameters (§2.3)
  // DSL v1: args.<key> -> {"name", "namespace"} for the args keys this party's tasks read.
  Json data_inputs;

  std::vector<std::string> TaskNames() const;
  std::vector<std::string> ComponentsRun() const;  // the tasks with need_run
  const PlannedTask* FindTask(const std::string& component) const;
};

// A validated job: its DAG and, for every party, its tasks and parameters. A pure function
// of (DSL, conf, module registry[, training DSL and conf]): PlanJob. The coordinator
// schedules from it; `fedflow dsl plan` prints it (plan_render.h).
struct Plan {
  int dsl_version = 2;
  JobMode job_type = JobMode::kTrain;
  Role initiator_role = Role::kGuest;
  int64_t initiator_party_id = 0;
  std::vector<PlannedComponent> components;  // DSL order
  std::vector<std::string> topological_order;
  std::vector<std::vector<std::string>> levels;  // each level sorted by name
  std::vector<PartyPlan> parties;                // roles in conf order, parties in role order
  // DSL v1 training jobs: the predict DSL derived by the need_deploy rules (§9).
  // Also set for a DSL v2 training job planned with PlanOptions::derive_predict_dsl.
  std::optional<Json> predict_dsl;
  // Things the planner accepted but a user may want to know (ignored keys, dropped unknown
  // parameters, components without any task...).
  std::vector<std::string> warnings;

  // Name -> position in `components`, filled by PlanJob so that FindComponent is O(1)
  // (a hand-built Plan may leave it empty: FindComponent then searches).
  std::unordered_map<std::string, size_t> component_index;

  const PartyPlan* FindParty(Role role, int64_t party_id) const;
  const PlannedComponent* FindComponent(const std::string& name) const;
};

struct PlanOptions {
  // Overrides the conf's job_parameters job_type (train when neither says).
  std::optional<JobMode> job_type;
  // Drop parameter names a module does not accept, one warning per name (FATE 1.4), instead
  // of failing (FATE 1.6+).
  bool allow_unknown_params = false;
  // DSL v2 training jobs: also derive the predict DSL that deploying every component gives.
  bool derive_predict_dsl = false;
};

// The job to plan. Not owned; must outlive the call.
struct JobInput {
  const Json* dsl = nullptr;   // may be null for a DSL v1 predict job (derived from training)
  const Json* conf = nullptr;  // required
  // Predict jobs: the training job's DSL and conf.
  const Json* train_dsl = nullptr;
  const Json* train_conf = nullptr;
};

// Plans a job, or says what is wrong with it (InvalidArgument, the message naming the
// component, field and value). Train jobs: DSL + conf. Predict jobs: the predict conf is
// merged with the training conf (§2.4 "Predict-mode conf"), the training job is planned first
// and its parameters are the base of the predict job's; a DSL v1 predict DSL may be omitted
// (derived from the training DSL by need_deploy, §9).
Result<Plan> PlanJob(const JobInput& job, const ModuleRegistry& registry,
                     const PlanOptions& options = {});

}  // namespace fedflow::plan
