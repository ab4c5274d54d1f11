#pragma once

#include <CLI/CLI.hpp>

namespace fedflow::cli {

// `fedflow table info|list|delete --party P`: a party's data tables, asked of its agents
// (found in ZooKeeper). Each sets *exit_code.
void RegisterTableCommands(CLI::App* app, int* exit_code);

}  // namespace fedflow::cli
