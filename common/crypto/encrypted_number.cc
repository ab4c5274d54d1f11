#include "common/crypto/encrypted_number.h"

#include <string>
#include <utility>

namespace fedflow::crypto {
namespace {

Status CheckExponent(int64_t e) {
  if (e < kMinExponent || e > kMaxExponent) {
    return Status::InvalidArgument("Paillier: exponent " + std::to_string(e) + " out of range");
  }
  return Status::OK();
}

Status CheckOperand(const PublicKey& pk, const EncryptedNumber& a) {
  RETURN_NOT_OK(pk.CheckCiphertext(a.ciphertext));
  return CheckExponent(a.exponent);
}

}  // namespace

Result<EncryptedNumber> Encrypt(const PublicKey& pk, double x, int32_t exponent) {
  ASSIGN_OR_RETURN(EncodedNumber encoded, pk.codec().Encode(x, exponent));
  return EncryptEncoded(pk, encoded);
}

Result<EncryptedNumber> EncryptEncoded(const PublicKey& pk, const EncodedNumber& value) {
  RETURN_NOT_OK(CheckExponent(value.exponent));
  EncryptedNumber out;
  ASSIGN_OR_RETURN(out.ciphertext, pk.EncryptRaw(value.mantissa));
  out.exponent = value.exponent;
  return out;
}

Result<EncodedNumber> DecryptEncoded(const PrivateKey& sk, const EncryptedNumber& c) {
  RETURN_NOT_OK(CheckExponent(c.exponent));
  EncodedNumber out;
  ASSIGN_OR_RETURN(out.mantissa, sk.DecryptRaw(c.ciphertext));
  out.exponent = c.exponent;
  return out;
}

Result<double> Decrypt(const PrivateKey& sk, const EncryptedNumber& c) {
  ASSIGN_OR_RETURN(EncodedNumber encoded, DecryptEncoded(sk, c));
  return sk.public_key().codec().Decode(encoded);
}

Result<EncryptedNumber> Rescale(const PublicKey& pk, const EncryptedNumber& a, int32_t exponent) {
  RETURN_NOT_OK(CheckOperand(pk, a));
  RETURN_NOT_OK(CheckExponent(exponent));
  int64_t shift = int64_t{a.exponent} - exponent;
  if (shift < 0) {
    return Status::InvalidArgument("Paillier rescale: can only lower the exponent (from " +
                                   std::to_string(a.exponent) + " to " +
                                   std::to_string(exponent) + ")");
  }
  if (shift >= pk.modulus_bits()) {
    return Status::InvalidArgument(
        "Paillier rescale: exponents " + std::to_string(a.exponent) + " and " +
        std::to_string(exponent) + " are too far apart (any nonzero value would overflow)");
  }
  EncryptedNumber out;
  out.exponent = exponent;
  out.ciphertext = shift == 0 ? a.ciphertext : pk.ShiftRaw(a.ciphertext, shift);
  return out;
}

Result<EncryptedNumber> Add(const PublicKey& pk, const EncryptedNumber& a,
                            const EncryptedNumber& b) {
  RETURN_NOT_OK(CheckOperand(pk, a));
  RETURN_NOT_OK(CheckOperand(pk, b));
  if (a.exponent == b.exponent) {
    return EncryptedNumber{pk.AddRaw(a.ciphertext, b.ciphertext), a.exponent};
  }
  const EncryptedNumber& fine = a.exponent < b.exponent ? a : b;
  const EncryptedNumber& coarse = a.exponent < b.exponent ? b : a;
  ASSIGN_OR_RETURN(EncryptedNumber aligned, Rescale(pk, coarse, fine.exponent));
  return EncryptedNumber{pk.AddRaw(aligned.ciphertext, fine.ciphertext), fine.exponent};
}

Result<EncryptedNumber> AddPlain(const PublicKey& pk, const EncryptedNumber& a, double b) {
  RETURN_NOT_OK(CheckOperand(pk, a));
  ASSIGN_OR_RETURN(EncodedNumber encoded, pk.codec().Encode(b, a.exponent));
  return EncryptedNumber{pk.AddPlainRaw(a.ciphertext, encoded.mantissa), a.exponent};
}

Result<EncryptedNumber> MulScalar(const PublicKey& pk, const EncryptedNumber& a, double k) {
  RETURN_NOT_OK(CheckOperand(pk, a));
  ASSIGN_OR_RETURN(ScalarEncoding scalar, EncodeScalar(k));
  int64_t exponent = int64_t{a.exponent} + scalar.exponent;
  RETURN_NOT_OK_PREPEND(CheckExponent(exponent), "Paillier multiply");
  EncryptedNumber out;
  ASSIGN_OR_RETURN(out.ciphertext, pk.MulRaw(a.ciphertext, BigInt::FromInt64(scalar.mantissa)));
  out.exponent = static_cast<int32_t>(exponent);
  return out;
}

Result<EncryptedNumber> Negate(const PublicKey& pk, const EncryptedNumber& a) {
  RETURN_NOT_OK(CheckOperand(pk, a));
  EncryptedNumber out;
  ASSIGN_OR_RETURN(out.ciphertext, pk.NegateRaw(a.ciphertext));
  out.exponent = a.exponent;
  return out;
}

Result<EncryptedNumber> Rerandomize(const PublicKey& pk, const EncryptedNumber& a) {
  RETURN_NOT_OK(CheckOperand(pk, a));
  ASSIGN_OR_RETURN(BigInt obfuscator, pk.RandomObfuscator());
  return EncryptedNumber{pk.AddRaw(a.ciphertext, obfuscator), a.exponent};
}

}  // namespace fedflow::crypto
