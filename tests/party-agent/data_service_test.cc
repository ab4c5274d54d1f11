// DataService: upload sessions (chunks in any size, idempotent chunk and finish, idle
// expiry, the limit on concurrent uploads), downloads in bounded parts that concatenate to the
// uploaded file, and table info, list and delete.

#include "party-agent/data_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "party-agent/store/store_keys.h"
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

class DataServiceTest : public store::testing::StoreTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    Start(DataService::Options());
  }

  void Start(DataService::Options options) {
    service_.reset();
    service_ = std::make_unique<DataService>(store_.get(), options);
  }

  UploadParams Params(const std::string& name = "t") {
    UploadParams p;
    p.ns = "experiment";
    p.name = name;
    p.source_name = "f.csv";
    return p;
  }

  // Uploads `csv` in chunks of `chunk` bytes.
  Result<store::TableMeta> UploadAll(const std::string& csv, size_t chunk, UploadParams p) {
    ASSIGN_OR_RETURN(std::string id, service_->BeginUpload(p));
    int64_t seq = 0;
    for (size_t pos = 0; pos < csv.size(); pos += chunk) {
      RETURN_NOT_OK(service_->UploadChunk(id, seq++, csv.substr(pos, chunk)).status());
    }
    return service_->FinishUpload(id);
  }

  // The table downloaded in parts of `max_bytes`, concatenated.
  std::string DownloadAll(const std::string& name, int32_t max_bytes, int* parts = nullptr) {
    std::string out;
    std::string cursor;
    int n = 0;
    while (true) {
      auto part = service_->Download("experiment", name, cursor, max_bytes);
      EXPECT_TRUE(part.ok()) << part.status();
      if (!part.ok()) break;
      if (max_bytes > 0) {
        EXPECT_LE(part->data.size(), static_cast<size_t>(max_bytes));
      }
      out += part->data;
      cursor = part->next_cursor;
      n++;
      if (part->done) break;
      EXPECT_LT(n, 1000000) << "download does not end";
      if (n >= 1000000) break;
    }
    if (parts != nullptr) *parts = n;
    return out;
  }

  std::unique_ptr<DataService> service_;
};

TEST_F(DataServiceTest, BreastRoundTripInAnyChunkAndPartSize) {
  const std::string csv =
      fedflow::testing::ReadFileOrDie(TestDataDir() + "/breast_hetero_guest.csv");
  for (size_t chunk : {size_t{1} << 20, size_t{1000}, size_t{7}}) {
    UploadParams p = Params();
    p.drop = true;
    auto meta = UploadAll(csv, chunk, p);
    ASSERT_OK(meta);
    EXPECT_EQ(569, meta->count);
    for (int32_t part : {0, 1 << 20, 4096, 100, 3, 1}) {
      int parts = 0;
      EXPECT_EQ(csv, DownloadAll("t", part, &parts)) << "chunk " << chunk << " part " << part;
      if (part == 100) {
        EXPECT_GE(parts, static_cast<int>(csv.size() / 100));
      }
    }
  }
  EXPECT_EQ(3u, service_->sessions());  // Finished sessions answer retries until they expire.
  EXPECT_EQ(3, service_->ExpireIdle(DataService::NowMs() + 3600 * 1000));
}

TEST_F(DataServiceTest, OddFilesRoundTrip) {
  const std::vector<std::pair<std::string, bool>> files = {
      {"id,x\n", true},                   // Header only.
      {"id,x\r\n1,a\r\n2,b", true},       // CRLF, no final newline.
      {"\xEF\xBB\xBFid,x\n1,a\n", true},  // BOM.
      {"1;a\n2;b\n", false},              // No header, another delimiter.
  };
  int i = 0;
  for (const auto& [csv, head] : files) {
    UploadParams p = Params("t" + std::to_string(i++));
    p.head = head;
    if (!head) p.delimiter = ";";
    ASSERT_OK(UploadAll(csv, 3, p));
    // Parts of 1, 2 and 3 bytes end inside rows, between \r and \n, and right after either.
    for (int32_t part : {1, 2, 3, 0}) EXPECT_EQ(csv, DownloadAll(p.name, part)) << "part " << part;
  }
}

TEST_F(DataServiceTest, ChunksAreIdempotentAndOrdered) {
  ASSERT_OK_AND_ASSIGN(std::string id, service_->BeginUpload(Params()));
  ASSERT_OK(service_->UploadChunk(id, 0, "id,x\n1,a\n").status());
  // A retried chunk is acknowledged, not applied again (it would be a duplicate id).
  ASSERT_OK_AND_ASSIGN(store::CsvProgress p, service_->UploadChunk(id, 0, "id,x\n1,a\n"));
  EXPECT_EQ(1, p.rows);
  auto gap = service_->UploadChunk(id, 2, "3,c\n");
  EXPECT_TRUE(gap.status().IsInvalidArgument()) << gap.status();
  EXPECT_THAT(gap.status().message(), HasSubstr("expects chunk 1, got chunk 2"));
  ASSERT_OK(service_->UploadChunk(id, 1, "2,b\n").status());
  ASSERT_OK_AND_ASSIGN(store::TableMeta meta, service_->FinishUpload(id));
  EXPECT_EQ(2, meta.count);
  // A retried finish returns the same table.
  ASSERT_OK_AND_ASSIGN(store::TableMeta again, service_->FinishUpload(id));
  EXPECT_EQ(meta.generation, again.generation);
  EXPECT_EQ("id,x\n1,a\n2,b\n", DownloadAll("t", 0));
}

TEST_F(DataServiceTest, MalformedCsvFailsTheSessionAndLeavesNothing) {
  ASSERT_OK_AND_ASSIGN(std::string id, service_->BeginUpload(Params()));
  ASSERT_OK(service_->UploadChunk(id, 0, "id,x,y\n1,a,b\n2,").status());
  auto bad = service_->UploadChunk(id, 1, "c\n3,d,e\n");
  ASSERT_TRUE(bad.status().IsInvalidArgument()) << bad.status();
  EXPECT_THAT(bad.status().message(), HasSubstr("f.csv: line 3 has 2 fields but the header"));
  // Every later call repeats the error; nothing is visible.
  EXPECT_EQ(bad.status().message(), service_->FinishUpload(id).status().message());
  ASSERT_OK(service_->AbortUpload(id));
  ExpectNothingLeft();
  // The failed session no longer counts against the limit.
  ASSERT_OK(UploadAll("id\n1\n", 100, Params()));
}

TEST_F(DataServiceTest, DuplicateIdsFailAtFinish) {
  auto meta = UploadAll("id,x\n1,a\n2,b\n1,c\n", 4, Params());
  ASSERT_FALSE(meta.ok());
  EXPECT_THAT(meta.status().message(), HasSubstr("duplicate id \"1\" on lines 2 and 4"));
  ExpectNothingLeft();
}

TEST_F(DataServiceTest, ExistingTableNeedsDrop) {
  ASSERT_OK(UploadAll("id\n1\n", 100, Params()));
  auto again = service_->BeginUpload(Params());
  EXPECT_TRUE(again.status().IsAlreadyExists()) << again.status();
  UploadParams p = Params();
  p.drop = true;
  ASSERT_OK(UploadAll("id\n2\n", 100, p));
  EXPECT_EQ("id\n2\n", DownloadAll("t", 0));
}

TEST_F(DataServiceTest, IdleSessionsExpireAndLeaveNothing) {
  DataService::Options o;
  o.idle_timeout_ms = 50;
  Start(o);
  service_->Start();
  ASSERT_OK_AND_ASSIGN(std::string id, service_->BeginUpload(Params()));
  ASSERT_OK(service_->UploadChunk(id, 0, "id,x\n1,a\n2,b\n").status());
  ASSERT_TRUE(fedflow::testing::WaitFor([&] { return service_->sessions() == 0; }));
  auto late = service_->UploadChunk(id, 1, "3,c\n");
  EXPECT_TRUE(late.status().IsNotFound()) << late.status();
  EXPECT_THAT(late.status().message(), HasSubstr("upload the file again"));
  ExpectNothingLeft();
}

TEST_F(DataServiceTest, ConcurrentUploadsAreBounded) {
  DataService::Options o;
  o.max_uploads = 2;
  Start(o);
  ASSERT_OK_AND_ASSIGN(std::string a, service_->BeginUpload(Params("a")));
  ASSERT_OK_AND_ASSIGN(std::string b, service_->BeginUpload(Params("b")));
  auto c = service_->BeginUpload(Params("c"));
  EXPECT_TRUE(c.status().IsUnavailable()) << c.status();
  ASSERT_OK(service_->AbortUpload(a));
  ASSERT_OK_AND_ASSIGN(std::string c2, service_->BeginUpload(Params("c")));
  ASSERT_OK(service_->UploadChunk(b, 0, "id\n1\n").status());
  ASSERT_OK(service_->FinishUpload(b).status());
  ASSERT_OK(service_->BeginUpload(Params("d")).status());
  ASSERT_OK(service_->AbortUpload(c2));
  ASSERT_OK(service_->AbortUpload("no-such-upload"));
}

TEST_F(DataServiceTest, DownloadOfAReplacedOrDeletedTableIsAborted) {
  ASSERT_OK(UploadAll("id,x\n1,a\n2,b\n", 100, Params()));
  ASSERT_OK_AND_ASSIGN(DownloadPart first, service_->Download("experiment", "t", "", 6));
  EXPECT_EQ("id,x\n1", first.data);
  EXPECT_FALSE(first.done);
  UploadParams p = Params();
  p.drop = true;
  ASSERT_OK(UploadAll("id,x\n3,c\n", 100, p));
  auto next = service_->Download("experiment", "t", first.next_cursor, 6);
  EXPECT_TRUE(next.status().IsAborted()) << next.status();
  EXPECT_THAT(next.status().message(), HasSubstr("replaced"));
  ASSERT_OK_AND_ASSIGN(first, service_->Download("experiment", "t", "", 6));
  ASSERT_OK(service_->DeleteTable("experiment", "t").status());
  next = service_->Download("experiment", "t", first.next_cursor, 6);
  EXPECT_TRUE(next.status().IsAborted()) << next.status();
  auto missing = service_->Download("experiment", "t", "", 0);
  EXPECT_TRUE(missing.status().IsNotFound()) << missing.status();
  EXPECT_THAT(missing.status().message(), HasSubstr("experiment.t does not exist"));
  auto garbled = service_->Download("experiment", "t", "x:y", 0);
  EXPECT_TRUE(garbled.status().IsInvalidArgument()) << garbled.status();
}

TEST_F(DataServiceTest, InfoListDelete) {
  ASSERT_OK(UploadAll("id,y,x\n1,0,a\n2,1,b\n", 100, Params("b")));
  ASSERT_OK(UploadAll("id\n1\n", 100, Params("a")));
  ASSERT_OK_AND_ASSIGN(store::TableMeta b, service_->GetTable("experiment", "b"));
  EXPECT_EQ(2, b.count);
  EXPECT_EQ((std::vector<std::string>{"id", "y", "x"}), b.header);
  EXPECT_EQ("y", b.label_column.value_or(""));
  ASSERT_OK_AND_ASSIGN(std::vector<store::TableMeta> all, service_->ListTables(""));
  ASSERT_EQ(2u, all.size());
  EXPECT_EQ("a", all[0].name);
  ASSERT_OK_AND_ASSIGN(std::vector<store::TableMeta> none, service_->ListTables("other"));
  EXPECT_TRUE(none.empty());
  ASSERT_OK_AND_ASSIGN(store::TableMeta deleted, service_->DeleteTable("experiment", "b"));
  EXPECT_EQ(2, deleted.count);
  EXPECT_TRUE(service_->DeleteTable("experiment", "b").status().IsNotFound());
  EXPECT_TRUE(service_->GetTable("experiment", "b").status().IsNotFound());
}

}  // namespace
}  // namespace fedflow
