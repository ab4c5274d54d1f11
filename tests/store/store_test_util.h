#pragma once

#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "party-agent/store/agent_store.h"
#include "party-agent/store/csv_import.h"
#include "party-agent/store/store_keys.h"
#include "party-agent/store/table_reader.h"
#include "tests/harness/test_util.h"

namespace fedflow::store::testing {

// Fixture of the store tests: a store under the test's temporary directory.
class StoreTest : public fedflow::testing::FedflowTest {
 protected:
  std::string db_path() const { return test_dir() + "/agent.db"; }

  // Opens (or reopens) the store at db_path(); fails the test on error.
  void OpenStore(const AgentStoreOptions& options = {}) {
    store_.reset();
    auto opened = AgentStore::Open(db_path(), options);
    ASSERT_TRUE(opened.ok()) << opened.status();
    store_ = std::move(opened).value();
  }

  void CloseStore() { store_.reset(); }

  // Uploads `csv` as table ns.name.
  Result<TableMeta> Upload(const std::string& csv, const std::string& ns, const std::string& name,
                           CsvOptions options = {}) {
    std::istringstream in(csv);
    if (options.source_name.empty()) options.source_name = "test.csv";
    return ImportCsv(store_.get(), in, ns, name, options);
  }

  // The table exported back to CSV (empty on error, with a test failure).
  std::string Download(const std::string& ns, const std::string& name) {
    auto reader = store_->OpenTable(ns, name);
    EXPECT_TRUE(reader.ok()) << reader.status();
    if (!reader.ok()) return "";
    std::ostringstream out;
    Status s = ExportCsv(reader->get(), out);
    EXPECT_TRUE(s.ok()) << s;
    return out.str();
  }

  // Every row of the table, read in small batches.
  std::vector<std::string> ReadAll(TableReader* reader, size_t batch_rows = 7) {
    std::vector<std::string> rows;
    std::vector<Row> batch;
    while (true) {
      Status s = reader->NextBatch(&batch, batch_rows);
      EXPECT_TRUE(s.ok()) << s;
      if (!s.ok() || batch.empty()) break;
      for (Row& r : batch) rows.push_back(std::move(r.data));
    }
    return rows;
  }

  int64_t Keys(std::string_view prefix) {
    auto n = store_->CountKeys(prefix);
    EXPECT_TRUE(n.ok()) << n.status();
    return n.ok() ? *n : -1;
  }

  // No table is visible and no row, id index or upload temporary file is left behind.
  void ExpectNothingLeft() {
    auto tables = store_->ListTables();
    ASSERT_TRUE(tables.ok()) << tables.status();
    EXPECT_TRUE(tables->empty()) << tables->size() << " tables";
    EXPECT_EQ(0, Keys(keys::kRows));
    EXPECT_EQ(0, Keys(keys::kIds));
    std::error_code ec;
    const std::string tmp = db_path() + "/upload-tmp";
    if (std::filesystem::exists(tmp, ec)) {
      EXPECT_TRUE(std::filesystem::is_empty(tmp, ec)) << tmp << " is not empty";
    }
  }

  std::unique_ptr<AgentStore> store_;
};

}  // namespace fedflow::store::testing
