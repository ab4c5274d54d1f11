#include "common/crypto/mont_exp.h"

#include <glog/logging.h>
#include <openssl/bn.h>

namespace fedflow::crypto {
namespace {

// GMP limbs and OpenSSL's little-endian byte strings coincide in memory on little-endian
// machines with 64-bit limbs, so a value is handed over as its limb array.
constexpr bool kLimbsAreLittleEndianBytes =
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ && GMP_LIMB_BITS == 64 && GMP_NAIL_BITS == 0;

void ToBignum(const BigInt& v, BIGNUM* out) {
  if constexpr (kLimbsAreLittleEndianBytes) {
    const size_t limbs = mpz_size(v.get());
    BN_lebin2bn(reinterpret_cast<const unsigned char*>(mpz_limbs_read(v.get())),
                static_cast<int>(limbs * sizeof(mp_limb_t)), out);
  } else {
    std::string bytes = v.ToBigEndian();
    BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
              out);
  }
}

void FromBignum(const BIGNUM* v, BigInt* out) {
  const int bytes = BN_num_bytes(v);
  if (bytes == 0) {
    mpz_set_ui(out->get(), 0);
    return;
  }
  if constexpr (kLimbsAreLittleEndianBytes) {
    const int limbs = (bytes + 7) / 8;
    mp_limb_t* dst = mpz_limbs_write(out->get(), limbs);
    BN_bn2lebinpad(v, reinterpret_cast<unsigned char*>(dst), limbs * 8);
    mpz_limbs_finish(out->get(), limbs);
  } else {
    std::string buf(static_cast<size_t>(bytes), '\0');
    BN_bn2bin(v, reinterpret_cast<unsigned char*>(buf.data()));
    *out = BigInt::FromBigEndian(reinterpret_cast<const uint8_t*>(buf.data()), buf.size());
  }
}

// Per-thread OpenSSL scratch: a BN_CTX and three BIGNUMs, reused across calls.
struct Scratch {
  Scratch() : ctx(BN_CTX_new()), base(BN_new()), exponent(BN_new()), result(BN_new()) {
    CHECK(ctx && base && exponent && result) << "OpenSSL: out of memory";
  }
  ~Scratch() {
    BN_free(base);
    BN_free(exponent);
    BN_free(result);
    BN_CTX_free(ctx);
  }
  BN_CTX* ctx;
  BIGNUM *base, *exponent, *result;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

}  // namespace

struct MontgomeryModulus::Impl {
  BIGNUM* modulus = nullptr;
  BN_MONT_CTX* mont = nullptr;
  ~Impl() {
    BN_MONT_CTX_free(mont);
    BN_free(modulus);
  }
};

MontgomeryModulus::MontgomeryModulus(const BigInt& modulus)
    : modulus_(modulus), impl_(std::make_unique<Impl>()) {
  CHECK(modulus.Sign() > 0 && mpz_odd_p(modulus.get()) && mpz_cmp_ui(modulus.get(), 1) > 0)
      << "Montgomery modulus must be odd and > 1";
  impl_->modulus = BN_new();
  impl_->mont = BN_MONT_CTX_new();
  CHECK(impl_->modulus && impl_->mont) << "OpenSSL: out of memory";
  ToBignum(modulus, impl_->modulus);
  CHECK(BN_MONT_CTX_set(impl_->mont, impl_->modulus, ThreadScratch().ctx) == 1)
      << "OpenSSL: BN_MONT_CTX_set failed";
}

MontgomeryModulus::~MontgomeryModulus() = default;

void MontgomeryModulus::PowMod(const BigInt& base, const BigInt& exponent, BigInt* out) const {
  CHECK_GE(exponent.Sign(), 0) << "MontgomeryModulus::PowMod: negative exponent";
  Scratch& s = ThreadScratch();
  if (base.Sign() < 0) {
    BigInt reduced;
    mpz_mod(reduced.get(), base.get(), modulus_.get());
    ToBignum(reduced, s.base);
  } else {
    ToBignum(base, s.base);
  }
  ToBignum(exponent, s.exponent);
  CHECK(BN_mod_exp_mont(s.result, s.base, s.exponent, impl_->modulus, s.ctx, impl_->mont) == 1)
      << "OpenSSL: BN_mod_exp_mont failed";
  FromBignum(s.result, out);
}

long BatchInvert(std::vector<BigInt*>& values, const BigInt& modulus) {
  const size_t count = values.size();
  if (count == 0) return -1;
  // prefix[i] = values[0] * ... * values[i] mod modulus.
  std::vector<BigInt> prefix(count);
  BigInt tmp;
  prefix[0] = *values[0];
  for (size_t i = 1; i < count; ++i) {
    mpz_mul(tmp.get(), prefix[i - 1].get(), values[i]->get());
    mpz_tdiv_r(prefix[i].get(), tmp.get(), modulus.get());
  }
  BigInt inverse;  // Of prefix[i] at step i.
  if (mpz_invert(inverse.get(), prefix[count - 1].get(), modulus.get()) == 0) {
    for (size_t i = 0; i < count; ++i) {
      if (mpz_invert(tmp.get(), values[i]->get(), modulus.get()) == 0) {
        return static_cast<long>(i);
      }
    }
    return 0;  // Unreachable: a product of units is a unit.
  }
  for (size_t i = count; i-- > 1;) {
    // values[i]^-1 = prefix[i]^-1 * prefix[i-1]; prefix[i-1]^-1 = prefix[i]^-1 * values[i].
    mpz_mul(tmp.get(), inverse.get(), prefix[i - 1].get());
    mpz_mul(prefix[i - 1].get(), inverse.get(), values[i]->get());
    mpz_tdiv_r(inverse.get(), prefix[i - 1].get(), modulus.get());
    mpz_tdiv_r(values[i]->get(), tmp.get(), modulus.get());
  }
  *values[0] = inverse;
  return -1;
}

}  // namespace fedflow::crypto
