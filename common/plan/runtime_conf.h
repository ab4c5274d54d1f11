#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/json_util.h"
#include "common/plan/dsl.h"
#include "common/plan/module_registry.h"
#include "common/status.h"

namespace fedflow::plan {

// The parties of one role, in conf order (a party's index is its position here).
struct RoleParties {
  Role role;
  std::vector<int64_t> party_ids;
};

// A key of a per-role section: "all", "<i>" or "<i>|<j>|...".
struct PartySelector {
  std::string key;
  bool all = false;
  std::vector<int> indices;
  bool Matches(int index) const;
};

// One entry of job_parameters.role.<role> or component_parameters.role.<role>.
struct RoleSection {
  PartySelector selector;
  const Json* value = nullptr;  // the object under the key
  // component_parameters only: component name -> its parameters in this section.
  std::unordered_map<std::string_view, const Json*> components;
};

// DSL v1 role_parameters.<role>.
struct V1RoleParameters {
  const Json* args_data = nullptr;  // role_parameters.<role>.args.data
  std::unordered_map<std::string_view, const Json*> components;
};

// A runtime conf, checked for shape and indexed for the planner. Points into the Json it was
// parsed from (its maps view that Json's keys), which must outlive it and stay unchanged. Both
// versions: v1 (flat job_parameters, algorithm_parameters, role_parameters lists indexed by party
// position, args.data inputs) and v2 (job_parameters and component_parameters with common and role
// sections).
struct RuntimeConf {
  const Json* json = nullptr;
  int version = 1;  // dsl_version; 1 when absent
  Role initiator_role = Role::kGuest;
  int64_t initiator_party_id = 0;
  std::vector<RoleParties> roles;              // conf order
  std::array<int, kNumRoles> role_position{};  // Role -> index into `roles`, or -1
  std::optional<JobMode> job_type;             // job_parameters' job_type, if given

  // v2
  const Json* job_common = nullptr;
  std::array<std::vector<RoleSection>, kNumRoles> job_role;
  std::unordered_map<std::string_view, const Json*> component_common;
  std::array<std::vector<RoleSection>, kNumRoles> component_role;

  // v1
  const Json* job_parameters_v1 = nullptr;
  std::unordered_map<std::string_view, const Json*> algorithm_parameters;
  std::array<V1RoleParameters, kNumRoles> role_parameters;

  const RoleParties* FindRole(Role role) const {
    int p = role_position[static_cast<int>(role)];
    return p < 0 ? nullptr : &roles[p];
  }
  size_t NumParties(Role role) const {
    const RoleParties* r = FindRole(role);
    return r == nullptr ? 0 : r->party_ids.size();
  }
};

// Reads a conf's dsl_version (1 when absent).
Result<int> ConfVersion(const Json& conf);

// Parses a party id as FATE does (int(x)): a JSON integer or a string holding one.
Result<int64_t> ParsePartyId(const Json& j, const std::string& path);

// Checks the conf's shape: initiator with role and integer party_id, role lists of integer
// party ids under known role names (no duplicates), parameter sections of the right types,
// role-section keys "all" / "i" / "i|j". Whether the initiator is among the parties, and
// parameter names and v1 list lengths, are checked later by the planner.
Result<RuntimeConf> ParseRuntimeConf(const Json& conf, std::vector<std::string>* warnings);

}  // namespace fedflow::plan
