// fedflow: the command-line client, shaped like FATE's `flow`. Each command group lives in
// its own file (<group>_command.{h,cc}) and registers its subcommands here; a subcommand runs
// from its CLI11 callback and sets the exit code.
#include <string>

#include <CLI/CLI.hpp>
#include <glog/logging.h>

#include "cli/dsl_command.h"
#include "cli/job_command.h"
#include "cli/test_command.h"
#include "common/version.h"

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = google::GLOG_WARNING;
  google::InitGoogleLogging(argv[0]);

  CLI::App app{"fedflow: command-line client of the fedflow federated-learning job coordinator"};
  app.name("fedflow");
  app.set_version_flag("--version", "fedflow " + fedflow::VersionString());
  app.require_subcommand(1);

  int exit_code = 0;
  fedflow::cli::RegisterDslCommands(&app, &exit_code);
  fedflow::cli::RegisterJobCommands(&app, &exit_code);
  fedflow::cli::RegisterTestCommands(&app, &exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return exit_code;
}
