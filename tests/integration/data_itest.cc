// The data commands end to end: the real `fedflow` binary uploads a CSV to a party's agents
// (found in ZooKeeper), downloads it back byte for byte, and inspects and deletes tables;
// malformed input and a party without a live agent are clear errors that leave nothing behind;
// an acknowledged upload survives a kill -9 of the agent.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/json_util.h"
#include "tests/harness/cli_runner.h"
#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
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

using ::testing::HasSubstr;

class DataITest : public FedflowTest {
 protected:
  static void SetUpTestSuite() {
    MiniCluster::Options o;
    o.parties = {9999, 10000};
    o.agents_for_party = {{10000, 2}};  // Uploads go to every live agent of the party.
    cluster_.Start("DataITest", o);
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

  // The tables of `party` in namespace `ns`, as `table list --json` shows them.
  Json ListTables(int64_t party, const std::string& ns) {
    CliRun r =
        Fedflow({"table", "list", "--party", std::to_string(party), "--namespace", ns, "--json"});
    EXPECT_EQ(0, r.exit_code) << Describe(r);
    auto j = ParseJson(r.out, "table list output");
    EXPECT_TRUE(j.ok()) << j.status() << "\n" << Describe(r);
    return j.ok() ? (*j)["data"] : Json();
  }

  std::string Breast() const { return TestDataDir() + "/breast_hetero_guest.csv"; }

  static SharedCluster cluster_;
};

SharedCluster DataITest::cluster_;

TEST_F(DataITest, UploadDownloadRoundTripIsByteForByte) {
  // Small chunks: lines span chunks, as they do in any large file.
  CliRun up =
      Fedflow({"data", "upload", "--party", "9999", "--file", Breast(), "--namespace", "experiment",
               "--name", "breast_hetero_guest", "--chunk-bytes", "4096", "--json"});
  ASSERT_EQ(0, up.exit_code) << Describe(up);
  ASSERT_OK_AND_ASSIGN(Json uploaded, ParseJson(up.out, "upload output"));
  EXPECT_EQ(569, uploaded["data"]["count"].get<int64_t>()) << up.out;
  EXPECT_EQ(Json::array({"9999-0"}), uploaded["data"]["agents"]) << up.out;

  const std::string out = test_dir() + "/downloaded.csv";
  CliRun down = Fedflow({"data", "download", "--party", "9999", "--namespace", "experiment",
                         "--name", "breast_hetero_guest", "-o", out});
  ASSERT_EQ(0, down.exit_code) << Describe(down);
  EXPECT_THAT(down.out, HasSubstr("569 rows"));
  EXPECT_TRUE(ReadFileOrDie(Breast()) == ReadFileOrDie(out)) << "download differs from upload";

  CliRun info = Fedflow({"table", "info", "--party", "9999", "-n", "experiment", "-t",
                         "breast_hetero_guest", "--json"});
  ASSERT_EQ(0, info.exit_code) << Describe(info);
  ASSERT_OK_AND_ASSIGN(Json table, ParseJson(info.out, "table info output"));
  EXPECT_EQ(569, table["data"]["count"].get<int64_t>());
  EXPECT_EQ("id", table["data"]["schema"]["sid"].get<std::string>());
  EXPECT_EQ("y", table["data"]["schema"]["label_name"].get<std::string>());

  // Uploading again needs --drop.
  CliRun again = Fedflow({"data", "upload", "--party", "9999", "--file", Breast(), "--namespace",
                          "experiment", "--name", "breast_hetero_guest"});
  EXPECT_EQ(2, again.exit_code) << Describe(again);
  EXPECT_THAT(again.err, HasSubstr("already exists (upload with drop to replace it)"));

  // FATE's upload conf, to the other party; then delete it there.
  const std::string conf = test_dir() + "/upload_conf.json";
  WriteFileOrDie(conf, DumpJson(Json{{"file", Breast()},
                                     {"head", 1},
                                     {"partition", 4},
                                     {"work_mode", 0},
                                     {"table_name", "breast_conf"},
                                     {"namespace", "experiment"}}));
  CliRun by_conf = Fedflow({"data", "upload", "--party", "10000", "-c", conf});
  ASSERT_EQ(0, by_conf.exit_code) << Describe(by_conf);
  EXPECT_THAT(by_conf.out, HasSubstr("569 rows"));
  EXPECT_THAT(by_conf.out, HasSubstr("(agents 10000-0, 10000-1)"));
  Json listed = ListTables(10000, "experiment");
  ASSERT_EQ(1u, listed.size()) << listed;
  EXPECT_EQ("breast_conf", listed[0]["table_name"].get<std::string>());
  EXPECT_EQ(4, listed[0]["partition"].get<int>());
  EXPECT_EQ(Json::array({"10000-0", "10000-1"}), listed[0]["agents"]);
  // Either agent serves the download, byte for byte.
  ASSERT_OK(cluster()->StopAgent(10000, 0));
  CliRun from_second = Fedflow({"data", "download", "--party", "10000", "-n", "experiment", "-t",
                                "breast_conf", "-o", out + ".1", "--json"});
  ASSERT_EQ(0, from_second.exit_code) << Describe(from_second);
  EXPECT_THAT(from_second.out, HasSubstr("\"agent\": \"10000-1\""));
  EXPECT_TRUE(ReadFileOrDie(Breast()) == ReadFileOrDie(out + ".1"));
  ASSERT_OK(cluster()->RestartAgent(10000, 0));
  CliRun del =
      Fedflow({"table", "delete", "--party", "10000", "-n", "experiment", "-t", "breast_conf"});
  ASSERT_EQ(0, del.exit_code) << Describe(del);
  EXPECT_TRUE(ListTables(10000, "experiment").empty());
  CliRun gone = Fedflow({"data", "download", "--party", "10000", "-n", "experiment", "-t",
                         "breast_conf", "-o", out + ".2"});
  EXPECT_EQ(2, gone.exit_code) << Describe(gone);
  EXPECT_THAT(gone.err, HasSubstr("experiment.breast_conf does not exist"));
}

TEST_F(DataITest, MalformedCsvNamesTheLineAndLeavesNoTable) {
  const std::string bad = test_dir() + "/ragged.csv";
  std::string csv = "id,y,x0\n";
  for (int i = 0; i < 1000; ++i) csv += std::to_string(i) + ",1,0.5\n";
  csv += "1000,1\n";  // Line 1002: two fields.
  for (int i = 1001; i < 1100; ++i) csv += std::to_string(i) + ",0,0.25\n";
  WriteFileOrDie(bad, csv);
  CliRun up = Fedflow({"data", "upload", "--party", "9999", "--file", bad, "--namespace",
                       "malformed", "--name", "ragged", "--chunk-bytes", "1000"});
  EXPECT_EQ(2, up.exit_code) << Describe(up);
  EXPECT_THAT(up.err, HasSubstr(bad + ": line 1002 has 2 fields but the header (line 1) has 3"));
  EXPECT_THAT(up.err, HasSubstr("upload aborted: party 9999 is unchanged"));
  EXPECT_TRUE(ListTables(9999, "malformed").empty());

  // A duplicate id is found when the upload finishes: still nothing is left.
  WriteFileOrDie(bad, "id,x\n1,a\n2,b\n1,c\n");
  up = Fedflow({"data", "upload", "--party", "9999", "--file", bad, "--namespace", "malformed",
                "--name", "dup"});
  EXPECT_EQ(2, up.exit_code) << Describe(up);
  EXPECT_THAT(up.err, HasSubstr("duplicate id \"1\" on lines 2 and 4"));
  EXPECT_TRUE(ListTables(9999, "malformed").empty());

  // No id column, bytes that are not UTF-8, an empty file: each a clear error, no table, on
  // either agent of the two-agent party.
  struct Case {
    std::string name, csv, error;
  };
  const std::vector<Case> cases = {
      {"noid", ",y,x\n1,0,0\n", "line 1 (the header): its first column, the id column, has no name"},
      {"latin1", "id,name\n1,ok\n2,caf\xE9\n", "line 3 is not valid UTF-8: byte 0xe9"},
      {"empty", "", "is empty"},
  };
  for (const Case& c : cases) {
    WriteFileOrDie(bad, c.csv);
    up = Fedflow({"data", "upload", "--party", "10000", "--file", bad, "--namespace", "malformed",
                  "--name", c.name});
    EXPECT_EQ(2, up.exit_code) << c.name << ": " << Describe(up);
    EXPECT_THAT(up.err, HasSubstr(c.error)) << c.name;
    EXPECT_THAT(up.err, HasSubstr("party 10000 is unchanged")) << c.name;
  }
  EXPECT_TRUE(ListTables(10000, "malformed").empty());
}

TEST_F(DataITest, BadInputAndMissingAgentsAreClearErrors) {
  CliRun missing = Fedflow({"data", "upload", "--party", "9999", "--file", test_dir() + "/nope.csv",
                            "-n", "experiment", "-t", "nope"});
  EXPECT_EQ(2, missing.exit_code) << Describe(missing);
  EXPECT_THAT(missing.err, HasSubstr("nope.csv: no such file"));

  CliRun no_name = Fedflow({"data", "upload", "--party", "9999", "--file", Breast()});
  EXPECT_EQ(2, no_name.exit_code) << Describe(no_name);
  EXPECT_THAT(no_name.err, HasSubstr("no table namespace"));

  CliRun no_table =
      Fedflow({"table", "info", "--party", "9999", "-n", "experiment", "-t", "no_such_table"});
  EXPECT_EQ(2, no_table.exit_code) << Describe(no_table);
  EXPECT_THAT(no_table.err, HasSubstr("experiment.no_such_table does not exist"));

  // A party no agent ever served.
  CliRun nobody = Fedflow({"data", "upload", "--party", "10001", "--file", Breast(), "-n",
                           "experiment", "-t", "breast"});
  EXPECT_EQ(1, nobody.exit_code) << Describe(nobody);
  EXPECT_THAT(nobody.err, HasSubstr("party 10001 has no live agent"));

  // A party whose agents stopped (they leave ZooKeeper as they stop).
  ASSERT_OK(cluster()->StopAgent(10000, 0));
  ASSERT_OK(cluster()->StopAgent(10000, 1));
  CliRun stopped = Fedflow({"data", "upload", "--party", "10000", "--file", Breast(), "-n",
                            "experiment", "-t", "breast"});
  EXPECT_EQ(1, stopped.exit_code) << Describe(stopped);
  EXPECT_THAT(stopped.err, HasSubstr("party 10000 has no live agent"));
  ASSERT_OK(cluster()->RestartAgent(10000, 0));
  ASSERT_OK(cluster()->RestartAgent(10000, 1));
  EXPECT_TRUE(ListTables(10000, "experiment").empty());
}

TEST_F(DataITest, AcknowledgedUploadSurvivesKillNine) {
  CliRun up = Fedflow(
      {"data", "upload", "--party", "9999", "--file", Breast(), "-n", "durable", "-t", "breast"});
  ASSERT_EQ(0, up.exit_code) << Describe(up);
  // Killed right after the acknowledgement: no clean shutdown, no LevelDB close.
  ASSERT_OK(cluster()->KillAgent(9999, 0));
  ASSERT_OK(cluster()->RestartAgent(9999, 0));
  const std::string out = test_dir() + "/after_restart.csv";
  CliRun down =
      Fedflow({"data", "download", "--party", "9999", "-n", "durable", "-t", "breast", "-o", out});
  ASSERT_EQ(0, down.exit_code) << Describe(down);
  EXPECT_TRUE(ReadFileOrDie(Breast()) == ReadFileOrDie(out)) << "table changed by the restart";
}

}  // namespace
}  // namespace fedflow::testing
