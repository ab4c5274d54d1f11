#pragma once

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
#include "party-agent/components/task_spec.h"
#include "party-agent/store/agent_store.h"

namespace fedflow {

// One part of a task output streamed as CSV (TrackingService::ReadOutput).
struct OutputPart {
  std::string data;         // CSV bytes: header line (if any), then rows with their terminators
  std::string next_cursor;  // resumes after `data`
  bool done = false;        // nothing follows (the table's end, or max_rows reached)
  int64_t rows = 0;         // rows completed in this part
  store::TableMeta meta;    // the generation being streamed
};

// A page of one metric's points (TrackingService::GetMetric).
struct MetricPage {
  std::optional<store::MetricMeta> meta;
  std::vector<store::MetricPoint> points;  // from the requested offset, in log order
  int64_t total_points = 0;
  bool done = false;  // no point follows this page's
};

// A part of one model's bytes (TrackingService::ReadModel).
struct ModelPart {
  store::ModelMeta meta;
  std::string data;
  bool done = false;
};

// One task version's log file on this agent.
struct TaskLogInfo {
  TaskKey key;
  int64_t size = 0;
  int64_t modify_time_ms = 0;
};

// A part of a task log (TrackingService::ReadTaskLog).
struct LogPart {
  std::string data;
  int64_t next_offset = 0;
  bool done = false;  // reaches the file's end as it is now
  int64_t size = 0;   // the file's size when read
};

// What the party's tasks recorded, as the CLI asks for it (FATE's tracking API and `job log`,
// `job clean`): metrics, output tables streamed as CSV in bounded parts, models in bounded
// parts, summaries, task records, the task logs in the agent's data dir, and cleaning a job's
// outputs. It exists so that AgentService's tracking RPCs stay thin and the rules (bounded
// parts, cursors that never mix two generations, refusing to clean a running job) can be
// tested without Thrift.
//
// Task logs live at TaskWorkDir(data_dir, key)/task.log (party-agent/components/task_spec.h).
//
// Owned by the agent's AgentService handler; the store must outlive it. Thread-safe. One
// mutex (model_mu_) guards the model kept for a download in progress.
class TrackingService {
 public:
  struct Options {
    // Largest part ReadOutput, ReadModel and ReadTaskLog return (bounds memory and stays
    // under Thrift's frame size), and the part size when the caller gives none.
    int32_t max_part_bytes = 4 << 20;
    int32_t default_part_bytes = 1 << 20;
    // Points per GetMetric page, at most and by default.
    int32_t max_metric_points = 100000;
    int32_t default_metric_points = 10000;
  };
  // The tasks of a job this agent runs now (their TaskKey::ToString()); CleanJob refuses while
  // there is one.
  using RunningTasksFn = std::function<std::vector<std::string>(const std::string& job_id)>;

  TrackingService(store::AgentStore* store, std::string data_dir, RunningTasksFn running,
                  Options options);
  TrackingService(store::AgentStore* store, std::string data_dir, RunningTasksFn running)
      : TrackingService(store, std::move(data_dir), std::move(running), Options()) {}

  TrackingService(const TrackingService&) = delete;
  TrackingService& operator=(const TrackingService&) = delete;

  // ---- Metrics ----

  // namespace -> names; empty when this agent holds none of the task's metrics.
  Result<std::map<std::string, std::vector<std::string>>> ListMetrics(
      const store::TaskPartyKey& task) const;
  // The metric's meta and up to `max_points` points (0: the default; capped) from `offset`.
  // NotFound when the metric has neither meta nor points here.
  Result<MetricPage> GetMetric(const store::TaskPartyKey& task, std::string_view metric_namespace,
                               std::string_view name, int64_t offset, int32_t max_points) const;

  // ---- Output tables ----

  // The task's outputs: the highest version's of each data name (every version's with
  // `all_versions`), by data name. Empty when this agent holds none.
  Result<std::vector<store::TableMeta>> ListOutputs(const store::TaskPartyKey& task,
                                                    bool all_versions) const;
  // The output as CSV from `cursor` ("" for the start), in the shape of DataService::Download:
  // about `max_bytes` bytes (0: the default; capped), cut anywhere, even inside a line. With
  // `max_rows` > 0 the stream ends after that many rows. `task_version` < 0: the highest
  // version that has the output. Aborted when the output was replaced or removed since the
  // cursor was handed out.
  Result<OutputPart> ReadOutput(const store::TaskPartyKey& task, std::string_view data_name,
                                int32_t task_version, std::string_view cursor, int32_t max_bytes,
                                int64_t max_rows) const;

  // ---- Models ----

  // The task's models (metas only); empty when this agent holds none.
  Result<std::vector<store::ModelMeta>> ListModels(const store::TaskPartyKey& task) const;
  // Up to `max_bytes` (0: the default; capped) of the model's bytes from `offset`. A caller
  // continuing a read passes the create_time_ms it was given (0 on the first call): a model
  // saved again since then is Aborted. The model being read is kept in memory between calls
  // (one at a time, dropped when its last part is read).
  Result<ModelPart> ReadModel(const store::TaskPartyKey& task, std::string_view alias,
                              int64_t offset, int32_t max_bytes, int64_t create_time_ms);

  // ---- Summaries and task records ----

  // NotFound when this agent holds no summary of the task.
  Result<store::Summary> GetSummary(const store::TaskPartyKey& task) const;
  Result<std::vector<store::TaskRecord>> ListTaskRecords(const std::string& job_id) const;

  // ---- Task logs ----

  // The task logs of the job in this agent's data dir, ordered by role, party, component and
  // version. Empty when there is none.
  Result<std::vector<TaskLogInfo>> ListTaskLogs(const std::string& job_id) const;
  // Up to `max_bytes` (0: the default; capped) of the task's log from `offset`. NotFound when
  // there is no such log here.
  Result<LogPart> ReadTaskLog(const TaskKey& key, int64_t offset, int32_t max_bytes) const;

  // ---- Jobs ----

  // Removes the job's output tables (FATE's job clean); metrics, summaries, models, task
  // records and logs stay. IllegalState, naming the tasks, while a task of the job runs here.
  // Returns how many output tables were removed.
  Result<int64_t> CleanJob(const std::string& job_id);

  const Options& options() const { return options_; }

 private:
  size_t PartBytes(int32_t requested) const;

  store::AgentStore* const store_;
  const std::string data_dir_;
  const RunningTasksFn running_;
  const Options options_;

  // The model a download is reading, so that each part does not decode the whole model again.
  std::mutex model_mu_;
  std::string model_key_;                      // "<task>/<alias>". Guarded by model_mu_.
  std::shared_ptr<const store::Model> model_;  // Guarded by model_mu_.
};

}  // namespace fedflow
