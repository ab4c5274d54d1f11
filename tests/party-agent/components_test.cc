// The pieces of fedflow-task that run inside one process: parameters, Probe's parameter schema,
// the registry, the stop signal and TaskContext.
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "party-agent/components/component.h"
#include "party-agent/components/parameter_reader.h"
#include "party-agent/components/probe.h"
#include "party-agent/components/registry.h"
#include "party-agent/components/stop_signal.h"
#include "party-agent/components/task_spec.h"
#include "tests/harness/test_util.h"

namespace fedflow {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class ComponentsTest : public testing::FedflowTest {};

TEST_F(ComponentsTest, ParameterReaderReadsTypesAndRejectsUnknownKeys) {
  Json params = {{"n", 3}, {"flag", true}, {"name", "x"}, {"need_run", true}};
  ParameterReader reader("Mod", params);
  int64_t n = 0;
  bool flag = false;
  std::string name;
  int64_t absent = 42;
  ASSERT_OK(reader.ReadInt("n", &n));
  ASSERT_OK(reader.ReadBool("flag", &flag));
  ASSERT_OK(reader.ReadString("name", &name));
  ASSERT_OK(reader.ReadInt("absent", &absent));
  EXPECT_EQ(3, n);
  EXPECT_TRUE(flag);
  EXPECT_EQ("x", name);
  EXPECT_EQ(42, absent);
  EXPECT_OK(reader.CheckNoUnknown());

  Json extra = {{"n", 3}, {"m", 4}};
  ParameterReader strict("Mod", extra);
  ASSERT_OK(strict.ReadInt("n", &n));
  Status s = strict.CheckNoUnknown();
  EXPECT_TRUE(s.IsInvalidArgument());
  EXPECT_EQ("Mod: unknown parameter \"m\" (Mod takes: n, need_run)", s.message());

  Json not_object = Json::array();
  ParameterReader bad("Mod", not_object);
  EXPECT_TRUE(bad.ReadInt("n", &n).IsInvalidArgument());
}

TEST_F(ComponentsTest, ProbeParams) {
  auto p = Probe::ParseParams(Json{{"sleep_ms", 5},
                                   {"fail", true},
                                   {"crash", false},
                                   {"ignore_sigterm", true},
                                   {"fail_attempts", 2},
                                   {"need_run", true}});
  ASSERT_OK(p);
  EXPECT_EQ(5, p->sleep_ms);
  EXPECT_TRUE(p->fail);
  EXPECT_FALSE(p->crash);
  EXPECT_TRUE(p->ignore_sigterm);
  EXPECT_EQ(2, p->fail_attempts);
  auto defaults = Probe::ParseParams(Json::object());
  ASSERT_OK(defaults);
  EXPECT_EQ(0, defaults->sleep_ms);
  EXPECT_FALSE(defaults->fail);

  EXPECT_EQ("Probe: parameter \"fail\": expected a boolean, got integer",
            Probe::ParseParams(Json{{"fail", 1}}).status().message());
  EXPECT_NE(std::string::npos,
            Probe::ParseParams(Json{{"sleep_ms", -1}}).status().message().find("\"sleep_ms\""));
  EXPECT_NE(std::string::npos, Probe::ParseParams(Json{{"crash_now", true}})
                                   .status()
                                   .message()
                                   .find("unknown parameter \"crash_now\""));
}

TEST_F(ComponentsTest, RegistryCreatesBuiltInModulesAndNamesMissingOnes) {
  const ComponentRegistry& registry = ComponentRegistry::BuiltIn();
  EXPECT_TRUE(registry.Contains("Probe"));
  ASSERT_OK(registry.Create("Probe"));
  auto missing = registry.Create("HeteroSecureBoost");
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_EQ("module \"HeteroSecureBoost\" is not available on this agent",
            missing.status().message());

  ComponentRegistry mine;
  ASSERT_OK(mine.Register("Probe", [] { return std::make_unique<Probe>(); }));
  EXPECT_TRUE(mine.Register("Probe", [] { return std::make_unique<Probe>(); }).IsAlreadyExists());
  EXPECT_EQ(std::vector<std::string>{"Probe"}, mine.Modules());
}

TEST_F(ComponentsTest, SleepEndsEarlyWhenTheTaskIsStopped) {
  auto stop = StopSignal::Create();
  ASSERT_OK(stop);
  TaskLaunch launch;
  launch.key = TaskKey{"j1", "probe_0", "host", 10000, 3};
  launch.module = "Probe";
  TaskContext ctx(launch, stop->get());
  EXPECT_EQ("job=j1 task=probe_0/host/10000 v3: ", ctx.LogPrefix());
  EXPECT_OK(ctx.SleepFor(1));
  EXPECT_FALSE(ctx.should_stop());

  auto t0 = Clock::now();
  std::thread raiser([&] {
    // Raise once the sleeper is (very likely) waiting; either order must end the sleep.
    (*stop)->WaitFor(20);
    (*stop)->Raise();
  });
  Status s = ctx.SleepFor(600000);
  raiser.join();
  EXPECT_TRUE(s.IsAborted()) << s.ToString();
  EXPECT_TRUE(ctx.should_stop());
  EXPECT_LT(Clock::now() - t0, milliseconds(10000));
  EXPECT_TRUE(ctx.SleepFor(600000).IsAborted());
}

TEST_F(ComponentsTest, TaskJsonRoundTripAndResultFiles) {
  TaskLaunch l;
  l.key = TaskKey{"j1", "probe_0", "arbiter", 10000, 2};
  l.module = "Probe";
  l.component_parameters = Json{{"sleep_ms", 1}};
  l.agent_endpoint = "127.0.0.1:1";
  auto back = TaskLaunchFromJson(TaskLaunchToJson(l));
  ASSERT_OK(back);
  EXPECT_EQ(l.key, back->key);
  EXPECT_EQ("Probe", back->module);
  EXPECT_EQ(l.component_parameters, back->component_parameters);
  EXPECT_EQ("127.0.0.1:1", back->agent_endpoint);

  auto dir = TaskWorkDir("/data", l.key);
  ASSERT_OK(dir);
  EXPECT_EQ("/data/jobs/j1/arbiter/10000/probe_0/2", *dir);
  EXPECT_TRUE(
      TaskWorkDir("/data", TaskKey{"j1", "..", "guest", 1, 0}).status().IsInvalidArgument());

  EXPECT_TRUE(ReadTaskResult(test_dir()).status().IsNotFound());
  ASSERT_OK(WriteTaskResult(test_dir(), TaskResult{"failed", "boom"}));
  auto r = ReadTaskResult(test_dir());
  ASSERT_OK(r);
  EXPECT_EQ("failed", r->party_status);
  EXPECT_EQ("boom", r->error);
  testing::WriteFileOrDie(test_dir() + "/result.json", R"({"party_status": "done"})");
  EXPECT_TRUE(ReadTaskResult(test_dir()).status().IsInvalidArgument());
}

}  // namespace
}  // namespace fedflow
