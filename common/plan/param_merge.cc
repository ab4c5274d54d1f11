#include "common/plan/param_merge.h"

#include "common/plan/param_schema.h"
#include "common/plan/strings.h"

namespace fedflow::plan {

namespace {

// The party's values of a v1 role parameter object: every list replaced by its element
// `index`; nested parameter classes (objects) recursed into.
Json IndexV1(const Json& params, int index, const ParamSchema* schema, int node) {
  Json out = Json::object();
  for (auto it = params.begin(); it != params.end(); ++it) {
    int child = schema ? schema->Find(node, it.key()) : ParamSchema::kNone;
    bool nested = schema ? schema->IsClass(child) : true;
    if (nested && it->is_object()) {
      out[it.key()] = IndexV1(*it, index, schema, child);
    } else if (it->is_array() && index < static_cast<int>(it->size())) {
      out[it.key()] = (*it)[index];
    }
  }
  return out;
}

std::string PartiesText(size_t n, Role role) {
  return StrCat(n, " ", RoleName(role), n == 1 ? " party" : " parties");
}

Status CheckV1ListObject(const Json& params, const std::string& path, Role role, size_t n,
                         const ParamSchema* schema, int node) {
  for (auto it = params.begin(); it != params.end(); ++it) {
    std::string key_path = JsonPathJoin(path, it.key());
    int child = schema ? schema->Find(node, it.key()) : ParamSchema::kNone;
    bool nested = schema ? schema->IsClass(child) : true;
    if (nested && it->is_object()) {
      RETURN_NOT_OK(CheckV1ListObject(*it, key_path, role, n, schema, child));
      continue;
    }
    if (!it->is_array()) {
      return Invalid(key_path, ": a v1 role parameter must be a list with one value per ",
                     RoleName(role), " party, got ", JsonTypeName(*it));
    }
    if (it->size() != n) {
      return Invalid(key_path, ": the list has ", it->size(),
                     it->size() == 1 ? " value" : " values", " but the conf has ",
                     PartiesText(n, role), " (one value per party, in role order)");
    }
  }
  return Status::OK();
}

}  // namespace

Json MergeJobParameters(const RuntimeConf& conf, Role role, int index) {
  if (conf.version != 2) {
    return conf.job_parameters_v1 ? *conf.job_parameters_v1 : Json::object();
  }
  Json p = conf.job_common ? *conf.job_common : Json::object();
  for (const RoleSection& s : conf.job_role[static_cast<int>(role)]) {
    if (s.selector.Matches(index)) MergeDict(&p, *s.value);
  }
  return p;
}

Json MergeComponentParameters(const RuntimeConf& conf, Role role, int index,
                              const std::string& alias, const ParamSchema* schema,
                              const Json* previous) {
  Json p = previous ? *previous : Json::object();
  if (conf.version == 2) {
    auto common = conf.component_common.find(alias);
    if (common != conf.component_common.end()) {
      UpdateParams(&p, *common->second, schema, ParamSchema::kRoot);
    }
    for (const RoleSection& s : conf.component_role[static_cast<int>(role)]) {
      if (!s.selector.Matches(index)) continue;
      auto it = s.components.find(alias);
      if (it != s.components.end()) UpdateParams(&p, *it->second, schema, ParamSchema::kRoot);
    }
    return p;
  }
  auto algo = conf.algorithm_parameters.find(alias);
  if (algo != conf.algorithm_parameters.end()) {
    UpdateParams(&p, *algo->second, schema, ParamSchema::kRoot);
  }
  const V1RoleParameters& rp = conf.role_parameters[static_cast<int>(role)];
  auto it = rp.components.find(alias);
  if (it != rp.components.end()) {
    UpdateParams(&p, IndexV1(*it->second, index, schema, ParamSchema::kRoot), schema,
                 ParamSchema::kRoot);
  }
  return p;
}

int ParameterSource(const Dsl& dsl, const Dag& dag, int component) {
  const std::string& module = dsl.components[component].module;
  int cur = component;
  while (dag.model_parent[cur] >= 0) {
    const DslComponent& c = dsl.components[cur];
    bool warm_start = c.DataInput("train_data") != nullptr && c.has_model_input;
    int up = dag.model_parent[cur];
    if (warm_start || dsl.components[up].module != module) break;
    cur = up;
  }
  return cur;
}

Status CheckV1Lists(const RuntimeConf& conf, const Dsl& dsl, const Dag& dag,
                    const std::vector<const ModuleInfo*>& modules) {
  for (const RoleParties& parties : conf.roles) {
    size_t n = parties.party_ids.size();
    const V1RoleParameters& rp = conf.role_parameters[static_cast<int>(parties.role)];
    std::string role_path = JsonPathJoin("role_parameters", RoleName(parties.role));
    if (rp.args_data != nullptr) {
      std::string data_path = JsonPathJoin(JsonPathJoin(role_path, "args"), "data");
      for (auto it = rp.args_data->begin(); it != rp.args_data->end(); ++it) {
        std::string path = JsonPathJoin(data_path, it.key());
        if (!it->is_array()) {
          return Invalid(path, ": expected a list with one table per ", RoleName(parties.role),
                         " party, got ", JsonTypeName(*it));
        }
        if (it->size() != n) {
          return Invalid(path, ": the list has ", it->size(),
                         it->size() == 1 ? " table" : " tables", " but the conf has ",
                         PartiesText(n, parties.role), " (one table per party, in role order)");
        }
      }
    }
    // Component lists, in DSL order so that the first error is stable.
    for (size_t i = 0; i < dsl.components.size(); ++i) {
      auto it = rp.components.find(dsl.components[i].name);
      if (it == rp.components.end() || modules[i] == nullptr) continue;
      if (!modules[i]->RunsOn(parties.role)) continue;
      RETURN_NOT_OK(CheckV1ListObject(*it->second, JsonPathJoin(role_path, it->first), parties.role,
                                      n, modules[i]->schema.get(), ParamSchema::kRoot));
    }
  }
  for (size_t i = 0; i < dsl.components.size(); ++i) {
    if (dag.args_inputs[i].empty() || modules[i] == nullptr) continue;
    for (const RoleParties& parties : conf.roles) {
      if (parties.party_ids.empty() || !modules[i]->RunsOn(parties.role)) continue;
      const Json* data = conf.role_parameters[static_cast<int>(parties.role)].args_data;
      for (const std::string& key : dag.args_inputs[i]) {
        if (data == nullptr || FindMember(*data, key) == nullptr) {
          return Invalid("component ", dsl.components[i].name, ": data input ",
                         Quote("args." + key), ": the conf has no role_parameters.",
                         RoleName(parties.role), ".args.data.", key, " (", dsl.components[i].module,
                         " runs on the ", PartiesText(parties.party_ids.size(), parties.role), ")");
        }
      }
    }
  }
  return Status::OK();
}

}  // namespace fedflow::plan
