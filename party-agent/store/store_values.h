#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/status.h"

// The values the agent store keeps, as plain C++ structs (the Thrift structs of
// thrift/store.thrift are the on-disk form only; store_codec.h converts).

namespace fedflow::store {

// One party's task of a job as FATE's tracker names it: job, component, role, party. Models,
// metrics and summaries are kept per TaskPartyKey (the last task version's write wins).
struct TaskPartyKey {
  std::string job_id;
  std::string component;
  std::string role;
  int64_t party_id = 0;

  // "<job>/<component>/<role>/<party>".
  std::string ToString() const;
  // InvalidArgument unless job, component and role are set.
  Status Validate() const;
  bool operator==(const TaskPartyKey& o) const {
    return job_id == o.job_id && component == o.component && role == o.role &&
           party_id == o.party_id;
  }
};

// One output table of one task version (FATE's output_data_info row).
struct OutputRef {
  TaskPartyKey task;
  int32_t task_version = 0;
  std::string data_name;  // "data", "train", "validate", ...

  // "<job>/<component>/<role>/<party>/<version>/<data name>".
  std::string ToString() const;
};

// The schema and bookkeeping of one table generation.
struct TableMeta {
  std::string ns;                   // FATE's namespace
  std::string name;                 // FATE's table name
  std::vector<std::string> header;  // column names; empty for head=false uploads
  std::string id_column;            // first column (FATE's rule); "" for head=false
  std::optional<std::string> label_column;
  std::string delimiter = ",";
  int64_t count = 0;           // rows
  int32_t partitions = 16;     // FATE's partition count (informative: one LevelDB)
  int64_t create_time_ms = 0;  // set at commit
  uint64_t generation = 0;     // set by the store
  std::string source = "upload";
  bool head = true;
  std::string header_line;  // the header's bytes as uploaded (no BOM, no terminator)
  std::string line_ending = "\n";
  bool final_newline = true;
  int64_t data_bytes = 0;  // sum of row bytes (no terminators)
  int32_t num_columns = 0;
  std::optional<OutputRef> output;  // set for task outputs
  bool utf8_bom = false;
  std::optional<std::string> extra_json;
};

struct ModelMeta {
  std::string module;  // e.g. "HeteroLR"
  std::string alias;   // FATE's model alias, e.g. "model"
  std::string job_id;
  std::string component;
  std::string role;
  int64_t party_id = 0;
  int32_t task_version = 0;
  int64_t create_time_ms = 0;  // set by the store
  std::optional<std::string> model_id;
  std::optional<std::string> model_version;
  int64_t size = 0;  // set by the store: bytes of the model data
};

struct Model {
  ModelMeta meta;
  std::string data;  // opaque bytes (e.g. serialised Meta/Param buffers)
};

// A metric key or value: FATE logs numbers (iterations, losses) and strings (thresholds
// rendered as text, labels). Exactly one alternative is stored on disk.
using MetricScalar = std::variant<double, std::string>;

struct MetricPoint {
  MetricScalar key;
  MetricScalar value;
  int64_t timestamp_ms = 0;  // 0: set by the store when logged
};

// FATE's MetricMeta.
struct MetricMeta {
  std::string name;
  std::string metric_namespace;
  std::string metric_type;  // e.g. "LOSS", "EVALUATION_SUMMARY"
  std::string extra_metas_json = "{}";
};

struct MetricData {
  std::optional<MetricMeta> meta;
  std::vector<MetricPoint> points;  // in log order
};

struct Summary {
  std::string json;
  int32_t task_version = 0;
  int64_t update_time_ms = 0;
};

// This party's record of one task version.
struct TaskRecord {
  std::string job_id;
  std::string component;
  std::string role;
  int64_t party_id = 0;
  int32_t task_version = 0;
  std::string module;
  std::string party_status;  // FATE's strings: waiting running success failed ...
  int64_t create_time_ms = 0;
  int64_t start_time_ms = 0;
  int64_t end_time_ms = 0;
  int64_t update_time_ms = 0;  // set by the store
  std::string error;
  int32_t run_pid = 0;
  std::string agent_id;
  std::string parameters_json;

  TaskPartyKey party_key() const { return {job_id, component, role, party_id}; }
};

// A stored row: its position in upload order and its bytes exactly as uploaded (one CSV line
// without its terminator).
struct Row {
  int64_t seq = 0;
  std::string data;
};

// How a TableWriter detects duplicate ids.
enum class DuplicateCheck {
  // (id, seq) pairs are sorted in bounded memory, spilled to temporary run files and merged at
  // Commit. Writes only row keys to LevelDB. The default (see docs/STORAGE.md for figures).
  kExternalSort,
  // An id index in LevelDB (ids/<generation>/<id> -> seq) and a Get per row before writing it.
  kIndexGet,
};

}  // namespace fedflow::store
