#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "coordinator/job_store.h"

namespace fedflow::coordinator {

// What the scheduler needs of a job's plan: components in topological order with their
// upstreams, and for each the parties that run a task, with the parameters to send them.
struct GraphParty {
  std::string role;
  int64_t party_id = 0;
  bool need_run = true;
  Json job_parameters = Json::object();
  Json component_parameters = Json::object();
  // The task's inputs resolved for this party and its outputs (docs/STORAGE.md, "Task
  // inputs and outputs"): {"data": {"<key>": [{"component", "data"} | {"table": {"namespace",
  // "name"}} | {"args", "table": null}]}, "model": [{"component", "model"}],
  // "isometric_model": [...], "output": {"data": [...], "model": [...]}}.
  Json io = Json::object();
};

struct GraphComponent {
  std::string name;
  std::string module;
  std::vector<int> upstream;    // Indexes into JobGraph::components.
  std::vector<int> downstream;  // Indexes into JobGraph::components.
  std::vector<GraphParty> parties;
};

struct JobGraph {
  std::vector<GraphComponent> components;  // Topological order.
  std::string initiator_role;
  int64_t initiator_party_id = 0;
  Json roles = Json::object();
  std::string model_id;
  // The initiator's job parameters (FATE defaults where unset).
  int task_parallelism = 1;
  int auto_retries = 0;
  int64_t auto_retry_delay_ms = 1000;
  int64_t timeout_s = 259200;

  int IndexOf(const std::string& component) const;
};

// Plans `spec` with the planner (common/plan) and turns the plan into a JobGraph. An invalid
// job fails with the planner's error.
Result<JobGraph> BuildJobGraph(const JobSpec& spec);

}  // namespace fedflow::coordinator
