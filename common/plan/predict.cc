#include "common/plan/predict.h"

#include <algorithm>
#include <unordered_map>

#include "common/plan/param_schema.h"
#include "common/plan/runtime_conf.h"
#include "common/plan/strings.h"

namespace fedflow::plan {

namespace {

using DataMap = std::unordered_map<std::string, std::vector<std::string>>;

const std::pair<const char*, const char*> kPredictDataMapping[] = {{"data", "data"},
                                                                   {"train_data", "test_data"},
                                                                   {"validate_data", "test_data"},
                                                                   {"test_data", "test_data"}};

Json StringList(const std::vector<std::string>& items) {
  Json list = Json::array();
  for (const std::string& s : items) list.push_back(s);
  return list;
}

Status PassThroughError(const DslComponent& c, const InputRef& ref) {
  return Invalid("cannot derive the predict DSL: component ", c.name, "'s data input ",
                 Quote(ref.text), " comes from ", ref.component(),
                 ", which is not deployed and passes no data through");
}

// The role -> party ids lists of a conf (already shape-checked by ParseRuntimeConf).
Result<std::vector<std::pair<std::string, std::vector<int64_t>>>> RoleIds(const Json& conf,
                                                                          const char* which) {
  std::vector<std::pair<std::string, std::vector<int64_t>>> out;
  const Json* role = FindMember(conf, "role");
  if (role == nullptr || !role->is_object()) return Invalid(which, " conf: no role section");
  for (auto it = role->begin(); it != role->end(); ++it) {
    if (!it->is_array()) return Invalid(which, " conf: role.", it.key(), " is not a list");
    std::vector<int64_t> ids;
    for (size_t i = 0; i < it->size(); ++i) {
      ASSIGN_OR_RETURN(int64_t id, ParsePartyId((*it)[i], JsonPathIndex("role." + it.key(), i)));
      ids.push_back(id);
    }
    out.emplace_back(it.key(), std::move(ids));
  }
  return out;
}

const std::vector<int64_t>* FindIds(
    const std::vector<std::pair<std::string, std::vector<int64_t>>>& roles,
    const std::string& role) {
  for (const auto& [name, ids] : roles) {
    if (name == role) return &ids;
  }
  return nullptr;
}

// Re-keys a v2 role section ("i|j" in training positions -> predict positions).
Json ReindexSection(const Json& section, const std::vector<int64_t>& train_ids,
                    const std::vector<int64_t>& predict_ids) {
  Json out = Json::object();
  for (auto it = section.begin(); it != section.end(); ++it) {
    std::string new_key;
    if (it.key() == "all") {
      new_key = "all";
    } else {
      std::vector<std::string> pieces;
      size_t start = 0;
      bool ok = true;
      while (ok) {
        size_t bar = it.key().find('|', start);
        std::string piece = it.key().substr(start, bar == std::string::npos ? bar : bar - start);
        ok = !piece.empty() && piece.size() <= 6 &&
             std::all_of(piece.begin(), piece.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (ok) {
          size_t old_index = std::stoul(piece);
          if (old_index < train_ids.size()) {
            auto pos = std::find(predict_ids.begin(), predict_ids.end(), train_ids[old_index]);
            if (pos != predict_ids.end())
              pieces.push_back(std::to_string(pos - predict_ids.begin()));
          }
        }
        if (bar == std::string::npos) break;
        start = bar + 1;
      }
      if (!ok) {
        new_key = it.key();  // malformed: kept, reported when the merged conf is parsed
      } else if (pieces.empty()) {
        continue;
      } else {
        new_key = Join(pieces, "|");
      }
    }
    Json& target = out[new_key];
    if (!target.is_object()) target = Json::object();
    if (it->is_object()) {
      for (auto kv = it->begin(); kv != it->end(); ++kv) target[kv.key()] = *kv;
    }
  }
  return out;
}

// Re-indexes v1 role_parameters lists (one value per training party) to the predict parties.
void ReindexV1Lists(Json* node, const std::vector<size_t>& old_positions, size_t train_n) {
  if (node->is_object()) {
    for (auto it = node->begin(); it != node->end(); ++it) {
      ReindexV1Lists(&*it, old_positions, train_n);
    }
  } else if (node->is_array() && node->size() == train_n) {
    Json list = Json::array();
    for (size_t p : old_positions) list.push_back((*node)[p]);
    *node = std::move(list);
  }
}

void EraseRoleSection(Json* conf, const char* section, const std::string& role) {
  auto s = conf->find(section);
  if (s == conf->end() || !s->is_object()) return;
  if (std::string(section) == "role_parameters") {
    s->erase(role);
    return;
  }
  auto r = s->find("role");
  if (r != s->end() && r->is_object()) r->erase(role);
}

Json* RoleSectionOf(Json* conf, const char* section, const std::string& role) {
  auto s = conf->find(section);
  if (s == conf->end() || !s->is_object()) return nullptr;
  Json* parent = &*s;
  if (std::string(section) != "role_parameters") {
    auto r = s->find("role");
    if (r == s->end() || !r->is_object()) return nullptr;
    parent = &*r;
  }
  auto it = parent->find(role);
  return (it == parent->end() || !it->is_object()) ? nullptr : &*it;
}

}  // namespace

Result<Json> DerivePredictDsl(const Dsl& dsl, const Dag& dag,
                              const std::vector<const ModuleInfo*>& modules,
                              const std::vector<char>* deploy) {
  const int version = dsl.version;
  auto deployed = [&](int i) -> bool {
    if (deploy != nullptr) return (*deploy)[i] != 0;
    const DslComponent& c = dsl.components[i];
    if (c.need_deploy.has_value()) return *c.need_deploy;
    return modules[i] == nullptr || modules[i]->need_deploy;
  };
  Json predict = {{"components", Json::object()}};
  Json& out = predict["components"];
  std::vector<char> in_predict(dsl.components.size(), 0);
  std::vector<DataMap> output_data_maps(dsl.components.size());

  for (int i : dag.topo_order) {
    const DslComponent& c = dsl.components[i];
    if (c.module == "Reader" && version != 2) {
      return Invalid("component ", c.name, ": a Reader component exists only in DSL v2");
    }
    if (!deployed(i)) {
      if (!c.has_input_data || !c.has_output_data) continue;
      const std::vector<InputRef>* in = nullptr;
      for (const char* key : {"train_data", "eval_data", "test_data", "data"}) {
        if ((in = c.DataInput(key)) != nullptr) break;
      }
      if (in == nullptr || in->empty()) {
        return Invalid("cannot derive the predict DSL: component ", c.name,
                       " is not deployed and has none of the data inputs train_data, "
                       "eval_data, test_data, data to pass through");
      }
      const InputRef& up_ref = (*in)[0];
      for (const std::string& out_name : c.output_data) {
        int up = dsl.Find(up_ref.component());
        if (up < 0 || deployed(up) || dsl.components[up].module == "Reader") {
          output_data_maps[i][out_name] = {up_ref.text};
        } else {
          auto m = output_data_maps[up].find(std::string(up_ref.name()));
          if (m == output_data_maps[up].end()) return PassThroughError(c, up_ref);
          output_data_maps[i][out_name] = m->second;
        }
      }
      continue;
    }

    Json entry = {{"module", c.module}};
    if (c.has_output) {
      if (c.has_output_model) {
        std::vector<std::string> models;
        for (const std::string& m : c.output_model)
          models.push_back("pipeline." + c.name + "." + m);
        entry["input"]["model"] = StringList(models);
      }
      if (c.has_output_data) entry["output"]["data"] = StringList(c.output_data);
      if (c.has_output_cache) entry["output"]["cache"] = StringList(c.output_cache);
    }
    if (c.has_input) {
      if (!entry.contains("input")) entry["input"] = Json::object();
      Json& input = entry["input"];
      if (c.has_input_data) {
        input["data"] = Json::object();
        for (const auto& [from, to] : kPredictDataMapping) {
          const std::vector<InputRef>* refs = c.DataInput(from);
          if (refs == nullptr) continue;
          std::vector<std::string> list;
          for (const InputRef& ref : *refs) {
            int up = dsl.Find(ref.component());
            if (ref.component() == "args" && up < 0) {
              list.push_back(version == 1 ? "args.eval_data" : ref.text);
            } else if (up < 0 || deployed(up) ||
                       (version == 2 && dsl.components[up].module == "Reader")) {
              list.push_back(ref.text);
            } else {
              auto m = output_data_maps[up].find(std::string(ref.name()));
              if (m == output_data_maps[up].end()) return PassThroughError(c, ref);
              list.insert(list.end(), m->second.begin(), m->second.end());
            }
          }
          input["data"][to] = StringList(list);
          break;
        }
        if (version == 2 && deploy != nullptr) {
          Json kept = Json::object();
          for (auto it = input["data"].begin(); it != input["data"].end(); ++it) {
            Json refs = Json::array();
            for (const Json& r : *it) {
              const std::string& text = r.get_ref<const std::string&>();
              int up = dsl.Find(text.substr(0, text.find('.')));
              if (up >= 0 && in_predict[up]) refs.push_back(r);
            }
            if (!refs.empty()) kept[it.key()] = std::move(refs);
          }
          if (kept.empty()) {
            input.erase("data");
          } else {
            input["data"] = std::move(kept);
          }
        }
      }
      if (!c.cache_inputs.empty()) {
        std::vector<std::string> caches;
        for (const InputRef& ref : c.cache_inputs) {
          int up = dsl.Find(ref.component());
          if (version == 1 && up >= 0 && !deployed(up)) {
            return Invalid("cannot derive the predict DSL: component ", c.name, " takes cache ",
                           Quote(ref.text), " from ", ref.component(),
                           ", which is not deployed (DSL v1 needs it deployed)");
          }
          caches.push_back(ref.text);
        }
        input["cache"] = StringList(caches);
      }
    }
    if (version == 2 && !c.provider.empty()) entry["provider"] = c.provider;
    out[c.name] = std::move(entry);
    in_predict[i] = 1;
  }
  if (version == 2 && !dsl.provider.empty()) predict["provider"] = dsl.provider;
  return predict;
}

Result<Json> MergePredictConf(const Json& train_conf, const Json& predict_conf,
                              std::vector<std::string>* warnings) {
  ASSIGN_OR_RETURN(auto train_roles, RoleIds(train_conf, "training"));
  ASSIGN_OR_RETURN(auto predict_roles, RoleIds(predict_conf, "predict"));
  std::vector<std::string> missing;
  for (const auto& [role, ids] : predict_roles) {
    const std::vector<int64_t>* train_ids = FindIds(train_roles, role);
    if (train_ids == nullptr) {
      warnings->push_back(StrCat("predict conf: role ", role,
                                 " does not occur in the training "
                                 "conf; its parties have no trained models"));
      continue;
    }
    std::vector<std::string> lacking;
    for (int64_t id : ids) {
      if (std::find(train_ids->begin(), train_ids->end(), id) == train_ids->end()) {
        lacking.push_back(std::to_string(id));
      }
    }
    if (!lacking.empty()) {
      std::vector<std::string> train_text;
      for (int64_t id : *train_ids) train_text.push_back(std::to_string(id));
      missing.push_back(StrCat(role, " ", Join(lacking), " (training ", role, ": ",
                               Join(train_text, ", ", "none"), ")"));
    }
  }
  if (!missing.empty()) {
    return Invalid("the predict conf names parties that the training conf lacks: ",
                   Join(missing, "; "));
  }

  Json merged = train_conf;
  merged.erase("provider");
  for (const auto& [role, train_ids] : train_roles) {
    const std::vector<int64_t>* predict_ids = FindIds(predict_roles, role);
    if (predict_ids == nullptr) {
      merged["role"].erase(role);
      for (const char* s : {"job_parameters", "component_parameters", "role_parameters"}) {
        EraseRoleSection(&merged, s, role);
      }
      continue;
    }
    if (*predict_ids == train_ids) continue;
    for (const char* s : {"job_parameters", "component_parameters"}) {
      if (Json* section = RoleSectionOf(&merged, s, role)) {
        *section = ReindexSection(*section, train_ids, *predict_ids);
      }
    }
    if (Json* section = RoleSectionOf(&merged, "role_parameters", role)) {
      std::vector<size_t> old_positions;
      for (int64_t id : *predict_ids) {
        old_positions.push_back(std::find(train_ids.begin(), train_ids.end(), id) -
                                train_ids.begin());
      }
      ReindexV1Lists(section, old_positions, train_ids.size());
    }
  }
  MergeDict(&merged, predict_conf);
  return merged;
}

Result<Json> MapPredictPartyIds(const Json& predict_conf, const Json& train_conf) {
  ASSIGN_OR_RETURN(auto train_roles, RoleIds(train_conf, "training"));
  ASSIGN_OR_RETURN(auto predict_roles, RoleIds(predict_conf, "predict"));
  Json mapped = predict_conf;
  std::string initiator_role;
  int64_t initiator_id = 0;
  bool have_initiator = false;
  if (const Json* init = FindMember(predict_conf, "initiator")) {
    const Json* r = FindMember(*init, "role");
    const Json* p = FindMember(*init, "party_id");
    if (r != nullptr && r->is_string() && p != nullptr) {
      Result<int64_t> id = ParsePartyId(*p, "initiator.party_id");
      if (id.ok()) {
        initiator_role = r->get<std::string>();
        initiator_id = *id;
        have_initiator = true;
      }
    }
  }
  const Json* train_role_json = FindMember(train_conf, "role");
  for (const auto& [role, ids] : predict_roles) {
    const std::vector<int64_t>* train_ids = FindIds(train_roles, role);
    if (train_ids == nullptr) continue;
    Json& list = mapped["role"][role];
    const Json& train_list = *FindMember(*train_role_json, role);
    for (size_t i = 0; i < ids.size() && i < train_ids->size(); ++i) {
      list[i] = train_list[i];
      if (have_initiator && role == initiator_role && ids[i] == initiator_id) {
        mapped["initiator"]["party_id"] = train_list[i];
        have_initiator = false;  // map once
      }
    }
  }
  return mapped;
}

}  // namespace fedflow::plan
