#include "tests/harness/test_util.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>



namespace fs = std::filesystem;

namespace fedflow::testing {

namespace {
std::string SanitizeName(std::string s) {
  for (char& c : s) {
    if (c == '/' || c == ' ') c = '_';
  }
  return s;
}
}  // namespace

FedflowTest::FedflowTest() {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string base = std::getenv("TEST_TMPDIR") ? std::getenv("TEST_TMPDIR") : "/tmp";
  std::string name = SanitizeName(std::string(info->test_suite_name()) + "." + info->name());
  std::string tmpl = base + "/fedflow-" + name + "-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  char* dir = mkdtemp(buf.data());
  if (dir == nullptr) {
    ADD_FAILURE() << "cannot create a temporary directory under " << base;
    test_dir_ = base;
  } else {
    test_dir_ = dir;
  }
}

FedflowTest::~FedflowTest() {
  bool keep = std::getenv("FEDFLOW_KEEP_TEST_DIRS") != nullptr || HasFailure();
  if (keep) {
    std::fprintf(stderr, "test directory kept: %s\n", test_dir_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(test_dir_, ec);
}

std::string FedflowTest::TestDataDir() { return std::string(FEDFLOW_SOURCE_DIR) + "/tests/data"; }

std::string FedflowTest::BinDir() { return std::string(FEDFLOW_BINARY_DIR) + "/bin"; }

void WriteFileOrDie(const std::string& path, const std::string& contents) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  ASSERT_TRUE(out.good()) << "cannot write " << path;
  out << contents;
  out.close();
  ASSERT_TRUE(out.good()) << "cannot write " << path;
}

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

void AssertEventually(std::chrono::milliseconds timeout, const std::function<void()>& fn) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (std::chrono::steady_clock::now() < deadline) {
    bool passed = false;
    {
      // Swallow this attempt's failures; only the last attempt reports.
      ::testing::TestPartResultArray results;
      ::testing::ScopedFakeTestPartResultReporter reporter(
          ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &results);
      fn();
      passed = true;
      for (int i = 0; i < results.size(); ++i) {
        if (results.GetTestPartResult(i).failed()) passed = false;
      }
    }
    if (passed) return;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  // Final attempt, reported normally.
  fn();
}

}  // namespace fedflow::testing
