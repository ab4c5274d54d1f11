#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "common/crypto/big_int.h"
#include "common/crypto/fixed_point.h"
#include "common/status.h"

namespace fedflow::crypto {

inline constexpr int kMinModulusBits = 1024;
inline constexpr int kMaxModulusBits = 8192;

// A Paillier public key: the modulus n (g = n + 1 implicitly), n^2, and the encryptor's
// precomputed obfuscation table. This is the raw layer: plaintexts are residues mod n,
// ciphertexts residues mod n^2; encrypted_number.h adds fixed-point doubles on top.
//
// Encryption is E(m) = (1 + m*n) * h_s^alpha mod n^2 (the Damgard-Jurik-Nielsen form, see
// docs/PAILLIER.md): h_s = h^n mod n^2 for h = -x^2 mod n with x drawn by this process, and
// alpha a fresh secure random exponent of ceil(bits/2) bits, computed from a fixed-base table
// built on first use (bits/2 / w multiplications instead of a full modexp).
//
// Copies share the modulus and the table (shared_ptr). Thread-safe: all methods are const
// and the lazily built table is guarded by std::call_once.
class PublicKey {
 public:
  // Validates n: odd, not a square, kMinModulusBits..kMaxModulusBits bits.
  static Result<PublicKey> FromModulus(const BigInt& n);

  const BigInt& n() const;
  const BigInt& n_squared() const;
  int modulus_bits() const;
  // First 8 bytes of SHA-256 over n's big-endian bytes: tags data encrypted under this key.
  uint64_t fingerprint() const;
  const FixedPointCodec& codec() const;
  bool operator==(const PublicKey& other) const { return n() == other.n(); }
  bool operator!=(const PublicKey& other) const { return !(*this == other); }

  // E(m) for a residue m in [0, n), with fresh randomness.
  Result<BigInt> EncryptRaw(const BigInt& m) const;
  // A fresh random n-th residue h_s^alpha mod n^2: an encryption of 0. Multiplying a
  // ciphertext by it re-randomises the ciphertext without changing the plaintext.
  Result<BigInt> RandomObfuscator() const;
  // OK when 0 < c < n^2 (cheap; does not test gcd(c, n) = 1).
  Status CheckCiphertext(const BigInt& c) const;

  // E(a + b) = E(a) * E(b) mod n^2.
  BigInt AddRaw(const BigInt& a, const BigInt& b) const;
  // E(a + m) = E(a) * (1 + m*n) mod n^2 for a residue m in [0, n); no randomness added.
  BigInt AddPlainRaw(const BigInt& c, const BigInt& m) const;
  // E(k * a) for any integer k. A negative k stands for the residue n - |k| (so E(a) times
  // n - |k| decrypts to -|k|*a mod n); it is computed as (E(a)^|k|)^-1, one modexp with a
  // |k|-sized exponent and one inversion, not a modexp with an n-sized exponent. The modexp
  // is the horizontal AVX-512 IFMA exponentiation on CPUs that have it (ifma_exp.h),
  // otherwise OpenSSL's Montgomery exponentiation with a context built once per key
  // (mont_exp.h).
  Result<BigInt> MulRaw(const BigInt& c, const BigInt& k) const;
  // bases[i]^exponents[i] mod n^2 for every i, for exponents >= 0 and bases in [0, n^2): the
  // vector form of MulRaw with non-negative scalars. Runs eight exponentiations at a time
  // with AVX-512 IFMA on CPUs that have it (ifma_exp.h), one at a time as in MulRaw
  // otherwise. The vectors must have equal sizes.
  std::vector<BigInt> PowRawBatch(const std::vector<const BigInt*>& bases,
                                  const std::vector<BigInt>& exponents) const;
  // E(-a) = E(a)^-1 mod n^2. Fails only for a ciphertext sharing a factor with n.
  Result<BigInt> NegateRaw(const BigInt& c) const;
  // E(a * 2^bits) = E(a)^(2^bits): `bits` modular squarings (horizontal IFMA where the CPU
  // has it, GMP otherwise).
  BigInt ShiftRaw(const BigInt& c, size_t bits) const;

  // Builds the obfuscation table now instead of at the first encryption.
  Status Precompute() const;
  // Memory held by the obfuscation table: 0 until it is built.
  size_t obfuscator_table_bytes() const;

 private:
  struct Impl;
  explicit PublicKey(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<Impl> impl_;
};

// A Paillier private key: the primes p, q and the CRT precomputation (p^2, q^2, h_p, h_q,
// q^-1 mod p) of decryption mod p^2 and q^2 separately. Copies share the data. Immutable;
// thread-safe.
class PrivateKey {
 public:
  // Validates p and q: distinct probable primes of equal bit length, n = p*q of
  // kMinModulusBits..kMaxModulusBits bits, gcd(n, (p-1)(q-1)) = 1.
  static Result<PrivateKey> FromPrimes(const BigInt& p, const BigInt& q);

  const PublicKey& public_key() const;
  const BigInt& p() const;
  const BigInt& q() const;

  // The residue m in [0, n) that c encrypts, by CRT: m_p = L_p(c^(p-1) mod p^2) * h_p mod p,
  // likewise mod q, then recombined. Fails when c is not in (0, n^2). The two
  // exponentiations run side by side with the horizontal AVX-512 IFMA multiplication on CPUs
  // that have it (IfmaPowModPair), otherwise with OpenSSL's Montgomery exponentiation
  // (contexts for p^2 and q^2 built once).
  Result<BigInt> DecryptRaw(const BigInt& c) const;
  // DecryptRaw of every element, with the exponentiations mod p^2 and q^2 run eight at a
  // time with AVX-512 IFMA on CPUs that have it. Fails, naming the element, when one is not
  // in (0, n^2).
  Result<std::vector<BigInt>> DecryptRawBatch(const std::vector<const BigInt*>& cs) const;
  // Textbook decryption L(c^lambda mod n^2) * mu mod n: about 4x slower; the reference the
  // CRT path is tested against.
  Result<BigInt> DecryptRawTextbook(const BigInt& c) const;

 private:
  struct Impl;
  // m from m mod p and m mod q.
  static void Recombine(const Impl& k, const BigInt& mp, const BigInt& mq, BigInt* m);
  explicit PrivateKey(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}
  std::shared_ptr<const Impl> impl_;
};

struct KeyPair {
  PublicKey public_key;
  PrivateKey private_key;
};

// Generates a key with an n of exactly `modulus_bits` bits (even, 1024..8192; FATE uses
// 1024 or 2048) from two random primes of modulus_bits/2 bits each drawn from OpenSSL's
// CSPRNG, with p mod 4 = q mod 4 = 3 and gcd(p-1, q-1) = 2 (what the DJN obfuscation
// assumes).
// Takes tens of milliseconds at 1024 bits, tens to hundreds at 2048.
Result<KeyPair> GenerateKeyPair(int modulus_bits);

}  // namespace fedflow::crypto
