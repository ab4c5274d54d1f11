#pragma once

#include <chrono>
#include <cstdint>

namespace fedflow {

// Wall-clock milliseconds since the Unix epoch: the time stamps fedflow records and shows.
inline int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace fedflow
