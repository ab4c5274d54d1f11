#include "party-agent/store/csv_export.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

namespace fedflow::store {

std::string FormatCsvCursor(const CsvCursor& c) {
  char buf[80];
  std::snprintf(buf, sizeof(buf), "%" PRIu64 ":%" PRId64 ":%" PRIu64, c.generation, c.line,
                c.offset);
  return buf;
}

Result<CsvCursor> ParseCsvCursor(std::string_view text, std::string_view what) {
  CsvCursor c;
  char tail = 0;
  const std::string s(text);
  if (std::sscanf(s.c_str(), "%" SCNu64 ":%" SCNd64 ":%" SCNu64 "%c", &c.generation, &c.line,
                  &c.offset, &tail) != 3 ||
      c.line < -1) {
    return Status::InvalidArgument("malformed " + std::string(what) + " \"" + s + "\"");
  }
  return c;
}

Status ReadCsvPart(TableReader* reader, int64_t end_line, size_t limit, std::string_view what,
                   CsvCursor* cursor, CsvPart* part) {
  const TableMeta& meta = reader->meta();
  CsvCursor& c = *cursor;
  if (c.line > meta.count) {
    return Status::InvalidArgument(std::string(what) + " past the table's end");
  }
  std::string& out = part->data;
  // The part is filled to `limit` unless the table ends first: one allocation, no regrowth.
  const uint64_t table_bytes = static_cast<uint64_t>(meta.data_bytes) + meta.header_line.size() +
                               static_cast<uint64_t>(meta.count + 1) * meta.line_ending.size() + 3;
  out.reserve(out.size() + static_cast<size_t>(std::min<uint64_t>(limit, table_bytes)));
  // Appends what fits of the line `text` + `end` (its terminator, kept apart so that a row is
  // never copied to add one) from c.offset; true when the line is complete.
  auto append = [&](std::string_view text, std::string_view end) -> Result<bool> {
    const size_t size = text.size() + end.size();
    if (c.offset > size) return Status::InvalidArgument(std::string(what) + " past a line");
    while (c.offset < size && out.size() < limit) {
      const std::string_view from =
          c.offset < text.size() ? text.substr(c.offset) : end.substr(c.offset - text.size());
      const size_t take = std::min(limit - out.size(), from.size());
      out.append(from.data(), take);
      c.offset += take;
    }
    if (c.offset < size) return false;
    c.offset = 0;
    c.line++;
    return true;
  };
  const std::string& eol = meta.line_ending;
  if (c.line == -1) {
    std::string prefix = meta.utf8_bom ? "\xEF\xBB\xBF" : "";
    if (meta.head) {
      if (!meta.header_line.empty()) {
        prefix += meta.header_line;
      } else {
        for (size_t i = 0; i < meta.header.size(); ++i) {
          prefix += (i == 0 ? "" : meta.delimiter) + meta.header[i];
        }
      }
      if (meta.count > 0 || meta.final_newline) prefix += eol;
    }
    RETURN_NOT_OK(append(prefix, "").status());
  }
  if (c.line >= 0 && c.line < end_line && out.size() < limit) {
    RETURN_NOT_OK(reader->Seek(c.line));
    std::vector<Row> rows;
    bool full = false;
    while (!full && c.line < end_line) {
      const size_t want = static_cast<size_t>(std::min<int64_t>(4096, end_line - c.line));
      RETURN_NOT_OK(reader->NextBatch(&rows, want, limit - out.size()));
      if (rows.empty()) break;
      for (const Row& row : rows) {
        const bool terminated = row.seq + 1 < meta.count || meta.final_newline;
        ASSIGN_OR_RETURN(bool complete, append(row.data, terminated ? eol : std::string_view()));
        if (complete) part->rows++;
        if (!complete || out.size() >= limit || c.line >= end_line) {
          full = true;
          break;
        }
      }
    }
  }
  part->done = c.line >= end_line;
  return Status::OK();
}

}  // namespace fedflow::store
