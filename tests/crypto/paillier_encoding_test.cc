// Fixed-point encoding and the double-valued layer: round trips across magnitudes, exact
// operations, sums of many values, overflow detection, vectors and dot products.
#include "common/crypto/fixed_point.h"

#include <cmath>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/paillier_vector.h"
#include "tests/crypto/paillier_test_keys.h"
#include "tests/harness/test_util.h"

namespace fedflow::crypto {
namespace {

using testing::SharedKey1024;
using testing::TestRandom;

class PaillierEncodingTest : public fedflow::testing::FedflowTest {
 protected:
  void SetUp() override {
    key_ = SharedKey1024();
    ASSERT_NE(key_, nullptr) << "1024-bit key generation failed";
  }
  const PublicKey& pk() const { return key_->public_key; }
  const PrivateKey& sk() const { return key_->private_key; }
  const FixedPointCodec& codec() const { return pk().codec(); }

  // Doubles from 1e-8 to 1e12 with random mantissas, both signs.
  std::vector<double> AcrossMagnitudes() {
    std::vector<double> out;
    for (int e = -8; e <= 12; ++e) {
      double x = (1.0 + random_.Unit()) * std::pow(10.0, e);
      out.push_back(x);
      out.push_back(-x);
    }
    return out;
  }

  double Dec(const EncryptedNumber& c) {
    Result<double> x = Decrypt(sk(), c);
    EXPECT_TRUE(x.ok()) << x.status().ToString();
    return x.ok() ? *x : NAN;
  }
  EncryptedNumber Enc(double x) {
    Result<EncryptedNumber> c = Encrypt(pk(), x);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? *c : EncryptedNumber();
  }

  static bool IsOverflow(const Status& s) {
    return s.IsInvalidArgument() && s.message().find(kOverflowMessage) != std::string::npos;
  }

  const KeyPair* key_ = nullptr;
  TestRandom random_{7};
};

TEST_F(PaillierEncodingTest, EncodingRoundTripsExactlyAcrossMagnitudes) {
  std::vector<double> values = AcrossMagnitudes();
  values.insert(values.end(), {0x1p-75, -0x1p-75, 0x1p100, 3.0e200 * 0x1p-300, 1.0 / 3.0});
  for (double x : values) {
    Result<EncodedNumber> e = codec().Encode(x, kDefaultEncryptExponent);
    ASSERT_OK(e);
    Result<double> back = codec().Decode(*e);
    ASSERT_OK(back);
    EXPECT_EQ(*back, x);
  }
}

TEST_F(PaillierEncodingTest, EncryptionRoundTripsExactlyAcrossMagnitudes) {
  for (double x : AcrossMagnitudes()) EXPECT_EQ(Dec(Enc(x)), x);
  EXPECT_EQ(Dec(Enc(0.0)), 0.0);
  EXPECT_EQ(Dec(Enc(-0.0)), 0.0);
}

TEST_F(PaillierEncodingTest, EncodingRoundsToTheGridAndRejectsWhatItCannotHold) {
  Result<EncodedNumber> e = codec().Encode(1.0 + 0x1p-40, -30);
  ASSERT_OK(e);
  EXPECT_EQ(*codec().Decode(*e), 1.0);
  // Ties go to even: 2.5 units -> 2, 3.5 units -> 4.
  EXPECT_EQ(*codec().Decode(*codec().Encode(2.5, 0)), 2.0);
  EXPECT_EQ(*codec().Decode(*codec().Encode(-3.5, 0)), -4.0);
  EXPECT_EQ(*codec().Decode(*codec().Encode(1e-300, -128)), 0.0);
  for (double bad : {NAN, INFINITY, -INFINITY}) {
    EXPECT_TRUE(codec().Encode(bad, -128).status().IsInvalidArgument());
  }
  Result<EncodedNumber> too_big = codec().Encode(1e300, -128);
  ASSERT_FALSE(too_big.ok());
  EXPECT_NE(too_big.status().message().find("too large"), std::string::npos)
      << too_big.status().ToString();
  EXPECT_FALSE(codec().Encode(1.0, kMinExponent - 1).ok());
}

TEST_F(PaillierEncodingTest, ScaledToDoubleRoundsToNearestEven) {
  auto v = [](uint64_t x) { return BigInt::FromUint64(x); };
  const uint64_t base = uint64_t{1} << 54;  // ulp 4
  EXPECT_EQ(*ScaledToDouble(v(base + 1), 0), 0x1p54);
  EXPECT_EQ(*ScaledToDouble(v(base + 2), 0), 0x1p54);          // tie, even
  EXPECT_EQ(*ScaledToDouble(v(base + 6), 0), 0x1p54 + 8);      // tie, even
  BigInt just_above_tie = v(base + 2);
  mpz_mul_2exp(just_above_tie.get(), just_above_tie.get(), 100);
  mpz_add_ui(just_above_tie.get(), just_above_tie.get(), 1);  // only the sticky bit says "above"
  EXPECT_EQ(*ScaledToDouble(just_above_tie, -100), 0x1p54 + 4);
  EXPECT_EQ(*ScaledToDouble(BigInt::FromInt64(-3), -1), -1.5);
  BigInt huge;
  mpz_setbit(huge.get(), 900);
  EXPECT_TRUE(ScaledToDouble(huge, 200).status().IsInvalidArgument());
}

TEST_F(PaillierEncodingTest, OperationsOnDoublesAreExactUntilTheFinalRounding) {
  std::vector<double> values = AcrossMagnitudes();
  for (size_t i = 0; i + 1 < values.size(); i += 3) {
    double a = values[i], b = values[i + 1] * (i % 2 ? 1 : -1);
    EncryptedNumber ea = Enc(a), eb = Enc(b);
    EXPECT_EQ(Dec(*Add(pk(), ea, eb)), a + b);
    EXPECT_EQ(Dec(*AddPlain(pk(), ea, b)), a + b);
    EXPECT_EQ(Dec(*Negate(pk(), ea)), -a);
    for (double k : {b, -0.3, 2.0, 0.0, -1e-9}) {
      Result<EncryptedNumber> product = MulScalar(pk(), ea, k);
      ASSERT_OK(product);
      EXPECT_EQ(Dec(*product), a * k) << a << " * " << k;
    }
  }
}

TEST_F(PaillierEncodingTest, AddsNumbersWithDifferentExponents) {
  EncryptedNumber x = Enc(1234.5);
  Result<EncryptedNumber> y = MulScalar(pk(), Enc(-0.75), 0.1);  // exponent -128 - 56
  ASSERT_OK(y);
  ASSERT_NE(x.exponent, y->exponent);
  Result<EncryptedNumber> sum = Add(pk(), x, *y);
  ASSERT_OK(sum);
  EXPECT_EQ(sum->exponent, std::min(x.exponent, y->exponent));
  EXPECT_EQ(Dec(*sum), static_cast<double>(1234.5L + -0.75L * 0.1L));
  Result<EncryptedNumber> coarser = Rescale(pk(), x, x.exponent + 1);
  EXPECT_TRUE(coarser.status().IsInvalidArgument());
}

// Reference sum with error far below the tolerance (long double, compensated).
double ReferenceSum(const std::vector<double>& xs) {
  long double sum = 0, compensation = 0;
  for (double x : xs) {
    long double y = x - compensation;
    long double t = sum + y;
    compensation = (t - sum) - y;
    sum = t;
  }
  return static_cast<double>(sum);
}

TEST_F(PaillierEncodingTest, SumOfAMillionEncodedValuesIsExact) {
  // What homomorphic addition computes is the sum of plaintext residues mod n; do that
  // directly for 10^6 values of magnitude ~1e3 (10^6 encryptions would take minutes).
  std::vector<double> xs(1000000);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = (random_.Unit() * 2 - 1) * 1e3 + 1e3;
  BigInt total;
  for (double x : xs) {
    Result<EncodedNumber> e = codec().Encode(x, kDefaultEncryptExponent);
    ASSERT_OK(e);
    mpz_add(total.get(), total.get(), e->mantissa.get());
  }
  mpz_mod(total.get(), total.get(), pk().n().get());
  Result<double> sum = codec().Decode(EncodedNumber{total, kDefaultEncryptExponent});
  ASSERT_OK(sum);
  double expected = ReferenceSum(xs);
  EXPECT_LE(std::fabs(*sum - expected), 1e-15 * std::fabs(expected))
      << *sum << " vs " << expected;
}

TEST_F(PaillierEncodingTest, EncryptedSumOfManyValuesMatchesThePlaintextSum) {
  std::vector<double> xs(2000);
  for (size_t i = 0; i < xs.size(); ++i) xs[i] = (random_.Unit() * 2 - 1) * 1e3;
  Result<std::vector<EncryptedNumber>> cs = EncryptVector(pk(), xs);
  ASSERT_OK(cs);
  EncryptedNumber total = (*cs)[0];
  for (size_t i = 1; i < cs->size(); ++i) total = *Add(pk(), total, (*cs)[i]);
  double expected = ReferenceSum(xs);
  EXPECT_LE(std::fabs(Dec(total) - expected), 1e-15 * std::fabs(expected));
}

TEST_F(PaillierEncodingTest, AdditionOverflowIsReported) {
  BigInt just_below;
  mpz_sub_ui(just_below.get(), codec().max_magnitude().get(), 1);
  Result<EncryptedNumber> big = EncryptEncoded(pk(), EncodedNumber{just_below, 0});
  ASSERT_OK(big);
  Result<EncodedNumber> plain = DecryptEncoded(sk(), *big);
  ASSERT_OK(plain);
  EXPECT_EQ(plain->mantissa, just_below);
  Result<EncryptedNumber> doubled = Add(pk(), *big, *big);
  ASSERT_OK(doubled);
  Result<double> x = Decrypt(sk(), *doubled);
  ASSERT_FALSE(x.ok());
  EXPECT_TRUE(IsOverflow(x.status())) << x.status().ToString();
  Result<EncryptedNumber> negated = Negate(pk(), *doubled);
  ASSERT_OK(negated);
  EXPECT_TRUE(IsOverflow(Decrypt(sk(), *negated).status()));
}

TEST_F(PaillierEncodingTest, MultiplyingUntilItWrapsIsReportedNeverWrong) {
  // Each multiplication by k = 1 - 2^-53 (mantissa 2^53 - 1) grows the plaintext integer
  // by 53 bits. Decrypt after every step: correct while the exact integer is in range,
  // the overflow error from the first step that leaves it, never a wrong number.
  for (double start : {1.2345e6, -7.5e-3}) {
    const double k = 1.0 - 0x1p-53;
    EncryptedNumber c = Enc(start);
    Result<EncodedNumber> exact = codec().Encode(start, kDefaultEncryptExponent);
    ASSERT_OK(exact);
    BigInt v;
    ASSERT_OK(codec().ToSigned(exact->mantissa, &v));
    bool overflowed = false;
    for (int step = 1; step <= 40 && !overflowed; ++step) {
      Result<EncryptedNumber> next = MulScalar(pk(), c, k);
      ASSERT_OK(next);
      c = std::move(next).value();
      mpz_mul(v.get(), v.get(), BigInt::FromUint64((uint64_t{1} << 53) - 1).get());
      bool in_range = mpz_cmpabs(v.get(), codec().max_magnitude().get()) < 0;
      Result<double> x = Decrypt(sk(), c);
      if (in_range) {
        ASSERT_OK(x);
        EXPECT_EQ(*x, *ScaledToDouble(v, c.exponent)) << "step " << step;
        EXPECT_NEAR(*x, start * std::pow(k, step), std::fabs(start) * 1e-14);
      } else {
        ASSERT_FALSE(x.ok()) << "step " << step << " decrypted a wrapped value";
        EXPECT_TRUE(IsOverflow(x.status())) << x.status().ToString();
        overflowed = true;
      }
    }
    EXPECT_TRUE(overflowed) << "the value never left the range";
  }
}

TEST_F(PaillierEncodingTest, HugeScalarGivesAnErrorNotAWrongNumber) {
  // A huge scalar moves the exponent, not the residue: the result is a valid plaintext
  // beyond a double's range.
  Result<EncryptedNumber> product = MulScalar(pk(), Enc(-3.0e30), 1.0e300);
  ASSERT_OK(product);
  Result<double> x = Decrypt(sk(), *product);
  ASSERT_FALSE(x.ok());
  EXPECT_NE(x.status().message().find("beyond double range"), std::string::npos);
}

TEST_F(PaillierEncodingTest, ValueBeyondDoubleRangeIsAnError) {
  BigInt big;
  mpz_setbit(big.get(), 900);
  Result<EncryptedNumber> c = EncryptEncoded(pk(), EncodedNumber{big, 200});
  ASSERT_OK(c);
  Result<double> x = Decrypt(sk(), *c);
  ASSERT_FALSE(x.ok());
  EXPECT_NE(x.status().message().find("beyond double range"), std::string::npos);
}

TEST_F(PaillierEncodingTest, SharedScalarEncoding) {
  std::vector<int64_t> m;
  Result<int32_t> e = EncodeScalarsShared({0.5, -0.75, 3.0, 0.0}, &m);
  ASSERT_OK(e);
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(std::ldexp(static_cast<double>(m[0]), *e), 0.5);
  EXPECT_EQ(std::ldexp(static_cast<double>(m[1]), *e), -0.75);
  EXPECT_EQ(std::ldexp(static_cast<double>(m[2]), *e), 3.0);
  EXPECT_EQ(m[3], 0);
  // A wide range: the small scalar is rounded, within max|k| * 2^-62.
  e = EncodeScalarsShared({1e6, 1.0 / 3.0 * 1e-9}, &m);
  ASSERT_OK(e);
  EXPECT_LE(std::fabs(std::ldexp(static_cast<double>(m[1]), *e) - 1.0 / 3.0 * 1e-9),
            1e6 * 0x1p-62);
  EXPECT_LE(std::llabs(m[0]), int64_t{1} << 62);
  e = EncodeScalarsShared({0.0, 0.0}, &m);
  ASSERT_OK(e);
  EXPECT_EQ(m, std::vector<int64_t>({0, 0}));
  EXPECT_TRUE(EncodeScalarsShared({1.0, NAN}, &m).status().IsInvalidArgument());
}

TEST_F(PaillierEncodingTest, VectorOperations) {
  std::vector<double> xs = {1.5, -2.25, 1e-6, 3e9, 0.0}, ys = {0.5, 0.25, -1e-6, 1.0, -7.0};
  std::vector<double> ks = {2.0, -0.5, 1e3, 1e-3, 4.0};
  Result<std::vector<EncryptedNumber>> ex = EncryptVector(pk(), xs);
  Result<std::vector<EncryptedNumber>> ey = EncryptVector(pk(), ys);
  ASSERT_OK(ex);
  ASSERT_OK(ey);
  Result<std::vector<double>> back = DecryptVector(sk(), *ex);
  ASSERT_OK(back);
  EXPECT_EQ(*back, xs);
  Result<std::vector<EncryptedNumber>> sum = AddVectors(pk(), *ex, *ey);
  ASSERT_OK(sum);
  Result<std::vector<EncryptedNumber>> scaled = MulVectorByScalar(pk(), *ex, -3.0);
  ASSERT_OK(scaled);
  Result<std::vector<EncryptedNumber>> products = MulVectorElementwise(pk(), *ex, ks);
  ASSERT_OK(products);
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ(Dec((*sum)[i]), xs[i] + ys[i]);
    EXPECT_EQ(Dec((*scaled)[i]), xs[i] * -3.0);
    // Shared scalar exponent: each scalar within max|k| * 2^-62 = 1e3 * 2^-62.
    EXPECT_NEAR(Dec((*products)[i]), xs[i] * ks[i],
                std::fabs(xs[i] * ks[i]) * 1e-15 + std::fabs(xs[i]) * 1e3 * 0x1p-62);
    EXPECT_EQ((*products)[i].exponent, (*products)[0].exponent);
  }
  std::vector<double> too_short = {1.0};
  Result<std::vector<EncryptedNumber>> mismatch =
      AddVectors(pk(), *ex, *EncryptVector(pk(), too_short));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_NE(mismatch.status().message().find("sizes differ (5 and 1)"), std::string::npos);
  Result<std::vector<EncryptedNumber>> bad = EncryptVector(pk(), {1.0, 2.0, 3.0, NAN});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("element 3"), std::string::npos)
      << bad.status().ToString();
}

TEST_F(PaillierEncodingTest, VectorProductsEqualElementProducts) {
  // Mixed signs and zeros: the vector forms invert all negative products in one batch;
  // each result must be the very ciphertext the single operation gives.
  std::vector<double> xs, ks;
  for (int i = 0; i < 40; ++i) {
    xs.push_back((random_.Unit() * 2 - 1) * std::pow(10.0, i % 5 - 2));
    ks.push_back(i % 7 == 3 ? 0.0 : (random_.Unit() * 2 - 1) * std::pow(10.0, i % 3 - 1));
  }
  Result<std::vector<EncryptedNumber>> cs = EncryptVector(pk(), xs);
  ASSERT_OK(cs);
  for (double k : {-2.75, 0.0, 3.0, -1e-3}) {
    Result<std::vector<EncryptedNumber>> scaled = MulVectorByScalar(pk(), *cs, k);
    ASSERT_OK(scaled);
    for (size_t i = 0; i < xs.size(); ++i) {
      Result<EncryptedNumber> single = MulScalar(pk(), (*cs)[i], k);
      ASSERT_OK(single);
      EXPECT_EQ((*scaled)[i].ciphertext, single->ciphertext) << i << " k=" << k;
      EXPECT_EQ((*scaled)[i].exponent, single->exponent);
      EXPECT_EQ(Dec((*scaled)[i]), xs[i] * k);
    }
  }
  std::vector<int64_t> mantissas;
  Result<int32_t> scalar_exponent = EncodeScalarsShared(ks, &mantissas);
  ASSERT_OK(scalar_exponent);
  Result<std::vector<EncryptedNumber>> products = MulVectorElementwise(pk(), *cs, ks);
  ASSERT_OK(products);
  for (size_t i = 0; i < xs.size(); ++i) {
    Result<BigInt> single = pk().MulRaw((*cs)[i].ciphertext, BigInt::FromInt64(mantissas[i]));
    ASSERT_OK(single);
    EXPECT_EQ((*products)[i].ciphertext, *single) << i;
    EXPECT_EQ((*products)[i].exponent, (*cs)[i].exponent + *scalar_exponent);
    EXPECT_NEAR(Dec((*products)[i]), xs[i] * ks[i],
                std::fabs(xs[i] * ks[i]) * 1e-15 + std::fabs(xs[i]) * 10.0 * 0x1p-62);
  }
  // A malformed ciphertext among negative products is named.
  std::vector<EncryptedNumber> bad = *cs;
  bad[5].ciphertext = sk().p();
  Result<std::vector<EncryptedNumber>> failed = MulVectorByScalar(pk(), bad, -2.0);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("element 5"), std::string::npos)
      << failed.status().ToString();
  EXPECT_NE(failed.status().message().find("not invertible"), std::string::npos);
  std::vector<double> negative_ks(xs.size(), 1.0);
  negative_ks[5] = -1.0;
  failed = MulVectorElementwise(pk(), bad, negative_ks);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.status().message().find("element 5"), std::string::npos)
      << failed.status().ToString();
}

TEST_F(PaillierEncodingTest, MultiExponentiationMatchesPowm) {
  const BigInt& modulus = pk().n_squared();
  for (size_t terms : {1u, 2u, 37u, 300u}) {
    std::vector<BigInt> bases, exponents;
    for (size_t i = 0; i < terms; ++i) {
      bases.push_back(random_.Below(modulus));
      exponents.push_back(random_.Bits(i % 3 == 0 ? 64 : 20 + i % 50));
    }
    if (terms > 2) exponents[1] = BigInt();
    std::vector<const BigInt*> base_ptrs;
    BigInt expected = BigInt::FromUint64(1), power;
    for (size_t i = 0; i < terms; ++i) {
      base_ptrs.push_back(&bases[i]);
      mpz_powm(power.get(), bases[i].get(), exponents[i].get(), modulus.get());
      mpz_mul(expected.get(), expected.get(), power.get());
      mpz_mod(expected.get(), expected.get(), modulus.get());
    }
    EXPECT_EQ(MultiExponentiate(base_ptrs, exponents, modulus), expected) << terms << " terms";
  }
  EXPECT_EQ(MultiExponentiate({}, {}, modulus), BigInt::FromUint64(1));
}

TEST_F(PaillierEncodingTest, DotProductMatchesThePlaintextDotProduct) {
  const size_t n = 300;
  std::vector<double> xs(n), ks(n);
  for (size_t i = 0; i < n; ++i) {
    xs[i] = (random_.Unit() * 2 - 1) * std::pow(10.0, static_cast<int>(i % 7) - 3);
    ks[i] = (random_.Unit() * 2 - 1) * std::pow(10.0, static_cast<int>(i % 5) - 2);
  }
  Result<std::vector<EncryptedNumber>> cs = EncryptVector(pk(), xs);
  ASSERT_OK(cs);
  // Put a few terms on other grids: the dot product aligns them.
  (*cs)[3] = *MulScalar(pk(), (*cs)[3], 1.0);
  (*cs)[5] = *Rescale(pk(), (*cs)[5], (*cs)[5].exponent - 17);
  double max_k = 0, abs_sum = 0;
  std::vector<double> terms(n);
  for (size_t i = 0; i < n; ++i) {
    terms[i] = xs[i] * ks[i];
    abs_sum += std::fabs(terms[i]);
    max_k = std::max(max_k, std::fabs(ks[i]));
  }
  Result<EncryptedNumber> dot = DotProduct(pk(), *cs, ks);
  ASSERT_OK(dot);
  double max_x = 1e3;
  EXPECT_NEAR(Dec(*dot), ReferenceSum(terms), abs_sum * 1e-15 + n * max_x * max_k * 0x1p-62);
  // Degenerate shapes.
  EXPECT_EQ(Dec(*DotProduct(pk(), {}, {})), 0.0);
  EXPECT_EQ(Dec(*DotProduct(pk(), *cs, std::vector<double>(n, 0.0))), 0.0);
  EXPECT_EQ(Dec(*DotProduct(pk(), {(*cs)[0]}, {-2.0})), -2.0 * xs[0]);
  Result<EncryptedNumber> mismatch = DotProduct(pk(), *cs, {1.0});
  EXPECT_TRUE(mismatch.status().IsInvalidArgument());
}

}  // namespace
}  // namespace fedflow::crypto
