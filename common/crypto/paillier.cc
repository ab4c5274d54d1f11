#include "common/crypto/paillier.h"

#include <atomic>
#include <mutex>
#include <string>
#include <utility>

#include <glog/logging.h>
#include <openssl/sha.h>

#include "common/crypto/fixed_base_exp.h"
#include "common/crypto/ifma_exp.h"
#include "common/crypto/mont_exp.h"
#include "common/crypto/secure_random.h"

namespace fedflow::crypto {
namespace {

constexpr int kPrimeTestReps = 32;  // GMP: Baillie-PSW plus 8 Miller-Rabin rounds.

// Window of the fixed-base obfuscation table: 7 bits for 1024-bit keys (2.6 MB, 74
// multiplications per encryption), 6 bits above (2048-bit: 5.7 MB, 171 multiplications);
// wider windows cost 1.7x the memory for about 10% fewer multiplications.
int ObfuscatorWindowBits(int modulus_bits) { return modulus_bits <= 1536 ? 7 : 6; }

uint64_t Fingerprint(const BigInt& n) {
  std::string bytes = n.ToBigEndian();
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  uint64_t out = 0;
  for (int i = 0; i < 8; ++i) out = (out << 8) | digest[i];
  return out;
}

// L_p(u) * h_p mod p for u = c^(p-1) mod p^2: the plaintext mod p. Overwrites u.
void FinishModPrime(BigInt* u, const BigInt& p, const BigInt& hp, BigInt* out) {
  mpz_sub_ui(u->get(), u->get(), 1);
  mpz_tdiv_q(u->get(), u->get(), p.get());
  mpz_mul(u->get(), u->get(), hp.get());
  mpz_tdiv_r(out->get(), u->get(), p.get());
}

// L_p(c^(p-1) mod p^2) * h_p mod p: the plaintext mod p.
void DecryptModPrime(const BigInt& c, const BigInt& p, const MontgomeryModulus& p_squared,
                     const BigInt& p_minus_1, const BigInt& hp, BigInt* out) {
  BigInt t;
  mpz_tdiv_r(t.get(), c.get(), p_squared.modulus().get());
  p_squared.PowMod(t, p_minus_1, &t);
  FinishModPrime(&t, p, hp, out);
}

// A random prime of exactly `bits` bits with its top two bits set (so that the product of
// two has exactly 2*bits bits), congruent to 3 mod 4.
Result<BigInt> RandomPrime(int bits) {
  for (int attempt = 0; attempt < 100 * bits; ++attempt) {
    ASSIGN_OR_RETURN(BigInt candidate, SecureRandomBits(static_cast<size_t>(bits)));
    mpz_setbit(candidate.get(), bits - 1);
    mpz_setbit(candidate.get(), bits - 2);
    mpz_setbit(candidate.get(), 1);
    mpz_setbit(candidate.get(), 0);
    if (mpz_probab_prime_p(candidate.get(), kPrimeTestReps) > 0) return candidate;
  }
  return Status::Internal("Paillier key generation: no prime found (random source broken?)");
}

}  // namespace

struct PublicKey::Impl {
  explicit Impl(const BigInt& modulus) : n(modulus), codec(modulus) {
    mpz_mul(n_squared.get(), n.get(), n.get());
    n_squared_mont = std::make_unique<MontgomeryModulus>(n_squared);
    n_squared_ifma = IfmaModulus::Create(n_squared);
    bits = static_cast<int>(n.BitLength());
    exponent_bits = (n.BitLength() + 1) / 2;
    fingerprint = Fingerprint(n);
  }

  // Draws h = -x^2 mod n and tabulates h_s = h^n mod n^2 (docs/PAILLIER.md).
  Status BuildTable() {
    ASSIGN_OR_RETURN(BigInt x, SecureRandomUnit(n));
    BigInt h;
    mpz_mul(h.get(), x.get(), x.get());
    mpz_tdiv_r(h.get(), h.get(), n.get());
    mpz_sub(h.get(), n.get(), h.get());
    BigInt hs;
    PowModNSquared(h, n, &hs);
    table = std::make_unique<FixedBaseExp>(hs, n_squared, exponent_bits,
                                           ObfuscatorWindowBits(bits), n_squared_ifma.get());
    table_bytes.store(table->table_bytes(), std::memory_order_release);
    return Status::OK();
  }

  // base^exponent mod n^2 for one exponentiation: the horizontal IFMA code where the CPU
  // has it, OpenSSL otherwise.
  void PowModNSquared(const BigInt& base, const BigInt& exponent, BigInt* out) const {
    if (n_squared_ifma != nullptr) {
      IfmaPowModSingle({&base, &exponent, n_squared_ifma.get(), out});
    } else {
      n_squared_mont->PowMod(base, exponent, out);
    }
  }

  const FixedBaseExp* Table(Status* status) {
    std::call_once(table_once, [this] { table_status = BuildTable(); });
    *status = table_status;
    return table.get();
  }

  BigInt n;
  BigInt n_squared;
  std::unique_ptr<MontgomeryModulus> n_squared_mont;  // Exponentiations mod n^2.
  std::unique_ptr<IfmaModulus> n_squared_ifma;        // Null without IFMA.
  int bits = 0;
  size_t exponent_bits = 0;  // Of the obfuscator's alpha: ceil(bits / 2).
  uint64_t fingerprint = 0;
  FixedPointCodec codec;

  std::once_flag table_once;
  Status table_status;                  // Written once, under table_once.
  std::unique_ptr<FixedBaseExp> table;  // Written once, under table_once.
  std::atomic<size_t> table_bytes{0};
};

Result<PublicKey> PublicKey::FromModulus(const BigInt& n) {
  size_t bits = n.BitLength();
  if (n.Sign() <= 0 || bits < kMinModulusBits || bits > kMaxModulusBits) {
    return Status::InvalidArgument("Paillier public key: the modulus must have " +
                                   std::to_string(kMinModulusBits) + " to " +
                                   std::to_string(kMaxModulusBits) + " bits, it has " +
                                   std::to_string(bits));
  }
  if (mpz_even_p(n.get()) || mpz_perfect_square_p(n.get())) {
    return Status::InvalidArgument("Paillier public key: the modulus is not a product of two "
                                   "distinct odd primes");
  }
  return PublicKey(std::make_shared<Impl>(n));
}

const BigInt& PublicKey::n() const { return impl_->n; }
const BigInt& PublicKey::n_squared() const { return impl_->n_squared; }
int PublicKey::modulus_bits() const { return impl_->bits; }
uint64_t PublicKey::fingerprint() const { return impl_->fingerprint; }
const FixedPointCodec& PublicKey::codec() const { return impl_->codec; }

Status PublicKey::Precompute() const {
  Status status;
  impl_->Table(&status);
  return status;
}

size_t PublicKey::obfuscator_table_bytes() const {
  return impl_->table_bytes.load(std::memory_order_acquire);
}

Result<BigInt> PublicKey::RandomObfuscator() const {
  Status status;
  const FixedBaseExp* table = impl_->Table(&status);
  RETURN_NOT_OK_PREPEND(status, "Paillier obfuscation table");
  ASSIGN_OR_RETURN(BigInt alpha, SecureRandomBits(impl_->exponent_bits));
  BigInt out;
  RETURN_NOT_OK(table->Pow(alpha, &out));
  return out;
}

Result<BigInt> PublicKey::EncryptRaw(const BigInt& m) const {
  if (m.Sign() < 0 || m.Compare(impl_->n) >= 0) {
    return Status::InvalidArgument("Paillier encrypt: plaintext residue outside [0, n)");
  }
  ASSIGN_OR_RETURN(BigInt obfuscator, RandomObfuscator());
  return AddPlainRaw(obfuscator, m);
}

Status PublicKey::CheckCiphertext(const BigInt& c) const {
  if (c.Sign() <= 0 || c.Compare(impl_->n_squared) >= 0) {
    return Status::InvalidArgument("Paillier: ciphertext outside (0, n^2) for this key");
  }
  return Status::OK();
}

BigInt PublicKey::AddRaw(const BigInt& a, const BigInt& b) const {
  BigInt out;
  mpz_mul(out.get(), a.get(), b.get());
  mpz_tdiv_r(out.get(), out.get(), impl_->n_squared.get());
  return out;
}

BigInt PublicKey::AddPlainRaw(const BigInt& c, const BigInt& m) const {
  // g^m = (1 + n)^m = 1 + m*n mod n^2, which is < n^2 for m < n: no modexp.
  BigInt gm;
  mpz_mul(gm.get(), m.get(), impl_->n.get());
  mpz_add_ui(gm.get(), gm.get(), 1);
  return AddRaw(c, gm);
}

Result<BigInt> PublicKey::MulRaw(const BigInt& c, const BigInt& k) const {
  BigInt out;
  if (k.IsZero()) {
    mpz_set_ui(out.get(), 1);
    return out;
  }
  BigInt magnitude;
  mpz_abs(magnitude.get(), k.get());
  impl_->PowModNSquared(c, magnitude, &out);
  if (k.Sign() < 0) return NegateRaw(out);
  return out;
}

std::vector<BigInt> PublicKey::PowRawBatch(const std::vector<const BigInt*>& bases,
                                           const std::vector<BigInt>& exponents) const {
  CHECK_EQ(bases.size(), exponents.size());
  for (const BigInt& e : exponents) CHECK_GE(e.Sign(), 0) << "PowRawBatch: negative exponent";
  std::vector<BigInt> out(bases.size());
  if (impl_->n_squared_ifma == nullptr) {
    const MontgomeryModulus& mont = *impl_->n_squared_mont;
    for (size_t i = 0; i < bases.size(); ++i) mont.PowMod(*bases[i], exponents[i], &out[i]);
    return out;
  }
  std::vector<IfmaPowTask> tasks;
  tasks.reserve(bases.size());
  for (size_t i = 0; i < bases.size(); ++i) {
    tasks.push_back({bases[i], &exponents[i], impl_->n_squared_ifma.get(), &out[i]});
  }
  IfmaPowModBatch(tasks);
  return out;
}

Result<BigInt> PublicKey::NegateRaw(const BigInt& c) const {
  BigInt out;
  if (mpz_invert(out.get(), c.get(), impl_->n_squared.get()) == 0) {
    return Status::InvalidArgument("Paillier: malformed ciphertext (not invertible mod n^2)");
  }
  return out;
}

BigInt PublicKey::ShiftRaw(const BigInt& c, size_t bits) const {
  BigInt exponent;
  mpz_setbit(exponent.get(), bits);
  BigInt out;
  if (impl_->n_squared_ifma != nullptr) {
    IfmaPowModSingle({&c, &exponent, impl_->n_squared_ifma.get(), &out});
  } else {
    mpz_powm(out.get(), c.get(), exponent.get(), impl_->n_squared.get());
  }
  return out;
}

struct PrivateKey::Impl {
  explicit Impl(PublicKey pk) : public_key(std::move(pk)) {}

  PublicKey public_key;
  BigInt p, q, p_squared, q_squared, p_minus_1, q_minus_1;
  std::unique_ptr<MontgomeryModulus> p_squared_mont, q_squared_mont;
  std::unique_ptr<IfmaModulus> p_squared_ifma, q_squared_ifma;  // Null without IFMA.
  BigInt hp, hq;      // L_p(g^(p-1) mod p^2)^-1 mod p, and for q.
  BigInt q_inv_p;     // q^-1 mod p, for the CRT recombination.
  BigInt lambda, mu;  // Textbook decryption.
};

Result<PrivateKey> PrivateKey::FromPrimes(const BigInt& p, const BigInt& q) {
  const char* kWhat = "Paillier private key: ";
  if (p.Compare(q) == 0) return Status::InvalidArgument(std::string(kWhat) + "p equals q");
  if (p.BitLength() != q.BitLength()) {
    return Status::InvalidArgument(std::string(kWhat) + "p and q differ in bit length");
  }
  for (const BigInt* prime : {&p, &q}) {
    if (prime->Sign() <= 0 || mpz_even_p(prime->get()) ||
        mpz_probab_prime_p(prime->get(), kPrimeTestReps) == 0) {
      return Status::InvalidArgument(std::string(kWhat) + (prime == &p ? "p" : "q") +
                                     " is not an odd prime");
    }
  }
  BigInt n;
  mpz_mul(n.get(), p.get(), q.get());
  ASSIGN_OR_RETURN(PublicKey pk, PublicKey::FromModulus(n));
  auto impl = std::make_shared<Impl>(std::move(pk));
  impl->p = p;
  impl->q = q;
  mpz_mul(impl->p_squared.get(), p.get(), p.get());
  mpz_mul(impl->q_squared.get(), q.get(), q.get());
  mpz_sub_ui(impl->p_minus_1.get(), p.get(), 1);
  mpz_sub_ui(impl->q_minus_1.get(), q.get(), 1);
  impl->p_squared_mont = std::make_unique<MontgomeryModulus>(impl->p_squared);
  impl->q_squared_mont = std::make_unique<MontgomeryModulus>(impl->q_squared);
  impl->p_squared_ifma = IfmaModulus::Create(impl->p_squared);
  impl->q_squared_ifma = IfmaModulus::Create(impl->q_squared);
  if (impl->p_squared_ifma == nullptr || impl->q_squared_ifma == nullptr ||
      impl->p_squared_ifma->limbs() != impl->q_squared_ifma->limbs()) {
    impl->p_squared_ifma.reset();
    impl->q_squared_ifma.reset();
  }
  BigInt phi, gcd;
  mpz_mul(phi.get(), impl->p_minus_1.get(), impl->q_minus_1.get());
  mpz_gcd(gcd.get(), phi.get(), n.get());
  if (mpz_cmp_ui(gcd.get(), 1) != 0) {
    return Status::InvalidArgument(std::string(kWhat) + "gcd(n, (p-1)(q-1)) is not 1");
  }
  // h_p = L_p(g^(p-1) mod p^2)^-1 mod p with g = n + 1, likewise h_q.
  BigInt g;
  mpz_add_ui(g.get(), n.get(), 1);
  BigInt one = BigInt::FromUint64(1);
  for (int i = 0; i < 2; ++i) {
    const BigInt& prime = i == 0 ? impl->p : impl->q;
    BigInt* h = i == 0 ? &impl->hp : &impl->hq;
    BigInt l;
    DecryptModPrime(g, prime, i == 0 ? *impl->p_squared_mont : *impl->q_squared_mont,
                    i == 0 ? impl->p_minus_1 : impl->q_minus_1, one, &l);
    if (mpz_invert(h->get(), l.get(), prime.get()) == 0) {
      return Status::InvalidArgument(std::string(kWhat) + "degenerate primes");
    }
  }
  if (mpz_invert(impl->q_inv_p.get(), q.get(), p.get()) == 0) {
    return Status::InvalidArgument(std::string(kWhat) + "degenerate primes");
  }
  mpz_lcm(impl->lambda.get(), impl->p_minus_1.get(), impl->q_minus_1.get());
  const BigInt& n_squared = impl->public_key.n_squared();
  BigInt u;
  mpz_powm(u.get(), g.get(), impl->lambda.get(), n_squared.get());
  mpz_sub_ui(u.get(), u.get(), 1);
  mpz_tdiv_q(u.get(), u.get(), n.get());
  if (mpz_invert(impl->mu.get(), u.get(), n.get()) == 0) {
    return Status::InvalidArgument(std::string(kWhat) + "degenerate primes");
  }
  return PrivateKey(std::move(impl));
}

const PublicKey& PrivateKey::public_key() const { return impl_->public_key; }
const BigInt& PrivateKey::p() const { return impl_->p; }
const BigInt& PrivateKey::q() const { return impl_->q; }

Result<BigInt> PrivateKey::DecryptRaw(const BigInt& c) const {
  RETURN_NOT_OK(impl_->public_key.CheckCiphertext(c));
  const Impl& k = *impl_;
  BigInt mp, mq;
  if (k.p_squared_ifma != nullptr) {
    // c^(p-1) mod p^2 and c^(q-1) mod q^2 side by side (horizontal IFMA, two chains).
    BigInt up, uq;
    mpz_tdiv_r(up.get(), c.get(), k.p_squared.get());
    mpz_tdiv_r(uq.get(), c.get(), k.q_squared.get());
    IfmaPowModPair({&up, &k.p_minus_1, k.p_squared_ifma.get(), &up},
                   {&uq, &k.q_minus_1, k.q_squared_ifma.get(), &uq});
    FinishModPrime(&up, k.p, k.hp, &mp);
    FinishModPrime(&uq, k.q, k.hq, &mq);
  } else {
    DecryptModPrime(c, k.p, *k.p_squared_mont, k.p_minus_1, k.hp, &mp);
    DecryptModPrime(c, k.q, *k.q_squared_mont, k.q_minus_1, k.hq, &mq);
  }
  BigInt m;
  Recombine(k, mp, mq, &m);
  return m;
}

void PrivateKey::Recombine(const Impl& k, const BigInt& mp, const BigInt& mq, BigInt* m) {
  // m = m_q + q * ((m_p - m_q) * q^-1 mod p), which is in [0, n).
  BigInt t;
  mpz_sub(t.get(), mp.get(), mq.get());
  mpz_mul(t.get(), t.get(), k.q_inv_p.get());
  mpz_mod(t.get(), t.get(), k.p.get());
  mpz_mul(t.get(), t.get(), k.q.get());
  mpz_add(m->get(), t.get(), mq.get());
}

Result<std::vector<BigInt>> PrivateKey::DecryptRawBatch(
    const std::vector<const BigInt*>& cs) const {
  const Impl& k = *impl_;
  for (size_t i = 0; i < cs.size(); ++i) {
    Status s = k.public_key.CheckCiphertext(*cs[i]);
    if (!s.ok()) return s.CloneAndPrepend("element " + std::to_string(i));
  }
  std::vector<BigInt> out(cs.size());
  if (k.p_squared_ifma == nullptr) {
    BigInt mp, mq;
    for (size_t i = 0; i < cs.size(); ++i) {
      DecryptModPrime(*cs[i], k.p, *k.p_squared_mont, k.p_minus_1, k.hp, &mp);
      DecryptModPrime(*cs[i], k.q, *k.q_squared_mont, k.q_minus_1, k.hq, &mq);
      Recombine(k, mp, mq, &out[i]);
    }
    return out;
  }
  // u_p = c^(p-1) mod p^2 and u_q = c^(q-1) mod q^2 for every c, as one batch.
  std::vector<BigInt> up(cs.size()), uq(cs.size());
  std::vector<IfmaPowTask> tasks;
  tasks.reserve(2 * cs.size());
  for (size_t i = 0; i < cs.size(); ++i) {
    mpz_tdiv_r(up[i].get(), cs[i]->get(), k.p_squared.get());
    mpz_tdiv_r(uq[i].get(), cs[i]->get(), k.q_squared.get());
    tasks.push_back({&up[i], &k.p_minus_1, k.p_squared_ifma.get(), &up[i]});
    tasks.push_back({&uq[i], &k.q_minus_1, k.q_squared_ifma.get(), &uq[i]});
  }
  IfmaPowModBatch(tasks);
  BigInt mp, mq;
  for (size_t i = 0; i < cs.size(); ++i) {
    FinishModPrime(&up[i], k.p, k.hp, &mp);
    FinishModPrime(&uq[i], k.q, k.hq, &mq);
    Recombine(k, mp, mq, &out[i]);
  }
  return out;
}

Result<BigInt> PrivateKey::DecryptRawTextbook(const BigInt& c) const {
  RETURN_NOT_OK(impl_->public_key.CheckCiphertext(c));
  const BigInt& n = impl_->public_key.n();
  BigInt u;
  mpz_powm(u.get(), c.get(), impl_->lambda.get(), impl_->public_key.n_squared().get());
  mpz_sub_ui(u.get(), u.get(), 1);
  mpz_tdiv_q(u.get(), u.get(), n.get());
  mpz_mul(u.get(), u.get(), impl_->mu.get());
  mpz_tdiv_r(u.get(), u.get(), n.get());
  return u;
}

Result<KeyPair> GenerateKeyPair(int modulus_bits) {
  if (modulus_bits < kMinModulusBits || modulus_bits > kMaxModulusBits || modulus_bits % 2) {
    return Status::InvalidArgument("Paillier key generation: modulus_bits must be even and in " +
                                   std::to_string(kMinModulusBits) + ".." +
                                   std::to_string(kMaxModulusBits) + ", got " +
                                   std::to_string(modulus_bits));
  }
  const int half = modulus_bits / 2;
  ASSIGN_OR_RETURN(BigInt p, RandomPrime(half));
  BigInt half_p, half_q, gcd, diff;
  mpz_tdiv_q_2exp(half_p.get(), p.get(), 1);  // (p-1)/2 since p is odd
  for (int attempt = 0; attempt < 1000; ++attempt) {
    ASSIGN_OR_RETURN(BigInt q, RandomPrime(half));
    mpz_tdiv_q_2exp(half_q.get(), q.get(), 1);
    mpz_gcd(gcd.get(), half_p.get(), half_q.get());
    mpz_sub(diff.get(), p.get(), q.get());
    // gcd(p-1, q-1) = 2, and p, q far apart (Fermat factoring needs them close).
    if (mpz_cmp_ui(gcd.get(), 1) != 0 || diff.BitLength() + 100 < static_cast<size_t>(half)) {
      continue;
    }
    ASSIGN_OR_RETURN(PrivateKey sk, PrivateKey::FromPrimes(p, q));
    PublicKey pk = sk.public_key();
    return KeyPair{std::move(pk), std::move(sk)};
  }
  return Status::Internal("Paillier key generation: no suitable second prime found");
}

}  // namespace fedflow::crypto
