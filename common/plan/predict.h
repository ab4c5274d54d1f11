#pragma once

#include <vector>

#include "common/json_util.h"
#include "common/plan/dag.h"
#include "common/plan/dsl.h"
#include "common/plan/module_registry.h"
#include "common/status.h"

namespace fedflow::plan {

// Derives a predict DSL from a training DSL (§9 "Predict-DSL derivation", FATE's
// _auto_deduction). Components are visited in topological order; a deployed component keeps
// its module, takes its trained models as "pipeline.<name>.<model>" inputs, keeps its non-model
// outputs, maps its first data input key (data -> data, train_data/validate_data/test_data ->
// test_data) and keeps its cache inputs; a data input from a component that is not deployed is
// replaced by what that component was fed (pass-through).
//   DSL v1 (`deploy` null): a component is deployed per its need_deploy flag, else its
//     module's default; args.* inputs become args.eval_data.
//   DSL v2 (`deploy` given, one flag per component, FATE's `model deploy --cpn-list`): data
//     inputs whose producer is not in the predict DSL are dropped; providers are kept.
Result<Json> DerivePredictDsl(const Dsl& dsl, const Dag& dag,
                              const std::vector<const ModuleInfo*>& modules,
                              const std::vector<char>* deploy);

// The conf of a predict job (§2.4 "Predict-mode conf", FATE's merge_predict_runtime_conf):
// the training conf without provider, minus the roles the predict conf leaves out; when a
// role's parties change order or number, its "i|j" role-section keys (v2) and its
// role_parameters lists (v1) are re-indexed to the predict positions; then the predict conf
// is merged on top. Every predict party of a training role must be a training party of that
// role; a role the training conf lacks is taken as it is (FATE does the same), with a warning.
Result<Json> MergePredictConf(const Json& train_conf, const Json& predict_conf,
                              std::vector<std::string>* warnings);

// What FATE's test tool does before running a predict example: replaces the predict conf's
// party ids (and the initiator's) by the training conf's, by position within each role.
Result<Json> MapPredictPartyIds(const Json& predict_conf, const Json& train_conf);

}  // namespace fedflow::plan
