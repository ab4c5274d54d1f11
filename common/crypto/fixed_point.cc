#include "common/crypto/fixed_point.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <string>

namespace fedflow::crypto {
namespace {

// x = mantissa * 2^exponent exactly, |mantissa| < 2^53 odd (or x = 0 -> (0, 0)).
// Precondition: x finite.
ScalarEncoding ExactParts(double x) {
  ScalarEncoding out;
  if (x == 0.0) return out;
  int e = 0;
  double f = std::frexp(x, &e);  // x = f * 2^e, 0.5 <= |f| < 1.
  int64_t m = static_cast<int64_t>(std::ldexp(f, 53));
  int32_t exp = e - 53;
  while ((m & 1) == 0) {
    m /= 2;
    ++exp;
  }
  out.mantissa = m;
  out.exponent = exp;
  return out;
}

// round(m / 2^shift), ties to even; shift >= 1.
int64_t RoundShiftRight(int64_t m, int64_t shift) {
  if (shift >= 63) return 0;  // |m| < 2^62 here, so |m| / 2^shift < 1/2.
  uint64_t mag = m < 0 ? ~static_cast<uint64_t>(m) + 1 : static_cast<uint64_t>(m);
  uint64_t q = mag >> shift;
  uint64_t rem = mag & ((uint64_t{1} << shift) - 1);
  uint64_t half = uint64_t{1} << (shift - 1);
  if (rem > half || (rem == half && (q & 1) != 0)) ++q;
  int64_t sq = static_cast<int64_t>(q);
  return m < 0 ? -sq : sq;
}

}  // namespace

FixedPointCodec::FixedPointCodec(const BigInt& n) : n_(n) {
  mpz_tdiv_q_2exp(max_.get(), n.get(), kOverflowGuardBits);
  mpz_sub(neg_threshold_.get(), n.get(), max_.get());
}

Result<EncodedNumber> FixedPointCodec::Encode(double x, int32_t exponent) const {
  if (!std::isfinite(x)) return Status::InvalidArgument("fixed point: cannot encode NaN or inf");
  if (exponent < kMinExponent || exponent > kMaxExponent) {
    return Status::InvalidArgument("fixed point: exponent " + std::to_string(exponent) +
                                   " out of range");
  }
  ScalarEncoding parts = ExactParts(x);
  int64_t shift = int64_t{parts.exponent} - exponent;
  BigInt v;
  if (parts.mantissa == 0) {
    // v stays 0.
  } else if (shift >= 0) {
    if (shift > static_cast<int64_t>(n_.BitLength())) {
      return Status::InvalidArgument("fixed point: value too large to encode with exponent " +
                                     std::to_string(exponent));
    }
    v = BigInt::FromInt64(parts.mantissa);
    mpz_mul_2exp(v.get(), v.get(), static_cast<mp_bitcnt_t>(shift));
  } else {
    v = BigInt::FromInt64(RoundShiftRight(parts.mantissa, -shift));
  }
  EncodedNumber out;
  out.exponent = exponent;
  RETURN_NOT_OK_PREPEND(FromSigned(v, &out.mantissa),
                        "fixed point: encoding with exponent " + std::to_string(exponent));
  return out;
}

Status FixedPointCodec::FromSigned(const BigInt& v, BigInt* residue) const {
  if (mpz_cmpabs(v.get(), max_.get()) >= 0) {
    return Status::InvalidArgument("value too large to encode (the limit is 2^" +
                                   std::to_string(max_.BitLength() - 1) + " units)");
  }
  if (v.Sign() < 0) {
    mpz_add(residue->get(), n_.get(), v.get());
  } else {
    mpz_set(residue->get(), v.get());
  }
  return Status::OK();
}

Status FixedPointCodec::ToSigned(const BigInt& residue, BigInt* v) const {
  if (residue.Sign() < 0 || residue.Compare(n_) >= 0) {
    return Status::InvalidArgument("fixed point: residue outside [0, n)");
  }
  if (residue.Compare(max_) < 0) {
    mpz_set(v->get(), residue.get());
  } else if (residue.Compare(neg_threshold_) > 0) {
    mpz_sub(v->get(), residue.get(), n_.get());
  } else {
    // Deliberately says nothing about the value: it is garbage and may be secret.
    return Status::InvalidArgument(
        std::string(kOverflowMessage) +
        ": the decrypted value is outside the encodable range (|v| < 2^" +
        std::to_string(max_.BitLength() - 1) +
        " units); a homomorphic operation on it overflowed");
  }
  return Status::OK();
}

Result<double> FixedPointCodec::Decode(const EncodedNumber& e) const {
  BigInt v;
  RETURN_NOT_OK(ToSigned(e.mantissa, &v));
  return ScaledToDouble(v, e.exponent);
}

Result<ScalarEncoding> EncodeScalar(double k) {
  if (!std::isfinite(k)) return Status::InvalidArgument("fixed point: scalar is NaN or inf");
  return ExactParts(k);
}

Result<int32_t> EncodeScalarsShared(const std::vector<double>& ks,
                                    std::vector<int64_t>* mantissas) {
  int32_t top = INT32_MIN;     // max over k of e, |k| < 2^e
  int32_t lowest = INT32_MAX;  // min over k of the exponent of its last set bit
  for (size_t i = 0; i < ks.size(); ++i) {
    if (!std::isfinite(ks[i])) {
      return Status::InvalidArgument("fixed point: scalar " + std::to_string(i) +
                                     " is NaN or inf");
    }
    if (ks[i] == 0.0) continue;
    int e = 0;
    std::frexp(ks[i], &e);
    top = std::max(top, static_cast<int32_t>(e));
    lowest = std::min(lowest, ExactParts(ks[i]).exponent);
  }
  mantissas->assign(ks.size(), 0);
  if (top == INT32_MIN) return 0;
  // |k| * 2^-exponent < 2^62 even after rounding up, so mantissas fit an int64.
  int32_t exponent = std::max(lowest, top - 62);
  for (size_t i = 0; i < ks.size(); ++i) {
    ScalarEncoding parts = ExactParts(ks[i]);
    if (parts.mantissa == 0) continue;
    int64_t shift = int64_t{parts.exponent} - exponent;
    (*mantissas)[i] = shift >= 0 ? parts.mantissa * (int64_t{1} << shift)
                                 : RoundShiftRight(parts.mantissa, -shift);
  }
  return exponent;
}

Result<double> ScaledToDouble(const BigInt& v, int64_t exponent) {
  if (v.IsZero()) return 0.0;
  size_t bits = v.BitLength();
  int64_t shift = bits > 64 ? static_cast<int64_t>(bits - 64) : 0;
  BigInt top;
  mpz_tdiv_q_2exp(top.get(), v.get(), static_cast<mp_bitcnt_t>(shift));  // |top| < 2^64
  mpz_abs(top.get(), top.get());
  uint64_t t = 0;
  mpz_export(&t, nullptr, -1, sizeof(t), 0, 0, top.get());
  // A sticky bit for the discarded low bits keeps the rounding to 53 bits correct.
  if (shift > 0 && mpz_scan1(v.get(), 0) < static_cast<mp_bitcnt_t>(shift)) t |= 1;
  int64_t scale = shift + exponent;
  if (scale > 4096) return Status::InvalidArgument("fixed point: value beyond double range");
  if (scale < -4096) return v.Sign() < 0 ? -0.0 : 0.0;
  double d = std::ldexp(static_cast<double>(t), static_cast<int>(scale));
  if (std::isinf(d)) return Status::InvalidArgument("fixed point: value beyond double range");
  return v.Sign() < 0 ? -d : d;
}

}  // namespace fedflow::crypto
