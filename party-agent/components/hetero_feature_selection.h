#pragma once

// FATE's HeteroFeatureSelection (guest, host): filters the columns of each party's instance
// table, in `filter_methods` order, with common/ml's filters (feature_selection.h describes
// how FATE chains them).
//
//  - manually, unique_value: each party on its own columns with its own parameters
//    (unique_value judges the standard deviation of each column of the input data).
//  - iv_value_thres, iv_percentile, iv_top_k and iv_filter (metrics iv): the IVs come from the
//    HeteroFeatureBinning model given as the isometric_model input. The guest's model holds the
//    IVs of its features and of every host's (by anonymous name, "host_<party>_<index>"); a
//    host's model holds only its split points and its anonymous names. For each IV filter every
//    host sends the guest its current candidates by anonymous name (tag
//    "selection_host_candidates"); the guest judges its and the hosts' candidates together and
//    sends each host which of ITS candidates stay (tag "selection_host_left"). A host never
//    sees an IV.
//
// Output data: the input instance table with only the kept columns (header order). Model
// (output model alias): the kept columns and each filter's record, as JSON; the summary says
// which columns each filter kept.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json_util.h"
#include "common/ml/feature_selection.h"
#include "common/status.h"
#include "party-agent/components/component.h"
#include "party-agent/components/instances.h"

namespace fedflow {

// One entry of filter_methods, with its parameters.
struct SelectionFilter {
  enum class Kind { kManually, kUniqueValue, kIv };
  std::string method;  // as named in filter_methods
  Kind kind = Kind::kManually;
  double eps = 1e-5;     // unique_value
  ml::IvFilterParam iv;  // IV filters
};

struct FeatureSelectionParams {
  std::optional<std::vector<int>> select_col_indexes;  // nullopt: FATE's -1 (all)
  std::vector<std::string> select_names;
  std::vector<SelectionFilter> filters;
  ml::ManuallyFilterParam manually;
};

// FATE 1.11's FeatureSelectionParam with its defaults (filter_methods ["manually"]); filters
// fedflow does not implement are rejected naming the supported ones; unknown keys rejected.
Result<FeatureSelectionParams> ParseFeatureSelectionParams(const Json& component_parameters);

// A host's part in one IV filter as the guest sees it: its candidates (anonymous names, in
// candidate order) and their IVs from the binning model; `kept` is filled with the candidates
// that stay.
struct HostIvCandidates {
  int64_t party_id = 0;
  std::vector<std::string> candidates;
  std::map<std::string, double> iv;
  std::vector<std::string> kept;
};

// The guest's side of one IV filter: judges `guest`'s candidates and the hosts' together
// (ml::ApplyIvFilter), applies the outcome to `guest`, and fills each host's `kept`.
Status GuestApplyIvFilter(const SelectionFilter& filter, ml::ColumnSelection* guest,
                          const std::map<std::string, double>& guest_iv,
                          std::vector<HostIvCandidates>* hosts);

// Runs a local filter (manually, unique_value) on one party. `std_dev`: the population
// standard deviation of each column, by name (unique_value).
Status ApplyLocalFilter(const SelectionFilter& filter, const ml::ManuallyFilterParam& manually,
                        const std::map<std::string, double>& std_dev,
                        ml::ColumnSelection* selection);

// The population standard deviation of every column of `inst` (NaN skipped), by name.
std::map<std::string, double> ColumnStdDevs(const Instances& inst);

// `inst` with only the columns `keep` (feature names, kept in header order).
Instances KeepColumns(const Instances& inst, const std::vector<std::string>& keep);

class FederationClient;

class HeteroFeatureSelection : public Component {
 public:
  Status Run(TaskContext& ctx) override;

 private:
  static Status RunParty(TaskContext& ctx, const FeatureSelectionParams& p, FederationClient* fed);
};

}  // namespace fedflow
