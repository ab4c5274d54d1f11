#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/crypto/encrypted_number.h"
#include "common/crypto/paillier.h"
#include "common/status.h"

namespace fedflow::crypto {

// Byte formats of Paillier keys and ciphertext vectors (docs/PAILLIER.md, "Wire format").
// Every message starts with a format tag byte and a version byte; all integers are
// big-endian, key magnitudes minimal (no leading zero byte), ciphertexts fixed-width.
//
//   public key   F1 01 | u16 len | n
//   private key  F2 01 | u16 len | p | u16 len | q
//   ciphertexts  F3 01 | u64 key fingerprint | u16 width | u32 count |
//                count * (i32 exponent | width-byte ciphertext)
//
// Parsers reject truncated, over-long and malformed input with InvalidArgument saying what
// and where (never echoing secret values), and VersionMismatch for a version they do not
// read. Thread-safe (pure functions).

inline constexpr uint8_t kPublicKeyTag = 0xF1;
inline constexpr uint8_t kPrivateKeyTag = 0xF2;
inline constexpr uint8_t kCiphertextsTag = 0xF3;
inline constexpr uint8_t kPaillierFormatVersion = 1;

std::string SerializePublicKey(const PublicKey& pk);
Result<PublicKey> DeserializePublicKey(std::string_view bytes);

// Secret material: store and send it accordingly.
std::string SerializePrivateKey(const PrivateKey& sk);
Result<PrivateKey> DeserializePrivateKey(std::string_view bytes);

// Fails (InvalidArgument) when an element is not a valid ciphertext under pk.
Result<std::string> SerializeCiphertexts(const PublicKey& pk,
                                         const std::vector<EncryptedNumber>& cs);
// Checks that the data were written for pk (fingerprint and width) and that every
// ciphertext lies in (0, n^2).
Result<std::vector<EncryptedNumber>> DeserializeCiphertexts(const PublicKey& pk,
                                                            std::string_view bytes);

}  // namespace fedflow::crypto
