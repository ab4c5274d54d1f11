#pragma once

#include <string>
#include <vector>

#include "common/plan/dsl.h"
#include "common/status.h"

namespace fedflow::plan {

// The dependency graph of a DSL's components (indices into Dsl::components).
struct Dag {
  // Distinct neighbours of each component, ascending by index.
  std::vector<std::vector<int>> upstream;
  std::vector<std::vector<int>> downstream;
  // Every component once, each after all its upstreams. Among the components that are ready
  // at a step, the one earliest in the DSL goes first, so a DSL written in dependency order
  // keeps its order.
  std::vector<int> topo_order;
  // Depth: 0 for a component without upstreams, else 1 + the deepest upstream's.
  std::vector<int> level;
  int num_levels = 0;
  // FATE's train_input_model: the component whose model (or cache) this one takes, the last
  // such input in DSL order; -1 if none. Parameters and need_run follow it.
  std::vector<int> model_parent;
  // DSL v1: the args.<key> data keys each component reads, distinct, in DSL order.
  std::vector<std::vector<std::string>> args_inputs;
};

// Resolves every input reference (FATE's _find_dependencies) and orders the graph
// (_check_dag_dependencies). Edges come from data inputs always, and from model,
// isometric_model and cache inputs in train mode, only from cache inputs in predict mode.
// A data input must name one of the upstream's output data; a model/cache input one of its
// output models/caches. A cycle is an error that names it: "a -> b -> c -> a".
Result<Dag> BuildDag(const Dsl& dsl, JobMode mode);

}  // namespace fedflow::plan
