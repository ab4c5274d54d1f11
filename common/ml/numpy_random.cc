#include "common/ml/numpy_random.h"

#include <cmath>

namespace fedflow::ml {

double NumpyRandom::Uniform() {
  uint32_t a = static_cast<uint32_t>(mt_()) >> 5;
  uint32_t b = static_cast<uint32_t>(mt_()) >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

double NumpyRandom::Normal() {
  if (has_gauss_) {
    has_gauss_ = false;
    double value = gauss_;
    gauss_ = 0;
    return value;
  }
  double x1, x2, r2;
  do {
    x1 = 2.0 * Uniform() - 1.0;
    x2 = 2.0 * Uniform() - 1.0;
    r2 = x1 * x1 + x2 * x2;
  } while (r2 >= 1.0 || r2 == 0.0);
  double f = std::sqrt(-2.0 * std::log(r2) / r2);
  gauss_ = f * x1;
  has_gauss_ = true;
  return f * x2;
}

}  // namespace fedflow::ml
