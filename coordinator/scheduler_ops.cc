// Scheduler: agent membership, recovery queries, user operations (stop, rerun, queries).
#include <algorithm>
#include <chrono>
#include <set>

#include <glog/logging.h>

#include "common/time_util.h"
#include "coordinator/scheduler.h"

namespace fedflow::coordinator {

std::string TaskKey::ToString() const {
  return job_id + "/" + component + "/" + role + "/" + std::to_string(party_id) + "/v" +
         std::to_string(task_version);
}

void Scheduler::SetAgents(std::vector<AgentInfo> agents) {
  loop_.Post([this, agents = std::move(agents)] {
    std::set<std::string> live;
    for (const AgentInfo& a : agents) {
      live.insert(a.agent_id);
      AgentSlot& slot = agent_slots_[a.agent_id];
      if (slot.lost_timer != 0) {
        loop_.Cancel(slot.lost_timer);
        slot.lost_timer = 0;
      }
      if (!slot.live) VLOG(1) << "agent " << a.agent_id << " (party " << a.party_id << ") is live";
      // The same id registered by a new process: whatever the old one ran is gone.
      bool restarted = slot.info.started_at_ms != 0 && slot.info.started_at_ms != a.started_at_ms;
      slot.info = a;
      slot.live = true;
      if (restarted) restarted_.push_back(a.agent_id);
    }
    for (const std::string& id : restarted_) {
      LOG(WARNING) << "agent " << id << " restarted; failing the tasks it was running";
      FailAgentTasks(id, "agent " + id + " restarted");
    }
    restarted_.clear();
    for (auto& [id, slot] : agent_slots_) {
      bool was_live = slot.live || !agents_known_;
      if (live.count(id) || slot.lost_timer != 0 || !was_live) continue;
      slot.live = false;
      std::string agent_id = id;
      LOG(WARNING) << "agent " << id << " left ZooKeeper; failing its tasks in "
                   << options_.agent_lost_grace_ms << " ms unless it returns";
      slot.lost_timer = loop_.PostAfter(std::chrono::milliseconds(options_.agent_lost_grace_ms),
                                        [this, agent_id] { OnAgentLost(agent_id); });
    }
    if (!agents_known_) {
      agents_known_ = true;
      for (const std::string& id : recovered_jobs_) {
        auto it = jobs_.find(id);
        if (it != jobs_.end()) QueryAgentsFor(it->second.get());
      }
      recovered_jobs_.clear();
    }
    Schedule();
  });
}

void Scheduler::OnAgentLost(const std::string& agent_id) {
  auto sit = agent_slots_.find(agent_id);
  if (sit == agent_slots_.end() || sit->second.live) return;
  sit->second.lost_timer = 0;
  LOG(WARNING) << "agent " << agent_id << " lost";
  FailAgentTasks(agent_id, "agent " + agent_id + " lost");
  sit->second.busy = 0;
  Schedule();
}

void Scheduler::FailAgentTasks(const std::string& agent_id, const std::string& reason) {
  // All jobs, ended ones too: a stop sent to a dead agent leaves rows to close.
  for (auto& [id, owned] : jobs_) {
    JobState* job = owned.get();
    for (size_t ci = 0; ci < job->comps.size(); ++ci) {
      for (size_t pi = 0; pi < job->comps[ci].parties.size(); ++pi) {
        const PartyTaskRecord& t = job->comps[ci].parties[pi];
        if (t.agent_id != agent_id || !IsOngoingStatus(t.party_status)) continue;
        if (job->comps[ci].rec.status != RunStatus::kRunning &&
            !IsInterruptStatus(job->comps[ci].rec.status)) {
          continue;
        }
        ApplyPartyStatus(job, static_cast<int>(ci), static_cast<int>(pi), RunStatus::kFailed,
                         reason, 0, WallMillis(), t.last_seq)
            .IgnoreError();
      }
    }
  }
}

void Scheduler::QueryAgentsFor(JobState* job) {
  // After a leader change: ask each agent what it knows of this job's running tasks; start
  // again (idempotently) tasks the old leader recorded but may never have dispatched.
  std::set<std::string> endpoints;
  for (size_t ci = 0; ci < job->comps.size(); ++ci) {
    if (job->comps[ci].rec.status != RunStatus::kRunning) continue;
    for (const PartyTaskRecord& t : job->comps[ci].parties) {
      auto sit = agent_slots_.find(t.agent_id);
      if (sit == agent_slots_.end() || !sit->second.live) {
        // Absent agent: the lost-agent path fails its tasks after the grace period.
        AgentSlot& slot = agent_slots_[t.agent_id];
        if (slot.lost_timer == 0 && !slot.live) {
          std::string agent_id = t.agent_id;
          slot.lost_timer = loop_.PostAfter(std::chrono::milliseconds(options_.agent_lost_grace_ms),
                                            [this, agent_id] { OnAgentLost(agent_id); });
        }
        continue;
      }
      endpoints.insert(t.agent_endpoint);
    }
  }
  std::string id = job->rec.job_id;
  for (const std::string& ep : endpoints) {
    agents_gw_->QueryTasks(ep, id, [this, id, ep](Result<std::vector<AgentTaskState>> r) {
      loop_.Post([this, id, ep, r = std::move(r)] {
        auto it = jobs_.find(id);
        if (it == jobs_.end() || !r.ok()) return;
        JobState* job = it->second.get();
        for (size_t ci = 0; ci < job->comps.size(); ++ci) {
          if (job->comps[ci].rec.status != RunStatus::kRunning) continue;
          for (size_t pi = 0; pi < job->comps[ci].parties.size(); ++pi) {
            const PartyTaskRecord& t = job->comps[ci].parties[pi];
            if (t.agent_endpoint != ep) continue;
            const AgentTaskState* known = nullptr;
            for (const AgentTaskState& a : *r) {
              if (a.key.component == job->comps[ci].rec.name && a.key.role == t.role &&
                  a.key.party_id == t.party_id && a.key.task_version == t.task_version) {
                known = &a;
              }
            }
            if (known == nullptr) {
              if (t.party_status == RunStatus::kWaiting) Dispatch(job, static_cast<int>(ci));
              continue;
            }
            if (known->party_status != t.party_status) {
              ApplyPartyStatus(job, static_cast<int>(ci), static_cast<int>(pi),
                               known->party_status, known->error, known->start_ms,
                               known->end_ms, t.last_seq)
                  .IgnoreError();
            }
          }
        }
        Schedule();
      });
    });
  }
}

void Scheduler::Reconcile() {
  if (fenced_) return;
  if (agents_known_) {
    for (const std::string& id : active_) {
      auto it = jobs_.find(id);
      if (it != jobs_.end() && it->second->running_components > 0) QueryAgentsFor(it->second.get());
    }
  }
  loop_.PostAfter(std::chrono::milliseconds(options_.reconcile_interval_ms), [this] { Reconcile(); });
}

Status Scheduler::StopJob(const std::string& job_id, RunStatus stop_status) {
  if (!IsInterruptStatus(stop_status)) {
    return Status::InvalidArgument(std::string("cannot stop a job with status ") +
                                   ToString(stop_status) + " (use canceled, failed or timeout)");
  }
  Status result = Status::Unavailable("scheduler stopped");
  loop_.RunSync([&] {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      result = Status::NotFound("job " + job_id + " not found");
      return;
    }
    JobState* job = it->second.get();
    if (IsEndStatus(job->rec.status)) {
      result = Status::IllegalState("job " + job_id + " has already ended (" +
                                    ToString(job->rec.status) + ")");
      return;
    }
    EndJob(job, stop_status, "stopped by request");
    result = fenced_ ? Status::NotLeader("fenced: " + fence_reason_) : Status::OK();
  });
  return result;
}

Result<std::vector<std::string>> Scheduler::RerunJob(const std::string& job_id,
                                                     const std::string& component, bool force) {
  Result<std::vector<std::string>> result = Status::Unavailable("scheduler stopped");
  loop_.RunSync([&] {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      result = Status::NotFound("job " + job_id + " not found");
      return;
    }
    JobState* job = it->second.get();
    if (!IsEndStatus(job->rec.status)) {
      result = Status::IllegalState("job " + job_id + " is still " + ToString(job->rec.status) +
                                    "; stop it before rerunning");
      return;
    }
    if (job->graph.components.empty()) {
      result = Status::IllegalState("job " + job_id + " cannot be re-planned");
      return;
    }
    // The components to consider: all, or `component` and everything downstream of it.
    std::vector<bool> selected(job->comps.size(), component.empty());
    if (!component.empty()) {
      int start = job->graph.IndexOf(component);
      if (start < 0) {
        result = Status::NotFound("job " + job_id + " has no component " + component);
        return;
      }
      std::vector<int> stack = {start};
      while (!stack.empty()) {
        int c = stack.back();
        stack.pop_back();
        if (selected[c]) continue;
        selected[c] = true;
        for (int d : job->graph.components[c].downstream) stack.push_back(d);
      }
    }
    std::vector<std::string> rerun;
    for (size_t ci = 0; ci < job->comps.size(); ++ci) {
      if (!selected[ci]) continue;
      if (IsSuccessStatus(job->comps[ci].rec.status) && !force) continue;
      rerun.push_back(job->comps[ci].rec.name);
    }
    if (rerun.empty()) {
      result = Status::InvalidArgument("nothing to rerun in job " + job_id +
                                       ": the selected components all succeeded (use --force)");
      return;
    }
    JobRecord rec = job->rec;
    rec.status = RunStatus::kRunning;  // end -> waiting -> running, written as one change.
    rec.start_ms = WallMillis();
    rec.end_ms = 0;
    rec.fail_reason.clear();
    rec.progress = 0;
    for (size_t ci = 0; ci < job->comps.size(); ++ci) {
      ComponentState& cs = job->comps[ci];
      if (std::find(rerun.begin(), rerun.end(), cs.rec.name) == rerun.end()) continue;
      ResetToWaiting(&cs, /*new_version=*/cs.rec.stored_version >= 0);
      cs.rec.retries_left = job->graph.auto_retries;
      if (cs.rec.stored_version >= 0) {
        Status s = store_->WriteComponent(job_id, &cs.rec, &cs.parties);
        if (!s.ok()) {
          OnStoreError(s);
          result = s;
          return;
        }
      }
    }
    Status s = store_->UpdateJob(&rec);
    if (!s.ok()) {
      OnStoreError(s);
      result = s;
      return;
    }
    job->rec = rec;
    std::unique_ptr<JobState> owned = std::move(it->second);
    jobs_.erase(it);
    ResumeJob(std::move(owned));
    LOG(INFO) << "job=" << job_id << ": rerunning " << rerun.size() << " components";
    Schedule();
    result = rerun;
  });
  return result;
}

JobView Scheduler::MakeView(const JobState& job) const {
  JobView v;
  v.record = job.rec;
  int ended = 0;
  for (const ComponentState& cs : job.comps) {
    if (IsEndStatus(cs.rec.status)) ended++;
    for (const PartyTaskRecord& t : cs.parties) {
      TaskView tv;
      tv.component = cs.rec.name;
      tv.task = t;
      tv.task.task_version = cs.rec.task_version;
      tv.status = cs.rec.status;
      v.tasks.push_back(std::move(tv));
    }
  }
  if (!IsEndStatus(job.rec.status) && !job.comps.empty()) {
    v.record.progress = ended * 100 / static_cast<int>(job.comps.size());
  }
  return v;
}

Result<JobView> Scheduler::QueryJob(const std::string& job_id) {
  Result<JobView> result = Status::Unavailable("scheduler stopped");
  loop_.RunSync([&] {
    auto it = jobs_.find(job_id);
    if (it == jobs_.end()) {
      result = Status::NotFound("job " + job_id + " not found");
    } else {
      result = MakeView(*it->second);
    }
  });
  return result;
}

Result<std::vector<JobView>> Scheduler::ListJobs(int limit, const std::string& status_filter) {
  Result<std::vector<JobView>> result = Status::Unavailable("scheduler stopped");
  loop_.RunSync([&] {
    std::vector<JobView> out;
    for (auto it = jobs_.rbegin(); it != jobs_.rend(); ++it) {
      if (!status_filter.empty() && status_filter != ToString(it->second->rec.status)) continue;
      JobView v = MakeView(*it->second);
      v.tasks.clear();
      out.push_back(std::move(v));
      if (limit > 0 && static_cast<int>(out.size()) >= limit) break;
    }
    result = std::move(out);
  });
  return result;
}

void Scheduler::OnStoreError(const Status& s) {
  // Any failed write leaves our view possibly out of step with ZooKeeper (a stale version
  // means another leader wrote; a lost connection may or may not have applied it). The only
  // safe move is to stop acting and let a fresh leader rebuild from ZooKeeper.
  LOG(ERROR) << "job store write failed, fencing this scheduler: " << s.ToString();
  fence_reason_ = s.ToString();
  fenced_ = true;
}

}  // namespace fedflow::coordinator
