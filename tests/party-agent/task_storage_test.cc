// TaskStorage over a real AgentStore: cursors read one generation in bounded, idempotent
// batches; outputs are written in idempotent batches and become visible at commit, and an
// output a task leaves unfinished leaves nothing; calls of a task the agent is not running are
// refused; models in chunks, metrics and summaries. Then the same through the TaskService
// (a real Thrift server on loopback) with the task-side client and TaskContext's io
// resolution.

#include "party-agent/task_storage.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "TaskService.h"
#include "common/rpc/thrift_server.h"
#include "party-agent/components/component.h"
#include "party-agent/components/stop_signal.h"
#include "party-agent/components/task_storage_client.h"
#include "party-agent/store/store_keys.h"
#include "party-agent/task_service.h"
#include "tests/store/store_test_util.h"

#ifndef ASSERT_OK_AND_ASSIGN
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)                           \
  auto tmp = (rexpr);                                                        \
  ASSERT_TRUE(tmp.ok()) << #rexpr << " failed: " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(FEDFLOW_CONCAT(_assign_, __LINE__), lhs, rexpr)
#endif

namespace fedflow {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kGuest = 9999;

TaskKey Task(const std::string& component, int32_t version = 0) {
  return TaskKey{"job1", component, "guest", kGuest, version};
}

// "id,y,x0" and n rows "<i>,<i%2>,<i*0.5>".
std::string Csv(int n) {
  std::string csv = "id,y,x0\n";
  for (int i = 0; i < n; ++i) {
    csv += std::to_string(i) + "," + std::to_string(i % 2) + "," + std::to_string(i * 0.5) + "\n";
  }
  return csv;
}

std::vector<std::string> Rows(int from, int to) {
  std::vector<std::string> rows;
  for (int i = from; i < to; ++i) rows.push_back(std::to_string(i) + ",v" + std::to_string(i));
  return rows;
}

store::TableMeta Schema() {
  store::TableMeta m;
  m.header = {"id", "v"};
  m.id_column = "id";
  m.header_line = "id,v";
  return m;
}

class TaskStorageTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Make(TaskStorageOptions());
  }
  void Make(TaskStorageOptions options) {
    storage_.reset();
    storage_ = std::make_unique<TaskStorage>(store_.get(), options);
  }

  // Reads the cursor to its end in batches of `rows`.
  std::vector<std::string> ReadAll(const TaskKey& task, int64_t cursor, int32_t rows) {
    std::vector<std::string> out;
    int64_t seq = 0;
    while (true) {
      auto batch = storage_->ReadBatch(task, cursor, seq, rows, 0);
      EXPECT_TRUE(batch.ok()) << batch.status();
      if (!batch.ok()) break;
      for (store::Row& r : batch->rows) {
        EXPECT_EQ(seq, r.seq);
        ++seq;
        out.push_back(std::move(r.data));
      }
      if (batch->done) break;
      EXPECT_FALSE(batch->rows.empty());
      if (batch->rows.empty()) break;
    }
    return out;
  }

  // Writes rows [0, n) as output `name` of `task` in batches of 100 and commits.
  Result<int64_t> WriteOutput(const TaskKey& task, const std::string& name, int n) {
    ASSIGN_OR_RETURN(int64_t w, storage_->CreateOutput(task, name, Schema()));
    int64_t seq = 0;
    for (int from = 0; from < n; from += 100) {
      RETURN_NOT_OK(
          storage_->AppendRows(task, w, seq++, Rows(from, std::min(n, from + 100))).status());
    }
    return storage_->CommitOutput(task, w);
  }

  std::unique_ptr<TaskStorage> storage_;
};

TEST_F(TaskStorageTest, ReadsATableInBoundedIdempotentBatches) {
  ASSERT_OK(Upload(Csv(1000), "experiment", "t"));
  const TaskKey task = Task("reader_0");
  storage_->BeginTask(task);
  ASSERT_OK_AND_ASSIGN(OpenedInput in, storage_->OpenInput(task, {"experiment", "t", "", ""}));
  EXPECT_EQ(1000, in.meta.count);
  EXPECT_EQ((std::vector<std::string>{"id", "y", "x0"}), in.meta.header);
  EXPECT_EQ("y", in.meta.label_column.value_or(""));

  ASSERT_OK_AND_ASSIGN(TaskRowBatch first, storage_->ReadBatch(task, in.cursor_id, 0, 100, 0));
  ASSERT_EQ(100u, first.rows.size());
  EXPECT_FALSE(first.done);
  EXPECT_EQ("0,0,0.000000", first.rows[0].data);
  // A retry (the answer was lost) gets the same rows; a later batch resumes where asked.
  ASSERT_OK_AND_ASSIGN(TaskRowBatch again, storage_->ReadBatch(task, in.cursor_id, 0, 100, 0));
  ASSERT_EQ(100u, again.rows.size());
  EXPECT_EQ(first.rows[99].data, again.rows[99].data);
  ASSERT_OK_AND_ASSIGN(TaskRowBatch later, storage_->ReadBatch(task, in.cursor_id, 990, 100, 0));
  EXPECT_EQ(10u, later.rows.size());
  EXPECT_TRUE(later.done);
  EXPECT_EQ("999,1,499.500000", later.rows.back().data);
  // Bytes bound a batch too (at least one row).
  ASSERT_OK_AND_ASSIGN(TaskRowBatch small, storage_->ReadBatch(task, in.cursor_id, 0, 4096, 30));
  EXPECT_GE(small.rows.size(), 1u);
  EXPECT_LE(small.rows.size(), 3u);

  // Re-uploading the table does not change what the open cursor reads.
  store::CsvOptions drop;
  drop.drop = true;
  ASSERT_OK(Upload(Csv(10), "experiment", "t", drop));
  EXPECT_EQ(1000u, ReadAll(task, in.cursor_id, 333).size());

  ASSERT_OK(storage_->CloseInput(task, in.cursor_id));
  ASSERT_OK(storage_->CloseInput(task, in.cursor_id));  // Closing twice is fine.
  auto closed = storage_->ReadBatch(task, in.cursor_id, 0, 10, 0);
  EXPECT_TRUE(closed.status().IsNotFound()) << closed.status();
  EXPECT_EQ(0u, storage_->open_cursors());
}

TEST_F(TaskStorageTest, MissingInputsNameTheTableOrOutputAndTheParty) {
  const TaskKey task = Task("reader_0");
  storage_->BeginTask(task);
  auto table = storage_->OpenInput(task, {"experiment", "nope", "", ""});
  ASSERT_TRUE(table.status().IsNotFound()) << table.status();
  EXPECT_EQ("table experiment.nope does not exist on party 9999 (guest)", table.status().message());
  auto output = storage_->OpenInput(task, {"", "", "upstream_0", "data"});
  ASSERT_TRUE(output.status().IsNotFound()) << output.status();
  EXPECT_EQ("component upstream_0 has no output data \"data\" in job job1 on party 9999 (guest)",
            output.status().message());
  EXPECT_TRUE(storage_->OpenInput(task, {"experiment", "", "", ""}).status().IsInvalidArgument());
}

TEST_F(TaskStorageTest, OutputIsVisibleAtCommitAndDownstreamReadsTheLatestVersion) {
  const TaskKey v0 = Task("reader_0", 0);
  storage_->BeginTask(v0);
  ASSERT_OK_AND_ASSIGN(int64_t w, storage_->CreateOutput(v0, "data", Schema()));
  ASSERT_OK_AND_ASSIGN(int64_t rows, storage_->AppendRows(v0, w, 0, Rows(0, 100)));
  EXPECT_EQ(100, rows);
  // A retried batch is acknowledged and not written again; a gap is refused.
  ASSERT_OK_AND_ASSIGN(rows, storage_->AppendRows(v0, w, 0, Rows(0, 100)));
  EXPECT_EQ(100, rows);
  auto gap = storage_->AppendRows(v0, w, 2, Rows(100, 110));
  EXPECT_TRUE(gap.status().IsInvalidArgument()) << gap.status();
  EXPECT_THAT(gap.status().message(), HasSubstr("batch 2 arrived, expected batch 1"));
  ASSERT_OK(storage_->AppendRows(v0, w, 1, Rows(100, 150)));
  // Nothing is visible before the commit.
  EXPECT_TRUE(
      store_->LatestOutput({"job1", "reader_0", "guest", kGuest}, "data").status().IsNotFound());
  ASSERT_OK_AND_ASSIGN(int64_t count, storage_->CommitOutput(v0, w));
  EXPECT_EQ(150, count);
  ASSERT_OK_AND_ASSIGN(count, storage_->CommitOutput(v0, w));  // Retried: same answer.
  EXPECT_EQ(150, count);
  EXPECT_TRUE(storage_->AppendRows(v0, w, 2, Rows(200, 201)).status().IsIllegalState());
  EXPECT_TRUE(storage_->AbortOutput(v0, w).IsIllegalState());
  ASSERT_OK_AND_ASSIGN(store::TableMeta meta,
                       store_->LatestOutput({"job1", "reader_0", "guest", kGuest}, "data"));
  EXPECT_EQ(150, meta.count);
  EXPECT_EQ("job1", meta.ns);
  EXPECT_EQ("reader_0.data", meta.name);
  EXPECT_EQ(Schema().header, meta.header);
  EXPECT_EQ(2, meta.num_columns);
  storage_->EndTask(v0);

  // A retry of the task writes a new version; downstream reads the latest.
  const TaskKey v1 = Task("reader_0", 1);
  storage_->BeginTask(v1);
  ASSERT_OK_AND_ASSIGN(count, WriteOutput(v1, "data", 420));
  EXPECT_EQ(420, count);
  storage_->EndTask(v1);
  const TaskKey down = Task("probe_0");
  storage_->BeginTask(down);
  ASSERT_OK_AND_ASSIGN(OpenedInput in, storage_->OpenInput(down, {"", "", "reader_0", "data"}));
  EXPECT_EQ(420, in.meta.count);
  ASSERT_TRUE(in.meta.output.has_value());
  EXPECT_EQ(1, in.meta.output->task_version);
  std::vector<std::string> read = ReadAll(down, in.cursor_id, 64);
  EXPECT_EQ(Rows(0, 420), read);
  // Another task's cursor is not this task's.
  EXPECT_TRUE(storage_->ReadBatch(v1, in.cursor_id, 0, 1, 0).status().IsIllegalState());
  const TaskKey other = Task("other_0");
  storage_->BeginTask(other);
  EXPECT_TRUE(storage_->ReadBatch(other, in.cursor_id, 0, 1, 0).status().IsNotFound());
}

TEST_F(TaskStorageTest, AnOutputLeftOpenLeavesNothingWhenTheTaskEnds) {
  const int64_t rows_before = Keys(store::keys::kRows);
  const TaskKey task = Task("probe_0");
  storage_->BeginTask(task);
  ASSERT_OK(Upload(Csv(50), "experiment", "t"));
  ASSERT_OK_AND_ASSIGN(int64_t w, storage_->CreateOutput(task, "data", Schema()));
  ASSERT_OK(storage_->AppendRows(task, w, 0, Rows(0, 5000)));
  ASSERT_OK(storage_->OpenInput(task, {"experiment", "t", "", ""}));
  EXPECT_EQ(1u, storage_->open_writers());
  EXPECT_EQ(1u, storage_->open_cursors());
  storage_->EndTask(task);  // The task's process exited without committing.
  EXPECT_EQ(0u, storage_->open_writers());
  EXPECT_EQ(0u, storage_->open_cursors());
  EXPECT_FALSE(storage_->running(task));
  EXPECT_EQ(rows_before + 50, Keys(store::keys::kRows));  // Only the uploaded table's rows.
  auto outputs = store_->ListJobOutputs("job1");
  ASSERT_OK(outputs);
  EXPECT_TRUE(outputs->empty());
}

TEST_F(TaskStorageTest, CallsOfATaskNotRunningAreRefusedNamingIt) {
  const TaskKey task = Task("probe_0");
  auto unknown = storage_->CreateOutput(task, "data", Schema());
  ASSERT_TRUE(unknown.status().IsIllegalState()) << unknown.status();
  EXPECT_THAT(unknown.status().message(),
              HasSubstr("task job1/probe_0/guest/9999/v0 is not running on this agent"));
  storage_->BeginTask(task);
  ASSERT_OK_AND_ASSIGN(int64_t w, storage_->CreateOutput(task, "data", Schema()));
  storage_->EndTask(task);
  EXPECT_TRUE(storage_->AppendRows(task, w, 0, Rows(0, 1)).status().IsIllegalState());
  EXPECT_TRUE(storage_->CommitOutput(task, w).status().IsIllegalState());
  EXPECT_TRUE(storage_->SaveSummary(task, "{}").IsIllegalState());
  EXPECT_TRUE(storage_->SaveModelChunk(task, "model", "M", 0, 1, 1, "x").IsIllegalState());
  EXPECT_TRUE(storage_->LogMetric(task, "ns", "m", {}).IsIllegalState());
  EXPECT_TRUE(storage_->OpenInput(task, {"experiment", "t", "", ""}).status().IsIllegalState());
  EXPECT_TRUE(store_->GetSummary({"job1", "probe_0", "guest", kGuest}).status().IsNotFound());
}

TEST_F(TaskStorageTest, DuplicateOrEmptyIdsFailTheOutput) {
  const TaskKey task = Task("probe_0");
  storage_->BeginTask(task);
  ASSERT_OK_AND_ASSIGN(int64_t w, storage_->CreateOutput(task, "data", Schema()));
  ASSERT_OK(storage_->AppendRows(task, w, 0, {"a,1", "b,2"}));
  ASSERT_OK(storage_->AppendRows(task, w, 1, {"c,3", "a,4"}));
  auto commit = storage_->CommitOutput(task, w);
  ASSERT_FALSE(commit.ok());
  EXPECT_THAT(commit.status().message(), HasSubstr("duplicate id \"a\""));
  EXPECT_FALSE(storage_->CommitOutput(task, w).ok());  // The failure sticks.
  ASSERT_OK(storage_->AbortOutput(task, w));

  ASSERT_OK_AND_ASSIGN(w, storage_->CreateOutput(task, "data", Schema()));
  auto empty = storage_->AppendRows(task, w, 0, {"a,1", ",2"});
  ASSERT_TRUE(empty.status().IsInvalidArgument()) << empty.status();
  EXPECT_THAT(empty.status().message(), HasSubstr("row 1 has an empty id"));
  EXPECT_EQ(0, Keys(store::keys::kRows));
}

TEST_F(TaskStorageTest, IdleCursorsAndWritersAreReleased) {
  TaskStorageOptions o;
  o.idle_timeout_ms = 1000;
  Make(o);
  ASSERT_OK(Upload(Csv(10), "experiment", "t"));
  const TaskKey task = Task("probe_0");
  storage_->BeginTask(task);
  ASSERT_OK_AND_ASSIGN(OpenedInput in, storage_->OpenInput(task, {"experiment", "t", "", ""}));
  ASSERT_OK_AND_ASSIGN(int64_t w, storage_->CreateOutput(task, "data", Schema()));
  ASSERT_OK(storage_->AppendRows(task, w, 0, Rows(0, 10)));
  ASSERT_OK(storage_->SaveModelChunk(task, "model", "M", 0, 2, 4, "ab"));
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now().time_since_epoch())
                          .count();
  EXPECT_EQ(0, storage_->ExpireIdle(now));
  EXPECT_EQ(3, storage_->ExpireIdle(now + 5000));
  EXPECT_TRUE(storage_->ReadBatch(task, in.cursor_id, 0, 1, 0).status().IsNotFound());
  auto gone = storage_->AppendRows(task, w, 1, Rows(10, 11));
  EXPECT_TRUE(gone.status().IsNotFound()) << gone.status();
  EXPECT_THAT(gone.status().message(), HasSubstr("released after 1000 ms without a call"));
  EXPECT_TRUE(storage_->SaveModelChunk(task, "model", "M", 1, 2, 4, "cd").IsInvalidArgument());
  EXPECT_EQ(10, Keys(store::keys::kRows));  // The table's rows only.
}

TEST_F(TaskStorageTest, ModelsArriveInChunksAndAreReadInParts) {
  const TaskKey up = Task("lr_0");
  storage_->BeginTask(up);
  std::string model;
  for (int i = 0; i < 1000; ++i) model += static_cast<char>(i * 7);
  ASSERT_OK(storage_->SaveModelChunk(up, "model", "HeteroLR", 0, 3, 1000, model.substr(0, 400)));
  ASSERT_OK(storage_->SaveModelChunk(up, "model", "HeteroLR", 0, 3, 1000, model.substr(0, 400)));
  EXPECT_TRUE(storage_->SaveModelChunk(up, "model", "HeteroLR", 2, 3, 1000, model.substr(800))
                  .IsInvalidArgument());  // Chunk 1 is missing.
  ASSERT_OK(storage_->SaveModelChunk(up, "model", "HeteroLR", 1, 3, 1000, model.substr(400, 400)));
  EXPECT_TRUE(store_->LoadModel({"job1", "lr_0", "guest", kGuest}, "model").status().IsNotFound());
  ASSERT_OK(storage_->SaveModelChunk(up, "model", "HeteroLR", 2, 3, 1000, model.substr(800)));
  ASSERT_OK(storage_->SaveModelChunk(up, "model", "HeteroLR", 2, 3, 1000, model.substr(800)));
  ASSERT_OK_AND_ASSIGN(store::Model stored,
                       store_->LoadModel({"job1", "lr_0", "guest", kGuest}, "model"));
  EXPECT_EQ(model, stored.data);
  EXPECT_EQ("HeteroLR", stored.meta.module);
  ASSERT_OK(storage_->SaveModelChunk(up, "small", "HeteroLR", 0, 1, 3, "abc"));

  const TaskKey down = Task("lr_1");
  storage_->BeginTask(down);
  std::string read;
  while (read.size() < model.size()) {
    ASSERT_OK_AND_ASSIGN(TaskModelPart part,
                         storage_->LoadModel(down, "lr_0", "model", read.size(), 300));
    EXPECT_EQ(1000, part.total_bytes);
    EXPECT_EQ("HeteroLR", part.module);
    ASSERT_FALSE(part.data.empty());
    read += part.data;
  }
  EXPECT_EQ(model, read);
  auto missing = storage_->LoadModel(down, "lr_0", "nope", 0, 0);
  ASSERT_TRUE(missing.status().IsNotFound());
  EXPECT_EQ("component lr_0 has no model \"nope\" in job job1 on party 9999 (guest)",
            missing.status().message());
}

TEST_F(TaskStorageTest, MetricsAndSummaryGoToTheTask) {
  const TaskKey task = Task("probe_0", 2);
  storage_->BeginTask(task);
  ASSERT_OK(storage_->LogMetric(task, "train", "loss",
                                {{0.0, 0.69, 0}, {1.0, 0.5, 0}, {std::string("final"), 0.4, 0}}));
  store::MetricMeta meta;
  meta.metric_namespace = "train";
  meta.name = "loss";
  meta.metric_type = "LOSS";
  meta.extra_metas_json = R"({"unit":"iteration"})";
  ASSERT_OK(storage_->SetMetricMeta(task, meta));
  ASSERT_OK(storage_->SaveSummary(task, R"({"count": 3})"));
  EXPECT_TRUE(storage_->SaveSummary(task, "not json").IsInvalidArgument());
  const store::TaskPartyKey key{"job1", "probe_0", "guest", kGuest};
  ASSERT_OK_AND_ASSIGN(store::MetricData data, store_->GetMetric(key, "train", "loss"));
  ASSERT_EQ(3u, data.points.size());
  EXPECT_EQ(std::string("final"), std::get<std::string>(data.points[2].key));
  ASSERT_TRUE(data.meta.has_value());
  EXPECT_EQ("LOSS", data.meta->metric_type);
  ASSERT_OK_AND_ASSIGN(store::Summary summary, store_->GetSummary(key));
  EXPECT_EQ(2, summary.task_version);
  EXPECT_THAT(summary.json, HasSubstr("\"count\""));
}

TEST_F(TaskStorageTest, BatchesStayWithinOneResponse) {
  TaskStorageOptions o;
  o.max_response_bytes = 1000;
  Make(o);
  std::string csv = "id,v\n";
  for (int i = 0; i < 20; ++i) csv += std::to_string(i) + "," + std::string(100, 'x') + "\n";
  csv += "20," + std::string(2000, 'y') + "\n";
  ASSERT_OK(Upload(csv, "experiment", "wide"));
  const TaskKey task = Task("reader_0");
  storage_->BeginTask(task);
  ASSERT_OK_AND_ASSIGN(OpenedInput in, storage_->OpenInput(task, {"experiment", "wide", "", ""}));
  ASSERT_OK_AND_ASSIGN(TaskRowBatch b, storage_->ReadBatch(task, in.cursor_id, 0, 4096, 0));
  EXPECT_EQ(9u, b.rows.size());  // 9 rows of ~112 bytes fit in 1000.
  ASSERT_OK_AND_ASSIGN(b, storage_->ReadBatch(task, in.cursor_id, 9, 4096, 0));
  EXPECT_EQ(9, b.rows.front().seq);
  auto wide = storage_->ReadBatch(task, in.cursor_id, 20, 4096, 0);
  ASSERT_TRUE(wide.status().IsInvalidArgument()) << wide.status();
  EXPECT_THAT(wide.status().message(), HasSubstr("row 20 has 2003 bytes"));
}

// ---- Through the TaskService: the task-side client and TaskContext ----

class TaskServiceTest : public TaskStorageTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(TaskStorageTest::SetUp());
    rpc::ThriftServer::Options so;
    so.name = "task-service-test";
    server_ = std::make_unique<rpc::ThriftServer>(so);
    ASSERT_OK(server_->Start(std::make_shared<thrift::TaskServiceProcessor>(
        NewTaskServiceHandler(/*federation=*/nullptr, storage_.get()))));
    auto stop = StopSignal::Create();
    ASSERT_OK(stop);
    stop_ = std::move(stop).value();
  }
  void TearDown() override { server_->Stop(); }

  std::unique_ptr<TaskContext> Context(const TaskKey& key, const Json& io) {
    TaskLaunch launch;
    launch.key = key;
    launch.module = "Probe";
    launch.agent_endpoint = server_->endpoint();
    launch.io = io;
    return std::make_unique<TaskContext>(launch, stop_.get());
  }

  std::unique_ptr<rpc::ThriftServer> server_;
  std::unique_ptr<StopSignal> stop_;
};

TEST_F(TaskServiceTest, ClientReadsWritesAndTracksThroughTheAgent) {
  ASSERT_OK(Upload(Csv(5000), "experiment", "breast"));
  const TaskKey reader = Task("reader_0");
  storage_->BeginTask(reader);
  Json io = {
      {"data",
       {{"data",
         {{{"args", "data"}, {"table", {{"name", "breast"}, {"namespace", "experiment"}}}}}}}},
      {"output", {{"data", {"data"}}}}};
  auto ctx = Context(reader, io);
  EXPECT_EQ((std::vector<std::string>{"data"}), ctx->OutputDataNames());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<InputTable> in, ctx->OpenInput("data", 0));
  EXPECT_EQ(5000, in->count());
  EXPECT_EQ("y", in->schema().label_column.value_or(""));
  ASSERT_OK_AND_ASSIGN(int64_t copied, CopyTable(*ctx, in.get(), "data"));
  EXPECT_EQ(5000, copied);
  EXPECT_EQ(0u, storage_->open_writers());
  EXPECT_EQ(0u, storage_->open_cursors());  // CopyTable closed it.

  TaskStorageClient& storage = ctx->storage();
  std::string model(10 << 20, 'm');  // More than one chunk.
  model[12345] = 'x';
  ASSERT_OK(storage.SaveModel("model", "Reader", model));
  ASSERT_OK(storage.LogMetric("probe", "progress", {{0.0, 1.0}, {1.0, std::string("half")}}));
  ASSERT_OK(storage.SetMetricMeta("probe", "progress", "LOSS"));
  ASSERT_OK(storage.SaveSummary(Json{{"count", 5000}}));
  storage_->EndTask(reader);

  // Downstream: the upstream output by component, and the model.
  const TaskKey probe = Task("probe_0");
  storage_->BeginTask(probe);
  auto down =
      Context(probe, Json{{"data", {{"data", {{{"component", "reader_0"}, {"data", "data"}}}}}}});
  ASSERT_OK_AND_ASSIGN(in, down->OpenInput("data"));
  EXPECT_EQ(5000, in->count());
  EXPECT_EQ((std::vector<std::string>{"id", "y", "x0"}), in->schema().header);
  int64_t n = 0;
  std::vector<std::string> rows;
  while (true) {
    ASSERT_OK(in->NextBatch(&rows, 700));
    if (rows.empty()) break;
    EXPECT_LE(rows.size(), 700u);
    if (n == 0) {
      EXPECT_EQ("0,0,0.000000", rows[0]);
    }
    n += static_cast<int64_t>(rows.size());
  }
  EXPECT_EQ(5000, n);
  ASSERT_OK_AND_ASSIGN(TaskStorageClient::Model loaded,
                       down->storage().LoadModel("reader_0", "model"));
  EXPECT_TRUE(loaded.data == model);
  EXPECT_EQ("Reader", loaded.module);
  ASSERT_OK_AND_ASSIGN(
      store::MetricData metric,
      store_->GetMetric({"job1", "reader_0", "guest", kGuest}, "probe", "progress"));
  ASSERT_EQ(2u, metric.points.size());
  EXPECT_EQ(std::string("half"), std::get<std::string>(metric.points[1].value));

  // An output left open by a task is aborted with it (the client dies without committing).
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<OutputTable> out,
                       down->storage().CreateOutput("data", OutputSchemaOf(in->schema())));
  ASSERT_OK(out->Append({"1,0,1", "2,0,2"}));
  storage_->EndTask(probe);
  auto refused = out->Commit();
  ASSERT_TRUE(refused.status().IsIllegalState()) << refused.status();
  EXPECT_THAT(refused.status().message(), HasSubstr("is not running on this agent"));
  // Tables go before the contexts whose clients they use.
  out.reset();
  in.reset();
}

TEST_F(TaskServiceTest, InputErrorsNameTheInputTableAndParty) {
  const TaskKey task = Task("probe_0");
  storage_->BeginTask(task);
  Json io = {{"data",
              {{"train_data",
                {{{"args", "train_data"},
                  {"table", {{"name", "breast_hetero_guest"}, {"namespace", "experiment"}}}},
                 {{"args", "train_data"}, {"table", nullptr}}}}}}};
  auto ctx = Context(task, io);
  auto missing = ctx->OpenInput("train_data", 0);
  ASSERT_TRUE(missing.status().IsNotFound()) << missing.status();
  EXPECT_EQ(
      "input data.train_data[0]: table experiment.breast_hetero_guest does not exist on party "
      "9999 (guest)",
      missing.status().message());
  auto not_given = ctx->OpenInput("train_data", 1);
  ASSERT_TRUE(not_given.status().IsInvalidArgument()) << not_given.status();
  EXPECT_EQ(
      "input data.train_data[1]: args.train_data is not given for guest 9999 in the runtime conf",
      not_given.status().message());
  EXPECT_TRUE(ctx->OpenInput("train_data", 2).status().IsNotFound());
  EXPECT_TRUE(ctx->OpenInput("eval_data", 0).status().IsNotFound());

  // A task the agent does not run.
  auto stranger = Context(Task("stranger_0"), io);
  auto refused = stranger->storage().SaveSummary(Json::object());
  ASSERT_TRUE(refused.IsIllegalState()) << refused;
}

}  // namespace
}  // namespace fedflow
