// HeteroFeatureBinning's per-party pieces: the model's JSON form, column choice, split points,
// transforms, and the host's encrypted per-bin sums.
#include <algorithm>
#include <cmath>
#include <set>
#include <unordered_map>

#include "party-agent/components/hetero_feature_binning.h"

namespace fedflow {

namespace {

Json ResultToJson(const ColumnBinResult& r) {
  Json j = Json::object();
  j["split_points"] = r.split_points;
  j["is_category"] = r.is_category;
  if (r.has_woe_iv) {
    j["iv"] = r.woe_iv.iv;
    j["woe_array"] = r.woe_iv.woe;
    j["iv_array"] = r.woe_iv.iv_per_bin;
    j["event_count_array"] = r.woe_iv.event_count;
    j["non_event_count_array"] = r.woe_iv.non_event_count;
    j["event_rate_array"] = r.woe_iv.event_rate;
    j["non_event_rate_array"] = r.woe_iv.non_event_rate;
  }
  return j;
}

Result<ColumnBinResult> ResultFromJson(const Json& j, const std::string& where) {
  ColumnBinResult r;
  try {
    RETURN_NOT_OK(ExpectObject(j, where));
    r.split_points = j.value("split_points", std::vector<double>{});
    r.is_category = j.value("is_category", false);
    if (j.contains("iv")) {
      r.has_woe_iv = true;
      r.woe_iv.iv = j.at("iv").get<double>();
      r.woe_iv.woe = j.value("woe_array", std::vector<double>{});
      r.woe_iv.iv_per_bin = j.value("iv_array", std::vector<double>{});
      r.woe_iv.event_count = j.value("event_count_array", std::vector<int64_t>{});
      r.woe_iv.non_event_count = j.value("non_event_count_array", std::vector<int64_t>{});
      r.woe_iv.event_rate = j.value("event_rate_array", std::vector<double>{});
      r.woe_iv.non_event_rate = j.value("non_event_rate_array", std::vector<double>{});
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument(where + ": " + e.what());
  }
  return r;
}

}  // namespace

std::map<std::string, double> FeatureBinningModel::Ivs() const {
  std::map<std::string, double> out;
  for (const auto& [name, r] : results) {
    if (r.has_woe_iv) out[name] = r.woe_iv.iv;
  }
  return out;
}

std::map<std::string, double> FeatureBinningModel::HostIvs(int64_t party) const {
  std::map<std::string, double> out;
  auto it = host_results.find(party);
  if (it == host_results.end()) return out;
  for (const auto& [name, r] : it->second) {
    if (r.has_woe_iv) out[name] = r.woe_iv.iv;
  }
  return out;
}

std::string SerializeFeatureBinningModel(const FeatureBinningModel& m) {
  Json j = Json::object();
  j["module"] = "HeteroFeatureBinning";
  j["model_version"] = 1;
  j["role"] = m.role;
  j["party_id"] = m.party_id;
  j["method"] = m.method;
  j["bin_num"] = m.bin_num;
  j["header"] = m.header;
  j["bin_cols"] = m.bin_cols;
  Json results = Json::object();
  for (const std::string& c : m.bin_cols) {
    auto it = m.results.find(c);
    if (it != m.results.end()) results[c] = ResultToJson(it->second);
  }
  j["binning_result"] = std::move(results);
  Json hosts = Json::object();
  for (const auto& [party, cols] : m.host_cols) {
    Json h = Json::object();
    h["party_id"] = party;
    h["bin_cols"] = cols;
    Json res = Json::object();
    const auto& party_results = m.host_results.at(party);
    for (const std::string& c : cols) {
      auto it = party_results.find(c);
      if (it != party_results.end()) res[c] = ResultToJson(it->second);
    }
    h["binning_result"] = std::move(res);
    hosts[std::to_string(party)] = std::move(h);
  }
  j["host_results"] = std::move(hosts);
  Json anonymous = Json::object();
  for (const std::string& c : m.header) {
    auto it = m.anonymous.find(c);
    if (it != m.anonymous.end()) anonymous[c] = it->second;
  }
  j["anonymous_header"] = std::move(anonymous);
  return DumpJson(j);
}

Result<FeatureBinningModel> ParseFeatureBinningModel(const std::string& bytes) {
  ASSIGN_OR_RETURN(Json j, ParseJson(bytes, "HeteroFeatureBinning model"));
  FeatureBinningModel m;
  try {
    if (j.value("module", std::string()) != "HeteroFeatureBinning") {
      return Status::InvalidArgument("not a HeteroFeatureBinning model (module \"" +
                                     j.value("module", std::string()) + "\")");
    }
    m.role = j.at("role").get<std::string>();
    m.party_id = j.at("party_id").get<int64_t>();
    m.method = j.value("method", std::string());
    m.bin_num = j.value("bin_num", int64_t{0});
    m.header = j.at("header").get<std::vector<std::string>>();
    m.bin_cols = j.at("bin_cols").get<std::vector<std::string>>();
    const Json& results = j.at("binning_result");
    for (auto it = results.begin(); it != results.end(); ++it) {
      ASSIGN_OR_RETURN(m.results[it.key()],
                       ResultFromJson(it.value(), "binning_result." + it.key()));
    }
    const Json& hosts = j.at("host_results");
    for (auto it = hosts.begin(); it != hosts.end(); ++it) {
      const int64_t party = it.value().at("party_id").get<int64_t>();
      m.host_cols[party] = it.value().at("bin_cols").get<std::vector<std::string>>();
      auto& party_results = m.host_results[party];
      const Json& res = it.value().at("binning_result");
      for (auto r = res.begin(); r != res.end(); ++r) {
        ASSIGN_OR_RETURN(party_results[r.key()],
                         ResultFromJson(r.value(), "host_results." + it.key() + "." + r.key()));
      }
    }
    if (const Json* anon = FindMember(j, "anonymous_header"); anon != nullptr) {
      m.anonymous = anon->get<std::map<std::string, std::string>>();
    }
  } catch (const std::exception& e) {
    return Status::InvalidArgument(std::string("HeteroFeatureBinning model: ") + e.what());
  }
  return m;
}

std::string AnonymousFeatureName(const std::string& role, int64_t party_id, size_t index) {
  return role + "_" + std::to_string(party_id) + "_" + std::to_string(index);
}

Result<std::vector<size_t>> ResolveColumns(const std::vector<std::string>& header,
                                           const std::optional<std::vector<int>>& indexes,
                                           const std::vector<std::string>& names,
                                           const std::string& what) {
  std::set<size_t> chosen;
  if (!indexes) {
    for (size_t i = 0; i < header.size(); ++i) chosen.insert(i);
  } else {
    for (int i : *indexes) {
      if (i < 0 || static_cast<size_t>(i) >= header.size()) {
        return Status::InvalidArgument("parameter \"" + what + "\": index " + std::to_string(i) +
                                       " is out of range (the data has " +
                                       std::to_string(header.size()) + " features)");
      }
      chosen.insert(static_cast<size_t>(i));
    }
  }
  for (const std::string& name : names) {
    auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) {
      return Status::InvalidArgument("parameter \"" + what + "\": \"" + name +
                                     "\" is not a feature of the data");
    }
    chosen.insert(static_cast<size_t>(it - header.begin()));
  }
  return std::vector<size_t>(chosen.begin(), chosen.end());
}

std::vector<double> ColumnOf(const Instances& inst, size_t c) {
  std::vector<double> col(inst.rows());
  for (size_t r = 0; r < inst.rows(); ++r) col[r] = inst.at(r, c);
  return col;
}

Result<std::vector<double>> ComputeSplitPoints(const std::vector<double>& column,
                                               const FeatureBinningParams& params,
                                               bool is_category) {
  if (is_category) {
    std::set<double> distinct;
    for (double v : column) {
      if (!std::isnan(v)) distinct.insert(v);
    }
    return std::vector<double>(distinct.begin(), distinct.end());
  }
  if (params.method == "bucket") {
    return ml::BucketSplitPoints(column, static_cast<int>(params.bin_num));
  }
  ml::QuantileBinningOptions o;
  o.bin_num = static_cast<int>(params.bin_num);
  o.error = params.error;
  o.compress_thres = params.compress_thres;
  o.head_size = params.head_size;
  return ml::QuantileSplitPoints(column, o);
}

void TransformToBinIndex(Instances* inst, const std::vector<size_t>& cols,
                         const std::map<std::string, std::vector<double>>& split_points) {
  for (size_t c : cols) {
    auto it = split_points.find(inst->feature_names[c]);
    if (it == split_points.end()) continue;
    for (size_t r = 0; r < inst->rows(); ++r) {
      inst->at(r, c) = ml::BinIndex(inst->at(r, c), it->second);
    }
  }
}

Status TransformToWoe(Instances* inst, const std::vector<size_t>& cols,
                      const std::map<std::string, ColumnBinResult>& results) {
  for (size_t c : cols) {
    auto it = results.find(inst->feature_names[c]);
    if (it == results.end() || !it->second.has_woe_iv) continue;
    const std::vector<double>& woe = it->second.woe_iv.woe;
    for (size_t r = 0; r < inst->rows(); ++r) {
      const int bin = ml::BinIndex(inst->at(r, c), it->second.split_points);
      if (bin < 0 || static_cast<size_t>(bin) >= woe.size()) {
        return Status::Internal("woe transform: column " + inst->feature_names[c] + " row " +
                                inst->ids[r] + " falls in bin " + std::to_string(bin) +
                                ", which has no WOE");
      }
      inst->at(r, c) = woe[static_cast<size_t>(bin)];
    }
  }
  return Status::OK();
}

std::vector<int> EventLabels(const Instances& inst) {
  std::vector<int> y(inst.rows());
  for (size_t r = 0; r < inst.rows(); ++r) y[r] = inst.labels[r] == 1.0 ? 1 : 0;
  return y;
}

Result<std::vector<size_t>> AlignToGuest(const std::vector<std::string>& host_ids,
                                         const std::vector<std::string>& guest_ids) {
  std::unordered_map<std::string, size_t> pos;
  pos.reserve(guest_ids.size());
  for (size_t i = 0; i < guest_ids.size(); ++i) pos.emplace(guest_ids[i], i);
  std::vector<size_t> out(host_ids.size());
  for (size_t i = 0; i < host_ids.size(); ++i) {
    auto it = pos.find(host_ids[i]);
    if (it == pos.end()) {
      return Status::NotFound("the host's row id \"" + host_ids[i] + "\" (row " +
                              std::to_string(i) + ") is not in the guest's data (" +
                              std::to_string(guest_ids.size()) +
                              " rows): the parties' rows differ; put an Intersection first");
    }
    out[i] = it->second;
  }
  return out;
}

Result<std::vector<crypto::EncryptedNumber>> EncryptedBinSums(
    const crypto::PublicKey& pk, const std::vector<crypto::EncryptedNumber>& encrypted_events,
    const std::vector<crypto::EncryptedNumber>& encrypted_non_events,
    const std::vector<size_t>& guest_row, const std::vector<int>& bins) {
  if (guest_row.size() != bins.size() || encrypted_events.size() != encrypted_non_events.size()) {
    return Status::InvalidArgument("encrypted bin sums: sizes differ");
  }
  int max_bin = -1;
  for (int b : bins) max_bin = std::max(max_bin, b);
  const size_t num_bins = static_cast<size_t>(max_bin + 1);
  std::vector<std::optional<crypto::EncryptedNumber>> sums(2 * num_bins);
  for (size_t i = 0; i < bins.size(); ++i) {
    const size_t g = guest_row[i];
    if (g >= encrypted_events.size()) {
      return Status::InvalidArgument(
          "encrypted bin sums: row " + std::to_string(i) + " maps to guest row " +
          std::to_string(g) + ", beyond the guest's " + std::to_string(encrypted_events.size()));
    }
    for (int k = 0; k < 2; ++k) {
      const crypto::EncryptedNumber& c = k == 0 ? encrypted_events[g] : encrypted_non_events[g];
      std::optional<crypto::EncryptedNumber>& acc = sums[2 * static_cast<size_t>(bins[i]) + k];
      if (!acc) {
        acc = c;
      } else {
        ASSIGN_OR_RETURN(*acc, crypto::Add(pk, *acc, c));
      }
    }
  }
  std::vector<crypto::EncryptedNumber> out;
  out.reserve(sums.size());
  const int32_t exponent = encrypted_events.empty() ? 0 : encrypted_events[0].exponent;
  for (auto& s : sums) {
    if (s) {
      out.push_back(std::move(*s));
    } else {
      ASSIGN_OR_RETURN(crypto::EncryptedNumber zero, crypto::Encrypt(pk, 0.0, exponent));
      out.push_back(std::move(zero));
    }
  }
  return out;
}

}  // namespace fedflow
