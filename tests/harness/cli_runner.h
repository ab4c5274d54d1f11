#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace fedflow::testing {

// What one run of the `fedflow` CLI did.
struct CliRun {
  int exit_code = -1;  // 128 + signal when it was killed
  std::string out;
  std::string err;

  // "exit N", stdout and stderr, for failure messages.
  std::string Describe() const;
};

// Runs `<bin_dir>/fedflow <args...> --zk <zk>` as a child process, its stdout and stderr in
// files under `scratch_dir`, and waits for it (killed after `timeout`, which fails the test).
CliRun RunFedflowCli(const std::string& bin_dir, const std::string& zk,
                     std::vector<std::string> args, const std::string& scratch_dir,
                     std::chrono::seconds timeout = std::chrono::seconds(60));

}  // namespace fedflow::testing
