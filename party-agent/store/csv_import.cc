#include "party-agent/store/csv_import.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>
#include <set>
#include <utility>
#include <vector>

#include "party-agent/store/agent_store.h"
#include "party-agent/store/table_reader.h"
#include "party-agent/store/table_writer.h"

namespace fedflow::store {

namespace {

constexpr std::string_view kBom = "\xEF\xBB\xBF";
constexpr size_t kChunkBytes = 1 << 20;

std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", u);
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  if (s.size() > 64) out += "...";
  return out;
}

// Splits on a (non-empty) delimiter.
std::vector<std::string_view> Split(std::string_view s, std::string_view delimiter) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos = s.find(delimiter, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + delimiter.size();
  }
}

}  // namespace

bool IsValidUtf8(std::string_view s, size_t* bad_offset) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    // ASCII runs, eight bytes at a time.
    while (i + 8 <= n) {
      uint64_t word;
      std::memcpy(&word, p + i, 8);
      if (word & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    const unsigned char c = p[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      *bad_offset = i;
      return false;
    }
    if (i + len > n) {
      *bad_offset = i;
      return false;
    }
    for (size_t k = 1; k < len; k++) {
      if ((p[i + k] & 0xC0) != 0x80) {
        *bad_offset = i;
        return false;
      }
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      *bad_offset = i;
      return false;
    }
    i += len;
  }
  return true;
}

CsvUpload::CsvUpload(std::unique_ptr<TableWriter> writer, CsvOptions options)
    : writer_(std::move(writer)), options_(std::move(options)) {}

CsvUpload::~CsvUpload() { Abort(); }

Result<std::unique_ptr<CsvUpload>> CsvUpload::Start(AgentStore* store, std::string ns,
                                                    std::string name, CsvOptions options) {
  if (options.delimiter.empty()) return Status::InvalidArgument("the delimiter is empty");
  if (options.source_name.empty()) options.source_name = "CSV input";
  TableMeta schema;
  schema.ns = std::move(ns);
  schema.name = std::move(name);
  schema.delimiter = options.delimiter;
  schema.head = options.head;
  schema.partitions = options.partitions;
  schema.source = "upload";
  ASSIGN_OR_RETURN(std::unique_ptr<TableWriter> writer,
                   store->CreateTable(std::move(schema), options.drop));
  return std::unique_ptr<CsvUpload>(new CsvUpload(std::move(writer), std::move(options)));
}

void CsvUpload::SetProgressCallback(CsvProgressCallback callback, int64_t every_bytes) {
  progress_ = std::move(callback);
  progress_every_ = std::max<int64_t>(every_bytes, 1);
  next_progress_ = bytes_ + progress_every_;
}

CsvProgress CsvUpload::progress() const { return CsvProgress{writer_->rows(), bytes_}; }

void CsvUpload::Abort() {
  if (!finished_) writer_->Abort();
  pending_.clear();
}

Status CsvUpload::Fail(Status s) {
  if (!s.ok() && error_.ok()) {
    error_ = s;
    Abort();
  }
  return s;
}

Status CsvUpload::LineError(int64_t line, const std::string& message) {
  std::string text = options_.source_name;
  text += line > 0 ? ": line " + std::to_string(line) + " " : " ";
  return Fail(Status::InvalidArgument(text + message));
}

Status CsvUpload::DuplicateError() {
  const DuplicateId& d = *writer_->duplicate();
  const int64_t first_row_line = options_.head ? 2 : 1;  // blank lines are refused
  return LineError(0, "has duplicate id \"" + Printable(d.id) + "\" on lines " +
                          std::to_string(d.first_seq + first_row_line) + " and " +
                          std::to_string(d.second_seq + first_row_line));
}

Status CsvUpload::Feed(std::string_view chunk) {
  RETURN_NOT_OK(error_);
  if (finished_) return Status::IllegalState("upload already finished");
  bytes_ += static_cast<int64_t>(chunk.size());
  size_t pos = 0;
  while (pos < chunk.size()) {
    const void* nl = std::memchr(chunk.data() + pos, '\n', chunk.size() - pos);
    if (nl == nullptr) {
      if (pending_.size() + (chunk.size() - pos) > options_.max_line_bytes) {
        return LineError(line_no_ + 1,
                         "is longer than " + std::to_string(options_.max_line_bytes) + " bytes");
      }
      pending_.append(chunk.data() + pos, chunk.size() - pos);
      break;
    }
    const size_t end = static_cast<const char*>(nl) - chunk.data();
    if (pending_.empty()) {
      RETURN_NOT_OK(ProcessLine(chunk.substr(pos, end - pos), true));
    } else {
      pending_.append(chunk.data() + pos, end - pos);
      RETURN_NOT_OK(ProcessLine(pending_, true));
      pending_.clear();
    }
    pos = end + 1;
  }
  if (progress_ && bytes_ >= next_progress_) {
    progress_(progress());
    next_progress_ = bytes_ + progress_every_;
  }
  return Status::OK();
}

Status CsvUpload::ProcessLine(std::string_view line, bool terminated) {
  line_no_++;
  if (line.size() > options_.max_line_bytes) {
    return LineError(line_no_,
                     "is longer than " + std::to_string(options_.max_line_bytes) + " bytes");
  }
  TableMeta* meta = writer_->mutable_meta();
  if (line_no_ == 1) {
    if (line.substr(0, kBom.size()) == kBom) {
      meta->utf8_bom = true;
      line.remove_prefix(kBom.size());
    }
    crlf_ = terminated && !line.empty() && line.back() == '\r';
    meta->line_ending = crlf_ ? "\r\n" : "\n";
  }
  const bool has_cr = !line.empty() && line.back() == '\r';
  if (terminated && crlf_) {
    if (!has_cr) {
      return LineError(line_no_, "ends with \\n but line 1 ends with \\r\\n (mixed line endings)");
    }
    line.remove_suffix(1);
  } else if (has_cr) {
    return LineError(line_no_, terminated ? "ends with \\r\\n but line 1 ends with \\n (mixed line "
                                            "endings)"
                                          : "ends with a carriage return without a line feed");
  }
  if (line.empty()) return LineError(line_no_, "is empty");
  size_t bad = 0;
  if (!IsValidUtf8(line, &bad)) {
    char byte[8];
    std::snprintf(byte, sizeof(byte), "0x%02x", static_cast<unsigned char>(line[bad]));
    return LineError(line_no_, "is not valid UTF-8: byte " + std::string(byte) + " at column " +
                                   std::to_string(bad + 1));
  }
  if (options_.head && !header_done_) return ProcessHeader(line);
  return ProcessRow(line);
}

Status CsvUpload::ProcessHeader(std::string_view line) {
  header_done_ = true;
  TableMeta* meta = writer_->mutable_meta();
  std::vector<std::string_view> columns = Split(line, options_.delimiter);
  if (columns[0].empty()) {
    return LineError(line_no_, "(the header): its first column, the id column, has no name");
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < columns.size(); i++) {
    if (columns[i].empty()) {
      return LineError(line_no_, "(the header): column " + std::to_string(i + 1) + " has no name");
    }
    if (!seen.insert(columns[i]).second) {
      return LineError(line_no_,
                       "(the header): column \"" + Printable(columns[i]) + "\" appears twice");
    }
    meta->header.emplace_back(columns[i]);
    if (columns[i] == options_.label_name) meta->label_column = std::string(columns[i]);
  }
  meta->id_column = meta->header[0];
  meta->header_line = std::string(line);
  num_columns_ = static_cast<int32_t>(columns.size());
  meta->num_columns = num_columns_;
  return Status::OK();
}

int32_t CsvUpload::CountFields(std::string_view line) const {
  const std::string_view d = options_.delimiter;
  if (d.size() == 1) {
    return 1 + static_cast<int32_t>(std::count(line.begin(), line.end(), d[0]));
  }
  int32_t n = 1;
  for (size_t pos = line.find(d); pos != std::string_view::npos;
       pos = line.find(d, pos + d.size())) {
    n++;
  }
  return n;
}

Status CsvUpload::ProcessRow(std::string_view line) {
  const int32_t fields = CountFields(line);
  if (num_columns_ == 0) {
    num_columns_ = fields;
    writer_->mutable_meta()->num_columns = fields;
  } else if (fields != num_columns_) {
    return LineError(
        line_no_, "has " + std::to_string(fields) + " fields but " +
                      (options_.head ? std::string("the header (line 1)") : std::string("line 1")) +
                      " has " + std::to_string(num_columns_));
  }
  const std::string_view id = RowId(line, options_.delimiter);
  if (id.empty()) return LineError(line_no_, "has an empty id (first field)");
  Status s = writer_->Add(id, line);
  if (s.ok()) return s;
  if (writer_->duplicate()) return DuplicateError();
  return Fail(s.CloneAndPrepend(options_.source_name + ": line " + std::to_string(line_no_)));
}

Result<TableMeta> CsvUpload::Finish() {
  RETURN_NOT_OK(error_);
  if (finished_) return Status::IllegalState("upload already finished");
  bool final_newline = true;
  if (!pending_.empty()) {
    std::string last;
    last.swap(pending_);
    RETURN_NOT_OK(ProcessLine(last, false));
    final_newline = false;
  }
  if (line_no_ == 0) return LineError(0, "is empty");
  writer_->mutable_meta()->final_newline = final_newline;
  auto meta = writer_->Commit();
  if (!meta.ok()) {
    if (writer_->duplicate()) return DuplicateError();
    return Fail(meta.status().CloneAndPrepend(options_.source_name));
  }
  finished_ = true;
  if (progress_) progress_(progress());
  return meta;
}

Result<TableMeta> ImportCsv(AgentStore* store, std::istream& in, std::string ns, std::string name,
                            CsvOptions options, CsvProgressCallback progress) {
  const std::string source = options.source_name.empty() ? "CSV input" : options.source_name;
  ASSIGN_OR_RETURN(std::unique_ptr<CsvUpload> upload,
                   CsvUpload::Start(store, std::move(ns), std::move(name), std::move(options)));
  if (progress) upload->SetProgressCallback(std::move(progress));
  std::vector<char> buf(kChunkBytes);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const std::streamsize n = in.gcount();
    if (n > 0) RETURN_NOT_OK(upload->Feed(std::string_view(buf.data(), static_cast<size_t>(n))));
  }
  if (in.bad()) return Status::IOError("reading " + source + " failed");
  return upload->Finish();
}

Result<TableMeta> ImportCsvFile(AgentStore* store, const std::string& path, std::string ns,
                                std::string name, CsvOptions options,
                                CsvProgressCallback progress) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path + ": " + std::strerror(errno));
  if (options.source_name.empty()) options.source_name = path;
  return ImportCsv(store, in, std::move(ns), std::move(name), std::move(options),
                   std::move(progress));
}

Status ExportCsv(TableReader* reader, std::ostream& out, CsvProgressCallback progress) {
  const TableMeta& meta = reader->meta();
  const std::string& eol = meta.line_ending;
  CsvProgress p;
  int64_t next_progress = 16 << 20;
  if (meta.utf8_bom) out.write(kBom.data(), kBom.size());
  if (meta.head) {
    out.write(meta.header_line.data(), static_cast<std::streamsize>(meta.header_line.size()));
    if (meta.count > 0 || meta.final_newline) out.write(eol.data(), eol.size());
  }
  RETURN_NOT_OK(reader->Seek(0));
  std::vector<Row> rows;
  while (true) {
    RETURN_NOT_OK(reader->NextBatch(&rows));
    if (rows.empty()) break;
    for (const Row& row : rows) {
      out.write(row.data.data(), static_cast<std::streamsize>(row.data.size()));
      if (row.seq + 1 < meta.count || meta.final_newline) out.write(eol.data(), eol.size());
      p.bytes += static_cast<int64_t>(row.data.size() + eol.size());
    }
    p.rows += static_cast<int64_t>(rows.size());
    if (!out) return Status::IOError("writing the CSV failed");
    if (progress && p.bytes >= next_progress) {
      progress(p);
      next_progress = p.bytes + (16 << 20);
    }
  }
  out.flush();
  if (!out) return Status::IOError("writing the CSV failed");
  if (progress) progress(p);
  return Status::OK();
}

Status ExportCsvFile(TableReader* reader, const std::string& path, CsvProgressCallback progress) {
  const std::string tmp = path + ".tmp";
  Status s;
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
    s = ExportCsv(reader, out, std::move(progress));
    if (s.ok()) {
      out.close();
      if (!out) s = Status::IOError("writing " + tmp + " failed");
    }
  }
  std::error_code ec;
  if (s.ok()) {
    std::filesystem::rename(tmp, path, ec);
    if (ec) s = Status::IOError("renaming " + tmp + " to " + path + ": " + ec.message());
  }
  if (!s.ok()) std::filesystem::remove(tmp, ec);
  return s.ok() ? s
                : s.CloneAndPrepend("downloading " + reader->meta().ns + "." + reader->meta().name +
                                    " to " + path);
}

}  // namespace fedflow::store
