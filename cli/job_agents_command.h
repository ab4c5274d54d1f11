#pragma once

#include <CLI/CLI.hpp>

namespace fedflow::cli {

// `fedflow job log -j ID -o DIR` and `fedflow job clean -j ID`: the job commands that go to
// every live agent of every party of the job (the coordinator names the parties, ZooKeeper
// their agents). Adds them to the `job` group RegisterJobCommands made. Each sets *exit_code.
void RegisterJobAgentCommands(CLI::App* app, int* exit_code);

}  // namespace fedflow::cli
