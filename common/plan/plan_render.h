#pragma once

#include <string>

#include "common/json_util.h"
#include "common/plan/plan.h"

namespace fedflow::plan {

// The plan as `fedflow dsl plan --json` prints it (docs/PLAN.md):
//   { "dsl_version", "job_type",
//     "components": { name: { "module", "upstream": [sorted], "downstream": [sorted] } },
//     "topological_order": [...], "levels": [[sorted names], ...],
//     "parties": { role: { "<party_id>": { "tasks", "components_run", "job_parameters",
//                                           "component_parameters": { name: {...} },
//                                           "data_inputs" (DSL v1 only) } } },
//     "predict_dsl" (DSL v1 training jobs only) }
// Roles in conf order, party ids as strings, task lists in topological order.
Json PlanToJson(const Plan& plan);

// The readable form: the DAG's levels, a table of tasks per role and party, then the
// parameters, data inputs, derived predict DSL and warnings.
std::string PlanToText(const Plan& plan);

}  // namespace fedflow::plan
