#include "common/plan/param_check.h"

#include <algorithm>
#include <initializer_list>
#include <set>
#include <string_view>
#include <unordered_set>

#include "common/plan/strings.h"

namespace fedflow::plan {

namespace {

std::string PathString(const std::vector<std::string>& where) {
  std::string path;
  for (const std::string& k : where) path = JsonPathJoin(path, k);
  return path;
}

class Checker {
 public:
  Checker(const Dsl& dsl, const std::vector<const ModuleInfo*>& modules, JobMode mode,
          std::vector<std::string>* warnings)
      : dsl_(dsl), modules_(modules), mode_(mode), warnings_(warnings) {}

  // `params` are the parameters given to `component` at conf path `where` (keys from the
  // root). The path buffer is reused from call to call: one call per component and section.
  void Check(const std::string& component, const Json& params,
             std::initializer_list<std::string_view> where) {
    where_.resize(where.size());
    size_t i = 0;
    for (std::string_view key : where) where_[i++].assign(key);
    int idx = dsl_.Find(component);
    if (idx < 0) {
      if (mode_ == JobMode::kTrain && warned_missing_.insert(component).second) {
        warnings_->push_back(StrCat(PathString(where_), ": the DSL has no component ", component,
                                    "; its parameters are ignored"));
      }
      return;
    }
    const ModuleInfo* module = modules_[idx];
    if (module == nullptr || module->schema == nullptr) return;
    Walk(component, *module, params, ParamSchema::kRoot, "", &where_);
  }

  std::vector<UnknownParam> TakeUnknown() { return std::move(unknown_); }

 private:
  void Walk(const std::string& component, const ModuleInfo& module, const Json& params, int node,
            const std::string& prefix, std::vector<std::string>* where) {
    for (auto it = params.begin(); it != params.end(); ++it) {
      int child = module.schema->Find(node, it.key());
      if (child == ParamSchema::kNone) {
        where->push_back(it.key());
        std::string name = prefix.empty() ? it.key() : prefix + "." + it.key();
        unknown_.push_back(UnknownParam{component, module.name, name, *where});
        where->pop_back();
      } else if (module.schema->IsClass(child) && it->is_object()) {
        where->push_back(it.key());
        Walk(component, module, *it, child, prefix.empty() ? it.key() : prefix + "." + it.key(),
             where);
        where->pop_back();
      }
    }
  }

  const Dsl& dsl_;
  const std::vector<const ModuleInfo*>& modules_;
  JobMode mode_;
  std::vector<std::string>* warnings_;
  std::unordered_set<std::string> warned_missing_;
  std::vector<std::string> where_;
  std::vector<UnknownParam> unknown_;
};

}  // namespace

std::vector<UnknownParam> FindUnknownParams(const RuntimeConf& conf, const Dsl& dsl,
                                            const std::vector<const ModuleInfo*>& modules,
                                            JobMode mode, std::vector<std::string>* warnings) {
  Checker checker(dsl, modules, mode, warnings);
  const Json& root = *conf.json;
  if (conf.version == 2) {
    const Json* cp = FindMember(root, "component_parameters");
    const Json* common = cp ? FindMember(*cp, "common") : nullptr;
    if (common != nullptr) {
      for (auto c = common->begin(); c != common->end(); ++c) {
        checker.Check(c.key(), *c, {"component_parameters", "common", c.key()});
      }
    }
    const Json* role = cp ? FindMember(*cp, "role") : nullptr;
    if (role != nullptr) {
      for (auto r = role->begin(); r != role->end(); ++r) {
        Role parsed;
        if (!ParseRole(r.key(), &parsed) || conf.FindRole(parsed) == nullptr) continue;
        for (auto k = r->begin(); k != r->end(); ++k) {
          for (auto c = k->begin(); c != k->end(); ++c) {
            checker.Check(c.key(), *c, {"component_parameters", "role", r.key(), k.key(), c.key()});
          }
        }
      }
    }
  } else {
    const Json* ap = FindMember(root, "algorithm_parameters");
    if (ap != nullptr) {
      for (auto c = ap->begin(); c != ap->end(); ++c) {
        checker.Check(c.key(), *c, {"algorithm_parameters", c.key()});
      }
    }
    const Json* rp = FindMember(root, "role_parameters");
    if (rp != nullptr) {
      for (auto r = rp->begin(); r != rp->end(); ++r) {
        Role parsed;
        if (!ParseRole(r.key(), &parsed) || conf.FindRole(parsed) == nullptr) continue;
        for (auto c = r->begin(); c != r->end(); ++c) {
          if (c.key() == "args") continue;
          checker.Check(c.key(), *c, {"role_parameters", r.key(), c.key()});
        }
      }
    }
  }
  return checker.TakeUnknown();
}

Status UnknownParamsError(const std::vector<UnknownParam>& unknown, const Dsl& dsl,
                          const std::vector<int>& topo_order) {
  std::vector<int> rank(dsl.components.size());
  for (size_t i = 0; i < topo_order.size(); ++i) rank[topo_order[i]] = static_cast<int>(i);
  std::vector<const UnknownParam*> sorted;
  for (const UnknownParam& u : unknown) sorted.push_back(&u);
  std::stable_sort(sorted.begin(), sorted.end(), [&](const UnknownParam* a, const UnknownParam* b) {
    return rank[dsl.Find(a->component)] < rank[dsl.Find(b->component)];
  });
  std::vector<std::string> clauses;
  for (const UnknownParam* p : sorted) {
    const UnknownParam& u = *p;
    clauses.push_back(StrCat("component ", u.component, " (module ", u.module,
                             "): unknown parameter ", Quote(u.name), " (at ", PathString(u.where),
                             ")"));
  }
  return Status::InvalidArgument(Join(clauses, "; "));
}

Json DropUnknownParams(const Json& conf, const std::vector<UnknownParam>& unknown,
                       std::vector<std::string>* warnings) {
  Json out = conf;
  std::set<std::pair<std::string, std::string>> warned;
  for (const UnknownParam& u : unknown) {
    if (warned.emplace(u.component, u.name).second) {
      warnings->push_back(StrCat("component ", u.component, " (module ", u.module,
                                 "): ignoring unknown parameter ", Quote(u.name),
                                 " (--allow-unknown-params, as FATE 1.4 did)"));
    }
    Json* node = &out;
    for (size_t i = 0; i + 1 < u.where.size() && node != nullptr; ++i) {
      auto it = node->find(u.where[i]);
      node = (it == node->end() || !it->is_object()) ? nullptr : &*it;
    }
    if (node != nullptr && node->is_object()) node->erase(u.where.back());
  }
  return out;
}

}  // namespace fedflow::plan
