#include "common/plan/dsl.h"

#include <map>
#include <set>

#include "common/plan/strings.h"

namespace fedflow::plan {

namespace {

const char* const kKnownDataKeys[] = {"data", "train_data", "validate_data", "test_data",
                                      "eval_data"};

bool IsV2NameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

Status CheckV2Name(const std::string& name) {
  if (name.empty()) return Invalid("DSL: a component has an empty name");
  for (char c : name) {
    if (!IsV2NameChar(c)) {
      return Invalid("component ", Quote(name),
                     ": a component name may only contain letters, digits, '_' and '-'");
    }
  }
  return Status::OK();
}

// DSL v1 (FATE DSLParser._check_component_valid_names): "<prefix>_<index>", the indices of a
// prefix are exactly 0..n-1 and a prefix maps to one module.
Status CheckV1Names(const std::vector<DslComponent>& components) {
  struct Prefix {
    std::string module;
    std::string first_name;
    std::set<long> indices;
  };
  std::map<std::string, Prefix> prefixes;
  for (const DslComponent& c : components) {
    RETURN_NOT_OK(CheckV2Name(c.name));
    size_t us = c.name.rfind('_');
    if (us == std::string::npos) {
      return Invalid("component ", c.name,
                     ": a DSL v1 component name must be <prefix>_<index>, e.g. dataio_0");
    }
    std::string prefix = c.name.substr(0, us);
    std::string index = c.name.substr(us + 1);
    bool digits = !index.empty() && index.size() <= 9;
    for (char ch : index) digits = digits && ch >= '0' && ch <= '9';
    if (!digits) {
      return Invalid("component ", c.name,
                     ": a DSL v1 component name must end in _<index>, an integer from 0");
    }
    Prefix& p = prefixes[prefix];
    if (p.first_name.empty()) {
      p.module = c.module;
      p.first_name = c.name;
    } else if (p.module != c.module) {
      return Invalid("component ", c.name, ": prefix ", Quote(prefix), " is used for module ",
                     c.module, " but ", p.first_name, " uses it for module ", p.module,
                     " (DSL v1: one module per name prefix)");
    }
    p.indices.insert(std::stol(index));
  }
  for (const auto& [prefix, p] : prefixes) {
    long expected = 0;
    for (long i : p.indices) {
      if (i != expected) {
        return Invalid("DSL: components named ", prefix, "_<index> must be numbered 0..",
                       p.indices.size() - 1, " (DSL v1), but ", prefix, "_", expected,
                       " is missing");
      }
      ++expected;
    }
  }
  return Status::OK();
}

Result<InputRef> ParseRef(const Json& j, const std::string& component, const std::string& what) {
  if (!j.is_string()) {
    return Invalid("component ", component, ": ", what, " entries must be strings, got ",
                   JsonTypeName(j));
  }
  InputRef ref;
  ref.text = j.get_ref<const std::string&>();
  size_t first = ref.text.find('.');
  size_t last = ref.text.rfind('.');
  if (first == std::string::npos || first == 0 || last + 1 == ref.text.size()) {
    return Invalid("component ", component, ": ", what, " ", Quote(ref.text),
                   ": expected \"<component>.<output name>\"");
  }
  ref.component_end = static_cast<uint32_t>(first);
  ref.name_begin = static_cast<uint32_t>(last + 1);
  return ref;
}

Result<std::vector<InputRef>> ParseRefList(const Json& j, const std::string& component,
                                           const std::string& what) {
  if (!j.is_array()) {
    return Invalid("component ", component, ": input ", what, " must be a list, got ",
                   JsonTypeName(j));
  }
  std::vector<InputRef> refs;
  refs.reserve(j.size());
  for (const Json& e : j) {
    ASSIGN_OR_RETURN(InputRef ref, ParseRef(e, component, what + " input"));
    refs.push_back(std::move(ref));
  }
  return refs;
}

Status ParseOutputList(const Json& output, const char* key, const std::string& component,
                       std::vector<std::string>* out, bool* present) {
  const Json* list = FindMember(output, key);
  *present = list != nullptr;
  if (list == nullptr) return Status::OK();
  if (!list->is_array()) {
    return Invalid("component ", component, ": output ", key, " must be a list, got ",
                   JsonTypeName(*list));
  }
  for (const Json& e : *list) {
    if (!e.is_string()) {
      return Invalid("component ", component, ": output ", key, " entries must be strings, got ",
                     JsonTypeName(e));
    }
    out->push_back(e.get<std::string>());
  }
  return Status::OK();
}

Status ParseInput(const Json& input, int version, DslComponent* c,
                  std::vector<std::string>* warnings) {
  if (!input.is_object()) {
    return Invalid("component ", c->name, ": input must be an object, got ", JsonTypeName(input));
  }
  for (auto it = input.begin(); it != input.end(); ++it) {
    const std::string& key = it.key();
    if (key == "data") {
      c->has_input_data = true;
      if (!it->is_object()) {
        return Invalid("component ", c->name,
                       ": input data must be an object keyed by data "
                       "role (data, train_data, ...), got ",
                       JsonTypeName(*it));
      }
      for (auto d = it->begin(); d != it->end(); ++d) {
        if (version == 2 && !IsKnownDataKey(d.key())) {
          warnings->push_back(StrCat("component ", c->name, ": input data key ", Quote(d.key()),
                                     " is not one of data, train_data, validate_data, "
                                     "test_data, eval_data"));
        }
        ASSIGN_OR_RETURN(auto refs, ParseRefList(*d, c->name, "data." + d.key()));
        c->data_inputs.emplace_back(d.key(), std::move(refs));
      }
    } else if (key == "model") {
      c->has_model_input = true;
      ASSIGN_OR_RETURN(c->model_inputs, ParseRefList(*it, c->name, "model"));
    } else if (key == "isometric_model") {
      ASSIGN_OR_RETURN(c->isometric_model_inputs, ParseRefList(*it, c->name, "isometric_model"));
    } else if (key == "cache") {
      ASSIGN_OR_RETURN(c->cache_inputs, ParseRefList(*it, c->name, "cache"));
    } else {
      warnings->push_back(StrCat("component ", c->name, ": input key ", Quote(key),
                                 " is not data, model, isometric_model or cache; ignored"));
    }
  }
  return Status::OK();
}

// First pass over a component (FATE's _init_components): an object naming its module.
Status ParseModule(const std::string& name, const Json& j, DslComponent* c) {
  c->name = name;
  if (!j.is_object()) {
    return Invalid("component ", name, ": expected an object, got ", JsonTypeName(j));
  }
  const Json* module = FindMember(j, "module");
  if (module == nullptr) return Invalid("component ", name, ": the DSL gives no module");
  if (!module->is_string() || module->get_ref<const std::string&>().empty()) {
    return Invalid("component ", name, ": module must be a non-empty string");
  }
  c->module = module->get<std::string>();
  return Status::OK();
}

// Second pass: inputs, outputs and the optional fields.
Status ParseComponent(const std::string& name, const Json& j, int version, DslComponent* c,
                      std::vector<std::string>* warnings) {
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "module") continue;
    if (key == "input") {
      c->has_input = true;
      RETURN_NOT_OK(ParseInput(*it, version, c, warnings));
    } else if (key == "output") {
      c->has_output = true;
      if (!it->is_object()) {
        return Invalid("component ", name, ": output must be an object, got ", JsonTypeName(*it));
      }
      RETURN_NOT_OK(ParseOutputList(*it, "data", name, &c->output_data, &c->has_output_data));
      RETURN_NOT_OK(ParseOutputList(*it, "model", name, &c->output_model, &c->has_output_model));
      RETURN_NOT_OK(ParseOutputList(*it, "cache", name, &c->output_cache, &c->has_output_cache));
    } else if (key == "need_deploy") {
      if (!it->is_boolean()) {
        return Invalid("component ", name, ": need_deploy must be true or false, got ",
                       JsonTypeName(*it));
      }
      c->need_deploy = it->get<bool>();
      if (version == 2) {
        warnings->push_back(StrCat("component ", name, ": need_deploy is ignored in DSL v2"));
      }
    } else if (key == "provider") {
      if (!it->is_string()) {
        return Invalid("component ", name, ": provider must be a string, got ", JsonTypeName(*it));
      }
      c->provider = it->get<std::string>();
    } else if (key == "CodePath") {
      // Written by FATE into stored inference DSLs; harmless.
    } else {
      warnings->push_back(StrCat("component ", name, ": DSL key ", Quote(key),
                                 " is not a DSL field; ignored",
                                 key == "need_run" ? " (need_run is a component parameter)" : ""));
    }
  }
  return Status::OK();
}

}  // namespace

const char* JobModeName(JobMode mode) { return mode == JobMode::kTrain ? "train" : "predict"; }

bool IsKnownDataKey(const std::string& key) {
  for (const char* k : kKnownDataKeys) {
    if (key == k) return true;
  }
  return false;
}

const std::vector<InputRef>* DslComponent::DataInput(const std::string& key) const {
  for (const auto& [k, refs] : data_inputs) {
    if (k == key) return &refs;
  }
  return nullptr;
}

Result<Dsl> ParseDsl(const Json& dsl, int version, JobMode mode,
                     std::vector<std::string>* warnings) {
  if (!dsl.is_object()) {
    return Invalid("the DSL must be a JSON object, got ", JsonTypeName(dsl));
  }
  if (dsl.empty()) return Invalid("the DSL is empty");
  const Json* components = FindMember(dsl, "components");
  if (components == nullptr) return Invalid("the DSL has no \"components\" field");
  if (!components->is_object()) {
    return Invalid("DSL: components must be an object keyed by component name, got ",
                   JsonTypeName(*components));
  }
  if (components->empty()) return Invalid("the DSL has no components");
  Dsl out;
  out.version = version;
  if (const Json* p = FindMember(dsl, "provider")) {
    if (!p->is_string()) return Invalid("DSL: provider must be a string");
    out.provider = p->get<std::string>();
  }
  out.components.resize(components->size());
  out.index.reserve(components->size() * 2);
  size_t i = 0;
  for (auto it = components->begin(); it != components->end(); ++it, ++i) {
    RETURN_NOT_OK(ParseModule(it.key(), *it, &out.components[i]));
    if (!out.index.emplace(out.components[i].name, static_cast<int>(i)).second) {
      return Invalid("DSL: component ", it.key(), " is defined twice");
    }
  }
  if (version == 1 && mode == JobMode::kTrain) {
    RETURN_NOT_OK(CheckV1Names(out.components));
  } else {
    for (const DslComponent& c : out.components) RETURN_NOT_OK(CheckV2Name(c.name));
  }
  i = 0;
  for (auto it = components->begin(); it != components->end(); ++it, ++i) {
    RETURN_NOT_OK(ParseComponent(it.key(), *it, version, &out.components[i], warnings));
  }
  return out;
}

}  // namespace fedflow::plan
