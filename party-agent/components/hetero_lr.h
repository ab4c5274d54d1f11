#pragma once

#include "common/json_util.h"
#include "common/status.h"
#include "party-agent/components/component.h"

namespace fedflow {

// FATE's HeteroLR: hetero logistic regression with Paillier between a guest (labels and some
// features), hosts (other features of the same ids) and an arbiter (the key holder), following
// FATE 1.x's protocol (hetero_lr_protocol.h); parameters as FATE's HeteroLogisticParam
// (hetero_lr_params.h).
//
// Training (io without a model input): data input train_data (or data) of instance tables
// aligned by id (an Intersection before it; a guest id missing on a host fails the task).
//   guest:   output data (first output name, "data"): FATE's prediction table of the training
//            rows (instances.h WritePredictions, type "train"); model: weights by feature,
//            intercept, header, iterations, converged flag.
//   host:    model: its weights and header; no data output (as FATE).
//   arbiter: model: iterations, converged flag, loss history; metric train/loss (type LOSS,
//            one point per iteration) as FATE's arbiter logs it.
//   Every role saves the model (alias: the first io.output.model name, "model" by default) as
//   JSON {"meta": {...}, "param": {...}} shaped like FATE's LRModelMeta/LRModelParam, and a
//   summary {iters, is_converged, best_iteration, coef/intercept or loss_history}.
// Prediction (io with a model input naming an earlier HeteroLR of the job): data input
// test_data (or data); hosts send wx_h, the guest writes predictions of type "predict"; the
// arbiter has nothing to do.
// One instance runs one task on fedflow-task's main thread.
class HeteroLR : public Component {
 public:
  Status Run(TaskContext& ctx) override;
};

}  // namespace fedflow
