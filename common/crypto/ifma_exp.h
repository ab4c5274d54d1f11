#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/crypto/big_int.h"

namespace fedflow::crypto {

// Batched modular exponentiation with AVX-512 IFMA (vpmadd52luq / vpmadd52huq): eight
// independent exponentiations run in the eight 64-bit lanes of 512-bit registers (two or
// four lanes for small groups), numbers held as 52-bit limbs, Montgomery multiplication
// with lazy carries ("almost Montgomery": operands and results stay below 2m, reduced once
// at the end). Per exponentiation about 4-5x faster than OpenSSL's (mulx/adx) and 5-6x
// faster than GMP's on the moduli of 1024- and 2048-bit keys, when eight run at once.
// Single exponentiations (and pairs) use a "horizontal" Montgomery multiplication instead,
// one number's limbs spread over the lanes: 1.8x, 3.1x and 4.2x OpenSSL's speed for
// 1024-, 2048- and 4096-bit moduli.
// Used by decryption (DecryptRaw, DecryptRawBatch), the scalar multiplications (MulRaw,
// PowRawBatch, ShiftRaw), the obfuscator's h^n and MultiExponentiate (the dot product)
// when the CPU has avx512ifma; otherwise they use OpenSSL/GMP. The code is compiled with function
// target attributes and only entered after a run-time CPU check, so the rest of the build needs no
// special flags. Not constant-time (exponent digits select table entries by address).

// True when this build has the IFMA code, the CPU supports avx512f, avx512vl and
// avx512ifma, and the environment variable FEDFLOW_DISABLE_IFMA is unset, empty or "0"
// (setting it selects the OpenSSL/GMP paths, e.g. to test or measure them). Read once.
bool IfmaAvailable();

// Precomputation for one odd modulus: its 52-bit limbs, -m^-1 mod 2^52, R mod m and
// R^2 mod m for R = 2^(52 * limbs). Immutable; thread-safe.
class IfmaModulus {
 public:
  // Largest supported modulus: 52 * 80 - 2 bits (limb counts 20, 40, 80 cover moduli up to
  // 1038, 2078 and 4158 bits: 1024- and 2048-bit keys' p^2, q^2 and n^2).
  static constexpr int kMaxBits = 52 * 80 - 2;

  // nullptr when the IFMA path is unavailable (IfmaAvailable() false) or the modulus is not
  // odd, > 1 and at most kMaxBits bits.
  static std::unique_ptr<IfmaModulus> Create(const BigInt& modulus);

  const BigInt& modulus() const { return modulus_; }
  int limbs() const { return limbs_; }
  uint64_t m_prime() const { return m_prime_; }
  const std::vector<uint64_t>& m_limbs() const { return m_; }
  const std::vector<uint64_t>& r_limbs() const { return r_; }
  const std::vector<uint64_t>& r2_limbs() const { return r2_; }

 private:
  IfmaModulus() = default;

  BigInt modulus_;
  int limbs_ = 0;
  uint64_t m_prime_ = 0;      // -m^-1 mod 2^52
  std::vector<uint64_t> m_;   // limbs of m
  std::vector<uint64_t> r_;   // limbs of R mod m (Montgomery form of 1)
  std::vector<uint64_t> r2_;  // limbs of R^2 mod m
};

// One exponentiation: *out = base^exponent mod modulus->modulus(), for any base and an
// exponent >= 0 (the value mpz_powm gives). out may alias base or exponent.
struct IfmaPowTask {
  const BigInt* base;
  const BigInt* exponent;
  const IfmaModulus* modulus;
  BigInt* out;
};

// Runs the tasks eight at a time; a remainder of a few tasks (up to 3, 4 or 7 for 20, 40,
// 80 limbs) one or two at a time with the horizontal multiplication (IfmaPowModSingle,
// IfmaPowModPair), a larger one in a group of four or eight lanes. All moduli must have the
// same limbs(); IfmaAvailable() must be true.
void IfmaPowModBatch(const std::vector<IfmaPowTask>& tasks);

// One exponentiation on its own, with the "horizontal" Montgomery multiplication: the
// 52-bit limbs of one number spread over the lanes of 3, 5 or 10 registers (20, 40, 80
// limbs), the digit chain of Montgomery reduction in general-purpose registers. For a
// single exponentiation, where IfmaPowModBatch would leave seven lanes idle. Any base, an
// exponent >= 0; out may alias base or exponent. IfmaAvailable() must be true.
void IfmaPowModSingle(const IfmaPowTask& task);

// Two exponentiations side by side with the horizontal multiplication, their independent
// digit chains interleaved (a decryption's c^(p-1) mod p^2 and c^(q-1) mod q^2). The moduli
// must have the same limbs(); IfmaAvailable() must be true.
void IfmaPowModPair(const IfmaPowTask& first, const IfmaPowTask& second);

// prod_i bases[i]^exponents[i] mod modulus for any bases and exponents >= 0; 1 for no
// terms. Pippenger's bucket method with the terms dealt to eight lanes, each lane summing
// its share with its own buckets; the eight partial products are multiplied at the end.
// IfmaAvailable() must be true.
BigInt IfmaMultiExponentiate(const std::vector<const BigInt*>& bases,
                             const std::vector<BigInt>& exponents, const IfmaModulus& modulus);

}  // namespace fedflow::crypto
