// The tracking commands end to end, with the real `fedflow` binary against real agents found in
// ZooKeeper: `job log` gathers every party's task logs from the agents that ran them and names
// the parties it could not reach; `job clean` refuses a running job (the CLI, and the agent
// itself) and removes a finished job's outputs on every party while metrics, summaries and
// models stay; `tracking metrics|metric-data|metric-all|output-data|output-model|summary` read
// what a task recorded from whichever live agent of the party holds it.
//
// The tracking commands read what real tasks recorded (a Reader, and a Probe with "track": true)
// and, for what no module writes yet (metric strings, several output rows read in parts, a
// model of several MiB), data written into a stopped agent's store directly for a job that ran.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "AgentService.h"
#include "common/json_util.h"
#include "common/rpc/client_pool.h"
#include "common/rpc/thrift_status.h"
#include "party-agent/store/agent_store.h"
#include "party-agent/store/table_writer.h"
#include "tests/harness/cli_runner.h"
#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/probe_job.h"
#include "tests/integration/shared_cluster.h"


namespace fedflow::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;

constexpr int64_t kGuest = ProbeJob::kGuest;
constexpr int64_t kHost = ProbeJob::kHost;
constexpr int64_t kArbiter = ProbeJob::kArbiter;

class TrackingITest : public FedflowTest {
 protected:
  static void SetUpTestSuite() {
    MiniCluster::Options o;
    o.parties = {kGuest, kHost, kArbiter};
    o.agents_for_party = {{kHost, 2}};  // The CLI asks every agent of a party.
    cluster_.Start("TrackingITest", o);
  }
  static void TearDownTestSuite() { cluster_.Stop(); }

  void SetUp() override { ASSERT_TRUE(cluster_.started()) << cluster_.status().ToString(); }

  MiniCluster* cluster() { return cluster_.cluster(); }

  // Runs `fedflow <args> --zk <cluster>` and waits for it (killed after 60 s).
  CliRun Fedflow(std::vector<std::string> args) {
    return RunFedflowCli(FedflowTest::BinDir(), cluster()->zk_connect_string(), std::move(args),
                         test_dir());
  }

  static std::string Describe(const CliRun& r) { return r.Describe(); }

  // Runs the command with --json, expects `exit_code` and returns the parsed output.
  Json FedflowJson(std::vector<std::string> args, int exit_code = 0) {
    args.push_back("--json");
    CliRun r = Fedflow(args);
    EXPECT_EQ(exit_code, r.exit_code) << Describe(r);
    auto j = ParseJson(r.out, "fedflow output");
    EXPECT_TRUE(j.ok()) << j.status() << "\n" << Describe(r);
    return j.ok() ? *j : Json();
  }

  // Runs a Chain(n) Probe job to success; returns its id.
  std::string RunChain(int n) {
    ProbeJob job = ProbeJob::Chain(n);
    auto id = cluster()->Submit(job.dsl(), job.conf());
    EXPECT_TRUE(id.ok()) << id.status();
    if (!id.ok()) return "";
    auto info = cluster()->WaitForEnd(*id, seconds(60));
    EXPECT_TRUE(info.ok()) << info.status();
    if (info.ok()) {
      EXPECT_EQ("success", info->status) << DescribeJob(*info);
    }
    return *id;
  }

  // The agent store of agent `index` of `party` (stopped), in the cluster's directory.
  std::string AgentStorePath(int64_t party, int index) const {
    return cluster_.cluster()->dir() + "/agent-" + std::to_string(party) + "-" +
           std::to_string(index) + "/agent.db";
  }

  static SharedCluster cluster_;
};

SharedCluster TrackingITest::cluster_;

TEST_F(TrackingITest, JobLogGathersEveryPartysTaskLogs) {
  const std::string id = RunChain(2);
  ASSERT_FALSE(id.empty());
  const std::string out = test_dir() + "/logs";
  Json j = FedflowJson({"job", "log", "-j", id, "-o", out});
  const Json& data = j["data"];
  EXPECT_EQ(0, j["retcode"].get<int>()) << j;
  EXPECT_TRUE(data["unreached"].empty()) << j;
  EXPECT_TRUE(data["missing"].empty()) << j;
  // Two components on each of three parties.
  ASSERT_EQ(6u, data["logs"].size()) << j;
  std::set<std::string> roles;
  for (const Json& log : data["logs"]) {
    roles.insert(log["role"].get<std::string>());
    const std::string file = log["file"].get<std::string>();
    EXPECT_THAT(ReadFileOrDie(file), HasSubstr("task ended: success")) << file;
  }
  EXPECT_EQ((std::set<std::string>{"arbiter", "guest", "host"}), roles);
  const std::string root = out + "/job_" + id + "_log";
  EXPECT_EQ(root, data["directory"].get<std::string>());
  EXPECT_THAT(ReadFileOrDie(root + "/guest/9999/probe_0/0/task.log"), HasSubstr("Probe: done"));
  EXPECT_THAT(ReadFileOrDie(root + "/host/10000/probe_1/0/task.log"), HasSubstr("Probe: done"));
  EXPECT_THAT(ReadFileOrDie(root + "/arbiter/10001/probe_1/0/task.log"), HasSubstr("Probe: done"));

  // Text output names every log and the directory.
  CliRun text = Fedflow({"job", "log", "-j", id, "-o", out});
  ASSERT_EQ(0, text.exit_code) << Describe(text);
  EXPECT_THAT(text.out, HasSubstr("6 task logs written to " + root));

  // A party without a live agent is named, and the others' logs are still gathered.
  ASSERT_OK(cluster()->StopAgent(kArbiter, 0));
  CliRun partial = Fedflow({"job", "log", "-j", id, "-o", test_dir() + "/partial"});
  EXPECT_EQ(1, partial.exit_code) << Describe(partial);
  EXPECT_THAT(partial.out, HasSubstr("4 task logs written"));
  EXPECT_THAT(partial.err, HasSubstr("logs not gathered from party 10001 (arbiter)"));
  EXPECT_THAT(partial.err, HasSubstr("party 10001 has no live agent"));
  ASSERT_OK(cluster()->RestartAgent(kArbiter, 0));

  CliRun unknown = Fedflow({"job", "log", "-j", "no_such_job", "-o", out});
  EXPECT_NE(0, unknown.exit_code) << Describe(unknown);
  EXPECT_THAT(unknown.err, HasSubstr("no_such_job"));
  CliRun usage = Fedflow({"job", "log", "-j", id});
  EXPECT_EQ(2, usage.exit_code) << Describe(usage);
}

TEST_F(TrackingITest, JobCleanRefusesRunningJobAndCleansFinishedOne) {
  ProbeJob job = ProbeJob::Chain(1);
  job.Param("probe_0", {{"sleep_ms", 60000}});
  ASSERT_OK_AND_ASSIGN(std::string id, cluster()->Submit(job.dsl(), job.conf()));
  ASSERT_TRUE(WaitFor(
      [&] {
        auto info = cluster()->Query(id);
        return info.ok() && info->status == "running" && cluster()->CountTaskProcesses(id) == 3;
      },
      seconds(30)))
      << "job " << id << " did not start its tasks";

  CliRun refused = Fedflow({"job", "clean", "-j", id});
  EXPECT_EQ(1, refused.exit_code) << Describe(refused);
  EXPECT_THAT(refused.err,
              HasSubstr("job " + id + " is running: only a finished job can be cleaned"));

  // The agent running a task of the job refuses too, whoever asks.
  rpc::ClientPoolOptions po;
  po.retries = 0;
  rpc::ClientPool<thrift::AgentServiceClient> agents(po);
  thrift::TCleanJobRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.job_id = id;
  thrift::TCleanJobResponse resp;
  ASSERT_OK(agents.Call(
      cluster()->AgentEndpoint(kGuest, 0),
      [&](thrift::AgentServiceClient& c) { c.CleanJob(resp, req); },
      rpc::Idempotency::kIdempotent));
  Status agent_says = rpc::FromThrift(resp.status);
  EXPECT_TRUE(agent_says.IsIllegalState()) << agent_says;
  EXPECT_THAT(agent_says.message(), HasSubstr(id + "/probe_0/guest/9999/v0"));

  ASSERT_OK(cluster()->StopJob(id));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster()->WaitForEnd(id, seconds(30)));
  ASSERT_EQ("canceled", info.status) << DescribeJob(info);
  ASSERT_TRUE(WaitFor([&] { return cluster()->CountTaskProcesses(id) == 0; }, seconds(30)));

  Json cleaned = FedflowJson({"job", "clean", "-j", id});
  EXPECT_EQ(0, cleaned["retcode"].get<int>()) << cleaned;
  EXPECT_EQ("canceled", cleaned["data"]["status"].get<std::string>());
  EXPECT_EQ(0, cleaned["data"]["outputs_removed"].get<int64_t>()) << cleaned;
  std::set<std::string> asked;
  for (const Json& a : cleaned["data"]["agents"]) asked.insert(a["agent"].get<std::string>());
  EXPECT_EQ((std::set<std::string>{"9999-0", "10000-0", "10000-1", "10001-0"}), asked) << cleaned;
}

TEST_F(TrackingITest, TrackingCommandsReadWhatATaskRecordedFromTheAgentHoldingIt) {
  const std::string id = RunChain(1);
  ASSERT_FALSE(id.empty());
  const std::vector<std::string> task = {"-j", id, "-r", "host", "-p", "10000", "-cpn", "probe_0"};
  auto with = [&](std::vector<std::string> cmd) {
    cmd.insert(cmd.end(), task.begin(), task.end());
    return cmd;
  };

  // Nothing recorded yet: the CLI says which party and task, and which agents it asked.
  CliRun none = Fedflow(with({"tracking", "metrics"}));
  EXPECT_EQ(2, none.exit_code) << Describe(none);
  EXPECT_THAT(none.err, HasSubstr("no live agent of party 10000 holds metrics of job " + id +
                                  " component probe_0 (host) (agents 10000-0, 10000-1)"));
  // The Probe (no input) wrote its 8 generated rows as task version 0.
  CliRun generated = Fedflow(with({"tracking", "output-data"}));
  EXPECT_EQ(0, generated.exit_code) << Describe(generated);
  EXPECT_THAT(generated.out, HasSubstr("task version 0"));
  EXPECT_THAT(generated.out, HasSubstr(": 8 rows"));

  // What a later attempt (task version 1) of the host's task would have recorded, written
  // into the second host agent's store: the highest version wins over the Probe's own output.
  ASSERT_OK(cluster()->StopAgent(kHost, 1));
  std::string model_bytes;
  for (int i = 0; i < 3 * (1 << 20) + 17; ++i) model_bytes.push_back(static_cast<char>(i * 7));
  std::string expected_csv = "id,y,x0\n";
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<store::AgentStore> s,
                         store::AgentStore::Open(AgentStorePath(kHost, 1)));
    const store::TaskPartyKey key{id, "probe_0", "host", kHost};
    ASSERT_OK(s->SaveMetricMeta(key, {"loss", "train", "LOSS", R"({"unit": "nat"})"}));
    ASSERT_OK(s->LogMetricData(key, "train", "loss", {{0.0, 0.5, 0}, {1.0, 0.25, 0}}));
    ASSERT_OK(s->LogMetricData(key, "train", "threshold",
                               {{std::string("best"), std::string("0.5"), 0}}));
    store::TableMeta schema;
    schema.header = {"id", "y", "x0"};
    schema.id_column = "id";
    schema.header_line = "id,y,x0";
    schema.num_columns = 3;
    ASSERT_OK_AND_ASSIGN(auto writer, s->CreateOutput({key, 1, "data"}, schema));
    for (int i = 0; i < 25; ++i) {
      const std::string row =
          std::to_string(i) + "," + std::to_string(i % 2) + ",0." + std::to_string(i);
      ASSERT_OK(writer->Add(std::to_string(i), row));
      expected_csv += row + "\n";
    }
    ASSERT_TRUE(writer->Commit().ok());
    store::ModelMeta meta;
    meta.module = "Probe";
    meta.alias = "model";
    ASSERT_OK(s->SaveModel(key, meta, model_bytes));
    ASSERT_OK(s->SaveSummary(key, R"({"rows": 25, "note": "probe"})", 0));
  }
  ASSERT_OK(cluster()->RestartAgent(kHost, 1));

  Json metrics = FedflowJson(with({"tracking", "metrics"}));
  EXPECT_EQ(Json::parse(R"({"train": ["loss", "threshold"]})"), metrics["data"]) << metrics;
  EXPECT_EQ(Json::array({"10000-1"}), metrics["agents"]) << metrics;

  Json loss =
      FedflowJson(with({"tracking", "metric-data", "--namespace", "train", "--name", "loss"}));
  EXPECT_EQ(Json::parse("[[0.0, 0.5], [1.0, 0.25]]"), loss["data"]) << loss;
  EXPECT_EQ("LOSS", loss["meta"]["metric_type"].get<std::string>()) << loss;
  EXPECT_EQ("nat", loss["meta"]["extra_metas"]["unit"].get<std::string>()) << loss;
  Json all = FedflowJson(with({"tracking", "metric-all"}));
  EXPECT_EQ(Json::parse(R"([["best", "0.5"]])"), all["data"]["train"]["threshold"]["data"]) << all;
  CliRun no_metric =
      Fedflow(with({"tracking", "metric-data", "--namespace", "train", "--name", "auc"}));
  EXPECT_EQ(2, no_metric.exit_code) << Describe(no_metric);
  EXPECT_THAT(no_metric.err, HasSubstr("holds metric train/auc of job " + id));

  const std::string out = test_dir() + "/out";
  Json data = FedflowJson(with({"tracking", "output-data", "--limit", "3", "-o", out}));
  ASSERT_EQ(1u, data["data"]["outputs"].size()) << data;
  const Json& o = data["data"]["outputs"][0];
  EXPECT_EQ("data", o["data_name"].get<std::string>());
  EXPECT_EQ(25, o["total"].get<int64_t>());
  EXPECT_EQ(Json::parse(R"([["0", "0", "0.0"], ["1", "1", "0.1"], ["2", "0", "0.2"]])"), o["data"])
      << data;
  EXPECT_EQ("10000-1", data["data"]["agent"].get<std::string>());
  const std::string csv_path = out + "/job_" + id + "_probe_0_host_10000_output_data/data.csv";
  EXPECT_EQ(csv_path, o["file"].get<std::string>());
  EXPECT_EQ(expected_csv, ReadFileOrDie(csv_path));
  CliRun preview = Fedflow(with({"tracking", "output-data"}));
  ASSERT_EQ(0, preview.exit_code) << Describe(preview);
  EXPECT_THAT(preview.out, HasSubstr("id,y,x0\n  0,0,0.0\n"));
  EXPECT_THAT(preview.out, HasSubstr("(first 10 of 25 rows)"));

  Json model = FedflowJson(with({"tracking", "output-model", "-o", out}));
  ASSERT_EQ(1u, model["data"]["models"].size()) << model;
  EXPECT_EQ(static_cast<int64_t>(model_bytes.size()),
            model["data"]["models"][0]["size"].get<int64_t>());
  EXPECT_TRUE(model_bytes ==
              ReadFileOrDie(out + "/job_" + id + "_probe_0_host_10000_output_model/model.bin"))
      << "model bytes differ";

  Json summary = FedflowJson(with({"tracking", "summary"}));
  EXPECT_EQ(Json::parse(R"({"rows": 25, "note": "probe"})"), summary["data"]) << summary;
  CliRun fate_name = Fedflow(with({"component", "get-summary"}));
  EXPECT_EQ(0, fate_name.exit_code) << Describe(fate_name);
  EXPECT_THAT(fate_name.out, HasSubstr("\"rows\": 25"));

  // Clean: the outputs go (the Probe's on three parties and the one written above), metrics,
  // summary and model stay.
  Json cleaned = FedflowJson({"job", "clean", "-j", id});
  EXPECT_EQ(4, cleaned["data"]["outputs_removed"].get<int64_t>()) << cleaned;
  CliRun gone = Fedflow(with({"tracking", "output-data"}));
  EXPECT_EQ(2, gone.exit_code) << Describe(gone);
  EXPECT_THAT(gone.err, HasSubstr("holds output data of job " + id));
  EXPECT_EQ(0, Fedflow(with({"tracking", "metrics"})).exit_code);
  EXPECT_EQ(0, Fedflow(with({"tracking", "summary"})).exit_code);
  EXPECT_EQ(0, Fedflow(with({"tracking", "output-model"})).exit_code);

  // Usage errors exit 2.
  CliRun usage = Fedflow({"tracking", "metrics", "-j", id, "-r", "host", "-p", "10000"});
  EXPECT_EQ(2, usage.exit_code) << Describe(usage);
}

// What real tasks recorded: a Reader copies each party's uploaded table and a Probe with
// "track": true passes it through and logs a metric, a model and a summary (two host agents:
// the CLI finds the one that ran the host's tasks).
TEST_F(TrackingITest, TrackingCommandsOnAReaderAndTrackingProbeJob) {
  const std::string guest_csv = TestDataDir() + "/breast_hetero_guest.csv";
  const std::string host_csv = TestDataDir() + "/breast_hetero_host.csv";
  for (auto [party, file] :
       {std::pair<const char*, std::string>{"9999", guest_csv}, {"10000", host_csv}}) {
    CliRun up = Fedflow({"data", "upload", "--party", party, "--file", file, "-n", "tracking", "-t",
                         "breast", "--drop"});
    ASSERT_EQ(0, up.exit_code) << Describe(up);
  }
  Json dsl = {{"components",
               {{"reader_0", {{"module", "Reader"}, {"output", {{"data", {"data"}}}}}},
                {"probe_0",
                 {{"module", "Probe"},
                  {"input", {{"data", {{"data", {"reader_0.data"}}}}}},
                  {"output", {{"data", {"data"}}}}}}}}};
  Json conf = {{"dsl_version", 2},
               {"initiator", {{"role", "guest"}, {"party_id", kGuest}}},
               {"role", {{"guest", {kGuest}}, {"host", {kHost}}}},
               {"job_parameters", {{"common", {{"task_parallelism", 2}, {"timeout", 600}}}}},
               {"component_parameters",
                {{"common",
                  {{"reader_0", {{"table", {{"name", "breast"}, {"namespace", "tracking"}}}}},
                   {"probe_0", {{"track", true}}}}},
                 {"role", Json::object()}}}};
  ASSERT_OK_AND_ASSIGN(std::string id, cluster()->Submit(DumpJson(dsl), DumpJson(conf)));
  ASSERT_OK_AND_ASSIGN(thrift::TJobInfo info, cluster()->WaitForEnd(id, seconds(120)));
  ASSERT_EQ("success", info.status) << DescribeJob(info);
  auto task = [&](std::vector<std::string> cmd, const std::string& role,
                  const std::string& component) {
    for (const std::string& a :
         {std::string("-j"), id, std::string("-r"), role, std::string("-p"),
          std::string(role == "guest" ? "9999" : "10000"), std::string("-cpn"), component}) {
      cmd.push_back(a);
    }
    return cmd;
  };

  // The Reader's output is the uploaded table, byte for byte.
  const std::string out = test_dir() + "/out";
  Json reader = FedflowJson(
      task({"tracking", "output-data", "--limit", "2", "-o", out}, "guest", "reader_0"));
  ASSERT_EQ(1u, reader["data"]["outputs"].size()) << reader;
  const Json& o = reader["data"]["outputs"][0];
  EXPECT_EQ(569, o["total"].get<int64_t>()) << reader;
  ASSERT_EQ(2u, o["data"].size()) << reader;
  EXPECT_EQ("133", o["data"][0][0].get<std::string>()) << reader;  // the file's first id
  EXPECT_EQ("y", o["header"][1].get<std::string>()) << reader;
  EXPECT_TRUE(ReadFileOrDie(guest_csv) == ReadFileOrDie(o["file"].get<std::string>()))
      << "reader_0's output differs from the uploaded file";
  Json reader_info = FedflowJson(task({"tracking", "metric-all"}, "host", "reader_0"));
  EXPECT_EQ("data_info",
            reader_info["data"]["reader_namespace"]["reader_name"]["meta"]["metric_type"]
                .get<std::string>())
      << reader_info;

  // The Probe's tracking, on the host agent that ran it.
  const std::string host_agent = TaskOf(info, "probe_0", "host").agent_id;
  Json metrics = FedflowJson(task({"tracking", "metrics"}, "host", "probe_0"));
  EXPECT_EQ(Json::parse(R"({"probe": ["progress"]})"), metrics["data"]) << metrics;
  EXPECT_EQ(Json::array({host_agent}), metrics["agents"]) << metrics;
  Json progress =
      FedflowJson(task({"tracking", "metric-data", "--namespace", "probe", "--name", "progress"},
                       "host", "probe_0"));
  EXPECT_EQ(Json::parse("[[0.0, 1.0], [1.0, 0.5], [2.0, 0.25]]"), progress["data"]) << progress;
  EXPECT_EQ("LOSS", progress["meta"]["metric_type"].get<std::string>()) << progress;
  EXPECT_EQ("iteration", progress["meta"]["extra_metas"]["unit"].get<std::string>()) << progress;
  Json model = FedflowJson(task({"tracking", "output-model", "-o", out}, "host", "probe_0"));
  ASSERT_EQ(1u, model["data"]["models"].size()) << model;
  EXPECT_EQ("Probe", model["data"]["models"][0]["module"].get<std::string>());
  EXPECT_EQ("probe model of " + id + "/probe_0/host/10000/v0",
            ReadFileOrDie(model["data"]["models"][0]["file"].get<std::string>()));
  Json summary = FedflowJson(task({"tracking", "summary"}, "host", "probe_0"));
  EXPECT_EQ(569, summary["data"]["rows"].get<int64_t>()) << summary;
  EXPECT_EQ("host", summary["data"]["role"].get<std::string>()) << summary;
  Json passed = FedflowJson(task({"tracking", "output-data", "--limit", "0"}, "host", "probe_0"));
  EXPECT_EQ(569, passed["data"]["outputs"][0]["total"].get<int64_t>()) << passed;
  EXPECT_TRUE(passed["data"]["outputs"][0]["data"].empty()) << passed;

  // Clean removes both components' outputs on both parties; the tracking stays.
  Json cleaned = FedflowJson({"job", "clean", "-j", id});
  EXPECT_EQ(4, cleaned["data"]["outputs_removed"].get<int64_t>()) << cleaned;
  CliRun gone = Fedflow(task({"tracking", "output-data"}, "host", "probe_0"));
  EXPECT_EQ(2, gone.exit_code) << Describe(gone);
  EXPECT_THAT(gone.err, HasSubstr("no live agent of party 10000 holds output data of job " + id +
                                  " component probe_0 (host)"));
  EXPECT_EQ(0, Fedflow(task({"tracking", "summary"}, "host", "probe_0")).exit_code);
  EXPECT_EQ(0,
            Fedflow(task({"tracking", "metric-data", "--namespace", "probe", "--name", "progress"},
                         "host", "probe_0"))
                .exit_code);
}

}  // namespace
}  // namespace fedflow::testing
