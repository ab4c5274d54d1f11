#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "party-agent/store/table_reader.h"

namespace fedflow::store {

// A position in a table generation's CSV form, as a client resumes a streamed read: the
// generation being read, the line (-1: the BOM and header; then rows 0..count-1) and a byte
// offset inside that line with its terminator. Text form "<generation>:<line>:<offset>".
struct CsvCursor {
  uint64_t generation = 0;
  int64_t line = -1;
  uint64_t offset = 0;
};

std::string FormatCsvCursor(const CsvCursor& c);
// InvalidArgument "malformed <what> \"...\"" for anything but the text form.
Result<CsvCursor> ParseCsvCursor(std::string_view text, std::string_view what);

// One part of a streamed CSV read.
struct CsvPart {
  std::string data;
  int64_t rows = 0;   // rows completed in this part
  bool done = false;  // the read reached `end_line`
};

// Appends to part->data, up to `limit` bytes, the CSV form of `reader`'s table from *cursor:
// the BOM and header line (the header names joined by the delimiter when the table kept no
// header line), then rows [cursor->line, end_line) each with its line ending (the last row
// without one when the file had none), exactly as uploaded. Advances *cursor. `what` names the
// cursor in errors ("download cursor"). A cursor past the table's end or past a line is
// InvalidArgument.
Status ReadCsvPart(TableReader* reader, int64_t end_line, size_t limit, std::string_view what,
                   CsvCursor* cursor, CsvPart* part);

}  // namespace fedflow::store
