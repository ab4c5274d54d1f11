#pragma once

#include <vector>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/paillier.h"
#include "common/status.h"

namespace fedflow::crypto {

// Vectorised Paillier operations over std::vector, the shapes federated algorithms use
// (encrypted gradients, residuals). Errors name the offending element. Single-threaded by
// design: callers parallelise over slices. Thread-safe (no shared mutable state).
// DecryptVector, MulVectorByScalar, MulVectorElementwise and DotProduct run their modular
// exponentiations eight at a time with AVX-512 IFMA on CPUs that have it (ifma_exp.h), several
// times faster per element than the single operations; products by negative scalars are
// inverted in one batch (Montgomery's trick).

Result<std::vector<EncryptedNumber>> EncryptVector(const PublicKey& pk,
                                                   const std::vector<double>& xs,
                                                   int32_t exponent = kDefaultEncryptExponent);
Result<std::vector<double>> DecryptVector(const PrivateKey& sk,
                                          const std::vector<EncryptedNumber>& cs);

// Element-wise E(a_i + b_i); the vectors must have equal sizes.
Result<std::vector<EncryptedNumber>> AddVectors(const PublicKey& pk,
                                                const std::vector<EncryptedNumber>& a,
                                                const std::vector<EncryptedNumber>& b);
// E(k * a_i) for every element.
Result<std::vector<EncryptedNumber>> MulVectorByScalar(const PublicKey& pk,
                                                       const std::vector<EncryptedNumber>& a,
                                                       double k);
// E(k_i * a_i). The scalars share one exponent (EncodeScalarsShared), so results whose
// inputs shared an exponent do too and add without rescaling.
Result<std::vector<EncryptedNumber>> MulVectorElementwise(const PublicKey& pk,
                                                          const std::vector<EncryptedNumber>& a,
                                                          const std::vector<double>& ks);

// E(sum_i k_i * a_i), e.g. one feature's gradient X_j^T E(d). Computed as one
// multi-exponentiation prod_i c_i^k_i with Pippenger's bucket method, which shares the
// squarings across all terms: about (64/w) * (N + 2^(w+2)) multiplications for N terms
// with 62-bit scalars instead of ~75 * N for N separate modexps (docs/PAILLIER.md).
// Scalars are encoded with a shared exponent (EncodeScalarsShared); negative scalars are
// collected separately and applied with a single inversion. An empty input gives a fresh
// encryption of 0.
Result<EncryptedNumber> DotProduct(const PublicKey& pk, const std::vector<EncryptedNumber>& a,
                                   const std::vector<double>& ks);

// prod_i bases[i]^exponents[i] mod modulus for non-negative exponents (Pippenger); 1 for
// no terms. Exposed for tests and the benchmark.
BigInt MultiExponentiate(const std::vector<const BigInt*>& bases,
                         const std::vector<BigInt>& exponents, const BigInt& modulus);

}  // namespace fedflow::crypto
