#include "party-agent/components/hetero_lr_util.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>

#include "common/crypto/paillier_serde.h"
#include "common/crypto/paillier_vector.h"

namespace fedflow::hetero_lr {

using crypto::EncryptedNumber;
using crypto::PublicKey;

std::string Describe(const FedParty& p) { return p.role + " " + std::to_string(p.party_id); }

// Runs fn(begin, end) on slices of [0, n) on up to hardware_concurrency threads (at most 8):
// the Paillier functions are single-threaded and thread-safe. Returns the first error.
Status ParallelFor(size_t n, const std::function<Status(size_t, size_t)>& fn) {
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  threads = std::min<size_t>({threads, 8, n});
  if (threads <= 1) return fn(0, n);
  std::vector<Status> status(threads);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] { status[t] = fn(n * t / threads, n * (t + 1) / threads); });
  }
  for (std::thread& w : workers) w.join();
  for (Status& s : status) RETURN_NOT_OK(s);
  return Status::OK();
}

Result<Ciphers> EncryptParallel(const PublicKey& pk, const std::vector<double>& xs) {
  Ciphers out(xs.size());
  RETURN_NOT_OK(ParallelFor(xs.size(), [&](size_t begin, size_t end) -> Status {
    std::vector<double> slice(xs.begin() + begin, xs.begin() + end);
    ASSIGN_OR_RETURN(Ciphers enc, crypto::EncryptVector(pk, slice));
    std::move(enc.begin(), enc.end(), out.begin() + begin);
    return Status::OK();
  }));
  return out;
}

// --- Messages -----------------------------------------------------------------------------

Status SendObject(LrChannel* ch, const std::string& tag, const FedObject& obj,
                  const std::vector<FedParty>& dst) {
  return ch->Send(tag, SerializeFedObject(obj), dst);
}

Status SendDoubles(LrChannel* ch, const std::string& tag, std::vector<double> values,
                   const std::vector<FedParty>& dst) {
  return SendObject(ch, tag, FedObject::Tensor(std::move(values)), dst);
}

// The doubles of message `tag` from `src`; `expected` (unless -1) is the size it must have.
Result<std::vector<double>> RecvDoubles(LrChannel* ch, const std::string& tag, const FedParty& src,
                                        int64_t expected) {
  ASSIGN_OR_RETURN(std::string bytes, ch->Recv(tag, src));
  Result<FedObject> obj = DeserializeFedObject(bytes);
  if (!obj.ok()) return obj.status().CloneAndPrepend(tag + " from " + Describe(src));
  if (obj->type != FedObject::Type::kTensor) {
    return Status::InvalidArgument(tag + " from " + Describe(src) + ": expected a tensor");
  }
  if (expected >= 0 && obj->values.size() != static_cast<size_t>(expected)) {
    return Status::InvalidArgument(tag + " from " + Describe(src) + ": " +
                                   std::to_string(obj->values.size()) + " values, expected " +
                                   std::to_string(expected));
  }
  return std::move(obj->values);
}

Status SendCiphers(LrChannel* ch, const std::string& tag, const PublicKey& pk, const Ciphers& cs,
                   const std::vector<FedParty>& dst) {
  ASSIGN_OR_RETURN(std::string bytes, crypto::SerializeCiphertexts(pk, cs));
  return ch->Send(tag, bytes, dst);
}

Result<Ciphers> RecvCiphers(LrChannel* ch, const std::string& tag, const PublicKey& pk,
                            const FedParty& src, size_t expected) {
  ASSIGN_OR_RETURN(std::string bytes, ch->Recv(tag, src));
  Result<Ciphers> cs = crypto::DeserializeCiphertexts(pk, bytes);
  if (!cs.ok()) return cs.status().CloneAndPrepend(tag + " from " + Describe(src));
  if (cs->size() != expected) {
    return Status::InvalidArgument(tag + " from " + Describe(src) + ": " +
                                   std::to_string(cs->size()) + " ciphertexts, expected " +
                                   std::to_string(expected));
  }
  return cs;
}

Result<PublicKey> RecvPublicKey(LrChannel* ch, const FedParty& arbiter) {
  ASSIGN_OR_RETURN(std::string bytes, ch->Recv(kPubKey, arbiter));
  Result<PublicKey> pk = crypto::DeserializePublicKey(bytes);
  if (!pk.ok()) return pk.status().CloneAndPrepend(std::string(kPubKey) + " from the arbiter");
  return pk;
}

Result<FedParty> OnlyParty(const LrChannel& ch, const std::string& role) {
  std::vector<FedParty> parties = ch.Parties(role);
  if (parties.size() != 1) {
    return Status::InvalidArgument("HeteroLR needs exactly one " + role + ", the job has " +
                                   std::to_string(parties.size()));
  }
  return parties.front();
}

std::vector<FedParty> Join(std::vector<FedParty> a, const std::vector<FedParty>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// --- Maths on ciphertexts -----------------------------------------------------------------

// FATE's compute_gradient on an encrypted fore gradient: X^T [[d]] / n per column (features in
// FATE's fixed point when rows * cols > 100), then sum [[d]] / n with an intercept. Matches
// ml::Gradient.
Result<Ciphers> EncryptedGradient(const PublicKey& pk, const ml::FeatureMatrix& x, const Ciphers& d,
                                  bool fit_intercept, std::optional<int> precision) {
  const size_t rows = x.rows(), cols = x.cols();
  const bool fixed_point = precision.has_value() && rows * cols > 100;
  const double scale = fixed_point ? std::ldexp(1.0, *precision) : 1.0;
  const double inv_n = 1.0 / static_cast<double>(rows);
  Ciphers gradient(cols + (fit_intercept ? 1 : 0));
  RETURN_NOT_OK(ParallelFor(gradient.size(), [&](size_t begin, size_t end) -> Status {
    std::vector<double> column(rows);
    for (size_t c = begin; c < end; ++c) {
      EncryptedNumber sum;
      if (c < cols) {
        for (size_t r = 0; r < rows; ++r) {
          // round(x * 2^p) / 2^p is exact: the dot product sees FATE's encoded feature.
          column[r] = fixed_point ? std::nearbyint(x.at(r, c) * scale) / scale : x.at(r, c);
        }
        ASSIGN_OR_RETURN(sum, crypto::DotProduct(pk, d, column));
      } else {
        sum = d.front();
        for (size_t r = 1; r < rows; ++r) {
          ASSIGN_OR_RETURN(sum, crypto::Add(pk, sum, d[r]));
        }
      }
      ASSIGN_OR_RETURN(gradient[c], crypto::MulScalar(pk, sum, inv_n));
    }
    return Status::OK();
  }));
  return gradient;
}

// Optimizer::AddRegularToGrad on an encrypted gradient (L2: + alpha * coef).
Status AddRegular(const PublicKey& pk, const ml::Optimizer& opt, const ml::LinearWeights& w,
                  Ciphers* gradient) {
  if (opt.options().penalty != ml::Penalty::kL2) return Status::OK();
  ASSIGN_OR_RETURN(std::vector<double> regular,
                   opt.AddRegularToGrad(std::vector<double>(w.values.size(), 0.0), w));
  if (regular.size() != gradient->size()) {
    return Status::Internal("regular term size " + std::to_string(regular.size()) +
                            " != gradient size " + std::to_string(gradient->size()));
  }
  for (size_t i = 0; i < regular.size(); ++i) {
    if (regular[i] == 0) continue;
    ASSIGN_OR_RETURN((*gradient)[i], crypto::AddPlain(pk, (*gradient)[i], regular[i]));
  }
  return Status::OK();
}

}  // namespace fedflow::hetero_lr
