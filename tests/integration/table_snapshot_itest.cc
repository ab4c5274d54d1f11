// Jobs read a party table as one generation: four Reader jobs run while the table they read is
// re-uploaded over and over (`fedflow data upload --drop`, alternating two versions whose rows
// differ in one column); each job's output, read back with `fedflow tracking output-data -o`,
// holds every row of exactly one version, never a mix. Real processes throughout: ZooKeeper,
// coordinator, agents, fedflow-task and the fedflow CLI.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/json_util.h"
#include "tests/harness/cli_runner.h"
#include "tests/harness/mini_cluster.h"
#include "tests/harness/test_util.h"
#include "tests/integration/probe_job.h"

namespace fedflow::testing {
namespace {

using std::chrono::seconds;

constexpr int64_t kGuest = 9999;
constexpr int64_t kHost = 10000;
constexpr int kRows = 200000;

class TableSnapshotITest : public FedflowTest {
 protected:
  CliRun Fedflow(MiniCluster* cluster, std::vector<std::string> args, const std::string& scratch) {
    return RunFedflowCli(BinDir(), cluster->zk_connect_string(), std::move(args), scratch,
                         seconds(120));
  }

  // id,tag,x with `tag` on every row.
  std::string WriteVersion(const std::string& tag) {
    std::string csv = "id,tag,x\n";
    for (int i = 0; i < kRows; ++i) {
      csv += std::to_string(i) + "," + tag + "," + std::to_string(i * 0.5) + "\n";
    }
    const std::string path = test_dir() + "/version_" + tag + ".csv";
    WriteFileOrDie(path, csv);
    return path;
  }

  static Json ReaderDsl() {
    return Json::parse(R"({"components": {
      "reader_0": {"module": "Reader", "output": {"data": ["data"]}}}})");
  }
  static Json ReaderConf() {
    return Json::parse(R"({"dsl_version": 2,
      "initiator": {"role": "guest", "party_id": 9999},
      "role": {"guest": [9999], "host": [10000]},
      "job_parameters": {"common": {"task_parallelism": 1}},
      "component_parameters": {"role": {
        "guest": {"0": {"reader_0": {"table": {"name": "moving", "namespace": "snap"}}}},
        "host": {"0": {"reader_0": {"table": {"name": "still", "namespace": "snap"}}}}}}})");
  }
};

TEST_F(TableSnapshotITest, JobsReadingATableWhileItIsReuploadedSeeOneVersion) {
  MiniCluster::Options o;
  o.dir = test_dir() + "/cluster";
  o.parties = {kGuest, kHost};
  MiniCluster cluster(o);
  ASSERT_OK(cluster.Start());
  const std::string a = WriteVersion("a");
  const std::string b = WriteVersion("b");
  const std::string scratch = test_dir() + "/cli";
  WriteFileOrDie(scratch + "/.keep", "");
  auto upload = [&](int64_t party, const std::string& file, const std::string& name,
                    const std::string& dir) {
    return Fedflow(&cluster,
                   {"data", "upload", "--party", std::to_string(party), "--file", file,
                    "--namespace", "snap", "--name", name, "--drop"},
                   dir);
  };
  CliRun first = upload(kGuest, a, "moving", scratch);
  ASSERT_EQ(0, first.exit_code) << first.Describe();
  CliRun host = upload(kHost, a, "still", scratch);
  ASSERT_EQ(0, host.exit_code) << host.Describe();

  // Re-upload the guest's table, alternating b and a, until both jobs have ended.
  std::atomic<bool> done{false};
  std::atomic<int> uploads{0};
  std::atomic<int> failed_uploads{0};
  std::string upload_error;
  const std::string upload_scratch = test_dir() + "/uploader";
  WriteFileOrDie(upload_scratch + "/.keep", "");
  std::thread uploader([&] {
    for (int i = 0; !done.load(); ++i) {
      CliRun r = upload(kGuest, i % 2 == 0 ? b : a, "moving", upload_scratch);
      if (r.exit_code != 0) {
        failed_uploads++;
        upload_error = r.Describe();
        return;
      }
      uploads++;
    }
  });
  std::vector<std::string> jobs;
  for (int j = 0; j < 4; ++j) {
    // Spread the jobs over the re-uploads: one more upload ends between two submits.
    ASSERT_TRUE(WaitFor([&] { return uploads.load() >= j || failed_uploads.load() > 0; },
                        seconds(60)));
    auto id = cluster.Submit(DumpJson(ReaderDsl()), DumpJson(ReaderConf()));
    EXPECT_OK(id);
    if (id.ok()) jobs.push_back(*id);
  }
  std::vector<thrift::TJobInfo> ends;
  for (const std::string& id : jobs) {
    auto end = cluster.WaitForEnd(id, seconds(120));
    EXPECT_OK(end);
    if (end.ok()) ends.push_back(*end);
  }
  done = true;
  uploader.join();
  ASSERT_EQ(0, failed_uploads.load()) << upload_error;
  ASSERT_EQ(4u, ends.size());
  RecordProperty("reuploads_during_jobs", std::to_string(uploads.load()));
  EXPECT_GE(uploads.load(), 3) << "too few re-uploads overlapped the jobs";

  for (const thrift::TJobInfo& end : ends) {
    ASSERT_EQ("success", end.status) << DescribeJob(end);
    const std::string out = test_dir() + "/out-" + end.job_id;
    CliRun read = Fedflow(&cluster,
                          {"tracking", "output-data", "-j", end.job_id, "-r", "guest", "-p",
                           std::to_string(kGuest), "-cpn", "reader_0", "-o", out, "--json"},
                          scratch);
    ASSERT_EQ(0, read.exit_code) << read.Describe();
    const std::string csv = ReadFileOrDie(out + "/job_" + end.job_id +
                                          "_reader_0_guest_9999_output_data/data.csv");
    // Every row has the same tag: the job read one generation of the table.
    int rows = 0, tag_a = 0, tag_b = 0;
    size_t pos = csv.find('\n') + 1;  // after the header
    while (pos < csv.size()) {
      size_t end_of_line = csv.find('\n', pos);
      if (end_of_line == std::string::npos) end_of_line = csv.size();
      std::string_view line(csv.data() + pos, end_of_line - pos);
      size_t c1 = line.find(',');
      size_t c2 = line.find(',', c1 + 1);
      std::string_view tag = line.substr(c1 + 1, c2 - c1 - 1);
      tag_a += tag == "a";
      tag_b += tag == "b";
      ++rows;
      pos = end_of_line + 1;
    }
    EXPECT_EQ(kRows, rows) << end.job_id;
    EXPECT_TRUE((tag_a == kRows && tag_b == 0) || (tag_b == kRows && tag_a == 0))
        << end.job_id << " read a mix: " << tag_a << " rows of version a, " << tag_b
        << " of version b";
  }
}

}  // namespace
}  // namespace fedflow::testing
