// The module registry: FATE's modules from the compiled-in reference data, fedflow's own,
// and parameter schemas (union of FATE versions, nested parameter classes).
#include "common/plan/module_registry.h"

#include <algorithm>

#include "tests/harness/test_util.h"
#include "tests/plan/plan_test_util.h"

namespace fedflow::plan {
namespace {

class ModuleRegistryTest : public testing::FedflowTest {};

TEST_F(ModuleRegistryTest, FateModulesHaveTheirRoles) {
  const ModuleRegistry& r = Registry();
  // The 51 FATE modules of fate-modules.tsv, plus fedflow's own (Probe and later ones).
  int fate = 0;
  for (const std::string& name : r.Names()) fate += r.Find(name)->provider == "fate";
  EXPECT_EQ(51, fate);
  EXPECT_GT(r.size(), 51u);
  const ModuleInfo* reader = r.Find("Reader");
  ASSERT_NE(nullptr, reader);
  EXPECT_TRUE(reader->RunsOn(Role::kGuest));
  EXPECT_TRUE(reader->RunsOn(Role::kHost));
  EXPECT_FALSE(reader->RunsOn(Role::kArbiter));
  const ModuleInfo* lr = r.Find("HeteroLR");
  ASSERT_NE(nullptr, lr);
  EXPECT_TRUE(lr->RunsOn(Role::kArbiter));
  EXPECT_EQ("fate", lr->provider);
  const ModuleInfo* upload = r.Find("Upload");
  ASSERT_NE(nullptr, upload);
  EXPECT_EQ(RoleBit(Role::kLocal), upload->roles);
  EXPECT_EQ(nullptr, r.Find("CustNN"));  // in the parameter data, but no runner anywhere
  EXPECT_EQ(nullptr, r.Find("heterolr"));
}

TEST_F(ModuleRegistryTest, NeedDeployDefaultsFollowFateSettings) {
  EXPECT_FALSE(Registry().Find("Evaluation")->need_deploy);
  EXPECT_FALSE(Registry().Find("FederatedSample")->need_deploy);
  EXPECT_FALSE(Registry().Find("PSI")->need_deploy);
  EXPECT_TRUE(Registry().Find("DataIO")->need_deploy);
}

TEST_F(ModuleRegistryTest, SchemaIsTheUnionOfFateVersions) {
  const ParamSchema* s = Registry().Find("HeteroLR")->schema.get();
  ASSERT_NE(nullptr, s);
  EXPECT_NE(ParamSchema::kNone, s->Find(ParamSchema::kRoot, "max_iter"));
  EXPECT_NE(ParamSchema::kNone, s->Find(ParamSchema::kRoot, "callback_param"));  // 1.11 only
  EXPECT_EQ(ParamSchema::kNone, s->Find(ParamSchema::kRoot, "eps"));             // FATE 1.4 only
  int encrypt = s->Find(ParamSchema::kRoot, "encrypt_param");
  EXPECT_TRUE(s->IsClass(encrypt));
  EXPECT_NE(ParamSchema::kNone, s->Find(encrypt, "key_length"));
  EXPECT_FALSE(s->IsClass(s->Find(ParamSchema::kRoot, "max_iter")));
  // Modules without parameter data are known but unchecked.
  EXPECT_EQ(nullptr, Registry().Find("FeldmanVerifiableSum")->schema);
}

TEST_F(ModuleRegistryTest, ProbeIsFedflowsDiagnosticModule) {
  const ModuleInfo* probe = Registry().Find("Probe");
  ASSERT_NE(nullptr, probe);
  EXPECT_EQ("fedflow", probe->provider);
  for (Role role : {Role::kGuest, Role::kHost, Role::kArbiter, Role::kLocal}) {
    EXPECT_TRUE(probe->RunsOn(role)) << RoleName(role);
  }
  EXPECT_EQ(J(R"({"sleep_ms": 0, "fail": false, "crash": false, "ignore_sigterm": false,
                  "fail_attempts": 0, "track": false})"),
            probe->defaults);
  EXPECT_EQ(std::vector<std::string>{"data"}, probe->inputs);
  EXPECT_EQ(std::vector<std::string>{"data"}, probe->outputs);
  // Its parameters are checked like any module's.
  auto plan = PlanTexts(R"({"components": {"probe_0": {"module": "Probe"}}})",
                        V2Conf(R"({"common": {"probe_0": {"sleep_ms": 5, "slow": true}}})"));
  ExpectError(plan, {"component probe_0 (module Probe): unknown parameter \"slow\""});
}

TEST_F(ModuleRegistryTest, ModulesCanBeRegisteredInCode) {
  ModuleRegistry r;
  ASSERT_OK(RegisterFedflowModules(&r));
  auto info =
      MakeModule("Echo", {Role::kGuest}, "fedflow",
                 J(R"({"times": 1, "opts": {"__param_class__": "EchoOpts", "loud": false}})"));
  ASSERT_OK(info);
  EXPECT_TRUE(info->schema->IsClass(info->schema->Find(ParamSchema::kRoot, "opts")));
  ASSERT_OK(r.Register(*info));
  Status dup = r.Register(*info);
  EXPECT_TRUE(dup.IsAlreadyExists()) << dup.ToString();
  info->roles = RoleBit(Role::kHost);
  r.Upsert(*info);
  EXPECT_TRUE(r.Find("Echo")->RunsOn(Role::kHost));
  std::vector<std::string> names = r.Names();
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ("Echo", names.front());
  EXPECT_NE(names.end(), std::find(names.begin(), names.end(), "Probe"));
}

TEST_F(ModuleRegistryTest, BrokenReferenceDataIsAnError) {
  ModuleRegistry r;
  Status s = RegisterFateModulesFrom("module\troles\nX\tguest,boss\n", "{}", &r);
  EXPECT_NE(std::string::npos, s.message().find("unknown role \"boss\"")) << s.ToString();
  s = RegisterFateModulesFrom("module\troles\n", "{", &r);
  EXPECT_NE(std::string::npos, s.message().find("fate-module-params.json: invalid JSON"))
      << s.ToString();
}

}  // namespace
}  // namespace fedflow::plan
