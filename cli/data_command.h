#pragma once

#include <CLI/CLI.hpp>

namespace fedflow::cli {

// `fedflow data upload|download`: a CSV file into a party's table and back, streamed in chunks
// between the CLI and the party's agents (found in ZooKeeper). Each sets *exit_code.
void RegisterDataCommands(CLI::App* app, int* exit_code);

}  // namespace fedflow::cli
