#pragma once

#include <cstdint>

#include <gmp.h>

#include "common/crypto/big_int.h"
#include "common/crypto/paillier.h"

namespace fedflow::crypto::testing {

// One 1024-bit key pair per test binary (generated on first use), or nullptr when key
// generation failed (the caller asserts). Thread-safe (function-local static).
inline const KeyPair* SharedKey1024() {
  static const KeyPair* key = [] {
    Result<KeyPair> k = GenerateKeyPair(1024);
    return k.ok() ? new KeyPair(std::move(k).value()) : nullptr;
  }();
  return key;
}

// Deterministic, non-cryptographic test values (reproducible failures).
class TestRandom {
 public:
  explicit TestRandom(unsigned long seed) {
    gmp_randinit_default(state_);
    gmp_randseed_ui(state_, seed);
  }
  ~TestRandom() { gmp_randclear(state_); }
  TestRandom(const TestRandom&) = delete;
  TestRandom& operator=(const TestRandom&) = delete;

  // Uniform in [0, bound).
  BigInt Below(const BigInt& bound) {
    BigInt out;
    mpz_urandomm(out.get(), state_, bound.get());
    return out;
  }
  // Uniform in [0, 2^bits).
  BigInt Bits(unsigned long bits) {
    BigInt out;
    mpz_urandomb(out.get(), state_, bits);
    return out;
  }
  // Uniform double in [0, 1).
  double Unit() { return static_cast<double>(gmp_urandomb_ui(state_, 53)) * 0x1p-53; }

 private:
  gmp_randstate_t state_;
};

}  // namespace fedflow::crypto::testing
