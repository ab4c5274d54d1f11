// DSL shape checks (FATE's §1.4 error classes) and the DAG: edges, topological order,
// levels, cycles.
#include <string>
#include <vector>

#include "tests/harness/test_util.h"
#include "tests/plan/plan_test_util.h"

namespace fedflow::plan {
namespace {

class DagTest : public testing::FedflowTest {
 protected:
  // A v2 DSL of Probe components (they run on every role); `edges` are "up>down" pairs,
  // each a data input of `down` from `up`. Components are declared in `names` order.
  static Json ProbeDsl(const std::vector<std::string>& names,
                       const std::vector<std::pair<std::string, std::string>>& edges) {
    Json components = Json::object();
    for (const std::string& n : names) {
      components[n] = {{"module", "Probe"}, {"output", {{"data", {"data"}}}}};
    }
    for (const auto& [up, down] : edges) {
      components[down]["input"]["data"]["data"].push_back(up + ".data");
    }
    return Json{{"components", components}};
  }

  static Result<Plan> PlanDsl(const Json& dsl) { return PlanJsons(dsl, J(V2Conf())); }
};

TEST_F(DagTest, ChainHasOneComponentPerLevel) {
  auto plan = PlanDsl(ProbeDsl({"a", "b", "c"}, {{"a", "b"}, {"b", "c"}}));
  ASSERT_OK(plan);
  EXPECT_EQ((std::vector<std::string>{"a", "b", "c"}), plan->topological_order);
  EXPECT_EQ((std::vector<std::vector<std::string>>{{"a"}, {"b"}, {"c"}}), plan->levels);
  EXPECT_EQ(std::vector<std::string>{"a"}, plan->FindComponent("b")->upstream);
  EXPECT_EQ(std::vector<std::string>{"c"}, plan->FindComponent("b")->downstream);
  EXPECT_EQ(2, plan->FindComponent("c")->level);
}

TEST_F(DagTest, DiamondJoinsAtTheDeepestLevel) {
  // d is declared first: the topological order still puts it last.
  auto plan =
      PlanDsl(ProbeDsl({"d", "c", "b", "a"}, {{"a", "b"}, {"a", "c"}, {"b", "d"}, {"c", "d"}}));
  ASSERT_OK(plan);
  EXPECT_EQ((std::vector<std::string>{"a", "c", "b", "d"}), plan->topological_order);
  EXPECT_EQ((std::vector<std::vector<std::string>>{{"a"}, {"b", "c"}, {"d"}}), plan->levels);
  EXPECT_EQ((std::vector<std::string>{"b", "c"}), plan->FindComponent("a")->downstream);
  EXPECT_EQ((std::vector<std::string>{"b", "c"}), plan->FindComponent("d")->upstream);
}

TEST_F(DagTest, UnevenPathsTakeTheLongestForTheLevel) {
  // a -> d directly and a -> b -> c -> d: d is at level 3.
  auto plan =
      PlanDsl(ProbeDsl({"a", "b", "c", "d"}, {{"a", "d"}, {"a", "b"}, {"b", "c"}, {"c", "d"}}));
  ASSERT_OK(plan);
  EXPECT_EQ(3, plan->FindComponent("d")->level);
  EXPECT_EQ((std::vector<std::string>{"a", "c"}), plan->FindComponent("d")->upstream);
}

TEST_F(DagTest, FanInOfOneHundred) {
  std::vector<std::string> names;
  std::vector<std::pair<std::string, std::string>> edges;
  for (int i = 0; i < 100; ++i) {
    names.push_back("source_" + std::to_string(i));
    edges.emplace_back(names.back(), "sink");
  }
  names.push_back("sink");
  auto plan = PlanDsl(ProbeDsl(names, edges));
  ASSERT_OK(plan);
  const PlannedComponent* sink = plan->FindComponent("sink");
  ASSERT_EQ(100u, sink->upstream.size());
  EXPECT_TRUE(std::is_sorted(sink->upstream.begin(), sink->upstream.end()));
  EXPECT_EQ("source_0", sink->upstream.front());
  EXPECT_EQ("source_99", sink->upstream.back());
  ASSERT_EQ(2u, plan->levels.size());
  EXPECT_EQ(100u, plan->levels[0].size());
  EXPECT_EQ(std::vector<std::string>{"sink"}, plan->levels[1]);
  EXPECT_EQ("sink", plan->topological_order.back());
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(std::vector<std::string>{"sink"},
              plan->FindComponent("source_" + std::to_string(i))->downstream);
  }
}

TEST_F(DagTest, IsolatedComponentsAreSourcesInDslOrder) {
  auto plan = PlanDsl(ProbeDsl({"lonely", "a", "b", "alone"}, {{"a", "b"}}));
  ASSERT_OK(plan);
  EXPECT_EQ((std::vector<std::string>{"lonely", "a", "b", "alone"}), plan->topological_order);
  EXPECT_EQ((std::vector<std::string>{"a", "alone", "lonely"}), plan->levels[0]);
  EXPECT_TRUE(plan->FindComponent("lonely")->upstream.empty());
  EXPECT_TRUE(plan->FindComponent("lonely")->downstream.empty());
  // Every party with the Probe's roles runs every component.
  EXPECT_EQ(4u, Party(*plan, Role::kArbiter, 10000).tasks.size());
}

TEST_F(DagTest, RepeatedInputsMakeOneEdge) {
  Json dsl = ProbeDsl({"a", "b"}, {{"a", "b"}, {"a", "b"}});
  dsl["components"]["b"]["input"]["data"]["train_data"] = {"a.data"};
  auto plan = PlanDsl(dsl);
  ASSERT_OK(plan);
  EXPECT_EQ(std::vector<std::string>{"a"}, plan->FindComponent("b")->upstream);
  EXPECT_EQ(std::vector<std::string>{"b"}, plan->FindComponent("a")->downstream);
}

TEST_F(DagTest, CycleIsNamed) {
  auto plan = PlanDsl(ProbeDsl({"a", "b", "c"}, {{"a", "b"}, {"b", "c"}, {"c", "a"}}));
  ExpectError(plan, {"dependency loop: a -> b -> c -> a"});
}

TEST_F(DagTest, SelfLoopIsNamed) {
  auto plan = PlanDsl(ProbeDsl({"x", "a"}, {{"x", "a"}, {"a", "a"}}));
  ExpectError(plan, {"dependency loop: a -> a"});
}

TEST_F(DagTest, CycleBehindValidComponentsIsFoundAndNamedWithoutThem) {
  // r feeds the loop b -> c -> b, and d hangs below it: only the loop is named.
  auto plan =
      PlanDsl(ProbeDsl({"r", "d", "b", "c"}, {{"r", "b"}, {"c", "b"}, {"b", "c"}, {"c", "d"}}));
  ASSERT_FALSE(plan.ok());
  const std::string& m = plan.status().message();
  EXPECT_TRUE(m.find("b -> c -> b") != std::string::npos ||
              m.find("c -> b -> c") != std::string::npos)
      << m;
  EXPECT_EQ(std::string::npos, m.find("r ->")) << m;
}

TEST_F(DagTest, LongChainPlansWithoutDeepRecursion) {
  std::vector<std::string> names;
  std::vector<std::pair<std::string, std::string>> edges;
  for (int i = 0; i < 5000; ++i) {
    names.push_back("c" + std::to_string(i));
    if (i > 0) edges.emplace_back(names[i - 1], names[i]);
  }
  edges.emplace_back(names.back(), names.front());  // and close it into one big loop
  auto plan = PlanDsl(ProbeDsl(names, edges));
  ExpectError(plan, {"dependency loop: c0 -> c1 -> c2", "c4999 -> c0"});
}

TEST_F(DagTest, DataInputMustNameAnOutputOfTheUpstream) {
  auto plan = PlanTexts(R"({"components": {
      "reader_0": {"module": "Reader", "output": {"data": ["data"]}},
      "intersection_0": {"module": "Intersection", "input": {"data": {"data": ["reader_0.data"]}},
                         "output": {"data": ["data"]}},
      "hetero_lr_0": {"module": "HeteroLR",
                      "input": {"data": {"train_data": ["intersection_0.train"]}}}}})",
                        V2Conf());
  ExpectError(plan, {"component hetero_lr_0: data input \"intersection_0.train\": intersection_0 "
                     "has no output data named \"train\" (it has: data)"});
}

TEST_F(DagTest, InputFromAMissingComponent) {
  auto plan = PlanDsl(ProbeDsl({"a"}, {{"ghost", "a"}}));
  ExpectError(plan, {"component a: data input \"ghost.data\": there is no component ghost"});
}

TEST_F(DagTest, ModelInputsAreEdgesAndNeedAModelOutput) {
  const char* dsl = R"({"components": {
      "a": {"module": "Probe", "output": {"data": ["data"], "model": ["m"]}},
      "b": {"module": "Probe", "input": {"model": ["a.m"]}},
      "c": {"module": "Probe", "input": {"isometric_model": ["a.m"]}},
      "d": {"module": "Probe", "input": {"cache": ["a.m"]}}}})";
  auto plan = PlanTexts(dsl, V2Conf());
  ExpectError(plan, {"component d: cache input \"a.m\": a has no output cache named \"m\" "
                     "(it has: none)"});
  Json fixed = J(dsl);
  fixed["components"]["d"]["input"]["cache"] = {"b.c"};
  fixed["components"]["b"]["output"]["cache"] = {"c"};
  auto ok = PlanJsons(fixed, J(V2Conf()));
  ASSERT_OK(ok);
  EXPECT_EQ((std::vector<std::string>{"b", "c"}), ok->FindComponent("a")->downstream);
  EXPECT_EQ(std::vector<std::string>{"b"}, ok->FindComponent("d")->upstream);

  Json wrong_alias = J(dsl);
  wrong_alias["components"]["b"]["input"]["model"] = {"a.model"};
  ExpectError(PlanJsons(wrong_alias, J(V2Conf())),
              {"component b: model input \"a.model\": a has no output model named \"model\" "
               "(it has: m)"});
}

TEST_F(DagTest, ArgsInputsAreOnlyForDslV1) {
  auto plan = PlanDsl(ProbeDsl({"a"}, {{"args", "a"}}));
  ExpectError(plan, {"there is no component args", "only in DSL v1"});
}

TEST_F(DagTest, UnknownModuleIsNamedWithASuggestion) {
  auto plan = PlanTexts(R"({"components": {"x_0": {"module": "Dataio"}}})", V2Conf());
  ExpectError(plan, {"component x_0: unknown module Dataio", "did you mean DataIO?"});
}

struct ShapeCase {
  const char* dsl;
  const char* error;
};

class DslShapeTest : public DagTest, public ::testing::WithParamInterface<ShapeCase> {};

TEST_P(DslShapeTest, IsRejectedWithItsMessage) {
  auto plan = PlanTexts(GetParam().dsl, V2Conf());
  ExpectError(plan, {GetParam().error});
}

INSTANTIATE_TEST_SUITE_P(
    Errors, DslShapeTest,
    ::testing::Values(
        ShapeCase{"[]", "the DSL must be a JSON object, got array"},
        ShapeCase{"{}", "the DSL is empty"},
        ShapeCase{R"({"component": {}})", "the DSL has no \"components\" field"},
        ShapeCase{R"({"components": []})", "components must be an object"},
        ShapeCase{R"({"components": {}})", "the DSL has no components"},
        ShapeCase{R"({"components": {"a": 1}})", "component a: expected an object, got integer"},
        ShapeCase{R"({"components": {"a": {"input": {}}}})",
                  "component a: the DSL gives no module"},
        ShapeCase{R"({"components": {"a": {"module": 3}}})", "component a: module must be"},
        ShapeCase{R"({"components": {"a b": {"module": "Probe"}}})",
                  "component \"a b\": a component name may only contain"},
        ShapeCase{R"({"components": {"a": {"module": "Probe", "output": []}}})",
                  "component a: output must be an object, got array"},
        ShapeCase{R"({"components": {"a": {"module": "Probe", "output": {"data": "x"}}}})",
                  "component a: output data must be a list, got string"},
        ShapeCase{R"({"components": {"a": {"module": "Probe", "output": {"model": [1]}}}})",
                  "component a: output model entries must be strings, got integer"},
        ShapeCase{R"({"components": {"a": {"module": "Probe", "input": ["x"]}}})",
                  "component a: input must be an object, got array"},
        ShapeCase{R"({"components": {"a": {"module": "Probe", "input": {"data": ["x.y"]}}}})",
                  "component a: input data must be an object keyed by data role"},
        ShapeCase{R"({"components": {"a": {"module": "Probe",
                                           "input": {"data": {"data": "x.y"}}}}})",
                  "component a: input data.data must be a list, got string"},
        ShapeCase{R"({"components": {"a": {"module": "Probe",
                                           "input": {"data": {"data": [7]}}}}})",
                  "component a: data.data input entries must be strings"},
        ShapeCase{R"({"components": {"a": {"module": "Probe",
                                           "input": {"data": {"data": ["nodot"]}}}}})",
                  "component a: data.data input \"nodot\": expected \"<component>.<output name>\""},
        ShapeCase{R"({"components": {"a": {"module": "Probe", "input": {"model": "b.m"}}}})",
                  "component a: input model must be a list, got string"},
        ShapeCase{R"({"components": {"a": {"module": "Probe", "need_deploy": "yes"}}})",
                  "component a: need_deploy must be true or false"}));

class DslV1NamingTest : public DagTest {
 protected:
  static Result<Plan> PlanV1(const char* dsl) {
    return PlanTexts(dsl, R"({"initiator": {"role": "guest", "party_id": 1},
                              "role": {"guest": [1]}})");
  }
};

TEST_F(DslV1NamingTest, NamesArePrefixUnderscoreIndex) {
  ExpectError(PlanV1(R"({"components": {"dataio": {"module": "Probe"}}})"),
              {"component dataio: a DSL v1 component name must be <prefix>_<index>"});
  ExpectError(PlanV1(R"({"components": {"dataio_x": {"module": "Probe"}}})"),
              {"component dataio_x: a DSL v1 component name must end in _<index>"});
  ExpectError(PlanV1(R"({"components": {"probe_0": {"module": "Probe"},
                                         "probe_2": {"module": "Probe"}}})"),
              {"components named probe_<index> must be numbered 0..1", "probe_1 is missing"});
  ExpectError(PlanV1(R"({"components": {"x_0": {"module": "Probe"},
                                         "x_1": {"module": "Evaluation"}}})"),
              {"component x_1: prefix \"x\" is used for module Evaluation but x_0 uses it for "
               "module Probe"});
  ASSERT_OK(PlanV1(R"({"components": {"probe_1": {"module": "Probe"},
                                       "probe_0": {"module": "Probe"}}})"));
}

TEST_F(DagTest, UnusualDslContentOnlyWarns) {
  auto plan = PlanTexts(R"({"components": {
      "a": {"module": "Probe", "output": {"data": ["data"]}, "need_run": false},
      "b": {"module": "Probe", "input": {"data": {"data_0": ["a.data"]}, "extra": []}}}})",
                        V2Conf());
  ASSERT_OK(plan);
  std::string all;
  for (const std::string& w : plan->warnings) all += w + "\n";
  EXPECT_NE(std::string::npos, all.find("component a: DSL key \"need_run\" is not a DSL field"))
      << all;
  EXPECT_NE(std::string::npos, all.find("input data key \"data_0\" is not one of")) << all;
  EXPECT_NE(std::string::npos, all.find("input key \"extra\"")) << all;
}

TEST_F(DagTest, PredictModeModelInputsAreNotEdges) {
  // In a predict DSL, model inputs name the trained pipeline ("pipeline.<cpn>.<model>").
  Json dsl = J(R"({"components": {
      "reader_0": {"module": "Reader", "output": {"data": ["data"]}},
      "data_transform_0": {"module": "DataTransform",
          "input": {"data": {"data": ["reader_0.data"]}, "model": ["pipeline.data_transform_0.model"]},
          "output": {"data": ["data"]}}}})");
  auto train = PlanJsons(dsl, J(V2Conf()));
  ExpectError(train, {"model input \"pipeline.data_transform_0.model\": there is no component "
                      "pipeline (pipeline.<component>.<model> inputs belong in predict DSLs)"});
}

}  // namespace
}  // namespace fedflow::plan
