#include "common/version.h"

namespace fedflow {

std::string VersionString() {
  return std::string(FEDFLOW_VERSION) + " (git " + FEDFLOW_GIT_REV + ")";
}

}  // namespace fedflow
