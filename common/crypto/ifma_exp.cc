#include "common/crypto/ifma_exp.h"

#include <glog/logging.h>

#include <algorithm>
#include <cstdint>
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

// Vector widths: W lanes of 64 bits. Eight lanes (zmm) for full groups; four (ymm) for a
// remainder of four tasks with 20 limbs, which costs about half as much as eight.
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

// ---------------------------------------------------------------------------------------
// Horizontal Montgomery multiplication: ONE number per multiplication, its 52-bit limbs
// spread over N zmm registers (8 limbs each; N = 3, 5, 10 for 20, 40, 80 limbs), for the
// single exponentiations that have no independent neighbours to fill the vertical lanes
// (a scalar multiplication, a decryption's pair mod p^2 and q^2).
//
// Operand scanning over the multiplier's limbs b_i. Iterations depend on each other
// through the Montgomery digit y_i = (position i) * k0 mod 2^52, so y_i is computed in
// general-purpose registers, and y_i's contributions to the next two positions (i + 1,
// i + 2) are added there too: the vector accumulators only receive y_i's products from
// position i + 3 on, so Q's part of position i + 2 can be read out before y_i is known,
// an iteration before it is needed, and the vector work on y_i stays off the digit chain.
// Two accumulators, P for a * b_i (independent of the digits) and Q for m * y_i, each
// shifted down by one limb (valignq) per iteration, so that lane 0 is always the current
// position; carries stay in the 64-bit lanes (a lane receives at most 4L halves below
// 2^52: < 2^61 for L <= 80) and are propagated once at the end. On the development machine
// (Zen 5) an iteration takes about 17 cycles for 20 and 40 limbs (bound by the accumulator
// chain vpmadd52luq, valignq, vpmadd52huq: 4 + 5 + 4 cycles), 27 for 80 limbs, and two
// interleaved chains of 20 limbs 27 cycles (bound by vpmadd52 and valignq throughput).
//
// Positions handled in general-purpose registers (iteration i, digit y_i):
//   position i:     everything (the running value T_i) plus a_0 * b_i and m_0 * y_i in full,
//                   whose sum is divisible by 2^52; its quotient goes to position i + 1;
//   position i + 1: lo(m_1 * y_i) (hi(m_0 * y_i) is in the quotient above);
//   position i + 2: hi(m_1 * y_i) + lo(m_2 * y_i).
// The vector side therefore multiplies y_i by m with limbs 0..2 cleared (low halves) and
// with limbs 0..1 cleared (high halves), and a * b_i's lanes 0 (position i, and after the
// shift position i + 1) are dropped unread: the scalar side has a_0 * b_i in full.

template <int N>
struct alignas(64) HModulus {
  uint64_t m_lo[N * 8];  // m with limbs 0, 1, 2 cleared (low halves of m * y)
  uint64_t m_hi[N * 8];  // m with limbs 0, 1 cleared (high halves of m * y)
  uint64_t m0, m1, m2;   // limbs 0..2 of m
  uint64_t m0_shifted;   // m_0 << 12: (m_0 * y) >> 52 is the high word of m0_shifted * y
  uint64_t m1_shifted;   // m_1 << 12
  uint64_t k0;           // -m^-1 mod 2^52
};

template <int N>
void FillHModulus(const IfmaModulus& mod, HModulus<N>* out) {
  const std::vector<uint64_t>& m = mod.m_limbs();
  std::memset(out->m_lo, 0, sizeof(out->m_lo));
  std::memset(out->m_hi, 0, sizeof(out->m_hi));
  for (int i = 0; i < mod.limbs(); ++i) {
    if (i >= 3) out->m_lo[i] = m[i];
    if (i >= 2) out->m_hi[i] = m[i];
  }
  out->m0 = m[0];
  out->m1 = m[1];
  out->m2 = m[2];
  out->m0_shifted = m[0] << 12;
  out->m1_shifted = m[1] << 12;
  out->k0 = mod.m_prime();
}

constexpr int LimbsOfRegisters(int n) { return n == 3 ? 20 : n * 8; }

IFMA_TARGET inline uint64_t HighWord(uint64_t a, uint64_t b) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(a) * b) >> 64);
}

// Propagates the carries of r (lanes < 2^63) so that every lane is < 2^52; the value must
// be < 2^(52 * 8N) (no carry out of the top).
template <int N>
IFMA_TARGET inline void HNormalize(__m512i (&r)[N]) {
  const __m512i mask = _mm512_set1_epi64(static_cast<long long>(kMask52));
  const __m512i zero = _mm512_setzero_si512();
  // Two passes of lane-parallel carries: lanes <= 2^52 + 2^11 after the first, <= 2^52
  // after the second.
  for (int pass = 0; pass < 2; ++pass) {
    __m512i carry[N];
#pragma GCC unroll 16
    for (int k = 0; k < N; ++k) {
      carry[k] = _mm512_srli_epi64(r[k], 52);
      r[k] = _mm512_and_si512(r[k], mask);
    }
#pragma GCC unroll 16
    for (int k = 0; k < N; ++k) {
      r[k] = _mm512_add_epi64(r[k], _mm512_alignr_epi64(carry[k], k > 0 ? carry[k - 1] : zero, 7));
    }
  }
  // The remaining carries are 0 or 1 and ripple through lanes equal to 2^52 - 1: lane j
  // receives one when ((G << 1) + P) ^ P has bit j, G marking lanes of 2^52 (which carry
  // out) and P lanes of 2^52 - 1 (which pass a carry on).
  unsigned __int128 g = 0, p = 0;
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) {
    g |= static_cast<unsigned __int128>(_mm512_cmpgt_epu64_mask(r[k], mask)) << (8 * k);
    p |= static_cast<unsigned __int128>(_mm512_cmpeq_epu64_mask(r[k], mask)) << (8 * k);
  }
  if (g == 0) return;
  const unsigned __int128 carry_in = ((g << 1) + p) ^ p;
  const __m512i one = _mm512_set1_epi64(1);
#pragma GCC unroll 16
  for (int k = 0; k < N; ++k) {
    const __mmask8 c = static_cast<__mmask8>(carry_in >> (8 * k));
    r[k] = _mm512_and_si512(_mm512_mask_add_epi64(r[k], c, r[k], one), mask);
  }
}

// C independent multiplications out[c] = a[c] * b[c] * R^-1 mod m_c (R = 2^(52 L)), for
// a, b < 2m_c with limbs < 2^52 (N * 8 limbs, 64-byte aligned, zero above L); results
// < 2m_c, limbs < 2^52. out may alias a or b.
template <int N, int C>
IFMA_TARGET void HMontMul(uint64_t* const (&out)[C], const uint64_t* const (&a)[C],
                          const uint64_t* const (&b)[C], const HModulus<N>* const (&mod)[C]) {
  constexpr int L = LimbsOfRegisters(N);
  const __m512i zero = _mm512_setzero_si512();
  __m512i acc_p[C][N], acc_q[C][N];
  uint64_t t[C], u[C], q_next[C];
#pragma GCC unroll 4
  for (int c = 0; c < C; ++c) {
#pragma GCC unroll 16
    for (int k = 0; k < N; ++k) acc_p[c][k] = acc_q[c][k] = zero;
    t[c] = u[c] = q_next[c] = 0;
  }
  for (int i = 0; i < L; ++i) {
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) {
      const HModulus<N>& md = *mod[c];
      const uint64_t bi = b[c][i];
      const __m512i vb = _mm512_set1_epi64(static_cast<long long>(bi));
      // Position i + 2 of Q (lane 2) before y_i's products: complete but for the digits
      // y_i and y_{i+1}, whose parts there the scalar side adds.
      const uint64_t q2 =
          static_cast<uint64_t>(_mm_cvtsi128_si64(_mm512_extracti32x4_epi32(acc_q[c][0], 1)));
#pragma GCC unroll 16
      for (int k = 0; k < N; ++k) {
        acc_p[c][k] = _mm512_madd52lo_epu64(acc_p[c][k], _mm512_load_si512(a[c] + 8 * k), vb);
      }
      // Position i + 1 of P (lane 1): complete but for hi(a_0 * b_i), which v below holds.
      const uint64_t p1 =
          static_cast<uint64_t>(_mm_extract_epi64(_mm512_castsi512_si128(acc_p[c][0]), 1));
      const unsigned __int128 v = static_cast<unsigned __int128>(a[c][0]) * bi + t[c];
      const uint64_t v_lo = static_cast<uint64_t>(v);
      const uint64_t y = (v_lo * md.k0) & kMask52;
      // (v + m_0 * y) / 2^52: the low 52 bits of v and m_0 * y sum to 0 or to 2^52.
      const uint64_t quotient =
          static_cast<uint64_t>(v >> 52) + ((v_lo & kMask52) != 0) + HighWord(md.m0_shifted, y);
      t[c] = quotient + ((md.m1 * y) & kMask52) + u[c] + p1 + q_next[c];
      u[c] = HighWord(md.m1_shifted, y) + ((md.m2 * y) & kMask52);
      q_next[c] = q2;
      const __m512i vy = _mm512_set1_epi64(static_cast<long long>(y));
#pragma GCC unroll 16
      for (int k = 0; k < N; ++k) {
        acc_q[c][k] = _mm512_madd52lo_epu64(acc_q[c][k], _mm512_load_si512(md.m_lo + 8 * k), vy);
      }
#pragma GCC unroll 16
      for (int k = 0; k < N; ++k) {
        const __m512i next_p = k + 1 < N ? acc_p[c][k + 1] : zero;
        const __m512i next_q = k + 1 < N ? acc_q[c][k + 1] : zero;
        acc_p[c][k] = _mm512_alignr_epi64(next_p, acc_p[c][k], 1);
        acc_q[c][k] = _mm512_alignr_epi64(next_q, acc_q[c][k], 1);
      }
#pragma GCC unroll 16
      for (int k = 0; k < N; ++k) {
        acc_p[c][k] = _mm512_madd52hi_epu64(acc_p[c][k], _mm512_load_si512(a[c] + 8 * k), vb);
        acc_q[c][k] = _mm512_madd52hi_epu64(acc_q[c][k], _mm512_load_si512(md.m_hi + 8 * k), vy);
      }
    }
  }
#pragma GCC unroll 4
  for (int c = 0; c < C; ++c) {
    // Lane j is position L + j; lane 0 is t (the vector lanes there were dropped), lane 1
    // lacks y_{L-1}'s part u.
    __m512i r[N];
#pragma GCC unroll 16
    for (int k = 0; k < N; ++k) r[k] = _mm512_add_epi64(acc_p[c][k], acc_q[c][k]);
    r[0] = _mm512_add_epi64(_mm512_maskz_mov_epi64(0xFE, r[0]),
                            _mm512_set_epi64(0, 0, 0, 0, 0, 0, static_cast<long long>(u[c]),
                                             static_cast<long long>(t[c])));
    HNormalize<N>(r);
#pragma GCC unroll 16
    for (int k = 0; k < N; ++k) _mm512_store_si512(out[c] + 8 * k, r[k]);
  }
}

// The largest remainder (after groups of eight) for which one or two horizontal
// exponentiations at a time cost less than a group of four or eight vertical lanes
// (measured with 53- to 2048-bit exponents): at 20 limbs a pair runs at about 0.55 of a
// vertical group of four or eight, at 40 limbs a single at about 0.2, at 80 limbs 0.14.
size_t HorizontalRemainder(int limbs) { return limbs == 20 ? 3 : (limbs == 40 ? 4 : 7); }

// Fixed-window width for `bits`-bit exponents: the w minimising the multiplications beside
// the squarings, 2^w - 2 for the table plus one per window (3 for 53-bit scalars, 5 for
// 512- and 1024-bit exponents).
int HorizontalWindow(size_t bits) {
  int best_w = 1;
  size_t best = SIZE_MAX;
  for (int w = 1; w <= 6; ++w) {
    const size_t cost = (size_t{1} << w) - 2 + (bits + w - 1) / w;
    if (cost < best) {
      best = cost;
      best_w = w;
    }
  }
  return best_w;
}

// C exponentiations with the horizontal multiplication, side by side (their moduli have
// L = LimbsOfRegisters(N) limbs).
template <int N, int C>
void HorizontalPow(const IfmaPowTask* const (&tasks)[C]) {
  constexpr size_t kNumber = static_cast<size_t>(N) * 8;
  size_t max_bits = 0;
  for (int c = 0; c < C; ++c) max_bits = std::max(max_bits, tasks[c]->exponent->BitLength());
  // A power of two (ShiftRaw's exponents) needs no table: squarings and one multiplication.
  bool power_of_two = true;
  for (int c = 0; c < C; ++c) power_of_two &= mpz_popcount(tasks[c]->exponent->get()) <= 1;
  const int w = power_of_two ? 1 : HorizontalWindow(max_bits);
  const size_t windows = std::max<size_t>(1, (max_bits + w - 1) / w);
  const size_t entries = size_t{1} << w;
  // Per chain: base, R^2, one, acc, then the table.
  const size_t per_chain = kNumber * (4 + entries);
  AlignedBuffer buffer(per_chain * C);
  std::unique_ptr<HModulus<N>[]> mods(new HModulus<N>[C]);
  uint64_t *base[C], *r2[C], *one[C], *acc[C], *table[C];
  const HModulus<N>* mod[C];
  std::vector<uint32_t> digits(windows * C);
  BigInt reduced;
  for (int c = 0; c < C; ++c) {
    const IfmaPowTask& task = *tasks[c];
    const IfmaModulus& m = *task.modulus;
    base[c] = buffer.data + c * per_chain;
    r2[c] = base[c] + kNumber;
    one[c] = r2[c] + kNumber;
    acc[c] = one[c] + kNumber;
    table[c] = acc[c] + kNumber;
    FillHModulus<N>(m, &mods[c]);
    mod[c] = &mods[c];
    if (task.base->Sign() < 0 || task.base->Compare(m.modulus()) >= 0) {
      mpz_mod(reduced.get(), task.base->get(), m.modulus().get());
      ToLimbs52(reduced, m.limbs(), base[c], 1);
    } else {
      ToLimbs52(*task.base, m.limbs(), base[c], 1);
    }
    std::memcpy(r2[c], m.r2_limbs().data(), m.limbs() * sizeof(uint64_t));
    std::memcpy(table[c], m.r_limbs().data(), m.limbs() * sizeof(uint64_t));
    one[c][0] = 1;
    for (size_t k = 0; k < windows; ++k) digits[k * C + c] = task.exponent->Bits(k * w, w);
  }
  auto entry = [&](int c, size_t d) { return table[c] + d * kNumber; };
  // table[d] = base^d in Montgomery form; table[0] = R mod m.
  {
    uint64_t* out[C];
    const uint64_t *x[C], *y[C];
    for (int c = 0; c < C; ++c) {
      out[c] = entry(c, 1);
      x[c] = base[c];
      y[c] = r2[c];
    }
    HMontMul<N, C>(out, x, y, mod);
    for (size_t d = 2; d < entries; ++d) {
      for (int c = 0; c < C; ++c) {
        out[c] = entry(c, d);
        x[c] = entry(c, d - 1);
        y[c] = entry(c, 1);
      }
      HMontMul<N, C>(out, x, y, mod);
    }
  }
  uint64_t* acc_out[C];
  const uint64_t *acc_in[C], *factor[C];
  for (int c = 0; c < C; ++c) {
    std::memcpy(acc[c], entry(c, digits[(windows - 1) * C + c]), kNumber * sizeof(uint64_t));
    acc_out[c] = acc[c];
    acc_in[c] = acc[c];
  }
  for (size_t k = windows - 1; k-- > 0;) {
    for (int s = 0; s < w; ++s) HMontMul<N, C>(acc_out, acc_in, acc_in, mod);
    bool any = false;
    for (int c = 0; c < C; ++c) {
      factor[c] = entry(c, digits[k * C + c]);
      any = any || digits[k * C + c] != 0;
    }
    // A zero digit multiplies by R mod m (1 in Montgomery form): skipped when all are.
    if (any) HMontMul<N, C>(acc_out, acc_in, factor, mod);
  }
  // Out of Montgomery form: multiply by 1; the result is at most m.
  for (int c = 0; c < C; ++c) factor[c] = one[c];
  HMontMul<N, C>(acc_out, acc_in, factor, mod);
  for (int c = 0; c < C; ++c) {
    const IfmaPowTask& task = *tasks[c];
    FromLimbs52(acc[c], 1, task.modulus->limbs(), task.out);
    if (task.out->Compare(task.modulus->modulus()) >= 0) {
      mpz_sub(task.out->get(), task.out->get(), task.modulus->modulus().get());
    }
  }
}

// Runs C = 1 or 2 exponentiations with the horizontal multiplication. Two chains of 80
// limbs need more than the 32 vector registers, so they run one after the other.
template <int C>
void DispatchHorizontalPow(const IfmaPowTask* const (&tasks)[C]) {
  switch (tasks[0]->modulus->limbs()) {
    case 20:
      HorizontalPow<3, C>(tasks);
      break;
    case 40:
      HorizontalPow<5, C>(tasks);
      break;
    case 80:
      for (int c = 0; c < C; ++c) {
        const IfmaPowTask* single[1] = {tasks[c]};
        HorizontalPow<10, 1>(single);
      }
      break;
    default:
      LOG(FATAL) << "IFMA: unsupported limb count " << tasks[0]->modulus->limbs();
  }
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
  // Groups of eight. A remainder of up to HorizontalRemainder(limbs) tasks runs one or two
  // at a time with the horizontal multiplication, which then costs less than a group of
  // four or eight vertical lanes; a larger one runs in a group of four or eight (lanes past
  // the end repeat the group's first task and their results are dropped).
  const size_t full = tasks.size() - tasks.size() % 8;
  for (size_t first = 0; first < full; first += 8) {
    const IfmaPowTask* lane_task[8];
    for (size_t lane = 0; lane < 8; ++lane) lane_task[lane] = &tasks[first + lane];
    RunGroup<Lanes8>(lane_task, limbs, 8);
  }
  const size_t left = tasks.size() - full;
  if (left == 0) return;
  if (left <= HorizontalRemainder(limbs)) {
    size_t next = full;
    if (limbs <= 40) {
      for (; next + 2 <= tasks.size(); next += 2) {
        const IfmaPowTask* pair[2] = {&tasks[next], &tasks[next + 1]};
        DispatchHorizontalPow<2>(pair);
      }
    }
    for (; next < tasks.size(); ++next) {
      const IfmaPowTask* single[1] = {&tasks[next]};
      DispatchHorizontalPow<1>(single);
    }
    return;
  }
  const IfmaPowTask* lane_task[8];
  const size_t width = left >= 5 ? 8 : 4;
  for (size_t lane = 0; lane < width; ++lane)
    lane_task[lane] = &tasks[full + (lane < left ? lane : 0)];
  if (width == 8) {
    RunGroup<Lanes8>(lane_task, limbs, left);
  } else {
    RunGroup<Lanes4>(lane_task, limbs, left);
  }
#else
  LOG(FATAL) << "IFMA exponentiation is not built for this target";
#endif
}

void IfmaPowModSingle(const IfmaPowTask& task) {
#if FEDFLOW_HAVE_IFMA
  CHECK(IfmaAvailable());
  CHECK(task.exponent->Sign() >= 0) << "IFMA: negative exponent";
  const IfmaPowTask* tasks[1] = {&task};
  DispatchHorizontalPow<1>(tasks);
#else
  (void)task;
  LOG(FATAL) << "IFMA exponentiation is not built for this target";
#endif
}

void IfmaPowModPair(const IfmaPowTask& first, const IfmaPowTask& second) {
#if FEDFLOW_HAVE_IFMA
  CHECK(IfmaAvailable());
  CHECK(first.exponent->Sign() >= 0 && second.exponent->Sign() >= 0) << "IFMA: negative exponent";
  CHECK_EQ(first.modulus->limbs(), second.modulus->limbs()) << "IFMA pair: mixed modulus sizes";
  const IfmaPowTask* tasks[2] = {&first, &second};
  DispatchHorizontalPow<2>(tasks);
#else
  (void)first;
  (void)second;
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
