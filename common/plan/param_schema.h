#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"

namespace fedflow::plan {

// The parameter names a module accepts, as a tree. A nested parameter class (a FATE
// BaseParam held as an attribute of another, e.g. HeteroLR's `encrypt_param`) has children
// and a user's object for it is merged key by key; any other parameter is a plain value that
// a user's setting replaces whole. Built from one or more versions of a module's defaults
// (the format of fate-module-params.json: a nested class is an object carrying
// "__param_class__"); the accepted names are the union over the versions, and a name may be a
// class in one version and plain in another.
//
// Immutable once built; thread-safe to share.
class ParamSchema {
 public:
  static constexpr int kRoot = 0;
  static constexpr int kNone = -1;

  ParamSchema();

  // Adds the names of one version's defaults object.
  Status AddVersion(const Json& defaults);

  // The child named `key` of `node`, or kNone.
  int Find(int node, const std::string& key) const;
  // Whether `node` is a nested parameter class (in some version).
  bool IsClass(int node) const { return node >= 0 && nodes_[node].is_class; }
  // Number of names directly under the root.
  size_t size() const { return nodes_[kRoot].children.size(); }

 private:
  struct Node {
    bool is_class = false;
    bool is_plain = false;
    std::unordered_map<std::string, int> children;
  };
  Status AddObject(int node, const Json& obj, int depth);

  std::vector<Node> nodes_;
};

// How a user's value for a parameter combines with an earlier one, FATE's
// BaseParam.update on user-given values: for a nested class, object into object recursively;
// otherwise the later value replaces the earlier. `schema` may be null (a module without a
// known schema): then every object is treated as a nested class. `node` is the schema node
// of `dst` (ParamSchema::kRoot for a component's parameters).
void UpdateParams(Json* dst, const Json& src, const ParamSchema* schema, int node);

// FATE's merge_dict, used for job parameters and confs: object into object recursively,
// anything else replaces.
void MergeDict(Json* dst, const Json& src);

}  // namespace fedflow::plan
