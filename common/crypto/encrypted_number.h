#pragma once

#include <cstdint>

#include "common/crypto/big_int.h"
#include "common/crypto/fixed_point.h"
#include "common/crypto/paillier.h"
#include "common/status.h"

namespace fedflow::crypto {

// A Paillier ciphertext of a fixed-point number: it decrypts to Signed(m) * 2^exponent
// (fixed_point.h). The exponent is public and travels with the ciphertext; operations keep
// track of it (a sum takes the smaller exponent, a product the sum of the exponents).
struct EncryptedNumber {
  BigInt ciphertext;
  int32_t exponent = 0;
};

// Exponent of fresh encryptions: a grid of 2^-128, so every double of magnitude >= 2^-75
// (and < 2^828 with a 1024-bit key) is encoded exactly, and sums of such values are exact
// integer sums until the final rounding to double (docs/PAILLIER.md, "Encoding").
inline constexpr int32_t kDefaultEncryptExponent = -128;

// Homomorphic operations on doubles. Every function validates its ciphertext operands
// (0 < c < n^2) and exponents, and returns InvalidArgument on bad input. Results of Add,
// AddPlain, MulScalar and Negate carry the randomness of their inputs (no fresh
// randomness is added, as in FATE); call Rerandomize before handing a result to a party
// that must not link it to its inputs. All functions are thread-safe.

// E(x) with x rounded to a multiple of 2^exponent.
Result<EncryptedNumber> Encrypt(const PublicKey& pk, double x,
                                int32_t exponent = kDefaultEncryptExponent);
Result<EncryptedNumber> EncryptEncoded(const PublicKey& pk, const EncodedNumber& value);

// The double nearest to the plaintext; the kOverflowMessage error when the plaintext lies
// in the reserved band (an operation overflowed), or when it is beyond a double's range.
Result<double> Decrypt(const PrivateKey& sk, const EncryptedNumber& c);
// The plaintext residue and exponent, without the range check.
Result<EncodedNumber> DecryptEncoded(const PrivateKey& sk, const EncryptedNumber& c);

// E(a + b). When the exponents differ, the operand with the larger exponent is first
// rescaled to the smaller (Rescale: one squaring per bit of difference).
Result<EncryptedNumber> Add(const PublicKey& pk, const EncryptedNumber& a,
                            const EncryptedNumber& b);
// E(a + b) for a plaintext b, rounded to a's grid 2^a.exponent.
Result<EncryptedNumber> AddPlain(const PublicKey& pk, const EncryptedNumber& a, double b);
// E(k * a): k encoded exactly (odd mantissa < 2^53, so one modexp with an exponent of at
// most 53 bits), result exponent a.exponent + the scalar's exponent.
Result<EncryptedNumber> MulScalar(const PublicKey& pk, const EncryptedNumber& a, double k);
// E(-a).
Result<EncryptedNumber> Negate(const PublicKey& pk, const EncryptedNumber& a);
// The same value on the finer grid 2^exponent (exponent <= a.exponent): the plaintext
// integer is multiplied by 2^(a.exponent - exponent).
Result<EncryptedNumber> Rescale(const PublicKey& pk, const EncryptedNumber& a, int32_t exponent);
// The same plaintext under fresh randomness.
Result<EncryptedNumber> Rerandomize(const PublicKey& pk, const EncryptedNumber& a);

}  // namespace fedflow::crypto
