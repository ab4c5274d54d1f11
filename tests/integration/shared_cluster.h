#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/status.h"
#include "tests/harness/mini_cluster.h"

namespace fedflow::testing {

// One MiniCluster shared by every test of a suite: starting a cluster costs seconds, and tests
// that each run their own job and clean up after themselves do not disturb one another. The
// suite's fixture calls Start() from SetUpTestSuite and Stop() from TearDownTestSuite; tests
// check started() in SetUp. The cluster's directory is removed at the end unless a test of the
// suite failed or FEDFLOW_KEEP_TEST_DIRS is set.
class SharedCluster {
 public:
  void Start(const std::string& suite, MiniCluster::Options options) {
    const char* base = getenv("TEST_TMPDIR") != nullptr ? getenv("TEST_TMPDIR") : "/tmp";
    std::string tmpl = std::string(base) + "/fedflow-" + suite + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (mkdtemp(buf.data()) == nullptr) {
      status_ = Status::IOError("cannot create a directory under " + std::string(base));
      return;
    }
    dir_ = buf.data();
    options.dir = dir_;
    cluster_ = std::make_unique<MiniCluster>(options);
    status_ = cluster_->Start();
  }

  void Stop() {
    cluster_.reset();  // Shutdown(): nothing is left running.
    const ::testing::TestSuite* suite = ::testing::UnitTest::GetInstance()->current_test_suite();
    bool keep = getenv("FEDFLOW_KEEP_TEST_DIRS") != nullptr || !status_.ok() ||
                (suite != nullptr && suite->Failed());
    if (dir_.empty()) return;
    if (keep) {
      std::fprintf(stderr, "cluster directory kept: %s\n", dir_.c_str());
      return;
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  MiniCluster* cluster() const { return cluster_.get(); }
  const Status& status() const { return status_; }
  bool started() const { return status_.ok() && cluster_ != nullptr; }

 private:
  std::string dir_;
  std::unique_ptr<MiniCluster> cluster_;
  Status status_ = Status::IllegalState("not started");
};

}  // namespace fedflow::testing
