#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/json_util.h"
#include "common/status.h"
#include "party-agent/components/stop_signal.h"
#include "party-agent/components/task_spec.h"
#include "party-agent/components/task_storage_client.h"

namespace fedflow {

// What a running component sees of its task: identity, parameters, work directory, the agent's
// endpoint, its inputs and outputs and the storage behind them, a log prefix, and whether the
// task is being stopped. Created by fedflow-task for one Component::Run; it does not own the
// StopSignal. Thread-safe (read-only after creation; the storage client is thread-safe).
class TaskContext {
 public:
  TaskContext(TaskLaunch launch, const StopSignal* stop);

  const TaskKey& key() const { return launch_.key; }
  const std::string& module() const { return launch_.module; }
  const Json& job_parameters() const { return launch_.job_parameters; }
  const Json& component_parameters() const { return launch_.component_parameters; }
  const std::string& work_dir() const { return launch_.work_dir; }
  const std::string& agent_endpoint() const { return launch_.agent_endpoint; }
  // The parties running this component: [{"role": ..., "party_id": ...}], this one included.
  const Json& peers() const { return launch_.peers; }
  // Inputs and outputs as the coordinator resolved them (TaskLaunch::io).
  const Json& io() const { return launch_.io; }

  // This task's storage (tables, outputs, models, metrics, summary) through its agent.
  TaskStorageClient& storage() const { return *storage_; }
  // The data input keys in io ("data", "train_data", ...) with the number of entries of each,
  // in key order.
  std::vector<std::pair<std::string, size_t>> DataInputs() const;
  // Opens io.data.<key>[index]: an upstream component's output or a party table (a DSL v1
  // args.<key> resolved from the runtime conf). Errors name the input:
  //   input data.train_data[0]: table experiment.t does not exist on party 9999 (guest)
  //   input data.train_data[0]: args.train_data is not given for guest 9999 in the runtime conf
  Result<std::unique_ptr<InputTable>> OpenInput(const std::string& key, size_t index = 0) const;
  // The output data names in io (io.output.data), in DSL order; empty when it declares none.
  std::vector<std::string> OutputDataNames() const;

  // "job=<job_id> task=<component>/<role>/<party_id> v<version>: ", for LOG_WITH_PREFIX.
  const std::string& LogPrefix() const { return log_prefix_; }

  // True once the task has been asked to stop (SIGTERM): finish promptly, return non-OK.
  bool should_stop() const { return stop_->raised(); }
  // Sleeps `ms`, or less if the task is asked to stop: then Aborted.
  Status SleepFor(int64_t ms) const;

 private:
  const TaskLaunch launch_;
  const StopSignal* const stop_;
  const std::string log_prefix_;
  const std::unique_ptr<TaskStorageClient> storage_;
};

// The schema of an output that keeps `input`'s columns: header, id and label column,
// delimiter, head, header line, partitions and extra JSON.
TableSchema OutputSchemaOf(const TableSchema& input);

// Copies every row of `in` to a new output `data_name` of the task with in's schema, in
// batches, and commits it; `on_batch` (optional) sees each batch first. Returns the row
// count. Stops (Aborted) when the task is asked to stop; the output is then not kept.
Result<int64_t> CopyTable(const TaskContext& ctx, InputTable* in, const std::string& data_name,
                          const std::function<void(const std::vector<std::string>&)>& on_batch =
                              nullptr);

// One module's implementation (FATE's "module" in a DSL: Probe, DataIO, HeteroLR ...), run by
// fedflow-task for one task attempt. Run's Status is the task's outcome: OK is success, an error
// is failed with the message as the task's error (say what was wrong, naming the component's
// parameter or input). A component should check ctx.should_stop() in long loops. Created by
// the ComponentRegistry, owned and run once by fedflow-task's main thread.
class Component {
 public:
  virtual ~Component() = default;
  virtual Status Run(TaskContext& ctx) = 0;
};

}  // namespace fedflow
