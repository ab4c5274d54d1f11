#include "party-agent/components/secure_add_example.h"

#include <cmath>
#include <random>

#include <glog/logging.h>

#include "party-agent/components/federation_client.h"
#include "party-agent/components/parameter_reader.h"

namespace fedflow {

namespace {
constexpr std::chrono::milliseconds kTimeout{120000};

double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}
}  // namespace

Result<SecureAddExample::Params> SecureAddExample::ParseParams(const Json& component_parameters) {
  Params p;
  // FATE's default seed is null: treat it as absent.
  Json params = component_parameters;
  if (params.is_object() && params.contains("seed") && params["seed"].is_null()) {
    params.erase("seed");
  }
  ParameterReader reader("SecureAddExample", params);
  RETURN_NOT_OK(reader.ReadInt("seed", &p.seed));
  RETURN_NOT_OK(reader.ReadInt("partition", &p.partition));
  RETURN_NOT_OK(reader.ReadInt("data_num", &p.data_num));
  RETURN_NOT_OK(reader.CheckNoUnknown());
  if (p.data_num <= 0 || p.data_num > 100000000) {
    return Status::InvalidArgument("SecureAddExample: parameter \"data_num\": must be in "
                                   "[1, 100000000], got " + std::to_string(p.data_num));
  }
  if (p.partition <= 0) {
    return Status::InvalidArgument("SecureAddExample: parameter \"partition\": must be positive");
  }
  return p;
}

Status SecureAddExample::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(Params p, ParseParams(ctx.component_parameters()));
  FederationClient fed(ctx);
  const std::string& role = ctx.key().role;
  std::vector<double> mine(static_cast<size_t>(p.data_num), 1.0);
  // Random shares: mine = kept + sent, with `sent` uniformly random.
  std::mt19937_64 rng(static_cast<uint64_t>(p.seed) * 2 + (role == "guest" ? 0 : 1));
  std::uniform_real_distribution<double> dist(-1000.0, 1000.0);
  std::vector<double> sent(mine.size()), kept(mine.size());
  for (size_t i = 0; i < mine.size(); ++i) {
    sent[i] = dist(rng);
    kept[i] = mine[i] - sent[i];
  }
  if (role == "guest") {
    std::vector<FedParty> hosts = fed.Parties("host");
    if (hosts.size() != 1) {
      return Status::InvalidArgument("SecureAddExample needs exactly one host, the job has " +
                                     std::to_string(hosts.size()));
    }
    RETURN_NOT_OK(fed.Remote(FedObject::Tensor(sent), "guest_share", hosts));
    ASSIGN_OR_RETURN(FedObject host_share, fed.Get("host_share", hosts[0], kTimeout));
    if (host_share.values.size() != kept.size()) {
      return Status::InvalidArgument("host sent " + std::to_string(host_share.values.size()) +
                                     " shares, expected " + std::to_string(kept.size()));
    }
    double guest_sum = Sum(kept) + Sum(host_share.values);
    ASSIGN_OR_RETURN(FedObject host_sum, fed.Get("host_sum", hosts[0], kTimeout));
    if (host_sum.values.size() != 1) return Status::InvalidArgument("host_sum is not a scalar");
    double secure_sum = guest_sum + host_sum.values[0];
    double expected = 2.0 * static_cast<double>(p.data_num);
    if (std::fabs(secure_sum - expected) > 1e-6 * expected) {
      return Status::Aborted("secure sum is " + std::to_string(secure_sum) + ", expected " +
                             std::to_string(expected));
    }
    LOG(INFO) << ctx.LogPrefix() << "success to calculate secure_sum, it is " << secure_sum;
    return Status::OK();
  }
  if (role == "host") {
    std::vector<FedParty> guests = fed.Parties("guest");
    if (guests.size() != 1) {
      return Status::InvalidArgument("SecureAddExample needs exactly one guest, the job has " +
                                     std::to_string(guests.size()));
    }
    RETURN_NOT_OK(fed.Remote(FedObject::Tensor(sent), "host_share", guests));
    ASSIGN_OR_RETURN(FedObject guest_share, fed.Get("guest_share", guests[0], kTimeout));
    if (guest_share.values.size() != kept.size()) {
      return Status::InvalidArgument("guest sent " + std::to_string(guest_share.values.size()) +
                                     " shares, expected " + std::to_string(kept.size()));
    }
    double host_sum = Sum(kept) + Sum(guest_share.values);
    RETURN_NOT_OK(fed.Remote(FedObject::Tensor({host_sum}), "host_sum", guests));
    LOG(INFO) << ctx.LogPrefix() << "sent the host's partial sum";
    return Status::OK();
  }
  return Status::InvalidArgument("SecureAddExample runs on guest and host, not " + role);
}

}  // namespace fedflow
