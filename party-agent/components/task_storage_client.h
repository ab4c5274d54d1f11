#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "TaskService.h"
#include "common/json_util.h"
#include "common/rpc/client_pool.h"
#include "common/status.h"
#include "party-agent/components/task_spec.h"

namespace fedflow {

// A table's schema and size as a task sees it (the TaskService's TTaskTableMeta). On an output
// only the descriptive fields count: header, id_column, label_column, delimiter, head,
// header_line, partitions, extra_json.
struct TableSchema {
  std::string ns;
  std::string name;
  std::vector<std::string> header;  // empty for a table without a header line
  std::string id_column;            // FATE's rule: the first column
  std::optional<std::string> label_column;
  std::string delimiter = ",";
  bool head = true;
  std::string header_line;  // the header's bytes as uploaded
  int32_t partitions = 16;
  std::optional<std::string> extra_json;  // a JSON object
  // Inputs only.
  int64_t count = 0;
  int64_t data_bytes = 0;
  int32_t num_columns = 0;
  std::string source;  // "upload" or "output of <job>/<component>/<role>/<party>/<version>"
};

// A metric key or value: FATE logs numbers (iterations, losses) and strings.
using MetricValue = std::variant<double, std::string>;
struct MetricPoint {
  MetricValue key;
  MetricValue value;
};

class TaskStorageClient;

// A read cursor on one input: one generation of a party table or of an upstream output, read
// in bounded batches (never a whole table in one message). Closes its cursor when destroyed.
// Not thread-safe (one reader thread); the client must outlive it.
class InputTable {
 public:
  ~InputTable();
  InputTable(const InputTable&) = delete;
  InputTable& operator=(const InputTable&) = delete;

  const TableSchema& schema() const { return schema_; }
  int64_t count() const { return schema_.count; }
  // "table <ns>.<name>" or "output <component>.<data name>".
  const std::string& what() const { return what_; }

  // Replaces *rows with the next rows, each one line as stored (no terminator): at most
  // max_rows rows and about max_bytes bytes. Empty at the end of the table.
  Status NextBatch(std::vector<std::string>* rows, int32_t max_rows = 4096,
                   int32_t max_bytes = 1 << 20);
  // Rows returned so far.
  int64_t position() const { return next_seq_; }
  // Releases the cursor (the agent keeps the table's generation only while it is open).
  Status Close();

 private:
  friend class TaskStorageClient;
  InputTable(TaskStorageClient* client, int64_t cursor_id, TableSchema schema, std::string what);

  TaskStorageClient* const client_;
  const int64_t cursor_id_;
  const TableSchema schema_;
  const std::string what_;
  int64_t next_seq_ = 0;
  bool done_ = false;
  bool closed_ = false;
};

// One output table of the task being written: rows are buffered and sent in batches of about
// 1 MiB; nothing is visible until Commit. Destroyed without Commit, it aborts (nothing stays).
// After a failure every call returns that failure. Not thread-safe; the client must outlive it.
class OutputTable {
 public:
  ~OutputTable();
  OutputTable(const OutputTable&) = delete;
  OutputTable& operator=(const OutputTable&) = delete;

  const std::string& data_name() const { return data_name_; }
  // Adds a row: one line without terminator, its first field (split on the schema's delimiter)
  // its id. Ids must be unique (a duplicate fails the output, here or at Commit).
  Status Add(std::string row);
  Status Append(const std::vector<std::string>& rows);
  // Makes the output visible (durable when it returns); returns its row count.
  Result<int64_t> Commit();
  Status Abort();
  int64_t rows() const { return added_; }

 private:
  friend class TaskStorageClient;
  OutputTable(TaskStorageClient* client, int64_t writer_id, std::string data_name);
  Status Flush();

  enum class State { kOpen, kCommitted, kAborted, kFailed };
  TaskStorageClient* const client_;
  const int64_t writer_id_;
  const std::string data_name_;
  State state_ = State::kOpen;
  Status error_;
  std::vector<std::string> buffer_;
  size_t buffer_bytes_ = 0;
  int64_t next_batch_ = 0;
  int64_t added_ = 0;
};

// A task's storage through its agent's TaskService (loopback Thrift): input tables, outputs,
// models, metrics and the summary of this task. The task never opens the store itself.
// Calls are retried where that is safe (reads, idempotent writes). Thread-safe; InputTable and
// OutputTable objects are not (one thread each).
class TaskStorageClient {
 public:
  TaskStorageClient(TaskKey key, std::string agent_endpoint);

  // A party table of this party. NotFound: "table <ns>.<name> does not exist on party <P>
  // (<role>)".
  Result<std::unique_ptr<InputTable>> OpenTable(const std::string& ns, const std::string& name);
  // Output `data_name` of `component` of this job on this party and role (its latest task
  // version that has one).
  Result<std::unique_ptr<InputTable>> OpenOutput(const std::string& component,
                                                 const std::string& data_name);
  Result<std::unique_ptr<OutputTable>> CreateOutput(const std::string& data_name,
                                                    const TableSchema& schema);

  // Saves (replaces) this task's model `alias` (sent in chunks; up to 1 GiB).
  Status SaveModel(const std::string& alias, const std::string& module, const std::string& data);
  struct Model {
    std::string module;
    int32_t task_version = 0;
    std::string data;
  };
  // Model `alias` of `component` of this job on this party and role.
  Result<Model> LoadModel(const std::string& component, const std::string& alias);

  // FATE's tracker: log_metric_data, set_metric_meta, and the component's summary.
  Status LogMetric(const std::string& metric_namespace, const std::string& name,
                   const std::vector<MetricPoint>& points);
  Status SetMetricMeta(const std::string& metric_namespace, const std::string& name,
                       const std::string& metric_type, const Json& extra_metas = Json::object());
  Status SaveSummary(const Json& summary);

  const TaskKey& key() const { return key_; }

 private:
  friend class InputTable;
  friend class OutputTable;

  // Runs `fn` on a client of the agent; checks the transport and then `status()` of the
  // response.
  template <typename Fn, typename Response>
  Status Call(Fn&& fn, const Response& resp, rpc::Idempotency idempotency);
  Result<std::unique_ptr<InputTable>> Open(const thrift::TTaskInputRef& ref, std::string what);

  const TaskKey key_;
  const std::string endpoint_;
  thrift::TTaskKey tkey_;
  rpc::ClientPool<thrift::TaskServiceClient> pool_;
};

}  // namespace fedflow
