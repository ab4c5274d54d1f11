#pragma once

// Helpers shared by the planner's tests: JSON from text, planning from text, and finding
// parties and tasks in a Plan.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/json_util.h"
#include "common/plan/module_registry.h"
#include "common/plan/plan.h"

namespace fedflow::plan {

// Parses `text`; a parse error fails the test (and returns null).
inline Json J(std::string_view text) {
  auto r = ParseJson(text, "test JSON");
  if (!r.ok()) {
    ADD_FAILURE() << r.status().ToString();
    return Json();
  }
  return std::move(r).value();
}

inline const ModuleRegistry& Registry() {
  auto r = BuiltinModuleRegistry();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return **r;
}

inline Result<Plan> PlanTexts(std::string_view dsl, std::string_view conf,
                              const PlanOptions& options = {}) {
  Json d = J(dsl);
  Json c = J(conf);
  JobInput job;
  job.dsl = &d;
  job.conf = &c;
  return PlanJob(job, Registry(), options);
}

inline Result<Plan> PlanJsons(const Json& dsl, const Json& conf, const PlanOptions& options = {}) {
  JobInput job;
  job.dsl = &dsl;
  job.conf = &conf;
  return PlanJob(job, Registry(), options);
}

// The party, or a test failure and a static empty party.
inline const PartyPlan& Party(const Plan& plan, Role role, int64_t id) {
  static const PartyPlan kNone;
  const PartyPlan* p = plan.FindParty(role, id);
  EXPECT_NE(nullptr, p) << RoleName(role) << " " << id << " not in the plan";
  return p ? *p : kNone;
}

// The task's parameters, or a test failure and null.
inline Json Params(const Plan& plan, Role role, int64_t id, const std::string& component) {
  const PlannedTask* t = Party(plan, role, id).FindTask(component);
  EXPECT_NE(nullptr, t) << component << " has no task on " << RoleName(role) << " " << id;
  return t ? t->parameters : Json();
}

// Expects `r` to fail with a message containing every one of `parts`.
template <typename T>
void ExpectError(const Result<T>& r, const std::vector<std::string>& parts) {
  ASSERT_FALSE(r.ok()) << "expected an error containing " << (parts.empty() ? "" : parts[0]);
  EXPECT_TRUE(r.status().IsInvalidArgument()) << r.status().ToString();
  for (const std::string& p : parts) {
    EXPECT_NE(std::string::npos, r.status().message().find(p))
        << "message: " << r.status().message() << "\nmissing: " << p;
  }
}

// A v2 conf with one guest (9999), one host (10000) and one arbiter (10000) and the given
// component_parameters (JSON text).
inline std::string V2Conf(std::string_view component_parameters = "{}",
                          std::string_view job_parameters = "{}") {
  return std::string(R"({"dsl_version": 2,
      "initiator": {"role": "guest", "party_id": 9999},
      "role": {"guest": [9999], "host": [10000], "arbiter": [10000]},
      "job_parameters": )") +
         std::string(job_parameters) + R"(, "component_parameters": )" +
         std::string(component_parameters) + "}";
}

}  // namespace fedflow::plan
