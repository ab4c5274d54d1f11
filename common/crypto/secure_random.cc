#include "common/crypto/secure_random.h"

#include <climits>
#include <string>
#include <vector>

#include <openssl/rand.h>

namespace fedflow::crypto {

Status SecureRandomBytes(uint8_t* out, size_t len) {
  while (len > 0) {
    int chunk = len > static_cast<size_t>(INT_MAX) ? INT_MAX : static_cast<int>(len);
    if (RAND_bytes(out, chunk) != 1) {
      return Status::Internal("secure random: OpenSSL RAND_bytes failed (no entropy source?)");
    }
    out += chunk;
    len -= static_cast<size_t>(chunk);
  }
  return Status::OK();
}

Result<BigInt> SecureRandomBits(size_t bits) {
  std::vector<uint8_t> bytes((bits + 7) / 8);
  if (bytes.empty()) return BigInt();
  RETURN_NOT_OK(SecureRandomBytes(bytes.data(), bytes.size()));
  size_t excess = bytes.size() * 8 - bits;
  bytes[0] &= static_cast<uint8_t>(0xFF >> excess);
  return BigInt::FromBigEndian(bytes.data(), bytes.size());
}

Result<BigInt> SecureRandomUnit(const BigInt& bound) {
  if (mpz_cmp_ui(bound.get(), 2) <= 0) {
    return Status::InvalidArgument("secure random: the bound of a unit must exceed 2");
  }
  BigInt gcd;
  // Each draw succeeds with probability > 1/2 (values below `bound` out of 2^bits, and
  // almost all of them coprime to an RSA-type modulus); 256 failures mean a broken source.
  for (int attempt = 0; attempt < 256; ++attempt) {
    ASSIGN_OR_RETURN(BigInt candidate, SecureRandomBits(bound.BitLength()));
    if (candidate.IsZero() || candidate.Compare(bound) >= 0) continue;
    mpz_gcd(gcd.get(), candidate.get(), bound.get());
    if (mpz_cmp_ui(gcd.get(), 1) == 0) return candidate;
  }
  return Status::Internal("secure random: no unit found after 256 draws");
}

}  // namespace fedflow::crypto
