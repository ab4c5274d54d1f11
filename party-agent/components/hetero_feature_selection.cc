#include "party-agent/components/hetero_feature_selection.h"

#include <glog/logging.h>

#include <chrono>
#include <utility>

#include "party-agent/components/federation_client.h"
#include "party-agent/components/hetero_feature_binning.h"

namespace fedflow {

namespace {

constexpr char kModule[] = "HeteroFeatureSelection";
constexpr char kCandidatesTag[] = "selection_host_candidates";
constexpr char kLeftTag[] = "selection_host_left";
constexpr std::chrono::milliseconds kTimeout{600000};

Json RecordToJson(const ml::FilterRecord& r) {
  Json j = Json::object();
  j["method"] = r.method;
  j["original_cols"] = r.original_cols;
  j["left_cols"] = r.left_cols;
  Json values = Json::object();
  for (const auto& [name, v] : r.feature_values) values[name] = v;
  j["feature_values"] = std::move(values);
  return j;
}

// A list of column names from the other party, or its failure ({"error": ...}).
Result<std::vector<std::string>> ParseNames(const std::string& text, const std::string& what) {
  ASSIGN_OR_RETURN(Json j, ParseJson(text, what));
  if (j.is_object() && j.contains("error") && j["error"].is_string()) {
    return Status::Aborted(what + ": the party failed: " + j["error"].get<std::string>());
  }
  try {
    return j.get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(what + ": expected a list of names: " + e.what());
  }
}

// The binning model of the isometric_model input, or nullopt when the task has none.
Result<std::optional<FeatureBinningModel>> LoadBinningModel(const TaskContext& ctx) {
  const Json* refs = FindMember(ctx.io(), "isometric_model");
  if (refs == nullptr || !refs->is_array() || refs->empty()) {
    return std::optional<FeatureBinningModel>();
  }
  const Json& ref = (*refs)[0];
  const std::string where = std::string(kModule) + ": input isometric_model[0]";
  ASSIGN_OR_RETURN(std::string component, GetString(ref, "component", where));
  std::string alias = "model";
  if (const Json* m = FindMember(ref, "model");
      m != nullptr && m->is_string() && !m->get<std::string>().empty()) {
    alias = m->get<std::string>();
  }
  auto loaded = ctx.storage().LoadModel(component, alias);
  if (!loaded.ok()) return loaded.status().CloneAndPrepend(where + " (" + component + ")");
  if (loaded->module != "HeteroFeatureBinning") {
    return Status::InvalidArgument(where + ": " + component + " is a " + loaded->module +
                                   "; fedflow's selection reads HeteroFeatureBinning models");
  }
  auto model = ParseFeatureBinningModel(loaded->data);
  if (!model.ok()) return model.status().CloneAndPrepend(where);
  return std::optional<FeatureBinningModel>(std::move(*model));
}

}  // namespace

Status HeteroFeatureSelection::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(FeatureSelectionParams p,
                   ParseFeatureSelectionParams(ctx.component_parameters()));
  FederationClient fed(ctx);
  Status s = RunParty(ctx, p, &fed);
  bool federated = false;
  for (const SelectionFilter& f : p.filters) federated |= f.kind == SelectionFilter::Kind::kIv;
  if (!s.ok() && federated) {
    // The other parties may wait for this one: tell them why it stopped. A message nobody
    // waits for any more is harmless.
    const bool guest = ctx.key().role == "guest";
    const std::vector<FedParty> peers = fed.Parties(guest ? "host" : "guest");
    if (!peers.empty()) {
      Status told = fed.RemoteBytes(DumpJson(Json{{"error", s.message()}}),
                                    guest ? kLeftTag : kCandidatesTag, peers);
      if (!told.ok())
        LOG(WARNING) << ctx.LogPrefix() << "could not tell the other parties: " << told;
    }
  }
  return s;
}

Status HeteroFeatureSelection::RunParty(TaskContext& ctx, const FeatureSelectionParams& p,
                                        FederationClient* fed_client) {
  FederationClient& fed = *fed_client;
  const std::string& role = ctx.key().role;
  const bool guest = role == "guest";
  if (!guest && role != "host") {
    return Status::InvalidArgument(std::string(kModule) + " runs on guest and host, not " + role);
  }
  ASSIGN_OR_RETURN(Instances inst, ReadFirstDataInput(ctx));
  bool needs_iv = false, needs_std = false;
  for (const SelectionFilter& f : p.filters) {
    needs_iv |= f.kind == SelectionFilter::Kind::kIv;
    needs_std |= f.kind == SelectionFilter::Kind::kUniqueValue;
  }
  ASSIGN_OR_RETURN(std::optional<FeatureBinningModel> binning, LoadBinningModel(ctx));
  if (needs_iv && guest && !binning) {
    return Status::InvalidArgument(std::string(kModule) +
                                   ": IV filters need the IVs of a HeteroFeatureBinning given as "
                                   "the isometric_model input");
  }
  if (binning && binning->role != role) {
    return Status::InvalidArgument(std::string(kModule) + ": the isometric model is the " +
                                   binning->role + "'s, this task runs as " + role);
  }
  ASSIGN_OR_RETURN(
      ml::ColumnSelection selection,
      ml::ColumnSelection::Create(inst.feature_names, p.select_col_indexes, p.select_names));
  const std::map<std::string, double> std_dev =
      needs_std ? ColumnStdDevs(inst) : std::map<std::string, double>{};
  const std::map<std::string, double> guest_iv =
      guest && binning ? binning->Ivs() : std::map<std::string, double>{};

  // A host's names for its columns as the guest knows them, and back.
  std::map<std::string, std::string> anonymous;
  std::map<std::string, size_t> index_of_anonymous;
  for (size_t c = 0; c < inst.cols(); ++c) {
    const std::string& name = inst.feature_names[c];
    std::string anon = AnonymousFeatureName("host", ctx.key().party_id, c);
    if (binning) {
      if (auto it = binning->anonymous.find(name); it != binning->anonymous.end()) {
        anon = it->second;
      }
    }
    anonymous[name] = anon;
    index_of_anonymous[anon] = c;
  }

  std::map<int64_t, Json> host_records;
  for (const SelectionFilter& f : p.filters) {
    if (ctx.should_stop()) return Status::Aborted(std::string(kModule) + ": stopped");
    if (f.kind != SelectionFilter::Kind::kIv) {
      RETURN_NOT_OK_PREPEND(ApplyLocalFilter(f, p.manually, std_dev, &selection), kModule);
      continue;
    }
    if (guest) {
      std::vector<HostIvCandidates> hosts;
      for (const FedParty& host : fed.Parties("host")) {
        const std::string what = std::string(kModule) + ": host " + std::to_string(host.party_id);
        ASSIGN_OR_RETURN(std::string text, fed.GetBytes(kCandidatesTag, host, kTimeout));
        HostIvCandidates h;
        h.party_id = host.party_id;
        ASSIGN_OR_RETURN(h.candidates, ParseNames(text, what + " candidates"));
        h.iv = binning->HostIvs(host.party_id);
        hosts.push_back(std::move(h));
      }
      RETURN_NOT_OK(GuestApplyIvFilter(f, &selection, guest_iv, &hosts));
      for (const HostIvCandidates& h : hosts) {
        RETURN_NOT_OK_PREPEND(
            fed.RemoteBytes(DumpJson(Json(h.kept)), kLeftTag, {FedParty{"host", h.party_id}}),
            kModule);
        Json record = Json::object();
        record["method"] = f.method;
        record["original_cols"] = h.candidates;
        record["left_cols"] = h.kept;
        Json values = Json::object();
        for (const std::string& c : h.candidates) {
          if (auto it = h.iv.find(c); it != h.iv.end()) values[c] = it->second;
        }
        record["feature_values"] = std::move(values);
        host_records[h.party_id].push_back(std::move(record));
      }
    } else {
      const std::vector<FedParty> guests = fed.Parties("guest");
      if (guests.size() != 1) {
        return Status::InvalidArgument(std::string(kModule) +
                                       " needs exactly one guest, the job has " +
                                       std::to_string(guests.size()));
      }
      std::vector<std::string> candidates;
      for (const std::string& c : selection.candidate_names()) candidates.push_back(anonymous[c]);
      RETURN_NOT_OK_PREPEND(fed.RemoteBytes(DumpJson(Json(candidates)), kCandidatesTag, guests),
                            kModule);
      ASSIGN_OR_RETURN(std::string text, fed.GetBytes(kLeftTag, guests[0], kTimeout));
      ASSIGN_OR_RETURN(std::vector<std::string> left,
                       ParseNames(text, std::string(kModule) + ": the guest's answer"));
      std::vector<size_t> kept;
      for (const std::string& anon : left) {
        auto it = index_of_anonymous.find(anon);
        if (it == index_of_anonymous.end()) {
          return Status::InvalidArgument(std::string(kModule) + ": the guest kept \"" + anon +
                                         "\", which is not a column of this host");
        }
        kept.push_back(it->second);
      }
      selection.Apply(f.method, kept);
    }
  }

  // Model, summary and output.
  Json model = Json::object();
  model["module"] = kModule;
  model["model_version"] = 1;
  model["role"] = role;
  model["party_id"] = ctx.key().party_id;
  model["header"] = inst.feature_names;
  model["left_cols"] = selection.left_names();
  Json filters = Json::array();
  Json summary_filters = Json::array();
  for (const ml::FilterRecord& r : selection.history()) {
    filters.push_back(RecordToJson(r));
    std::vector<std::string> dropped;
    for (const std::string& c : r.original_cols) {
      if (std::find(r.left_cols.begin(), r.left_cols.end(), c) == r.left_cols.end()) {
        dropped.push_back(c);
      }
    }
    summary_filters.push_back(
        {{"method", r.method}, {"left_cols", r.left_cols}, {"filtered_cols", dropped}});
  }
  model["filters"] = std::move(filters);
  Json hosts_json = Json::object();
  for (auto& [party, records] : host_records) hosts_json[std::to_string(party)] = records;
  model["host_filters"] = hosts_json;
  Json summary = {{"left_cols", selection.left_names()}, {"filters", std::move(summary_filters)}};
  if (guest && !host_records.empty()) {
    Json host_left = Json::object();
    for (const auto& [party, records] : host_records) {
      host_left[std::to_string(party)] = records.back()["left_cols"];
    }
    summary["host_left_cols"] = std::move(host_left);
  }
  RETURN_NOT_OK_PREPEND(ctx.storage().SaveModel(OutputModelAlias(ctx), kModule, DumpJson(model)),
                        kModule);
  RETURN_NOT_OK_PREPEND(ctx.storage().SaveSummary(summary), kModule);
  const Instances out = KeepColumns(inst, selection.left_names());
  RETURN_NOT_OK_PREPEND(WriteInstances(ctx, OutputDataName(ctx), out), kModule);
  LOG(INFO) << ctx.LogPrefix() << kModule << ": kept " << out.cols() << " of " << inst.cols()
            << " features";
  return Status::OK();
}

}  // namespace fedflow
