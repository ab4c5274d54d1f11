#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"

namespace fedflow::plan {

// train: model/isometric_model/cache inputs are edges of the DAG; predict: only cache inputs
// are (model inputs name the trained pipeline's models, "pipeline.<component>.<model>").
enum class JobMode { kTrain, kPredict };
const char* JobModeName(JobMode mode);

// A "<component>.<name>" reference from an input list: the text as written and where its
// first and last pieces are (one string per reference keeps large DSLs cheap to parse).
struct InputRef {
  std::string text;
  uint32_t component_end = 0;  // first '.'
  uint32_t name_begin = 0;     // one past the last '.'

  std::string_view component() const { return std::string_view(text).substr(0, component_end); }
  std::string_view name() const { return std::string_view(text).substr(name_begin); }
};

// One component of a DSL, as written (validated for shape, not yet for references).
struct DslComponent {
  std::string name;
  std::string module;
  // input.data: key ("data", "train_data", ...) -> references, in DSL order.
  std::vector<std::pair<std::string, std::vector<InputRef>>> data_inputs;
  std::vector<InputRef> model_inputs;
  std::vector<InputRef> isometric_model_inputs;
  std::vector<InputRef> cache_inputs;
  bool has_input = false;        // "input" present
  bool has_input_data = false;   // "input.data" present
  bool has_model_input = false;  // "input.model" present
  // output lists; has_output_* says whether the key was present at all.
  std::vector<std::string> output_data, output_model, output_cache;
  bool has_output = false, has_output_data = false, has_output_model = false,
       has_output_cache = false;
  std::optional<bool> need_deploy;  // DSL v1 need_deploy
  std::string provider;             // optional "name[@version]"
  // The data input list for `key`, or null.
  const std::vector<InputRef>* DataInput(const std::string& key) const;
};

// A parsed DSL: components in DSL order plus a name index. The index views the names held
// by `components`, so a Dsl moves but does not copy.
struct Dsl {
  Dsl() = default;
  Dsl(Dsl&&) = default;
  Dsl& operator=(Dsl&&) = default;
  Dsl(const Dsl&) = delete;
  Dsl& operator=(const Dsl&) = delete;

  int version = 2;
  std::vector<DslComponent> components;
  std::unordered_map<std::string_view, int> index;  // name -> position in `components`
  std::string provider;                             // DSL-global provider, optional

  int Find(std::string_view name) const {
    auto it = index.find(name);
    return it == index.end() ? -1 : it->second;
  }
};

// Parses and checks the shape of a DSL (FATE's _init_components and _find_outputs, plus the
// input shapes of _find_dependencies): components present, module named, names legal (v2:
// letters, digits, '_' and '-'; v1 training DSLs: "<prefix>_<index>" with indices 0..n-1 and
// one module per prefix), inputs and outputs of the right types. References between
// components are resolved later (BuildDag). Unusual but harmless content adds a warning.
Result<Dsl> ParseDsl(const Json& dsl, int version, JobMode mode,
                     std::vector<std::string>* warnings);

// The data keys FATE's platform knows; other keys only warn (v2).
bool IsKnownDataKey(const std::string& key);

}  // namespace fedflow::plan
