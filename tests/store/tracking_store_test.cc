// Task outputs, models, metrics, summaries and task records; cleaning and deleting jobs.

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "party-agent/store/table_writer.h"
#include "tests/store/store_test_util.h"

namespace fedflow::store::testing {
namespace {

using ::testing::HasSubstr;

class TrackingStoreTest : public StoreTest {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(OpenStore()); }

  void WriteOutput(const OutputRef& ref, const std::vector<std::string>& rows) {
    TableMeta schema;
    schema.header = {"id", "x"};
    schema.header_line = "id,x";
    schema.id_column = "id";
    auto writer = store_->CreateOutput(ref, schema);
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (const std::string& row : rows) ASSERT_OK((*writer)->Add(RowId(row, ","), row));
    auto meta = (*writer)->Commit();
    ASSERT_TRUE(meta.ok()) << meta.status();
  }

  // An output, a model, metrics, a summary and a task record for `task`.
  void WriteTask(const TaskPartyKey& task) {
    ASSERT_NO_FATAL_FAILURE(WriteOutput({task, 0, "data"}, {"1,a", "2,b"}));
    ModelMeta meta;
    meta.module = "HeteroLR";
    meta.alias = "model";
    ASSERT_OK(store_->SaveModel(task, meta, "weights"));
    ASSERT_OK(store_->LogMetricData(task, "train", "loss", {{0.0, 0.5}}));
    ASSERT_OK(store_->SaveSummary(task, "{}", 0));
    TaskRecord record;
    record.job_id = task.job_id;
    record.component = task.component;
    record.role = task.role;
    record.party_id = task.party_id;
    ASSERT_OK(store_->PutTaskRecord(record));
  }

  bool HasEverything(const TaskPartyKey& task) {
    return store_->LoadModel(task, "model").ok() && store_->GetMetric(task, "train", "loss").ok() &&
           store_->GetSummary(task).ok() && store_->GetTaskRecord(task, 0).ok();
  }
};

TEST_F(TrackingStoreTest, OutputsRoundTripAndReplace) {
  const TaskPartyKey task{"202401010000001", "reader_0", "guest", 9999};
  ASSERT_NO_FATAL_FAILURE(WriteOutput({task, 0, "data"}, {"1,a", "2,b"}));
  ASSERT_NO_FATAL_FAILURE(WriteOutput({task, 1, "data"}, {"3,c"}));
  ASSERT_NO_FATAL_FAILURE(WriteOutput({task, 1, "train"}, {"4,d"}));

  auto meta = store_->GetOutput({task, 0, "data"});
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(2, meta->count);
  EXPECT_EQ("202401010000001", meta->ns);
  EXPECT_EQ("reader_0.data", meta->name);
  EXPECT_EQ("output of 202401010000001/reader_0/guest/9999/0", meta->source);
  ASSERT_TRUE(meta->output.has_value());
  EXPECT_EQ("data", meta->output->data_name);

  auto outputs = store_->ListOutputs(task);
  ASSERT_TRUE(outputs.ok());
  ASSERT_EQ(3u, outputs->size());
  EXPECT_EQ(1, (*outputs)[2].output->task_version);
  auto latest = store_->LatestOutput(task, "data");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(1, latest->output->task_version);
  EXPECT_TRUE(store_->LatestOutput(task, "validate").status().IsNotFound());

  // A retried version replaces its output; the replaced rows are deleted.
  ASSERT_NO_FATAL_FAILURE(WriteOutput({task, 1, "data"}, {"5,e", "6,f"}));
  auto reader = store_->OpenOutput({task, 1, "data"});
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((std::vector<std::string>{"5,e", "6,f"}), ReadAll(reader->get()));
  EXPECT_EQ(5, Keys(keys::kRows));
  EXPECT_TRUE(store_->OpenOutput({task, 2, "data"}).status().IsNotFound());
  // Outputs are not party tables.
  EXPECT_TRUE(store_->ListTables()->empty());
}

TEST_F(TrackingStoreTest, ModelsRoundTrip) {
  const TaskPartyKey task{"j", "hetero_lr_0", "host", 10000};
  std::string big(5 << 20, '\0');
  for (size_t i = 0; i < big.size(); i++) big[i] = static_cast<char>(i * 7919);
  ModelMeta meta;
  meta.module = "HeteroLR";
  meta.alias = "model";
  meta.task_version = 2;
  meta.model_id = "host#10000#guest#9999#host#10000#model";
  meta.model_version = "j";
  ASSERT_OK(store_->SaveModel(task, meta, big));
  meta.alias = "checkpoint";
  ASSERT_OK(store_->SaveModel(task, meta, "small"));

  auto model = store_->LoadModel(task, "model");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(big, model->data);
  EXPECT_EQ("HeteroLR", model->meta.module);
  EXPECT_EQ("j", model->meta.job_id);
  EXPECT_EQ("host", model->meta.role);
  EXPECT_EQ(10000, model->meta.party_id);
  EXPECT_EQ(2, model->meta.task_version);
  EXPECT_EQ(static_cast<int64_t>(big.size()), model->meta.size);
  EXPECT_EQ("j", model->meta.model_version.value_or(""));
  EXPECT_GT(model->meta.create_time_ms, 0);

  auto models = store_->ListModels(task);
  ASSERT_TRUE(models.ok());
  ASSERT_EQ(2u, models->size());
  EXPECT_EQ("checkpoint", (*models)[0].alias);
  auto missing = store_->LoadModel(task, "nope");
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_THAT(missing.status().message(), HasSubstr("has no model \"nope\""));
  EXPECT_TRUE(store_->SaveModel({"", "c", "guest", 1}, meta, "x").IsInvalidArgument());
}

TEST_F(TrackingStoreTest, MetricsRoundTrip) {
  const TaskPartyKey task{"j", "hetero_lr_0", "guest", 9999};
  MetricMeta loss_meta{"loss", "train", "LOSS", R"({"unit_name": "iters"})"};
  ASSERT_OK(store_->SaveMetricMeta(task, loss_meta));
  ASSERT_OK(store_->LogMetricData(task, "train", "loss", {{0.0, 0.69}, {1.0, 0.52}}));
  ASSERT_OK(store_->LogMetricData(task, "train", "loss", {{2.0, 0.41, 1234}}));
  ASSERT_OK(store_->LogMetricData(task, "train", "auc/roc", {{std::string("0.5"), 0.9}}));
  ASSERT_OK(store_->LogMetricData(task, "validate", "summary",
                                  {{std::string("auc"), std::string("0.97")}}));

  auto names = store_->ListMetrics(task);
  ASSERT_TRUE(names.ok()) << names.status();
  ASSERT_EQ(2u, names->size());
  EXPECT_EQ((std::vector<std::string>{"auc/roc", "loss"}), names->at("train"));
  EXPECT_EQ(std::vector<std::string>{"summary"}, names->at("validate"));

  auto loss = store_->GetMetric(task, "train", "loss");
  ASSERT_TRUE(loss.ok()) << loss.status();
  ASSERT_TRUE(loss->meta.has_value());
  EXPECT_EQ("LOSS", loss->meta->metric_type);
  EXPECT_EQ(R"({"unit_name": "iters"})", loss->meta->extra_metas_json);
  ASSERT_EQ(3u, loss->points.size());
  for (int i = 0; i < 3; i++)
    EXPECT_EQ(static_cast<double>(i), std::get<double>(loss->points[i].key));
  EXPECT_EQ(0.41, std::get<double>(loss->points[2].value));
  EXPECT_EQ(1234, loss->points[2].timestamp_ms);
  EXPECT_GT(loss->points[0].timestamp_ms, 0);

  auto summary = store_->GetMetric(task, "validate", "summary");
  ASSERT_TRUE(summary.ok());
  EXPECT_FALSE(summary->meta.has_value());
  EXPECT_EQ("auc", std::get<std::string>(summary->points[0].key));
  EXPECT_EQ("0.97", std::get<std::string>(summary->points[0].value));

  EXPECT_TRUE(store_->GetMetric(task, "train", "nope").status().IsNotFound());
  EXPECT_TRUE(store_->SaveMetricMeta(task, {"x", "train", "LOSS", "{"}).IsInvalidArgument());
  // Another party's metrics are separate.
  auto other = store_->ListMetrics({"j", "hetero_lr_0", "guest", 99});
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());
}

TEST_F(TrackingStoreTest, SummariesAndTaskRecords) {
  const TaskPartyKey task{"j", "evaluation_0", "guest", 9999};
  EXPECT_TRUE(store_->GetSummary(task).status().IsNotFound());
  ASSERT_OK(store_->SaveSummary(task, R"({"auc": 0.975186})", 0));
  ASSERT_OK(store_->SaveSummary(task, R"({"auc": 0.98})", 1));
  auto summary = store_->GetSummary(task);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(R"({"auc": 0.98})", summary->json);
  EXPECT_EQ(1, summary->task_version);
  Status bad = store_->SaveSummary(task, "{not json", 1);
  EXPECT_TRUE(bad.IsInvalidArgument()) << bad;

  TaskRecord record;
  record.job_id = "j";
  record.component = "evaluation_0";
  record.role = "guest";
  record.party_id = 9999;
  record.module = "Evaluation";
  record.party_status = "running";
  record.run_pid = 4321;
  ASSERT_OK(store_->PutTaskRecord(record));
  record.task_version = 1;
  record.party_status = "success";
  ASSERT_OK(store_->PutTaskRecord(record));
  auto v0 = store_->GetTaskRecord(task, 0);
  ASSERT_TRUE(v0.ok());
  EXPECT_EQ("running", v0->party_status);
  EXPECT_EQ(4321, v0->run_pid);
  EXPECT_GT(v0->update_time_ms, 0);
  auto records = store_->ListTaskRecords("j");
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(2u, records->size());
  EXPECT_EQ("success", (*records)[1].party_status);
  EXPECT_TRUE(store_->GetTaskRecord(task, 7).status().IsNotFound());
}

TEST_F(TrackingStoreTest, CleanJobRemovesOnlyItsOutputs) {
  const TaskPartyKey a{"job1", "reader_0", "guest", 9999};
  const TaskPartyKey b{"job1", "dataio_0", "guest", 9999};
  const TaskPartyKey other{"job10", "reader_0", "guest", 9999};  // shares a prefix with job1
  ASSERT_NO_FATAL_FAILURE(WriteTask(a));
  ASSERT_NO_FATAL_FAILURE(WriteTask(b));
  ASSERT_NO_FATAL_FAILURE(WriteTask(other));
  ASSERT_TRUE(Upload("id\n1\n", "experiment", "t").ok());
  EXPECT_EQ(7, Keys(keys::kRows));

  auto removed = store_->CleanJob("job1");
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(2, *removed);
  EXPECT_TRUE(store_->ListJobOutputs("job1")->empty());
  EXPECT_TRUE(store_->OpenOutput({a, 0, "data"}).status().IsNotFound());
  EXPECT_TRUE(HasEverything(a));
  EXPECT_TRUE(HasEverything(b));
  EXPECT_TRUE(HasEverything(other));
  EXPECT_EQ(1u, store_->ListJobOutputs("job10")->size());
  EXPECT_EQ(3, Keys(keys::kRows)) << "job10's output and the party table remain";
  EXPECT_EQ(0, *store_->CleanJob("job1"));
}

TEST_F(TrackingStoreTest, DeleteJobRemovesEverythingOfTheJob) {
  const TaskPartyKey a{"job1", "reader_0", "guest", 9999};
  const TaskPartyKey other{"job10", "reader_0", "guest", 9999};
  ASSERT_NO_FATAL_FAILURE(WriteTask(a));
  ASSERT_NO_FATAL_FAILURE(WriteTask(other));
  ASSERT_OK(store_->DeleteJob("job1"));
  EXPECT_FALSE(store_->LoadModel(a, "model").ok());
  EXPECT_FALSE(store_->GetMetric(a, "train", "loss").ok());
  EXPECT_FALSE(store_->GetSummary(a).ok());
  EXPECT_FALSE(store_->GetTaskRecord(a, 0).ok());
  EXPECT_TRUE(store_->ListTaskRecords("job1")->empty());
  EXPECT_TRUE(HasEverything(other));
  for (std::string_view kind :
       {keys::kOut, keys::kModel, keys::kMetric, keys::kSummary, keys::kTask}) {
    EXPECT_EQ(0, Keys(keys::JobPrefix(kind, "job1"))) << kind;
    EXPECT_LT(0, Keys(keys::JobPrefix(kind, "job10"))) << kind;
  }
  EXPECT_EQ(2, Keys(keys::kRows));
}

}  // namespace
}  // namespace fedflow::store::testing
