#pragma once

#include <CLI/CLI.hpp>

namespace fedflow::cli {

// `fedflow job submit|query|list|stop|rerun|wait`, `fedflow task query`, `fedflow cluster
// status`: the commands that talk to a running cluster. Each sets *exit_code.
void RegisterJobCommands(CLI::App* app, int* exit_code);

}  // namespace fedflow::cli
