#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "party-agent/store/store_values.h"

// The agent store's key layout (docs/STORAGE.md has the table). Every key starts with its
// kind and a '/'; the parts after it are escaped with EscapeKeyPart so a '/' inside a name
// never splits a part, and a prefix ending in '/' selects exactly one parent. Numbers that
// must sort numerically are zero-padded.

namespace fedflow::store::keys {

constexpr std::string_view kTable = "table/";
constexpr std::string_view kRows = "rows/";
constexpr std::string_view kIds = "ids/";
constexpr std::string_view kOut = "out/";
constexpr std::string_view kModel = "model/";
constexpr std::string_view kMetric = "metric/";
constexpr std::string_view kSummary = "summary/";
constexpr std::string_view kTask = "task/";

constexpr int kGenerationDigits = 10;
constexpr int kSeqDigits = 12;
constexpr int64_t kMaxSeq = 999'999'999'999;
constexpr int kVersionDigits = 10;

// '%', '/' and bytes below 0x20 become %XX (upper-case hex); every other byte is kept.
std::string EscapeKeyPart(std::string_view part);
// The inverse; fails on a malformed escape.
Result<std::string> UnescapeKeyPart(std::string_view part);

// Appends `v` zero-padded to `digits` decimal digits.
void AppendPadded(std::string* out, uint64_t v, int digits);
// Parses exactly `s` as an unsigned decimal number.
Result<uint64_t> ParseNumber(std::string_view s);

// table/<ns>/<name>
std::string Table(std::string_view ns, std::string_view name);
// table/<ns>/ (all tables of a namespace), or table/ when ns is empty.
std::string TablePrefix(std::string_view ns);

// rows/<generation>/<seq>
std::string Row(uint64_t generation, int64_t seq);
void RowInto(std::string* out, uint64_t generation, int64_t seq);
std::string RowPrefix(uint64_t generation);
// ids/<generation>/<id> (the id is the last part and is not escaped).
std::string Id(uint64_t generation, std::string_view id);
std::string IdPrefix(uint64_t generation);
// The generation of a rows/ or ids/ key (whose kind prefix is `kind`).
Result<uint64_t> GenerationOf(std::string_view key, std::string_view kind);

// <job>/<component>/<role>/<party>/ after a kind prefix.
std::string TaskPrefix(std::string_view kind, const TaskPartyKey& task);
// <kind><job>/
std::string JobPrefix(std::string_view kind, std::string_view job_id);

// out/<job>/<component>/<role>/<party>/<version>/<data name>
std::string Output(const OutputRef& ref);
// model/<job>/<component>/<role>/<party>/<alias>
std::string Model(const TaskPartyKey& task, std::string_view alias);
// metric/<job>/<component>/<role>/<party>/<namespace>/<name>/
std::string MetricPrefix(const TaskPartyKey& task, std::string_view ns, std::string_view name);
// <MetricPrefix>meta
std::string MetricMeta(const TaskPartyKey& task, std::string_view ns, std::string_view name);
// <MetricPrefix>points/   and   <MetricPrefix>points/<seq>
std::string MetricPointsPrefix(const TaskPartyKey& task, std::string_view ns,
                               std::string_view name);
// summary/<job>/<component>/<role>/<party>
std::string Summary(const TaskPartyKey& task);
// task/<job>/<component>/<role>/<party>/<version>
std::string Task(const TaskPartyKey& task, int32_t version);

// The smallest key greater than every key starting with `prefix` ("" when none exists).
std::string PrefixEnd(std::string_view prefix);

}  // namespace fedflow::store::keys
