// TrackingService over a real AgentStore in the test's temp dir, populated directly through the
// store (as a task's writes would): metric pages, output tables streamed as CSV in bounded
// parts with cursors that never mix two generations, previews, models read in parts, summaries,
// task logs in the data dir, and job clean (refused while a task runs, outputs only).
#include "party-agent/tracking_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "party-agent/store/table_writer.h"
#include "tests/harness/test_util.h"
#include "tests/store/store_test_util.h"

namespace fedflow {
namespace {

using store::MetricPoint;
using store::TableMeta;
using store::TaskPartyKey;

class TrackingServiceTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    data_dir_ = test_dir() + "/data";
    TrackingService::Options o;
    o.default_metric_points = 3;
    tracking_ = std::make_unique<TrackingService>(
        store_.get(), data_dir_,
        [this](const std::string& job) {
          return job == running_job_ ? running_ : std::vector<std::string>{};
        },
        o);
  }

  // Commits output `data_name` of `task` version `version`: a header "id,x" and `rows` rows.
  TableMeta WriteOutput(const TaskPartyKey& task, int32_t version, const std::string& data_name,
                        int rows, const std::string& tag = "r") {
    TableMeta schema;
    schema.header = {"id", "x"};
    schema.id_column = "id";
    schema.header_line = "id,x";
    schema.num_columns = 2;
    auto writer = store_->CreateOutput({task, version, data_name}, schema);
    EXPECT_TRUE(writer.ok()) << writer.status();
    if (!writer.ok()) return {};
    for (int i = 0; i < rows; ++i) {
      const std::string id = std::to_string(i);
      EXPECT_OK((*writer)->Add(id, id + "," + tag + id));
    }
    auto meta = (*writer)->Commit();
    EXPECT_TRUE(meta.ok()) << meta.status();
    return meta.ok() ? *meta : TableMeta();
  }

  // The whole output streamed in parts of `max_bytes`; *parts counts the calls.
  std::string ReadAllOutput(const TaskPartyKey& task, const std::string& data_name,
                            int32_t max_bytes, int64_t max_rows = 0, int* parts = nullptr) {
    std::string out;
    std::string cursor;
    for (int calls = 1; calls < 10000; ++calls) {
      auto part = tracking_->ReadOutput(task, data_name, -1, cursor, max_bytes, max_rows);
      EXPECT_TRUE(part.ok()) << part.status();
      if (!part.ok()) break;
      EXPECT_LE(part->data.size(), static_cast<size_t>(max_bytes));
      out += part->data;
      cursor = part->next_cursor;
      if (parts != nullptr) *parts = calls;
      if (part->done) break;
    }
    return out;
  }

  // Writes a task log where the agent's task runner puts it.
  void WriteLog(const TaskKey& key, const std::string& text) {
    auto dir = TaskWorkDir(data_dir_, key);
    ASSERT_TRUE(dir.ok()) << dir.status();
    fedflow::testing::WriteFileOrDie(*dir + "/" + kTaskLogFile, text);
  }

  const TaskPartyKey task_{"job1", "reader_0", "guest", 9999};
  std::string data_dir_;
  std::string running_job_;
  std::vector<std::string> running_;
  std::unique_ptr<TrackingService> tracking_;
};

TEST_F(TrackingServiceTest, MetricsListAndPagesKeepNumbersAndStrings) {
  auto none = tracking_->ListMetrics(task_);
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_TRUE(none->empty());
  EXPECT_TRUE(tracking_->GetMetric(task_, "train", "loss", 0, 0).status().IsNotFound());

  ASSERT_OK(store_->SaveMetricMeta(task_, {"loss", "train", "LOSS", R"({"unit": "nat"})"}));
  std::vector<MetricPoint> points;
  for (int i = 0; i < 5; ++i) points.push_back({double(i), 1.0 / (i + 1), 0});
  ASSERT_OK(store_->LogMetricData(task_, "train", "loss", points));
  ASSERT_OK(store_->LogMetricData(task_, "train", "threshold",
                                  {{std::string("best"), std::string("0.5"), 0}}));

  auto names = tracking_->ListMetrics(task_);
  ASSERT_TRUE(names.ok()) << names.status();
  EXPECT_EQ((std::map<std::string, std::vector<std::string>>{{"train", {"loss", "threshold"}}}),
            *names);

  // Pages of the default size (3 here), then the rest.
  auto first = tracking_->GetMetric(task_, "train", "loss", 0, 0);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->meta.has_value());
  EXPECT_EQ("LOSS", first->meta->metric_type);
  EXPECT_EQ(5, first->total_points);
  ASSERT_EQ(3u, first->points.size());
  EXPECT_FALSE(first->done);
  auto rest = tracking_->GetMetric(task_, "train", "loss", 3, 0);
  ASSERT_TRUE(rest.ok()) << rest.status();
  ASSERT_EQ(2u, rest->points.size());
  EXPECT_TRUE(rest->done);
  EXPECT_EQ(3.0, std::get<double>(rest->points[0].key));
  EXPECT_DOUBLE_EQ(0.25, std::get<double>(rest->points[0].value));

  auto text = tracking_->GetMetric(task_, "train", "threshold", 0, 100);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_FALSE(text->meta.has_value());
  ASSERT_EQ(1u, text->points.size());
  EXPECT_EQ("best", std::get<std::string>(text->points[0].key));
  EXPECT_EQ("0.5", std::get<std::string>(text->points[0].value));

  // Another party's task of the same component holds nothing.
  EXPECT_TRUE(tracking_->ListMetrics({"job1", "reader_0", "host", 10000})->empty());
}

TEST_F(TrackingServiceTest, OutputsStreamAsCsvInBoundedParts) {
  EXPECT_TRUE(tracking_->ListOutputs(task_, false)->empty());
  EXPECT_TRUE(tracking_->ReadOutput(task_, "data", -1, "", 0, 0).status().IsNotFound());

  WriteOutput(task_, 0, "data", 3, "old");
  WriteOutput(task_, 1, "data", 50);
  WriteOutput(task_, 0, "train", 2);

  auto latest = tracking_->ListOutputs(task_, false);
  ASSERT_TRUE(latest.ok()) << latest.status();
  ASSERT_EQ(2u, latest->size());
  EXPECT_EQ("data", (*latest)[0].output->data_name);
  EXPECT_EQ(1, (*latest)[0].output->task_version);
  EXPECT_EQ(50, (*latest)[0].count);
  EXPECT_EQ("job1", (*latest)[0].ns);
  EXPECT_EQ("reader_0.data", (*latest)[0].name);
  EXPECT_EQ("train", (*latest)[1].output->data_name);
  EXPECT_EQ(3u, tracking_->ListOutputs(task_, true)->size());

  std::string expected = "id,x\n";
  for (int i = 0; i < 50; ++i) expected += std::to_string(i) + ",r" + std::to_string(i) + "\n";
  // Parts of 7 bytes cut lines anywhere; they concatenate to the table.
  int parts = 0;
  EXPECT_EQ(expected, ReadAllOutput(task_, "data", 7, 0, &parts));
  EXPECT_GE(parts, static_cast<int>(expected.size() / 7));
  EXPECT_EQ(expected, ReadAllOutput(task_, "data", 1 << 20));

  // A preview: the header and the first rows, in one call.
  auto preview = tracking_->ReadOutput(task_, "data", -1, "", 0, 2);
  ASSERT_TRUE(preview.ok()) << preview.status();
  EXPECT_EQ("id,x\n0,r0\n1,r1\n", preview->data);
  EXPECT_EQ(2, preview->rows);
  EXPECT_TRUE(preview->done);
  EXPECT_EQ(50, preview->meta.count);

  // An older version is still readable by number.
  auto old = tracking_->ReadOutput(task_, "data", 0, "", 0, 0);
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ("id,x\n0,old0\n1,old1\n2,old2\n", old->data);

  // A retried task replaces the output mid-read: the next part is Aborted, never a mix.
  auto part = tracking_->ReadOutput(task_, "data", -1, "", 16, 0);
  ASSERT_TRUE(part.ok()) << part.status();
  ASSERT_FALSE(part->done);
  WriteOutput(task_, 1, "data", 5, "new");
  auto next = tracking_->ReadOutput(task_, "data", -1, part->next_cursor, 16, 0);
  EXPECT_TRUE(next.status().IsAborted()) << next.status();
  EXPECT_TRUE(
      tracking_->ReadOutput(task_, "data", -1, "garbage", 16, 0).status().IsInvalidArgument());
}

TEST_F(TrackingServiceTest, ModelsReadInPartsFromOneSave) {
  EXPECT_TRUE(tracking_->ListModels(task_)->empty());
  std::string bytes;
  for (int i = 0; i < 3000; ++i) bytes.push_back(static_cast<char>(i % 251));
  store::ModelMeta meta;
  meta.module = "HeteroLR";
  meta.alias = "model";
  meta.task_version = 1;
  ASSERT_OK(store_->SaveModel(task_, meta, bytes));
  meta.alias = "other";
  ASSERT_OK(store_->SaveModel(task_, meta, std::string(2000, 'o')));

  auto models = tracking_->ListModels(task_);
  ASSERT_TRUE(models.ok()) << models.status();
  ASSERT_EQ(2u, models->size());
  EXPECT_EQ("model", (*models)[0].alias);
  EXPECT_EQ(3000, (*models)[0].size);
  EXPECT_EQ("HeteroLR", (*models)[0].module);

  std::string read;
  int64_t create_time = 0;
  while (true) {
    auto part =
        tracking_->ReadModel(task_, "model", static_cast<int64_t>(read.size()), 1000, create_time);
    ASSERT_TRUE(part.ok()) << part.status();
    create_time = part->meta.create_time_ms;
    read += part->data;
    if (part->done) break;
  }
  EXPECT_TRUE(read == bytes);
  EXPECT_TRUE(tracking_->ReadModel(task_, "none", 0, 0, 0).status().IsNotFound());

  // Saved again (at a later millisecond) while a read is half done, and the kept copy given to
  // another model's read: the next part is Aborted rather than a mix of two saves.
  auto first = tracking_->ReadModel(task_, "model", 0, 1000, 0);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(fedflow::testing::WaitFor([&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() > first->meta.create_time_ms;
  }));
  meta.alias = "model";
  ASSERT_OK(store_->SaveModel(task_, meta, std::string(3000, 'n')));
  ASSERT_TRUE(tracking_->ReadModel(task_, "other", 0, 1000, 0).ok());
  auto second = tracking_->ReadModel(task_, "model", 1000, 1000, first->meta.create_time_ms);
  EXPECT_TRUE(second.status().IsAborted()) << second.status();
}

TEST_F(TrackingServiceTest, SummaryAndTaskRecords) {
  EXPECT_TRUE(tracking_->GetSummary(task_).status().IsNotFound());
  ASSERT_OK(store_->SaveSummary(task_, R"({"count": 569})", 2));
  auto summary = tracking_->GetSummary(task_);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(R"({"count": 569})", summary->json);
  EXPECT_EQ(2, summary->task_version);

  store::TaskRecord record;
  record.job_id = "job1";
  record.component = "reader_0";
  record.role = "guest";
  record.party_id = 9999;
  record.task_version = 0;
  record.party_status = "success";
  record.agent_id = "9999-0";
  ASSERT_OK(store_->PutTaskRecord(record));
  auto records = tracking_->ListTaskRecords("job1");
  ASSERT_TRUE(records.ok()) << records.status();
  ASSERT_EQ(1u, records->size());
  EXPECT_EQ("9999-0", (*records)[0].agent_id);
  EXPECT_TRUE(tracking_->ListTaskRecords("job2")->empty());
}

TEST_F(TrackingServiceTest, TaskLogsAreListedAndReadInParts) {
  EXPECT_TRUE(tracking_->ListTaskLogs("job1")->empty());
  const TaskKey a{"job1", "reader_0", "guest", 9999, 0};
  const TaskKey b{"job1", "reader_0", "guest", 9999, 1};
  const TaskKey c{"job1", "hetero_lr_0", "host", 9999, 0};
  std::string long_log;
  for (int i = 0; i < 200; ++i) long_log += "line " + std::to_string(i) + "\n";
  ASSERT_NO_FATAL_FAILURE(WriteLog(a, "first attempt\n"));
  ASSERT_NO_FATAL_FAILURE(WriteLog(b, long_log));
  ASSERT_NO_FATAL_FAILURE(WriteLog(c, ""));
  ASSERT_NO_FATAL_FAILURE(WriteLog({"job2", "reader_0", "guest", 9999, 0}, "other job\n"));
  // Not a task's directory: skipped.
  fedflow::testing::WriteFileOrDie(data_dir_ + "/jobs/job1/guest/notaparty/x/0/task.log", "x");
  fedflow::testing::WriteFileOrDie(data_dir_ + "/jobs/job1/guest/9999/x/v0/task.log", "x");

  auto logs = tracking_->ListTaskLogs("job1");
  ASSERT_TRUE(logs.ok()) << logs.status();
  ASSERT_EQ(3u, logs->size());
  EXPECT_EQ(c, (*logs)[0].key);  // by component first
  EXPECT_EQ(0, (*logs)[0].size);
  EXPECT_EQ(a, (*logs)[1].key);
  EXPECT_EQ(b, (*logs)[2].key);
  EXPECT_EQ(static_cast<int64_t>(long_log.size()), (*logs)[2].size);
  EXPECT_GT((*logs)[2].modify_time_ms, 0);

  std::string read;
  for (int calls = 0; calls < 1000; ++calls) {
    auto part = tracking_->ReadTaskLog(b, static_cast<int64_t>(read.size()), 100);
    ASSERT_TRUE(part.ok()) << part.status();
    EXPECT_LE(part->data.size(), 100u);
    EXPECT_EQ(static_cast<int64_t>(long_log.size()), part->size);
    read += part->data;
    EXPECT_EQ(static_cast<int64_t>(read.size()), part->next_offset);
    if (part->done) break;
  }
  EXPECT_EQ(long_log, read);
  auto empty = tracking_->ReadTaskLog(c, 0, 0);
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->done);
  EXPECT_EQ("", empty->data);

  EXPECT_TRUE(
      tracking_->ReadTaskLog({"job1", "reader_0", "guest", 9999, 7}, 0, 0).status().IsNotFound());
  EXPECT_TRUE(tracking_->ReadTaskLog(a, 1000, 0).status().IsInvalidArgument());
  EXPECT_TRUE(tracking_->ListTaskLogs("..").status().IsInvalidArgument());
  EXPECT_TRUE(tracking_->ReadTaskLog({"job1", "../x", "guest", 9999, 0}, 0, 0)
                  .status()
                  .IsInvalidArgument());
}

TEST_F(TrackingServiceTest, CleanJobRemovesOutputsOnlyAndRefusesWhileRunning) {
  WriteOutput(task_, 0, "data", 10);
  WriteOutput(task_, 0, "train", 10);
  WriteOutput({"job2", "reader_0", "guest", 9999}, 0, "data", 10);
  ASSERT_OK(store_->SaveSummary(task_, "{}", 0));
  ASSERT_OK(store_->LogMetricData(task_, "train", "loss", {{0.0, 1.0, 0}}));
  store::ModelMeta meta;
  meta.alias = "model";
  ASSERT_OK(store_->SaveModel(task_, meta, "bytes"));

  running_job_ = "job1";
  running_ = {"job1/hetero_lr_0/guest/9999/v0"};
  auto refused = tracking_->CleanJob("job1");
  EXPECT_TRUE(refused.status().IsIllegalState()) << refused.status();
  EXPECT_NE(std::string::npos, refused.status().message().find("job1/hetero_lr_0/guest/9999/v0"))
      << refused.status();
  EXPECT_EQ(2u, tracking_->ListOutputs(task_, false)->size());

  running_.clear();
  auto removed = tracking_->CleanJob("job1");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_EQ(2, *removed);
  EXPECT_TRUE(tracking_->ListOutputs(task_, false)->empty());
  EXPECT_EQ(1u, tracking_->ListOutputs({"job2", "reader_0", "guest", 9999}, false)->size());
  EXPECT_TRUE(tracking_->GetSummary(task_).ok());
  EXPECT_EQ(1u, tracking_->ListMetrics(task_)->size());
  EXPECT_EQ(1u, tracking_->ListModels(task_)->size());
  EXPECT_EQ(10, Keys(store::keys::kRows));  // job2's rows only

  // Idempotent.
  auto again = tracking_->CleanJob("job1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(0, *again);
}

}  // namespace
}  // namespace fedflow
