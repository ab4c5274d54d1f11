// CSV upload and download through the agent store: byte-for-byte round trips, and every
// malformed input rejected with an error naming the line, leaving nothing behind.

#include "party-agent/store/csv_import.h"

#include <random>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "party-agent/store/table_writer.h"
#include "tests/store/store_test_util.h"

namespace fedflow::store::testing {
namespace {

using ::testing::HasSubstr;

// Every test runs with both duplicate checks.
class CsvImportTest : public StoreTest, public ::testing::WithParamInterface<DuplicateCheck> {
 protected:
  void SetUp() override {
    AgentStoreOptions options;
    options.duplicate_check = GetParam();
    ASSERT_NO_FATAL_FAILURE(OpenStore(options));
  }

  // Uploads `csv`, expects InvalidArgument containing `message`, and that nothing is left.
  void ExpectRejected(const std::string& csv, const std::string& message, CsvOptions options = {}) {
    auto meta = Upload(csv, "experiment", "bad", options);
    ASSERT_FALSE(meta.ok()) << "accepted: " << csv;
    EXPECT_TRUE(meta.status().IsInvalidArgument()) << meta.status();
    EXPECT_THAT(meta.status().message(), HasSubstr(message));
    ExpectNothingLeft();
  }
};

INSTANTIATE_TEST_SUITE_P(DuplicateChecks, CsvImportTest,
                         ::testing::Values(DuplicateCheck::kExternalSort,
                                           DuplicateCheck::kIndexGet),
                         [](const auto& info) {
                           return info.param == DuplicateCheck::kExternalSort ? "ExternalSort"
                                                                              : "IndexGet";
                         });

TEST_P(CsvImportTest, BreastHeteroRoundTripIsByteForByte) {
  for (const std::string& file :
       std::vector<std::string>{"breast_hetero_guest.csv", "breast_hetero_host.csv"}) {
    const std::string path = TestDataDir() + "/" + file;
    const std::string original = fedflow::testing::ReadFileOrDie(path);
    auto meta = ImportCsvFile(store_.get(), path, "experiment", file, {});
    ASSERT_TRUE(meta.ok()) << meta.status();
    EXPECT_EQ(569, meta->count);
    EXPECT_EQ("id", meta->id_column);
    EXPECT_EQ("upload", meta->source);
    EXPECT_TRUE(meta->head);
    EXPECT_EQ(",", meta->delimiter);
    EXPECT_EQ(16, meta->partitions);
    EXPECT_GT(meta->create_time_ms, 0);
    if (file == "breast_hetero_guest.csv") {
      ASSERT_TRUE(meta->label_column.has_value());
      EXPECT_EQ("y", *meta->label_column);
      EXPECT_EQ(12u, meta->header.size());
    } else {
      EXPECT_FALSE(meta->label_column.has_value());
      EXPECT_EQ(21u, meta->header.size());
    }
    EXPECT_EQ(original, Download("experiment", file)) << file;

    // And through a file, as `data download -o` does.
    auto reader = store_->OpenTable("experiment", file);
    ASSERT_TRUE(reader.ok()) << reader.status();
    const std::string out = test_dir() + "/" + file + ".out";
    ASSERT_OK(ExportCsvFile(reader->get(), out));
    EXPECT_EQ(original, fedflow::testing::ReadFileOrDie(out));
  }
  auto tables = store_->ListTables("experiment");
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(2u, tables->size());
  EXPECT_EQ("breast_hetero_guest.csv", (*tables)[0].name);
}

TEST_P(CsvImportTest, ChunkBoundariesDoNotMatter) {
  const std::string original =
      fedflow::testing::ReadFileOrDie(TestDataDir() + "/breast_hetero_guest.csv");
  auto upload = CsvUpload::Start(store_.get(), "ns", "chunks", {});
  ASSERT_TRUE(upload.ok()) << upload.status();
  std::mt19937 rng(7);
  for (size_t pos = 0; pos < original.size();) {
    const size_t n = std::min<size_t>(original.size() - pos, rng() % 300);
    ASSERT_OK((*upload)->Feed(std::string_view(original).substr(pos, n)));
    pos += n;
  }
  auto meta = (*upload)->Finish();
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(original, Download("ns", "chunks"));
}

TEST_P(CsvImportTest, KeepsCrlfByteOrderMarkAndMissingFinalNewline) {
  for (const std::string& csv :
       {std::string("\xEF\xBB\xBFid,y,x\r\n1,0,0.5\r\n2,1,-0.25\r\n"),
        std::string("id,y,x\n1,0,0.5\n2,1,-0.25"), std::string("id,y,x\r\n1,0,0.5\r\n2,1,x"),
        std::string("id;name\n1;caf\xC3\xA9\n2;\xE6\x97\xA5\xE6\x9C\xAC\n")}) {
    CsvOptions options;
    if (csv.find(';') != std::string::npos) options.delimiter = ";";
    options.drop = true;
    auto meta = Upload(csv, "ns", "t", options);
    ASSERT_TRUE(meta.ok()) << meta.status();
    EXPECT_EQ(2, meta->count);
    EXPECT_EQ("id", meta->id_column) << "the BOM is not part of the id column's name";
    EXPECT_EQ(csv, Download("ns", "t"));
  }
}

TEST_P(CsvImportTest, WithoutHeaderTheFirstLineIsData) {
  const std::string csv = "7,1,0.5\n8,0,0.25\n";
  CsvOptions options;
  options.head = false;
  auto meta = Upload(csv, "ns", "nohead", options);
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(2, meta->count);
  EXPECT_FALSE(meta->head);
  EXPECT_TRUE(meta->header.empty());
  EXPECT_EQ(3, meta->num_columns);
  EXPECT_EQ(csv, Download("ns", "nohead"));
  auto reader = store_->OpenTable("ns", "nohead");
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((std::vector<std::string>{"7,1,0.5", "8,0,0.25"}), ReadAll(reader->get()));
}

TEST_P(CsvImportTest, HeaderOnlyIsAnEmptyTable) {
  auto meta = Upload("id,y\n", "ns", "empty");
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(0, meta->count);
  EXPECT_EQ("id,y\n", Download("ns", "empty"));
}

TEST_P(CsvImportTest, RaggedRowNamesTheLine) {
  ExpectRejected("id,y,x\n1,0,0.5\n2,1\n3,1,0.5\n",
                 "test.csv: line 3 has 2 fields but the header (line 1) has 3");
  CsvOptions no_head;
  no_head.head = false;
  ExpectRejected("1,0,0.5\n2,1,0.5,9\n", "test.csv: line 2 has 4 fields but line 1 has 3", no_head);
}

TEST_P(CsvImportTest, DuplicateIdNamesTheIdAndBothLines) {
  ExpectRejected("id,y\n1,0\n2,1\n3,0\n2,0\n4,1\n",
                 "test.csv has duplicate id \"2\" on lines 3 and 5");
}

TEST_P(CsvImportTest, DuplicateIdFoundAcrossSpilledRuns) {
  AgentStoreOptions options;
  options.duplicate_check = GetParam();
  options.id_sort_buffer_bytes = 64 << 10;  // many runs (and intermediate merges)
  options.write_batch_bytes = 16 << 10;
  ASSERT_NO_FATAL_FAILURE(OpenStore(options));
  std::string csv = "id,v\n";
  const int rows = 100000;
  for (int i = 0; i < rows; i++) csv += "row" + std::to_string(i) + ",x\n";
  auto meta = Upload(csv, "ns", "big");
  ASSERT_TRUE(meta.ok()) << meta.status();
  EXPECT_EQ(rows, meta->count);
  EXPECT_EQ(csv, Download("ns", "big"));
  ASSERT_OK(store_->DropTable("ns", "big"));

  csv += "row12345,y\n";
  ExpectRejected(csv,
                 "has duplicate id \"row12345\" on lines 12347 and " + std::to_string(rows + 2));
}

TEST_P(CsvImportTest, HeaderProblems) {
  ExpectRejected(",y,x\n1,0,0\n",
                 "line 1 (the header): its first column, the id column, has "
                 "no name");
  ExpectRejected("\n1,0\n", "line 1 is empty");
  ExpectRejected("id,,x\n1,0,0\n", "line 1 (the header): column 2 has no name");
  ExpectRejected("id,x,x\n1,0,0\n", "column \"x\" appears twice");
}

TEST_P(CsvImportTest, EmptyFileAndEmptyLines) {
  ExpectRejected("", "test.csv is empty");
  ExpectRejected("id,y\n1,0\n\n2,1\n", "line 3 is empty");
  ExpectRejected("id,y\n1,0\n2,1\n\n", "line 4 is empty");
  ExpectRejected("id,y\n,0\n", "line 2 has an empty id");
}

TEST_P(CsvImportTest, NonUtf8) {
  ExpectRejected("id,name\n1,caf\xE9\n", "line 2 is not valid UTF-8: byte 0xe9 at column 6");
  ExpectRejected("id,name\n1,ok\n2,\xC0\xAF\n", "line 3 is not valid UTF-8");  // overlong '/'
  ExpectRejected("id,\xFF\n1,2\n", "line 1 is not valid UTF-8");
}

TEST_P(CsvImportTest, MixedLineEndings) {
  ExpectRejected("id,y\r\n1,0\n", "line 2 ends with \\n but line 1 ends with \\r\\n");
  ExpectRejected("id,y\n1,0\r\n", "line 2 ends with \\r\\n but line 1 ends with \\n");
}

TEST_P(CsvImportTest, ExistingTableNeedsDrop) {
  ASSERT_TRUE(Upload("id,y\n1,0\n", "ns", "t").ok());
  auto again = Upload("id,y\n2,1\n", "ns", "t");
  ASSERT_FALSE(again.ok());
  EXPECT_TRUE(again.status().IsAlreadyExists()) << again.status();
  EXPECT_THAT(again.status().message(), HasSubstr("table ns.t already exists"));
  EXPECT_EQ("id,y\n1,0\n", Download("ns", "t"));

  CsvOptions drop;
  drop.drop = true;
  auto replaced = Upload("id,y\n2,1\n3,0\n", "ns", "t", drop);
  ASSERT_TRUE(replaced.ok()) << replaced.status();
  EXPECT_EQ("id,y\n2,1\n3,0\n", Download("ns", "t"));
  EXPECT_EQ(2, Keys(keys::kRows)) << "the replaced generation's rows are deleted";

  // A failed re-upload leaves the old table as it was.
  auto bad = Upload("id,y\n5,1\n5,0\n", "ns", "t", drop);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ("id,y\n2,1\n3,0\n", Download("ns", "t"));
  EXPECT_EQ(2, Keys(keys::kRows));
}

TEST_P(CsvImportTest, ProgressAndLongLines) {
  std::string csv = "id,v\n";
  for (int i = 0; i < 1000; i++) csv += std::to_string(i) + ",some value\n";
  auto upload = CsvUpload::Start(store_.get(), "ns", "p", {});
  ASSERT_TRUE(upload.ok());
  std::vector<CsvProgress> seen;
  (*upload)->SetProgressCallback([&](const CsvProgress& p) { seen.push_back(p); }, 4096);
  for (size_t pos = 0; pos < csv.size(); pos += 1000) {
    ASSERT_OK((*upload)->Feed(std::string_view(csv).substr(pos, 1000)));
  }
  ASSERT_TRUE((*upload)->Finish().ok());
  ASSERT_GE(seen.size(), 3u);
  EXPECT_EQ(1000, seen.back().rows);
  EXPECT_EQ(static_cast<int64_t>(csv.size()), seen.back().bytes);
  for (size_t i = 1; i < seen.size(); i++) EXPECT_GE(seen[i].bytes, seen[i - 1].bytes);

  ASSERT_OK(store_->DropTable("ns", "p"));
  CsvOptions small;
  small.max_line_bytes = 100;
  ExpectRejected("id,v\n1," + std::string(200, 'x') + "\n", "line 2 is longer than 100 bytes",
                 small);
  // Also when the line arrives in many chunks (it is never buffered past the limit).
  auto chunked = CsvUpload::Start(store_.get(), "ns", "long", small);
  ASSERT_TRUE(chunked.ok());
  ASSERT_OK((*chunked)->Feed("id,v\n"));
  Status s;
  for (int i = 0; i < 30 && s.ok(); i++) s = (*chunked)->Feed("xxxxxxxxxx");
  EXPECT_TRUE(s.IsInvalidArgument()) << s;
  EXPECT_THAT(s.message(), HasSubstr("CSV input: line 2 is longer than 100 bytes"));
  EXPECT_FALSE((*chunked)->Finish().ok());
  ExpectNothingLeft();
}

TEST(Utf8Test, Validation) {
  size_t bad = 0;
  EXPECT_TRUE(IsValidUtf8("plain ascii, longer than eight bytes", &bad));
  EXPECT_TRUE(IsValidUtf8("\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80", &bad));  // é € 😀
  EXPECT_FALSE(IsValidUtf8("abc\xED\xA0\x80", &bad));                      // surrogate
  EXPECT_EQ(3u, bad);
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80", &bad));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE0\x80\xAF", &bad));      // overlong
  EXPECT_FALSE(IsValidUtf8("ab\xC3", &bad));            // truncated
  EXPECT_EQ(2u, bad);
}

}  // namespace
}  // namespace fedflow::store::testing
