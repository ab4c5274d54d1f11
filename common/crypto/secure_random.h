#pragma once

#include <cstddef>
#include <cstdint>

#include "common/crypto/big_int.h"
#include "common/status.h"

namespace fedflow::crypto {

// Cryptographically secure randomness for Paillier: key generation and encryption
// randomness. Every byte comes from OpenSSL's RAND_bytes (a DRBG seeded and reseeded from
// the operating system), not from GMP's gmp_randstate (a Mersenne Twister or LCG whose
// state can be recovered from its outputs, whatever the seed). Thread-safe.

// Fills out[0..len) with secure random bytes.
Status SecureRandomBytes(uint8_t* out, size_t len);

// A uniform integer in [0, 2^bits).
Result<BigInt> SecureRandomBits(size_t bits);

// A uniform integer in [1, bound) coprime to `bound` (bound > 2), by rejection sampling.
Result<BigInt> SecureRandomUnit(const BigInt& bound);

}  // namespace fedflow::crypto
