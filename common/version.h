#pragma once

#include <string>

namespace fedflow {

// "0.1.0 (git abc1234)".
std::string VersionString();

}  // namespace fedflow
