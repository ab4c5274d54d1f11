// Task storage end to end, with real processes: tables uploaded to the guest's and the host's
// agents, a Reader job (DSL v2: reader_0 -> probe_0) whose tasks read and write through their
// agent's TaskService, a Reader whose table is missing on the host, and a DSL v1 job whose
// args.train_data input resolves to each party's table. What the tasks wrote is checked in the
// agents' stores (opened by the test while the agents are stopped).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
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

class ReaderITest : public DataJobSuite<ReaderITest> {
 public:
  static DataSuiteSpec Spec() {
    // The tables every test reads: FATE's breast_hetero data, one part per party.
    return {"ReaderITest",
            {kGuest, kHost},
            {{kGuest, "breast_hetero_guest", TestDataCsv("breast_hetero_guest")},
             {kHost, "breast_hetero_host", TestDataCsv("breast_hetero_host")}}};
  }

 protected:
  static Json TwoPartyConf() {
    return Json{{"dsl_version", 2},
                {"initiator", {{"role", "guest"}, {"party_id", kGuest}}},
                {"role", {{"guest", {kGuest}}, {"host", {kHost}}}},
                {"job_parameters", {{"common", {{"task_parallelism", 2}, {"timeout", 600}}}}},
                {"component_parameters", {{"common", Json::object()}, {"role", Json::object()}}}};
  }

  static void SetReaderTable(Json* conf, const std::string& role, const std::string& name) {
    (*conf)["component_parameters"]["role"][role]["0"]["reader_0"] = {
        {"table", {{"name", name}, {"namespace", "experiment"}}}};
  }

  static Json ReaderProbeDsl() {
    return Json{{"components",
                 {{"reader_0", {{"module", "Reader"}, {"output", {{"data", {"data"}}}}}},
                  {"probe_0",
                   {{"module", "Probe"},
                    {"input", {{"data", {{"data", {"reader_0.data"}}}}}},
                    {"output", {{"data", {"data"}}}}}}}}};
  }

};

TEST_F(ReaderITest, ReaderCopiesEachPartysTableAndProbeReadsItDownstream) {
  Json conf = TwoPartyConf();
  SetReaderTable(&conf, "guest", "breast_hetero_guest");
  SetReaderTable(&conf, "host", "breast_hetero_host");
  conf["component_parameters"]["common"]["probe_0"] = {{"track", true}};
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo job, Run(ReaderProbeDsl(), conf));
  ASSERT_EQ("success", job.status) << DescribeJob(job);

  struct Expect {
    int64_t party;
    const char* role;
    const char* table;
    std::vector<std::string> header_prefix;
    bool label;
  };
  for (const Expect& e : {Expect{kGuest, "guest", "breast_hetero_guest", {"id", "y", "x0"}, true},
                          Expect{kHost, "host", "breast_hetero_host", {"id", "x0", "x1"}, false}}) {
    SCOPED_TRACE(e.role);
    WithStore(e.party, [&](store::AgentStore* s) {
      for (const char* component : {"reader_0", "probe_0"}) {
        const store::TaskPartyKey task{job.job_id, component, e.role, e.party};
        auto out = s->LatestOutput(task, "data");
        ASSERT_TRUE(out.ok()) << component << ": " << out.status();
        EXPECT_EQ(kBreastRows, out->count) << component;
        EXPECT_EQ(job.job_id, out->ns);
        EXPECT_EQ(std::string(component) + ".data", out->name);
        ASSERT_GE(out->header.size(), 3u);
        EXPECT_EQ(e.header_prefix,
                  std::vector<std::string>(out->header.begin(), out->header.begin() + 3));
        EXPECT_EQ("id", out->id_column);
        EXPECT_EQ(e.label, out->label_column.has_value());
        // The rows are the table's, in upload order.
        auto table = s->OpenTable("experiment", e.table);
        auto copy = s->OpenOutput(*out->output);
        ASSERT_OK(table);
        ASSERT_OK(copy);
        std::vector<store::Row> a, b;
        ASSERT_OK((*table)->NextBatch(&a, 100000));
        ASSERT_OK((*copy)->NextBatch(&b, 100000));
        ASSERT_EQ(a.size(), b.size());
        for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i].data, b[i].data) << "row " << i;
      }
      const store::TaskPartyKey reader{job.job_id, "reader_0", e.role, e.party};
      auto summary = s->GetSummary(reader);
      ASSERT_OK(summary);
      auto info = ParseJson(summary->json, "summary");
      ASSERT_OK(info);
      EXPECT_EQ(kBreastRows, (*info)["count"].get<int64_t>());
      EXPECT_EQ(e.table, (*info)["table_name"].get<std::string>());
      auto meta = s->GetMetric(reader, "reader_namespace", "reader_name");
      ASSERT_OK(meta);
      ASSERT_TRUE(meta->meta.has_value());
      EXPECT_EQ("data_info", meta->meta->metric_type);
      // Probe's tracking (track=true): a metric, a model, a summary.
      const store::TaskPartyKey probe{job.job_id, "probe_0", e.role, e.party};
      auto progress = s->GetMetric(probe, "probe", "progress");
      ASSERT_OK(progress);
      EXPECT_EQ(3u, progress->points.size());
      ASSERT_TRUE(progress->meta.has_value());
      EXPECT_EQ("LOSS", progress->meta->metric_type);
      auto model = s->LoadModel(probe, "model");
      ASSERT_OK(model);
      EXPECT_EQ("Probe", model->meta.module);
      auto probe_summary = s->GetSummary(probe);
      ASSERT_OK(probe_summary);
      EXPECT_THAT(probe_summary->json, HasSubstr("\"rows\":569"));
      // The agent's records of the job's tasks, ended.
      auto records = s->ListTaskRecords(job.job_id);
      ASSERT_OK(records);
      EXPECT_EQ(2u, records->size());
      for (const store::TaskRecord& r : *records) {
        EXPECT_EQ("success", r.party_status) << r.component;
        EXPECT_GT(r.end_time_ms, 0) << r.component;
        EXPECT_EQ(MiniCluster::AgentId(e.party, 0), r.agent_id);
      }
    });
  }
}

TEST_F(ReaderITest, ReaderFailsNamingTheTableMissingOnTheHost) {
  Json conf = TwoPartyConf();
  SetReaderTable(&conf, "guest", "breast_hetero_guest");
  SetReaderTable(&conf, "host", "no_such_table");
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo job, Run(ReaderProbeDsl(), conf));
  ASSERT_EQ("failed", job.status) << DescribeJob(job);
  bool found = false;
  for (const thrift::TTaskInfo& t : job.tasks) {
    if (t.component != "reader_0" || t.role != "host") continue;
    found = true;
    EXPECT_EQ("failed", t.party_status);
    EXPECT_THAT(t.error, HasSubstr("table experiment.no_such_table does not exist on party 10000 "
                                   "(host)"));
  }
  EXPECT_TRUE(found) << DescribeJob(job);
  EXPECT_THAT(DescribeJob(job), HasSubstr("experiment.no_such_table"));
  // Nothing of the failed task's output stays; the guest's own copy does.
  WithStore(kHost, [&](store::AgentStore* s) {
    auto outputs = s->ListJobOutputs(job.job_id);
    ASSERT_OK(outputs);
    EXPECT_TRUE(outputs->empty());
    auto records = s->ListTaskRecords(job.job_id);
    ASSERT_OK(records);
    bool failed = false;
    for (const store::TaskRecord& r : *records) {
      if (r.component == "reader_0") {
        failed = r.party_status == "failed";
        EXPECT_THAT(r.error, HasSubstr("no_such_table"));
      }
    }
    EXPECT_TRUE(failed);
  });
}

TEST_F(ReaderITest, DslV1ArgsInputResolvesToThePartysTable) {
  Json dsl = {{"components",
               {{"probe_0",
                 {{"module", "Probe"},
                  {"input", {{"data", {{"data", {"args.train_data"}}}}}},
                  {"output", {{"data", {"train"}}}}}}}}};
  auto args = [](const std::string& name) {
    return Json{
        {"args",
         {{"data",
           {{"train_data", Json::array({{{"name", name}, {"namespace", "experiment"}}})}}}}}};
  };
  Json conf = {{"initiator", {{"role", "guest"}, {"party_id", kGuest}}},
               {"job_parameters", {{"work_mode", 0}}},
               {"role", {{"guest", {kGuest}}, {"host", {kHost}}}},
               {"role_parameters",
                {{"guest", args("breast_hetero_guest")}, {"host", args("breast_hetero_host")}}}};
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo job, Run(dsl, conf));
  ASSERT_EQ("success", job.status) << DescribeJob(job);
  for (auto [party, role] : {std::pair<int64_t, const char*>{kGuest, "guest"}, {kHost, "host"}}) {
    WithStore(party, [&](store::AgentStore* s) {
      auto out = s->LatestOutput({job.job_id, "probe_0", role, party}, "train");
      ASSERT_TRUE(out.ok()) << role << ": " << out.status();
      EXPECT_EQ(kBreastRows, out->count) << role;
    });
  }
}

}  // namespace
}  // namespace fedflow::testing
