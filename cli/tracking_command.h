#pragma once

#include <CLI/CLI.hpp>

namespace fedflow::cli {

// `fedflow tracking metrics|metric-data|metric-all|output-data|output-model|summary -j ID -r ROLE
// -p PARTY -cpn NAME` (also as `fedflow component ...`, FATE's older group name): what one
// party's task recorded, read from that party's agents directly (found in ZooKeeper; raw data
// never passes through the coordinator). Each sets *exit_code.
void RegisterTrackingCommands(CLI::App* app, int* exit_code);

}  // namespace fedflow::cli
