#pragma once

#include <CLI/CLI.hpp>

namespace fedflow::cli {

// `fedflow test toy`: FATE's toy job (SecureAddExample between a guest and a host), submitted
// and waited for, as FATE's `flow test toy` does.
void RegisterTestCommands(CLI::App* app, int* exit_code);

}  // namespace fedflow::cli
