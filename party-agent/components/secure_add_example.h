#pragma once

#include "party-agent/components/component.h"

namespace fedflow {

// FATE's toy job (`flow test toy`): guest and host each hold data_num values, split them into
// random additive shares, exchange one share each through federation, add what they hold,
// and the host sends its partial sum to the guest, which checks that the two partial sums add
// up to the sum of everyone's values. Neither party sees the other's values, only random
// shares. As in FATE's example, every value is 1, so the secure sum must be 2 * data_num.
// Parameters (FATE's): seed (the shares' random seed; null means 0), partition (accepted,
// no effect: data is in memory), data_num (values per party, default 1000).
class SecureAddExample : public Component {
 public:
  struct Params {
    int64_t seed = 0;
    int64_t partition = 1;
    int64_t data_num = 1000;
  };
  static Result<Params> ParseParams(const Json& component_parameters);

  Status Run(TaskContext& ctx) override;
};

}  // namespace fedflow
