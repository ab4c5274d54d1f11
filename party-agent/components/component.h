#pragma once

#include <cstdint>
#include <string>

#include "common/json_util.h"
#include "common/status.h"
#include "party-agent/components/stop_signal.h"
#include "party-agent/components/task_spec.h"

namespace fedflow {

// What a running component sees of its task: identity, parameters, work directory, the agent's
// endpoint, a log prefix, and whether the task is being stopped. Created by fedflow-task for
// one Component::Run; it does not own the StopSignal. Thread-safe (read-only after creation).
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
};

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
