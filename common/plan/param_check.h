#pragma once

#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/plan/dsl.h"
#include "common/plan/module_registry.h"
#include "common/plan/runtime_conf.h"
#include "common/status.h"

namespace fedflow::plan {

// A parameter name that a component's module does not accept.
struct UnknownParam {
  std::string component;
  std::string module;
  std::string name;                // dotted within the parameters: "predict_param.with_proba"
  std::vector<std::string> where;  // keys from the conf's root to the offending key
};

// Checks every parameter a conf gives to the DSL's components against their modules'
// schemas, recursing into nested parameter classes (FATE's redundant-parameter check):
// v2 component_parameters.common and .role sections, v1 algorithm_parameters and
// role_parameters. Parameters for components the DSL does not have are not checked; in train
// mode they add a warning (a predict job's conf carries the training job's). Modules without
// a known schema are not checked.
std::vector<UnknownParam> FindUnknownParams(const RuntimeConf& conf, const Dsl& dsl,
                                            const std::vector<const ModuleInfo*>& modules,
                                            JobMode mode, std::vector<std::string>* warnings);

// "component dataio_0 (module DataIO): unknown parameter "label_idx" (at
// role_parameters.guest.dataio_0.label_idx)", one clause per unknown name, components in
// `topo_order` (indices into dsl.components) as FATE meets them.
Status UnknownParamsError(const std::vector<UnknownParam>& unknown, const Dsl& dsl,
                          const std::vector<int>& topo_order);

// A copy of `conf` without the unknown parameters, and one warning per distinct
// (component, name): FATE 1.4's behaviour, selected by PlanOptions::allow_unknown_params.
Json DropUnknownParams(const Json& conf, const std::vector<UnknownParam>& unknown,
                       std::vector<std::string>* warnings);

}  // namespace fedflow::plan
