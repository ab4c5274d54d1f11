// Planner benchmark (a program that prints figures, not a timed test).
//
//   plan_bench [--corpus_dir=<tests/data/fate-corpus>] [--corpus_seconds=3]
//              [--sizes=1000,10000,100000] [--repeat=5]
//
// Prints: (1) pairs planned per second over the whole FATE corpus (every MANIFEST pair,
// predict pairs with their training pair; the JSON is parsed once beforehand, the rate counts
// PlanJob calls, valid and invalid pairs alike); (2) the time to plan generated layered DAGs
// of each size: 100 components per layer, each component after the first layer takes data
// from 1..8 components of the layer above, three parties (guest, host, arbiter), a mix of
// modules with parameters on every component (common and per-role sections, some nested
// parameter classes). Time is the best of --repeat runs of PlanJob on the in-memory JSON;
// rendering the JSON plan is timed separately. Wall and CPU time are both printed: on a
// shared machine the wall time includes other processes' turns.
#include <gflags/gflags.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/plan/plan.h"
#include "common/plan/plan_render.h"

DEFINE_string(corpus_dir, FEDFLOW_SOURCE_DIR "/tests/data/fate-corpus",
              "FATE corpus directory (with MANIFEST.tsv)");
DEFINE_double(corpus_seconds, 3.0, "How long to plan the corpus over and over");
DEFINE_string(sizes, "1000,10000,100000", "Generated DAG sizes (components)");
DEFINE_int32(repeat, 5, "Runs per generated size; the best is printed");

namespace fedflow::plan {
namespace {

using Clock = std::chrono::steady_clock;

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// CPU time of this thread: on a shared machine, wall time also counts other processes' turns.
double CpuMs() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

// Appends to an ordered_json object without ordered_json's linear duplicate-key search
// (keys are unique by construction); keeps generating 100,000 components linear.
void Append(Json* obj, std::string key, Json value) {
  obj->get_ref<Json::object_t&>().emplace_back(std::move(key), std::move(value));
}

struct CorpusJob {
  Json dsl, conf, train_dsl, train_conf;
  bool predict = false;
  bool v1_predict = false;
};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> cols;
  std::string col;
  std::istringstream in(line);
  while (std::getline(in, col, '\t')) cols.push_back(col);
  return cols;
}

Result<std::vector<CorpusJob>> LoadCorpus(const std::string& dir) {
  std::ifstream in(dir + "/MANIFEST.tsv");
  if (!in) return Status::NotFound(dir + "/MANIFEST.tsv: cannot open");
  std::vector<CorpusJob> jobs;
  std::string line;
  std::getline(in, line);
  while (std::getline(in, line)) {
    std::vector<std::string> c = SplitTabs(line);
    if (c.size() < 12) continue;
    CorpusJob job;
    ASSIGN_OR_RETURN(job.dsl, ReadJsonFile(dir + "/dsl/" + c[2]));
    ASSIGN_OR_RETURN(job.conf, ReadJsonFile(dir + "/dsl/" + c[3]));
    job.predict = c[7].rfind("predict", 0) == 0;
    if (job.predict) {
      size_t plus = c[11].find(" + ");
      if (plus == std::string::npos) return Status::InvalidArgument("bad MANIFEST line " + line);
      ASSIGN_OR_RETURN(job.train_dsl, ReadJsonFile(dir + "/dsl/" + c[11].substr(0, plus)));
      ASSIGN_OR_RETURN(job.train_conf, ReadJsonFile(dir + "/dsl/" + c[11].substr(plus + 3)));
      job.v1_predict = c[8] == "1";
    }
    jobs.push_back(std::move(job));
  }
  return jobs;
}

Status BenchCorpus(const ModuleRegistry& registry) {
  ASSIGN_OR_RETURN(std::vector<CorpusJob> jobs, LoadCorpus(FLAGS_corpus_dir));
  PlanOptions train, predict;
  predict.job_type = JobMode::kPredict;
  size_t planned = 0, ok = 0, rounds = 0;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration<double>(FLAGS_corpus_seconds);
  do {
    for (const CorpusJob& j : jobs) {
      JobInput in;
      in.dsl = j.v1_predict ? nullptr : &j.dsl;
      in.conf = &j.conf;
      if (j.predict) {
        in.train_dsl = &j.train_dsl;
        in.train_conf = &j.train_conf;
      }
      Result<Plan> plan = PlanJob(in, registry, j.predict ? predict : train);
      ok += plan.ok();
      ++planned;
    }
    ++rounds;
  } while (Clock::now() < deadline);
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "corpus: %zu pairs x %zu rounds in %.2f s: %.0f pairs planned per second "
      "(%zu of %zu pairs per round valid)\n",
      jobs.size(), rounds, seconds, planned / seconds, ok / rounds, jobs.size());
  return Status::OK();
}

// A layered DAG of `n` components over three parties.
void GenerateJob(int n, Json* dsl, Json* conf) {
  constexpr int kWidth = 100;
  constexpr int kMaxFanIn = 8;
  const char* modules[] = {"Probe", "HeteroFeatureBinning", "HeteroLR", "DataStatistics"};
  std::mt19937 rng(42);
  Json components = Json::object();
  Json common = Json::object();
  Json guest_all = Json::object();
  Json host_0 = Json::object();
  components.get_ref<Json::object_t&>().reserve(n);
  common.get_ref<Json::object_t&>().reserve(n);
  auto name = [](int i) { return "c_" + std::to_string(i); };
  for (int i = 0; i < n; ++i) {
    const char* module = modules[i % 4];
    Json c = Json::object();
    Append(&c, "module", module);
    int layer = i / kWidth;
    if (layer > 0) {
      int fan_in = 1 + static_cast<int>(rng() % kMaxFanIn);
      Json refs = Json::array();
      int base = (layer - 1) * kWidth;
      for (int k = 0; k < fan_in; ++k) refs.push_back(name(base + (rng() % kWidth)) + ".data");
      Append(&c, "input", Json{{"data", {{"data", std::move(refs)}}}});
    }
    Append(&c, "output", Json{{"data", {"data"}}, {"model", {"model"}}});
    Append(&components, name(i), std::move(c));

    Json p;
    switch (i % 4) {
      case 0:
        p = {{"sleep_ms", i % 7}, {"fail", false}};
        break;
      case 1:
        p = {{"bin_num", 10 + i % 5},
             {"method", "quantile"},
             {"transform_param", {{"transform_cols", -1}}}};
        break;
      case 2:
        p = {{"max_iter", 5}, {"alpha", 0.01}, {"encrypt_param", {{"key_length", 1024}}}};
        break;
      default:
        p = {{"statistics", "summary"}, {"bias", true}};
        break;
    }
    Append(&common, name(i), std::move(p));
    if (i % 2 == 0) {
      Json g = i % 4 == 0   ? Json{{"sleep_ms", 1}}
               : i % 4 == 2 ? Json{{"encrypt_param", {{"method", "Paillier"}}}}
                            : Json::object();
      Append(&guest_all, name(i), std::move(g));
    }
    if (i % 3 == 0) {
      Json h = i % 4 == 1 ? Json{{"bin_num", 20}} : Json::object();
      Append(&host_0, name(i), std::move(h));
    }
  }
  *dsl = Json{{"components", std::move(components)}};
  *conf = Json{{"dsl_version", 2},
               {"initiator", {{"role", "guest"}, {"party_id", 9999}}},
               {"role", {{"guest", {9999}}, {"host", {10000}}, {"arbiter", {10000}}}},
               {"job_parameters", {{"common", {{"task_cores", 4}}}}}};
  Json role = {{"guest", {{"all", std::move(guest_all)}}}, {"host", {{"0", std::move(host_0)}}}};
  (*conf)["component_parameters"] = Json{{"common", std::move(common)}, {"role", std::move(role)}};
}

Status BenchGenerated(const ModuleRegistry& registry) {
  std::vector<int> sizes;
  std::stringstream ss(FLAGS_sizes);
  std::string item;
  while (std::getline(ss, item, ',')) sizes.push_back(std::stoi(item));
  double previous_ms = 0;
  int previous_n = 0;
  for (int n : sizes) {
    Json dsl, conf;
    GenerateJob(n, &dsl, &conf);
    JobInput in;
    in.dsl = &dsl;
    in.conf = &conf;
    double best = 1e100, render_best = 1e100, cpu_best = 1e100;
    size_t tasks = 0, levels = 0;
    for (int r = 0; r < FLAGS_repeat; ++r) {
      double c0 = CpuMs();
      auto t0 = Clock::now();
      Result<Plan> plan = PlanJob(in, registry);
      auto t1 = Clock::now();
      cpu_best = std::min(cpu_best, CpuMs() - c0);
      if (!plan.ok()) return plan.status();
      Json rendered = PlanToJson(*plan);
      auto t2 = Clock::now();
      best = std::min(best, Ms(t1 - t0));
      render_best = std::min(render_best, Ms(t2 - t1));
      tasks = 0;
      for (const PartyPlan& p : plan->parties) tasks += p.tasks.size();
      levels = plan->levels.size();
    }
    std::printf(
        "generated: %6d components, %4zu levels, %6zu tasks on 3 parties: plan %8.2f ms"
        " wall, %8.2f ms CPU (%.2f us/component), JSON render %8.2f ms",
        n, levels, tasks, best, cpu_best, best * 1000 / n, render_best);
    if (previous_n > 0) {
      std::printf(", x%.1f time for x%.0f size", best / previous_ms,
                  static_cast<double>(n) / previous_n);
    }
    std::printf("\n");
    previous_ms = best;
    previous_n = n;
  }
  return Status::OK();
}

}  // namespace
}  // namespace fedflow::plan

int main(int argc, char** argv) {
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  auto registry = fedflow::plan::BuiltinModuleRegistry();
  if (!registry.ok()) {
    std::fprintf(stderr, "plan_bench: %s\n", registry.status().ToString().c_str());
    return 1;
  }
  fedflow::Status s = fedflow::plan::BenchCorpus(**registry);
  if (s.ok()) s = fedflow::plan::BenchGenerated(**registry);
  if (!s.ok()) {
    std::fprintf(stderr, "plan_bench: %s\n", s.ToString().c_str());
    return 1;
  }
  return 0;
}
