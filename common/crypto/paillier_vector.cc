#include "common/crypto/paillier_vector.h"

#include <algorithm>
#include <limits>
#include <string>
#include <utility>

namespace fedflow::crypto {
namespace {

Status SizesMatch(size_t a, size_t b, const char* what) {
  if (a == b) return Status::OK();
  return Status::InvalidArgument(std::string("Paillier ") + what + ": sizes differ (" +
                                 std::to_string(a) + " and " + std::to_string(b) + ")");
}

std::string Element(size_t i) { return "element " + std::to_string(i); }

// out = out * factor mod modulus, or out = factor when out is unset.
void MulInto(BigInt* out, bool* set, const BigInt& factor, const BigInt& modulus, BigInt* tmp) {
  if (!*set) {
    *out = factor;
    *set = true;
    return;
  }
  mpz_mul(tmp->get(), out->get(), factor.get());
  mpz_tdiv_r(out->get(), tmp->get(), modulus.get());
}

// Window width minimising windows * (terms + 2 * 2^w) + squarings.
int PippengerWindow(size_t terms, size_t bits) {
  int best = 1;
  double best_cost = std::numeric_limits<double>::max();
  for (int w = 1; w <= 12; ++w) {
    double windows = static_cast<double>((bits + w - 1) / w);
    double cost = windows * (static_cast<double>(terms) + 2.0 * (1 << w)) +
                  static_cast<double>(bits);
    if (cost < best_cost) {
      best_cost = cost;
      best = w;
    }
  }
  return best;
}

}  // namespace

BigInt MultiExponentiate(const std::vector<const BigInt*>& bases,
                         const std::vector<BigInt>& exponents, const BigInt& modulus) {
  size_t bits = 0;
  for (const BigInt& e : exponents) bits = std::max(bits, e.BitLength());
  BigInt acc = BigInt::FromUint64(1);
  if (bits == 0) return acc;
  const int w = PippengerWindow(bases.size(), bits);
  const size_t windows = (bits + w - 1) / w;
  std::vector<BigInt> buckets(size_t{1} << w);  // Index = digit; 0 unused.
  std::vector<char> filled(buckets.size());
  BigInt tmp, running, window_sum;
  bool acc_set = false;
  for (size_t j = windows; j-- > 0;) {
    if (acc_set) {
      for (int s = 0; s < w; ++s) {
        mpz_mul(tmp.get(), acc.get(), acc.get());
        mpz_tdiv_r(acc.get(), tmp.get(), modulus.get());
      }
    }
    std::fill(filled.begin(), filled.end(), 0);
    for (size_t i = 0; i < bases.size(); ++i) {
      unsigned d = exponents[i].Bits(j * w, w);
      if (d == 0) continue;
      bool set = filled[d] != 0;
      MulInto(&buckets[d], &set, *bases[i], modulus, &tmp);
      filled[d] = 1;
    }
    // prod_d bucket_d^d as a product of running products from the top digit down.
    bool running_set = false, sum_set = false;
    for (size_t d = buckets.size() - 1; d >= 1; --d) {
      if (filled[d]) MulInto(&running, &running_set, buckets[d], modulus, &tmp);
      if (running_set) MulInto(&window_sum, &sum_set, running, modulus, &tmp);
    }
    if (sum_set) MulInto(&acc, &acc_set, window_sum, modulus, &tmp);
  }
  if (!acc_set) mpz_set_ui(acc.get(), 1);
  return acc;
}

Result<std::vector<EncryptedNumber>> EncryptVector(const PublicKey& pk,
                                                   const std::vector<double>& xs,
                                                   int32_t exponent) {
  std::vector<EncryptedNumber> out;
  out.reserve(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    Result<EncryptedNumber> c = Encrypt(pk, xs[i], exponent);
    if (!c.ok()) return c.status().CloneAndPrepend(Element(i));
    out.push_back(std::move(c).value());
  }
  return out;
}

Result<std::vector<double>> DecryptVector(const PrivateKey& sk,
                                          const std::vector<EncryptedNumber>& cs) {
  std::vector<double> out;
  out.reserve(cs.size());
  for (size_t i = 0; i < cs.size(); ++i) {
    Result<double> x = Decrypt(sk, cs[i]);
    if (!x.ok()) return x.status().CloneAndPrepend(Element(i));
    out.push_back(*x);
  }
  return out;
}

Result<std::vector<EncryptedNumber>> AddVectors(const PublicKey& pk,
                                                const std::vector<EncryptedNumber>& a,
                                                const std::vector<EncryptedNumber>& b) {
  RETURN_NOT_OK(SizesMatch(a.size(), b.size(), "vector addition"));
  std::vector<EncryptedNumber> out;
  out.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    Result<EncryptedNumber> sum = Add(pk, a[i], b[i]);
    if (!sum.ok()) return sum.status().CloneAndPrepend(Element(i));
    out.push_back(std::move(sum).value());
  }
  return out;
}

Result<std::vector<EncryptedNumber>> MulVectorByScalar(const PublicKey& pk,
                                                       const std::vector<EncryptedNumber>& a,
                                                       double k) {
  std::vector<EncryptedNumber> out;
  out.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    Result<EncryptedNumber> product = MulScalar(pk, a[i], k);
    if (!product.ok()) return product.status().CloneAndPrepend(Element(i));
    out.push_back(std::move(product).value());
  }
  return out;
}

Result<std::vector<EncryptedNumber>> MulVectorElementwise(const PublicKey& pk,
                                                          const std::vector<EncryptedNumber>& a,
                                                          const std::vector<double>& ks) {
  RETURN_NOT_OK(SizesMatch(a.size(), ks.size(), "element-wise multiplication"));
  std::vector<int64_t> mantissas;
  ASSIGN_OR_RETURN(int32_t scalar_exponent, EncodeScalarsShared(ks, &mantissas));
  std::vector<EncryptedNumber> out;
  out.reserve(a.size());
  for (size_t i = 0; i < a.size(); ++i) {
    Status s = pk.CheckCiphertext(a[i].ciphertext);
    int64_t exponent = int64_t{a[i].exponent} + scalar_exponent;
    if (s.ok() && (exponent < kMinExponent || exponent > kMaxExponent)) {
      s = Status::InvalidArgument("Paillier multiply: exponent out of range");
    }
    if (!s.ok()) return s.CloneAndPrepend(Element(i));
    Result<BigInt> c = pk.MulRaw(a[i].ciphertext, BigInt::FromInt64(mantissas[i]));
    if (!c.ok()) return c.status().CloneAndPrepend(Element(i));
    out.push_back(EncryptedNumber{std::move(c).value(), static_cast<int32_t>(exponent)});
  }
  return out;
}

Result<EncryptedNumber> DotProduct(const PublicKey& pk, const std::vector<EncryptedNumber>& a,
                                   const std::vector<double>& ks) {
  RETURN_NOT_OK(SizesMatch(a.size(), ks.size(), "dot product"));
  if (a.empty()) return Encrypt(pk, 0.0);
  int32_t min_exponent = std::numeric_limits<int32_t>::max();
  for (size_t i = 0; i < a.size(); ++i) {
    Status s = pk.CheckCiphertext(a[i].ciphertext);
    if (!s.ok()) return s.CloneAndPrepend("Paillier dot product: " + Element(i));
    min_exponent = std::min(min_exponent, a[i].exponent);
  }
  std::vector<int64_t> mantissas;
  ASSIGN_OR_RETURN(int32_t scalar_exponent, EncodeScalarsShared(ks, &mantissas));
  int64_t exponent = int64_t{min_exponent} + scalar_exponent;
  if (exponent < kMinExponent || exponent > kMaxExponent) {
    return Status::InvalidArgument("Paillier dot product: result exponent out of range");
  }
  // Terms on a coarser grid than the finest are aligned by scaling their scalar instead
  // of their ciphertext: c^(k * 2^s) costs s more bits in the multi-exponentiation.
  std::vector<const BigInt*> positive_bases, negative_bases;
  std::vector<BigInt> positive_exponents, negative_exponents;
  for (size_t i = 0; i < a.size(); ++i) {
    if (mantissas[i] == 0) continue;
    int64_t shift = int64_t{a[i].exponent} - min_exponent;
    if (shift >= pk.modulus_bits()) {
      return Status::InvalidArgument("Paillier dot product: " + Element(i) +
                                     " has an exponent too far above the others' to align");
    }
    BigInt k = BigInt::FromInt64(mantissas[i] < 0 ? -mantissas[i] : mantissas[i]);
    mpz_mul_2exp(k.get(), k.get(), static_cast<mp_bitcnt_t>(shift));
    bool negative = mantissas[i] < 0;
    (negative ? negative_bases : positive_bases).push_back(&a[i].ciphertext);
    (negative ? negative_exponents : positive_exponents).push_back(std::move(k));
  }
  EncryptedNumber out;
  out.exponent = static_cast<int32_t>(exponent);
  out.ciphertext = MultiExponentiate(positive_bases, positive_exponents, pk.n_squared());
  if (!negative_bases.empty()) {
    BigInt negative = MultiExponentiate(negative_bases, negative_exponents, pk.n_squared());
    ASSIGN_OR_RETURN(BigInt inverse, pk.NegateRaw(negative));
    out.ciphertext = pk.AddRaw(out.ciphertext, inverse);
  }
  return out;
}

}  // namespace fedflow::crypto
