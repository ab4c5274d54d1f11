// The seed pipeline's data components end to end, with real processes: Reader ->
// DataTransform -> Intersection on FATE's breast_hetero data over a guest and a host, and the
// raw and rsa intersections of overlapping and disjoint id sets. What the tasks wrote is
// checked in the agents' stores (opened by the test while the agents are stopped).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "party-agent/store/agent_store.h"
#include "party-agent/store/table_reader.h"
#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/job_data.h"
#include "tests/integration/probe_job.h"
#include "tests/integration/shared_cluster.h"

#ifndef ASSERT_OK_AND_ASSIGN
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)                           \
  auto tmp = (rexpr);                                                        \
  ASSERT_TRUE(tmp.ok()) << #rexpr << " failed: " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(FEDFLOW_CONCAT(_assign_, __LINE__), lhs, rexpr)
#endif

namespace fedflow::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr int64_t kGuest = 9999;
constexpr int64_t kHost = 10000;
constexpr int64_t kBreastRows = 569;

// "id,y,x0" (guest, with a label) or "id,x0" (host) and one row per id.
std::string SmallCsv(const std::vector<std::string>& ids, bool label) {
  std::string csv = label ? "id,y,x0\n" : "id,x0\n";
  int i = 0;
  for (const std::string& id : ids) {
    csv += id + (label ? "," + std::to_string(i % 2) : std::string()) + "," +
           std::to_string(i * 0.25) + "\n";
    ++i;
  }
  return csv;
}

std::vector<std::string> Ids(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

class ComponentsITest : public DataJobSuite<ComponentsITest> {
 public:
  static DataSuiteSpec Spec() {
    // Guest ids 0..39 in a shuffled-looking order, host ids 20..79: 20 in common.
    std::vector<std::string> guest_ids;
    for (int i = 0; i < 40; ++i) guest_ids.push_back(std::to_string((i * 7) % 40));
    return {"ComponentsITest",
            {kGuest, kHost},
            {{kGuest, "breast_hetero_guest", TestDataCsv("breast_hetero_guest")},
             {kHost, "breast_hetero_host", TestDataCsv("breast_hetero_host")},
             {kGuest, "overlap", SmallCsv(guest_ids, true)},
             {kHost, "overlap", SmallCsv(Ids("", 20, 80), false)},
             {kGuest, "disjoint", SmallCsv(Ids("g", 0, 30), true)},
             {kHost, "disjoint", SmallCsv(Ids("h", 0, 30), false)}}};
  }

 protected:
  // The rows of output `data` of component on the party (first field = id), in order.
  static std::vector<std::string> OutputRows(store::AgentStore* s, const store::TaskPartyKey& task,
                                             store::TableMeta* meta = nullptr) {
    auto out = s->LatestOutput(task, "data");
    EXPECT_TRUE(out.ok()) << task.component << ": " << out.status();
    if (!out.ok()) return {};
    if (meta != nullptr) *meta = *out;
    std::vector<std::string> rows;
    if (out->count == 0) return rows;
    auto table = s->OpenOutput(*out->output);
    EXPECT_TRUE(table.ok()) << table.status();
    if (!table.ok()) return {};
    std::vector<store::Row> batch;
    EXPECT_OK((*table)->NextBatch(&batch, 1000000));
    for (store::Row& r : batch) rows.push_back(std::move(r.data));
    return rows;
  }

  static Json Conf(const std::string& guest_table, const std::string& host_table,
                   const Json& intersect_params) {
    Json conf = {{"dsl_version", 2},
                 {"initiator", {{"role", "guest"}, {"party_id", kGuest}}},
                 {"role", {{"guest", {kGuest}}, {"host", {kHost}}}},
                 {"job_parameters", {{"common", {{"task_parallelism", 2}, {"timeout", 600}}}}},
                 {"component_parameters",
                  {{"common", {{"intersection_0", intersect_params}}},
                   {"role",
                    {{"guest",
                      {{"0",
                        {{"reader_0", {{"table", {{"name", guest_table},
                                                  {"namespace", "experiment"}}}}},
                         {"data_transform_0", {{"with_label", true}, {"output_format", "dense"}}}}}}},
                     {"host",
                      {{"0",
                        {{"reader_0", {{"table", {{"name", host_table},
                                                  {"namespace", "experiment"}}}}},
                         {"data_transform_0", {{"with_label", false}}}}}}}}}}}};
    return conf;
  }

  static Json Dsl() {
    return Json{
        {"components",
         {{"reader_0", {{"module", "Reader"}, {"output", {{"data", {"data"}}}}}},
          {"data_transform_0",
           {{"module", "DataTransform"},
            {"input", {{"data", {{"data", {"reader_0.data"}}}}}},
            {"output", {{"data", {"data"}}, {"model", {"model"}}}}}},
          {"intersection_0",
           {{"module", "Intersection"},
            {"input", {{"data", {{"data", {"data_transform_0.data"}}}}}},
            {"output", {{"data", {"data"}}}}}}}}};
  }

  // Runs the pipeline and checks each party's intersection: the rows of its data_transform
  // output whose id is in `expected`, in that output's order.
  void RunIntersection(const std::string& guest_table, const std::string& host_table,
                       const Json& params, const std::set<std::string>& expected) {
    ASSERT_OK_AND_ASSIGN(thrift::TJobInfo job,
                         Run(Dsl(), Conf(guest_table, host_table, params)));
    ASSERT_EQ("success", job.status) << DescribeJob(job);
    for (auto [party, role] : {std::pair<int64_t, const char*>{kGuest, "guest"}, {kHost, "host"}}) {
      SCOPED_TRACE(role);
      WithStore(party, [&](store::AgentStore* s) {
        const store::TaskPartyKey transform{job.job_id, "data_transform_0", role, party};
        const store::TaskPartyKey intersect{job.job_id, "intersection_0", role, party};
        std::vector<std::string> input = OutputRows(s, transform);
        store::TableMeta meta;
        std::vector<std::string> output = OutputRows(s, intersect, &meta);
        std::vector<std::string> want;
        for (const std::string& row : input) {
          if (expected.count(row.substr(0, row.find(',')))) want.push_back(row);
        }
        EXPECT_EQ(want, output);
        EXPECT_EQ(static_cast<int64_t>(expected.size()), meta.count);
        if (std::string(role) == "guest") {
          ASSERT_GE(meta.header.size(), 2u);
          EXPECT_EQ("y", meta.header[1]);
        }
        auto summary = s->GetSummary(intersect);
        ASSERT_OK(summary);
        EXPECT_THAT(summary->json,
                    HasSubstr("\"intersect_num\":" + std::to_string(expected.size())));
        auto metric = s->GetMetric(intersect, "train", "intersection");
        ASSERT_OK(metric);
        EXPECT_EQ(2u, metric->points.size());
      });
    }
  }

};

std::set<std::string> Range(int from, int to) {
  std::set<std::string> out;
  for (int i = from; i < to; ++i) out.insert(std::to_string(i));
  return out;
}

TEST_F(ComponentsITest, BreastPipelineIntersectsAllRowsWithRsa) {
  std::set<std::string> ids;
  std::istringstream csv(ReadFileOrDie(TestDataDir() + "/breast_hetero_guest.csv"));
  std::string line;
  std::getline(csv, line);
  while (std::getline(csv, line)) {
    if (!line.empty()) ids.insert(line.substr(0, line.find(',')));
  }
  ASSERT_EQ(static_cast<size_t>(kBreastRows), ids.size());
  RunIntersection("breast_hetero_guest", "breast_hetero_host",
                  Json{{"intersect_method", "rsa"}, {"rsa_params", {{"key_length", 1024}}}}, ids);
}

TEST_F(ComponentsITest, RawIntersectionOfOverlappingAndDisjointIds) {
  RunIntersection("overlap", "overlap", Json{{"intersect_method", "raw"}}, Range(20, 40));
  RunIntersection("overlap", "overlap",
                  Json{{"intersect_method", "raw"},
                       {"raw_params", {{"use_hash", true}, {"hash_method", "sha256"},
                                       {"join_role", "host"}}}},
                  Range(20, 40));
  RunIntersection("disjoint", "disjoint", Json{{"intersect_method", "raw"}}, {});
}

TEST_F(ComponentsITest, RsaIntersectionOfOverlappingAndDisjointIds) {
  RunIntersection("overlap", "overlap",
                  Json{{"intersect_method", "rsa"}, {"rsa_params", {{"key_length", 1024}}}},
                  Range(20, 40));
  RunIntersection("disjoint", "disjoint", Json{{"intersect_method", "rsa"}}, {});
}

TEST_F(ComponentsITest, UnsupportedParametersFailNamingThem) {
  ASSERT_OK_AND_ASSIGN(
      thrift::TJobInfo job,
      Run(Dsl(), Conf("overlap", "overlap", Json{{"intersect_method", "ecdh"}})));
  ASSERT_EQ("failed", job.status) << DescribeJob(job);
  bool named = false;
  for (const thrift::TTaskInfo& t : job.tasks) {
    if (t.component == "intersection_0" && t.__isset.error &&
        t.error.find("intersect_method") != std::string::npos) {
      named = true;
    }
  }
  EXPECT_TRUE(named) << DescribeJob(job);
}

}  // namespace
}  // namespace fedflow::testing
