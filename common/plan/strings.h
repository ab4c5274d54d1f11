#pragma once

// Small string helpers for the planner's error messages.

#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace fedflow::plan {

// Concatenates anything that streams: StrCat("component ", name, ": ", n, " inputs").
template <typename... Args>
std::string StrCat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}

// "\"<s>\"".
inline std::string Quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  out += s;
  out += '"';
  return out;
}

// "a, b, c" (or `empty` when there is nothing to join).
inline std::string Join(const std::vector<std::string>& items, std::string_view sep = ", ",
                        std::string_view empty = "") {
  if (items.empty()) return std::string(empty);
  std::string out = items[0];
  for (size_t i = 1; i < items.size(); ++i) {
    out += sep;
    out += items[i];
  }
  return out;
}

// An InvalidArgument status built from the pieces: every planner error is the user's job
// being wrong, so they all carry this code.
template <typename... Args>
Status Invalid(const Args&... args) {
  return Status::InvalidArgument(StrCat(args...));
}

}  // namespace fedflow::plan
