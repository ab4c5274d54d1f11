// Paillier throughput on one core, beside FATE's figures for the same machine.
//
// Prints, for each key size, encryptions, decryptions, additions and scalar
// multiplications per second of a single thread, with FATE's (Python on gmpy2, one core)
// and the ratio. Rates come from the thread's CPU time, so other load on a shared machine
// does not count against them; wall-clock rates are printed beside.
//
//   build/bin/paillier_bench [--paillier_bench_key_bits=1024,2048]
//                            [--paillier_bench_seconds=2] [--paillier_bench_dot_terms=1000]
//                            [--paillier_bench_vector_size=256]
//                            [--paillier_bench_machine_readable]
//
// With --paillier_bench_machine_readable the output is one line per measurement,
//   RESULT fedflow <key bits> <operation> <operations per CPU second>
// (bench/crypto/run.sh reads these).
#include <time.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gflags/gflags.h>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/paillier.h"
#include "common/crypto/paillier_vector.h"
#include "common/status.h"

DEFINE_string(paillier_bench_key_bits, "1024,2048", "Comma-separated modulus sizes");
DEFINE_double(paillier_bench_seconds, 2.0, "CPU seconds spent measuring each operation");
DEFINE_int32(paillier_bench_dot_terms, 1000, "Terms of the measured dot product");
DEFINE_int32(paillier_bench_vector_size, 256, "Elements of the measured vector operations");
DEFINE_bool(paillier_bench_machine_readable, false,
            "Print only 'RESULT fedflow <bits> <operation> <ops per CPU second>' lines");

namespace fedflow::crypto {
namespace {

// FATE's Paillier (federatedml fate_paillier on gmpy2), one core of the reference machine.
struct FateRates {
  double encrypt, decrypt, add, scalar_mul;
};
FateRates FateFor(int bits) {
  if (bits == 1024) return {1186, 4492, 76398, 19323};
  if (bits == 2048) return {158, 597, 24698, 5238};
  return {0, 0, 0, 0};
}

double ThreadCpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double WallSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Rate {
  double cpu = 0;   // operations per CPU second
  double wall = 0;  // operations per wall-clock second
};

// Runs `op` (which performs `per_call` operations) until the thread has spent
// FLAGS_paillier_bench_seconds of CPU time.
Rate Measure(const std::function<Status(size_t)>& op, double per_call = 1) {
  auto run = [&](size_t i) {
    Status s = op(i);
    if (!s.ok()) {
      std::fprintf(stderr, "operation failed: %s\n", s.ToString().c_str());
      std::exit(1);
    }
  };
  run(0);  // warm-up
  double cpu0 = ThreadCpuSeconds(), wall0 = WallSeconds();
  size_t calls = 0;
  double cpu = 0;
  do {
    for (int i = 0; i < 8; ++i) run(calls++);
    cpu = ThreadCpuSeconds() - cpu0;
  } while (cpu < FLAGS_paillier_bench_seconds);
  double wall = WallSeconds() - wall0;
  return {calls * per_call / cpu, calls * per_call / wall};
}

std::string WithCommas(double v) {
  std::string digits = std::to_string(static_cast<long long>(std::llround(v)));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return out;
}

void PrintRow(const char* name, const Rate& r, double fate) {
  if (FLAGS_paillier_bench_machine_readable) return;
  std::printf("  %-44s %11s %11s  %9s  %6s\n", name, WithCommas(r.cpu).c_str(),
              WithCommas(r.wall).c_str(), fate > 0 ? WithCommas(fate).c_str() : "-",
              fate > 0 ? (std::to_string(r.cpu / fate).substr(0, 4) + "x").c_str() : "-");
}

void PrintResult(int bits, const char* op, const Rate& r) {
  if (FLAGS_paillier_bench_machine_readable) {
    std::printf("RESULT fedflow %d %s %.1f\n", bits, op, r.cpu);
    std::fflush(stdout);
  }
}

void PrintLoad() {
  double load[3] = {0, 0, 0};
  if (getloadavg(load, 3) == 3) {
    std::printf("%sload average: %.2f %.2f %.2f\n",
                FLAGS_paillier_bench_machine_readable ? "# " : "", load[0], load[1], load[2]);
  }
}

int Run(int bits) {
  std::mt19937_64 rng(bits);
  std::uniform_real_distribution<double> unit(-1.0, 1.0);
  // Gradient-like values: uniform mantissas over magnitudes 1e-4 .. 1e1, both signs.
  auto gradient = [&] { return unit(rng) * std::pow(10.0, static_cast<int>(rng() % 6) - 4); };

  double t0 = WallSeconds();
  Result<KeyPair> key = GenerateKeyPair(bits);
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 1;
  }
  double keygen = WallSeconds() - t0;
  const PublicKey& pk = key->public_key;
  const PrivateKey& sk = key->private_key;
  t0 = WallSeconds();
  if (!pk.Precompute().ok()) return 1;
  double table = WallSeconds() - t0;

  const size_t pool = 256;
  std::vector<double> xs(pool), ks(pool);
  for (size_t i = 0; i < pool; ++i) {
    xs[i] = gradient();
    ks[i] = gradient();
  }
  Result<std::vector<EncryptedNumber>> cs = EncryptVector(pk, xs);
  if (!cs.ok()) return 1;
  std::vector<uint64_t> k64(pool);
  for (uint64_t& k : k64) k = rng() | (uint64_t{1} << 63);
  double mantissa_bits = 0;
  for (double k : ks) mantissa_bits += std::log2(std::fabs(EncodeScalar(k)->mantissa) + 1.0);
  mantissa_bits /= pool;

  EncryptedNumber sink;
  double dsink = 0;
  Rate encrypt = Measure([&](size_t i) {
    ASSIGN_OR_RETURN(sink, Encrypt(pk, xs[i % pool]));
    return Status::OK();
  });
  Rate decrypt = Measure([&](size_t i) {
    ASSIGN_OR_RETURN(dsink, Decrypt(sk, (*cs)[i % pool]));
    return Status::OK();
  });
  Rate add = Measure([&](size_t i) {
    ASSIGN_OR_RETURN(sink, Add(pk, (*cs)[i % pool], (*cs)[(i + 1) % pool]));
    return Status::OK();
  });
  Rate mul = Measure([&](size_t i) {
    ASSIGN_OR_RETURN(sink, MulScalar(pk, (*cs)[i % pool], ks[i % pool]));
    return Status::OK();
  });
  Rate mul64 = Measure([&](size_t i) {
    const BigInt& c = (*cs)[i % pool].ciphertext;
    ASSIGN_OR_RETURN(BigInt product, pk.MulRaw(c, BigInt::FromUint64(k64[i % pool])));
    sink.ciphertext = std::move(product);
    return Status::OK();
  });
  const size_t terms = static_cast<size_t>(FLAGS_paillier_bench_dot_terms);
  std::vector<EncryptedNumber> dot_cs;
  std::vector<double> dot_ks;
  for (size_t i = 0; i < terms; ++i) {
    dot_cs.push_back((*cs)[i % pool]);
    dot_ks.push_back(gradient());
  }
  Rate dot = Measure(
      [&](size_t) {
        ASSIGN_OR_RETURN(sink, DotProduct(pk, dot_cs, dot_ks));
        return Status::OK();
      },
      static_cast<double>(terms));

  // Vector operations, per element: the shapes the components use.
  const size_t vsize = static_cast<size_t>(FLAGS_paillier_bench_vector_size);
  std::vector<EncryptedNumber> vec_cs;
  std::vector<double> vec_ks;
  for (size_t i = 0; i < vsize; ++i) {
    vec_cs.push_back((*cs)[i % pool]);
    vec_ks.push_back(gradient());
  }
  std::vector<double> vsink;
  std::vector<EncryptedNumber> vcsink;
  Rate decrypt_vector = Measure(
      [&](size_t) {
        ASSIGN_OR_RETURN(vsink, DecryptVector(sk, vec_cs));
        return Status::OK();
      },
      static_cast<double>(vsize));
  Rate mul_vector_negative = Measure(
      [&](size_t i) {
        ASSIGN_OR_RETURN(vcsink, MulVectorByScalar(pk, vec_cs, -std::fabs(ks[i % pool])));
        return Status::OK();
      },
      static_cast<double>(vsize));
  Rate mul_elementwise = Measure(
      [&](size_t) {
        ASSIGN_OR_RETURN(vcsink, MulVectorElementwise(pk, vec_cs, vec_ks));
        return Status::OK();
      },
      static_cast<double>(vsize));

  PrintResult(bits, "encrypt", encrypt);
  PrintResult(bits, "decrypt", decrypt);
  PrintResult(bits, "add", add);
  PrintResult(bits, "scalar_mul", mul);
  PrintResult(bits, "scalar_mul_64bit", mul64);
  PrintResult(bits, "dot_product_term", dot);
  PrintResult(bits, "decrypt_vector_element", decrypt_vector);
  PrintResult(bits, "mul_vector_negative_element", mul_vector_negative);
  PrintResult(bits, "mul_elementwise_element", mul_elementwise);
  if (FLAGS_paillier_bench_machine_readable) return 0;

  FateRates fate = FateFor(bits);
  std::printf("\nPaillier, %d-bit key: key generation %.0f ms, "
              "obfuscation table %.0f ms, %.1f MB\n",
              bits, keygen * 1e3, table * 1e3,
              static_cast<double>(pk.obfuscator_table_bytes()) / 1e6);
  std::printf("  %-44s %11s %11s  %9s  %6s\n", "operation (one thread)", "fedflow/s", "(wall)",
              "FATE/s", "ratio");
  PrintRow("encrypt (double, fresh randomness)", encrypt, fate.encrypt);
  PrintRow("decrypt (CRT, to double)", decrypt, fate.decrypt);
  PrintRow("add (ciphertext + ciphertext)", add, fate.add);
  char label[96];
  std::snprintf(label, sizeof(label), "scalar multiply (gradient double, %.0f-bit)", mantissa_bits);
  PrintRow(label, mul, fate.scalar_mul);
  PrintRow("scalar multiply (64-bit scalar, raw)", mul64, fate.scalar_mul);
  std::snprintf(label, sizeof(label), "  per term of a %zu-term dot product", terms);
  PrintRow(label, dot, fate.scalar_mul);
  std::snprintf(label, sizeof(label), "decrypt, per element of DecryptVector(%zu)", vsize);
  PrintRow(label, decrypt_vector, fate.decrypt);
  std::snprintf(label, sizeof(label), "  MulVectorByScalar(%zu, k < 0), per element", vsize);
  PrintRow(label, mul_vector_negative, fate.scalar_mul);
  std::snprintf(label, sizeof(label), "  MulVectorElementwise(%zu), per element", vsize);
  PrintRow(label, mul_elementwise, fate.scalar_mul);
  if (dsink == 12345.678) std::printf(" ");  // keeps the results alive
  return 0;
}

}  // namespace
}  // namespace fedflow::crypto

int main(int argc, char** argv) {
  gflags::SetUsageMessage("Paillier throughput on one core, beside FATE's figures");
  gflags::ParseCommandLineFlags(&argc, &argv, true);
  std::printf("%sfedflow Paillier benchmark: one thread; rates per CPU second of that thread.\n",
              FLAGS_paillier_bench_machine_readable ? "# " : "");
  fedflow::crypto::PrintLoad();
  std::stringstream bits_list(FLAGS_paillier_bench_key_bits);
  std::string item;
  while (std::getline(bits_list, item, ',')) {
    if (fedflow::crypto::Run(std::atoi(item.c_str())) != 0) return 1;
  }
  fedflow::crypto::PrintLoad();
  return 0;
}
