// AgentStore lifecycle: creation, reopening, corrupt and locked databases, crashes before and
// after a commit, uncommitted writers, key escaping.

#include "party-agent/store/agent_store.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <leveldb/db.h>

#include "party-agent/store/table_writer.h"
#include "tests/store/store_test_util.h"

namespace fedflow::store::testing {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class AgentStoreTest : public StoreTest {
 protected:
  std::string Guest() const { return TestDataDir() + "/breast_hetero_guest.csv"; }

  // Uploads the guest data, a model, a metric, a summary, a task record and an output.
  void WriteOneOfEach() {
    ASSERT_TRUE(ImportCsvFile(store_.get(), Guest(), "experiment", "guest", {}).ok());
    const TaskPartyKey task{"j1", "reader_0", "guest", 9999};
    ModelMeta meta;
    meta.module = "HeteroLR";
    meta.alias = "model";
    ASSERT_OK(store_->SaveModel(task, meta, std::string("\0model\xff", 7)));
    ASSERT_OK(store_->LogMetricData(task, "train", "loss", {{0.0, 0.5}, {1.0, 0.25}}));
    ASSERT_OK(store_->SaveSummary(task, R"({"count": 569})", 0));
    TaskRecord record;
    record.job_id = "j1";
    record.component = "reader_0";
    record.role = "guest";
    record.party_id = 9999;
    record.party_status = "success";
    ASSERT_OK(store_->PutTaskRecord(record));
    auto writer = store_->CreateOutput({task, 0, "data"}, TableMeta());
    ASSERT_TRUE(writer.ok()) << writer.status();
    ASSERT_OK((*writer)->Add("1", "1,a"));
    ASSERT_TRUE((*writer)->Commit().ok());
  }

  void ExpectOneOfEach() {
    EXPECT_EQ(fedflow::testing::ReadFileOrDie(Guest()), Download("experiment", "guest"));
    const TaskPartyKey task{"j1", "reader_0", "guest", 9999};
    auto model = store_->LoadModel(task, "model");
    ASSERT_TRUE(model.ok()) << model.status();
    EXPECT_EQ(std::string("\0model\xff", 7), model->data);
    auto metric = store_->GetMetric(task, "train", "loss");
    ASSERT_TRUE(metric.ok()) << metric.status();
    EXPECT_EQ(2u, metric->points.size());
    auto summary = store_->GetSummary(task);
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_EQ(R"({"count": 569})", summary->json);
    auto record = store_->GetTaskRecord(task, 0);
    ASSERT_TRUE(record.ok()) << record.status();
    EXPECT_EQ("success", record->party_status);
    auto output = store_->OpenOutput({task, 0, "data"});
    ASSERT_TRUE(output.ok()) << output.status();
    EXPECT_EQ(std::vector<std::string>{"1,a"}, ReadAll(output->get()));
  }

  // The names of the database's files with the given extension (or prefix).
  std::vector<std::string> DbFiles(const std::string& match) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(db_path())) {
      const std::string name = e.path().filename().string();
      if (e.path().extension() == match || name.rfind(match, 0) == 0) out.push_back(name);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // The table files and their contents. (LevelDB's recovery may rewrite the manifest and
  // start a new log before the store finds a damaged table file; the data stays.)
  std::map<std::string, std::string> TableFiles() {
    std::map<std::string, std::string> files;
    for (const std::string& name : DbFiles(".ldb")) {
      files[name] = fedflow::testing::ReadFileOrDie(db_path() + "/" + name);
    }
    return files;
  }

  // Moves everything into table files (so that they can be damaged) and closes the store.
  void CompactAndClose() {
    store_->db()->CompactRange(nullptr, nullptr);
    CloseStore();
    ASSERT_FALSE(DbFiles(".ldb").empty());
  }

  // Open fails with the corrupt error, twice (nothing was recreated in between), and leaves
  // the table files as they were.
  void ExpectCorrupt(const AgentStoreOptions& options = {}) {
    const auto before = TableFiles();
    for (int attempt = 0; attempt < 2; attempt++) {
      auto opened = AgentStore::Open(db_path(), options);
      ASSERT_FALSE(opened.ok());
      EXPECT_TRUE(opened.status().IsIOError()) << opened.status();
      EXPECT_THAT(opened.status().message(),
                  HasSubstr("agent store " + db_path() + " is corrupt: "));
      EXPECT_THAT(opened.status().message(),
                  HasSubstr("; refusing to recreate it over existing data"));
    }
    EXPECT_TRUE(before == TableFiles()) << "the table files were changed";
  }

  static void Garble(const std::string& path, uintmax_t offset, size_t n) {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    ASSERT_TRUE(f.good()) << path;
    f.seekp(static_cast<std::streamoff>(offset));
    for (size_t i = 0; i < n; i++) f.put('\x5a');
  }
};

TEST_F(AgentStoreTest, CreatesAMissingDirectoryAndAnEmptyOne) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  EXPECT_TRUE(fs::exists(db_path() + "/CURRENT"));
  CloseStore();
  fs::remove_all(db_path());
  fs::create_directories(db_path());
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  EXPECT_TRUE(fs::exists(db_path() + "/CURRENT"));
}

// Agents before the store opened <data_dir>/agent.db as a plain LevelDB holding only their
// ReportQueue's keys; the store opens such a database and leaves those keys alone.
TEST_F(AgentStoreTest, OpensThePlainLevelDbOfAnEarlierAgent) {
  {
    leveldb::Options lo;
    lo.create_if_missing = true;
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(lo, db_path(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), "report/00000000000000000001", "r").ok());
    ASSERT_TRUE(db->Put(leveldb::WriteOptions(), "meta/report_seq", "1").ok());
  }
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  std::string value;
  const leveldb::ReadOptions ro;
  ASSERT_TRUE(store_->db()->Get(ro, "report/00000000000000000001", &value).ok());
  EXPECT_EQ("r", value);
  ASSERT_TRUE(store_->db()->Get(ro, "meta/report_seq", &value).ok());
  EXPECT_EQ("1", value);
}

TEST_F(AgentStoreTest, ReopenKeepsEverything) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_NO_FATAL_FAILURE(WriteOneOfEach());
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_NO_FATAL_FAILURE(ExpectOneOfEach());
  // Once more with everything in table files.
  ASSERT_NO_FATAL_FAILURE(CompactAndClose());
  AgentStoreOptions verify;
  verify.verify_all_on_open = true;
  ASSERT_NO_FATAL_FAILURE(OpenStore(verify));
  ASSERT_NO_FATAL_FAILURE(ExpectOneOfEach());
}

TEST_F(AgentStoreTest, EmptiedManifestIsCorrupt) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_NO_FATAL_FAILURE(WriteOneOfEach());
  CloseStore();
  const auto manifests = DbFiles("MANIFEST-");
  ASSERT_EQ(1u, manifests.size());
  fs::resize_file(db_path() + "/" + manifests[0], 0);
  ExpectCorrupt();
}

TEST_F(AgentStoreTest, GarbledManifestIsCorrupt) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_NO_FATAL_FAILURE(WriteOneOfEach());
  ASSERT_NO_FATAL_FAILURE(CompactAndClose());
  const std::string manifest = db_path() + "/" + DbFiles("MANIFEST-")[0];
  Garble(manifest, fs::file_size(manifest) / 2, 4);
  ExpectCorrupt();
}

TEST_F(AgentStoreTest, MissingCurrentIsCorrupt) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_NO_FATAL_FAILURE(WriteOneOfEach());
  CloseStore();
  fs::remove(db_path() + "/CURRENT");
  ExpectCorrupt();
}

TEST_F(AgentStoreTest, TruncatedTableFileIsCorrupt) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_NO_FATAL_FAILURE(WriteOneOfEach());
  ASSERT_NO_FATAL_FAILURE(CompactAndClose());
  const std::string table = db_path() + "/" + DbFiles(".ldb")[0];
  fs::resize_file(table, fs::file_size(table) / 2);
  ExpectCorrupt();
}

TEST_F(AgentStoreTest, MissingTableFileIsCorrupt) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_NO_FATAL_FAILURE(WriteOneOfEach());
  ASSERT_NO_FATAL_FAILURE(CompactAndClose());
  fs::remove(db_path() + "/" + DbFiles(".ldb")[0]);
  ExpectCorrupt();
}

TEST_F(AgentStoreTest, GarbledTableFileFailsItsReadersAndAVerifyingOpen) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_TRUE(ImportCsvFile(store_.get(), Guest(), "experiment", "guest", {}).ok());
  ASSERT_NO_FATAL_FAILURE(CompactAndClose());
  const auto tables = DbFiles(".ldb");
  ASSERT_EQ(1u, tables.size());
  const std::string table = db_path() + "/" + tables[0];
  Garble(table, fs::file_size(table) / 3, 16);  // inside a data block of rows

  AgentStoreOptions verify;
  verify.verify_all_on_open = true;
  ExpectCorrupt(verify);

  // The default Open reads footers and indexes only; the damaged rows fail their reader.
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  auto reader = store_->OpenTable("experiment", "guest");
  ASSERT_TRUE(reader.ok()) << reader.status();
  std::vector<Row> batch;
  Status s;
  do {
    s = (*reader)->NextBatch(&batch, 50);
  } while (s.ok() && !batch.empty());
  EXPECT_TRUE(s.IsIOError()) << s;
}

TEST_F(AgentStoreTest, LockedStoreIsAClearError) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  auto second = AgentStore::Open(db_path());
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("agent store " + db_path() + " is locked"));
  EXPECT_THAT(second.status().message(), HasSubstr("another agent"));
}

TEST_F(AgentStoreTest, UncommittedWriterLeavesNothing) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  TableMeta schema;
  schema.ns = "ns";
  schema.name = "t";
  {
    auto writer = store_->CreateTable(schema, false);
    ASSERT_TRUE(writer.ok()) << writer.status();
    for (int i = 0; i < 1000; i++) ASSERT_OK((*writer)->Add(std::to_string(i), "row"));
    ASSERT_OK((*writer)->Flush());
    EXPECT_EQ(1000, Keys(keys::kRows));
    EXPECT_FALSE(*store_->TableExists("ns", "t")) << "visible before Commit";
  }
  ExpectNothingLeft();
  auto writer = store_->CreateTable(schema, false);
  ASSERT_TRUE(writer.ok());
  ASSERT_OK((*writer)->Add("1", "row"));
  (*writer)->Abort();
  EXPECT_TRUE((*writer)->Add("2", "row").IsIllegalState());
  ExpectNothingLeft();
}

// A child process commits an upload and exits without closing the store (as a kill -9 right
// after the upload is acknowledged); the parent reopens the store and finds the table.
TEST_F(AgentStoreTest, CommittedTableSurvivesACrash) {
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto store = AgentStore::Open(db_path());
    if (!store.ok()) _exit(2);
    auto meta = ImportCsvFile(store->get(), Guest(), "experiment", "guest", {});
    // Half-written second upload, never committed.
    TableMeta schema;
    schema.ns = "experiment";
    schema.name = "half";
    auto writer = (*store)->CreateTable(schema, false);
    if (!writer.ok()) _exit(3);
    for (int i = 0; i < 100; i++) {
      if (!(*writer)->Add(std::to_string(i), "x").ok()) _exit(4);
    }
    if (!(*writer)->Flush().ok()) _exit(5);
    _exit(meta.ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(pid, waitpid(pid, &status, 0));
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(0, WEXITSTATUS(status));

  ASSERT_NO_FATAL_FAILURE(OpenStore());
  EXPECT_EQ(fedflow::testing::ReadFileOrDie(Guest()), Download("experiment", "guest"));
  EXPECT_FALSE(*store_->TableExists("experiment", "half"));
  EXPECT_EQ(569, Keys(keys::kRows)) << "the uncommitted generation's rows are collected";
}

TEST_F(AgentStoreTest, NamesAreEscapedInKeys) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_TRUE(Upload("id\n1\n", "a/b", "c%d").ok());
  ASSERT_TRUE(Upload("id\n2\n", "a", "b/c%d").ok());
  ASSERT_TRUE(Upload("id\n3\n", "a", "b").ok());
  EXPECT_EQ("id\n1\n", Download("a/b", "c%d"));
  EXPECT_EQ("id\n2\n", Download("a", "b/c%d"));
  auto a = store_->ListTables("a");
  ASSERT_TRUE(a.ok());
  ASSERT_EQ(2u, a->size());
  EXPECT_EQ("b", (*a)[0].name);
  EXPECT_EQ("b/c%d", (*a)[1].name);
  EXPECT_EQ("table/a%2Fb/c%25d", keys::Table("a/b", "c%d"));
  EXPECT_EQ("a/b\n", *keys::UnescapeKeyPart(keys::EscapeKeyPart("a/b\n")));
}

TEST_F(AgentStoreTest, TableInfoListAndDrop) {
  ASSERT_NO_FATAL_FAILURE(OpenStore());
  ASSERT_TRUE(Upload("id,y\n1,0\n2,1\n", "ns1", "t1").ok());
  ASSERT_TRUE(Upload("id,y\n1,0\n", "ns2", "t2").ok());
  auto info = store_->GetTable("ns1", "t1");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(2, info->count);
  EXPECT_EQ((std::vector<std::string>{"id", "y"}), info->header);
  auto all = store_->ListTables();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(2u, all->size());
  EXPECT_EQ("ns1", (*all)[0].ns);
  EXPECT_EQ("ns2", (*all)[1].ns);

  auto missing = store_->GetTable("ns1", "nope");
  EXPECT_TRUE(missing.status().IsNotFound());
  EXPECT_THAT(missing.status().message(), HasSubstr("table ns1.nope does not exist"));
  EXPECT_TRUE(store_->OpenTable("ns1", "nope").status().IsNotFound());
  EXPECT_TRUE(store_->DropTable("ns1", "nope").IsNotFound());

  ASSERT_OK(store_->DropTable("ns1", "t1"));
  EXPECT_FALSE(*store_->TableExists("ns1", "t1"));
  EXPECT_EQ(1, Keys(keys::kRows));
  ASSERT_OK(store_->DropTable("ns2", "t2"));
  ExpectNothingLeft();
}

}  // namespace
}  // namespace fedflow::store::testing
