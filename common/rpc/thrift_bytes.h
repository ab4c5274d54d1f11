#pragma once

#include <climits>
#include <exception>
#include <memory>
#include <string>
#include <string_view>

#include <thrift/TConfiguration.h>
#include <thrift/protocol/TBinaryProtocol.h>
#include <thrift/protocol/TCompactProtocol.h>
#include <thrift/transport/TBufferTransports.h>

#include "common/status.h"

namespace fedflow::rpc {

// A Thrift struct to and from bytes in memory, with the compact or the binary protocol:
// store values, persisted reports and the federation data channel's headers. Sizes are
// bounded by the caller (Thrift's own default limit of 100 MB is lifted).
enum class ThriftProtocol { kCompact, kBinary };

namespace internal {
inline std::shared_ptr<apache::thrift::TConfiguration> UnlimitedThriftConfig() {
  static const auto* config = new std::shared_ptr<apache::thrift::TConfiguration>(
      std::make_shared<apache::thrift::TConfiguration>(INT_MAX, INT_MAX));
  return *config;
}
}  // namespace internal

template <typename T>
std::string ThriftToBytes(const T& value, ThriftProtocol protocol) {
  auto buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>(
      internal::UnlimitedThriftConfig());
  if (protocol == ThriftProtocol::kCompact) {
    apache::thrift::protocol::TCompactProtocol proto(buf);
    value.write(&proto);
  } else {
    apache::thrift::protocol::TBinaryProtocol proto(buf);
    value.write(&proto);
  }
  return buf->getBufferAsString();
}

// InvalidArgument with Thrift's reason when the bytes are not a T (callers give it context).
template <typename T>
Status ThriftFromBytes(std::string_view bytes, ThriftProtocol protocol, T* value) {
  try {
    auto buf = std::make_shared<apache::thrift::transport::TMemoryBuffer>(
        reinterpret_cast<uint8_t*>(const_cast<char*>(bytes.data())),
        static_cast<uint32_t>(bytes.size()), apache::thrift::transport::TMemoryBuffer::OBSERVE,
        internal::UnlimitedThriftConfig());
    if (protocol == ThriftProtocol::kCompact) {
      apache::thrift::protocol::TCompactProtocol proto(buf);
      value->read(&proto);
    } else {
      apache::thrift::protocol::TBinaryProtocol proto(buf);
      value->read(&proto);
    }
    return Status::OK();
  } catch (const std::exception& e) {
    return Status::InvalidArgument(e.what());
  }
}

}  // namespace fedflow::rpc
