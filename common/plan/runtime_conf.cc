#include "common/plan/runtime_conf.h"

#include <limits>
#include <unordered_set>

#include "common/plan/strings.h"

namespace fedflow::plan {

namespace {

const std::unordered_set<std::string>& KnownTopLevelKeys() {
  static const auto* keys = new std::unordered_set<std::string>{"dsl_version",
                                                                "initiator",
                                                                "role",
                                                                "job_parameters",
                                                                "component_parameters",
                                                                "algorithm_parameters",
                                                                "role_parameters",
                                                                "provider",
                                                                "local"};
  return *keys;
}

Result<PartySelector> ParseSelector(const std::string& key, const std::string& path) {
  PartySelector sel;
  sel.key = key;
  if (key == "all") {
    sel.all = true;
    return sel;
  }
  size_t start = 0;
  bool ok = !key.empty();
  while (ok && start <= key.size()) {
    size_t bar = key.find('|', start);
    std::string piece =
        key.substr(start, bar == std::string::npos ? std::string::npos : bar - start);
    ok = !piece.empty() && piece.size() <= 6;
    for (char c : piece) ok = ok && c >= '0' && c <= '9';
    if (ok) sel.indices.push_back(std::stoi(piece));
    if (bar == std::string::npos) break;
    start = bar + 1;
  }
  if (!ok) {
    return Invalid(path, ": key ", Quote(key),
                   " is not \"all\", a party index or indices joined by \"|\" (e.g. \"0|1\")");
  }
  return sel;
}

// Parses `<section>.role`: role -> selector -> object. `components` fills
// RoleSection::components (component_parameters).
Status ParseRoleSections(const Json& role_obj, const std::string& path, const RuntimeConf& conf,
                         bool components, std::array<std::vector<RoleSection>, kNumRoles>* out,
                         std::vector<std::string>* warnings) {
  RETURN_NOT_OK(ExpectObject(role_obj, path));
  for (auto r = role_obj.begin(); r != role_obj.end(); ++r) {
    std::string role_path = JsonPathJoin(path, r.key());
    Role role;
    if (!ParseRole(r.key(), &role)) {
      return Invalid(role_path, ": unknown role ", Quote(r.key()),
                     " (roles are guest, host, arbiter, local)");
    }
    RETURN_NOT_OK(ExpectObject(*r, role_path));
    const RoleParties* parties = conf.FindRole(role);
    if (parties == nullptr) {
      warnings->push_back(StrCat(role_path, ": the conf has no ", r.key(), " parties; ignored"));
      continue;
    }
    auto& sections = (*out)[static_cast<int>(role)];
    for (auto k = r->begin(); k != r->end(); ++k) {
      std::string key_path = JsonPathJoin(role_path, k.key());
      ASSIGN_OR_RETURN(PartySelector sel, ParseSelector(k.key(), role_path));
      for (int i : sel.indices) {
        if (i >= static_cast<int>(parties->party_ids.size())) {
          size_t n = parties->party_ids.size();
          warnings->push_back(StrCat(key_path, ": the conf has ", n, " ", r.key(),
                                     n == 1 ? " party" : " parties", "; index ", i,
                                     " matches none"));
        }
      }
      RETURN_NOT_OK(ExpectObject(*k, key_path));
      RoleSection section;
      section.selector = std::move(sel);
      section.value = &*k;
      if (components) {
        section.components.reserve(k->size());
        for (auto c = k->begin(); c != k->end(); ++c) {
          RETURN_NOT_OK(ExpectObject(*c, JsonPathJoin(key_path, c.key())));
          section.components.emplace(c.key(), &*c);
        }
      }
      sections.push_back(std::move(section));
    }
  }
  return Status::OK();
}

Status ParseComponentMap(const Json& obj, const std::string& path,
                         std::unordered_map<std::string_view, const Json*>* out) {
  RETURN_NOT_OK(ExpectObject(obj, path));
  out->reserve(obj.size());
  for (auto c = obj.begin(); c != obj.end(); ++c) {
    RETURN_NOT_OK(ExpectObject(*c, JsonPathJoin(path, c.key())));
    out->emplace(c.key(), &*c);
  }
  return Status::OK();
}

Result<JobMode> ParseJobType(const Json& params, const std::string& path, bool* found) {
  const Json* jt = FindMember(params, "job_type");
  *found = jt != nullptr;
  if (jt == nullptr) return JobMode::kTrain;
  if (jt->is_string() && *jt == "train") return JobMode::kTrain;
  if (jt->is_string() && *jt == "predict") return JobMode::kPredict;
  return Invalid(JsonPathJoin(path, "job_type"), ": expected \"train\" or \"predict\", got ",
                 DumpJson(*jt));
}

Status ParseV2(const Json& conf, RuntimeConf* out, std::vector<std::string>* warnings) {
  if (const Json* jp = FindMember(conf, "job_parameters")) {
    RETURN_NOT_OK(ExpectObject(*jp, "job_parameters"));
    for (auto it = jp->begin(); it != jp->end(); ++it) {
      if (it.key() != "common" && it.key() != "role") {
        return Invalid("job_parameters: key ", Quote(it.key()),
                       " is not \"common\" or \"role\" (a DSL v2 conf; a v1 conf has no "
                       "dsl_version)");
      }
    }
    if (const Json* common = FindMember(*jp, "common")) {
      RETURN_NOT_OK(ExpectObject(*common, "job_parameters.common"));
      out->job_common = common;
      bool found = false;
      ASSIGN_OR_RETURN(JobMode mode, ParseJobType(*common, "job_parameters.common", &found));
      if (found) out->job_type = mode;
    }
    if (const Json* role = FindMember(*jp, "role")) {
      RETURN_NOT_OK(
          ParseRoleSections(*role, "job_parameters.role", *out, false, &out->job_role, warnings));
    }
  }
  if (const Json* cp = FindMember(conf, "component_parameters")) {
    RETURN_NOT_OK(ExpectObject(*cp, "component_parameters"));
    for (auto it = cp->begin(); it != cp->end(); ++it) {
      if (it.key() == "common") {
        RETURN_NOT_OK(
            ParseComponentMap(*it, "component_parameters.common", &out->component_common));
      } else if (it.key() == "role") {
        RETURN_NOT_OK(ParseRoleSections(*it, "component_parameters.role", *out, true,
                                        &out->component_role, warnings));
      } else {
        return Invalid("component_parameters: key ", Quote(it.key()),
                       " is not \"common\" or \"role\"");
      }
    }
  }
  for (const char* v1_key : {"algorithm_parameters", "role_parameters"}) {
    if (conf.contains(v1_key)) {
      warnings->push_back(StrCat(v1_key, " is a DSL v1 section; ignored in a dsl_version 2 conf"));
    }
  }
  return Status::OK();
}

Status ParseV1(const Json& conf, RuntimeConf* out, std::vector<std::string>* warnings) {
  if (const Json* jp = FindMember(conf, "job_parameters")) {
    RETURN_NOT_OK(ExpectObject(*jp, "job_parameters"));
    out->job_parameters_v1 = jp;
    bool found = false;
    ASSIGN_OR_RETURN(JobMode mode, ParseJobType(*jp, "job_parameters", &found));
    if (found) out->job_type = mode;
  }
  if (const Json* ap = FindMember(conf, "algorithm_parameters")) {
    RETURN_NOT_OK(ParseComponentMap(*ap, "algorithm_parameters", &out->algorithm_parameters));
  }
  if (const Json* rp = FindMember(conf, "role_parameters")) {
    RETURN_NOT_OK(ExpectObject(*rp, "role_parameters"));
    for (auto r = rp->begin(); r != rp->end(); ++r) {
      std::string role_path = JsonPathJoin("role_parameters", r.key());
      Role role;
      if (!ParseRole(r.key(), &role)) {
        return Invalid(role_path, ": unknown role ", Quote(r.key()),
                       " (roles are guest, host, arbiter, local)");
      }
      RETURN_NOT_OK(ExpectObject(*r, role_path));
      if (out->FindRole(role) == nullptr) {
        warnings->push_back(StrCat(role_path, ": the conf has no ", r.key(), " parties; ignored"));
        continue;
      }
      V1RoleParameters& params = out->role_parameters[static_cast<int>(role)];
      for (auto c = r->begin(); c != r->end(); ++c) {
        std::string path = JsonPathJoin(role_path, c.key());
        RETURN_NOT_OK(ExpectObject(*c, path));
        if (c.key() == "args") {
          if (const Json* data = FindMember(*c, "data")) {
            RETURN_NOT_OK(ExpectObject(*data, JsonPathJoin(path, "data")));
            params.args_data = data;
          }
        } else {
          params.components.emplace(c.key(), &*c);
        }
      }
    }
  }
  if (conf.contains("component_parameters")) {
    warnings->push_back(
        "component_parameters is a DSL v2 section; ignored in a conf without dsl_version 2");
  }
  return Status::OK();
}

}  // namespace

bool PartySelector::Matches(int index) const {
  if (all) return true;
  for (int i : indices) {
    if (i == index) return true;
  }
  return false;
}

Result<int> ConfVersion(const Json& conf) {
  const Json* v = FindMember(conf, "dsl_version");
  if (v == nullptr) return 1;
  if ((v->is_number_integer() && (*v == 1 || *v == 2))) return v->get<int>();
  if (v->is_string() && (*v == "1" || *v == "2")) return *v == "1" ? 1 : 2;
  return Invalid("dsl_version: expected 1 or 2, got ", DumpJson(*v));
}

Result<int64_t> ParsePartyId(const Json& j, const std::string& path) {
  if (j.is_number_unsigned()) {
    if (j.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Invalid(path, ": party id ", DumpJson(j), " is out of range");
    }
    return static_cast<int64_t>(j.get<uint64_t>());
  }
  if (j.is_number_integer()) return j.get<int64_t>();
  if (j.is_string()) {
    const std::string& s = j.get_ref<const std::string&>();
    size_t i = (!s.empty() && (s[0] == '-' || s[0] == '+')) ? 1 : 0;
    bool ok = s.size() > i && s.size() - i <= 18;
    for (size_t k = i; k < s.size(); ++k) ok = ok && s[k] >= '0' && s[k] <= '9';
    if (ok) return static_cast<int64_t>(std::stoll(s));
  }
  return Invalid(path, ": party id must be an integer, got ", DumpJson(j));
}

Result<RuntimeConf> ParseRuntimeConf(const Json& conf, std::vector<std::string>* warnings) {
  if (!conf.is_object()) {
    return Invalid("the runtime conf must be a JSON object, got ", JsonTypeName(conf));
  }
  RuntimeConf out;
  out.json = &conf;
  out.role_position.fill(-1);
  ASSIGN_OR_RETURN(out.version, ConfVersion(conf));
  for (auto it = conf.begin(); it != conf.end(); ++it) {
    if (!KnownTopLevelKeys().count(it.key())) {
      warnings->push_back(
          StrCat("conf key ", Quote(it.key()), " is not a runtime conf field; ignored"));
    }
  }

  const Json* initiator = FindMember(conf, "initiator");
  if (initiator == nullptr) return Invalid("the conf has no initiator");
  RETURN_NOT_OK(ExpectObject(*initiator, "initiator"));
  ASSIGN_OR_RETURN(std::string initiator_role, GetString(*initiator, "role", "initiator"));
  if (!ParseRole(initiator_role, &out.initiator_role)) {
    return Invalid("initiator.role: unknown role ", Quote(initiator_role),
                   " (roles are guest, host, arbiter, local)");
  }
  const Json* initiator_party = FindMember(*initiator, "party_id");
  if (initiator_party == nullptr) return Invalid("initiator: the conf gives no party_id");
  ASSIGN_OR_RETURN(out.initiator_party_id, ParsePartyId(*initiator_party, "initiator.party_id"));

  const Json* role = FindMember(conf, "role");
  if (role == nullptr) return Invalid("the conf has no role section (the parties of the job)");
  RETURN_NOT_OK(ExpectObject(*role, "role"));
  for (auto it = role->begin(); it != role->end(); ++it) {
    std::string path = JsonPathJoin("role", it.key());
    Role r;
    if (!ParseRole(it.key(), &r)) {
      return Invalid(path, ": unknown role ", Quote(it.key()),
                     " (roles are guest, host, arbiter, local)");
    }
    RETURN_NOT_OK(ExpectArray(*it, path));
    RoleParties parties;
    parties.role = r;
    for (size_t i = 0; i < it->size(); ++i) {
      ASSIGN_OR_RETURN(int64_t id, ParsePartyId((*it)[i], JsonPathIndex(path, i)));
      for (int64_t seen : parties.party_ids) {
        if (seen == id) return Invalid(path, ": party ", id, " is listed twice");
      }
      parties.party_ids.push_back(id);
    }
    out.role_position[static_cast<int>(r)] = static_cast<int>(out.roles.size());
    out.roles.push_back(std::move(parties));
  }

  if (out.version == 2) {
    RETURN_NOT_OK(ParseV2(conf, &out, warnings));
  } else {
    RETURN_NOT_OK(ParseV1(conf, &out, warnings));
  }
  return out;
}

}  // namespace fedflow::plan
