// FATE's modules in the registry, from the compiled-in reference data (data/, embedded by
// embed_data.cmake).

#include <sstream>
#include <unordered_set>

#include "common/plan/module_registry.h"
#include "common/plan/strings.h"

namespace fedflow::plan {

namespace internal {
extern const char kFateModulesTsv[];
extern const char kFateModuleParamsJson[];
}  // namespace internal

namespace {

// Modules whose FATE 1.6 setting_conf says "need_deploy": false, i.e. that a v1 training job
// leaves out of the predict DSL it derives. All other modules default to true.
const std::unordered_set<std::string>& NoDeployModules() {
  static const auto* names =
      new std::unordered_set<std::string>{"Evaluation", "FederatedSample", "PSI"};
  return *names;
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(s);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

}  // namespace

Status RegisterFateModulesFrom(std::string_view modules_tsv, std::string_view params_json,
                               ModuleRegistry* registry) {
  ASSIGN_OR_RETURN(Json params, ParseJson(params_json, "fate-module-params.json"));
  RETURN_NOT_OK(ExpectObject(params, "fate-module-params.json"));

  std::istringstream lines{std::string(modules_tsv)};
  std::string line;
  int line_no = 0;
  while (std::getline(lines, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line_no == 1 || line.empty()) continue;  // header
    std::vector<std::string> cols = Split(line, '\t');
    if (cols.size() < 2) return Invalid("fate-modules.tsv line ", line_no, ": expected 2+ columns");
    ModuleInfo info;
    info.name = cols[0];
    info.provider = "fate";
    info.need_deploy = NoDeployModules().count(info.name) == 0;
    for (const std::string& r : Split(cols[1], ',')) {
      Role role;
      if (!ParseRole(r, &role)) {
        return Invalid("fate-modules.tsv line ", line_no, ": unknown role ", Quote(r));
      }
      info.roles |= RoleBit(role);
    }
    const Json* entry = FindMember(params, info.name);
    if (entry != nullptr && entry->is_object()) {
      auto schema = std::make_shared<ParamSchema>();
      // Every key but roles_with_a_task is one FATE version: {"defaults": {...}, ...}.
      for (auto it = entry->begin(); it != entry->end(); ++it) {
        if (it.key() == "roles_with_a_task" || !it.value().is_object()) continue;
        const Json* defaults = FindMember(it.value(), "defaults");
        if (defaults == nullptr) continue;
        RETURN_NOT_OK_PREPEND(schema->AddVersion(*defaults),
                              StrCat("fate-module-params.json: ", info.name, ".", it.key()));
        if (info.defaults.is_null()) info.defaults = *defaults;  // the newest version first
      }
      if (schema->size() > 0) info.schema = std::move(schema);
    }
    RETURN_NOT_OK(registry->Register(std::move(info)));
  }
  return Status::OK();
}

Status RegisterFateModules(ModuleRegistry* registry) {
  return RegisterFateModulesFrom(internal::kFateModulesTsv, internal::kFateModuleParamsJson,
                                 registry);
}

}  // namespace fedflow::plan
