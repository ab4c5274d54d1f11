// Readers of a table that is re-uploaded or dropped while they stream it see exactly one
// generation: all old rows or all new rows, never a mix.

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "party-agent/store/table_writer.h"
#include "tests/store/store_test_util.h"

namespace fedflow::store::testing {
namespace {

constexpr int kOldRows = 20000;
constexpr int kNewRows = 15000;

std::string MakeCsv(const std::string& tag, int rows) {
  std::string csv = "id,v\n";
  for (int i = 0; i < rows; i++) csv += std::to_string(i) + "," + tag + std::to_string(i) + "\n";
  return csv;
}

std::vector<std::string> Rows(const std::string& tag, int rows) {
  std::vector<std::string> out;
  for (int i = 0; i < rows; i++) out.push_back(std::to_string(i) + "," + tag + std::to_string(i));
  return out;
}

class TableConsistencyTest : public StoreTest {
 protected:
  void SetUp() override {
    AgentStoreOptions options;
    options.write_batch_bytes = 32 << 10;  // many LevelDB writes per upload
    ASSERT_NO_FATAL_FAILURE(OpenStore(options));
    ASSERT_TRUE(Upload(MakeCsv("old", kOldRows), "ns", "t").ok());
  }

  Result<TableMeta> Reupload() {
    CsvOptions drop;
    drop.drop = true;
    return Upload(MakeCsv("new", kNewRows), "ns", "t", drop);
  }
};

// Two readers open the table and read a first batch; the table is then re-uploaded (and the
// old rows deleted) while both are halfway through; each still reads exactly the old table.
// A reader opened after the commit reads exactly the new one.
TEST_F(TableConsistencyTest, ReuploadWhileTwoReadersStream) {
  std::mutex mu;
  std::condition_variable cv;
  int started = 0;
  bool replaced = false;
  std::vector<std::string> seen[2];
  int64_t counts[2] = {0, 0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; r++) {
    readers.emplace_back([&, r] {
      auto reader = store_->OpenTable("ns", "t");
      ASSERT_TRUE(reader.ok()) << reader.status();
      counts[r] = (*reader)->meta().count;
      std::vector<Row> batch;
      ASSERT_OK((*reader)->NextBatch(&batch, 100 + 37 * r));
      for (Row& row : batch) seen[r].push_back(std::move(row.data));
      {
        std::unique_lock<std::mutex> l(mu);
        started++;
        cv.notify_all();
        cv.wait(l, [&] { return replaced; });
      }
      while (true) {
        ASSERT_OK((*reader)->NextBatch(&batch, 100 + 37 * r));
        if (batch.empty()) break;
        for (Row& row : batch) seen[r].push_back(std::move(row.data));
      }
    });
  }
  {
    std::unique_lock<std::mutex> l(mu);
    cv.wait(l, [&] { return started == 2; });
  }
  auto meta = Reupload();
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(kNewRows, meta->count);
  // The old generation's rows are gone for everyone but the two snapshots.
  EXPECT_EQ(kNewRows, Keys(keys::kRows));
  {
    std::lock_guard<std::mutex> l(mu);
    replaced = true;
  }
  cv.notify_all();
  for (auto& t : readers) t.join();
  const auto old_rows = Rows("old", kOldRows);
  for (int r = 0; r < 2; r++) {
    EXPECT_EQ(kOldRows, counts[r]);
    EXPECT_TRUE(seen[r] == old_rows) << "reader " << r << " read " << seen[r].size() << " rows";
  }
  auto after = store_->OpenTable("ns", "t");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(kNewRows, (*after)->meta().count);
  EXPECT_TRUE(ReadAll(after->get()) == Rows("new", kNewRows));
}

// Readers open and stream the table over and over while it is re-uploaded many times; every
// complete read is exactly one of the two versions.
TEST_F(TableConsistencyTest, RacingReadersNeverSeeAMix) {
  std::atomic<bool> stop{false};
  std::atomic<int> old_reads{0}, new_reads{0}, mixed{0};
  const auto old_rows = Rows("old", kOldRows);
  const auto new_rows = Rows("new", kNewRows);
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; r++) {
    readers.emplace_back([&] {
      while (!stop) {
        auto reader = store_->OpenTable("ns", "t");
        ASSERT_TRUE(reader.ok()) << reader.status();
        const auto rows = ReadAll(reader->get(), 500);
        if (rows == old_rows) {
          old_reads++;
        } else if (rows == new_rows) {
          new_reads++;
        } else {
          mixed++;
        }
      }
    });
  }
  CsvOptions drop;
  drop.drop = true;
  for (int i = 0; i < 6; i++) {
    ASSERT_TRUE(Upload(MakeCsv(i % 2 == 0 ? "new" : "old", i % 2 == 0 ? kNewRows : kOldRows), "ns",
                       "t", drop)
                    .ok());
  }
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(0, mixed);
  EXPECT_GT(old_reads + new_reads, 0);
  EXPECT_EQ(kOldRows, Keys(keys::kRows)) << "only the visible generation's rows remain";
}

TEST_F(TableConsistencyTest, DropWhileReading) {
  auto reader = store_->OpenTable("ns", "t");
  ASSERT_TRUE(reader.ok());
  ASSERT_OK(store_->DropTable("ns", "t"));
  EXPECT_TRUE(store_->OpenTable("ns", "t").status().IsNotFound());
  EXPECT_TRUE(ReadAll(reader->get(), 1000) == Rows("old", kOldRows));
  EXPECT_EQ(0, Keys(keys::kRows));
}

TEST_F(TableConsistencyTest, ReaderSeeksToResume) {
  auto reader = store_->OpenTable("ns", "t");
  ASSERT_TRUE(reader.ok());
  ASSERT_OK((*reader)->Seek(kOldRows - 3));
  std::vector<Row> batch;
  ASSERT_OK((*reader)->NextBatch(&batch));
  ASSERT_EQ(3u, batch.size());
  EXPECT_EQ(kOldRows - 3, batch[0].seq);
  EXPECT_EQ(std::to_string(kOldRows - 1) + ",old" + std::to_string(kOldRows - 1), batch[2].data);
  ASSERT_OK((*reader)->NextBatch(&batch));
  EXPECT_TRUE(batch.empty());
  EXPECT_TRUE((*reader)->Seek(kOldRows + 1).IsInvalidArgument());
  // Batches are bounded by bytes as well as rows.
  ASSERT_OK((*reader)->Seek(0));
  ASSERT_OK((*reader)->NextBatch(&batch, 100000, 1000));
  EXPECT_LT(batch.size(), 200u);
  EXPECT_GT(batch.size(), 50u);
}

}  // namespace
}  // namespace fedflow::store::testing
