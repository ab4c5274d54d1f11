// HeteroLR training: seconds per epoch, beside the floor set by the epoch's Paillier work.
//
// Generates a deterministic data set (default 10,000 rows; the guest has 30 features and a
// binary label, the host 300 features), runs the real protocol (TrainHeteroLrGuest / Host /
// Arbiter of party-agent/components/hetero_lr_protocol.h) on three threads over the in-memory
// channel of hetero_lr_memory_channel.h, and times each epoch: from the guest's "batch_info"
// (epoch 1) or the arbiter's previous "converge_flag" to the arbiter's "converge_flag" of the
// epoch. Parameters are FATE's HeteroLR defaults (L2, alpha 1, rmsprop, random_uniform init,
// fixed-point features with floating_point_precision 23) except key length, batch size and
// max_iter from the flags, and tol 0 so that every requested epoch runs.
//
// The floor: the same epoch's Paillier operations alone, executed directly with common/crypto
// on the same data (the same feature columns, as the protocol's fixed-point grid 2^-23), batch
// by batch, each step on the threads the protocol gives it (hetero_lr::ParallelFor: up to
// hardware_concurrency threads, at most 8; single-threaded steps stay single-threaded). The
// plaintexts come from initial weights rather than the protocol's current ones: what sets the
// cost (the sizes, the feature columns as dot-product scalars, the 1/m scalars) is the same. Per
// batch of m rows, with G guest and H host features and one host:
//   host     encrypt 0.25 wx_h                           m encryptions            (parallel)
//   guest    [[d]] = [[0.25 wx_h]] + plain part          m plaintext additions    (parallel)
//   guest    re-randomise [[d]]                          m re-randomisations      (parallel)
//   host     X_h^T [[d]]                                 H dot products of m terms (parallel)
//   guest    X_g^T [[d]]                                 G dot products of m terms (parallel)
//   guest    intercept: sum [[d]]                        m - 1 additions          (1 thread)
//   both     gradient * 1/m                              H + G + 1 scalar mults   (parallel)
//   both     + alpha * coef (L2)                         H + G plaintext additions (1 thread)
//   host     encrypt sum wx_h^2 and its penalty          2 encryptions            (1 thread)
//   guest    loss: [[0.25 wx_h]] . (wx_g - 2y)           1 dot product of m terms (1 thread)
//   guest    loss: the remaining terms                   2 scalar mults, 2 additions,
//                                                        1 plaintext addition     (1 thread)
//   arbiter  decrypt the gradients                       H + G + 1 decryptions    (1 thread)
//   arbiter  decrypt the loss                            1 decryption             (1 thread)
// The steps run one after another, as the protocol's data dependencies order them (the host's
// and the guest's gradients may overlap in the protocol, but each already uses every core).
// The floor runs twice, before and after the protocol, and the ratio uses the mean of the two,
// so that a change of the machine's load during the run does not favour either side. Beside
// wall time the program prints the process's CPU time (all threads) of each epoch and of the
// floor: on a shared machine that ratio hardly depends on what else runs. The protocol's
// seconds per epoch are the mean of epochs 2.. (epoch 1 is printed apart).
// Not in the floor: key generation, the obfuscation tables (built before the floor is timed;
// in the protocol the host and the guest each build theirs during epoch 1, so epoch 1 is
// printed apart), ciphertext (de)serialisation and its range checks, message copies, the
// plaintext maths (linear predictors, row selection, the optimizer) and thread start-up.
//
//   build/bin/hetero_lr_bench [--hetero_lr_bench_key_bits=1024[,2048]]
//       [--hetero_lr_bench_rows=10000] [--hetero_lr_bench_guest_features=30]
//       [--hetero_lr_bench_host_features=300] [--hetero_lr_bench_batch_size=-1]
//       [--hetero_lr_bench_epochs=3] [--hetero_lr_bench_seed=42]
#include <gflags/gflags.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/paillier.h"
#include "common/crypto/paillier_vector.h"
#include "common/json_util.h"
#include "common/ml/linear_model.h"
#include "common/status.h"
#include "party-agent/components/hetero_lr_memory_channel.h"
#include "party-agent/components/hetero_lr_params.h"
#include "party-agent/components/hetero_lr_protocol.h"
#include "party-agent/components/hetero_lr_util.h"

DEFINE_string(hetero_lr_bench_key_bits, "1024", "Comma-separated Paillier modulus sizes");
DEFINE_int64(hetero_lr_bench_rows, 10000, "Rows of the generated data");
DEFINE_int64(hetero_lr_bench_guest_features, 30, "Guest features");
DEFINE_int64(hetero_lr_bench_host_features, 300, "Host features");
DEFINE_int64(hetero_lr_bench_batch_size, -1, "HeteroLR batch_size (-1: one batch of all rows)");
DEFINE_int64(hetero_lr_bench_epochs, 3, "Epochs (max_iter) to run");
DEFINE_uint64(hetero_lr_bench_seed, 42, "Seed of the generated data");

namespace fedflow {
namespace {

using crypto::EncryptedNumber;
using hetero_lr::Ciphers;
using hetero_lr::Clock;
using hetero_lr::ParallelFor;
using hetero_lr::SecondsSince;

const FedParty kGuest{"guest", 10000};
const FedParty kHost{"host", 9999};
const FedParty kArbiter{"arbiter", 9999};

void Die(const Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
  std::exit(1);
}

// CPU seconds of the whole process (every thread): unlike wall time, hardly changed by other
// processes on a shared machine.
double ProcessCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

void PrintLoad(const char* when) {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) {
    std::printf("load average (%s): %.2f %.2f %.2f\n", when, load[0], load[1], load[2]);
  }
}

// Standard normal features; labels drawn from a logistic model over all features of both
// parties, so that training has something to find.
void Generate(LrPartyData* guest, LrPartyData* host) {
  const size_t rows = static_cast<size_t>(FLAGS_hetero_lr_bench_rows);
  const size_t gf = static_cast<size_t>(FLAGS_hetero_lr_bench_guest_features);
  const size_t hf = static_cast<size_t>(FLAGS_hetero_lr_bench_host_features);
  std::mt19937_64 rng(FLAGS_hetero_lr_bench_seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<double> truth(gf + hf);
  for (double& t : truth) t = normal(rng) / std::sqrt(static_cast<double>(gf + hf));
  guest->x = ml::FeatureMatrix(rows, gf);
  host->x = ml::FeatureMatrix(rows, hf);
  for (size_t f = 0; f < gf; ++f) guest->feature_names.push_back("x" + std::to_string(f));
  for (size_t f = 0; f < hf; ++f) host->feature_names.push_back("h" + std::to_string(f));
  for (size_t r = 0; r < rows; ++r) {
    double z = 0;
    for (size_t f = 0; f < gf; ++f) z += truth[f] * (guest->x.at(r, f) = normal(rng));
    for (size_t f = 0; f < hf; ++f) z += truth[gf + f] * (host->x.at(r, f) = normal(rng));
    guest->ids.push_back("id" + std::to_string(r));
    guest->labels.push_back(unit(rng) < ml::Sigmoid(3.0 * z) ? 1.0 : 0.0);
  }
  host->ids = guest->ids;
}

// The times at which each epoch ends (the arbiter sends "converge_flag"), after the time the
// first begins (the guest sends "batch_info"). Thread-safe.
class EpochClock {
 public:
  void Mark() {
    std::lock_guard<std::mutex> l(mu_);
    marks_.push_back(Clock::now());
    cpu_marks_.push_back(ProcessCpuSeconds());
  }
  // Seconds of each epoch.
  std::vector<double> Epochs() {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<double> out;
    for (size_t i = 1; i < marks_.size(); ++i) {
      out.push_back(std::chrono::duration<double>(marks_[i] - marks_[i - 1]).count());
    }
    return out;
  }
  // Process CPU seconds of each epoch.
  std::vector<double> CpuEpochs() {
    std::lock_guard<std::mutex> l(mu_);
    std::vector<double> out;
    for (size_t i = 1; i < cpu_marks_.size(); ++i) out.push_back(cpu_marks_[i] - cpu_marks_[i - 1]);
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<Clock::time_point> marks_;  // GUARDED_BY(mu_)
  std::vector<double> cpu_marks_;         // GUARDED_BY(mu_)
};

// A MemoryLrChannel that marks the epoch clock when it sends `tag`.
class MarkingChannel : public MemoryLrChannel {
 public:
  MarkingChannel(FedParty self, std::vector<FedParty> all, LrMemoryExchange* exchange,
                 std::string tag, EpochClock* clock)
      : MemoryLrChannel(std::move(self), std::move(all), exchange, std::chrono::hours(2)),
        tag_(std::move(tag)),
        clock_(clock) {}
  Status Send(const std::string& tag, const std::string& bytes,
              const std::vector<FedParty>& dst) override {
    if (tag == tag_) clock_->Mark();
    return MemoryLrChannel::Send(tag, bytes, dst);
  }

 private:
  const std::string tag_;
  EpochClock* const clock_;
};

struct ProtocolRun {
  std::vector<double> epoch_seconds;
  std::vector<double> epoch_cpu_seconds;
  std::vector<double> losses;
  LrTrainResult guest, host, arbiter;
};

ProtocolRun RunProtocol(const HeteroLrParams& p, const LrPartyData& guest,
                        const LrPartyData& host) {
  LrMemoryExchange exchange;
  EpochClock clock;
  const std::vector<FedParty> all = {kGuest, kHost, kArbiter};
  MarkingChannel g(kGuest, all, &exchange, hetero_lr::kBatchInfo, &clock);
  MemoryLrChannel h(kHost, all, &exchange, std::chrono::hours(2));
  MarkingChannel a(kArbiter, all, &exchange, hetero_lr::kConvergeFlag, &clock);
  Result<LrTrainResult> rg = Status::Internal("not run"), rh = rg, ra = rg;
  ProtocolRun run;
  std::thread tg([&] { rg = TrainHeteroLrGuest(p, guest, &g); });
  std::thread th([&] { rh = TrainHeteroLrHost(p, host, &h); });
  std::thread ta([&] {
    ra = TrainHeteroLrArbiter(p, &a, [&](int64_t, double loss) {
      run.losses.push_back(loss);
      return Status::OK();
    });
  });
  tg.join();
  th.join();
  ta.join();
  Die(rg.status(), "guest");
  Die(rh.status(), "host");
  Die(ra.status(), "arbiter");
  run.guest = *rg;
  run.host = *rh;
  run.arbiter = *ra;
  run.epoch_seconds = clock.Epochs();
  run.epoch_cpu_seconds = clock.CpuEpochs();
  return run;
}

// One line of the floor: an operation, how many times one epoch does it, on how many threads,
// and the wall time it took.
struct FloorStep {
  std::string what;
  int64_t count = 0;
  size_t threads = 1;
  double seconds = 0;
  double cpu_seconds = 0;  // of the process
};

size_t ParallelThreads(size_t n) {
  size_t threads = std::max(1u, std::thread::hardware_concurrency());
  return std::min<size_t>({threads, 8, n});
}

// Adds `seconds` and `count` to the step named `what`, appending it on first use.
void Account(std::vector<FloorStep>* steps, const std::string& what, int64_t count, size_t threads,
             double seconds, double cpu_seconds) {
  for (FloorStep& s : *steps) {
    if (s.what == what) {
      s.count += count;
      s.seconds += seconds;
      s.cpu_seconds += cpu_seconds;
      return;
    }
  }
  steps->push_back({what, count, threads, seconds, cpu_seconds});
}

// Times fn, which does `count` operations of step `what` on `threads` threads.
void Timed(std::vector<FloorStep>* steps, const std::string& what, int64_t count, size_t threads,
           const std::function<Status()>& fn) {
  const Clock::time_point start = Clock::now();
  const double cpu_start = ProcessCpuSeconds();
  Die(fn(), what.c_str());
  Account(steps, what, count, threads, SecondsSince(start), ProcessCpuSeconds() - cpu_start);
}

// The feature column as the protocol's EncryptedGradient sees it: FATE's fixed point when
// rows * cols > 100.
std::vector<double> Column(const ml::FeatureMatrix& x, size_t c, std::optional<int> precision) {
  const bool fixed_point = precision.has_value() && x.rows() * x.cols() > 100;
  const double scale = fixed_point ? std::ldexp(1.0, *precision) : 1.0;
  std::vector<double> column(x.rows());
  for (size_t r = 0; r < x.rows(); ++r) {
    column[r] = fixed_point ? std::nearbyint(x.at(r, c) * scale) / scale : x.at(r, c);
  }
  return column;
}

// The Paillier operations of one epoch, step by step (see the header comment).
std::vector<FloorStep> RunFloor(const HeteroLrParams& p, const crypto::KeyPair& key,
                                const LrPartyData& guest, const LrPartyData& host) {
  const crypto::PublicKey& pk = key.public_key;
  std::vector<FloorStep> steps;
  const size_t n = guest.ids.size();
  Result<std::vector<std::vector<size_t>>> batches = ml::MiniBatchIndexes(n, p.batch_size);
  Die(batches.status(), "batches");
  ml::InitParam init = p.init;
  init.random_seed = 7;
  const ml::LinearWeights wg = ml::InitWeights(guest.x.cols(), init);
  init.fit_intercept = false;
  const ml::LinearWeights wh = ml::InitWeights(host.x.cols(), init);
  std::vector<int> y(n);
  for (size_t i = 0; i < n; ++i) y[i] = guest.labels[i] == 1.0 ? 1 : -1;

  for (const std::vector<size_t>& batch : *batches) {
    const size_t m = batch.size();
    const ml::FeatureMatrix xg = guest.x.SelectRows(batch), xh = host.x.SelectRows(batch);
    std::vector<int> yb(m);
    for (size_t i = 0; i < m; ++i) yb[i] = y[batch[i]];
    std::vector<double> wx_g = *ml::LinearPredictor(xg, wg), wx_h = *ml::LinearPredictor(xh, wh);
    std::vector<double> quarter(m), half_d = *ml::ForeGradient(wx_g, yb), k(m);
    double square = 0;
    for (size_t i = 0; i < m; ++i) {
      quarter[i] = 0.25 * wx_h[i];
      square += wx_h[i] * wx_h[i];
      k[i] = wx_g[i] - 2.0 * yb[i];
    }
    std::vector<std::vector<double>> hcols(xh.cols()), gcols(xg.cols());
    for (size_t c = 0; c < xh.cols(); ++c) hcols[c] = Column(xh, c, p.floating_point_precision);
    for (size_t c = 0; c < xg.cols(); ++c) gcols[c] = Column(xg, c, p.floating_point_precision);
    const double inv_m = 1.0 / static_cast<double>(m);
    const int64_t mi = static_cast<int64_t>(m);

    Ciphers forward(m), d(m);
    Timed(&steps, "host    encrypt 0.25 wx_h", mi, ParallelThreads(m), [&] {
      return ParallelFor(m, [&](size_t b, size_t e) -> Status {
        for (size_t i = b; i < e; ++i) {
          ASSIGN_OR_RETURN(forward[i], crypto::Encrypt(pk, quarter[i]));
        }
        return Status::OK();
      });
    });
    Timed(&steps, "guest   [[d]]: add plaintext", mi, ParallelThreads(m), [&] {
      return ParallelFor(m, [&](size_t b, size_t e) -> Status {
        for (size_t i = b; i < e; ++i) {
          ASSIGN_OR_RETURN(d[i], crypto::AddPlain(pk, forward[i], half_d[i]));
        }
        return Status::OK();
      });
    });
    Timed(&steps, "guest   [[d]]: re-randomise", mi, ParallelThreads(m), [&] {
      return ParallelFor(m, [&](size_t b, size_t e) -> Status {
        for (size_t i = b; i < e; ++i) {
          ASSIGN_OR_RETURN(d[i], crypto::Rerandomize(pk, d[i]));
        }
        return Status::OK();
      });
    });
    Ciphers hgrad(hcols.size()), ggrad(gcols.size() + 1);
    Timed(&steps, "host    gradient: dot-product terms", mi * static_cast<int64_t>(hcols.size()),
          ParallelThreads(hcols.size()), [&] {
            return ParallelFor(hcols.size(), [&](size_t b, size_t e) -> Status {
              for (size_t c = b; c < e; ++c) {
                ASSIGN_OR_RETURN(hgrad[c], crypto::DotProduct(pk, d, hcols[c]));
              }
              return Status::OK();
            });
          });
    Timed(&steps, "guest   gradient: dot-product terms", mi * static_cast<int64_t>(gcols.size()),
          ParallelThreads(gcols.size()), [&] {
            return ParallelFor(gcols.size(), [&](size_t b, size_t e) -> Status {
              for (size_t c = b; c < e; ++c) {
                ASSIGN_OR_RETURN(ggrad[c], crypto::DotProduct(pk, d, gcols[c]));
              }
              return Status::OK();
            });
          });
    Timed(&steps, "guest   gradient: intercept additions", mi - 1, 1, [&]() -> Status {
      EncryptedNumber sum = d.front();
      for (size_t r = 1; r < m; ++r) {
        ASSIGN_OR_RETURN(sum, crypto::Add(pk, sum, d[r]));
      }
      ggrad.back() = sum;
      return Status::OK();
    });
    Ciphers grads = hgrad;
    grads.insert(grads.end(), ggrad.begin(), ggrad.end());
    Timed(&steps, "both    gradient: scalar mult by 1/m", static_cast<int64_t>(grads.size()),
          ParallelThreads(grads.size()), [&] {
            return ParallelFor(grads.size(), [&](size_t b, size_t e) -> Status {
              for (size_t c = b; c < e; ++c) {
                ASSIGN_OR_RETURN(grads[c], crypto::MulScalar(pk, grads[c], inv_m));
              }
              return Status::OK();
            });
          });
    if (p.penalty == ml::Penalty::kL2) {
      const int64_t coefs = static_cast<int64_t>(hcols.size() + gcols.size());
      Timed(&steps, "both    gradient: L2 plaintext additions", coefs, 1, [&]() -> Status {
        // grads is [host coefs..., guest coefs..., intercept]: the intercept has no penalty.
        for (size_t i = 0; i < static_cast<size_t>(coefs); ++i) {
          const double coef = i < hcols.size() ? wh.values[i] : wg.values[i - hcols.size()];
          ASSIGN_OR_RETURN(grads[i], crypto::AddPlain(pk, grads[i], p.alpha * coef));
        }
        return Status::OK();
      });
    }
    Ciphers loss_terms;
    Timed(&steps, "host    encrypt loss terms", 2, 1, [&]() -> Status {
      ASSIGN_OR_RETURN(loss_terms, crypto::EncryptVector(pk, {square, 0.5}));
      return Status::OK();
    });
    EncryptedNumber loss;
    Timed(&steps, "guest   loss: dot-product terms", mi, 1, [&]() -> Status {
      ASSIGN_OR_RETURN(loss, crypto::DotProduct(pk, forward, k));
      return Status::OK();
    });
    Timed(&steps, "guest   loss: 2 scalar mults, 3 additions", 5, 1, [&]() -> Status {
      ASSIGN_OR_RETURN(loss, crypto::MulScalar(pk, loss, inv_m));
      ASSIGN_OR_RETURN(EncryptedNumber sq, crypto::MulScalar(pk, loss_terms[0], 0.125 * inv_m));
      ASSIGN_OR_RETURN(loss, crypto::Add(pk, loss, sq));
      ASSIGN_OR_RETURN(loss, crypto::Add(pk, loss, loss_terms[1]));
      ASSIGN_OR_RETURN(loss, crypto::AddPlain(pk, loss, 0.69));
      return Status::OK();
    });
    Timed(&steps, "arbiter decrypt gradients", static_cast<int64_t>(grads.size()), 1,
          [&]() -> Status { return crypto::DecryptVector(key.private_key, grads).status(); });
    Timed(&steps, "arbiter decrypt loss", 1, 1,
          [&]() -> Status { return crypto::Decrypt(key.private_key, loss).status(); });
  }
  return steps;
}

double Mean(const std::vector<double>& v, size_t from) {
  double sum = 0;
  for (size_t i = from; i < v.size(); ++i) sum += v[i];
  return v.size() > from ? sum / static_cast<double>(v.size() - from) : 0;
}

int Run(int bits, const LrPartyData& guest, const LrPartyData& host) {
  Json params = {{"max_iter", FLAGS_hetero_lr_bench_epochs},
                 {"batch_size", FLAGS_hetero_lr_bench_batch_size},
                 {"encrypt_param", {{"key_length", bits}}}};
  Result<HeteroLrParams> parsed = ParseHeteroLrParams(params);
  Die(parsed.status(), "parameters");
  HeteroLrParams p = *parsed;
  p.tol = 0;  // run every epoch

  std::printf(
      "\n== %d-bit key, %zu rows, guest %zu features + label, host %zu features, "
      "batch_size %lld, %lld epochs ==\n",
      bits, guest.ids.size(), guest.x.cols(), host.x.cols(), static_cast<long long>(p.batch_size),
      static_cast<long long>(p.max_iter));
  Result<crypto::KeyPair> key = crypto::GenerateKeyPair(bits);
  Die(key.status(), "keygen");
  const Clock::time_point table_start = Clock::now();
  Die(key->public_key.Precompute(), "obfuscation table");
  const double table_seconds = SecondsSince(table_start);

  // The floor runs before and after the protocol, so that a change of the machine's load
  // during the run shows (and averages out).
  PrintLoad("before");
  const std::vector<FloorStep> before = RunFloor(p, *key, guest, host);
  PrintLoad("after floor 1");
  const ProtocolRun run = RunProtocol(p, guest, host);
  PrintLoad("after protocol");
  const std::vector<FloorStep> after = RunFloor(p, *key, guest, host);
  PrintLoad("after floor 2");

  std::printf("protocol (guest, host, arbiter on 3 threads, in-memory channel):\n");
  std::printf("  %-8s %9s %12s  %s\n", "epoch", "seconds", "CPU seconds", "loss");
  for (size_t i = 0; i < run.epoch_seconds.size(); ++i) {
    std::printf("  %-8zu %9.2f %12.2f  %.6f\n", i + 1, run.epoch_seconds[i],
                run.epoch_cpu_seconds[i], i < run.losses.size() ? run.losses[i] : NAN);
  }
  std::printf(
      "  Paillier time reported by the roles over all epochs: guest %.2f s, host %.2f s, "
      "arbiter %.2f s\n",
      run.guest.paillier_seconds, run.host.paillier_seconds, run.arbiter.paillier_seconds);

  std::printf(
      "floor (one epoch's Paillier operations alone, run before and after the protocol; "
      "obfuscation table %.2f s, not counted):\n",
      table_seconds);
  std::printf("  %-42s %9s %7s %9s %9s %11s %10s\n", "operation", "count", "threads", "s (1)",
              "s (2)", "CPU s (1)", "ops/s (1)");
  double floor[2] = {0, 0}, floor_cpu[2] = {0, 0};
  for (size_t i = 0; i < before.size(); ++i) {
    const FloorStep& b = before[i];
    const FloorStep& a = after[i];
    floor[0] += b.seconds;
    floor[1] += a.seconds;
    floor_cpu[0] += b.cpu_seconds;
    floor_cpu[1] += a.cpu_seconds;
    std::printf("  %-42s %9lld %7zu %9.3f %9.3f %11.3f %10.0f\n", b.what.c_str(),
                static_cast<long long>(b.count), b.threads, b.seconds, a.seconds, b.cpu_seconds,
                b.seconds > 0 ? static_cast<double>(b.count) / b.seconds : 0.0);
  }
  std::printf("  %-42s %9s %7s %9.3f %9.3f %11.3f\n", "total floor", "", "", floor[0], floor[1],
              floor_cpu[0]);

  const double floor_wall = (floor[0] + floor[1]) / 2,
               floor_cpu_mean = (floor_cpu[0] + floor_cpu[1]) / 2;
  const size_t from = run.epoch_seconds.size() > 1 ? 1 : 0;
  const double steady = Mean(run.epoch_seconds, from);
  const double steady_cpu = Mean(run.epoch_cpu_seconds, from);
  const double first = run.epoch_seconds.empty() ? 0 : run.epoch_seconds.front();
  std::printf(
      "summary, %d-bit key: floor %.2f s/epoch (mean of the two runs; CPU %.2f s); protocol "
      "%.2f s/epoch (mean of epochs %zu..%zu; CPU %.2f s): ratio %.2fx wall, %.2fx CPU; "
      "epoch 1 (builds the obfuscation tables) %.2f s, %.2fx\n",
      bits, floor_wall, floor_cpu_mean, steady, from + 1, run.epoch_seconds.size(), steady_cpu,
      steady / floor_wall, steady_cpu / floor_cpu_mean, first, first / floor_wall);
  return 0;
}

}  // namespace
}  // namespace fedflow

int main(int argc, char** argv) {
  gflags::SetUsageMessage("HeteroLR seconds per epoch beside the epoch's Paillier floor");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  fedflow::LrPartyData guest, host;
  fedflow::Generate(&guest, &host);
  std::printf(
      "fedflow HeteroLR training benchmark; %u hardware threads, Paillier steps on up to "
      "%zu threads\n",
      std::thread::hardware_concurrency(), fedflow::ParallelThreads(1 << 20));
  std::stringstream bits_list(FLAGS_hetero_lr_bench_key_bits);
  std::string item;
  while (std::getline(bits_list, item, ',')) {
    if (fedflow::Run(std::atoi(item.c_str()), guest, host) != 0) return 1;
  }
  return 0;
}
