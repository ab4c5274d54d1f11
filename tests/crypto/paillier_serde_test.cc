// Byte formats of keys and ciphertext vectors: round trips, and rejection of truncated,
// garbled and mismatched input with clear errors.
#include "common/crypto/paillier_serde.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/crypto/paillier_vector.h"
#include "tests/crypto/paillier_test_keys.h"
#include "tests/harness/test_util.h"

namespace fedflow::crypto {
namespace {

using testing::SharedKey1024;

class PaillierSerdeTest : public fedflow::testing::FedflowTest {
 protected:
  void SetUp() override {
    key_ = SharedKey1024();
    ASSERT_NE(key_, nullptr) << "1024-bit key generation failed";
  }
  const PublicKey& pk() const { return key_->public_key; }
  const PrivateKey& sk() const { return key_->private_key; }

  std::string TwoCiphertexts() {
    Result<std::vector<EncryptedNumber>> cs = EncryptVector(pk(), {1.25, -3.0});
    EXPECT_TRUE(cs.ok());
    (*cs)[1] = *MulScalar(pk(), (*cs)[1], 0.1);  // a second exponent
    Result<std::string> bytes = SerializeCiphertexts(pk(), *cs);
    EXPECT_TRUE(bytes.ok());
    return bytes.ok() ? *bytes : std::string();
  }

  static void ExpectError(const Status& s, const std::string& fragment) {
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(fragment), std::string::npos)
        << "expected \"" << fragment << "\" in: " << s.ToString();
  }

  const KeyPair* key_ = nullptr;
};

TEST_F(PaillierSerdeTest, PublicKeyRoundTrip) {
  std::string bytes = SerializePublicKey(pk());
  ASSERT_GE(bytes.size(), 4u);
  EXPECT_EQ(static_cast<uint8_t>(bytes[0]), kPublicKeyTag);
  EXPECT_EQ(static_cast<uint8_t>(bytes[1]), kPaillierFormatVersion);
  EXPECT_EQ(bytes.size(), 4u + 128u);  // u16 length + 1024-bit n
  Result<PublicKey> back = DeserializePublicKey(bytes);
  ASSERT_OK(back);
  EXPECT_TRUE(*back == pk());
  EXPECT_EQ(back->fingerprint(), pk().fingerprint());
}

TEST_F(PaillierSerdeTest, PrivateKeyRoundTrip) {
  Result<PrivateKey> back = DeserializePrivateKey(SerializePrivateKey(sk()));
  ASSERT_OK(back);
  EXPECT_TRUE(back->public_key() == pk());
  Result<EncryptedNumber> c = Encrypt(pk(), -42.125);
  ASSERT_OK(c);
  Result<double> x = Decrypt(*back, *c);
  ASSERT_OK(x);
  EXPECT_EQ(*x, -42.125);
}

TEST_F(PaillierSerdeTest, CiphertextsRoundTrip) {
  Result<std::vector<EncryptedNumber>> cs = EncryptVector(pk(), {0.0, 1e-8, -1e12, 3.5});
  ASSERT_OK(cs);
  (*cs)[2] = *MulScalar(pk(), (*cs)[2], -0.3);
  Result<std::string> bytes = SerializeCiphertexts(pk(), *cs);
  ASSERT_OK(bytes);
  EXPECT_EQ(bytes->size(), 16u + 4 * (4 + 256));
  Result<std::vector<EncryptedNumber>> back = DeserializeCiphertexts(pk(), *bytes);
  ASSERT_OK(back);
  ASSERT_EQ(back->size(), cs->size());
  for (size_t i = 0; i < cs->size(); ++i) {
    EXPECT_EQ((*back)[i].ciphertext, (*cs)[i].ciphertext);
    EXPECT_EQ((*back)[i].exponent, (*cs)[i].exponent);
  }
  Result<std::vector<double>> xs = DecryptVector(sk(), *back);
  ASSERT_OK(xs);
  EXPECT_EQ((*xs)[1], 1e-8);
  EXPECT_EQ((*xs)[2], -1e12 * -0.3);
  Result<std::string> empty = SerializeCiphertexts(pk(), {});
  ASSERT_OK(empty);
  Result<std::vector<EncryptedNumber>> none = DeserializeCiphertexts(pk(), *empty);
  ASSERT_OK(none);
  EXPECT_TRUE(none->empty());
}

TEST_F(PaillierSerdeTest, EveryTruncationIsRejected) {
  std::string public_key = SerializePublicKey(pk());
  std::string private_key = SerializePrivateKey(sk());
  std::string ciphertexts = TwoCiphertexts();
  for (size_t len = 0; len < public_key.size(); ++len) {
    Status s = DeserializePublicKey(public_key.substr(0, len)).status();
    EXPECT_TRUE(s.IsInvalidArgument()) << len << ": " << s.ToString();
  }
  for (size_t len = 0; len < private_key.size(); ++len) {
    Status s = DeserializePrivateKey(private_key.substr(0, len)).status();
    EXPECT_TRUE(s.IsInvalidArgument()) << len << ": " << s.ToString();
  }
  for (size_t len = 0; len < ciphertexts.size(); ++len) {
    Status s = DeserializeCiphertexts(pk(), ciphertexts.substr(0, len)).status();
    EXPECT_TRUE(s.IsInvalidArgument()) << len << ": " << s.ToString();
  }
  ExpectError(DeserializePublicKey("").status(), "Paillier public key: empty input");
  ExpectError(DeserializePublicKey(public_key.substr(0, 40)).status(),
              "truncated input: n needs 128 bytes at offset 4, 36 left");
  ExpectError(DeserializeCiphertexts(pk(), ciphertexts.substr(0, 100)).status(),
              "declares 2 ciphertexts of 260 bytes (520 bytes) but 84 bytes follow the header");
}

TEST_F(PaillierSerdeTest, GarbledHeadersAreRejected) {
  std::string public_key = SerializePublicKey(pk());
  std::string wrong_tag = public_key;
  wrong_tag[0] = static_cast<char>(kCiphertextsTag);
  ExpectError(DeserializePublicKey(wrong_tag).status(), "unknown format tag 0xf3 (expected 0xf1)");
  std::string future = public_key;
  future[1] = 2;
  Status s = DeserializePublicKey(future).status();
  EXPECT_TRUE(s.IsVersionMismatch()) << s.ToString();
  ExpectError(s, "unsupported format version 2 (this build reads version 1)");
  ExpectError(DeserializePublicKey(public_key + "x").status(),
              "1 unexpected trailing bytes at offset 132");
  std::string zero_led = public_key;
  zero_led[4] = 0;
  ExpectError(DeserializePublicKey(zero_led).status(), "n has a leading zero byte");
  std::string even = public_key;
  even.back() = static_cast<char>(even.back() & ~1);
  ExpectError(DeserializePublicKey(even).status(), "not a product of two distinct odd primes");
  std::string private_key = SerializePrivateKey(sk());
  private_key.back() = static_cast<char>(private_key.back() & ~1);  // q even
  ExpectError(DeserializePrivateKey(private_key).status(), "q is not an odd prime");
}

TEST_F(PaillierSerdeTest, GarbledCiphertextsAreRejected) {
  const std::string good = TwoCiphertexts();
  const size_t header = 16, element = 4 + 256;
  std::string all_ones = good;
  for (size_t i = header + 4; i < header + element; ++i) all_ones[i] = '\xff';
  ExpectError(DeserializeCiphertexts(pk(), all_ones).status(),
              "element 0: Paillier: ciphertext outside (0, n^2) for this key");
  std::string zero = good;
  for (size_t i = header + element + 4; i < header + 2 * element; ++i) zero[i] = 0;
  ExpectError(DeserializeCiphertexts(pk(), zero).status(), "element 1: Paillier: ciphertext");
  std::string big_exponent = good;
  big_exponent[header] = 0x7f;
  ExpectError(DeserializeCiphertexts(pk(), big_exponent).status(), "element 0: exponent");
  std::string wide = good;
  wide[11] = static_cast<char>(wide[11] + 1);
  ExpectError(DeserializeCiphertexts(pk(), wide).status(), "ciphertext width 257");
  std::string more = good;
  more[15] = 3;
  ExpectError(DeserializeCiphertexts(pk(), more).status(), "declares 3 ciphertexts");
  Result<KeyPair> other = GenerateKeyPair(1024);
  ASSERT_OK(other);
  ExpectError(DeserializeCiphertexts(other->public_key, good).status(),
              "encrypted under a different public key");
  EncryptedNumber invalid;  // ciphertext 0
  ExpectError(SerializeCiphertexts(pk(), {invalid}).status(), "element 0");
}

}  // namespace
}  // namespace fedflow::crypto
