#include "common/crypto/paillier_serde.h"

#include <cstdio>
#include <utility>

namespace fedflow::crypto {
namespace {

void PutUint(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

void PutMagnitude(std::string* out, const BigInt& v) {
  std::string bytes = v.ToBigEndian();
  PutUint(out, bytes.size(), 2);
  out->append(bytes);
}

std::string Hex(uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof(buf), "0x%02x", b);
  return buf;
}

// Sequential reads over a message with errors that say what was being read and where.
class Reader {
 public:
  Reader(std::string_view bytes, const char* what) : bytes_(bytes), what_(what) {}

  Status Header(uint8_t tag) {
    if (bytes_.empty()) return Error("empty input");
    uint8_t got_tag = static_cast<uint8_t>(bytes_[0]);
    if (got_tag != tag) {
      return Error("unknown format tag " + Hex(got_tag) + " (expected " + Hex(tag) + ")");
    }
    uint8_t version = 0;
    pos_ = 1;
    RETURN_NOT_OK(Uint8(&version, "version"));
    if (version != kPaillierFormatVersion) {
      return Status::VersionMismatch(std::string(what_) + ": unsupported format version " +
                                     std::to_string(version) + " (this build reads version " +
                                     std::to_string(kPaillierFormatVersion) + ")");
    }
    return Status::OK();
  }

  Status Uint8(uint8_t* v, const char* field) {
    uint64_t u = 0;
    RETURN_NOT_OK(Uint(&u, 1, field));
    *v = static_cast<uint8_t>(u);
    return Status::OK();
  }

  Status Uint(uint64_t* v, int bytes, const char* field) {
    RETURN_NOT_OK(Need(static_cast<size_t>(bytes), field));
    *v = 0;
    for (int i = 0; i < bytes; ++i) *v = (*v << 8) | static_cast<uint8_t>(bytes_[pos_ + i]);
    pos_ += static_cast<size_t>(bytes);
    return Status::OK();
  }

  // A u16 length and that many bytes of a minimal big-endian magnitude.
  Status Magnitude(BigInt* v, const char* field) {
    uint64_t len = 0;
    RETURN_NOT_OK(Uint(&len, 2, field));
    if (len == 0) return Error(std::string(field) + " is empty");
    RETURN_NOT_OK(Need(len, field));
    if (bytes_[pos_] == 0) return Error(std::string(field) + " has a leading zero byte");
    *v = Fixed(len);
    return Status::OK();
  }

  // `len` bytes (availability checked by the caller) as a big-endian magnitude.
  BigInt Fixed(size_t len) {
    BigInt v = BigInt::FromBigEndian(reinterpret_cast<const uint8_t*>(bytes_.data() + pos_), len);
    pos_ += len;
    return v;
  }

  Status Need(size_t len, const std::string& field) const {
    if (bytes_.size() - pos_ >= len) return Status::OK();
    return Error("truncated input: " + field + " needs " + std::to_string(len) +
                 " bytes at offset " + std::to_string(pos_) + ", " +
                 std::to_string(bytes_.size() - pos_) + " left");
  }

  Status End() const {
    if (pos_ == bytes_.size()) return Status::OK();
    return Error(std::to_string(bytes_.size() - pos_) + " unexpected trailing bytes at offset " +
                 std::to_string(pos_));
  }

  Status Error(const std::string& message) const {
    return Status::InvalidArgument(std::string(what_) + ": " + message);
  }

  size_t remaining() const { return bytes_.size() - pos_; }

 private:
  std::string_view bytes_;
  const char* what_;
  size_t pos_ = 0;
};

constexpr char kPublicKeyWhat[] = "Paillier public key";
constexpr char kPrivateKeyWhat[] = "Paillier private key";
constexpr char kCiphertextsWhat[] = "Paillier ciphertexts";

}  // namespace

std::string SerializePublicKey(const PublicKey& pk) {
  std::string out{static_cast<char>(kPublicKeyTag), static_cast<char>(kPaillierFormatVersion)};
  PutMagnitude(&out, pk.n());
  return out;
}

Result<PublicKey> DeserializePublicKey(std::string_view bytes) {
  Reader r(bytes, kPublicKeyWhat);
  RETURN_NOT_OK(r.Header(kPublicKeyTag));
  BigInt n;
  RETURN_NOT_OK(r.Magnitude(&n, "n"));
  RETURN_NOT_OK(r.End());
  return PublicKey::FromModulus(n);
}

std::string SerializePrivateKey(const PrivateKey& sk) {
  std::string out{static_cast<char>(kPrivateKeyTag), static_cast<char>(kPaillierFormatVersion)};
  PutMagnitude(&out, sk.p());
  PutMagnitude(&out, sk.q());
  return out;
}

Result<PrivateKey> DeserializePrivateKey(std::string_view bytes) {
  Reader r(bytes, kPrivateKeyWhat);
  RETURN_NOT_OK(r.Header(kPrivateKeyTag));
  BigInt p, q;
  RETURN_NOT_OK(r.Magnitude(&p, "p"));
  RETURN_NOT_OK(r.Magnitude(&q, "q"));
  RETURN_NOT_OK(r.End());
  return PrivateKey::FromPrimes(p, q);
}

Result<std::string> SerializeCiphertexts(const PublicKey& pk,
                                         const std::vector<EncryptedNumber>& cs) {
  const size_t width = pk.n_squared().ByteLength();
  if (cs.size() > UINT32_MAX) {
    return Status::InvalidArgument("Paillier ciphertexts: more than 2^32-1 elements");
  }
  std::string out{static_cast<char>(kCiphertextsTag), static_cast<char>(kPaillierFormatVersion)};
  out.reserve(out.size() + 14 + cs.size() * (4 + width));
  PutUint(&out, pk.fingerprint(), 8);
  PutUint(&out, width, 2);
  PutUint(&out, cs.size(), 4);
  for (size_t i = 0; i < cs.size(); ++i) {
    RETURN_NOT_OK_PREPEND(pk.CheckCiphertext(cs[i].ciphertext),
                          "Paillier ciphertexts: element " + std::to_string(i));
    PutUint(&out, static_cast<uint32_t>(cs[i].exponent), 4);
    size_t at = out.size();
    out.resize(at + width);
    cs[i].ciphertext.ToBigEndian(reinterpret_cast<uint8_t*>(&out[at]), width);
  }
  return out;
}

Result<std::vector<EncryptedNumber>> DeserializeCiphertexts(const PublicKey& pk,
                                                            std::string_view bytes) {
  Reader r(bytes, kCiphertextsWhat);
  RETURN_NOT_OK(r.Header(kCiphertextsTag));
  uint64_t fingerprint = 0, width = 0, count = 0;
  RETURN_NOT_OK(r.Uint(&fingerprint, 8, "key fingerprint"));
  RETURN_NOT_OK(r.Uint(&width, 2, "ciphertext width"));
  RETURN_NOT_OK(r.Uint(&count, 4, "count"));
  if (fingerprint != pk.fingerprint()) {
    return r.Error("encrypted under a different public key (key fingerprint mismatch)");
  }
  if (width != pk.n_squared().ByteLength()) {
    return r.Error("ciphertext width " + std::to_string(width) + " does not match the key's " +
                   std::to_string(pk.n_squared().ByteLength()));
  }
  const uint64_t element = 4 + width;
  if (r.remaining() != count * element) {
    return r.Error("declares " + std::to_string(count) + " ciphertexts of " +
                   std::to_string(element) + " bytes (" + std::to_string(count * element) +
                   " bytes) but " + std::to_string(r.remaining()) + " bytes follow the header");
  }
  std::vector<EncryptedNumber> out(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t exponent = 0;
    RETURN_NOT_OK(r.Uint(&exponent, 4, "exponent"));
    out[i].exponent = static_cast<int32_t>(static_cast<uint32_t>(exponent));
    if (out[i].exponent < kMinExponent || out[i].exponent > kMaxExponent) {
      return r.Error("element " + std::to_string(i) + ": exponent " +
                     std::to_string(out[i].exponent) + " out of range");
    }
    out[i].ciphertext = r.Fixed(width);
    Status s = pk.CheckCiphertext(out[i].ciphertext);
    if (!s.ok()) return r.Error("element " + std::to_string(i) + ": " + s.message());
  }
  return out;
}

}  // namespace fedflow::crypto
