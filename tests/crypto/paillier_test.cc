// Paillier keys and the raw layer: key shape, homomorphic identities on random residues,
// CRT against textbook decryption, fresh randomness, input validation, a 2048-bit round trip.
#include "common/crypto/paillier.h"

#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/fixed_base_exp.h"
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
  for (int window : {2, 5, 7}) {
    FixedBaseExp table(base, modulus, 300, window);
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
