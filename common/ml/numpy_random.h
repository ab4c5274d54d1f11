#pragma once

#include <cstdint>
#include <random>

namespace fedflow::ml {

// numpy's legacy global generator (numpy.random.seed / rand / randn), which FATE's Initializer
// uses for init_method random_uniform and random_normal: MT19937 seeded by init_genrand (what
// numpy.random.seed(int) does), 53-bit doubles from two 32-bit outputs, and the polar
// Box-Muller normal that caches its second value. With the same seed it yields the same
// numbers as numpy (seed 0: rand() = 0.5488135039273248, randn() = 1.764052345967664).
// Not thread-safe; a value.
class NumpyRandom {
 public:
  explicit NumpyRandom(uint32_t seed) : mt_(seed) {}

  // numpy.random.rand(): uniform in [0, 1).
  double Uniform();
  // numpy.random.randn(): standard normal.
  double Normal();

 private:
  std::mt19937 mt_;
  bool has_gauss_ = false;
  double gauss_ = 0;
};

}  // namespace fedflow::ml
