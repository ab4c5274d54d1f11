#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace fedflow {

// An object parties exchange through federation, in a defined, versioned byte format:
//   "FFO" | version (1 byte, = 1) | type (1 byte) | payload
// with every integer little-endian and fixed width:
//   kTensor:     u32 rank, rank x i64 dims, u64 n, n x f64 values (n = product of dims)
//   kBigInts:    u64 n, n x (u64 length, big-endian magnitude bytes)  (e.g. ciphertexts)
//   kString:     u64 length, bytes
//   kTable:      u64 n, n x (u64 key length, key, u64 value length, value)
// Decoding checks every length against the remaining bytes, so truncated or garbled input is
// an error naming what was wrong, never a crash.
struct FedObject {
  enum class Type : uint8_t { kTensor = 1, kBigInts = 2, kString = 3, kTable = 4 };

  Type type = Type::kString;
  std::vector<int64_t> shape;
  std::vector<double> values;
  std::vector<std::string> bigints;
  std::string str;
  std::vector<std::pair<std::string, std::string>> table;

  static FedObject Tensor(std::vector<double> values, std::vector<int64_t> shape = {});
  static FedObject String(std::string s);
  static FedObject BigInts(std::vector<std::string> magnitudes);
  static FedObject Table(std::vector<std::pair<std::string, std::string>> rows);
};

std::string SerializeFedObject(const FedObject& obj);
Result<FedObject> DeserializeFedObject(std::string_view bytes);

}  // namespace fedflow
