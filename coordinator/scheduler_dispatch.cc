// Scheduler: starting a component (agent choice, the persisted start) and dispatching its
// tasks to the agents.
#include <algorithm>
#include <chrono>

#include <glog/logging.h>

#include "common/time_util.h"
#include "coordinator/scheduler.h"

namespace fedflow::coordinator {

bool Scheduler::StartComponent(JobState* job, int ci) {
  ComponentState& cs = job->comps[ci];
  const GraphComponent& gc = job->graph.components[ci];
  if (gc.parties.empty()) {
    // The module runs on none of the job's roles: nothing to do, it counts as passed.
    RunStatus old = cs.rec.status;
    cs.rec.status = RunStatus::kSuccess;
    cs.rec.start_ms = cs.rec.end_ms = WallMillis();
    std::vector<PartyTaskRecord> none;
    Status s = store_->WriteComponent(job->rec.job_id, &cs.rec, &none);
    if (!s.ok()) {
      OnStoreError(s);
      return false;
    }
    OnComponentChanged(job, ci, old);
    return true;
  }
  // Placement with data: a party's tasks of one job run on its home agent, which holds the
  // party's tables (uploads go to every live agent of the party) and the job's earlier
  // outputs there. A home that is gone is replaced; the upstream components whose outputs
  // are not on the home (lost with an earlier one) run again there first.
  int reset = 0;
  for (const GraphParty& gp : gc.parties) {
    auto home = job->home.find({gp.role, gp.party_id});
    std::string keep;
    if (home != job->home.end()) {
      auto slot = agent_slots_.find(home->second);
      if (slot != agent_slots_.end() && slot->second.live) {
        keep = home->second;
      } else {
        job->home.erase(home);
      }
    }
    Result<int> n = RebuildLostOutputs(job, ci, gp.role, gp.party_id, keep);
    if (!n.ok()) {
      OnStoreError(n.status());
      return false;
    }
    reset += *n;
  }
  if (reset > 0) return true;  // The upstream components run first.
  // Each party's home agent, or for a party without one the least-loaded live agent with a
  // free core.
  std::vector<AgentSlot*> chosen;
  for (const GraphParty& gp : gc.parties) {
    AgentSlot* best = nullptr;
    bool any_live = false;
    auto home = job->home.find({gp.role, gp.party_id});
    for (auto& [id, slot] : agent_slots_) {
      if (!slot.live || slot.info.party_id != gp.party_id) continue;
      if (home != job->home.end() && id != home->second) continue;
      any_live = true;
      // One party id may play several roles: count cores already chosen in this start.
      int pending = static_cast<int>(std::count(chosen.begin(), chosen.end(), &slot));
      if (slot.busy + pending >= std::max(slot.info.cores, 1)) continue;
      if (best == nullptr || slot.busy < best->busy) best = &slot;
    }
    if (!any_live) {
      RunStatus old = cs.rec.status;
      cs.rec.status = RunStatus::kFailed;
      cs.rec.fail_reason = "party " + std::to_string(gp.party_id) + " (" + gp.role +
                           ") has no live agent";
      cs.rec.start_ms = cs.rec.end_ms = WallMillis();
      for (PartyTaskRecord& t : cs.parties) {
        t.task_version = cs.rec.task_version;
        t.party_status = RunStatus::kFailed;
        t.error = cs.rec.fail_reason;
      }
      Status s = store_->WriteComponent(job->rec.job_id, &cs.rec, &cs.parties);
      if (!s.ok()) {
        OnStoreError(s);
        return false;
      }
      LOG(WARNING) << LogPrefix(*job) << "component " << gc.name << ": " << cs.rec.fail_reason;
      OnComponentChanged(job, ci, old);
      return true;
    }
    if (best == nullptr) return false;  // Every agent of the party (or its home) is busy: wait.
    chosen.push_back(best);
  }
  RunStatus old = cs.rec.status;
  cs.rec.status = RunStatus::kRunning;
  cs.rec.start_ms = WallMillis();
  cs.rec.end_ms = 0;
  cs.rec.fail_reason.clear();
  for (size_t pi = 0; pi < cs.parties.size(); ++pi) {
    PartyTaskRecord& t = cs.parties[pi];
    t.task_version = cs.rec.task_version;
    t.party_status = RunStatus::kWaiting;
    t.agent_id = chosen[pi]->info.agent_id;
    t.agent_endpoint = chosen[pi]->info.endpoint;
    t.start_ms = t.end_ms = 0;
    t.error.clear();
    t.last_seq = 0;
  }
  // Persist the decision before acting on it.
  Status s = store_->WriteComponent(job->rec.job_id, &cs.rec, &cs.parties);
  if (!s.ok()) {
    cs.rec.status = old;
    OnStoreError(s);
    return false;
  }
  for (AgentSlot* slot : chosen) slot->busy++;
  for (size_t pi = 0; pi < cs.parties.size(); ++pi) {
    job->home[{cs.parties[pi].role, cs.parties[pi].party_id}] = cs.parties[pi].agent_id;
  }
  job->running_components++;
  VLOG(1) << LogPrefix(*job) << "starting " << gc.name << " v" << cs.rec.task_version << " on "
          << cs.parties.size() << " parties";
  Dispatch(job, ci);
  return true;
}

void Scheduler::ResetToWaiting(ComponentState* cs, bool new_version) {
  if (new_version) cs->rec.task_version++;
  cs->rec.status = RunStatus::kWaiting;
  cs->rec.fail_reason.clear();
  cs->rec.start_ms = cs->rec.end_ms = 0;
  for (PartyTaskRecord& t : cs->parties) {
    t.task_version = cs->rec.task_version;
    t.party_status = RunStatus::kWaiting;
    t.error.clear();
    t.start_ms = t.end_ms = 0;
    t.last_seq = 0;
  }
}

Result<int> Scheduler::RebuildLostOutputs(JobState* job, int ci, const std::string& role,
                                          int64_t party_id, const std::string& home) {
  const std::string& name = job->graph.components[ci].name;
  // Every upstream component, transitively: a rebuilt output needs its own inputs back.
  std::vector<bool> ancestor(job->comps.size(), false);
  std::vector<int> stack(job->graph.components[ci].upstream);
  while (!stack.empty()) {
    int c = stack.back();
    stack.pop_back();
    if (ancestor[c]) continue;
    ancestor[c] = true;
    for (int up : job->graph.components[c].upstream) stack.push_back(up);
  }
  int reset = 0;
  for (size_t ui = 0; ui < job->comps.size(); ++ui) {
    if (!ancestor[ui]) continue;
    ComponentState& up = job->comps[ui];
    if (up.rec.status == RunStatus::kWaiting) continue;
    // Its task on the party ran elsewhere than the home (or, without a home, on an agent
    // that is gone): its outputs are not where this task will run.
    std::string lost_agent;
    for (const PartyTaskRecord& t : up.parties) {
      if (t.role != role || t.party_id != party_id || t.agent_id.empty()) continue;
      auto slot = agent_slots_.find(t.agent_id);
      bool live = slot != agent_slots_.end() && slot->second.live;
      if (home.empty() ? !live : t.agent_id != home) lost_agent = t.agent_id;
    }
    bool lost = !lost_agent.empty();
    if (!lost || IsOngoingStatus(up.rec.status)) continue;
    RunStatus old = up.rec.status;
    ResetToWaiting(&up, /*new_version=*/true);
    RETURN_NOT_OK(store_->WriteComponent(job->rec.job_id, &up.rec, &up.parties));
    LOG(WARNING) << LogPrefix(*job) << "component " << up.rec.name << " ("
                 << ToString(old) << ") runs again as task version " << up.rec.task_version
                 << ": its outputs for " << role << " " << party_id << " were lost with agent "
                 << lost_agent << " and " << name << " needs them";
    ++reset;
  }
  return reset;
}

void Scheduler::Dispatch(JobState* job, int ci) {
  const GraphComponent& gc = job->graph.components[ci];
  ComponentState& cs = job->comps[ci];
  std::vector<std::string> upstream;
  for (int up : gc.upstream) upstream.push_back(job->graph.components[up].name);
  std::vector<TaskPeer> peers;
  for (const PartyTaskRecord& t : cs.parties) {
    auto slot = agent_slots_.find(t.agent_id);
    peers.push_back(TaskPeer{t.role, t.party_id, t.agent_id,
                             slot == agent_slots_.end() ? "" : slot->second.info.federation_endpoint});
  }
  for (size_t pi = 0; pi < cs.parties.size(); ++pi) {
    const PartyTaskRecord& t = cs.parties[pi];
    const GraphParty& gp = gc.parties[pi];
    StartTaskArgs args;
    args.key = TaskKey{job->rec.job_id, gc.name, t.role, t.party_id, t.task_version};
    args.module = gc.module;
    args.job_parameters = gp.job_parameters;
    args.component_parameters = gp.component_parameters;
    if (!gp.need_run) args.component_parameters["need_run"] = false;
    args.upstream = upstream;
    args.peers = peers;
    args.io = gp.io;
    std::string id = job->rec.job_id;
    int version = t.task_version;
    std::string endpoint = t.agent_endpoint;
    std::string agent = t.agent_id;
    agents_gw_->StartTask(endpoint, args, [this, id, ci, pi, version, agent](Status s) {
      if (s.ok()) return;
      loop_.Post([this, id, ci, pi, version, agent, s] {
        auto it = jobs_.find(id);
        if (it == jobs_.end()) return;
        JobState* job = it->second.get();
        PartyTaskRecord& t = job->comps[ci].parties[pi];
        if (t.task_version != version || IsEndStatus(t.party_status)) return;
        ApplyPartyStatus(job, ci, static_cast<int>(pi), RunStatus::kFailed,
                         "cannot start the task on agent " + agent + ": " + s.ToString(), 0,
                         WallMillis(), t.last_seq)
            .IgnoreError();
      });
    });
  }
}

}  // namespace fedflow::coordinator
