#include "common/crypto/fixed_base_exp.h"

#include <glog/logging.h>

namespace fedflow::crypto {
FixedBaseExp::FixedBaseExp(const BigInt& base, const BigInt& modulus, size_t max_exponent_bits,
                           int window_bits, const IfmaModulus* ifma)
    : modulus_(modulus), ifma_(ifma), window_bits_(window_bits) {
  CHECK(window_bits >= 2 && window_bits <= 12) << "window_bits " << window_bits;
  CHECK(modulus.Sign() > 0 && mpz_odd_p(modulus.get()));
  windows_ = (max_exponent_bits + window_bits - 1) / window_bits;
  const size_t digits = (size_t{1} << window_bits) - 1;
  table_.resize(windows_ * digits);
  BigInt row_base = base;  // base^(2^(w*i)) for the current row i.
  BigInt tmp;
  for (size_t i = 0; i < windows_; ++i) {
    BigInt* row = &table_[i * digits];
    row[0] = row_base;
    for (size_t d = 1; d < digits; ++d) {
      mpz_mul(tmp.get(), row[d - 1].get(), row_base.get());
      mpz_tdiv_r(row[d].get(), tmp.get(), modulus_.get());
    }
    // The next row's base is row_base^(2^w) = row[2^w - 2] * row_base.
    mpz_mul(tmp.get(), row[digits - 1].get(), row_base.get());
    mpz_tdiv_r(row_base.get(), tmp.get(), modulus_.get());
  }
}

Status FixedBaseExp::Pow(const BigInt& exponent, BigInt* out) const {
  if (exponent.Sign() < 0 || exponent.BitLength() > max_exponent_bits()) {
    return Status::InvalidArgument("fixed-base exponentiation: exponent out of range");
  }
  const size_t digits = (size_t{1} << window_bits_) - 1;
  if (ifma_ != nullptr) {
    std::vector<const BigInt*> entries;
    entries.reserve(windows_);
    for (size_t i = 0; i < windows_; ++i) {
      unsigned d = exponent.Bits(i * window_bits_, window_bits_);
      if (d != 0) entries.push_back(&table_[i * digits + (d - 1)]);
    }
    // A product of table entries: a multi-exponentiation with every exponent 1, spread over
    // the eight lanes.
    const std::vector<BigInt> ones(entries.size(), BigInt::FromUint64(1));
    *out = IfmaMultiExponentiate(entries, ones, *ifma_);
    return Status::OK();
  }
  BigInt tmp;
  bool have_value = false;
  for (size_t i = 0; i < windows_; ++i) {
    unsigned d = exponent.Bits(i * window_bits_, window_bits_);
    if (d == 0) continue;
    const BigInt& entry = table_[i * digits + (d - 1)];
    if (!have_value) {
      mpz_set(out->get(), entry.get());
      have_value = true;
    } else {
      mpz_mul(tmp.get(), out->get(), entry.get());
      mpz_tdiv_r(out->get(), tmp.get(), modulus_.get());
    }
  }
  if (!have_value) mpz_set_ui(out->get(), 1);
  return Status::OK();
}

size_t FixedBaseExp::table_bytes() const {
  return table_.size() * (modulus_.ByteLength() + sizeof(BigInt));
}

}  // namespace fedflow::crypto
