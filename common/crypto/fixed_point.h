#pragma once

#include <cstdint>
#include <vector>

#include "common/crypto/big_int.h"
#include "common/status.h"

namespace fedflow::crypto {

// Signed binary fixed point in Z_n, the plaintext space of Paillier (docs/PAILLIER.md,
// "Encoding"). A plaintext residue v in [0, n) stands for the signed integer
//   v        if v < B,         v - n    if v > n - B,      an overflow otherwise,
// with B = floor(n / 2^kOverflowGuardBits), and an encoded number is that signed integer
// times 2^exponent. The reserved band [B, n - B] is far wider than the classic middle third
// so that the result of any single homomorphic operation on in-range operands (an addition
// of up to 2^64 values, a multiplication by a scalar below 2^64) that leaves the range lands
// in the band and is reported, instead of wrapping around into a wrong number.
inline constexpr int kOverflowGuardBits = 65;

// Exponents outside this range are refused (they would only come from corrupt input).
inline constexpr int32_t kMinExponent = -(1 << 20);
inline constexpr int32_t kMaxExponent = 1 << 20;

// Message prefix of the error returned when a value lies in the reserved band.
inline constexpr char kOverflowMessage[] = "Paillier overflow";

// A plaintext: Signed(mantissa) * 2^exponent, mantissa a residue in [0, n).
struct EncodedNumber {
  BigInt mantissa;
  int32_t exponent = 0;
};

// The encoding rules for one modulus n. Immutable; thread-safe.
class FixedPointCodec {
 public:
  explicit FixedPointCodec(const BigInt& n);

  // B: the encodable signed integers are those with |v| < B.
  const BigInt& max_magnitude() const { return max_; }

  // x rounded to the nearest multiple of 2^exponent (ties to even). Fails when x is not
  // finite or when |x| / 2^exponent >= B.
  Result<EncodedNumber> Encode(double x, int32_t exponent) const;

  // The residue mod n of a signed integer with |v| < B.
  Status FromSigned(const BigInt& v, BigInt* residue) const;
  // The signed integer a residue in [0, n) stands for; the kOverflowMessage error
  // (InvalidArgument) when it lies in the reserved band.
  Status ToSigned(const BigInt& residue, BigInt* v) const;

  // The double nearest to the encoded number; the overflow error for a residue in the
  // reserved band, InvalidArgument when the value is beyond the range of a double.
  Result<double> Decode(const EncodedNumber& e) const;

 private:
  BigInt n_;
  BigInt max_;           // B
  BigInt neg_threshold_;  // n - B
};

// A double written exactly as mantissa * 2^exponent with an odd mantissa (|mantissa| < 2^53);
// zero is (0, 0). The scalar operand of a homomorphic multiplication.
struct ScalarEncoding {
  int64_t mantissa = 0;
  int32_t exponent = 0;
};
Result<ScalarEncoding> EncodeScalar(double k);

// Encodes scalars with one shared exponent, as a dot product needs: exact when the scalars'
// binary exponents span less than ~10 bits, otherwise each is rounded to a multiple of
// 2^exponent with |mantissa| <= 2^62, an absolute error of at most max|k| * 2^-62 per scalar
// (half the grid step 2^(e - 62), where 2^(e-1) <= max|k| < 2^e).
// Returns the shared exponent (0 when all scalars are zero).
Result<int32_t> EncodeScalarsShared(const std::vector<double>& ks, std::vector<int64_t>* mantissas);

// The double nearest to v * 2^exponent (ties to even), or InvalidArgument past a double's range.
Result<double> ScaledToDouble(const BigInt& v, int64_t exponent);

}  // namespace fedflow::crypto
