#pragma once

#include <CLI/CLI.hpp>

namespace fedflow::cli {

// Registers the `fedflow dsl` command group on `app`:
//   fedflow dsl plan --dsl D --conf C [--train-dsl TD --train-conf TC]
//                    [--job-type train|predict] [--allow-unknown-params] [--json]
// validates a job offline and prints its plan (readable, or JSON with --json). The command
// runs from its CLI11 callback and stores the process exit code in *exit_code: 0 for a valid
// job, 2 for an invalid one or an unreadable file (the error on stderr).
void RegisterDslCommands(CLI::App* app, int* exit_code);

}  // namespace fedflow::cli
