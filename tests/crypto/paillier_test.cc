// Paillier keys and the raw layer: key shape, homomorphic identities on random residues,
// CRT against textbook decryption, fresh randomness, input validation, a 2048-bit round trip.
#include "common/crypto/paillier.h"

#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/fixed_base_exp.h"
#include "common/crypto/ifma_exp.h"
#include "common/crypto/mont_exp.h"
#include "tests/crypto/paillier_test_keys.h"
#include "tests/harness/test_util.h"

namespace fedflow::crypto {
namespace {

using testing::SharedKey1024;
using testing::TestRandom;

class PaillierTest : public fedflow::testing::FedflowTest {
 protected:
  void SetUp() override {
    key_ = SharedKey1024();
    ASSERT_NE(key_, nullptr) << "1024-bit key generation failed";
  }
  const PublicKey& pk() const { return key_->public_key; }
  const PrivateKey& sk() const { return key_->private_key; }
  const BigInt& n() const { return pk().n(); }

  BigInt Mod(const BigInt& v, const BigInt& m) const {
    BigInt out;
    mpz_mod(out.get(), v.get(), m.get());
    return out;
  }
  BigInt Decrypt(const BigInt& c) const {
    Result<BigInt> m = sk().DecryptRaw(c);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? *m : BigInt();
  }
  BigInt Encrypt(const BigInt& m) const {
    Result<BigInt> c = pk().EncryptRaw(m);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : BigInt();
  }

  const KeyPair* key_ = nullptr;
  TestRandom random_{20240601};
};

TEST_F(PaillierTest, GeneratesKeysOfTheRequestedShape) {
  EXPECT_EQ(pk().modulus_bits(), 1024);
  EXPECT_EQ(n().BitLength(), 1024u);
  const BigInt& p = sk().p();
  const BigInt& q = sk().q();
  EXPECT_EQ(p.BitLength(), 512u);
  EXPECT_EQ(q.BitLength(), 512u);
  EXPECT_NE(p, q);
  BigInt product, gcd, pm1, qm1;
  mpz_mul(product.get(), p.get(), q.get());
  EXPECT_EQ(product, n());
  EXPECT_GT(mpz_probab_prime_p(p.get(), 25), 0);
  EXPECT_GT(mpz_probab_prime_p(q.get(), 25), 0);
  EXPECT_EQ(mpz_fdiv_ui(p.get(), 4), 3u);
  EXPECT_EQ(mpz_fdiv_ui(q.get(), 4), 3u);
  mpz_sub_ui(pm1.get(), p.get(), 1);
  mpz_sub_ui(qm1.get(), q.get(), 1);
  mpz_gcd(gcd.get(), pm1.get(), qm1.get());
  EXPECT_EQ(gcd, BigInt::FromUint64(2));
  BigInt n_squared;
  mpz_mul(n_squared.get(), n().get(), n().get());
  EXPECT_EQ(pk().n_squared(), n_squared);
}

TEST_F(PaillierTest, RejectsBadKeyParameters) {
  for (int bits : {0, 512, 1023, 16384}) {
    Result<KeyPair> k = GenerateKeyPair(bits);
    ASSERT_FALSE(k.ok()) << bits;
    EXPECT_TRUE(k.status().IsInvalidArgument()) << k.status().ToString();
    EXPECT_NE(k.status().message().find("modulus_bits"), std::string::npos);
  }
  BigInt even = n();
  mpz_add_ui(even.get(), even.get(), 1);
  EXPECT_TRUE(PublicKey::FromModulus(even).status().IsInvalidArgument());
  EXPECT_TRUE(PublicKey::FromModulus(BigInt::FromUint64(3233)).status().IsInvalidArgument());
  EXPECT_TRUE(PrivateKey::FromPrimes(sk().p(), sk().p()).status().IsInvalidArgument());
  BigInt composite = sk().q();
  mpz_add_ui(composite.get(), composite.get(), 2);
  while (mpz_probab_prime_p(composite.get(), 25) > 0) {
    mpz_add_ui(composite.get(), composite.get(), 2);
  }
  Result<PrivateKey> bad = PrivateKey::FromPrimes(sk().p(), composite);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("q is not an odd prime"), std::string::npos)
      << bad.status().ToString();
}

TEST_F(PaillierTest, AdditionOfCiphertextsAddsPlaintexts) {
  for (int i = 0; i < 20; ++i) {
    BigInt a = random_.Below(n());
    BigInt b = random_.Below(n());
    BigInt sum;
    mpz_add(sum.get(), a.get(), b.get());
    EXPECT_EQ(Decrypt(pk().AddRaw(Encrypt(a), Encrypt(b))), Mod(sum, n()));
    EXPECT_EQ(Decrypt(pk().AddPlainRaw(Encrypt(a), b)), Mod(sum, n()));
  }
}

TEST_F(PaillierTest, ScalarMultiplicationMultipliesPlaintexts) {
  for (int i = 0; i < 20; ++i) {
    BigInt a = random_.Below(n());
    // Gradient-sized, full-size and negative scalars.
    std::vector<BigInt> scalars = {random_.Bits(64), random_.Below(n()), BigInt::FromInt64(-7)};
    BigInt negative = random_.Bits(62);
    mpz_neg(negative.get(), negative.get());
    scalars.push_back(negative);
    BigInt c = Encrypt(a);
    for (const BigInt& k : scalars) {
      Result<BigInt> product = pk().MulRaw(c, k);
      ASSERT_OK(product);
      BigInt expected;
      mpz_mul(expected.get(), a.get(), k.get());
      EXPECT_EQ(Decrypt(*product), Mod(expected, n())) << "k=" << k;
    }
  }
}

TEST_F(PaillierTest, NegativeScalarActsAsNMinusK) {
  BigInt a = random_.Below(n());
  BigInt k = random_.Bits(60);
  BigInt minus_k, n_minus_k;
  mpz_neg(minus_k.get(), k.get());
  mpz_sub(n_minus_k.get(), n().get(), k.get());
  BigInt c = Encrypt(a);
  Result<BigInt> via_negative = pk().MulRaw(c, minus_k);
  Result<BigInt> via_n_minus_k = pk().MulRaw(c, n_minus_k);
  ASSERT_OK(via_negative);
  ASSERT_OK(via_n_minus_k);
  EXPECT_EQ(Decrypt(*via_negative), Decrypt(*via_n_minus_k));
}

TEST_F(PaillierTest, NegationAndZero) {
  BigInt zero;
  EXPECT_EQ(Decrypt(Encrypt(zero)), zero);
  for (int i = 0; i < 10; ++i) {
    BigInt a = random_.Below(n());
    if (a.IsZero()) continue;
    BigInt c = Encrypt(a);
    Result<BigInt> negated = pk().NegateRaw(c);
    ASSERT_OK(negated);
    BigInt expected;
    mpz_sub(expected.get(), n().get(), a.get());
    EXPECT_EQ(Decrypt(*negated), expected);
    EXPECT_EQ(Decrypt(pk().AddRaw(c, *negated)), zero);
    Result<BigInt> times_zero = pk().MulRaw(c, zero);
    ASSERT_OK(times_zero);
    EXPECT_EQ(Decrypt(*times_zero), zero);
  }
  BigInt n_minus_1;
  mpz_sub_ui(n_minus_1.get(), n().get(), 1);
  EXPECT_EQ(Decrypt(pk().AddRaw(Encrypt(n_minus_1), Encrypt(BigInt::FromUint64(1)))), zero);
}

TEST_F(PaillierTest, ShiftMultipliesByAPowerOfTwo) {
  BigInt a = random_.Bits(300);
  BigInt expected;
  mpz_mul_2exp(expected.get(), a.get(), 77);
  EXPECT_EQ(Decrypt(pk().ShiftRaw(Encrypt(a), 77)), Mod(expected, n()));
}

TEST_F(PaillierTest, EncryptionUsesFreshRandomness) {
  BigInt m = random_.Below(n());
  BigInt c1 = Encrypt(m);
  BigInt c2 = Encrypt(m);
  EXPECT_NE(c1, c2);
  EXPECT_EQ(Decrypt(c1), m);
  EXPECT_EQ(Decrypt(c2), m);
  Result<BigInt> r1 = pk().RandomObfuscator();
  Result<BigInt> r2 = pk().RandomObfuscator();
  ASSERT_OK(r1);
  ASSERT_OK(r2);
  EXPECT_NE(*r1, *r2);
  EXPECT_TRUE(Decrypt(*r1).IsZero());
  Result<EncryptedNumber> e = crypto::Encrypt(pk(), 1.5);
  ASSERT_OK(e);
  Result<EncryptedNumber> again = Rerandomize(pk(), *e);
  ASSERT_OK(again);
  EXPECT_NE(again->ciphertext, e->ciphertext);
  Result<double> x = crypto::Decrypt(sk(), *again);
  ASSERT_OK(x);
  EXPECT_EQ(*x, 1.5);
  EXPECT_GT(pk().obfuscator_table_bytes(), 0u);
}

TEST_F(PaillierTest, CrtDecryptionEqualsTextbookDecryption) {
  for (int i = 0; i < 10; ++i) {
    BigInt c = Encrypt(random_.Below(n()));
    Result<BigInt> textbook = sk().DecryptRawTextbook(c);
    ASSERT_OK(textbook);
    EXPECT_EQ(Decrypt(c), *textbook);
  }
  // Arbitrary units mod n^2 (not produced by our encryptor) decrypt alike.
  for (int i = 0; i < 10; ++i) {
    BigInt c = random_.Below(pk().n_squared());
    Result<BigInt> textbook = sk().DecryptRawTextbook(c);
    ASSERT_OK(textbook);
    EXPECT_EQ(Decrypt(c), *textbook);
  }
}

TEST_F(PaillierTest, CrtDecryptionEqualsTextbookDecryptionOnManyCiphertexts) {
  // The CRT path runs on IFMA or OpenSSL's Montgomery exponentiation, the textbook one on
  // mpz_powm.
  for (int i = 0; i < 200; ++i) {
    BigInt c = i % 2 == 0 ? Encrypt(random_.Below(n())) : random_.Below(pk().n_squared());
    if (c.IsZero()) continue;
    Result<BigInt> textbook = sk().DecryptRawTextbook(c);
    ASSERT_OK(textbook);
    ASSERT_EQ(Decrypt(c), *textbook) << i;
  }
  // Edge units: 1, 2, g = n + 1, n^2 - 1.
  BigInt g, top;
  mpz_add_ui(g.get(), n().get(), 1);
  mpz_sub_ui(top.get(), pk().n_squared().get(), 1);
  for (const BigInt& c : {BigInt::FromUint64(1), BigInt::FromUint64(2), g, top}) {
    Result<BigInt> textbook = sk().DecryptRawTextbook(c);
    ASSERT_OK(textbook);
    EXPECT_EQ(Decrypt(c), *textbook);
  }
  EXPECT_EQ(Decrypt(g), BigInt::FromUint64(1));
}

TEST_F(PaillierTest, MontgomeryPowModMatchesPowm) {
  for (unsigned long bits : {64ul, 1024ul, 1000ul, 2048ul, 4096ul}) {
    BigInt modulus = random_.Bits(bits);
    mpz_setbit(modulus.get(), bits - 1);
    mpz_setbit(modulus.get(), 0);
    MontgomeryModulus mont(modulus);
    BigInt m_minus_1;
    mpz_sub_ui(m_minus_1.get(), modulus.get(), 1);
    BigInt twice;  // A base above the modulus.
    mpz_mul_2exp(twice.get(), modulus.get(), 1);
    mpz_add_ui(twice.get(), twice.get(), 12345);
    std::vector<BigInt> bases = {
        BigInt(), BigInt::FromUint64(1), BigInt::FromUint64(2), m_minus_1, modulus, twice};
    std::vector<BigInt> exponents = {BigInt(), BigInt::FromUint64(1), BigInt::FromUint64(2),
                                     m_minus_1};
    for (int i = 0; i < 40; ++i) {
      bases.push_back(random_.Below(modulus));
      exponents.push_back(random_.Bits(i % 2 == 0 ? 53 : bits / 2));
    }
    BigInt expected, got;
    for (const BigInt& b : bases) {
      for (size_t e = 0; e < exponents.size(); e += (&b == &bases.back() ? 1 : 7)) {
        mpz_powm(expected.get(), b.get(), exponents[e].get(), modulus.get());
        mont.PowMod(b, exponents[e], &got);
        ASSERT_EQ(got, expected) << bits << "-bit modulus";
      }
    }
    // Negative bases, as mpz_powm takes them.
    BigInt negative;
    mpz_neg(negative.get(), bases.back().get());
    mpz_powm(expected.get(), negative.get(), exponents[2].get(), modulus.get());
    mont.PowMod(negative, exponents[2], &got);
    EXPECT_EQ(got, expected);
    // Output aliasing an input.
    BigInt x = bases.back();
    mpz_powm(expected.get(), x.get(), exponents.back().get(), modulus.get());
    mont.PowMod(x, exponents.back(), &x);
    EXPECT_EQ(x, expected);
  }
}

TEST_F(PaillierTest, IfmaBatchPowModMatchesPowm) {
  if (!IfmaAvailable()) GTEST_SKIP() << "CPU without avx512ifma";
  // Moduli of every supported limb count, including each count's largest size, and odd
  // moduli of unusual sizes.
  size_t checked = 0;
  for (unsigned long bits :
       {64ul, 1000ul, 1024ul, 1038ul, 1039ul, 2048ul, 2078ul, 4096ul, 4158ul}) {
    std::vector<BigInt> moduli(2);
    for (BigInt& m : moduli) {
      m = random_.Bits(bits);
      mpz_setbit(m.get(), bits - 1);
      mpz_setbit(m.get(), 0);
    }
    if (bits == 1024) mpz_set(moduli[1].get(), pk().n().get());  // The modulus 2^1024 - small.
    std::vector<std::unique_ptr<IfmaModulus>> ifma;
    for (const BigInt& m : moduli) {
      ifma.push_back(IfmaModulus::Create(m));
      ASSERT_NE(ifma.back(), nullptr) << bits;
    }
    std::vector<BigInt> bases, exponents, results;
    std::vector<size_t> which;  // modulus index per task
    auto add = [&](size_t mi, BigInt base, BigInt exponent) {
      which.push_back(mi);
      bases.push_back(std::move(base));
      exponents.push_back(std::move(exponent));
    };
    for (size_t mi = 0; mi < moduli.size(); ++mi) {
      const BigInt& m = moduli[mi];
      BigInt m_minus_1, above;
      mpz_sub_ui(m_minus_1.get(), m.get(), 1);
      mpz_mul_2exp(above.get(), m.get(), 3);
      mpz_add_ui(above.get(), above.get(), 99);
      for (const BigInt& b :
           {BigInt(), BigInt::FromUint64(1), BigInt::FromUint64(2), m_minus_1, m, above}) {
        for (const BigInt& e : {BigInt(), BigInt::FromUint64(1), BigInt::FromUint64(2),
                                BigInt::FromUint64(31), m_minus_1}) {
          add(mi, b, e);
        }
      }
      // Random bases; exponents of mixed sizes in one group of eight.
      const int random_tasks = bits > 2100 ? 120 : 400;
      for (int i = 0; i < random_tasks; ++i) {
        unsigned long e_bits = i % 8 == 0 ? bits / 2 : (i % 3 == 0 ? 64 : 1 + i % 61);
        add(mi, random_.Below(m), random_.Bits(e_bits));
      }
    }
    // Interleave the two moduli, and leave a partial last group of eight.
    results.resize(bases.size());
    std::vector<IfmaPowTask> tasks;
    for (size_t i = 0; i < bases.size(); ++i) {
      size_t j = (i * 7) % bases.size();  // a permutation (bases.size() is not a multiple of 7)
      tasks.push_back({&bases[j], &exponents[j], ifma[which[j]].get(), &results[j]});
    }
    ASSERT_NE(bases.size() % 7, 0u);
    ASSERT_NE(bases.size() % 8, 0u);
    IfmaPowModBatch(tasks);
    BigInt expected;
    for (size_t i = 0; i < bases.size(); ++i) {
      mpz_powm(expected.get(), bases[i].get(), exponents[i].get(), moduli[which[i]].get());
      ASSERT_EQ(results[i], expected) << bits << "-bit modulus, task " << i;
      ++checked;
    }
    // Results written over their bases.
    std::vector<BigInt> in_place(bases.begin(), bases.begin() + 11);
    tasks.clear();
    for (size_t i = 0; i < in_place.size(); ++i) {
      tasks.push_back({&in_place[i], &exponents[i], ifma[which[i]].get(), &in_place[i]});
    }
    IfmaPowModBatch(tasks);
    for (size_t i = 0; i < in_place.size(); ++i) EXPECT_EQ(in_place[i], results[i]);
    // Negative bases, as mpz_powm takes them.
    BigInt negative, negative_result;
    mpz_neg(negative.get(), bases.back().get());
    IfmaPowModBatch({{&negative, &exponents.back(), ifma[which.back()].get(), &negative_result},
                     {&negative, &exponents[2], ifma[which.back()].get(), &negative}});
    mpz_powm(expected.get(), bases.back().get(), exponents.back().get(),
             moduli[which.back()].get());
    if (mpz_odd_p(exponents.back().get()))
      mpz_sub(expected.get(), moduli[which.back()].get(), expected.get());
    mpz_mod(expected.get(), expected.get(), moduli[which.back()].get());
    EXPECT_EQ(negative_result, expected) << bits;
  }
  EXPECT_GT(checked, 5000u);
  // Unsupported moduli.
  EXPECT_EQ(IfmaModulus::Create(BigInt::FromUint64(1000)), nullptr);  // even
  EXPECT_EQ(IfmaModulus::Create(BigInt::FromUint64(1)), nullptr);
  BigInt huge;
  mpz_setbit(huge.get(), IfmaModulus::kMaxBits);
  mpz_setbit(huge.get(), 0);
  EXPECT_EQ(IfmaModulus::Create(huge), nullptr);
  mpz_clrbit(huge.get(), IfmaModulus::kMaxBits);
  mpz_setbit(huge.get(), IfmaModulus::kMaxBits - 1);
  EXPECT_NE(IfmaModulus::Create(huge), nullptr);
}

TEST_F(PaillierTest, IfmaGroupsOfEverySizeMatchPowm) {
  if (!IfmaAvailable()) GTEST_SKIP() << "CPU without avx512ifma";
  // 1..17 tasks for every limb count: full groups of eight, and every remainder (one or two
  // at a time with the horizontal code, or a group of four or eight lanes).
  for (unsigned long bits : {1024ul, 2048ul, 4096ul}) {
    BigInt m = random_.Bits(bits);
    mpz_setbit(m.get(), bits - 1);
    mpz_setbit(m.get(), 0);
    if (bits == 2048) m = pk().n_squared();
    std::unique_ptr<IfmaModulus> ifma = IfmaModulus::Create(m);
    ASSERT_NE(ifma, nullptr);
    for (size_t count = 1; count <= 17; ++count) {
      std::vector<BigInt> bases, exponents, results(count);
      std::vector<IfmaPowTask> tasks;
      for (size_t i = 0; i < count; ++i) {
        bases.push_back(random_.Below(m));
        exponents.push_back(random_.Bits(1 + (i * 13) % 70));
      }
      for (size_t i = 0; i < count; ++i) {
        tasks.push_back({&bases[i], &exponents[i], ifma.get(), &results[i]});
      }
      IfmaPowModBatch(tasks);
      BigInt expected;
      for (size_t i = 0; i < count; ++i) {
        mpz_powm(expected.get(), bases[i].get(), exponents[i].get(), m.get());
        ASSERT_EQ(results[i], expected)
            << bits << "-bit modulus, " << count << " tasks, task " << i;
      }
    }
  }
}

// IfmaPowModSingle and IfmaPowModPair (the horizontal multiplication) against mpz_powm:
// every limb count, moduli at each count's size limit, small and sparse or all-ones
// moduli; bases 0, 1, 2, m - 1, m, m + 1, above m, negative, random; exponents 0, 1, 2, 3,
// small, powers of two, 53-bit, half and full size, m - 1.
TEST_F(PaillierTest, IfmaHorizontalPowModMatchesPowm) {
  if (!IfmaAvailable()) GTEST_SKIP() << "CPU without avx512ifma";
  std::vector<BigInt> moduli;
  auto add_modulus = [&](BigInt m) { moduli.push_back(std::move(m)); };
  for (unsigned long small : {3ul, 7ul, 65537ul, (1ul << 52) - 1, (1ul << 52) + 1}) {
    add_modulus(BigInt::FromUint64(small));
  }
  for (unsigned long bits :
       {64ul, 200ul, 1000ul, 1024ul, 1038ul, 1039ul, 2048ul, 2078ul, 4096ul, 4158ul}) {
    BigInt m = random_.Bits(bits);
    mpz_setbit(m.get(), bits - 1);
    mpz_setbit(m.get(), 0);
    add_modulus(m);
    BigInt ones;  // 2^bits - 1: every 52-bit limb 2^52 - 1 (but the top one).
    mpz_setbit(ones.get(), bits);
    mpz_sub_ui(ones.get(), ones.get(), 1);
    add_modulus(ones);
    BigInt sparse;  // 2^(bits-1) + 1
    mpz_setbit(sparse.get(), bits - 1);
    mpz_setbit(sparse.get(), 0);
    add_modulus(sparse);
  }
  add_modulus(n());
  add_modulus(pk().n_squared());
  add_modulus(Mod(sk().p(), n()));
  BigInt p_squared;
  mpz_mul(p_squared.get(), sk().p().get(), sk().p().get());
  add_modulus(p_squared);

  struct Case {
    size_t modulus;
    BigInt base, exponent;
  };
  std::vector<Case> cases;
  std::vector<std::unique_ptr<IfmaModulus>> ifma;
  for (size_t mi = 0; mi < moduli.size(); ++mi) {
    const BigInt& m = moduli[mi];
    ifma.push_back(IfmaModulus::Create(m));
    ASSERT_NE(ifma.back(), nullptr) << m.BitLength() << "-bit modulus";
    const unsigned long bits = m.BitLength();
    BigInt m_minus_1, m_plus_1, above, negative;
    mpz_sub_ui(m_minus_1.get(), m.get(), 1);
    mpz_add_ui(m_plus_1.get(), m.get(), 1);
    mpz_mul_2exp(above.get(), m.get(), 3);
    mpz_add_ui(above.get(), above.get(), 99);
    negative = random_.Bits(bits + 5);
    mpz_neg(negative.get(), negative.get());
    BigInt power_of_two;
    mpz_setbit(power_of_two.get(), 77);
    std::vector<BigInt> bases = {
        BigInt(), BigInt::FromUint64(1), BigInt::FromUint64(2), m_minus_1, m, m_plus_1, above,
        negative, random_.Below(m)};
    std::vector<BigInt> exponents = {BigInt(),
                                     BigInt::FromUint64(1),
                                     BigInt::FromUint64(2),
                                     BigInt::FromUint64(3),
                                     BigInt::FromUint64(31),
                                     power_of_two,
                                     random_.Bits(1 + random_.Bits(6).Bits(0, 6)),
                                     random_.Bits(53),
                                     random_.Bits(std::max(1ul, bits / 2)),
                                     random_.Bits(bits),
                                     m_minus_1};
    for (const BigInt& b : bases) {
      for (const BigInt& e : exponents) cases.push_back({mi, b, e});
    }
    const int random_cases = bits > 2100 ? 10 : 60;
    for (int i = 0; i < random_cases; ++i) {
      const unsigned long e_bits = i % 4 == 0 ? bits : (i % 4 == 1 ? 53 : 1 + i % 70);
      cases.push_back({mi, random_.Below(m), random_.Bits(e_bits)});
    }
  }
  std::vector<BigInt> expected(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    mpz_powm(expected[i].get(), c.base.get(), c.exponent.get(), moduli[c.modulus].get());
  }
  size_t checked = 0;
  // One at a time.
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    BigInt got;
    IfmaPowModSingle({&c.base, &c.exponent, ifma[c.modulus].get(), &got});
    ASSERT_EQ(got, expected[i]) << "single: " << moduli[c.modulus].BitLength() << "-bit modulus "
                                << c.modulus << ", base " << c.base << ", exponent " << c.exponent;
    ++checked;
  }
  // In pairs: each case with one of another modulus of the same limb count.
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& a = cases[i];
    size_t j = (i * 7919 + 13) % cases.size();
    while (ifma[cases[j].modulus]->limbs() != ifma[a.modulus]->limbs()) j = (j + 1) % cases.size();
    const Case& b = cases[j];
    BigInt got_a, got_b;
    IfmaPowModPair({&a.base, &a.exponent, ifma[a.modulus].get(), &got_a},
                   {&b.base, &b.exponent, ifma[b.modulus].get(), &got_b});
    ASSERT_EQ(got_a, expected[i]) << "pair, first: " << moduli[a.modulus].BitLength()
                                  << "-bit modulus " << a.modulus << ", exponent " << a.exponent;
    ASSERT_EQ(got_b, expected[j]) << "pair, second: " << moduli[b.modulus].BitLength()
                                  << "-bit modulus " << b.modulus << ", exponent " << b.exponent;
    checked += 2;
  }
  EXPECT_GT(checked, 10000u);
  // Results written over the base or the exponent.
  for (size_t i = 0; i < cases.size(); i += 17) {
    const Case& c = cases[i];
    BigInt base = c.base, exponent = c.exponent, other_base = c.base;
    IfmaPowModSingle({&base, &c.exponent, ifma[c.modulus].get(), &base});
    EXPECT_EQ(base, expected[i]);
    IfmaPowModSingle({&c.base, &exponent, ifma[c.modulus].get(), &exponent});
    EXPECT_EQ(exponent, expected[i]);
    base = c.base;
    IfmaPowModPair({&base, &c.exponent, ifma[c.modulus].get(), &base},
                   {&other_base, &c.exponent, ifma[c.modulus].get(), &other_base});
    EXPECT_EQ(base, expected[i]);
    EXPECT_EQ(other_base, expected[i]);
  }
}

// The wired single exponentiations against GMP: MulRaw (including negative scalars, an
// inversion) and ShiftRaw, for 1024- and 2048-bit keys; and the CRT decryption against the
// textbook one for a 2048-bit key.
TEST_F(PaillierTest, SingleExponentiationsMatchGmp) {
  Result<KeyPair> key2048 = GenerateKeyPair(2048);
  ASSERT_OK(key2048);
  for (const KeyPair* key : {key_, static_cast<const KeyPair*>(&*key2048)}) {
    const PublicKey& public_key = key->public_key;
    const BigInt& n2 = public_key.n_squared();
    const int rounds = public_key.modulus_bits() == 1024 ? 300 : 60;
    BigInt expected;
    for (int i = 0; i < rounds; ++i) {
      BigInt c = random_.Below(n2);
      if (c.IsZero()) continue;
      BigInt k = random_.Bits(i % 3 == 0 ? 53 : (i % 3 == 1 ? 62 : 1 + i % 64));
      if (i % 4 == 3) mpz_neg(k.get(), k.get());
      BigInt magnitude;
      mpz_abs(magnitude.get(), k.get());
      mpz_powm(expected.get(), c.get(), magnitude.get(), n2.get());
      Result<BigInt> product = public_key.MulRaw(c, k);
      if (k.Sign() < 0 && mpz_invert(expected.get(), expected.get(), n2.get()) == 0) {
        EXPECT_FALSE(product.ok());  // c shares a factor with n
        continue;
      }
      ASSERT_OK(product);
      ASSERT_EQ(*product, expected) << public_key.modulus_bits() << "-bit key, k = " << k;
    }
    BigInt c = random_.Below(n2);
    for (size_t shift : {0ul, 1ul, 2ul, 13ul, 77ul, 300ul}) {
      BigInt exponent;
      mpz_setbit(exponent.get(), shift);
      mpz_powm(expected.get(), c.get(), exponent.get(), n2.get());
      EXPECT_EQ(public_key.ShiftRaw(c, shift), expected) << shift;
    }
  }
  const PrivateKey& sk2 = key2048->private_key;
  const BigInt& n2 = key2048->public_key.n_squared();
  BigInt g, top;
  mpz_add_ui(g.get(), key2048->public_key.n().get(), 1);
  mpz_sub_ui(top.get(), n2.get(), 1);
  std::vector<BigInt> cs = {BigInt::FromUint64(1), BigInt::FromUint64(2), g, top};
  for (int i = 0; i < 30; ++i) cs.push_back(random_.Below(n2));
  for (const BigInt& c : cs) {
    if (c.IsZero()) continue;
    Result<BigInt> textbook = sk2.DecryptRawTextbook(c);
    ASSERT_OK(textbook);
    Result<BigInt> crt = sk2.DecryptRaw(c);
    ASSERT_OK(crt);
    ASSERT_EQ(*crt, *textbook);
  }
}

TEST_F(PaillierTest, IfmaMultiExponentiationMatchesPowm) {
  if (!IfmaAvailable()) GTEST_SKIP() << "CPU without avx512ifma";
  for (unsigned long bits : {1024ul, 2048ul, 4096ul}) {
    BigInt m = random_.Bits(bits);
    mpz_setbit(m.get(), bits - 1);
    mpz_setbit(m.get(), 0);
    std::unique_ptr<IfmaModulus> ifma = IfmaModulus::Create(m);
    ASSERT_NE(ifma, nullptr);
    BigInt m_minus_1, above;
    mpz_sub_ui(m_minus_1.get(), m.get(), 1);
    mpz_mul_2exp(above.get(), m.get(), 1);
    mpz_add_ui(above.get(), above.get(), 7);
    for (size_t terms : {1u, 7u, 8u, 9u, 16u, 17u, 100u, 301u}) {
      std::vector<BigInt> bases, exponents;
      for (size_t i = 0; i < terms; ++i) {
        switch (i % 11) {
          case 3:
            bases.push_back(BigInt());
            break;
          case 4:
            bases.push_back(BigInt::FromUint64(1));
            break;
          case 5:
            bases.push_back(m_minus_1);
            break;
          case 6:
            bases.push_back(above);
            break;
          default:
            bases.push_back(random_.Below(m));
        }
        exponents.push_back(i % 9 == 2 ? BigInt() : random_.Bits(i % 5 == 0 ? 62 : 1 + i % 70));
      }
      if (terms == 17) exponents[16] = random_.Bits(bits / 4);  // One long exponent.
      std::vector<const BigInt*> ptrs;
      BigInt expected = BigInt::FromUint64(1), power;
      for (size_t i = 0; i < terms; ++i) {
        ptrs.push_back(&bases[i]);
        mpz_powm(power.get(), bases[i].get(), exponents[i].get(), m.get());
        mpz_mul(expected.get(), expected.get(), power.get());
        mpz_mod(expected.get(), expected.get(), m.get());
      }
      ASSERT_EQ(IfmaMultiExponentiate(ptrs, exponents, *ifma), expected)
          << bits << "-bit modulus, " << terms << " terms";
    }
    if (bits == 1024) {
      // More terms than one pass takes.
      const size_t terms = 16384 + 100;
      std::vector<BigInt> bases, exponents;
      std::vector<const BigInt*> ptrs;
      for (size_t i = 0; i < terms; ++i) {
        bases.push_back(random_.Below(m));
        exponents.push_back(random_.Bits(i % 7 == 0 ? 20 : 8));
      }
      for (const BigInt& b : bases) ptrs.push_back(&b);
      BigInt expected = BigInt::FromUint64(1), power;
      for (size_t i = 0; i < terms; ++i) {
        mpz_powm(power.get(), bases[i].get(), exponents[i].get(), m.get());
        mpz_mul(expected.get(), expected.get(), power.get());
        mpz_mod(expected.get(), expected.get(), m.get());
      }
      EXPECT_EQ(IfmaMultiExponentiate(ptrs, exponents, *ifma), expected);
    }
    std::vector<BigInt> zeros(20);
    std::vector<const BigInt*> ptrs(20, &m_minus_1);
    EXPECT_EQ(IfmaMultiExponentiate(ptrs, zeros, *ifma), BigInt::FromUint64(1));
    EXPECT_EQ(IfmaMultiExponentiate({}, {}, *ifma), BigInt::FromUint64(1));
  }
}

TEST_F(PaillierTest, BatchDecryptionEqualsSingleDecryption) {
  // DecryptRawBatch runs on IFMA where the CPU has it; DecryptRaw one at a time.
  for (size_t count : {1u, 2u, 7u, 8u, 9u, 33u}) {
    std::vector<BigInt> cs;
    for (size_t i = 0; i < count; ++i) {
      cs.push_back(i % 3 == 0 ? Encrypt(random_.Below(n())) : random_.Below(pk().n_squared()));
      if (cs.back().IsZero()) cs.back() = BigInt::FromUint64(1);
    }
    std::vector<const BigInt*> ptrs;
    for (const BigInt& c : cs) ptrs.push_back(&c);
    Result<std::vector<BigInt>> batch = sk().DecryptRawBatch(ptrs);
    ASSERT_OK(batch);
    ASSERT_EQ(batch->size(), count);
    for (size_t i = 0; i < count; ++i) {
      EXPECT_EQ((*batch)[i], Decrypt(cs[i])) << i;
      EXPECT_EQ((*batch)[i], *sk().DecryptRawTextbook(cs[i])) << i;
    }
  }
  EXPECT_TRUE(sk().DecryptRawBatch({})->empty());
  BigInt zero;
  BigInt one = BigInt::FromUint64(1);
  Result<std::vector<BigInt>> bad = sk().DecryptRawBatch({&one, &one, &zero});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("element 2"), std::string::npos);
}

TEST_F(PaillierTest, BatchPowerEqualsSingleMultiplication) {
  for (size_t count : {1u, 2u, 9u, 20u}) {
    std::vector<BigInt> cs, ks;
    for (size_t i = 0; i < count; ++i) {
      cs.push_back(Encrypt(random_.Below(n())));
      ks.push_back(i == 1 ? BigInt() : random_.Bits(i % 2 ? 53 : 62));
    }
    std::vector<const BigInt*> ptrs;
    for (const BigInt& c : cs) ptrs.push_back(&c);
    std::vector<BigInt> powers = pk().PowRawBatch(ptrs, ks);
    ASSERT_EQ(powers.size(), count);
    for (size_t i = 0; i < count; ++i) EXPECT_EQ(powers[i], *pk().MulRaw(cs[i], ks[i])) << i;
  }
}

TEST_F(PaillierTest, BatchInversionEqualsPerElementInversion) {
  const BigInt& modulus = pk().n_squared();
  for (size_t count : {1u, 2u, 3u, 50u}) {
    std::vector<BigInt> values, expected(count);
    for (size_t i = 0; i < count; ++i) {
      values.push_back(i == 1 ? BigInt::FromUint64(1) : random_.Below(modulus));
      ASSERT_NE(mpz_invert(expected[i].get(), values[i].get(), modulus.get()), 0);
    }
    std::vector<BigInt*> ptrs;
    for (BigInt& v : values) ptrs.push_back(&v);
    EXPECT_EQ(BatchInvert(ptrs, modulus), -1);
    EXPECT_EQ(values, expected) << count;
  }
  std::vector<BigInt*> none;
  EXPECT_EQ(BatchInvert(none, modulus), -1);
  // A non-invertible element is located, and nothing is changed.
  std::vector<BigInt> values = {random_.Below(modulus), random_.Below(modulus), sk().q(),
                                random_.Below(modulus)};
  std::vector<BigInt> before = values;
  std::vector<BigInt*> ptrs;
  for (BigInt& v : values) ptrs.push_back(&v);
  EXPECT_EQ(BatchInvert(ptrs, modulus), 2);
  EXPECT_EQ(values, before);
}

TEST_F(PaillierTest, RejectsOutOfRangeInputs) {
  BigInt minus_one = BigInt::FromInt64(-1);
  EXPECT_TRUE(pk().EncryptRaw(n()).status().IsInvalidArgument());
  EXPECT_TRUE(pk().EncryptRaw(minus_one).status().IsInvalidArgument());
  for (const BigInt& c : {BigInt(), pk().n_squared(), minus_one}) {
    Result<BigInt> m = sk().DecryptRaw(c);
    ASSERT_FALSE(m.ok());
    EXPECT_NE(m.status().message().find("outside (0, n^2)"), std::string::npos);
  }
  // A "ciphertext" sharing the factor p with n has no inverse.
  Result<BigInt> negated = pk().NegateRaw(sk().p());
  ASSERT_FALSE(negated.ok());
  EXPECT_NE(negated.status().message().find("not invertible"), std::string::npos);
}

TEST_F(PaillierTest, FixedBaseExponentiationMatchesPowm) {
  const BigInt& modulus = pk().n_squared();
  BigInt base = random_.Below(modulus);
  // On GMP, and on the IFMA lanes where the CPU has them (null otherwise: GMP again).
  std::unique_ptr<IfmaModulus> ifma = IfmaModulus::Create(modulus);
  for (int window : {2, 5, 7, -2, -5, -7}) {
    FixedBaseExp table(base, modulus, 300, std::abs(window), window < 0 ? ifma.get() : nullptr);
    EXPECT_GE(table.max_exponent_bits(), 300u);
    BigInt all_ones;
    mpz_setbit(all_ones.get(), table.max_exponent_bits());
    mpz_sub_ui(all_ones.get(), all_ones.get(), 1);
    std::vector<BigInt> exponents = {BigInt(), BigInt::FromUint64(1), all_ones};
    for (int i = 0; i < 10; ++i) exponents.push_back(random_.Bits(300));
    for (const BigInt& e : exponents) {
      BigInt got, expected;
      ASSERT_OK(table.Pow(e, &got));
      mpz_powm(expected.get(), base.get(), e.get(), modulus.get());
      EXPECT_EQ(got, expected) << "window " << window << " exponent " << e;
    }
    BigInt too_big;
    mpz_setbit(too_big.get(), table.max_exponent_bits());
    BigInt out;
    EXPECT_FALSE(table.Pow(too_big, &out).ok());
  }
}

TEST_F(PaillierTest, ConcurrentFirstEncryptionsShareOneTable) {
  // A fresh key object: its table is built by whichever thread encrypts first.
  Result<PublicKey> fresh = PublicKey::FromModulus(n());
  ASSERT_OK(fresh);
  EXPECT_EQ(fresh->obfuscator_table_bytes(), 0u);
  std::vector<BigInt> ciphertexts(4);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < ciphertexts.size(); ++t) {
    threads.emplace_back([&, t] {
      Result<BigInt> c = fresh->EncryptRaw(BigInt::FromUint64(1000 + t));
      if (c.ok()) ciphertexts[t] = *c;
    });
  }
  for (std::thread& t : threads) t.join();
  for (size_t t = 0; t < ciphertexts.size(); ++t) {
    EXPECT_EQ(Decrypt(ciphertexts[t]), BigInt::FromUint64(1000 + t));
  }
}

TEST_F(PaillierTest, RoundTrip2048) {
  Result<KeyPair> key = GenerateKeyPair(2048);
  ASSERT_OK(key);
  const PublicKey& pk2 = key->public_key;
  const PrivateKey& sk2 = key->private_key;
  EXPECT_EQ(pk2.modulus_bits(), 2048);
  BigInt a = random_.Below(pk2.n());
  BigInt b = random_.Below(pk2.n());
  Result<BigInt> ca = pk2.EncryptRaw(a);
  Result<BigInt> cb = pk2.EncryptRaw(b);
  ASSERT_OK(ca);
  ASSERT_OK(cb);
  Result<BigInt> da = sk2.DecryptRaw(*ca);
  ASSERT_OK(da);
  EXPECT_EQ(*da, a);
  BigInt sum;
  mpz_add(sum.get(), a.get(), b.get());
  Result<BigInt> dsum = sk2.DecryptRaw(pk2.AddRaw(*ca, *cb));
  ASSERT_OK(dsum);
  EXPECT_EQ(*dsum, Mod(sum, pk2.n()));
  Result<BigInt> textbook = sk2.DecryptRawTextbook(*ca);
  ASSERT_OK(textbook);
  EXPECT_EQ(*textbook, a);
  Result<EncryptedNumber> x = crypto::Encrypt(pk2, -1234.5678e-3);
  ASSERT_OK(x);
  Result<EncryptedNumber> y = MulScalar(pk2, *x, -2.5);
  ASSERT_OK(y);
  Result<double> decrypted = crypto::Decrypt(sk2, *y);
  ASSERT_OK(decrypted);
  EXPECT_EQ(*decrypted, -1234.5678e-3 * -2.5);
}

}  // namespace
}  // namespace fedflow::crypto
