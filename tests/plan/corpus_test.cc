// Conformance over FATE's example corpus (tests/data/fate-corpus, MANIFEST.tsv): every pair
// FATE accepts plans, the pairs FATE rejects are rejected with a matching error, and every
// plan is internally consistent (topological order, levels, placement by module roles, the
// documented JSON shape).
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/plan/plan_render.h"
#include "common/plan/predict.h"
#include "tests/harness/test_util.h"
#include "tests/plan/plan_test_util.h"

namespace fedflow::plan {
namespace {

struct Pair {
  std::string set, dsl, conf, job_type, train_dsl, train_conf;
  int dsl_version = 2;
  bool predict = false;
  std::string Name() const { return conf + " (dsl " + dsl + ")"; }
};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> cols;
  std::string col;
  std::istringstream in(line);
  while (std::getline(in, col, '\t')) cols.push_back(col);
  if (!line.empty() && line.back() == '\t') cols.emplace_back();
  return cols;
}

std::vector<std::string> Keys(const Json& obj) {
  std::vector<std::string> keys;
  for (auto it = obj.begin(); it != obj.end(); ++it) keys.push_back(it.key());
  return keys;
}

class CorpusTest : public testing::FedflowTest {
 protected:
  static std::string Root() { return TestDataDir() + "/fate-corpus/"; }

  static std::vector<Pair> LoadManifest() {
    std::ifstream in(Root() + "MANIFEST.tsv");
    EXPECT_TRUE(in.good()) << "cannot read " << Root() << "MANIFEST.tsv";
    std::vector<Pair> pairs;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::vector<std::string> c = SplitTabs(line);
      if (c.size() < 12) {
        ADD_FAILURE() << "short MANIFEST line: " << line;
        continue;
      }
      Pair p;
      p.set = c[0];
      p.dsl = c[2];
      p.conf = c[3];
      p.job_type = c[7];
      p.dsl_version = c[8] == "1" ? 1 : 2;
      p.predict = c[7].rfind("predict", 0) == 0;
      if (p.predict) {
        size_t plus = c[11].find(" + ");
        EXPECT_NE(std::string::npos, plus) << line;
        p.train_dsl = c[11].substr(0, plus);
        p.train_conf = c[11].substr(plus + 3);
      }
      pairs.push_back(p);
    }
    return pairs;
  }

  static Json Load(const std::string& path) {
    return J(testing::ReadFileOrDie(Root() + "dsl/" + path));
  }

  // Plans a pair. A DSL v1 predict job is planned without its DSL (MANIFEST names the
  // training DSL there): the predict DSL is derived from the training DSL, as FATE does.
  // With `map_ids`, the predict conf's party ids are first mapped by position onto the
  // training conf's, as FATE's test tool does.
  static Result<Plan> PlanPair(const Pair& p, bool allow_unknown, bool map_ids) {
    Json conf = Load(p.conf);
    Json dsl = Load(p.dsl);
    Json train_dsl, train_conf;
    JobInput job;
    job.conf = &conf;
    job.dsl = &dsl;
    PlanOptions options;
    options.allow_unknown_params = allow_unknown;
    if (p.predict) {
      train_dsl = Load(p.train_dsl);
      train_conf = Load(p.train_conf);
      job.train_dsl = &train_dsl;
      job.train_conf = &train_conf;
      if (p.dsl_version == 1) job.dsl = nullptr;
      options.job_type = JobMode::kPredict;  // 3 confs only imply it through their testsuite
      if (map_ids) {
        ASSIGN_OR_RETURN(conf, MapPredictPartyIds(conf, train_conf));
      }
    }
    return PlanJob(job, Registry(), options);
  }

  // The predict party ids that the training conf lacks, as "<id>" strings.
  static std::vector<std::string> ForeignIds(const Pair& p) {
    Json conf = Load(p.conf);
    Json train = Load(p.train_conf);
    std::vector<std::string> ids;
    for (auto r = conf["role"].begin(); r != conf["role"].end(); ++r) {
      if (!train["role"].contains(r.key())) continue;
      for (const Json& id : *r) {
        bool found = false;
        for (const Json& t : train["role"][r.key()]) found |= DumpJson(t) == DumpJson(id);
        if (!found) ids.push_back(DumpJson(id));
      }
    }
    return ids;
  }

  // Everything a plan promises, checked against the registry and its own JSON.
  static void CheckInvariants(const Pair& pair, const Plan& plan) {
    SCOPED_TRACE(pair.Name());
    std::map<std::string, const PlannedComponent*> by_name;
    for (const PlannedComponent& c : plan.components) by_name[c.name] = &c;
    ASSERT_EQ(plan.components.size(), by_name.size());
    ASSERT_EQ(plan.components.size(), plan.topological_order.size());
    std::map<std::string, size_t> rank;
    for (size_t i = 0; i < plan.topological_order.size(); ++i) {
      rank[plan.topological_order[i]] = i;
    }
    ASSERT_EQ(plan.components.size(), rank.size());
    size_t in_levels = 0;
    for (size_t l = 0; l < plan.levels.size(); ++l) {
      EXPECT_TRUE(std::is_sorted(plan.levels[l].begin(), plan.levels[l].end()));
      for (const std::string& n : plan.levels[l]) EXPECT_EQ(int(l), by_name[n]->level) << n;
      in_levels += plan.levels[l].size();
    }
    EXPECT_EQ(plan.components.size(), in_levels);
    for (const PlannedComponent& c : plan.components) {
      int expected_level = 0;
      for (const std::string& up : c.upstream) {
        ASSERT_TRUE(by_name.count(up)) << up;
        EXPECT_LT(rank[up], rank[c.name]) << up << " -> " << c.name;
        expected_level = std::max(expected_level, by_name[up]->level + 1);
        const auto& down = by_name[up]->downstream;
        EXPECT_TRUE(std::binary_search(down.begin(), down.end(), c.name)) << up << " " << c.name;
      }
      EXPECT_EQ(expected_level, c.level) << c.name;
      EXPECT_TRUE(std::is_sorted(c.upstream.begin(), c.upstream.end()));
      EXPECT_TRUE(std::is_sorted(c.downstream.begin(), c.downstream.end()));
    }
    for (const PartyPlan& party : plan.parties) {
      std::vector<std::string> expected;
      for (const std::string& n : plan.topological_order) {
        const ModuleInfo* m = Registry().Find(by_name[n]->module);
        ASSERT_NE(nullptr, m);
        if (m->RunsOn(party.role)) expected.push_back(n);
      }
      EXPECT_EQ(expected, party.TaskNames()) << RoleName(party.role) << " " << party.party_id;
      for (const PlannedTask& t : party.tasks) EXPECT_TRUE(t.parameters.is_object());
    }
    Json j = PlanToJson(plan);
    std::vector<std::string> keys = {"dsl_version",       "job_type", "components",
                                     "topological_order", "levels",   "parties"};
    if (plan.dsl_version == 1 && plan.job_type == JobMode::kTrain) keys.push_back("predict_dsl");
    EXPECT_EQ(keys, Keys(j));
    for (auto r = j["parties"].begin(); r != j["parties"].end(); ++r) {
      for (auto p = r->begin(); p != r->end(); ++p) {
        std::vector<std::string> party_keys = {"tasks", "components_run", "job_parameters",
                                               "component_parameters"};
        if (plan.dsl_version == 1) party_keys.push_back("data_inputs");
        EXPECT_EQ(party_keys, Keys(*p));
        EXPECT_EQ((*p)["tasks"].size(), (*p)["component_parameters"].size());
      }
    }
  }
};

// Pairs FATE itself rejects, and the part of the message that names the problem.
const std::map<std::string, std::vector<std::string>>& FateRejects() {
  static const auto* rejects = new std::map<std::string, std::vector<std::string>>{
      {"min_test_task_fate1.6.1/config/test_intersect_job_conf.json",
       {"component dataio_0: data input \"args.train_data\": the conf has no "
        "role_parameters.guest.args.data.train_data"}},
      {"min_test_task_fate1.6.1/config/test_predict_conf.json",
       {"role_parameters.guest.args.data.eval_data: the list has 1 table but the conf has 0 "
        "guest parties"}},
      {"v1/experiment/config/test_hetero_lr_train_job_conf.json",
       {"component dataio_0 (module DataIO): unknown parameter \"label_idx\""}},
      {"v1/experiment/config/test_hetero_lr_train_job_conf_with_localbaseline.json",
       {"component dataio_0 (module DataIO): unknown parameter \"label_idx\""}},
      {"v1/experiment/config/test_predict_conf.json",
       {"training job: component dataio_0 (module DataIO): unknown parameter \"label_idx\""}},
  };
  return *rejects;
}

TEST_F(CorpusTest, EveryPairFateAcceptsPlansAndTheRestAreRejected) {
  std::vector<Pair> pairs = LoadManifest();
  ASSERT_EQ(694u, pairs.size());
  int planned = 0, predict_planned = 0, fate_rejected = 0, fml1x_unknown = 0, foreign = 0;
  size_t tasks = 0;
  std::map<std::string, std::string> either_way;
  for (const Pair& p : pairs) {
    SCOPED_TRACE(p.Name());
    Result<Plan> plan = PlanPair(p, /*allow_unknown=*/false, /*map_ids=*/false);
    // A predict conf naming parties that training lacks: an error naming them; FATE's test
    // tool maps them by position, and so does this test.
    if (!plan.ok() && p.predict &&
        plan.status().message().find("names parties that the training conf lacks") !=
            std::string::npos) {
      ++foreign;
      std::vector<std::string> ids = ForeignIds(p);
      EXPECT_FALSE(ids.empty());
      for (const std::string& id : ids) ExpectError(plan, {" " + id});
      plan = PlanPair(p, false, /*map_ids=*/true);
    }
    auto reject = FateRejects().find(p.conf);
    if (reject != FateRejects().end()) {
      ExpectError(plan, reject->second);
      ++fate_rejected;
      continue;
    }
    if (p.conf == "v1/homo_logistic_regression/test_spark_backend_job_conf.json" ||
        p.conf == "v2/feldman_verifiable_sum/test_feldman_verifiable_sum_conf.json" ||
        p.conf == "v2/secure_information_retrieval/test_secure_information_retrieval_conf.json") {
      either_way[p.conf] = plan.ok() ? "planned" : plan.status().message();
      if (plan.ok()) ++planned;
      continue;
    }
    if (p.set == "fml1x_fate1.4.5" && !plan.ok() &&
        plan.status().message().find("unknown parameter") != std::string::npos) {
      ++fml1x_unknown;
      continue;
    }
    ASSERT_OK(plan);
    CheckInvariants(p, *plan);
    ++planned;
    predict_planned += p.predict;
    for (const PartyPlan& party : plan->parties) tasks += party.tasks.size();
  }
  std::cout << "corpus: " << planned << " planned (" << predict_planned << " predict), " << tasks
            << " tasks in all\n";
  EXPECT_EQ(5, fate_rejected);
  EXPECT_EQ(8, foreign);
  EXPECT_EQ(68, fml1x_unknown);  // 67 pairs with unknown names + the short-list pair (it has both)
  EXPECT_EQ(619, planned);       // 694 - 5 - 68 - 2 either-way pairs fedflow rejects
  EXPECT_EQ(37, predict_planned);  // of 45: 2 FATE rejects, 6 fml1x with unknown names
  // The three pairs that may go either way.
  EXPECT_NE(std::string::npos,
            either_way["v1/homo_logistic_regression/test_spark_backend_job_conf.json"].find(
                "component homo_lr_0 (module HomoLR): unknown parameter \"eps\""));
  EXPECT_EQ("planned",
            either_way["v2/feldman_verifiable_sum/test_feldman_verifiable_sum_conf.json"]);
  EXPECT_NE(
      std::string::npos,
      either_way["v2/secure_information_retrieval/test_secure_information_retrieval_conf.json"]
          .find("component secure_information_retrieval_0 (module "
                "SecureInformationRetrieval): unknown parameter \"dh_params\""));
}

TEST_F(CorpusTest, Fml1xPairsPlanOnceUnknownNamesAreDropped) {
  int rejected_strict = 0, planned_allowed = 0;
  std::vector<std::string> still_rejected;
  for (const Pair& p : LoadManifest()) {
    if (p.set != "fml1x_fate1.4.5") continue;
    SCOPED_TRACE(p.Name());
    Result<Plan> strict = PlanPair(p, /*allow_unknown=*/false, /*map_ids=*/true);
    if (strict.ok()) continue;
    EXPECT_NE(std::string::npos, strict.status().message().find("unknown parameter"))
        << strict.status().message();
    ++rejected_strict;
    Result<Plan> allowed = PlanPair(p, /*allow_unknown=*/true, /*map_ids=*/true);
    if (!allowed.ok()) {
      still_rejected.push_back(p.conf + ": " + allowed.status().message());
      continue;
    }
    ++planned_allowed;
    CheckInvariants(p, *allowed);
    bool warned = false;
    for (const std::string& w : allowed->warnings) {
      warned |= w.find("ignoring unknown parameter") != std::string::npos;
    }
    EXPECT_TRUE(warned);
  }
  EXPECT_EQ(68, rejected_strict);
  EXPECT_EQ(65, planned_allowed);
  // Rejected for another reason once the names are dropped, as FATE 1.6+ would:
  ASSERT_EQ(3u, still_rejected.size());
  std::sort(still_rejected.begin(), still_rejected.end());
  // The experiment conf with a local baseline reads args.eval_data, which it never gives.
  EXPECT_NE(
      std::string::npos,
      still_rejected[0].find(
          "test_hetero_lr_train_job_conf_with_localbaseline.json: component dataio_1: data input "
          "\"args.eval_data\": the conf has no role_parameters.guest.args.data.eval_data"));
  // The experiment predict conf lists no parties but one table per role.
  EXPECT_NE(std::string::npos,
            still_rejected[1].find("experiment/config/test_predict_conf.json: "
                                   "role_parameters.guest.args.data.eval_data: the "
                                   "list has 1 table but the conf has 0 guest parties"));
  // The short list: FATE 1.4.5 accepted a v1 list shorter than the parties, FATE 1.6+ does not.
  EXPECT_NE(
      std::string::npos,
      still_rejected[2].find(
          "homo_secureboost/test_secureboost_train_binary_multi_host_conf.json: "
          "role_parameters.host.dataio_0.with_label: the list has 1 value but the conf has 2 host "
          "parties"));
}

}  // namespace
}  // namespace fedflow::plan
