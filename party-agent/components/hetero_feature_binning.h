#pragma once

// FATE's HeteroFeatureBinning (guest, host): split points per feature, and on the guest the
// WOE and IV of every feature of every party, without the host seeing labels or the guest
// seeing host values.
//
// Protocol (FATE 1.x's, hetero_binning_guest.py / hetero_binning_host.py):
//  1. The guest bins its own features (common/ml) and computes their per-bin event counts, WOE
//     and IV from its labels.
//  2. Unless local_only, the guest generates a Paillier key (encrypt_param.key_length) and
//     sends every host (tag "binning_encrypted_label") its public key, its row ids and, per
//     row in that order, E(y) and E(1 - y) (y = 1 for the event label).
//  3. Each host bins its features locally, aligns its rows to the guest's by id (a host id
//     the guest lacks fails the task: "put an Intersection first"), adds the ciphertexts of
//     the rows of each bin, and sends back (tag "binning_encrypted_bin_sum") the per-bin
//     encrypted (event, non-event) sums in bin order, features named anonymously
//     ("host_<party>_<column index>", FATE's generate_anonymous).
//  4. The guest decrypts the sums and computes each host feature's WOE and IV. The host learns
//     only its own split points; the guest keeps the hosts' IVs (in its model).
//
// The model (saved under the task's output model alias) is FeatureBinningModel as JSON; the
// output data is the input instance table with the transformed columns replaced by their bin
// index (transform_type bin_num, FATE's default) or WOE (woe, guest only), or unchanged (null).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/paillier.h"
#include "common/json_util.h"
#include "common/ml/binning.h"
#include "common/status.h"
#include "party-agent/components/component.h"
#include "party-agent/components/hetero_feature_binning_params.h"
#include "party-agent/components/instances.h"

namespace fedflow {

// The binning of one column as the model keeps it. On the guest, host columns have no split
// points; on a host, no column has WOE/IV.
struct ColumnBinResult {
  std::vector<double> split_points;
  bool is_category = false;
  bool has_woe_iv = false;
  ml::WoeIv woe_iv;
};

// HeteroFeatureBinning's model: what HeteroFeatureSelection reads as its isometric_model.
struct FeatureBinningModel {
  std::string role;
  int64_t party_id = 0;
  std::string method;
  int64_t bin_num = 0;
  std::vector<std::string> header;
  // Binned columns in header order.
  std::vector<std::string> bin_cols;
  std::map<std::string, ColumnBinResult> results;
  // Guest: per host party, its features by anonymous name, in the host's order.
  std::map<int64_t, std::vector<std::string>> host_cols;
  std::map<int64_t, std::map<std::string, ColumnBinResult>> host_results;
  // Host: its column names and their anonymous names as the guest sees them.
  std::map<std::string, std::string> anonymous;

  // Guest: IV of its own columns that have one (by name), and of a host's (by anonymous name).
  std::map<std::string, double> Ivs() const;
  std::map<std::string, double> HostIvs(int64_t party) const;
};

std::string SerializeFeatureBinningModel(const FeatureBinningModel& model);
Result<FeatureBinningModel> ParseFeatureBinningModel(const std::string& bytes);

// FATE's anonymous feature name: "<role>_<party_id>_<column index>".
std::string AnonymousFeatureName(const std::string& role, int64_t party_id, size_t index);

// Header indexes chosen by FATE's "-1 or indexes" plus names, ascending and distinct.
// Out-of-range indexes and unknown names are errors naming `what` (e.g. "bin_indexes").
Result<std::vector<size_t>> ResolveColumns(const std::vector<std::string>& header,
                                           const std::optional<std::vector<int>>& indexes,
                                           const std::vector<std::string>& names,
                                           const std::string& what);

// Column `c` of `inst`.
std::vector<double> ColumnOf(const Instances& inst, size_t c);

// Split points of one column by the parameters (quantile or bucket; a category column's sorted
// distinct values).
Result<std::vector<double>> ComputeSplitPoints(const std::vector<double>& column,
                                               const FeatureBinningParams& params,
                                               bool is_category);

// Replaces column values by their bin index (ml::BinIndex) for every column of `cols` that has
// split points in `split_points` (by column name).
void TransformToBinIndex(Instances* inst, const std::vector<size_t>& cols,
                         const std::map<std::string, std::vector<double>>& split_points);
// Replaces column values by the WOE of their bin (guest).
Status TransformToWoe(Instances* inst, const std::vector<size_t>& cols,
                      const std::map<std::string, ColumnBinResult>& results);

// The guest's labels as FATE's binning sees them: 1 for the event (label == 1), 0 otherwise.
std::vector<int> EventLabels(const Instances& inst);

// Host: for each host row, its position in the guest's id list. NotFound naming the first
// id the guest does not have ("... put an Intersection first").
Result<std::vector<size_t>> AlignToGuest(const std::vector<std::string>& host_ids,
                                         const std::vector<std::string>& guest_ids);

// Host: the encrypted per-bin (event, non-event) sums of one column: for bins 0..num_bins-1
// (num_bins = largest bin index + 1, as ml::CountEvents), E(sum of y) and E(sum of 1 - y) over
// the rows of the bin, flattened as [ev_0, nev_0, ev_1, nev_1, ...]. `bins[i]` is the bin of
// host row i and `guest_row[i]` its position in the guest's encrypted labels. Empty bins get
// a fresh encryption of 0.
Result<std::vector<crypto::EncryptedNumber>> EncryptedBinSums(
    const crypto::PublicKey& pk, const std::vector<crypto::EncryptedNumber>& encrypted_events,
    const std::vector<crypto::EncryptedNumber>& encrypted_non_events,
    const std::vector<size_t>& guest_row, const std::vector<int>& bins);

// The task's first data input (DSL v2 "data", v1 "data" / "train_data") as instances.
Result<Instances> ReadFirstDataInput(const TaskContext& ctx);
// The task's output model alias (io.output.model[0]), "model" when it declares none.
std::string OutputModelAlias(const TaskContext& ctx);
// The task's output data name (io.output.data[0]), "data" when it declares none.
std::string OutputDataName(const TaskContext& ctx);

class HeteroFeatureBinning : public Component {
 public:
  Status Run(TaskContext& ctx) override;
};

}  // namespace fedflow
