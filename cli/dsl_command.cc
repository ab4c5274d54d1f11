#include "cli/dsl_command.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "common/json_util.h"
#include "common/plan/plan.h"
#include "common/plan/plan_render.h"
#include "common/status.h"

namespace fedflow::cli {

namespace {

constexpr int kExitInvalid = 2;

struct PlanArgs {
  std::string dsl;
  std::string conf;
  std::string train_dsl;
  std::string train_conf;
  std::string job_type;
  bool allow_unknown_params = false;
  bool json = false;
};

// Reads an optional JSON file: nullopt when `path` is empty.
Result<std::optional<Json>> ReadOptional(const std::string& path) {
  if (path.empty()) return std::optional<Json>();
  ASSIGN_OR_RETURN(Json j, ReadJsonFile(path));
  return std::optional<Json>(std::move(j));
}

Status RunPlan(const PlanArgs& args, std::ostream& out, std::ostream& err) {
  plan::PlanOptions options;
  options.allow_unknown_params = args.allow_unknown_params;
  if (args.job_type == "train") {
    options.job_type = plan::JobMode::kTrain;
  } else if (args.job_type == "predict" || !args.train_dsl.empty() || !args.train_conf.empty()) {
    // A training job given means a predict job, whatever the conf says (FATE's predict
    // examples do not all set job_type; some leave it to their testsuite).
    options.job_type = plan::JobMode::kPredict;
  }
  ASSIGN_OR_RETURN(std::optional<Json> conf, ReadOptional(args.conf));
  ASSIGN_OR_RETURN(std::optional<Json> dsl, ReadOptional(args.dsl));
  ASSIGN_OR_RETURN(std::optional<Json> train_dsl, ReadOptional(args.train_dsl));
  ASSIGN_OR_RETURN(std::optional<Json> train_conf, ReadOptional(args.train_conf));
  if (!dsl && !train_dsl) {
    return Status::InvalidArgument(
        "--dsl is required (it may be left out only for a DSL v1 "
        "predict job, whose DSL is derived from --train-dsl)");
  }

  ASSIGN_OR_RETURN(const plan::ModuleRegistry* registry, plan::BuiltinModuleRegistry());
  plan::JobInput job;
  job.conf = &*conf;
  job.dsl = dsl ? &*dsl : nullptr;
  job.train_dsl = train_dsl ? &*train_dsl : nullptr;
  job.train_conf = train_conf ? &*train_conf : nullptr;
  Result<plan::Plan> plan = plan::PlanJob(job, *registry, options);
  RETURN_NOT_OK_PREPEND(plan, "invalid job");

  for (const std::string& w : plan->warnings) err << "warning: " << w << "\n";
  if (args.json) {
    out << DumpJson(plan::PlanToJson(*plan), 2) << "\n";
  } else {
    out << plan::PlanToText(*plan);
  }
  return Status::OK();
}

}  // namespace

void RegisterDslCommands(CLI::App* app, int* exit_code) {
  CLI::App* dsl = app->add_subcommand("dsl", "Work with FATE DSLs and runtime confs offline");
  dsl->require_subcommand(1);

  auto args = std::make_shared<PlanArgs>();
  CLI::App* plan = dsl->add_subcommand(
      "plan",
      "Validate a job (DSL + runtime conf) and print its plan: DAG levels, tasks per "
      "party, parameters");
  plan->add_option("-d,--dsl", args->dsl, "Job DSL (JSON); optional for a DSL v1 predict job");
  plan->add_option("-c,--conf", args->conf, "Runtime conf (JSON)")->required();
  plan->add_option("--train-dsl", args->train_dsl, "Training DSL of a predict job");
  plan->add_option("--train-conf", args->train_conf, "Training conf of a predict job");
  plan->add_option("--job-type", args->job_type,
                   "train or predict (default: predict when --train-dsl/--train-conf are "
                   "given, else the conf's job_type, else train)")
      ->check(CLI::IsMember({"train", "predict"}));
  plan->add_flag("--allow-unknown-params", args->allow_unknown_params,
                 "Drop parameter names a module does not accept, with a warning (FATE 1.4)");
  plan->add_flag("--json", args->json, "Print the plan as JSON");
  plan->callback([args, exit_code] {
    Status s = RunPlan(*args, std::cout, std::cerr);
    if (!s.ok()) {
      std::cerr << "fedflow dsl plan: " << s.message() << "\n";
      *exit_code = kExitInvalid;
    }
  });
}

}  // namespace fedflow::cli
