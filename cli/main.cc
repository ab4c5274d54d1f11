// fedflow: the command-line client, shaped like FATE's `flow`. Each command group lives in
// its own file (<group>_command.{h,cc}) and registers its subcommands here; a subcommand runs
// from its CLI11 callback and sets the exit code.
#include <string>
#include <vector>

#include <algorithm>

#include <CLI/CLI.hpp>
#include <glog/logging.h>

#include "cli/data_command.h"
#include "cli/dsl_command.h"
#include "cli/job_agents_command.h"
#include "cli/job_command.h"
#include "cli/table_command.h"
#include "cli/test_command.h"
#include "cli/tracking_command.h"
#include "common/version.h"

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  // Commands report their own errors; library retries and the ZooKeeper client's connection
  // chatter would only bury them.
  FLAGS_minloglevel = google::GLOG_ERROR;
  google::InitGoogleLogging(argv[0]);

  CLI::App app{"fedflow: command-line client of the fedflow federated-learning job coordinator"};
  app.name("fedflow");
  app.set_version_flag("--version", "fedflow " + fedflow::VersionString());
  app.require_subcommand(1);

  int exit_code = 0;
  fedflow::cli::RegisterDslCommands(&app, &exit_code);
  fedflow::cli::RegisterJobCommands(&app, &exit_code);
  fedflow::cli::RegisterJobAgentCommands(&app, &exit_code);
  fedflow::cli::RegisterDataCommands(&app, &exit_code);
  fedflow::cli::RegisterTableCommands(&app, &exit_code);
  fedflow::cli::RegisterTrackingCommands(&app, &exit_code);
  fedflow::cli::RegisterTestCommands(&app, &exit_code);

  // FATE's flow spells some long options with one dash (`-cpn`); accept them as written.
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-cpn") a = "--cpn";
    args.push_back(a);
  }
  std::reverse(args.begin(), args.end());  // CLI11 takes them last-first.
  try {
    app.parse(args);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2, like an invalid job.
    return app.exit(e) == 0 ? 0 : 2;
  }
  return exit_code;
}
