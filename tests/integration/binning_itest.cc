// HeteroFeatureBinning and HeteroFeatureSelection end to end, with real processes: FATE's
// breast_hetero data uploaded to guest 9999 and host 10000, a DSL v2 job reader_0 ->
// data_transform_0 -> hetero_feature_binning_0 -> hetero_feature_selection_0 (isometric_model:
// the binning). The guest's IVs of the host's features, which it computes from the host's
// encrypted per-bin label sums, must equal IVs computed here in the clear from the host's CSV
// column and the guest's labels; the selection must keep what common/ml's filters keep on those
// IVs, on each party.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/ml/binning.h"
#include "common/ml/feature_selection.h"
#include "party-agent/store/agent_store.h"
#include "party-agent/store/table_reader.h"
#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/job_data.h"
#include "tests/integration/probe_job.h"
#include "tests/integration/shared_cluster.h"

namespace fedflow::testing {
namespace {

using std::chrono::seconds;

constexpr int64_t kGuest = 9999;
constexpr int64_t kHost = 10000;
constexpr size_t kBreastRows = 569;

std::vector<std::string> SplitCsv(const std::string& line) {
  std::vector<std::string> out;
  std::stringstream ss(line);
  std::string field;
  while (std::getline(ss, field, ',')) out.push_back(field);
  return out;
}

// A breast_hetero CSV: header and rows by id, in file order.
struct Csv {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

Csv ReadCsv(const std::string& name) {
  Csv csv;
  std::ifstream f(FedflowTest::TestDataDir() + "/" + name + ".csv");
  std::string line;
  std::getline(f, line);
  csv.header = SplitCsv(line);
  while (std::getline(f, line)) {
    if (!line.empty()) csv.rows.push_back(SplitCsv(line));
  }
  return csv;
}

class BinningITest : public DataJobSuite<BinningITest> {
 public:
  static DataSuiteSpec Spec() {
    return {"BinningITest",
            {kGuest, kHost},
            {{kGuest, "breast_hetero_guest", TestDataCsv("breast_hetero_guest")},
             {kHost, "breast_hetero_host", TestDataCsv("breast_hetero_host")}}};
  }

 protected:
  static Json Dsl() {
    return Json{{"components",
                 {{"reader_0", {{"module", "Reader"}, {"output", {{"data", {"data"}}}}}},
                  {"data_transform_0",
                   {{"module", "DataTransform"},
                    {"input", {{"data", {{"data", {"reader_0.data"}}}}}},
                    {"output", {{"data", {"data"}}, {"model", {"model"}}}}}},
                  {"hetero_feature_binning_0",
                   {{"module", "HeteroFeatureBinning"},
                    {"input", {{"data", {{"data", {"data_transform_0.data"}}}}}},
                    {"output", {{"data", {"data"}}, {"model", {"model"}}}}}},
                  {"hetero_feature_selection_0",
                   {{"module", "HeteroFeatureSelection"},
                    {"input",
                     {{"data", {{"data", {"hetero_feature_binning_0.data"}}}},
                      {"isometric_model", {"hetero_feature_binning_0.model"}}}},
                    {"output", {{"data", {"data"}}, {"model", {"model"}}}}}}}}};
  }

  static Json Conf(const Json& selection, const std::string& host_table = "breast_hetero_host") {
    Json conf = {{"dsl_version", 2},
                 {"initiator", {{"role", "guest"}, {"party_id", kGuest}}},
                 {"role", {{"guest", {kGuest}}, {"host", {kHost}}}},
                 {"job_parameters", {{"common", {{"task_parallelism", 2}, {"timeout", 900}}}}},
                 {"component_parameters", {{"common", Json::object()}, {"role", Json::object()}}}};
    Json& common = conf["component_parameters"]["common"];
    // The seed pipeline's binning parameters (examples/seed-pipeline/conf.json).
    common["hetero_feature_binning_0"] = {
        {"method", "quantile"},
        {"compress_thres", 10000},
        {"head_size", 10000},
        {"error", 0.001},
        {"bin_num", 10},
        {"bin_indexes", -1},
        {"adjustment_factor", 0.5},
        {"local_only", false},
        {"transform_param", {{"transform_cols", -1}, {"transform_type", "bin_num"}}}};
    common["hetero_feature_selection_0"] = selection;
    Json& role = conf["component_parameters"]["role"];
    role["guest"]["0"]["reader_0"] = {
        {"table", {{"name", "breast_hetero_guest"}, {"namespace", "experiment"}}}};
    role["guest"]["0"]["data_transform_0"] = {{"with_label", true}, {"label_name", "y"}};
    role["host"]["0"]["reader_0"] = {
        {"table", {{"name", host_table}, {"namespace", "experiment"}}}};
    role["host"]["0"]["data_transform_0"] = {{"with_label", false}};
    return conf;
  }

};

// IVs (and split points) of every feature of a CSV, computed in the clear with the guest's
// labels, as FATE's binning defines them (bin_num 10, quantile).
struct PlainBinning {
  std::vector<std::string> names;
  std::map<std::string, std::vector<double>> split_points;
  std::map<std::string, double> iv;
};

PlainBinning BinInTheClear(const Csv& csv, size_t first_feature,
                           const std::map<std::string, int>& label_of) {
  PlainBinning out;
  for (size_t c = first_feature; c < csv.header.size(); ++c) {
    std::vector<double> column;
    std::vector<int> labels;
    for (const auto& row : csv.rows) {
      column.push_back(std::stod(row[c]));
      labels.push_back(label_of.at(row[0]));
    }
    ml::QuantileBinningOptions o;
    o.bin_num = 10;
    auto sp = ml::QuantileSplitPoints(column, o);
    auto counts = ml::CountEvents(column, labels, *sp);
    const std::string& name = csv.header[c];
    out.names.push_back(name);
    out.split_points[name] = *sp;
    out.iv[name] = ml::ComputeWoeIv(*counts, 0.5).iv;
  }
  return out;
}

TEST_F(BinningITest, GuestComputesHostIvsUnderEncryptionAndSelectionKeepsTopColumns) {
  const Csv guest_csv = ReadCsv("breast_hetero_guest");
  const Csv host_csv = ReadCsv("breast_hetero_host");
  ASSERT_EQ(kBreastRows, guest_csv.rows.size());
  ASSERT_EQ(kBreastRows, host_csv.rows.size());
  std::map<std::string, int> label_of;
  for (const auto& row : guest_csv.rows) label_of[row[0]] = row[1] == "1" ? 1 : 0;
  const PlainBinning guest_plain = BinInTheClear(guest_csv, 2, label_of);
  const PlainBinning host_plain = BinInTheClear(host_csv, 1, label_of);

  // The seed pipeline's selection parameters (examples/seed-pipeline/conf.json), then a top-k.
  const Json selection = {
      {"select_col_indexes", -1},
      {"filter_methods", {"manually", "iv_value_thres", "iv_percentile", "iv_top_k"}},
      {"manually_param", {{"filter_out_indexes", nullptr}}},
      {"iv_value_param", {{"value_threshold", 0.1}}},
      {"iv_percentile_param", {{"percentile_threshold", 0.9}}},
      {"iv_top_k_param", {{"k", 12}}}};
  auto job = Run(Dsl(), Conf(selection));
  ASSERT_OK(job);
  ASSERT_EQ("success", job->status) << DescribeJob(*job);

  // What the selection must keep: common/ml's filters on the IVs computed in the clear.
  ml::PartySelectionInput g, h;
  g.header = guest_plain.names;
  g.iv = guest_plain.iv;
  h.header = host_plain.names;
  h.iv = host_plain.iv;
  ml::SelectionFilterConfig f0, f1, f2, f3;
  f0.method = "manually";
  f1.method = "iv_value_thres";
  f1.value_threshold = 0.1;
  f2.method = "iv_percentile";
  f2.percentile_threshold = 0.9;
  f3.method = "iv_top_k";
  f3.k = 12;
  auto expected = ml::RunSelection({g, h}, {f0, f1, f2, f3});
  ASSERT_OK(expected);
  const std::vector<std::string> guest_kept = (*expected)[0].left_names();
  const std::vector<std::string> host_kept = (*expected)[1].left_names();
  EXPECT_LT(guest_kept.size() + host_kept.size(),
            guest_plain.names.size() + host_plain.names.size());

  WithStore(kGuest, [&](store::AgentStore* s) {
    const store::TaskPartyKey binning{job->job_id, "hetero_feature_binning_0", "guest", kGuest};
    auto model = s->LoadModel(binning, "model");
    ASSERT_OK(model);
    EXPECT_EQ("HeteroFeatureBinning", model->meta.module);
    auto j = ParseJson(model->data, "binning model");
    ASSERT_OK(j);
    // The guest's own features.
    for (const std::string& name : guest_plain.names) {
      const Json& r = (*j)["binning_result"][name];
      EXPECT_EQ(guest_plain.split_points.at(name), r["split_points"].get<std::vector<double>>())
          << name;
      EXPECT_NEAR(guest_plain.iv.at(name), r["iv"].get<double>(), 1e-12) << name;
    }
    // The host's features, under their anonymous names, from the encrypted sums.
    const Json& host = (*j)["host_results"][std::to_string(kHost)]["binning_result"];
    ASSERT_EQ(host_plain.names.size(), host.size());
    for (size_t i = 0; i < host_plain.names.size(); ++i) {
      const std::string anon = "host_" + std::to_string(kHost) + "_" + std::to_string(i);
      ASSERT_TRUE(host.contains(anon)) << anon;
      EXPECT_NEAR(host_plain.iv.at(host_plain.names[i]), host[anon]["iv"].get<double>(), 1e-12)
          << anon << " (" << host_plain.names[i] << ")";
      EXPECT_EQ(0u, host[anon]["split_points"].size()) << "the guest must not see split points";
    }
    auto summary = s->GetSummary(binning);
    ASSERT_OK(summary);
    auto sj = ParseJson(summary->json, "summary");
    ASSERT_OK(sj);
    EXPECT_EQ(guest_plain.names.size(), (*sj)["iv"].size());
    EXPECT_EQ(host_plain.names.size(), (*sj)["host_iv"][std::to_string(kHost)].size());

    // Selection: the guest's output keeps id, label and the kept columns.
    const store::TaskPartyKey sel{job->job_id, "hetero_feature_selection_0", "guest", kGuest};
    auto out = s->LatestOutput(sel, "data");
    ASSERT_OK(out);
    EXPECT_EQ(static_cast<int64_t>(kBreastRows), out->count);
    std::vector<std::string> header = {"id", "y"};
    header.insert(header.end(), guest_kept.begin(), guest_kept.end());
    EXPECT_EQ(header, out->header);
  });

  WithStore(kHost, [&](store::AgentStore* s) {
    const store::TaskPartyKey binning{job->job_id, "hetero_feature_binning_0", "host", kHost};
    auto model = s->LoadModel(binning, "model");
    ASSERT_OK(model);
    auto j = ParseJson(model->data, "binning model");
    ASSERT_OK(j);
    for (const std::string& name : host_plain.names) {
      const Json& r = (*j)["binning_result"][name];
      EXPECT_EQ(host_plain.split_points.at(name), r["split_points"].get<std::vector<double>>())
          << name;
      EXPECT_FALSE(r.contains("iv")) << "the host must not learn IVs: " << name;
    }
    // The binning output: every host feature replaced by its bin index (0..9).
    auto binned = s->LatestOutput(binning, "data");
    ASSERT_OK(binned);
    auto reader = s->OpenOutput(*binned->output);
    ASSERT_OK(reader);
    std::vector<store::Row> rows;
    ASSERT_OK((*reader)->NextBatch(&rows, 100000));
    ASSERT_EQ(kBreastRows, rows.size());
    for (const store::Row& row : rows) {
      std::vector<std::string> fields = SplitCsv(row.data);
      ASSERT_EQ(host_csv.header.size(), fields.size());
      for (size_t c = 1; c < fields.size(); ++c) {
        const double v = std::stod(fields[c]);
        ASSERT_TRUE(v == std::floor(v) && v >= 0 && v <= 9) << row.data;
      }
    }
    // Selection: the host keeps only what the guest decided for its columns.
    const store::TaskPartyKey sel{job->job_id, "hetero_feature_selection_0", "host", kHost};
    auto out = s->LatestOutput(sel, "data");
    ASSERT_OK(out);
    std::vector<std::string> header = {"id"};
    header.insert(header.end(), host_kept.begin(), host_kept.end());
    EXPECT_EQ(header, out->header);
    EXPECT_EQ(static_cast<int64_t>(kBreastRows), out->count);
  });
}

// A host row the guest does not have: the host fails naming the id and what to do, and tells
// the guest, which fails at once instead of waiting for the sums.
TEST_F(BinningITest, HostRowMissingOnTheGuestFailsBothPartiesClearly) {
  std::string content = TestDataCsv("breast_hetero_host");
  if (!content.empty() && content.back() != '\n') content += '\n';
  content += "987654";
  for (int i = 0; i < 20; ++i) content += ",0.5";
  content += "\n";
  ASSERT_OK(Upload(kHost, "breast_hetero_host_extra", content));
  const auto start = std::chrono::steady_clock::now();
  auto job = Run(Dsl(), Conf(Json{{"filter_methods", {"manually"}}}, "breast_hetero_host_extra"));
  ASSERT_OK(job);
  ASSERT_EQ("failed", job->status) << DescribeJob(*job);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(120)) << DescribeJob(*job);
  // Whichever party reports first fails the job and the other may be canceled before it
  // reports (the guest fails at once on the host's message, not at its timeout): the host fails
  // naming the id, and the guest, when it reports, passes the host's reason on.
  int failed = 0;
  for (const thrift::TTaskInfo& t : job->tasks) {
    if (t.component != "hetero_feature_binning_0") continue;
    // The other one may still be running when the job ends (its cancel is under way).
    if (t.party_status != "failed") continue;
    ++failed;
    EXPECT_THAT(t.error, ::testing::HasSubstr("\"987654\"")) << t.role;
    EXPECT_THAT(t.error, ::testing::HasSubstr("put an Intersection first")) << t.role;
    if (t.role == "guest") {
      EXPECT_THAT(t.error, ::testing::HasSubstr("host 10000"));
    }
  }
  EXPECT_GE(failed, 1) << DescribeJob(*job);
}

// An IV filter without the binning model: the guest fails saying what input is missing.
TEST_F(BinningITest, IvSelectionWithoutIsometricModelFailsNamingIt) {
  Json dsl = Dsl();
  dsl["components"]["hetero_feature_selection_0"]["input"].erase("isometric_model");
  const auto start = std::chrono::steady_clock::now();
  auto job = Run(dsl, Conf(Json{{"filter_methods", {"iv_value_thres"}}}));
  ASSERT_OK(job);
  ASSERT_EQ("failed", job->status) << DescribeJob(*job);
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(120)) << DescribeJob(*job);
  bool guest_seen = false;
  for (const thrift::TTaskInfo& t : job->tasks) {
    if (t.component == "hetero_feature_selection_0" && t.role == "guest") {
      guest_seen = true;
      EXPECT_EQ("failed", t.party_status);
      EXPECT_THAT(t.error, ::testing::HasSubstr("isometric_model"));
    }
  }
  EXPECT_TRUE(guest_seen) << DescribeJob(*job);
}

// The seed pipeline as shipped (examples/seed-pipeline, DSL v1: args.train_data, output names
// "train", model aliases "hetero_feature_binning" and "selected"), up to the selection.
TEST_F(BinningITest, SeedPipelineDslV1RunsUpToTheSelection) {
  const std::string dir = std::string(FEDFLOW_SOURCE_DIR) + "/examples/seed-pipeline";
  auto dsl = ReadJsonFile(dir + "/dsl.json");
  auto conf = ReadJsonFile(dir + "/conf.json");
  ASSERT_OK(dsl);
  ASSERT_OK(conf);
  for (const char* c : {"hetero_lr_0", "evaluation_0"}) {
    (*dsl)["components"].erase(c);
    (*conf)["algorithm_parameters"].erase(c);
    for (const char* role : {"guest", "host"}) (*conf)["role_parameters"][role].erase(c);
  }
  (*conf)["role"].erase("arbiter");
  auto job = Run(*dsl, *conf);
  ASSERT_OK(job);
  ASSERT_EQ("success", job->status) << DescribeJob(*job);
  WithStore(kGuest, [&](store::AgentStore* s) {
    const store::TaskPartyKey binning{job->job_id, "hetero_feature_binning_0", "guest", kGuest};
    auto model = s->LoadModel(binning, "hetero_feature_binning");
    ASSERT_OK(model);
    auto j = ParseJson(model->data, "binning model");
    ASSERT_OK(j);
    EXPECT_EQ(20u, (*j)["host_results"][std::to_string(kHost)]["binning_result"].size());
    const store::TaskPartyKey sel{job->job_id, "hetero_feature_selection_0", "guest", kGuest};
    auto selected = s->LoadModel(sel, "selected");
    ASSERT_OK(selected);
    EXPECT_EQ("HeteroFeatureSelection", selected->meta.module);
    auto out = s->LatestOutput(sel, "train");
    ASSERT_OK(out);
    EXPECT_EQ(static_cast<int64_t>(kBreastRows), out->count);
    EXPECT_GE(out->header.size(), 3u);  // id, y and at least one feature
  });
}

}  // namespace
}  // namespace fedflow::testing
