#include "party-agent/components/hetero_lr_protocol.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/paillier.h"
#include "common/crypto/paillier_serde.h"
#include "common/crypto/paillier_vector.h"
#include "common/ml/optimizer.h"
#include "party-agent/components/fed_object.h"
#include "party-agent/components/hetero_lr_util.h"

namespace fedflow {

namespace {

using crypto::EncryptedNumber;
using crypto::PublicKey;
using hetero_lr::AddRegular;
using hetero_lr::Ciphers;
using hetero_lr::Clock;
using hetero_lr::Describe;
using hetero_lr::EncryptedGradient;
using hetero_lr::EncryptParallel;
using hetero_lr::Join;
using hetero_lr::kBatchIndex;
using hetero_lr::kBatchInfo;
using hetero_lr::kConvergeFlag;
using hetero_lr::kDataIds;
using hetero_lr::kForeGradient;
using hetero_lr::kGuestGradient;
using hetero_lr::kGuestOptimGradient;
using hetero_lr::kHostForward;
using hetero_lr::kHostGradient;
using hetero_lr::kHostLossRegular;
using hetero_lr::kHostOptimGradient;
using hetero_lr::kHostProb;
using hetero_lr::kLoss;
using hetero_lr::kLossIntermediate;
using hetero_lr::kPredictStart;
using hetero_lr::kPubKey;
using hetero_lr::OnlyParty;
using hetero_lr::PaillierTimer;
using hetero_lr::ParallelFor;
using hetero_lr::RecvCiphers;
using hetero_lr::RecvDoubles;
using hetero_lr::RecvPublicKey;
using hetero_lr::SecondsSince;
using hetero_lr::SendCiphers;
using hetero_lr::SendDoubles;
using hetero_lr::SendObject;

// --- Batches ------------------------------------------------------------------------------

// What the guest tells the others about its batches.
struct BatchInfo {
  int64_t batch_num = 0;
  int64_t batch_size = -1;
  int64_t rows = 0;
  bool shuffled = false;  // the row order is drawn and sent every iteration

  std::vector<double> ToVector() const {
    return {static_cast<double>(batch_num), static_cast<double>(batch_size),
            static_cast<double>(rows), shuffled ? 1.0 : 0.0};
  }
  static BatchInfo FromVector(const std::vector<double>& v) {
    return BatchInfo{static_cast<int64_t>(v[0]), static_cast<int64_t>(v[1]),
                     static_cast<int64_t>(v[2]), v[3] != 0};
  }
};

// Cuts a row order into the consecutive batches MiniBatchIndexes makes.
std::vector<std::vector<size_t>> Slice(const std::vector<size_t>& order, const BatchInfo& info) {
  const size_t size = info.batch_size <= 0 || info.batch_size >= info.rows
                          ? order.size()
                          : static_cast<size_t>(info.batch_size);
  std::vector<std::vector<size_t>> out;
  for (size_t begin = 0; begin < order.size(); begin += size) {
    out.emplace_back(order.begin() + begin, order.begin() + std::min(order.size(), begin + size));
  }
  return out;
}

Result<std::vector<int>> SignedLabels(const std::vector<double>& labels, size_t rows) {
  if (labels.size() != rows) {
    return Status::InvalidArgument(
        "HeteroLR on the guest needs a label per row: the training "
        "data has no label column (DataTransform with_label: true)");
  }
  std::vector<double> classes;
  std::vector<int> out(rows);
  for (size_t i = 0; i < rows; ++i) {
    const double l = labels[i];
    if (std::find(classes.begin(), classes.end(), l) == classes.end()) classes.push_back(l);
    out[i] = l == 1.0 ? 1 : -1;
  }
  if (classes.size() > 2) {
    std::sort(classes.begin(), classes.end());
    std::string list;
    for (size_t i = 0; i < classes.size() && i < 10; ++i) {
      list += (i ? ", " : "") + std::to_string(static_cast<int64_t>(classes[i]));
    }
    return Status::InvalidArgument(
        "HeteroLR: parameter \"multi_class\": the label has " + std::to_string(classes.size()) +
        " classes (" + list + (classes.size() > 10 ? ", ..." : "") +
        "); one-vs-rest training for more than 2 classes is not supported");
  }
  return out;
}

Status CheckStop(const LrChannel* ch) {
  if (ch->should_stop()) return Status::Aborted("HeteroLR: stopped");
  return Status::OK();
}

// --- Prediction pieces shared by training and prediction ---------------------------------

// The guest's probabilities: sigmoid(wx_g + sum of the hosts' wx_h), the hosts' wx_h in the
// guest's row order ("host_prob").
Result<std::vector<double>> GuestScores(const ml::LinearWeights& w, const LrPartyData& data,
                                        const std::vector<FedParty>& hosts, LrChannel* ch) {
  ASSIGN_OR_RETURN(std::vector<double> wx, ml::LinearPredictor(data.x, w));
  for (const FedParty& host : hosts) {
    ASSIGN_OR_RETURN(std::vector<double> wx_h,
                     RecvDoubles(ch, kHostProb, host, static_cast<int64_t>(wx.size())));
    for (size_t i = 0; i < wx.size(); ++i) wx[i] += wx_h[i];
  }
  std::vector<double> scores(wx.size());
  for (size_t i = 0; i < wx.size(); ++i) scores[i] = ml::Sigmoid(wx[i]);
  return scores;
}

// The host's row of each of the guest's ids ("data_ids"), in the guest's order.
Result<std::vector<size_t>> HostAlignment(const LrPartyData& data, const FedParty& guest,
                                          int64_t host_party, LrChannel* ch) {
  ASSIGN_OR_RETURN(std::string bytes, ch->Recv(kDataIds, guest));
  ASSIGN_OR_RETURN(FedObject obj, DeserializeFedObject(bytes));
  if (obj.type != FedObject::Type::kString) {
    return Status::InvalidArgument(std::string(kDataIds) + " from the guest: expected a string");
  }
  std::unordered_map<std::string_view, size_t> index;
  index.reserve(data.ids.size());
  for (size_t i = 0; i < data.ids.size(); ++i) index.emplace(data.ids[i], i);
  std::vector<size_t> rows;
  std::string_view rest(obj.str);
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view id = rest.substr(0, end);
    auto it = index.find(id);
    if (it == index.end()) {
      return Status::InvalidArgument("HeteroLR: id " + std::string(id) +
                                     " of the guest is not in host " + std::to_string(host_party) +
                                     "'s data: put an Intersection before HeteroLR");
    }
    rows.push_back(it->second);
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  }
  return rows;
}

// Sends the host's wx_h for the aligned rows to the guest ("host_prob").
Status HostSendProb(const ml::LinearWeights& w, const LrPartyData& data,
                    const std::vector<size_t>& rows, const FedParty& guest, LrChannel* ch) {
  ASSIGN_OR_RETURN(std::vector<double> wx, ml::LinearPredictor(data.x.SelectRows(rows), w));
  return SendDoubles(ch, kHostProb, std::move(wx), {guest});
}

}  // namespace

// --- Guest --------------------------------------------------------------------------------

Result<LrTrainResult> TrainHeteroLrGuest(const HeteroLrParams& p, const LrPartyData& data,
                                         LrChannel* ch) {
  const Clock::time_point start = Clock::now();
  LrTrainResult result;
  const std::vector<FedParty> hosts = ch->Parties("host");
  if (hosts.empty()) return Status::InvalidArgument("HeteroLR needs at least one host");
  ASSIGN_OR_RETURN(FedParty arbiter, OnlyParty(*ch, "arbiter"));
  const size_t n = data.ids.size();
  if (n == 0) return Status::InvalidArgument("HeteroLR: the guest's training data has no rows");
  if (data.x.rows() != n) return Status::Internal("guest data: rows and ids differ");
  ASSIGN_OR_RETURN(std::vector<int> y, SignedLabels(data.labels, n));

  ASSIGN_OR_RETURN(PublicKey pk, RecvPublicKey(ch, arbiter));
  std::string ids;
  for (const std::string& id : data.ids) ids += id + "\n";
  RETURN_NOT_OK(SendObject(ch, kDataIds, FedObject::String(std::move(ids)), hosts));
  ASSIGN_OR_RETURN(std::vector<std::vector<size_t>> batches, ml::MiniBatchIndexes(n, p.batch_size));
  BatchInfo info{static_cast<int64_t>(batches.size()), p.batch_size, static_cast<int64_t>(n),
                 p.shuffle && batches.size() > 1};
  RETURN_NOT_OK(SendDoubles(ch, kBatchInfo, info.ToVector(), Join(hosts, {arbiter})));

  ml::LinearWeights w = ml::InitWeights(data.x.cols(), p.init);
  ml::Optimizer opt(p.optimizer_options());
  std::mt19937 shuffle_rng(std::random_device{}());
  for (int64_t iter = 0; iter < p.max_iter; ++iter) {
    opt.set_iters(iter);
    if (info.shuffled) {
      ASSIGN_OR_RETURN(batches, ml::MiniBatchIndexes(n, p.batch_size, &shuffle_rng));
      std::vector<double> order;
      for (const auto& batch : batches) order.insert(order.end(), batch.begin(), batch.end());
      RETURN_NOT_OK(SendDoubles(ch, kBatchIndex, std::move(order), hosts));
    }
    for (const std::vector<size_t>& batch : batches) {
      RETURN_NOT_OK(CheckStop(ch));
      const size_t m = batch.size();
      const ml::FeatureMatrix xb = data.x.SelectRows(batch);
      std::vector<int> yb(m);
      for (size_t i = 0; i < m; ++i) yb[i] = y[batch[i]];
      ASSIGN_OR_RETURN(std::vector<double> wx_g, ml::LinearPredictor(xb, w));
      ASSIGN_OR_RETURN(std::vector<double> half_d, ml::ForeGradient(wx_g, yb));

      std::vector<Ciphers> forwards;
      for (const FedParty& host : hosts) {
        ASSIGN_OR_RETURN(Ciphers fw, RecvCiphers(ch, kHostForward, pk, host, m));
        forwards.push_back(std::move(fw));
      }
      // [[d]] under fresh randomness: a host that kept its [[0.25 wx_h]] could otherwise divide
      // it out of [[d]] and read 0.25 wx_g - 0.5 y, the guest's labels (docs/PAILLIER.md).
      Ciphers d(m);
      {
        PaillierTimer timer(&result.paillier_seconds);
        RETURN_NOT_OK(ParallelFor(m, [&](size_t begin, size_t end) -> Status {
          for (size_t i = begin; i < end; ++i) {
            ASSIGN_OR_RETURN(d[i], crypto::AddPlain(pk, forwards[0][i], half_d[i]));
            for (size_t h = 1; h < forwards.size(); ++h) {
              ASSIGN_OR_RETURN(d[i], crypto::Add(pk, d[i], forwards[h][i]));
            }
            ASSIGN_OR_RETURN(d[i], crypto::Rerandomize(pk, d[i]));
          }
          return Status::OK();
        }));
      }
      RETURN_NOT_OK(SendCiphers(ch, kForeGradient, pk, d, hosts));
      Ciphers gradient;
      {
        PaillierTimer timer(&result.paillier_seconds);
        ASSIGN_OR_RETURN(gradient,
                         EncryptedGradient(pk, xb, d, w.fit_intercept, p.floating_point_precision));
        RETURN_NOT_OK(AddRegular(pk, opt, w, &gradient));
      }
      RETURN_NOT_OK(SendCiphers(ch, kGuestGradient, pk, gradient, {arbiter}));

      // The loss of the weights before this batch's update.
      std::vector<Ciphers> host_terms;
      for (const FedParty& host : hosts) {
        ASSIGN_OR_RETURN(Ciphers square, RecvCiphers(ch, kLossIntermediate, pk, host, 1));
        ASSIGN_OR_RETURN(Ciphers regular, RecvCiphers(ch, kHostLossRegular, pk, host, 1));
        host_terms.push_back({square[0], regular[0]});
      }
      if (hosts.size() == 1) {
        // loss = log 2 - 0.5/m sum y (wx_g + wx_h) + 0.125/m sum (wx_g + wx_h)^2 + penalties
        // with wx_h = 4 [[0.25 wx_h]]: the terms in [[0.25 wx_h]] are sum (wx_g - 2y) fw / m.
        double plain = 0, ywx = 0, square = 0;
        std::vector<double> k(m);
        for (size_t i = 0; i < m; ++i) {
          ywx += yb[i] * wx_g[i];
          square += wx_g[i] * wx_g[i];
          k[i] = wx_g[i] - 2.0 * yb[i];
        }
        const double inv_m = 1.0 / static_cast<double>(m);
        plain = std::log(2.0) - 0.5 * ywx * inv_m + 0.125 * square * inv_m +
                opt.LossNorm(w).value_or(0.0);
        EncryptedNumber loss;
        {
          PaillierTimer timer(&result.paillier_seconds);
          ASSIGN_OR_RETURN(EncryptedNumber cross, crypto::DotProduct(pk, forwards[0], k));
          ASSIGN_OR_RETURN(cross, crypto::MulScalar(pk, cross, inv_m));
          ASSIGN_OR_RETURN(EncryptedNumber host_square,
                           crypto::MulScalar(pk, host_terms[0][0], 0.125 * inv_m));
          ASSIGN_OR_RETURN(loss, crypto::Add(pk, cross, host_square));
          ASSIGN_OR_RETURN(loss, crypto::Add(pk, loss, host_terms[0][1]));
          ASSIGN_OR_RETURN(loss, crypto::AddPlain(pk, loss, plain));
        }
        RETURN_NOT_OK(SendCiphers(ch, kLoss, pk, {loss}, {arbiter}));
      }
      ASSIGN_OR_RETURN(
          std::vector<double> step,
          RecvDoubles(ch, kGuestOptimGradient, arbiter, static_cast<int64_t>(w.values.size())));
      ASSIGN_OR_RETURN(w, opt.UpdateModel(w, step));
    }
    ASSIGN_OR_RETURN(std::vector<double> flag, RecvDoubles(ch, kConvergeFlag, arbiter, 1));
    result.iterations = iter + 1;
    result.converged = flag[0] != 0;
    if (result.converged) break;
  }
  result.train_seconds = SecondsSince(start);
  result.weights = w;
  ASSIGN_OR_RETURN(result.scores, GuestScores(w, data, hosts, ch));
  return result;
}

// --- Host ---------------------------------------------------------------------------------

Result<LrTrainResult> TrainHeteroLrHost(const HeteroLrParams& p, const LrPartyData& data,
                                        LrChannel* ch) {
  const Clock::time_point start = Clock::now();
  LrTrainResult result;
  ASSIGN_OR_RETURN(FedParty guest, OnlyParty(*ch, "guest"));
  ASSIGN_OR_RETURN(FedParty arbiter, OnlyParty(*ch, "arbiter"));
  if (data.x.rows() != data.ids.size()) return Status::Internal("host data: rows and ids differ");
  ASSIGN_OR_RETURN(PublicKey pk, RecvPublicKey(ch, arbiter));
  ASSIGN_OR_RETURN(std::vector<size_t> aligned,
                   HostAlignment(data, guest, ch->self_party_id(), ch));
  ASSIGN_OR_RETURN(std::vector<double> info_values, RecvDoubles(ch, kBatchInfo, guest, 4));
  const BatchInfo info = BatchInfo::FromVector(info_values);
  if (info.rows != static_cast<int64_t>(aligned.size())) {
    return Status::InvalidArgument("batch_info from the guest: " + std::to_string(info.rows) +
                                   " rows, but the guest sent " + std::to_string(aligned.size()) +
                                   " ids");
  }
  std::vector<size_t> order(aligned.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::vector<std::vector<size_t>> batches = Slice(order, info);

  // Hosts never fit an intercept (FATE forces fit_intercept off on hosts).
  ml::InitParam init = p.init;
  init.fit_intercept = false;
  ml::LinearWeights w = ml::InitWeights(data.x.cols(), init);
  ml::Optimizer opt(p.optimizer_options());
  for (int64_t iter = 0; iter < p.max_iter; ++iter) {
    opt.set_iters(iter);
    if (info.shuffled) {
      ASSIGN_OR_RETURN(std::vector<double> sent, RecvDoubles(ch, kBatchIndex, guest, info.rows));
      for (size_t i = 0; i < sent.size(); ++i) {
        if (sent[i] < 0 || sent[i] >= static_cast<double>(aligned.size())) {
          return Status::InvalidArgument("batch_index from the guest: row out of range");
        }
        order[i] = static_cast<size_t>(sent[i]);
      }
      batches = Slice(order, info);
    }
    if (static_cast<int64_t>(batches.size()) != info.batch_num) {
      return Status::InvalidArgument(
          "batch_info from the guest: " + std::to_string(info.batch_num) +
          " batches, the host cuts " + std::to_string(batches.size()));
    }
    for (const std::vector<size_t>& batch : batches) {
      RETURN_NOT_OK(CheckStop(ch));
      const size_t m = batch.size();
      std::vector<size_t> rows(m);
      for (size_t i = 0; i < m; ++i) rows[i] = aligned[batch[i]];
      const ml::FeatureMatrix xb = data.x.SelectRows(rows);
      ASSIGN_OR_RETURN(std::vector<double> wx_h, ml::LinearPredictor(xb, w));
      std::vector<double> quarter(m);
      double square = 0;
      for (size_t i = 0; i < m; ++i) {
        quarter[i] = 0.25 * wx_h[i];
        square += wx_h[i] * wx_h[i];
      }
      Ciphers forward;
      {
        PaillierTimer timer(&result.paillier_seconds);
        ASSIGN_OR_RETURN(forward, EncryptParallel(pk, quarter));
      }
      RETURN_NOT_OK(SendCiphers(ch, kHostForward, pk, forward, {guest}));
      ASSIGN_OR_RETURN(Ciphers d, RecvCiphers(ch, kForeGradient, pk, guest, m));
      Ciphers gradient;
      Ciphers loss_terms;
      {
        PaillierTimer timer(&result.paillier_seconds);
        ASSIGN_OR_RETURN(gradient, EncryptedGradient(pk, xb, d, false, p.floating_point_precision));
        RETURN_NOT_OK(AddRegular(pk, opt, w, &gradient));
        ASSIGN_OR_RETURN(loss_terms,
                         crypto::EncryptVector(pk, {square, opt.LossNorm(w).value_or(0.0)}));
      }
      RETURN_NOT_OK(SendCiphers(ch, kHostGradient, pk, gradient, {arbiter}));
      RETURN_NOT_OK(SendCiphers(ch, kLossIntermediate, pk, {loss_terms[0]}, {guest}));
      RETURN_NOT_OK(SendCiphers(ch, kHostLossRegular, pk, {loss_terms[1]}, {guest}));
      ASSIGN_OR_RETURN(
          std::vector<double> step,
          RecvDoubles(ch, kHostOptimGradient, arbiter, static_cast<int64_t>(w.values.size())));
      ASSIGN_OR_RETURN(w, opt.UpdateModel(w, step));
    }
    ASSIGN_OR_RETURN(std::vector<double> flag, RecvDoubles(ch, kConvergeFlag, arbiter, 1));
    result.iterations = iter + 1;
    result.converged = flag[0] != 0;
    if (result.converged) break;
  }
  result.train_seconds = SecondsSince(start);
  result.weights = w;
  RETURN_NOT_OK(HostSendProb(w, data, aligned, guest, ch));
  return result;
}

// --- Arbiter ------------------------------------------------------------------------------

Result<LrTrainResult> TrainHeteroLrArbiter(const HeteroLrParams& p, LrChannel* ch,
                                           const LrLossCallback& on_loss) {
  const Clock::time_point start = Clock::now();
  LrTrainResult result;
  ASSIGN_OR_RETURN(FedParty guest, OnlyParty(*ch, "guest"));
  const std::vector<FedParty> hosts = ch->Parties("host");
  if (hosts.empty()) return Status::InvalidArgument("HeteroLR needs at least one host");
  const std::vector<FedParty> parties = Join(hosts, {guest});

  Result<crypto::KeyPair> generated = crypto::GenerateKeyPair(p.key_length);
  if (!generated.ok()) return generated.status().CloneAndPrepend("HeteroLR: Paillier keygen");
  const crypto::KeyPair key = std::move(generated).value();
  const PublicKey& pk = key.public_key;
  RETURN_NOT_OK(ch->Send(kPubKey, crypto::SerializePublicKey(pk), parties));
  ASSIGN_OR_RETURN(std::vector<double> info_values, RecvDoubles(ch, kBatchInfo, guest, 4));
  const BatchInfo info = BatchInfo::FromVector(info_values);
  if (info.batch_num <= 0) return Status::InvalidArgument("batch_info from the guest: no batch");

  // FATE computes the loss with one host only.
  const bool has_loss = hosts.size() == 1;
  ml::Optimizer opt(p.optimizer_options());
  ml::ConvergenceCheck convergence(p.early_stop, p.tol);
  for (int64_t iter = 0; iter < p.max_iter; ++iter) {
    opt.set_iters(iter);
    std::vector<double> total_step;
    double iter_loss = 0;
    for (int64_t b = 0; b < info.batch_num; ++b) {
      RETURN_NOT_OK(CheckStop(ch));
      std::vector<double> gradient;
      std::vector<size_t> sizes;
      for (const FedParty& party : parties) {
        const char* tag = party.role == "guest" ? kGuestGradient : kHostGradient;
        ASSIGN_OR_RETURN(std::string bytes, ch->Recv(tag, party));
        Result<Ciphers> enc = crypto::DeserializeCiphertexts(pk, bytes);
        if (!enc.ok()) return enc.status().CloneAndPrepend(tag + (" from " + Describe(party)));
        PaillierTimer timer(&result.paillier_seconds);
        ASSIGN_OR_RETURN(std::vector<double> plain, crypto::DecryptVector(key.private_key, *enc));
        sizes.push_back(plain.size());
        gradient.insert(gradient.end(), plain.begin(), plain.end());
      }
      ASSIGN_OR_RETURN(std::vector<double> step, opt.ApplyGradients(gradient));
      size_t offset = 0;
      for (size_t i = 0; i < parties.size(); ++i) {
        const char* tag = parties[i].role == "guest" ? kGuestOptimGradient : kHostOptimGradient;
        std::vector<double> part(step.begin() + offset, step.begin() + offset + sizes[i]);
        offset += sizes[i];
        RETURN_NOT_OK(SendDoubles(ch, tag, std::move(part), {parties[i]}));
      }
      if (total_step.empty()) total_step.assign(step.size(), 0.0);
      for (size_t i = 0; i < step.size(); ++i) total_step[i] += step[i];
      if (has_loss) {
        ASSIGN_OR_RETURN(Ciphers loss, RecvCiphers(ch, kLoss, pk, guest, 1));
        PaillierTimer timer(&result.paillier_seconds);
        Result<double> plain = crypto::Decrypt(key.private_key, loss[0]);
        if (!plain.ok()) return plain.status().CloneAndPrepend("HeteroLR: the loss");
        iter_loss += *plain;
      }
    }
    bool converged = false;
    if (has_loss) {
      iter_loss /= static_cast<double>(info.batch_num);
      result.loss_history.push_back(iter_loss);
      if (on_loss) RETURN_NOT_OK(on_loss(iter, iter_loss));
    }
    if (p.early_stop == ml::EarlyStop::kWeightDiff) {
      converged = convergence.IsConvergedStep(total_step);
    } else if (has_loss) {
      converged = convergence.IsConvergedLoss(iter_loss);
    }
    RETURN_NOT_OK(SendDoubles(ch, kConvergeFlag, {converged ? 1.0 : 0.0}, parties));
    result.iterations = iter + 1;
    result.converged = converged;
    if (converged) break;
  }
  result.train_seconds = SecondsSince(start);
  return result;
}

// --- Prediction ---------------------------------------------------------------------------

Result<std::vector<double>> PredictHeteroLrGuest(const ml::LinearWeights& weights,
                                                 const LrPartyData& data, LrChannel* ch) {
  const std::vector<FedParty> hosts = ch->Parties("host");
  if (hosts.empty()) return Status::InvalidArgument("HeteroLR needs at least one host");
  std::string ids;
  for (const std::string& id : data.ids) ids += id + "\n";
  RETURN_NOT_OK(SendObject(ch, kDataIds, FedObject::String(std::move(ids)), hosts));
  return GuestScores(weights, data, hosts, ch);
}

Status PredictHeteroLrArbiter(LrChannel* ch) {
  for (const FedParty& host : ch->Parties("host")) {
    RETURN_NOT_OK(ch->Recv(kPredictStart, host).status());
  }
  return Status::OK();
}

Status PredictHeteroLrHost(const ml::LinearWeights& weights, const LrPartyData& data,
                           LrChannel* ch) {
  ASSIGN_OR_RETURN(FedParty guest, OnlyParty(*ch, "guest"));
  ASSIGN_OR_RETURN(std::vector<size_t> aligned,
                   HostAlignment(data, guest, ch->self_party_id(), ch));
  const std::vector<FedParty> arbiters = ch->Parties("arbiter");
  if (!arbiters.empty()) {
    RETURN_NOT_OK(SendObject(ch, kPredictStart, FedObject::String(""), arbiters));
  }
  return HostSendProb(weights, data, aligned, guest, ch);
}

}  // namespace fedflow
