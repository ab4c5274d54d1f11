#include "common/rpc/endpoint.h"

#include <string>

namespace fedflow::rpc {

namespace {

Status Malformed(std::string_view endpoint, std::string_view why) {
  std::string msg = "malformed endpoint \"";
  msg += endpoint;
  msg += "\": ";
  msg += why;
  msg += " (expected host:port or [ipv6]:port)";
  return Status::InvalidArgument(std::move(msg));
}

}  // namespace

std::string HostPort::ToString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<HostPort> ParseEndpoint(std::string_view endpoint) {
  if (endpoint.empty()) return Malformed(endpoint, "it is empty");
  std::string_view host;
  std::string_view port;
  if (endpoint.front() == '[') {
    size_t close = endpoint.find(']');
    if (close == std::string_view::npos) return Malformed(endpoint, "'[' without ']'");
    host = endpoint.substr(1, close - 1);
    std::string_view rest = endpoint.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return Malformed(endpoint, "no ':port' after ']'");
    port = rest.substr(1);
  } else {
    size_t colon = endpoint.rfind(':');
    if (colon == std::string_view::npos) return Malformed(endpoint, "no ':port'");
    host = endpoint.substr(0, colon);
    port = endpoint.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Malformed(endpoint, "more than one ':' (write IPv6 hosts in brackets)");
    }
  }
  if (host.empty()) return Malformed(endpoint, "the host is empty");
  for (char c : host) {
    if (c == ' ' || c == '\t' || c == '/' || c == '[' || c == ']') {
      return Malformed(endpoint, "the host contains '" + std::string(1, c) + "'");
    }
  }
  if (port.empty()) return Malformed(endpoint, "the port is empty");
  if (port.size() > 5) return Malformed(endpoint, "the port is not in 1..65535");
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return Malformed(endpoint, "the port is not a decimal number");
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > 65535) return Malformed(endpoint, "the port is not in 1..65535");
  return HostPort{std::string(host), value};
}

}  // namespace fedflow::rpc
