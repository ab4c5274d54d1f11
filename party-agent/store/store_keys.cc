#include "party-agent/store/store_keys.h"

#include <cstring>

namespace fedflow::store::keys {

namespace {

constexpr char kHex[] = "0123456789ABCDEF";

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

void AppendEscaped(std::string* out, std::string_view part) {
  for (char c : part) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '%' || c == '/' || u < 0x20) {
      out->push_back('%');
      out->push_back(kHex[u >> 4]);
      out->push_back(kHex[u & 0xF]);
    } else {
      out->push_back(c);
    }
  }
}

void AppendTaskParts(std::string* out, const TaskPartyKey& task) {
  AppendEscaped(out, task.job_id);
  out->push_back('/');
  AppendEscaped(out, task.component);
  out->push_back('/');
  AppendEscaped(out, task.role);
  out->push_back('/');
  out->append(std::to_string(task.party_id));
  out->push_back('/');
}

}  // namespace

std::string EscapeKeyPart(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  AppendEscaped(&out, part);
  return out;
}

Result<std::string> UnescapeKeyPart(std::string_view part) {
  std::string out;
  out.reserve(part.size());
  for (size_t i = 0; i < part.size(); i++) {
    if (part[i] != '%') {
      out.push_back(part[i]);
      continue;
    }
    if (i + 2 >= part.size()) {
      return Status::Internal("malformed escape in key part \"" + std::string(part) + "\"");
    }
    const int hi = HexValue(part[i + 1]);
    const int lo = HexValue(part[i + 2]);
    if (hi < 0 || lo < 0) {
      return Status::Internal("malformed escape in key part \"" + std::string(part) + "\"");
    }
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

void AppendPadded(std::string* out, uint64_t v, int digits) {
  char buf[24];
  for (int i = digits - 1; i >= 0; i--) {
    buf[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  out->append(buf, digits);
}

Result<uint64_t> ParseNumber(std::string_view s) {
  if (s.empty() || s.size() > 19) return Status::Internal("bad number \"" + std::string(s) + "\"");
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return Status::Internal("bad number \"" + std::string(s) + "\"");
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

std::string Table(std::string_view ns, std::string_view name) {
  std::string k(kTable);
  AppendEscaped(&k, ns);
  k.push_back('/');
  AppendEscaped(&k, name);
  return k;
}

std::string TablePrefix(std::string_view ns) {
  std::string k(kTable);
  if (ns.empty()) return k;
  AppendEscaped(&k, ns);
  k.push_back('/');
  return k;
}

void RowInto(std::string* out, uint64_t generation, int64_t seq) {
  out->clear();
  out->append(kRows);
  AppendPadded(out, generation, kGenerationDigits);
  out->push_back('/');
  AppendPadded(out, static_cast<uint64_t>(seq), kSeqDigits);
}

std::string Row(uint64_t generation, int64_t seq) {
  std::string k;
  RowInto(&k, generation, seq);
  return k;
}

std::string RowPrefix(uint64_t generation) {
  std::string k(kRows);
  AppendPadded(&k, generation, kGenerationDigits);
  k.push_back('/');
  return k;
}

std::string Id(uint64_t generation, std::string_view id) {
  std::string k = IdPrefix(generation);
  k.append(id);
  return k;
}

std::string IdPrefix(uint64_t generation) {
  std::string k(kIds);
  AppendPadded(&k, generation, kGenerationDigits);
  k.push_back('/');
  return k;
}

Result<uint64_t> GenerationOf(std::string_view key, std::string_view kind) {
  if (key.size() < kind.size() + kGenerationDigits + 1 || key.substr(0, kind.size()) != kind ||
      key[kind.size() + kGenerationDigits] != '/') {
    return Status::Internal("malformed key \"" + std::string(key) + "\"");
  }
  return ParseNumber(key.substr(kind.size(), kGenerationDigits));
}

std::string TaskPrefix(std::string_view kind, const TaskPartyKey& task) {
  std::string k(kind);
  AppendTaskParts(&k, task);
  return k;
}

std::string JobPrefix(std::string_view kind, std::string_view job_id) {
  std::string k(kind);
  AppendEscaped(&k, job_id);
  k.push_back('/');
  return k;
}

std::string Output(const OutputRef& ref) {
  std::string k = TaskPrefix(kOut, ref.task);
  AppendPadded(&k, static_cast<uint64_t>(ref.task_version), kVersionDigits);
  k.push_back('/');
  AppendEscaped(&k, ref.data_name);
  return k;
}

std::string Model(const TaskPartyKey& task, std::string_view alias) {
  std::string k = TaskPrefix(kModel, task);
  AppendEscaped(&k, alias);
  return k;
}

std::string MetricPrefix(const TaskPartyKey& task, std::string_view ns, std::string_view name) {
  std::string k = TaskPrefix(kMetric, task);
  AppendEscaped(&k, ns);
  k.push_back('/');
  AppendEscaped(&k, name);
  k.push_back('/');
  return k;
}

std::string MetricMeta(const TaskPartyKey& task, std::string_view ns, std::string_view name) {
  return MetricPrefix(task, ns, name) + "meta";
}

std::string MetricPointsPrefix(const TaskPartyKey& task, std::string_view ns,
                               std::string_view name) {
  return MetricPrefix(task, ns, name) + "points/";
}

std::string Summary(const TaskPartyKey& task) {
  std::string k = TaskPrefix(kSummary, task);
  k.pop_back();  // no trailing '/'
  return k;
}

std::string Task(const TaskPartyKey& task, int32_t version) {
  std::string k = TaskPrefix(kTask, task);
  AppendPadded(&k, static_cast<uint64_t>(version), kVersionDigits);
  return k;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(end.back());
    if (c != 0xFF) {
      c++;
      return end;
    }
    end.pop_back();
  }
  return end;
}

}  // namespace fedflow::store::keys
