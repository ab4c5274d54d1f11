#include "common/plan/param_schema.h"

#include "common/plan/strings.h"

namespace fedflow::plan {

namespace {
constexpr char kClassMarker[] = "__param_class__";
// FATE's own limit ("Param define nesting too deep!!!, can not parse it") is 5; the reference
// data stays well under this.
constexpr int kMaxDepth = 16;
}  // namespace

ParamSchema::ParamSchema() {
  nodes_.emplace_back();
  nodes_[kRoot].is_class = true;
}

Status ParamSchema::AddVersion(const Json& defaults) {
  if (!defaults.is_object()) {
    return Invalid("parameter defaults must be an object, got ", JsonTypeName(defaults));
  }
  return AddObject(kRoot, defaults, 0);
}

Status ParamSchema::AddObject(int node, const Json& obj, int depth) {
  if (depth > kMaxDepth) return Invalid("parameter classes nested too deep");
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it.key() == kClassMarker) continue;
    int child;
    auto found = nodes_[node].children.find(it.key());
    if (found == nodes_[node].children.end()) {
      child = static_cast<int>(nodes_.size());
      nodes_.emplace_back();  // may reallocate: index, do not hold references
      nodes_[node].children.emplace(it.key(), child);
    } else {
      child = found->second;
    }
    const Json& value = it.value();
    if (value.is_object() && value.contains(kClassMarker)) {
      nodes_[child].is_class = true;
      RETURN_NOT_OK(AddObject(child, value, depth + 1));
    } else {
      nodes_[child].is_plain = true;
    }
  }
  return Status::OK();
}

int ParamSchema::Find(int node, const std::string& key) const {
  if (node < 0) return kNone;
  const auto& children = nodes_[node].children;
  auto it = children.find(key);
  return it == children.end() ? kNone : it->second;
}

void UpdateParams(Json* dst, const Json& src, const ParamSchema* schema, int node) {
  if (!src.is_object()) return;
  if (!dst->is_object() || dst->empty()) {
    *dst = src;  // the common case (one section gives all): one copy, sized once
    return;
  }
  for (auto it = src.begin(); it != src.end(); ++it) {
    const Json& value = it.value();
    int child = schema ? schema->Find(node, it.key()) : ParamSchema::kNone;
    bool nested = schema ? schema->IsClass(child) : true;
    auto existing = dst->find(it.key());
    if (nested && value.is_object() && existing != dst->end() && existing->is_object()) {
      UpdateParams(&*existing, value, schema, child);
    } else if (existing != dst->end()) {
      *existing = value;
    } else {
      (*dst)[it.key()] = value;
    }
  }
}

void MergeDict(Json* dst, const Json& src) {
  if (!src.is_object() || !dst->is_object()) {
    *dst = src;
    return;
  }
  for (auto it = src.begin(); it != src.end(); ++it) {
    auto existing = dst->find(it.key());
    if (existing == dst->end()) {
      (*dst)[it.key()] = it.value();
    } else if (existing->is_object() && it.value().is_object()) {
      MergeDict(&*existing, it.value());
    } else {
      *existing = it.value();
    }
  }
}

}  // namespace fedflow::plan
