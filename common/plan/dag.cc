#include "common/plan/dag.h"

#include <algorithm>
#include <functional>
#include <queue>

#include "common/plan/strings.h"

namespace fedflow::plan {

namespace {

// Resolves `ref` (found in `component`'s `what` input) to an upstream component that declares
// output `name` among `outputs` of that upstream (selected by `kind`).
enum class OutputKind { kData, kModel, kCache };

const std::vector<std::string>& OutputsOf(const DslComponent& c, OutputKind kind) {
  switch (kind) {
    case OutputKind::kData:
      return c.output_data;
    case OutputKind::kModel:
      return c.output_model;
    case OutputKind::kCache:
      return c.output_cache;
  }
  return c.output_data;
}

const char* KindName(OutputKind kind) {
  switch (kind) {
    case OutputKind::kData:
      return "data";
    case OutputKind::kModel:
      return "model";
    case OutputKind::kCache:
      return "cache";
  }
  return "data";
}

Result<int> Resolve(const Dsl& dsl, const DslComponent& c, const InputRef& ref,
                    const std::string& what, OutputKind kind) {
  int up = dsl.Find(ref.component());
  if (up < 0) {
    std::string hint;
    if (ref.component() == "pipeline") {
      hint = " (pipeline.<component>.<model> inputs belong in predict DSLs)";
    } else if (ref.component() == "args") {
      hint = dsl.version == 1 ? ""
                              : " (args.* inputs exist only in DSL v1; in DSL v2 data "
                                "comes from a Reader component)";
    }
    return Invalid("component ", c.name, ": ", what, " input ", Quote(ref.text),
                   ": there is no component ", ref.component(), hint);
  }
  const DslComponent& u = dsl.components[up];
  const std::vector<std::string>& outputs = OutputsOf(u, kind);
  if (std::find(outputs.begin(), outputs.end(), ref.name()) == outputs.end()) {
    return Invalid("component ", c.name, ": ", what, " input ", Quote(ref.text), ": ", u.name,
                   " has no output ", KindName(kind), " named ", Quote(ref.name()),
                   " (it has: ", Join(outputs, ", ", "none"), ")");
  }
  return up;
}

// Finds a cycle among the components Kahn's algorithm could not emit and names it.
Status CycleError(const Dsl& dsl, const std::vector<std::vector<int>>& downstream,
                  const std::vector<int>& remaining_in_degree) {
  size_t n = dsl.components.size();
  // 0 = unvisited, 1 = on the DFS stack, 2 = done. Iterative: chains can be long.
  std::vector<char> state(n, 0);
  std::vector<std::pair<int, size_t>> stack;  // node, next downstream position
  for (size_t start = 0; start < n; ++start) {
    if (remaining_in_degree[start] == 0 || state[start] != 0) continue;
    stack.emplace_back(static_cast<int>(start), 0);
    state[start] = 1;
    while (!stack.empty()) {
      auto& [node, pos] = stack.back();
      if (pos == downstream[node].size()) {
        state[node] = 2;
        stack.pop_back();
        continue;
      }
      int next = downstream[node][pos++];
      if (remaining_in_degree[next] == 0) continue;  // emitted: not part of any cycle
      if (state[next] == 1) {
        std::vector<std::string> names;
        size_t i = 0;
        while (stack[i].first != next) ++i;
        for (; i < stack.size(); ++i) names.push_back(dsl.components[stack[i].first].name);
        names.push_back(dsl.components[next].name);
        return Invalid("the DSL's components form a dependency loop: ", Join(names, " -> "));
      }
      if (state[next] == 0) {
        state[next] = 1;
        stack.emplace_back(next, 0);
      }
    }
  }
  return Invalid("the DSL's components form a dependency loop");
}

}  // namespace

Result<Dag> BuildDag(const Dsl& dsl, JobMode mode) {
  size_t n = dsl.components.size();
  Dag dag;
  dag.upstream.resize(n);
  dag.downstream.resize(n);
  dag.model_parent.assign(n, -1);
  dag.args_inputs.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const DslComponent& c = dsl.components[i];
    std::vector<int>& ups = dag.upstream[i];
    if (mode == JobMode::kTrain) {
      for (const InputRef& ref : c.model_inputs) {
        ASSIGN_OR_RETURN(int up, Resolve(dsl, c, ref, "model", OutputKind::kModel));
        ups.push_back(up);
        dag.model_parent[i] = up;
      }
      for (const InputRef& ref : c.isometric_model_inputs) {
        ASSIGN_OR_RETURN(int up, Resolve(dsl, c, ref, "isometric_model", OutputKind::kModel));
        ups.push_back(up);
      }
    }
    for (const InputRef& ref : c.cache_inputs) {
      ASSIGN_OR_RETURN(int up, Resolve(dsl, c, ref, "cache", OutputKind::kCache));
      ups.push_back(up);
      dag.model_parent[i] = up;
    }
    for (const auto& [key, refs] : c.data_inputs) {
      for (const InputRef& ref : refs) {
        if (dsl.version == 1 && ref.component() == "args") {
          auto& args = dag.args_inputs[i];
          if (std::find(args.begin(), args.end(), ref.name()) == args.end()) {
            args.emplace_back(ref.name());
          }
          continue;
        }
        ASSIGN_OR_RETURN(int up, Resolve(dsl, c, ref, "data", OutputKind::kData));
        ups.push_back(up);
      }
    }
    std::sort(ups.begin(), ups.end());
    ups.erase(std::unique(ups.begin(), ups.end()), ups.end());
    for (int up : ups) dag.downstream[up].push_back(static_cast<int>(i));
  }
  // downstream lists are filled in ascending i, so they are sorted and distinct already.

  // Kahn's algorithm; ready components leave in DSL order.
  std::vector<int> in_degree(n);
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (size_t i = 0; i < n; ++i) {
    in_degree[i] = static_cast<int>(dag.upstream[i].size());
    if (in_degree[i] == 0) ready.push(static_cast<int>(i));
  }
  dag.topo_order.reserve(n);
  while (!ready.empty()) {
    int v = ready.top();
    ready.pop();
    dag.topo_order.push_back(v);
    for (int d : dag.downstream[v]) {
      if (--in_degree[d] == 0) ready.push(d);
    }
  }
  if (dag.topo_order.size() != n) return CycleError(dsl, dag.downstream, in_degree);

  dag.level.assign(n, 0);
  for (int v : dag.topo_order) {
    for (int u : dag.upstream[v]) dag.level[v] = std::max(dag.level[v], dag.level[u] + 1);
    dag.num_levels = std::max(dag.num_levels, dag.level[v] + 1);
  }
  return dag;
}

}  // namespace fedflow::plan
