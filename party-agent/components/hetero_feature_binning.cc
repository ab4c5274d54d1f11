#include "party-agent/components/hetero_feature_binning.h"

#include <glog/logging.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <thread>
#include <utility>

#include "common/crypto/paillier_serde.h"
#include "common/crypto/paillier_vector.h"
#include "party-agent/components/federation_client.h"

namespace fedflow {

namespace {

constexpr char kModule[] = "HeteroFeatureBinning";
constexpr char kLabelTag[] = "binning_encrypted_label";
constexpr char kBinSumTag[] = "binning_encrypted_bin_sum";
// Key generation, encryption and the host's sums take seconds; the other party may also still
// be reading its data.
constexpr std::chrono::milliseconds kTimeout{600000};

Result<std::string> TableEntry(const FedObject& obj, const std::string& key,
                               const std::string& what) {
  if (obj.type != FedObject::Type::kTable) {
    return Status::InvalidArgument(what + ": expected a table message");
  }
  for (const auto& [k, v] : obj.table) {
    if (k == key) return v;
  }
  return Status::InvalidArgument(what + ": the message has no \"" + key + "\"");
}

std::optional<std::string> FindEntry(const FedObject& obj, const std::string& key) {
  for (const auto& [k, v] : obj.table) {
    if (k == key) return v;
  }
  return std::nullopt;
}

ml::WoeIv WoeIvFromCounts(const std::vector<double>& sums, double adjustment_factor) {
  std::vector<ml::BinCount> counts(sums.size() / 2);
  for (size_t b = 0; b < counts.size(); ++b) {
    counts[b].event = std::llround(sums[2 * b]);
    counts[b].non_event = std::llround(sums[2 * b + 1]);
  }
  return ml::ComputeWoeIv(counts, adjustment_factor);
}

// Encrypts `xs` with exponent 0 (labels and their sums are integers), over up to 4 threads:
// encryption is the guest's main cost (two ciphertexts per row).
Result<std::vector<crypto::EncryptedNumber>> ParallelEncrypt(const crypto::PublicKey& pk,
                                                             const std::vector<double>& xs) {
  constexpr size_t kMinSlice = 256;
  const size_t threads = std::max<size_t>(
      1, std::min<size_t>({4, std::thread::hardware_concurrency(), xs.size() / kMinSlice}));
  if (threads == 1) return crypto::EncryptVector(pk, xs, 0);
  std::vector<Result<std::vector<crypto::EncryptedNumber>>> parts(threads,
                                                                  Status::Internal("not run"));
  std::vector<std::thread> workers;
  const size_t slice = (xs.size() + threads - 1) / threads;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      const size_t begin = std::min(xs.size(), t * slice);
      const size_t end = std::min(xs.size(), begin + slice);
      parts[t] =
          crypto::EncryptVector(pk,
                                std::vector<double>(xs.begin() + static_cast<ptrdiff_t>(begin),
                                                    xs.begin() + static_cast<ptrdiff_t>(end)),
                                0);
    });
  }
  for (std::thread& w : workers) w.join();
  std::vector<crypto::EncryptedNumber> out;
  out.reserve(xs.size());
  for (auto& part : parts) {
    if (!part.ok()) return part.status();
    for (auto& c : *part) out.push_back(std::move(c));
  }
  return out;
}

class BinningRun {
 public:
  BinningRun(TaskContext& ctx, FeatureBinningParams params)
      : ctx_(ctx), p_(std::move(params)), fed_(ctx) {}

  // Runs the party's part; on failure, tells the other parties that wait for this one (so
  // that they fail at once with the reason instead of at their timeout).
  Status Run();

 private:
  Status RunSteps();
  void TellPeers(const Status& s);

  Status BinLocalColumns();
  Status GuestFederated();
  Status HostFederated();
  Status HostSendBinSums(const FedObject& labels);
  Status WriteOutputs();

  TaskContext& ctx_;
  const FeatureBinningParams p_;
  FederationClient fed_;
  Instances inst_;
  FeatureBinningModel model_;
  std::vector<size_t> bin_cols_;  // header indexes, ascending
  std::set<size_t> category_cols_;
  std::map<std::string, std::vector<double>> split_points_;
  bool sent_ = false;  // the guest sent its labels / the host its sums (or its failure)
};

Status BinningRun::Run() {
  Status s = RunSteps();
  if (!s.ok() && !sent_ && !p_.local_only && !p_.skip_static) TellPeers(s);
  return s;
}

void BinningRun::TellPeers(const Status& s) {
  const bool guest = ctx_.key().role == "guest";
  const std::vector<FedParty> peers = fed_.Parties(guest ? "host" : "guest");
  if (peers.empty()) return;
  Status told = fed_.Remote(FedObject::Table({{"error", s.message()}}),
                            guest ? kLabelTag : kBinSumTag, peers);
  if (!told.ok()) LOG(WARNING) << ctx_.LogPrefix() << "could not tell the other parties: " << told;
}

Status BinningRun::RunSteps() {
  const std::string& role = ctx_.key().role;
  if (role != "guest" && role != "host") {
    return Status::InvalidArgument(std::string(kModule) + " runs on guest and host, not " + role);
  }
  if (role == "host" && p_.transform_type == "woe") {
    return Status::InvalidArgument(std::string(kModule) +
                                   ": parameter \"transform_param.transform_type\": woe is only "
                                   "available on the guest (a host has no labels)");
  }
  if (p_.transform_type == "woe" && p_.skip_static) {
    return Status::InvalidArgument(std::string(kModule) +
                                   ": woe transform needs WOE, which skip_static skips");
  }
  ASSIGN_OR_RETURN(inst_, ReadFirstDataInput(ctx_));
  if (role == "guest" && !inst_.label_name) {
    return Status::InvalidArgument("the guest's data has no label column: the guest of " +
                                   std::string(kModule) + " needs labelled data");
  }
  model_.role = role;
  model_.party_id = ctx_.key().party_id;
  model_.method = p_.method;
  model_.bin_num = p_.bin_num;
  model_.header = inst_.feature_names;
  RETURN_NOT_OK(BinLocalColumns());
  if (!p_.local_only && !p_.skip_static) {
    RETURN_NOT_OK(role == "guest" ? GuestFederated() : HostFederated());
  }
  return WriteOutputs();
}

Status BinningRun::BinLocalColumns() {
  const std::vector<std::string>& header = inst_.feature_names;
  ASSIGN_OR_RETURN(std::vector<size_t> cols,
                   ResolveColumns(header, p_.bin_indexes, p_.bin_names, "bin_indexes/bin_names"));
  std::vector<size_t> category;
  if (!p_.category_indexes || !p_.category_indexes->empty() || !p_.category_names.empty()) {
    ASSIGN_OR_RETURN(category, ResolveColumns(header, p_.category_indexes, p_.category_names,
                                              "category_indexes/category_names"));
  }
  category_cols_ = std::set<size_t>(category.begin(), category.end());
  std::set<size_t> all(cols.begin(), cols.end());
  all.insert(category.begin(), category.end());
  bin_cols_.assign(all.begin(), all.end());

  const bool guest = ctx_.key().role == "guest";
  const std::vector<int> labels = guest ? EventLabels(inst_) : std::vector<int>{};
  for (size_t c : bin_cols_) {
    if (ctx_.should_stop()) return Status::Aborted(std::string(kModule) + ": stopped");
    const std::string& name = header[c];
    const std::vector<double> column = ColumnOf(inst_, c);
    ColumnBinResult r;
    r.is_category = category_cols_.count(c) > 0;
    if (auto it = p_.split_points_by_col_name.find(name); it != p_.split_points_by_col_name.end()) {
      r.split_points = it->second;
    } else if (auto by_index = p_.split_points_by_index.find(static_cast<int>(c));
               by_index != p_.split_points_by_index.end()) {
      r.split_points = by_index->second;
    } else {
      auto sp = ComputeSplitPoints(column, p_, r.is_category);
      if (!sp.ok()) return sp.status().CloneAndPrepend(std::string(kModule) + ": column " + name);
      r.split_points = std::move(*sp);
    }
    if (r.split_points.empty()) r.split_points = {0.0};
    if (guest && !p_.skip_static) {
      auto counts = ml::CountEvents(column, labels, r.split_points);
      if (!counts.ok()) return counts.status().CloneAndPrepend(std::string(kModule) + ": " + name);
      r.woe_iv = ml::ComputeWoeIv(*counts, p_.adjustment_factor);
      r.has_woe_iv = true;
    }
    split_points_[name] = r.split_points;
    model_.bin_cols.push_back(name);
    model_.results[name] = std::move(r);
    if (!guest) {
      model_.anonymous[name] = AnonymousFeatureName("host", model_.party_id, c);
    }
  }
  return Status::OK();
}

Status BinningRun::GuestFederated() {
  const std::vector<FedParty> hosts = fed_.Parties("host");
  if (hosts.empty()) return Status::OK();
  const auto start = std::chrono::steady_clock::now();
  ASSIGN_OR_RETURN(crypto::KeyPair keys, crypto::GenerateKeyPair(static_cast<int>(p_.key_length)));
  const crypto::PublicKey& pk = keys.public_key;
  std::vector<double> events(inst_.rows()), non_events(inst_.rows());
  const std::vector<int> y = EventLabels(inst_);
  for (size_t r = 0; r < y.size(); ++r) {
    events[r] = y[r];
    non_events[r] = 1 - y[r];
  }
  // Exponent 0: the labels and their sums are integers.
  ASSIGN_OR_RETURN(auto enc_events, ParallelEncrypt(pk, events));
  ASSIGN_OR_RETURN(auto enc_non_events, ParallelEncrypt(pk, non_events));
  ASSIGN_OR_RETURN(std::string ev_bytes, crypto::SerializeCiphertexts(pk, enc_events));
  ASSIGN_OR_RETURN(std::string nev_bytes, crypto::SerializeCiphertexts(pk, enc_non_events));
  FedObject msg = FedObject::Table({{"public_key", crypto::SerializePublicKey(pk)},
                                    {"ids", DumpJson(Json(inst_.ids))},
                                    {"events", std::move(ev_bytes)},
                                    {"non_events", std::move(nev_bytes)}});
  sent_ = true;
  RETURN_NOT_OK_PREPEND(fed_.Remote(msg, kLabelTag, hosts), kModule);
  LOG(INFO) << ctx_.LogPrefix() << kModule << ": sent " << inst_.rows() << " encrypted labels to "
            << hosts.size() << " host(s) in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now() - start)
                   .count()
            << " ms";

  for (const FedParty& host : hosts) {
    const std::string what = std::string(kModule) + ": host " + std::to_string(host.party_id);
    ASSIGN_OR_RETURN(FedObject reply, fed_.Get(kBinSumTag, host, kTimeout));
    if (auto error = FindEntry(reply, "error")) {
      return Status::Aborted(what + " failed: " + *error);
    }
    ASSIGN_OR_RETURN(std::string features_text, TableEntry(reply, "features", what));
    ASSIGN_OR_RETURN(std::string sums_bytes, TableEntry(reply, "sums", what));
    ASSIGN_OR_RETURN(Json features, ParseJson(features_text, what + " features"));
    ASSIGN_OR_RETURN(auto sums, crypto::DeserializeCiphertexts(pk, sums_bytes));
    ASSIGN_OR_RETURN(std::vector<double> plain, crypto::DecryptVector(keys.private_key, sums));
    size_t offset = 0;
    std::vector<std::string>& cols = model_.host_cols[host.party_id];
    auto& results = model_.host_results[host.party_id];
    if (!features.is_array()) return Status::InvalidArgument(what + ": malformed feature list");
    for (const Json& f : features) {
      ASSIGN_OR_RETURN(std::string name, GetString(f, "name", what));
      ASSIGN_OR_RETURN(int64_t bins, GetInt(f, "bins", what));
      if (bins < 0 || offset + 2 * static_cast<size_t>(bins) > plain.size()) {
        return Status::InvalidArgument(what + ": the per-bin sums do not match the features");
      }
      std::vector<double> slice(plain.begin() + static_cast<ptrdiff_t>(offset),
                                plain.begin() + static_cast<ptrdiff_t>(offset + 2 * bins));
      offset += 2 * static_cast<size_t>(bins);
      ColumnBinResult r;
      r.has_woe_iv = true;
      r.woe_iv = WoeIvFromCounts(slice, p_.adjustment_factor);
      cols.push_back(name);
      results[name] = std::move(r);
    }
    if (offset != plain.size()) {
      return Status::InvalidArgument(what + ": " + std::to_string(plain.size() - offset) +
                                     " per-bin sums are left over");
    }
    LOG(INFO) << ctx_.LogPrefix() << kModule << ": computed the IV of " << cols.size()
              << " features of host " << host.party_id;
  }
  return Status::OK();
}

Status BinningRun::HostFederated() {
  const std::vector<FedParty> guests = fed_.Parties("guest");
  if (guests.size() != 1) {
    return Status::InvalidArgument(std::string(kModule) + " needs exactly one guest, the job has " +
                                   std::to_string(guests.size()));
  }
  ASSIGN_OR_RETURN(FedObject labels, fed_.Get(kLabelTag, guests[0], kTimeout));
  if (auto error = FindEntry(labels, "error")) {
    sent_ = true;  // the guest does not wait for this host
    return Status::Aborted(std::string(kModule) + ": guest " + std::to_string(guests[0].party_id) +
                           " failed: " + *error);
  }
  return HostSendBinSums(labels);
}

Status BinningRun::HostSendBinSums(const FedObject& labels) {
  const std::string what = std::string(kModule) + ": the guest's encrypted labels";
  ASSIGN_OR_RETURN(std::string pk_bytes, TableEntry(labels, "public_key", what));
  ASSIGN_OR_RETURN(std::string ids_text, TableEntry(labels, "ids", what));
  ASSIGN_OR_RETURN(std::string ev_bytes, TableEntry(labels, "events", what));
  ASSIGN_OR_RETURN(std::string nev_bytes, TableEntry(labels, "non_events", what));
  ASSIGN_OR_RETURN(crypto::PublicKey pk, crypto::DeserializePublicKey(pk_bytes));
  ASSIGN_OR_RETURN(Json ids_json, ParseJson(ids_text, what));
  std::vector<std::string> guest_ids;
  try {
    guest_ids = ids_json.get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(what + ": malformed ids: " + e.what());
  }
  ASSIGN_OR_RETURN(auto events, crypto::DeserializeCiphertexts(pk, ev_bytes));
  ASSIGN_OR_RETURN(auto non_events, crypto::DeserializeCiphertexts(pk, nev_bytes));
  if (events.size() != guest_ids.size() || non_events.size() != guest_ids.size()) {
    return Status::InvalidArgument(what + ": " + std::to_string(guest_ids.size()) + " ids but " +
                                   std::to_string(events.size()) + " ciphertexts");
  }
  auto aligned = AlignToGuest(inst_.ids, guest_ids);
  if (!aligned.ok()) return aligned.status().CloneAndPrepend(kModule);
  Json features = Json::array();
  std::vector<crypto::EncryptedNumber> all;
  for (size_t c : bin_cols_) {
    if (ctx_.should_stop()) return Status::Aborted(std::string(kModule) + ": stopped");
    const std::string& name = inst_.feature_names[c];
    const std::vector<double>& sp = split_points_.at(name);
    std::vector<int> bins(inst_.rows());
    for (size_t r = 0; r < inst_.rows(); ++r) bins[r] = ml::BinIndex(inst_.at(r, c), sp);
    ASSIGN_OR_RETURN(auto sums, EncryptedBinSums(pk, events, non_events, *aligned, bins));
    features.push_back({{"name", model_.anonymous.at(name)}, {"bins", sums.size() / 2}});
    for (auto& e : sums) all.push_back(std::move(e));
  }
  ASSIGN_OR_RETURN(std::string sums_bytes, crypto::SerializeCiphertexts(pk, all));
  FedObject reply =
      FedObject::Table({{"features", DumpJson(features)}, {"sums", std::move(sums_bytes)}});
  sent_ = true;
  RETURN_NOT_OK_PREPEND(fed_.Remote(reply, kBinSumTag, fed_.Parties("guest")), kModule);
  LOG(INFO) << ctx_.LogPrefix() << kModule << ": sent the encrypted per-bin label sums of "
            << bin_cols_.size() << " features";
  return Status::OK();
}

Status BinningRun::WriteOutputs() {
  const bool guest = ctx_.key().role == "guest";
  // Summary: FATE's binning summary (IVs and split points), plus the hosts' IVs on the guest.
  Json summary = Json::object();
  Json iv = Json::object();
  Json split_points = Json::object();
  for (const std::string& c : model_.bin_cols) {
    const ColumnBinResult& r = model_.results.at(c);
    if (r.has_woe_iv) iv[c] = r.woe_iv.iv;
    split_points[c] = r.split_points;
  }
  if (guest) summary["iv"] = std::move(iv);
  summary["split_points"] = std::move(split_points);
  if (guest && !model_.host_cols.empty()) {
    Json host_iv = Json::object();
    for (const auto& [party, cols] : model_.host_cols) {
      Json h = Json::object();
      for (const std::string& c : cols) h[c] = model_.host_results.at(party).at(c).woe_iv.iv;
      host_iv[std::to_string(party)] = std::move(h);
    }
    summary["host_iv"] = std::move(host_iv);
  }
  RETURN_NOT_OK_PREPEND(ctx_.storage().SaveModel(OutputModelAlias(ctx_), kModule,
                                                 SerializeFeatureBinningModel(model_)),
                        kModule);
  RETURN_NOT_OK_PREPEND(ctx_.storage().SaveSummary(summary), kModule);

  if (!p_.transform_type.empty()) {
    ASSIGN_OR_RETURN(std::vector<size_t> chosen,
                     ResolveColumns(inst_.feature_names, p_.transform_cols, p_.transform_names,
                                    "transform_param.transform_cols/transform_names"));
    std::vector<size_t> transform;
    for (size_t c : chosen) {
      if (std::binary_search(bin_cols_.begin(), bin_cols_.end(), c) && !category_cols_.count(c)) {
        transform.push_back(c);
      }
    }
    if (p_.transform_type == "bin_num") {
      TransformToBinIndex(&inst_, transform, split_points_);
    } else if (p_.transform_type == "woe") {
      RETURN_NOT_OK(TransformToWoe(&inst_, transform, model_.results));
    }
  }
  RETURN_NOT_OK_PREPEND(WriteInstances(ctx_, OutputDataName(ctx_), inst_), kModule);
  LOG(INFO) << ctx_.LogPrefix() << kModule << ": binned " << bin_cols_.size() << " features of "
            << inst_.rows() << " rows";
  return Status::OK();
}

}  // namespace

Result<Instances> ReadFirstDataInput(const TaskContext& ctx) {
  for (const auto& [key, n] : ctx.DataInputs()) {
    if (n > 0) return ReadInputInstances(ctx, key, 0);
  }
  return Status::InvalidArgument("component " + ctx.key().component + " has no data input");
}

std::string OutputModelAlias(const TaskContext& ctx) {
  const Json* output = FindMember(ctx.io(), "output");
  const Json* model =
      output != nullptr && output->is_object() ? FindMember(*output, "model") : nullptr;
  if (model != nullptr && model->is_array() && !model->empty() && (*model)[0].is_string()) {
    return (*model)[0].get<std::string>();
  }
  return "model";
}

std::string OutputDataName(const TaskContext& ctx) {
  const std::vector<std::string> outputs = ctx.OutputDataNames();
  return outputs.empty() ? "data" : outputs.front();
}

Status HeteroFeatureBinning::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(FeatureBinningParams p, ParseFeatureBinningParams(ctx.component_parameters()));
  BinningRun run(ctx, std::move(p));
  return run.Run();
}

}  // namespace fedflow
