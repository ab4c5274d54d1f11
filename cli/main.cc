// fedflow: the command-line client, shaped like FATE's `flow`.
#include <cstdio>
#include <string>

#include <CLI/CLI.hpp>
#include <glog/logging.h>

#include "common/version.h"

int main(int argc, char** argv) {
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = google::GLOG_WARNING;
  google::InitGoogleLogging(argv[0]);

  CLI::App app{"fedflow: command-line client of the fedflow federated-learning job coordinator"};
  app.name("fedflow");
  app.set_version_flag("--version", "fedflow " + fedflow::VersionString());
  app.require_subcommand(1);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
