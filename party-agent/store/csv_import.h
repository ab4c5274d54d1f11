#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "party-agent/store/store_values.h"

namespace fedflow::store {

class AgentStore;
class TableReader;
class TableWriter;

// FATE's upload options (upload conf: head, delimiter, partition, drop) plus fedflow's limits.
struct CsvOptions {
  // The first line names the columns. FATE's rule either way: the first column is the id.
  bool head = true;
  std::string delimiter = ",";
  // A header column with this name is the label column (FATE's label_name).
  std::string label_name = "y";
  int32_t partitions = 16;
  // Replace a table that exists (FATE's drop); otherwise an existing table is AlreadyExists.
  bool drop = false;
  // Names the input in errors ("breast_hetero_guest.csv: line 7 ..."); ImportCsvFile uses the
  // file's path when empty.
  std::string source_name;
  // Longest line accepted (bounds memory when a line arrives in many chunks).
  size_t max_line_bytes = 64 << 20;
};

struct CsvProgress {
  int64_t rows = 0;   // data rows so far
  int64_t bytes = 0;  // input bytes so far
};
using CsvProgressCallback = std::function<void(const CsvProgress&)>;

// Uploads one CSV into a new generation of a table, fed in chunks of any size (a file read in
// blocks, or the chunks of an upload RPC): lines are parsed as they complete, so memory stays
// bounded by the longest line plus the TableWriter's buffers. Every line is checked: valid
// UTF-8, not empty, the header's field count (or the first row's without a header), a
// non-empty id, no duplicate ids, one line ending throughout ("\n" or "\r\n"). Rows keep their
// bytes exactly (fields are not unquoted or trimmed: FATE splits lines on the delimiter), and
// the meta records the header line, line ending, final newline and byte order mark, so
// ExportCsv writes the file back byte for byte. The first error aborts the upload (nothing
// becomes visible) and names the line: "<source>: line 7 has 11 fields but the header has 12".
//
// Not thread-safe (one upload is fed by one thread at a time). The store must outlive it.
class CsvUpload {
 public:
  static Result<std::unique_ptr<CsvUpload>> Start(AgentStore* store, std::string ns,
                                                  std::string name, CsvOptions options);
  ~CsvUpload();  // aborts unless finished

  CsvUpload(const CsvUpload&) = delete;
  CsvUpload& operator=(const CsvUpload&) = delete;

  // Progress is reported every `every_bytes` of input and once at Finish.
  void SetProgressCallback(CsvProgressCallback callback, int64_t every_bytes = 16 << 20);

  // Parses a chunk. After an error every call returns that error.
  Status Feed(std::string_view chunk);
  // Parses the last line and commits the table.
  Result<TableMeta> Finish();
  void Abort();

  CsvProgress progress() const;

 private:
  CsvUpload(std::unique_ptr<TableWriter> writer, CsvOptions options);

  Status ProcessLine(std::string_view line, bool terminated);
  Status ProcessHeader(std::string_view line);
  Status ProcessRow(std::string_view line);
  int32_t CountFields(std::string_view line) const;
  // "<source>: line <n> <message>" (or "<source> <message>" for line 0); fails the upload.
  Status LineError(int64_t line, const std::string& message);
  // "<source> has duplicate id "<id>" on lines <a> and <b>".
  Status DuplicateError();
  Status Fail(Status s);

  std::unique_ptr<TableWriter> writer_;
  const CsvOptions options_;
  std::string pending_;  // an incomplete line carried to the next chunk
  int64_t line_no_ = 0;
  int64_t bytes_ = 0;
  bool header_done_ = false;
  bool crlf_ = false;
  bool finished_ = false;
  int32_t num_columns_ = 0;
  Status error_;
  CsvProgressCallback progress_;
  int64_t progress_every_ = 16 << 20;
  int64_t next_progress_ = 0;
};

// Uploads a CSV from a stream / a file (read in 1 MiB chunks).
Result<TableMeta> ImportCsv(AgentStore* store, std::istream& in, std::string ns, std::string name,
                            CsvOptions options, CsvProgressCallback progress = nullptr);
Result<TableMeta> ImportCsvFile(AgentStore* store, const std::string& path, std::string ns,
                                std::string name, CsvOptions options,
                                CsvProgressCallback progress = nullptr);

// Writes the table back as the CSV it was uploaded as (BOM, header line, rows, line endings
// and final newline as uploaded); a table without header (head=false) starts with its first
// row. Streams in bounded memory.
Status ExportCsv(TableReader* reader, std::ostream& out, CsvProgressCallback progress = nullptr);
// Writes to <path>.tmp and renames it to `path` when complete.
Status ExportCsvFile(TableReader* reader, const std::string& path,
                     CsvProgressCallback progress = nullptr);

// Whether `s` is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF).
// Sets *bad_offset to the first invalid byte otherwise.
bool IsValidUtf8(std::string_view s, size_t* bad_offset);

}  // namespace fedflow::store
