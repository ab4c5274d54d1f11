#pragma once

#include <cstddef>
#include <vector>

#include "common/crypto/big_int.h"
#include "common/crypto/ifma_exp.h"
#include "common/status.h"

namespace fedflow::crypto {

// base^e mod m for one fixed base and many exponents below 2^max_exponent_bits, by the
// fixed-base windowed method (Brickell-Gordon-McCurley-Wilson without the digit sorting):
// table entry (i, d) holds base^(d * 2^(w*i)), so base^e is the product of one entry per
// nonzero w-bit digit of e, with no squarings. Paillier encryption uses it for its
// obfuscator h_s^alpha (see docs/PAILLIER.md): about bits/w multiplications mod n^2
// instead of the ~1.2 * bits of a modexp, paid for with (2^w - 1) * bits/w stored entries.
// Immutable after construction; thread-safe.
class FixedBaseExp {
 public:
  // 2 <= window_bits <= 12; modulus odd and > 1; base in [0, modulus).
  // With `ifma` (the same modulus, IfmaModulus::Create), Pow multiplies its table entries on
  // the IFMA lanes (ifma_exp.h) instead of with GMP.
  FixedBaseExp(const BigInt& base, const BigInt& modulus, size_t max_exponent_bits,
               int window_bits, const IfmaModulus* ifma = nullptr);

  // *out = base^exponent mod modulus. Fails when exponent is negative or has more than
  // max_exponent_bits() bits.
  Status Pow(const BigInt& exponent, BigInt* out) const;

  size_t max_exponent_bits() const { return windows_ * static_cast<size_t>(window_bits_); }
  // Approximate memory held by the table.
  size_t table_bytes() const;

 private:
  BigInt modulus_;
  const IfmaModulus* ifma_;
  int window_bits_;
  size_t windows_;
  std::vector<BigInt> table_;  // Row-major: windows_ rows of (2^w - 1) entries (digit 1..2^w-1).
};

}  // namespace fedflow::crypto
