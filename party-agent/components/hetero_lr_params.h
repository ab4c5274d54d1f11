#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/ml/linear_model.h"
#include "common/ml/optimizer.h"
#include "common/status.h"

namespace fedflow {

// FATE's HeteroLogisticParam (federatedml/param/logistic_regression_param.py) as fedflow's
// HeteroLR reads it: every name of FATE 1.6.1 and 1.11.4 is accepted (nested parameter objects
// included), with FATE 1.11.4's defaults; an unknown name anywhere is an error, as FATE's
// "redundant parameter". Values fedflow does not implement are errors naming the parameter:
// optimizer sqn, batch_strategy random, encrypt_param.method other than Paillier,
// cv_param.need_cv, stepwise_param.need_stepwise. Accepted and without effect here:
// encrypted_mode_calculator_param, masked_rate (FATE's masked batches only hide which rows
// a batch holds), sqn_param, callback_param's callbacks and save_freq.
struct HeteroLrParams {
  ml::Penalty penalty = ml::Penalty::kL2;
  std::string penalty_name = "L2";
  double tol = 1e-4;
  double alpha = 1.0;
  ml::OptimizerType optimizer = ml::OptimizerType::kRmsprop;
  std::string optimizer_name = "rmsprop";
  int64_t batch_size = -1;  // -1: one batch of all rows
  std::string batch_strategy = "full";
  double learning_rate = 0.01;
  ml::InitParam init;  // random_uniform, init_const 1, fit_intercept true, seed none
  std::string init_method_name = "random_uniform";
  int64_t max_iter = 100;
  ml::EarlyStop early_stop = ml::EarlyStop::kDiff;
  std::string early_stop_name = "diff";
  std::string encrypt_method = "Paillier";
  int key_length = 2048;  // FATE 1.11.4's default (1.6.1: 1024)
  double decay = 1.0;
  bool decay_sqrt = true;
  std::string multi_class = "ovr";
  std::optional<int> floating_point_precision = 23;
  bool shuffle = true;
  double masked_rate = 5;
  double predict_threshold = 0.5;
  std::vector<std::string> metrics = {"auc", "ks"};
  bool use_first_metric_only = false;
  // Validation during training needs validate data, which HeteroLR does not take yet; these
  // are checked and kept.
  Json validation_freqs;  // null, a positive integer or a list of iterations
  std::optional<int64_t> early_stopping_rounds;

  ml::OptimizerOptions optimizer_options() const;
  // The parameters in FATE's model meta (LRModelMeta).
  Json ToMetaJson() const;
};

// Parses and validates `component_parameters` (null or an object). Errors name the parameter:
//   HeteroLR: parameter "init_param.init_method": unknown value "zero" (expected one of: ...)
//   HeteroLR: unknown parameter "alpah" (HeteroLR takes: ...)
Result<HeteroLrParams> ParseHeteroLrParams(const Json& component_parameters);

}  // namespace fedflow
