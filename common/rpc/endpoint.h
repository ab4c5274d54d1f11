#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace fedflow::rpc {

// A parsed "host:port" endpoint. IPv6 literals are written in brackets: "[::1]:9000".
struct HostPort {
  std::string host;
  int port = 0;

  // "host:port", or "[host]:port" when host contains a colon.
  std::string ToString() const;
};

// Parses "host:port" or "[ipv6]:port". The host must be non-empty and the port a decimal
// number in 1..65535; anything else is InvalidArgument naming the endpoint and the problem.
Result<HostPort> ParseEndpoint(std::string_view endpoint);

}  // namespace fedflow::rpc
