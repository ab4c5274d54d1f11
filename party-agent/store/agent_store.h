#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "party-agent/store/store_values.h"

namespace leveldb {
class Cache;
class DB;
class FilterPolicy;
class Snapshot;
}  // namespace leveldb

namespace fedflow::store {

class TableReader;
class TableWriter;

struct AgentStoreOptions {
  // LevelDB tuning. The memtable (twice: active and flushing) and the block cache are the
  // store's main memory use.
  size_t write_buffer_bytes = 32 << 20;
  size_t block_cache_bytes = 32 << 20;
  size_t max_file_bytes = 32 << 20;
  // Open always checks every live table file's size against the manifest and reads its footer
  // and index block, and decodes every table and output meta. With this set it also reads and
  // checksums every block of every table file (minutes on a large store).
  bool verify_all_on_open = false;
  // fsync commits and tracking writes (models, metrics, summaries, task records). Only
  // benchmarks and tests that measure without fsync turn it off.
  bool sync = true;
  // Table uploads.
  DuplicateCheck duplicate_check = DuplicateCheck::kExternalSort;
  size_t write_batch_bytes = 4 << 20;      // rows per LevelDB write
  size_t id_sort_buffer_bytes = 32 << 20;  // kExternalSort: ids sorted in memory per run
};

// The party agent's store: one LevelDB database holding the party's data tables, its tasks'
// output tables, models, metrics, summaries and task records (key layout: store_keys.h and
// docs/STORAGE.md). Tables are written as new generations through a TableWriter and become
// visible atomically at Commit; readers read a LevelDB snapshot, so a table replaced or
// dropped while it is being read keeps its old rows for that reader.
//
// Owned by the agent, which must keep it alive longer than every TableWriter and TableReader
// it hands out. The database may be shared with collaborators that own other key prefixes
// (db(): the ReportQueue's "report/"). Thread-safe. Lock order: commit_mu_ before metric_mu_
// (never both are held today).
class AgentStore {
 public:
  // Opens the database at `path`, creating it when the directory does not exist or holds no
  // database files. A database that LevelDB reports corrupt (torn manifest, missing or
  // truncated table file, bad checksum) is an IOError "agent store <path> is corrupt: ...;
  // refusing to recreate it over existing data"; a database locked by another process is an
  // IOError saying so. Deletes the rows of generations no table points to (an upload
  // interrupted by a crash) before returning.
  static Result<std::unique_ptr<AgentStore>> Open(const std::string& path,
                                                  const AgentStoreOptions& options = {});
  ~AgentStore();

  AgentStore(const AgentStore&) = delete;
  AgentStore& operator=(const AgentStore&) = delete;

  const std::string& path() const { return path_; }
  const AgentStoreOptions& options() const { return options_; }
  // For collaborators with key prefixes of their own; never for the prefixes listed above.
  leveldb::DB* db() const { return db_.get(); }

  // ---- Party data tables: table/<ns>/<name> ----

  // Starts a new generation of table (schema.ns, schema.name). With `replace` false an
  // existing table is AlreadyExists (here and again at Commit). The schema's descriptive
  // fields are kept; count, data_bytes, generation and create time are set by the writer.
  Result<std::unique_ptr<TableWriter>> CreateTable(TableMeta schema, bool replace);
  // A reader of the table's visible generation at the time of the call. NotFound names the
  // table.
  Result<std::unique_ptr<TableReader>> OpenTable(std::string_view ns, std::string_view name) const;
  Result<TableMeta> GetTable(std::string_view ns, std::string_view name) const;
  Result<bool> TableExists(std::string_view ns, std::string_view name) const;
  // Tables of namespace `ns` (of every namespace when empty), by namespace then name.
  Result<std::vector<TableMeta>> ListTables(std::string_view ns = "") const;
  // Removes the table and its rows (readers that opened it before keep reading). NotFound
  // when there is no such table.
  Status DropTable(std::string_view ns, std::string_view name);

  // ---- Task output tables: out/<job>/<component>/<role>/<party>/<version>/<data name> ----

  // Starts a new generation of an output; Commit replaces an earlier one of the same ref (a
  // retried task). The meta's namespace is the job id and its name "<component>.<data name>".
  Result<std::unique_ptr<TableWriter>> CreateOutput(const OutputRef& ref, TableMeta schema);
  Result<std::unique_ptr<TableReader>> OpenOutput(const OutputRef& ref) const;
  Result<TableMeta> GetOutput(const OutputRef& ref) const;
  // Outputs of one task, by version then data name.
  Result<std::vector<TableMeta>> ListOutputs(const TaskPartyKey& task) const;
  // The output `data_name` of the task's highest version that has one.
  Result<TableMeta> LatestOutput(const TaskPartyKey& task, std::string_view data_name) const;
  Result<std::vector<TableMeta>> ListJobOutputs(std::string_view job_id) const;

  // ---- Models: model/<job>/<component>/<role>/<party>/<alias> ----

  // Saves (replaces) the model meta.alias of the task; meta's task fields are taken from
  // `task`. Synced.
  Status SaveModel(const TaskPartyKey& task, ModelMeta meta, std::string_view data);
  Result<Model> LoadModel(const TaskPartyKey& task, std::string_view alias) const;
  Result<std::vector<ModelMeta>> ListModels(const TaskPartyKey& task) const;

  // ---- Metrics: metric/<job>/<component>/<role>/<party>/<namespace>/<name>/... ----

  // Sets the meta of metric (meta.metric_namespace, meta.name). Synced.
  Status SaveMetricMeta(const TaskPartyKey& task, const MetricMeta& meta);
  // Appends points (one key per call; points without a timestamp get the current time).
  // Synced.
  Status LogMetricData(const TaskPartyKey& task, std::string_view metric_namespace,
                       std::string_view name, std::vector<MetricPoint> points);
  // namespace -> metric names, sorted.
  Result<std::map<std::string, std::vector<std::string>>> ListMetrics(
      const TaskPartyKey& task) const;
  // NotFound when the metric has neither meta nor points.
  Result<MetricData> GetMetric(const TaskPartyKey& task, std::string_view metric_namespace,
                               std::string_view name) const;

  // ---- Summaries: summary/<job>/<component>/<role>/<party> ----

  // `json` must be a JSON document. Replaces an earlier summary. Synced.
  Status SaveSummary(const TaskPartyKey& task, std::string_view json, int32_t task_version);
  Result<Summary> GetSummary(const TaskPartyKey& task) const;

  // ---- Task records: task/<job>/<component>/<role>/<party>/<version> ----

  // Creates or replaces the record of (task, version). Synced.
  Status PutTaskRecord(TaskRecord record);
  Result<TaskRecord> GetTaskRecord(const TaskPartyKey& task, int32_t version) const;
  Result<std::vector<TaskRecord>> ListTaskRecords(std::string_view job_id) const;

  // ---- Jobs ----

  // Removes the job's output tables (FATE's job clean); models, metrics, summaries and task
  // records stay. Returns how many output tables were removed.
  Result<int64_t> CleanJob(std::string_view job_id);
  // Removes everything the store holds for the job.
  Status DeleteJob(std::string_view job_id);

  // Keys under `prefix` (for tests and diagnostics).
  Result<int64_t> CountKeys(std::string_view prefix) const;

 private:
  friend class TableWriter;

  AgentStore(std::string path, AgentStoreOptions options);

  static int64_t NowMs();
  Status OpenDb(bool create);
  Status VerifyTableFiles();
  // Decodes every table/ and out/ meta; deletes generations none of them references.
  Status CollectGarbage();

  // Called by TableWriter.
  uint64_t NewGeneration() { return next_generation_.fetch_add(1); }
  std::string TempDir() const { return path_ + "/upload-tmp"; }
  // Makes `meta` (a fully written generation) visible under `pointer_key`: fsyncs LevelDB's
  // logs, swaps the pointer with a synced write, then deletes the replaced generation.
  Status CommitGeneration(const std::string& pointer_key, bool replace, const TableMeta& meta);
  // Deletes the rows (and id index) of a generation.
  Status DeleteGeneration(uint64_t generation);
  // fsyncs every LevelDB log file and the directory: LevelDB closes a rotated log without
  // fsync, so a synced write alone would not make earlier unsynced writes durable.
  Status SyncLogFiles();

  Result<std::optional<std::string>> Get(const std::string& key,
                                         const leveldb::Snapshot* snapshot = nullptr) const;
  Status Put(const std::string& key, const std::string& value, bool sync);
  // Calls fn(key, value) for every key under `prefix` (stops at fn's first error).
  Status Scan(std::string_view prefix,
              const std::function<Status(std::string_view, std::string_view)>& fn,
              const leveldb::Snapshot* snapshot = nullptr) const;
  Status DeletePrefix(std::string_view prefix, bool sync);
  // Removes the output pointers under `prefix` and their generations.
  Result<int64_t> DeleteOutputs(const std::string& prefix);
  Result<std::unique_ptr<TableReader>> OpenReader(const std::string& pointer_key,
                                                  const std::string& what) const;
  Result<std::vector<TableMeta>> ListMetas(std::string_view prefix) const;
  // "agent store <path> is corrupt: <detail>; refusing to recreate it over existing data".
  Status Corrupt(std::string_view detail) const;

  const std::string path_;
  const AgentStoreOptions options_;
  std::unique_ptr<const leveldb::FilterPolicy> filter_policy_;
  std::unique_ptr<leveldb::Cache> block_cache_;
  std::unique_ptr<leveldb::DB> db_;
  std::atomic<uint64_t> next_generation_{1};
  // Serialises pointer swaps (commit, drop, clean) so each sees the generation it replaces.
  std::mutex commit_mu_;
  // Serialises metric point appends (each takes the metric's next sequence number).
  std::mutex metric_mu_;
};

}  // namespace fedflow::store
