#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"

namespace fedflow {

// The parameter fedflow-task itself handles in every component's parameters.
inline constexpr char kNeedRunParameter[] = "need_run";

// Reads a component's parameters (component_parameters of task.json) by name and type, and then
// rejects any name the component did not ask for, as FATE rejects a "redundant parameter".
// Errors name the module and the key:
//   Probe: parameter "sleep_ms": expected an integer, got string
//   Probe: unknown parameter "sleeps_ms" (Probe takes: sleep_ms, fail, need_run)
// Each Read* leaves *out (the default) unchanged when the key is absent. Used by one component
// on one thread; holds a reference to `params`, which must outlive it.
class ParameterReader {
 public:
  ParameterReader(std::string module, const Json& params);

  Status ReadInt(const std::string& key, int64_t* out);
  Status ReadBool(const std::string& key, bool* out);
  Status ReadString(const std::string& key, std::string* out);
  // Any JSON value (objects such as Reader's `table`); *out is null when the key is absent.
  Status ReadJson(const std::string& key, const Json** out);

  // Fails on the first key that no Read* asked for; need_run is always allowed. Also fails if
  // the parameters are not a JSON object.
  Status CheckNoUnknown() const;

 private:
  // Returns the member or nullptr; records the key as known.
  Result<const Json*> Find(const std::string& key);
  std::string KeyPath(const std::string& key) const;

  const std::string module_;
  const Json& params_;
  std::vector<std::string> known_;
};

}  // namespace fedflow
