// libFuzzer target over the planner: arbitrary DSL + runtime conf (+ training DSL and conf).
// Input layout: one flags byte, then up to four JSON texts separated by NUL bytes:
//   flags | dsl \0 conf [\0 train_dsl \0 train_conf]
// flags bit 0: allow_unknown_params; bit 1: force job_type predict; bit 2: force train;
// bit 3: derive_predict_dsl. Every input must end in a Status, never a crash, leak or hang;
// successful plans are also rendered (JSON and text). Build and run: fuzz/build.sh.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json_util.h"
#include "common/plan/plan.h"
#include "common/plan/plan_render.h"

using fedflow::Json;
namespace plan = fedflow::plan;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const plan::ModuleRegistry* registry = [] {
    auto r = plan::BuiltinModuleRegistry();
    return r.ok() ? *r : nullptr;
  }();
  if (registry == nullptr) __builtin_trap();  // the compiled-in data must load

  uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<std::string_view> parts;
  while (parts.size() < 3) {
    size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) break;
    parts.push_back(rest.substr(0, nul));
    rest.remove_prefix(nul + 1);
  }
  parts.push_back(rest);

  std::vector<Json> docs;
  docs.reserve(parts.size());
  for (std::string_view p : parts) {
    auto j = fedflow::ParseJson(p, "input");
    if (!j.ok()) return 0;
    docs.push_back(std::move(j).value());
  }
  plan::JobInput job;
  job.dsl = &docs[0];
  if (docs.size() >= 2) job.conf = &docs[1];
  if (docs.size() >= 3) job.train_dsl = &docs[2];
  if (docs.size() >= 4) job.train_conf = &docs[3];

  plan::PlanOptions options;
  options.allow_unknown_params = flags & 1;
  if (flags & 2) options.job_type = plan::JobMode::kPredict;
  if (flags & 4) options.job_type = plan::JobMode::kTrain;
  options.derive_predict_dsl = flags & 8;
  // A v1 predict job may leave its DSL out: try that form too when the DSL is `null`.
  if (docs[0].is_null()) job.dsl = nullptr;

  auto result = plan::PlanJob(job, *registry, options);
  if (result.ok()) {
    std::string text = fedflow::DumpJson(plan::PlanToJson(*result));
    std::string readable = plan::PlanToText(*result);
    if (text.empty() || readable.empty()) __builtin_trap();
  } else if (result.status().message().empty()) {
    __builtin_trap();  // every error must say something
  }
  return 0;
}
