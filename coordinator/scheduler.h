#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "common/status.h"
#include "coordinator/agent_gateway.h"
#include "coordinator/job_graph.h"
#include "coordinator/job_store.h"
#include "coordinator/status_rules.h"

namespace fedflow::coordinator {

// A live agent as registered in ZooKeeper.
struct AgentInfo {
  std::string agent_id;
  int64_t party_id = 0;
  std::string endpoint;
  std::string federation_endpoint;
  int cores = 1;
  std::string version;
  int64_t started_at_ms = 0;
};

struct SchedulerOptions {
  // How long an agent may be absent from ZooKeeper before its tasks are failed.
  int agent_lost_grace_ms = 3000;
  // How long after a retry's stop requests the old attempt may take to end.
  int retry_stop_wait_ms = 10000;
  // Safety net, not the normal path: this often, the leader asks the agents of every running
  // component what they know (in case a report or a StartTask was lost). 0 disables it.
  int reconcile_interval_ms = 10000;
};

struct TaskReport {
  TaskKey key;
  RunStatus party_status = RunStatus::kRunning;
  std::string agent_id;
  int64_t seq = 0;
  int64_t start_ms = 0;
  int64_t end_ms = 0;
  std::string error;
};

struct SubmitResult {
  std::string job_id;
  std::string model_id;
  std::string model_version;
};

struct TaskView {
  std::string component;
  PartyTaskRecord task;
  RunStatus status = RunStatus::kWaiting;  // Federated status of the component.
};

struct JobView {
  JobRecord record;
  std::vector<TaskView> tasks;
};

// The leader's scheduler: owns the in-memory state of every job, writes each change to the
// JobStore before acting on it, dispatches tasks to agents, aggregates party statuses (FATE
// §4.3) and ends jobs. Event-driven: submit, reports, agent changes and timers are events on
// one EventLoop thread, which owns all state; RPCs go through the AgentGateway's I/O threads
// and post their results back. Store writes run on the loop thread (they are the commit point
// of each decision). Once a store write fails as stale or the session is gone, the scheduler is
// fenced: it stops acting and its owner steps down.
// Thread-safe: public methods may be called from any thread (they hop onto the loop).
class Scheduler {
 public:
  Scheduler(SchedulerOptions options, JobStore* store, AgentGateway* agents);
  ~Scheduler();

  // Loads every job from the store, resumes the unfinished ones and starts the loop.
  Status Start();
  void Stop();

  Result<SubmitResult> Submit(const JobSpec& spec);
  Result<JobView> QueryJob(const std::string& job_id);
  Result<std::vector<JobView>> ListJobs(int limit, const std::string& status_filter);
  Status StopJob(const std::string& job_id, RunStatus stop_status);
  Result<std::vector<std::string>> RerunJob(const std::string& job_id,
                                            const std::string& component, bool force);
  Status ReportTaskStatus(const TaskReport& report);
  // The full set of live agents (a snapshot from ZooKeeper).
  void SetAgents(std::vector<AgentInfo> agents);

  bool fenced() const { return fenced_.load(); }
  std::string fence_reason() const;

 private:
  struct ComponentState {
    ComponentRecord rec;
    std::vector<PartyTaskRecord> parties;  // Parallel to graph.components[i].parties.
    bool retry_pending = false;
  };
  struct JobState {
    JobRecord rec;
    JobSpec spec;
    JobGraph graph;
    std::vector<ComponentState> comps;
    int running_components = 0;
    EventLoop::TimerId timeout_timer = 0;
    // (role, party) -> the agent that runs the job's tasks there and holds their outputs
    // (placement with data, docs/STORAGE.md). Set by the first start on that party; derived
    // from the task records when a job is resumed.
    std::map<std::pair<std::string, int64_t>, std::string> home;
  };
  struct AgentSlot {
    AgentInfo info;
    int busy = 0;
    bool live = false;
    EventLoop::TimerId lost_timer = 0;
  };

  // All below run on the loop thread.
  Result<SubmitResult> DoSubmit(const JobSpec& spec);
  void ResumeJob(std::unique_ptr<JobState> job);
  void Schedule();
  // Starts component `ci` of `job`; false when it cannot start yet (no free agent core).
  // True also when it changed the job otherwise (failed the component, or reset upstream
  // components to rebuild outputs lost with an agent).
  bool StartComponent(JobState* job, int ci);
  // Sets the component and its party tasks back to waiting (in memory; the caller writes
  // it), as a new task version when `new_version`.
  void ResetToWaiting(ComponentState* cs, bool new_version);
  // Re-runs (new task version) every upstream component of `ci`, transitively, whose task on
  // (role, party) ran elsewhere than `home` (the party's live home agent), or, with `home`
  // empty, on an agent that is gone: their outputs are rebuilt where `ci` will run. Returns
  // how many components were reset, or the store error.
  Result<int> RebuildLostOutputs(JobState* job, int ci, const std::string& role, int64_t party_id,
                                 const std::string& home);
  void Dispatch(JobState* job, int ci);
  Status ApplyPartyStatus(JobState* job, int ci, int pi, RunStatus status, const std::string& error,
                          int64_t start_ms, int64_t end_ms, int64_t seq);
  void OnComponentChanged(JobState* job, int ci, RunStatus old_status);
  void RetryComponent(const std::string& job_id, int ci, int64_t deadline_ms);
  void EndJob(JobState* job, RunStatus status, const std::string& reason);
  void StopComponentTasks(JobState* job, int ci, const std::string& stop_status,
                          const std::string& reason, int skip_party);
  void CheckJobProgress(JobState* job);
  void OnAgentLost(const std::string& agent_id);
  // Fails every ongoing task placed on the agent (lost, or restarted under the same id).
  void FailAgentTasks(const std::string& agent_id, const std::string& reason);
  void QueryAgentsFor(JobState* job);
  void Reconcile();
  void ReleaseSlot(const PartyTaskRecord& t);
  JobView MakeView(const JobState& job) const;
  std::string NewJobId();
  // Records a store failure; fences the scheduler on stale writes and lost sessions.
  void OnStoreError(const Status& s);
  std::string LogPrefix(const JobState& job) const;

  const SchedulerOptions options_;
  JobStore* const store_;
  AgentGateway* const agents_gw_;
  EventLoop loop_;
  std::atomic<bool> fenced_{false};

  // Owned by the loop thread.
  std::map<std::string, std::unique_ptr<JobState>> jobs_;
  std::deque<std::string> active_;  // Running jobs, round-robin order.
  std::map<std::string, AgentSlot> agent_slots_;
  bool agents_known_ = false;
  std::vector<std::string> restarted_;  // Scratch list of SetAgents.
  std::vector<std::string> recovered_jobs_;  // Jobs to re-query once agents are known.
  std::string fence_reason_;
  uint32_t job_counter_ = 0;
};

}  // namespace fedflow::coordinator
