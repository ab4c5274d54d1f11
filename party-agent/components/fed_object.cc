#include "party-agent/components/fed_object.h"

#include <cstring>

namespace fedflow {

namespace {

constexpr char kMagic[3] = {'F', 'F', 'O'};
constexpr uint8_t kVersion = 1;

template <typename T>
void Put(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));  // Little-endian hosts only (x86-64, aarch64).
  out->append(buf, sizeof(T));
}

void PutBytes(std::string* out, std::string_view b) {
  Put<uint64_t>(out, b.size());
  out->append(b.data(), b.size());
}

class Reader {
 public:
  explicit Reader(std::string_view b) : b_(b) {}
  template <typename T>
  Status Get(T* v, const char* what) {
    if (b_.size() - pos_ < sizeof(T)) return Truncated(what);
    std::memcpy(v, b_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return Status::OK();
  }
  Status GetBytes(std::string* out, const char* what) {
    uint64_t n = 0;
    RETURN_NOT_OK(Get(&n, what));
    if (b_.size() - pos_ < n) return Truncated(what);
    out->assign(b_.data() + pos_, n);
    pos_ += n;
    return Status::OK();
  }
  // A count of items of at least `min_item` bytes each, checked against what is left.
  Status GetCount(uint64_t* n, size_t min_item, const char* what) {
    RETURN_NOT_OK(Get(n, what));
    if (min_item > 0 && *n > (b_.size() - pos_) / min_item) return Truncated(what);
    return Status::OK();
  }
  bool done() const { return pos_ == b_.size(); }
  size_t pos() const { return pos_; }

 private:
  Status Truncated(const char* what) const {
    return Status::InvalidArgument("federation object truncated at byte " + std::to_string(pos_) +
                                   " (reading " + what + ")");
  }
  std::string_view b_;
  size_t pos_ = 0;
};

}  // namespace

FedObject FedObject::Tensor(std::vector<double> values, std::vector<int64_t> shape) {
  FedObject o;
  o.type = Type::kTensor;
  if (shape.empty()) shape = {static_cast<int64_t>(values.size())};
  o.shape = std::move(shape);
  o.values = std::move(values);
  return o;
}

FedObject FedObject::String(std::string s) {
  FedObject o;
  o.type = Type::kString;
  o.str = std::move(s);
  return o;
}

FedObject FedObject::BigInts(std::vector<std::string> magnitudes) {
  FedObject o;
  o.type = Type::kBigInts;
  o.bigints = std::move(magnitudes);
  return o;
}

FedObject FedObject::Table(std::vector<std::pair<std::string, std::string>> rows) {
  FedObject o;
  o.type = Type::kTable;
  o.table = std::move(rows);
  return o;
}

std::string SerializeFedObject(const FedObject& obj) {
  std::string out(kMagic, 3);
  out.push_back(static_cast<char>(kVersion));
  out.push_back(static_cast<char>(obj.type));
  switch (obj.type) {
    case FedObject::Type::kTensor:
      out.reserve(out.size() + 16 + obj.shape.size() * 8 + obj.values.size() * 8);
      Put<uint32_t>(&out, static_cast<uint32_t>(obj.shape.size()));
      for (int64_t d : obj.shape) Put<int64_t>(&out, d);
      Put<uint64_t>(&out, obj.values.size());
      out.append(reinterpret_cast<const char*>(obj.values.data()), obj.values.size() * 8);
      break;
    case FedObject::Type::kBigInts:
      Put<uint64_t>(&out, obj.bigints.size());
      for (const std::string& b : obj.bigints) PutBytes(&out, b);
      break;
    case FedObject::Type::kString:
      PutBytes(&out, obj.str);
      break;
    case FedObject::Type::kTable:
      Put<uint64_t>(&out, obj.table.size());
      for (const auto& [k, v] : obj.table) {
        PutBytes(&out, k);
        PutBytes(&out, v);
      }
      break;
  }
  return out;
}

Result<FedObject> DeserializeFedObject(std::string_view bytes) {
  if (bytes.size() < 5 || std::memcmp(bytes.data(), kMagic, 3) != 0) {
    return Status::InvalidArgument("not a federation object (bad magic)");
  }
  if (static_cast<uint8_t>(bytes[3]) != kVersion) {
    return Status::InvalidArgument("federation object format version " +
                                   std::to_string(static_cast<uint8_t>(bytes[3])) +
                                   " is not supported (this build reads version 1)");
  }
  FedObject o;
  uint8_t type = static_cast<uint8_t>(bytes[4]);
  Reader r(bytes.substr(5));
  switch (type) {
    case 1: {
      o.type = FedObject::Type::kTensor;
      uint32_t rank = 0;
      RETURN_NOT_OK(r.Get(&rank, "tensor rank"));
      uint64_t expected = 1;
      for (uint32_t i = 0; i < rank; ++i) {
        int64_t d;
        RETURN_NOT_OK(r.Get(&d, "tensor shape"));
        if (d < 0) return Status::InvalidArgument("federation object: negative tensor dimension");
        o.shape.push_back(d);
        expected *= static_cast<uint64_t>(d);
      }
      uint64_t n = 0;
      RETURN_NOT_OK(r.GetCount(&n, 8, "tensor values"));
      if (n != expected) {
        return Status::InvalidArgument("federation object: tensor has " + std::to_string(n) +
                                       " values for a shape of " + std::to_string(expected));
      }
      o.values.resize(n);
      for (uint64_t i = 0; i < n; ++i) RETURN_NOT_OK(r.Get(&o.values[i], "tensor values"));
      break;
    }
    case 2: {
      o.type = FedObject::Type::kBigInts;
      uint64_t n = 0;
      RETURN_NOT_OK(r.GetCount(&n, 8, "big integer count"));
      o.bigints.resize(n);
      for (uint64_t i = 0; i < n; ++i) RETURN_NOT_OK(r.GetBytes(&o.bigints[i], "big integer"));
      break;
    }
    case 3:
      o.type = FedObject::Type::kString;
      RETURN_NOT_OK(r.GetBytes(&o.str, "string"));
      break;
    case 4: {
      o.type = FedObject::Type::kTable;
      uint64_t n = 0;
      RETURN_NOT_OK(r.GetCount(&n, 16, "table size"));
      o.table.resize(n);
      for (uint64_t i = 0; i < n; ++i) {
        RETURN_NOT_OK(r.GetBytes(&o.table[i].first, "table key"));
        RETURN_NOT_OK(r.GetBytes(&o.table[i].second, "table value"));
      }
      break;
    }
    default:
      return Status::InvalidArgument("federation object: unknown type " + std::to_string(type));
  }
  if (!r.done()) {
    return Status::InvalidArgument("federation object: " + std::to_string(bytes.size() - 5 - r.pos()) +
                                   " trailing bytes");
  }
  return o;
}

}  // namespace fedflow
