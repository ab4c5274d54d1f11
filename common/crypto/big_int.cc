#include "common/crypto/big_int.h"

#include <cstring>

namespace fedflow::crypto {

BigInt BigInt::FromUint64(uint64_t v) {
  BigInt out;
  // mpz_import rather than mpz_set_ui: unsigned long is not 64 bits everywhere.
  mpz_import(out.v_, 1, 1, sizeof(v), 0, 0, &v);
  return out;
}

BigInt BigInt::FromInt64(int64_t v) {
  uint64_t magnitude = v < 0 ? ~static_cast<uint64_t>(v) + 1 : static_cast<uint64_t>(v);
  BigInt out = FromUint64(magnitude);
  if (v < 0) mpz_neg(out.v_, out.v_);
  return out;
}

BigInt BigInt::FromBigEndian(const uint8_t* data, size_t len) {
  BigInt out;
  if (len > 0) mpz_import(out.v_, len, 1, 1, 1, 0, data);
  return out;
}

bool BigInt::FromString(const std::string& text, int base, BigInt* out) {
  return mpz_set_str(out->v_, text.c_str(), base) == 0;
}

std::string BigInt::ToBigEndian() const {
  std::string out(ByteLength(), '\0');
  if (!out.empty()) {
    size_t written = 0;
    mpz_export(out.data(), &written, 1, 1, 1, 0, v_);
  }
  return out;
}

bool BigInt::ToBigEndian(uint8_t* out, size_t width) const {
  size_t len = ByteLength();
  if (len > width) return false;
  std::memset(out, 0, width - len);
  if (len > 0) {
    size_t written = 0;
    mpz_export(out + (width - len), &written, 1, 1, 1, 0, v_);
  }
  return true;
}

unsigned BigInt::Bits(size_t pos, int width) const {
  constexpr size_t kLimbBits = GMP_NUMB_BITS;
  size_t limb = pos / kLimbBits;
  size_t offset = pos % kLimbBits;
  mp_limb_t v = mpz_getlimbn(v_, static_cast<mp_size_t>(limb)) >> offset;
  if (offset + static_cast<size_t>(width) > kLimbBits) {
    v |= mpz_getlimbn(v_, static_cast<mp_size_t>(limb + 1)) << (kLimbBits - offset);
  }
  return static_cast<unsigned>(v & ((mp_limb_t{1} << width) - 1));
}

std::string BigInt::ToString(int base) const {
  // mpz_sizeinbase may overstate by one; +2 leaves room for a sign and the terminator.
  std::string out(mpz_sizeinbase(v_, base) + 2, '\0');
  mpz_get_str(out.data(), base, v_);
  out.resize(std::strlen(out.c_str()));
  return out;
}

std::ostream& operator<<(std::ostream& os, const BigInt& v) { return os << v.ToString(10); }

}  // namespace fedflow::crypto
