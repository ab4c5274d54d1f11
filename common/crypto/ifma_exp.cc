#include "common/crypto/ifma_exp.h"

#include <glog/logging.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && GMP_LIMB_BITS == 64 && \
    GMP_NAIL_BITS == 0
#define FEDFLOW_HAVE_IFMA 1
// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() values, which its
// uninitialised-variable analysis reports at every inlined use.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#else
#define FEDFLOW_HAVE_IFMA 0
#endif

namespace fedflow::crypto {
namespace {

#if FEDFLOW_HAVE_IFMA
constexpr uint64_t kMask52 = (uint64_t{1} << 52) - 1;

// The limb count for a modulus of `bits` bits: the smallest of 20, 40, 80 with
// 4m < R = 2^(52 * limbs), which keeps almost-Montgomery results below 2m.
int LimbsFor(size_t bits) {
  for (int limbs : {20, 40, 80}) {
    if (bits + 2 <= static_cast<size_t>(52 * limbs)) return limbs;
  }
  return 0;
}

// Writes the low 52*limbs bits of v (v >= 0) as 52-bit limbs to out[0], out[stride], ...
void ToLimbs52(const BigInt& v, int limbs, uint64_t* out, size_t stride) {
  const size_t size = mpz_size(v.get());
  const mp_limb_t* d = mpz_limbs_read(v.get());
  unsigned __int128 buf = 0;
  int bits = 0;
  size_t src = 0;
  for (int i = 0; i < limbs; ++i) {
    if (bits < 52 && src < size) {
      buf |= static_cast<unsigned __int128>(d[src++]) << bits;
      bits += 64;
    }
    out[i * stride] = static_cast<uint64_t>(buf) & kMask52;
    buf >>= 52;
    bits = std::max(bits - 52, 0);
  }
}

// The inverse of ToLimbs52 (limbs must be < 2^52).
void FromLimbs52(const uint64_t* in, size_t stride, int limbs, BigInt* out) {
  const int words = (52 * limbs + 63) / 64;
  mp_limb_t* d = mpz_limbs_write(out->get(), words);
  unsigned __int128 buf = 0;
  int bits = 0, dst = 0;
  for (int i = 0; i < limbs; ++i) {
    buf |= static_cast<unsigned __int128>(in[i * stride]) << bits;
    bits += 52;
    if (bits >= 64) {
      d[dst++] = static_cast<mp_limb_t>(buf);
      buf >>= 64;
      bits -= 64;
    }
  }
  if (dst < words) d[dst++] = static_cast<mp_limb_t>(buf);
  mpz_limbs_finish(out->get(), dst);
}

// Memory aligned to 64 bytes, in uint64_t units.
struct AlignedBuffer {
  explicit AlignedBuffer(size_t words)
      : data(static_cast<uint64_t*>(std::aligned_alloc(64, ((words * 8 + 63) / 64) * 64))) {
    CHECK(data != nullptr) << "out of memory";
    std::memset(data, 0, ((words * 8 + 63) / 64) * 64);
  }
  ~AlignedBuffer() { std::free(data); }
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  uint64_t* data;
};

#define IFMA_TARGET __attribute__((target("avx512f,avx512vl,avx512ifma")))

// Vector widths: W lanes of 64 bits. Eight lanes (zmm) for full groups; two or four (xmm,
// ymm) for small groups, which cost a quarter or a half as much as a group of eight.
struct Lanes8 {
  static constexpr int kLanes = 8;
  using V = __m512i;
  IFMA_TARGET static V Load(const uint64_t* p) { return _mm512_load_si512(p); }
  IFMA_TARGET static void Store(uint64_t* p, V v) { _mm512_store_si512(p, v); }
  IFMA_TARGET static V Zero() { return _mm512_setzero_si512(); }
  IFMA_TARGET static V Set1(uint64_t x) { return _mm512_set1_epi64(static_cast<long long>(x)); }
  IFMA_TARGET static V Add(V a, V b) { return _mm512_add_epi64(a, b); }
  IFMA_TARGET static V And(V a, V b) { return _mm512_and_si512(a, b); }
  IFMA_TARGET static V Shr52(V a) { return _mm512_srli_epi64(a, 52); }
  IFMA_TARGET static V MulLo(V acc, V a, V b) { return _mm512_madd52lo_epu64(acc, a, b); }
  IFMA_TARGET static V MulHi(V acc, V a, V b) { return _mm512_madd52hi_epu64(acc, a, b); }
};
struct Lanes4 {
  static constexpr int kLanes = 4;
  using V = __m256i;
  IFMA_TARGET static V Load(const uint64_t* p) {
    return _mm256_load_si256(reinterpret_cast<const __m256i*>(p));
  }
  IFMA_TARGET static void Store(uint64_t* p, V v) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(p), v);
  }
  IFMA_TARGET static V Zero() { return _mm256_setzero_si256(); }
  IFMA_TARGET static V Set1(uint64_t x) { return _mm256_set1_epi64x(static_cast<long long>(x)); }
  IFMA_TARGET static V Add(V a, V b) { return _mm256_add_epi64(a, b); }
  IFMA_TARGET static V And(V a, V b) { return _mm256_and_si256(a, b); }
  IFMA_TARGET static V Shr52(V a) { return _mm256_srli_epi64(a, 52); }
  IFMA_TARGET static V MulLo(V acc, V a, V b) { return _mm256_madd52lo_epu64(acc, a, b); }
  IFMA_TARGET static V MulHi(V acc, V a, V b) { return _mm256_madd52hi_epu64(acc, a, b); }
};
struct Lanes2 {
  static constexpr int kLanes = 2;
  using V = __m128i;
  IFMA_TARGET static V Load(const uint64_t* p) {
    return _mm_load_si128(reinterpret_cast<const __m128i*>(p));
  }
  IFMA_TARGET static void Store(uint64_t* p, V v) {
    _mm_store_si128(reinterpret_cast<__m128i*>(p), v);
  }
  IFMA_TARGET static V Zero() { return _mm_setzero_si128(); }
  IFMA_TARGET static V Set1(uint64_t x) { return _mm_set1_epi64x(static_cast<long long>(x)); }
  IFMA_TARGET static V Add(V a, V b) { return _mm_add_epi64(a, b); }
  IFMA_TARGET static V And(V a, V b) { return _mm_and_si128(a, b); }
  IFMA_TARGET static V Shr52(V a) { return _mm_srli_epi64(a, 52); }
  IFMA_TARGET static V MulLo(V acc, V a, V b) { return _mm_madd52lo_epu64(acc, a, b); }
  IFMA_TARGET static V MulHi(V acc, V a, V b) { return _mm_madd52hi_epu64(acc, a, b); }
};

// Vertical layout: a number of L limbs for the W lanes is L vectors; vector i holds limb i
// of every lane (uint64_t index i * W + lane).

// out = a * b * R^-1 mod m (lane-wise), for a, b < 2m with limbs < 2^52; out < 2m, limbs
// < 2^52. Operand scanning into a 2L-word accumulator: iteration i adds a_i * b and
// u_i * m (u_i making word i divisible by 2^52) at words i.., then moves word i's carry up.
// A word receives at most 4(L + 1) products' halves (< 2^52 each) plus carries: < 2^61 for
// L <= 80, so 64-bit lanes never overflow.
template <typename S, int L>
IFMA_TARGET inline void MontMul(uint64_t* out, const uint64_t* a, const uint64_t* b,
                                const uint64_t* m, typename S::V m_prime) {
  using V = typename S::V;
  constexpr int W = S::kLanes;
  const V zero = S::Zero();
  V acc[2 * L];
  for (int k = 0; k < 2 * L; ++k) acc[k] = zero;
  for (int i = 0; i < L; ++i) {
    const V ai = S::Load(a + i * W);
    V b_prev = S::Load(b);
    V m_prev = S::Load(m);
    V t0 = S::MulLo(acc[i], ai, b_prev);
    const V u = S::MulLo(zero, t0, m_prime);
    t0 = S::MulLo(t0, u, m_prev);
    const V carry = S::Shr52(t0);
    // Word i + 1 is next iteration's word 0, on the critical path: its products with a_i
    // go first (independent of u), then those with u, then the carry.
    {
      const V b1 = S::Load(b + W);
      const V m1 = S::Load(m + W);
      V t = S::MulLo(acc[i + 1], ai, b1);
      t = S::MulHi(t, ai, b_prev);
      V tu = S::MulLo(carry, u, m1);
      tu = S::MulHi(tu, u, m_prev);
      acc[i + 1] = S::Add(t, tu);
      b_prev = b1;
      m_prev = m1;
    }
#pragma GCC unroll 16
    for (int j = 2; j < L; ++j) {
      const V bj = S::Load(b + j * W);
      const V mj = S::Load(m + j * W);
      V t = S::MulLo(acc[i + j], ai, bj);
      t = S::MulHi(t, ai, b_prev);
      t = S::MulLo(t, u, mj);
      t = S::MulHi(t, u, m_prev);
      acc[i + j] = t;
      b_prev = bj;
      m_prev = mj;
    }
    const V top = S::MulHi(acc[i + L], ai, b_prev);
    acc[i + L] = S::MulHi(top, u, m_prev);
  }
  const V mask = S::Set1(kMask52);
  V carry = zero;
  for (int j = 0; j < L; ++j) {
    const V t = S::Add(acc[L + j], carry);
    carry = S::Shr52(t);
    S::Store(out + j * W, S::And(t, mask));
  }
}

// Copies table[digit of each lane] to out (scalar loads: a few per limb, cheap next to a
// multiplication).
template <int W, int L>
inline void Select(const uint64_t* table, const uint32_t* lane_digits, uint64_t* out) {
  constexpr size_t kNumber = static_cast<size_t>(L) * W;
  for (int lane = 0; lane < W; ++lane) {
    const uint64_t* entry = table + lane_digits[lane] * kNumber + lane;
    for (int i = 0; i < L; ++i) out[i * W + lane] = entry[i * W];
  }
}

// W exponentiations with a fixed window of w bits. digits[k * W + lane] is window k (least
// significant first) of lane's exponent; `windows` >= 1. table holds 2^w numbers.
template <typename S, int L>
IFMA_TARGET void PowLanes(const uint64_t* base, const uint64_t* m, const uint64_t* r,
                          const uint64_t* r2, const uint64_t* m_prime_lanes, const uint32_t* digits,
                          size_t windows, int w, uint64_t* table, uint64_t* selected,
                          uint64_t* out) {
  constexpr int W = S::kLanes;
  constexpr size_t kNumber = static_cast<size_t>(L) * W;
  const typename S::V m_prime = S::Load(m_prime_lanes);
  const size_t entries = size_t{1} << w;
  // table[d] = base^d in Montgomery form.
  std::memcpy(table, r, kNumber * sizeof(uint64_t));
  MontMul<S, L>(table + kNumber, base, r2, m, m_prime);
  for (size_t d = 2; d < entries; ++d) {
    MontMul<S, L>(table + d * kNumber, table + (d - 1) * kNumber, table + kNumber, m, m_prime);
  }
  Select<W, L>(table, digits + (windows - 1) * W, out);
  for (size_t k = windows - 1; k-- > 0;) {
    for (int s = 0; s < w; ++s) MontMul<S, L>(out, out, out, m, m_prime);
    Select<W, L>(table, digits + k * W, selected);
    MontMul<S, L>(out, out, selected, m, m_prime);
  }
  // Out of Montgomery form: multiply by 1.
  std::memset(selected, 0, kNumber * sizeof(uint64_t));
  for (int lane = 0; lane < W; ++lane) selected[lane] = 1;
  MontMul<S, L>(out, out, selected, m, m_prime);
}

// Runs one group of S::kLanes tasks (lane_task[0..kLanes)), `limbs` limbs each.
template <typename S>
void RunGroup(const IfmaPowTask* const* lane_task, int limbs, size_t active) {
  constexpr int W = S::kLanes;
  const size_t number = static_cast<size_t>(limbs) * W;
  size_t max_bits = 0;
  for (int lane = 0; lane < W; ++lane) {
    max_bits = std::max(max_bits, lane_task[lane]->exponent->BitLength());
  }
  const int w = max_bits <= 80 ? 4 : 5;
  const size_t windows = std::max<size_t>(1, (max_bits + w - 1) / w);
  // base, m, R, R^2, out, selected, then the table of 2^w numbers.
  AlignedBuffer buffer(number * (6 + (size_t{1} << w)) + 8);
  uint64_t* base = buffer.data;
  uint64_t* m = base + number;
  uint64_t* r = m + number;
  uint64_t* r2 = r + number;
  uint64_t* out = r2 + number;
  uint64_t* selected = out + number;
  uint64_t* m_prime = selected + number;
  uint64_t* table = m_prime + 8;  // 64-byte aligned (number is a multiple of 8 words)
  std::vector<uint32_t> digits(windows * W);
  BigInt reduced;
  for (int lane = 0; lane < W; ++lane) {
    const IfmaPowTask& task = *lane_task[lane];
    const IfmaModulus& mod = *task.modulus;
    if (task.base->Sign() < 0 || task.base->Compare(mod.modulus()) >= 0) {
      mpz_mod(reduced.get(), task.base->get(), mod.modulus().get());
      ToLimbs52(reduced, limbs, base + lane, W);
    } else {
      ToLimbs52(*task.base, limbs, base + lane, W);
    }
    for (int i = 0; i < limbs; ++i) {
      m[i * W + lane] = mod.m_limbs()[i];
      r[i * W + lane] = mod.r_limbs()[i];
      r2[i * W + lane] = mod.r2_limbs()[i];
    }
    m_prime[lane] = mod.m_prime();
    for (size_t k = 0; k < windows; ++k) {
      digits[k * W + lane] = task.exponent->Bits(k * w, w);
    }
  }
  switch (limbs) {
    case 20:
      PowLanes<S, 20>(base, m, r, r2, m_prime, digits.data(), windows, w, table, selected, out);
      break;
    case 40:
      PowLanes<S, 40>(base, m, r, r2, m_prime, digits.data(), windows, w, table, selected, out);
      break;
    case 80:
      PowLanes<S, 80>(base, m, r, r2, m_prime, digits.data(), windows, w, table, selected, out);
      break;
    default:
      LOG(FATAL) << "IFMA batch: unsupported limb count " << limbs;
  }
  for (size_t lane = 0; lane < active; ++lane) {
    const IfmaPowTask& task = *lane_task[lane];
    FromLimbs52(out + lane, W, limbs, task.out);
    // The result is below 2m (at most m after the final multiplication by 1).
    if (task.out->Compare(task.modulus->modulus()) >= 0) {
      mpz_sub(task.out->get(), task.out->get(), task.modulus->modulus().get());
    }
  }
}

// Writes lane values from `in` (vertical, one number) to table[digit of each lane].
template <int W, int L>
inline void Scatter(const uint64_t* in, const uint32_t* lane_digits, uint64_t* table) {
  constexpr size_t kNumber = static_cast<size_t>(L) * W;
  for (int lane = 0; lane < W; ++lane) {
    uint64_t* entry = table + lane_digits[lane] * kNumber + lane;
    for (int i = 0; i < L; ++i) entry[i * W] = in[i * W + lane];
  }
}

// bases[s] = bases[s] * R mod m for every slot (into Montgomery form).
template <int L>
IFMA_TARGET void ToMontgomery(uint64_t* bases, size_t slots, const uint64_t* r2, const uint64_t* m,
                              const uint64_t* m_prime_lanes) {
  constexpr size_t kNumber = static_cast<size_t>(L) * 8;
  const __m512i m_prime = Lanes8::Load(m_prime_lanes);
  for (size_t s = 0; s < slots; ++s) {
    MontMul<Lanes8, L>(bases + s * kNumber, bases + s * kNumber, r2, m, m_prime);
  }
}

// Pippenger's bucket method in eight lanes: lane j computes prod_s bases[s][j]^e[s][j] over
// its own terms (slots s), with its own buckets; digits[(k * slots + s) * 8 + lane] is
// window k of that term's exponent. Result (out of Montgomery form, < 2m) in acc.
template <int L>
IFMA_TARGET void MultiExpLanes(const uint64_t* bases, size_t slots, const uint32_t* digits,
                               size_t windows, int w, const uint64_t* m, const uint64_t* r,
                               const uint64_t* m_prime_lanes, uint64_t* buckets, uint64_t* tmp,
                               uint64_t* running, uint64_t* sum, uint64_t* acc) {
  constexpr size_t kNumber = static_cast<size_t>(L) * 8;
  const __m512i m_prime = Lanes8::Load(m_prime_lanes);
  const size_t entries = size_t{1} << w;
  const size_t bytes = kNumber * sizeof(uint64_t);
  std::memcpy(acc, r, bytes);
  for (size_t k = windows; k-- > 0;) {
    if (k + 1 != windows) {
      for (int i = 0; i < w; ++i) MontMul<Lanes8, L>(acc, acc, acc, m, m_prime);
    }
    for (size_t d = 0; d < entries; ++d) std::memcpy(buckets + d * kNumber, r, bytes);
    for (size_t s = 0; s < slots; ++s) {
      const uint32_t* lane_digits = digits + (k * slots + s) * 8;
      Select<8, L>(buckets, lane_digits, tmp);
      MontMul<Lanes8, L>(tmp, tmp, bases + s * kNumber, m, m_prime);
      Scatter<8, L>(tmp, lane_digits, buckets);
    }
    // prod_d bucket_d^d as a product of running products from the top digit down.
    std::memcpy(running, r, bytes);
    std::memcpy(sum, r, bytes);
    for (size_t d = entries - 1; d >= 1; --d) {
      MontMul<Lanes8, L>(running, running, buckets + d * kNumber, m, m_prime);
      MontMul<Lanes8, L>(sum, sum, running, m, m_prime);
    }
    MontMul<Lanes8, L>(acc, acc, sum, m, m_prime);
  }
  std::memset(tmp, 0, bytes);
  for (int lane = 0; lane < 8; ++lane) tmp[lane] = 1;
  MontMul<Lanes8, L>(acc, acc, tmp, m, m_prime);
}
#endif  // FEDFLOW_HAVE_IFMA

}  // namespace

bool IfmaAvailable() {
#if FEDFLOW_HAVE_IFMA
  static const bool available = [] {
    const char* disable = std::getenv("FEDFLOW_DISABLE_IFMA");
    if (disable != nullptr && disable[0] != '\0' && std::string(disable) != "0") return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512ifma");
  }();
  return available;
#else
  return false;
#endif
}

std::unique_ptr<IfmaModulus> IfmaModulus::Create(const BigInt& modulus) {
#if !FEDFLOW_HAVE_IFMA
  (void)modulus;
  return nullptr;
#else
  if (!IfmaAvailable() || modulus.Sign() <= 0 || mpz_even_p(modulus.get()) ||
      mpz_cmp_ui(modulus.get(), 1) <= 0) {
    return nullptr;
  }
  const int limbs = LimbsFor(modulus.BitLength());
  if (limbs == 0) return nullptr;
  std::unique_ptr<IfmaModulus> out(new IfmaModulus());
  out->modulus_ = modulus;
  out->limbs_ = limbs;
  // -m^-1 mod 2^52.
  BigInt two52, inverse;
  mpz_setbit(two52.get(), 52);
  CHECK(mpz_invert(inverse.get(), modulus.get(), two52.get()) != 0);
  mpz_sub(inverse.get(), two52.get(), inverse.get());
  out->m_prime_ = mpz_get_ui(inverse.get()) & kMask52;
  BigInt r, r2;
  mpz_setbit(r.get(), 52 * static_cast<mp_bitcnt_t>(limbs));
  mpz_mul(r2.get(), r.get(), r.get());
  mpz_mod(r.get(), r.get(), modulus.get());
  mpz_mod(r2.get(), r2.get(), modulus.get());
  out->m_.resize(limbs);
  out->r_.resize(limbs);
  out->r2_.resize(limbs);
  ToLimbs52(modulus, limbs, out->m_.data(), 1);
  ToLimbs52(r, limbs, out->r_.data(), 1);
  ToLimbs52(r2, limbs, out->r2_.data(), 1);
  return out;
#endif
}

void IfmaPowModBatch(const std::vector<IfmaPowTask>& tasks) {
  if (tasks.empty()) return;
#if FEDFLOW_HAVE_IFMA
  CHECK(IfmaAvailable());
  const int limbs = tasks[0].modulus->limbs();
  for (const IfmaPowTask& task : tasks) {
    CHECK_EQ(task.modulus->limbs(), limbs) << "IFMA batch: mixed modulus sizes";
    CHECK(task.exponent->Sign() >= 0) << "IFMA batch: negative exponent";
  }
  // Groups of eight; the rest in a group of two, four or eight. Lanes past the end repeat
  // the group's first task and their results are dropped.
  for (size_t first = 0; first < tasks.size();) {
    const size_t left = tasks.size() - first;
    const size_t width = left >= 5 ? 8 : (left >= 3 ? 4 : 2);
    const size_t active = std::min(left, width);
    const IfmaPowTask* lane_task[8];
    for (size_t lane = 0; lane < width; ++lane) {
      lane_task[lane] = &tasks[first + (lane < active ? lane : 0)];
    }
    if (width == 8) {
      RunGroup<Lanes8>(lane_task, limbs, active);
    } else if (width == 4) {
      RunGroup<Lanes4>(lane_task, limbs, active);
    } else {
      RunGroup<Lanes2>(lane_task, limbs, active);
    }
    first += active;
  }
#else
  LOG(FATAL) << "IFMA exponentiation is not built for this target";
#endif
}

BigInt IfmaMultiExponentiate(const std::vector<const BigInt*>& bases,
                             const std::vector<BigInt>& exponents, const IfmaModulus& modulus) {
  BigInt result = BigInt::FromUint64(1);
#if FEDFLOW_HAVE_IFMA
  CHECK(IfmaAvailable());
  CHECK_EQ(bases.size(), exponents.size());
  // The bases are copied into Montgomery form (~1.25x their size): long inputs go in passes
  // of at most kTermsPerPass terms (at most ~10 MB each), whose results are multiplied.
  constexpr size_t kTermsPerPass = 16384;
  if (bases.size() > kTermsPerPass) {
    BigInt product;
    for (size_t first = 0; first < bases.size(); first += kTermsPerPass) {
      const size_t last = std::min(bases.size(), first + kTermsPerPass);
      const BigInt part = IfmaMultiExponentiate(
          std::vector<const BigInt*>(bases.begin() + first, bases.begin() + last),
          std::vector<BigInt>(exponents.begin() + first, exponents.begin() + last), modulus);
      mpz_mul(product.get(), result.get(), part.get());
      mpz_tdiv_r(result.get(), product.get(), modulus.modulus().get());
    }
    return result;
  }
  size_t bits = 0;
  for (const BigInt& e : exponents) {
    CHECK(e.Sign() >= 0);
    bits = std::max(bits, e.BitLength());
  }
  if (bits == 0) return result;
  const int limbs = modulus.limbs();
  const size_t number = static_cast<size_t>(limbs) * 8;
  const size_t slots = (bases.size() + 7) / 8;
  // Window minimising windows * (slots + 2 * 2^w) multiplications (w squarings each aside).
  int w = 1;
  double best = 1e300;
  for (int c = 1; c <= 10; ++c) {
    const double windows = static_cast<double>((bits + c - 1) / c);
    const double cost = windows * (static_cast<double>(slots) + 2.0 * (1 << c));
    if (cost < best) {
      best = cost;
      w = c;
    }
  }
  const size_t windows = (bits + w - 1) / w;
  const size_t entries = size_t{1} << w;
  // m, R, R^2, m' lanes, tmp, running, sum, acc, buckets, then the bases.
  AlignedBuffer buffer(number * (7 + entries + slots) + 8);
  uint64_t* m = buffer.data;
  uint64_t* r = m + number;
  uint64_t* r2 = r + number;
  uint64_t* tmp = r2 + number;
  uint64_t* running = tmp + number;
  uint64_t* sum = running + number;
  uint64_t* acc = sum + number;
  uint64_t* buckets = acc + number;
  uint64_t* base_limbs = buckets + entries * number;
  uint64_t* m_prime = base_limbs + slots * number;
  for (int lane = 0; lane < 8; ++lane) {
    for (int i = 0; i < limbs; ++i) {
      m[i * 8 + lane] = modulus.m_limbs()[i];
      r[i * 8 + lane] = modulus.r_limbs()[i];
      r2[i * 8 + lane] = modulus.r2_limbs()[i];
    }
    m_prime[lane] = modulus.m_prime();
  }
  std::vector<uint32_t> digits(windows * slots * 8, 0);
  BigInt reduced;
  for (size_t t = 0; t < slots * 8; ++t) {
    const size_t s = t / 8, lane = t % 8;
    uint64_t* dst = base_limbs + s * number + lane;
    if (t >= bases.size()) {
      // Padding: the base 1, with all digits 0 (it only ever lands in the unused bucket 0).
      for (int i = 0; i < limbs; ++i) dst[i * 8] = i == 0 ? 1 : 0;
      continue;
    }
    const BigInt* base = bases[t];
    if (base->Sign() < 0 || base->Compare(modulus.modulus()) >= 0) {
      mpz_mod(reduced.get(), base->get(), modulus.modulus().get());
      base = &reduced;
    }
    ToLimbs52(*base, limbs, dst, 8);
    for (size_t k = 0; k < windows; ++k) {
      digits[(k * slots + s) * 8 + lane] = exponents[t].Bits(k * w, w);
    }
  }
  switch (limbs) {
#define FEDFLOW_IFMA_MULTI_EXP(L)                                                               \
  case L:                                                                                       \
    ToMontgomery<L>(base_limbs, slots, r2, m, m_prime);                                         \
    MultiExpLanes<L>(base_limbs, slots, digits.data(), windows, w, m, r, m_prime, buckets, tmp, \
                     running, sum, acc);                                                        \
    break;
    FEDFLOW_IFMA_MULTI_EXP(20)
    FEDFLOW_IFMA_MULTI_EXP(40)
    FEDFLOW_IFMA_MULTI_EXP(80)
#undef FEDFLOW_IFMA_MULTI_EXP
    default:
      LOG(FATAL) << "IFMA multi-exponentiation: unsupported limb count " << limbs;
  }
  // The product of the eight lanes' partial results.
  BigInt lane_value, product;
  for (int lane = 0; lane < 8; ++lane) {
    FromLimbs52(acc + lane, 8, limbs, &lane_value);
    mpz_mul(product.get(), result.get(), lane_value.get());
    mpz_tdiv_r(result.get(), product.get(), modulus.modulus().get());
  }
#else
  LOG(FATAL) << "IFMA exponentiation is not built for this target";
#endif
  return result;
}

}  // namespace fedflow::crypto
