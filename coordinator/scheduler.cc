#include "common/time_util.h"
#include "coordinator/scheduler.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>

#include <glog/logging.h>

namespace fedflow::coordinator {

namespace {


std::string PartyName(const PartyTaskRecord& t) {
  return t.role + " " + std::to_string(t.party_id);
}

// FATE's model_id (§3.1): "#".join(f"{role}-{'_'.join(sorted(set(ids)))}" for sorted roles).
std::string ModelId(const Json& roles) {
  std::vector<std::string> names;
  for (auto it = roles.begin(); it != roles.end(); ++it) names.push_back(it.key());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const std::string& role : names) {
    std::set<int64_t> ids;
    for (const Json& id : roles[role]) {
      if (id.is_number_integer()) ids.insert(id.get<int64_t>());
    }
    std::string joined;
    for (int64_t id : ids) joined += (joined.empty() ? "" : "_") + std::to_string(id);
    out += role + "-" + joined + "#";
  }
  return out + "model";
}

}  // namespace

Scheduler::Scheduler(SchedulerOptions options, JobStore* store, AgentGateway* agents)
    : options_(options), store_(store), agents_gw_(agents), loop_("scheduler") {}

Scheduler::~Scheduler() { Stop(); }

std::string Scheduler::LogPrefix(const JobState& job) const {
  return "job=" + job.rec.job_id + ": ";
}

std::string Scheduler::fence_reason() const {
  std::string r;
  const_cast<EventLoop&>(loop_).RunSync([&] { r = fence_reason_; });
  return r;
}

Status Scheduler::Start() {
  // Load before starting the loop: nothing else touches the state yet.
  ASSIGN_OR_RETURN(std::vector<std::string> ids, store_->ListJobIds());
  for (const std::string& id : ids) {
    auto stored = store_->LoadJob(id);
    if (!stored.ok()) {
      LOG(ERROR) << "job=" << id << ": cannot load: " << stored.status().ToString();
      continue;
    }
    auto job = std::make_unique<JobState>();
    job->rec = stored->record;
    job->spec = stored->spec;
    if (IsEndStatus(job->rec.status)) {
      // Finished jobs are kept for queries; their graph is rebuilt only for task views.
      auto graph = BuildJobGraph(job->spec);
      if (graph.ok()) job->graph = std::move(graph).value();
    } else {
      auto graph = BuildJobGraph(job->spec);
      if (!graph.ok()) {
        LOG(ERROR) << "job=" << id << ": cannot re-plan: " << graph.status().ToString();
        continue;
      }
      job->graph = std::move(graph).value();
    }
    job->comps.resize(job->graph.components.size());
    for (size_t ci = 0; ci < job->graph.components.size(); ++ci) {
      const GraphComponent& gc = job->graph.components[ci];
      ComponentState& cs = job->comps[ci];
      cs.rec.name = gc.name;
      cs.rec.retries_left = job->graph.auto_retries;
      for (const GraphParty& gp : gc.parties) {
        PartyTaskRecord t;
        t.role = gp.role;
        t.party_id = gp.party_id;
        cs.parties.push_back(t);
      }
    }
    for (StoredComponent& sc : stored->components) {
      int ci = job->graph.IndexOf(sc.component.name);
      if (ci < 0) continue;
      ComponentState& cs = job->comps[ci];
      cs.rec = sc.component;
      for (PartyTaskRecord& t : sc.parties) {
        for (PartyTaskRecord& mine : cs.parties) {
          if (mine.role == t.role && mine.party_id == t.party_id) mine = t;
        }
      }
    }
    if (IsEndStatus(job->rec.status)) {
      jobs_[id] = std::move(job);
    } else {
      recovered_jobs_.push_back(id);
      ResumeJob(std::move(job));
    }
  }
  loop_.Start();
  loop_.Post([this] { Schedule(); });
  if (options_.reconcile_interval_ms > 0) {
    loop_.PostAfter(std::chrono::milliseconds(options_.reconcile_interval_ms),
                    [this] { Reconcile(); });
  }
  LOG(INFO) << "scheduler started with " << jobs_.size() << " jobs (" << recovered_jobs_.size()
            << " resumed)";
  return Status::OK();
}

void Scheduler::Stop() { loop_.Stop(); }

void Scheduler::ResumeJob(std::unique_ptr<JobState> job) {
  JobState* j = job.get();
  j->running_components = 0;
  for (size_t ci = 0; ci < j->comps.size(); ++ci) {
    ComponentState& cs = j->comps[ci];
    if (cs.rec.status == RunStatus::kRunning) {
      j->running_components++;
      for (const PartyTaskRecord& t : cs.parties) {
        if (IsOngoingStatus(t.party_status) && !t.agent_id.empty()) agent_slots_[t.agent_id].busy++;
      }
    }
  }
  if (j->rec.status == RunStatus::kRunning && j->rec.start_ms > 0) {
    int64_t left = j->rec.start_ms + j->graph.timeout_s * 1000 - WallMillis();
    std::string id = j->rec.job_id;
    j->timeout_timer = loop_.PostAfter(std::chrono::milliseconds(std::max<int64_t>(left, 0)), [this, id] {
      auto it = jobs_.find(id);
      if (it == jobs_.end() || IsEndStatus(it->second->rec.status)) return;
      EndJob(it->second.get(), RunStatus::kTimeout,
             "exceeded " + std::to_string(it->second->graph.timeout_s) + " s");
    });
  }
  // Placement with data: the home of each (role, party) is where its latest component ran.
  std::map<std::pair<std::string, int64_t>, int64_t> home_start;
  for (const ComponentState& cs : j->comps) {
    for (const PartyTaskRecord& t : cs.parties) {
      if (t.agent_id.empty()) continue;
      auto key = std::make_pair(t.role, t.party_id);
      auto it = home_start.find(key);
      if (it != home_start.end() && it->second > cs.rec.start_ms) continue;
      home_start[key] = cs.rec.start_ms;
      j->home[key] = t.agent_id;
    }
  }
  active_.push_back(j->rec.job_id);
  jobs_[j->rec.job_id] = std::move(job);
}

std::string Scheduler::NewJobId() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  int ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%Y%m%d%H%M%S", &tm);
  char out[96];
  std::snprintf(out, sizeof(out), "%s%03d%04u", buf, ms, job_counter_++ % 10000);
  return out;
}

Result<SubmitResult> Scheduler::Submit(const JobSpec& spec) {
  // Planning is pure: do it on the caller's thread, not the loop.
  Result<SubmitResult> result = Status::Internal("scheduler stopped before handling the submit");
  loop_.RunSync([&] { result = DoSubmit(spec); });
  return result;
}

Result<SubmitResult> Scheduler::DoSubmit(const JobSpec& spec) {
  if (fenced_) return Status::NotLeader("this coordinator is no longer the leader");
  ASSIGN_OR_RETURN(JobGraph graph, BuildJobGraph(spec));
  // Every party of the job needs a live agent now; a job that cannot run is refused.
  std::set<int64_t> parties;
  for (const GraphComponent& c : graph.components) {
    for (const GraphParty& p : c.parties) parties.insert(p.party_id);
  }
  for (int64_t party : parties) {
    bool found = false;
    for (const auto& [id, slot] : agent_slots_) found |= slot.live && slot.info.party_id == party;
    if (!found) {
      return Status::Unavailable("party " + std::to_string(party) +
                                 " has no live agent (none registered in ZooKeeper under "
                                 "parties/" + std::to_string(party) + "/agents)");
    }
  }
  auto job = std::make_unique<JobState>();
  job->spec = spec;
  job->graph = std::move(graph);
  job->rec.status = RunStatus::kWaiting;
  job->rec.create_ms = WallMillis();
  job->rec.initiator_role = job->graph.initiator_role;
  job->rec.initiator_party_id = job->graph.initiator_party_id;
  job->rec.roles = job->graph.roles;
  job->rec.model_id = job->graph.model_id.empty() ? ModelId(job->graph.roles) : job->graph.model_id;
  Status s;
  for (int attempt = 0; attempt < 5; ++attempt) {
    job->rec.job_id = NewJobId();
    job->rec.model_version = job->rec.job_id;
    s = store_->CreateJob(&job->rec, spec);
    if (!s.IsAlreadyExists()) break;
  }
  if (!s.ok()) {
    OnStoreError(s);
    return s;
  }
  job->comps.resize(job->graph.components.size());
  for (size_t ci = 0; ci < job->graph.components.size(); ++ci) {
    ComponentState& cs = job->comps[ci];
    cs.rec.name = job->graph.components[ci].name;
    cs.rec.retries_left = job->graph.auto_retries;
    for (const GraphParty& gp : job->graph.components[ci].parties) {
      PartyTaskRecord t;
      t.role = gp.role;
      t.party_id = gp.party_id;
      cs.parties.push_back(t);
    }
  }
  // waiting -> running: fedflow has no resource negotiation step, so a job starts at once.
  job->rec.status = RunStatus::kRunning;
  job->rec.start_ms = WallMillis();
  s = store_->UpdateJob(&job->rec);
  if (!s.ok()) {
    OnStoreError(s);
    return s;
  }
  SubmitResult out{job->rec.job_id, job->rec.model_id, job->rec.model_version};
  VLOG(1) << LogPrefix(*job) << "submitted with " << job->comps.size() << " components";
  ResumeJob(std::move(job));
  Schedule();
  return out;
}

void Scheduler::Schedule() {
  // Until the first agent snapshot every agent looks absent: scheduling then would fail
  // ready components for "no live agent". SetAgents schedules once the agents are known.
  if (fenced_ || !agents_known_) return;
  // Round-robin over running jobs, one component per job per round, so that no job blocks
  // the others (no head-of-line blocking).
  bool progress = true;
  std::vector<std::string> ended;
  while (progress) {
    progress = false;
    size_t n = active_.size();
    for (size_t k = 0; k < n; ++k) {
      std::string id = active_.front();
      active_.pop_front();
      auto it = jobs_.find(id);
      if (it == jobs_.end() || IsEndStatus(it->second->rec.status)) continue;
      active_.push_back(id);
      JobState* job = it->second.get();
      if (job->running_components >= std::max(job->graph.task_parallelism, 1)) continue;
      for (size_t ci = 0; ci < job->comps.size(); ++ci) {
        ComponentState& cs = job->comps[ci];
        if (cs.rec.status != RunStatus::kWaiting || cs.retry_pending) continue;
        bool ready = true;
        for (int up : job->graph.components[ci].upstream) {
          ready &= IsSuccessStatus(job->comps[up].rec.status);
        }
        if (!ready) continue;
        if (StartComponent(job, static_cast<int>(ci))) {
          progress = true;
          break;
        }
      }
    }
  }
  for (const std::string& id : std::vector<std::string>(active_.begin(), active_.end())) {
    auto it = jobs_.find(id);
    if (it != jobs_.end() && it->second->rec.status == RunStatus::kRunning) {
      CheckJobProgress(it->second.get());
    }
  }
  active_.erase(std::remove_if(active_.begin(), active_.end(),
                               [this](const std::string& id) {
                                 auto it = jobs_.find(id);
                                 return it == jobs_.end() || IsEndStatus(it->second->rec.status);
                               }),
                active_.end());
}

Status Scheduler::ReportTaskStatus(const TaskReport& r) {
  Status result = Status::Unavailable("scheduler stopped");
  loop_.RunSync([&] {
    if (fenced_) {
      result = Status::NotLeader("this coordinator is no longer the leader");
      return;
    }
    auto it = jobs_.find(r.key.job_id);
    if (it == jobs_.end()) {
      result = Status::NotFound("job " + r.key.job_id + " not found");
      return;
    }
    JobState* job = it->second.get();
    int ci = job->graph.IndexOf(r.key.component);
    if (ci < 0) {
      result = Status::NotFound("job " + r.key.job_id + " has no component " + r.key.component);
      return;
    }
    ComponentState& cs = job->comps[ci];
    for (size_t pi = 0; pi < cs.parties.size(); ++pi) {
      PartyTaskRecord& t = cs.parties[pi];
      if (t.role != r.key.role || t.party_id != r.key.party_id) continue;
      // A report about an older attempt, or one already applied, is acknowledged and dropped.
      if (t.task_version != r.key.task_version || r.seq <= t.last_seq) {
        result = Status::OK();
        return;
      }
      result = ApplyPartyStatus(job, ci, static_cast<int>(pi), r.party_status, r.error, r.start_ms,
                                r.end_ms, r.seq);
      Schedule();
      return;
    }
    result = Status::NotFound("job " + r.key.job_id + " component " + r.key.component +
                              " has no task on " + r.key.role + " " +
                              std::to_string(r.key.party_id));
  });
  return result;
}

Status Scheduler::ApplyPartyStatus(JobState* job, int ci, int pi, RunStatus status,
                                   const std::string& error, int64_t start_ms, int64_t end_ms,
                                   int64_t seq) {
  ComponentState& cs = job->comps[ci];
  PartyTaskRecord& t = cs.parties[pi];
  RunStatus from = t.party_status;
  if (from == status) {
    t.last_seq = std::max(t.last_seq, seq);
    return Status::OK();
  }
  // FATE's table, plus: the coordinator may end a task that never reported running
  // (dispatch failed, agent lost, stopped before it started).
  bool allowed = TaskTransitionAllowed(from, status) ||
                 (from == RunStatus::kWaiting && IsInterruptStatus(status));
  if (!allowed) {
    VLOG(1) << LogPrefix(*job) << "ignoring " << cs.rec.name << "/" << PartyName(t) << " "
            << ToString(from) << " -> " << ToString(status);
    t.last_seq = std::max(t.last_seq, seq);
    return Status::OK();
  }
  PartyTaskRecord updated = t;
  updated.party_status = status;
  updated.last_seq = std::max(t.last_seq, seq);
  if (start_ms > 0) updated.start_ms = start_ms;
  if (IsEndStatus(status)) updated.end_ms = end_ms > 0 ? end_ms : WallMillis();
  if (!error.empty()) updated.error = error;

  std::vector<RunStatus> statuses;
  for (size_t i = 0; i < cs.parties.size(); ++i) {
    statuses.push_back(static_cast<int>(i) == pi ? status : cs.parties[i].party_status);
  }
  auto agg = AggregateTaskStatus(statuses);
  RunStatus new_component = agg.ok() ? *agg : RunStatus::kFailed;
  RunStatus old_component = cs.rec.status;
  ComponentRecord crec = cs.rec;
  Status s;
  if (new_component != old_component) {
    crec.status = new_component;
    if (IsEndStatus(new_component)) crec.end_ms = WallMillis();
    if (IsInterruptStatus(new_component) && crec.fail_reason.empty()) {
      crec.fail_reason = !updated.error.empty()
                             ? PartyName(updated) + ": " + updated.error
                             : PartyName(updated) + " " + ToString(status);
    }
    s = store_->UpdatePartyTaskAndComponent(job->rec.job_id, &updated, &crec);
  } else {
    s = store_->UpdatePartyTask(job->rec.job_id, cs.rec.name, &updated);
  }
  if (!s.ok()) {
    OnStoreError(s);
    return s;
  }
  bool was_ongoing = IsOngoingStatus(t.party_status);
  t = updated;
  cs.rec = crec;
  if (was_ongoing && IsEndStatus(status)) ReleaseSlot(t);
  VLOG(1) << LogPrefix(*job) << "task " << cs.rec.name << "/" << PartyName(t) << " v"
          << t.task_version << ": " << ToString(from) << " -> " << ToString(status)
          << (t.error.empty() ? "" : " (" + t.error + ")");
  if (new_component != old_component) OnComponentChanged(job, ci, old_component);
  return Status::OK();
}

void Scheduler::ReleaseSlot(const PartyTaskRecord& t) {
  auto it = agent_slots_.find(t.agent_id);
  if (it != agent_slots_.end() && it->second.busy > 0) it->second.busy--;
}

void Scheduler::OnComponentChanged(JobState* job, int ci, RunStatus old_status) {
  ComponentState& cs = job->comps[ci];
  const RunStatus now = cs.rec.status;
  const GraphComponent& gc = job->graph.components[ci];
  // The federated status goes to every party of the component.
  for (const PartyTaskRecord& t : cs.parties) {
    if (t.agent_endpoint.empty()) continue;
    agents_gw_->SyncTaskStatus(t.agent_endpoint,
                               TaskKey{job->rec.job_id, gc.name, t.role, t.party_id,
                                       t.task_version},
                               now);
  }
  if (old_status == RunStatus::kRunning && IsEndStatus(now)) job->running_components--;
  VLOG(1) << LogPrefix(*job) << "component " << gc.name << ": " << ToString(old_status) << " -> "
          << ToString(now);
  if (!IsInterruptStatus(now)) return;
  // One party's failure, cancel or timeout stops the component on every other party at once.
  StopComponentTasks(job, ci, "canceled", "component " + gc.name + " " + ToString(now) + ": " +
                                              cs.rec.fail_reason, -1);
  if (IsEndStatus(job->rec.status)) return;
  if ((now == RunStatus::kFailed || now == RunStatus::kTimeout) && cs.rec.retries_left > 0) {
    cs.retry_pending = true;
    std::string id = job->rec.job_id;
    int64_t deadline = WallMillis() + job->graph.auto_retry_delay_ms + options_.retry_stop_wait_ms;
    LOG(INFO) << LogPrefix(*job) << "component " << gc.name << " " << ToString(now) << " ("
              << cs.rec.fail_reason << "); retrying in " << job->graph.auto_retry_delay_ms
              << " ms, " << cs.rec.retries_left << " retries left";
    loop_.PostAfter(std::chrono::milliseconds(job->graph.auto_retry_delay_ms),
                    [this, id, ci, deadline] { RetryComponent(id, ci, deadline); });
    return;
  }
  EndJob(job, now, "component " + gc.name + " " + ToString(now) + ": " + cs.rec.fail_reason);
}

void Scheduler::RetryComponent(const std::string& job_id, int ci, int64_t deadline_ms) {
  auto it = jobs_.find(job_id);
  if (it == jobs_.end() || fenced_) return;
  JobState* job = it->second.get();
  ComponentState& cs = job->comps[ci];
  if (!cs.retry_pending || IsEndStatus(job->rec.status)) {
    cs.retry_pending = false;
    return;
  }
  // Federated components run in lockstep: wait until the old attempt ended everywhere.
  bool old_running = false;
  for (const PartyTaskRecord& t : cs.parties) old_running |= IsOngoingStatus(t.party_status);
  if (old_running && WallMillis() < deadline_ms) {
    loop_.PostAfter(std::chrono::milliseconds(50),
                    [this, job_id, ci, deadline_ms] { RetryComponent(job_id, ci, deadline_ms); });
    return;
  }
  cs.retry_pending = false;
  cs.rec.task_version++;
  cs.rec.retries_left--;
  cs.rec.status = RunStatus::kWaiting;
  cs.rec.fail_reason.clear();
  LOG(INFO) << LogPrefix(*job) << "component " << cs.rec.name << ": retry as task version "
            << cs.rec.task_version;
  Schedule();
}

void Scheduler::StopComponentTasks(JobState* job, int ci, const std::string& stop_status,
                                   const std::string& reason, int skip_party) {
  ComponentState& cs = job->comps[ci];
  for (size_t pi = 0; pi < cs.parties.size(); ++pi) {
    const PartyTaskRecord& t = cs.parties[pi];
    if (static_cast<int>(pi) == skip_party || !IsOngoingStatus(t.party_status)) continue;
    if (t.agent_endpoint.empty() || t.stored_version < 0) continue;
    TaskKey key{job->rec.job_id, cs.rec.name, t.role, t.party_id, t.task_version};
    std::string id = job->rec.job_id;
    int version = t.task_version;
    std::string agent = t.agent_id;
    agents_gw_->StopTask(
        t.agent_endpoint, key, stop_status, reason,
        [this, id, ci, pi, version, stop_status, agent](Status s) {
          if (s.ok()) return;
          // The agent cannot be reached: record the stop ourselves so nothing stays running
          // in our books; the agent-lost path covers a process that outlives its agent.
          loop_.Post([this, id, ci, pi, version, stop_status, agent, s] {
            auto it = jobs_.find(id);
            if (it == jobs_.end()) return;
            PartyTaskRecord& t = it->second->comps[ci].parties[pi];
            if (t.task_version != version || !IsOngoingStatus(t.party_status)) return;
            auto st = ParseRunStatus(stop_status);
            ApplyPartyStatus(it->second.get(), ci, static_cast<int>(pi),
                             st.ok() ? *st : RunStatus::kCanceled,
                             "stop could not reach agent " + agent + ": " + s.ToString(), 0,
                             WallMillis(), t.last_seq)
                .IgnoreError();
            Schedule();
          });
        });
  }
}

void Scheduler::EndJob(JobState* job, RunStatus status, const std::string& reason) {
  if (IsEndStatus(job->rec.status)) return;
  if (!JobTransitionAllowed(job->rec.status, status)) {
    LOG(ERROR) << LogPrefix(*job) << "refusing job transition " << ToString(job->rec.status)
               << " -> " << ToString(status);
    return;
  }
  JobRecord rec = job->rec;
  rec.status = status;
  rec.end_ms = WallMillis();
  rec.fail_reason = status == RunStatus::kSuccess ? "" : reason;
  int ended = 0;
  for (const ComponentState& cs : job->comps) ended += IsEndStatus(cs.rec.status) ? 1 : 0;
  rec.progress = job->comps.empty() ? 100 : ended * 100 / static_cast<int>(job->comps.size());
  Status s = store_->UpdateJob(&rec);
  if (!s.ok()) {
    OnStoreError(s);
    return;
  }
  job->rec = rec;
  if (job->timeout_timer != 0) loop_.Cancel(job->timeout_timer);
  job->timeout_timer = 0;
  const std::string stop_status = status == RunStatus::kTimeout ? "timeout" : "canceled";
  for (size_t ci = 0; ci < job->comps.size(); ++ci) {
    job->comps[ci].retry_pending = false;
    if (job->comps[ci].rec.status == RunStatus::kRunning ||
        IsInterruptStatus(job->comps[ci].rec.status)) {
      StopComponentTasks(job, static_cast<int>(ci), stop_status,
                         "job " + std::string(ToString(status)) + ": " + reason, -1);
    }
  }
  LOG(INFO) << LogPrefix(*job) << "job " << ToString(status)
            << (reason.empty() ? "" : ": " + reason) << " after " << (rec.end_ms - rec.start_ms)
            << " ms";
}

void Scheduler::CheckJobProgress(JobState* job) {
  bool all_success = true;
  bool startable = false;
  bool retrying = false;
  for (size_t ci = 0; ci < job->comps.size(); ++ci) {
    const ComponentState& cs = job->comps[ci];
    all_success &= IsSuccessStatus(cs.rec.status);
    retrying |= cs.retry_pending;
    if (cs.rec.status == RunStatus::kWaiting) {
      bool ready = true;
      for (int up : job->graph.components[ci].upstream) {
        ready &= IsSuccessStatus(job->comps[up].rec.status);
      }
      startable |= ready;
    }
  }
  if (all_success) {
    EndJob(job, RunStatus::kSuccess, "");
    return;
  }
  // Never leave a job running with nothing running and nothing that can start.
  if (job->running_components == 0 && !retrying && !startable) {
    std::string failed;
    for (const ComponentState& cs : job->comps) {
      if (IsInterruptStatus(cs.rec.status)) failed = cs.rec.name + ": " + cs.rec.fail_reason;
    }
    EndJob(job, RunStatus::kFailed,
           failed.empty() ? "no component can run" : "component " + failed);
  }
}

}  // namespace fedflow::coordinator
