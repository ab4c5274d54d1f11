#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/plan/dag.h"
#include "common/plan/dsl.h"
#include "common/plan/module_registry.h"
#include "common/plan/runtime_conf.h"
#include "common/status.h"

namespace fedflow::plan {

// The job parameters of party `index` of `role` (§2.3, FATE's documented semantics, not the
// 1.11.x quirk): v2: job_parameters.common, then every job_parameters.role.<role> entry whose
// key is "all" or names `index`, in conf order, merged recursively; v1: job_parameters as is.
Json MergeJobParameters(const RuntimeConf& conf, Role role, int index);

// The user parameters the conf gives to `alias` on party `index` of `role` (§2.4 steps 6–8,
// user-given values only, no module defaults): `previous` (a predict job's parameters from
// training) if any, then v2 component_parameters.common.<alias> and the matching
// component_parameters.role.<role> entries in conf order; v1 algorithm_parameters.<alias> and
// the party's element of every role_parameters.<role>.<alias> list. The lists must have been
// checked by CheckV1Lists.
Json MergeComponentParameters(const RuntimeConf& conf, Role role, int index,
                              const std::string& alias, const ParamSchema* schema,
                              const Json* previous);

// The component whose conf entries parameterise `component` (§2.4 step 1): walk model/cache
// inputs up while the upstream has the same module and the component is not warm-started
// (train_data and model inputs both present).
int ParameterSource(const Dsl& dsl, const Dag& dag, int component);

// DSL v1 checks of role_parameters, for every role of the conf (also roles without
// parties): every args.data list and every parameter list of a component that has a task on
// the role has one value per party of the role (lists, not scalars; nested parameter classes
// are objects of lists), and every args.<key> a component reads exists for each role with
// parties on which that component has a task.
Status CheckV1Lists(const RuntimeConf& conf, const Dsl& dsl, const Dag& dag,
                    const std::vector<const ModuleInfo*>& modules);

}  // namespace fedflow::plan
