#pragma once

#include <gmp.h>

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

namespace fedflow::crypto {

// An arbitrary-precision integer: a GMP mpz_t with value semantics (RAII, copy, cheap move).
// It exists so that Paillier code never manages mpz_init/mpz_clear by hand; arithmetic is
// done with GMP's mpz_* functions on get(). A default-constructed BigInt is 0 and allocates
// nothing (GMP >= 6.2 allocates lazily), so moved-from objects are cheap and valid (zero).
// Thread-compatible: concurrent reads of one BigInt are safe, writes need exclusion.
class BigInt {
 public:
  BigInt() { mpz_init(v_); }
  BigInt(const BigInt& other) { mpz_init_set(v_, other.v_); }
  BigInt(BigInt&& other) noexcept {
    mpz_init(v_);
    mpz_swap(v_, other.v_);
  }
  BigInt& operator=(const BigInt& other) {
    if (this != &other) mpz_set(v_, other.v_);
    return *this;
  }
  BigInt& operator=(BigInt&& other) noexcept {
    mpz_swap(v_, other.v_);
    return *this;
  }
  ~BigInt() { mpz_clear(v_); }

  static BigInt FromUint64(uint64_t v);
  static BigInt FromInt64(int64_t v);
  // The non-negative integer whose big-endian magnitude is data[0..len).
  static BigInt FromBigEndian(const uint8_t* data, size_t len);
  // Parses a number in `base` (2..62); returns false on malformed text. For tests and tools.
  static bool FromString(const std::string& text, int base, BigInt* out);

  mpz_ptr get() { return v_; }
  mpz_srcptr get() const { return v_; }

  // Big-endian magnitude without leading zero bytes (empty for 0). The sign is dropped.
  std::string ToBigEndian() const;
  // Writes the magnitude big-endian into exactly `width` bytes, left-padded with zeros.
  // Returns false (writing nothing) when the magnitude needs more than `width` bytes.
  bool ToBigEndian(uint8_t* out, size_t width) const;

  // Number of significant bits of the magnitude (0 for 0).
  size_t BitLength() const { return mpz_sgn(v_) == 0 ? 0 : mpz_sizeinbase(v_, 2); }
  size_t ByteLength() const { return (BitLength() + 7) / 8; }
  int Sign() const { return mpz_sgn(v_); }
  bool IsZero() const { return mpz_sgn(v_) == 0; }
  int Compare(const BigInt& other) const { return mpz_cmp(v_, other.v_); }
  // Bits [pos, pos + width) of the magnitude as an unsigned number; 1 <= width <= 32.
  unsigned Bits(size_t pos, int width) const;

  // Digits in `base`. For tests and debugging only: never put secret values in messages.
  std::string ToString(int base = 10) const;

  friend bool operator==(const BigInt& a, const BigInt& b) { return a.Compare(b) == 0; }
  friend bool operator!=(const BigInt& a, const BigInt& b) { return a.Compare(b) != 0; }
  friend bool operator<(const BigInt& a, const BigInt& b) { return a.Compare(b) < 0; }

 private:
  mpz_t v_;
};

// Prints the decimal value (lets gtest show BigInts in failed assertions).
std::ostream& operator<<(std::ostream& os, const BigInt& v);

}  // namespace fedflow::crypto
