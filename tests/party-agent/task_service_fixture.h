#pragma once

// A TaskStorage over a real AgentStore behind a real TaskService (Thrift on loopback), for
// tests that run components or the task-side storage helpers as a task would.

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "TaskService.h"
#include "common/rpc/thrift_server.h"
#include "party-agent/components/component.h"
#include "party-agent/components/stop_signal.h"
#include "party-agent/task_service.h"
#include "party-agent/task_storage.h"
#include "tests/store/store_test_util.h"

#ifndef ASSERT_OK_AND_ASSIGN
#define ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr)                           \
  auto tmp = (rexpr);                                                        \
  ASSERT_TRUE(tmp.ok()) << #rexpr << " failed: " << tmp.status().ToString(); \
  lhs = std::move(tmp).value()
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL(FEDFLOW_CONCAT(_assign_, __LINE__), lhs, rexpr)
#endif

namespace fedflow::testing {

class TaskServiceFixture : public store::testing::StoreTest {
 protected:
  static constexpr int64_t kGuest = 9999;

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenStore());
    storage_ = std::make_unique<TaskStorage>(store_.get(), TaskStorageOptions());
    rpc::ThriftServer::Options so;
    so.name = "task-service-fixture";
    server_ = std::make_unique<rpc::ThriftServer>(so);
    ASSERT_OK(server_->Start(std::make_shared<thrift::TaskServiceProcessor>(
        NewTaskServiceHandler(/*federation=*/nullptr, storage_.get()))));
    auto stop = StopSignal::Create();
    ASSERT_OK(stop);
    stop_ = std::move(stop).value();
  }
  void TearDown() override { server_->Stop(); }

  static TaskKey Task(const std::string& component) {
    return TaskKey{"job1", component, "guest", kGuest, 0};
  }

  // A context for `component` (its task begun on the agent) with `io` and parameters.
  std::unique_ptr<TaskContext> Context(const std::string& component, const std::string& module,
                                       const Json& io, const Json& params = Json::object()) {
    TaskLaunch launch;
    launch.key = Task(component);
    launch.module = module;
    launch.agent_endpoint = server_->endpoint();
    launch.io = io;
    launch.component_parameters = params;
    launch.peers = Json::array({{{"role", "guest"}, {"party_id", kGuest}}});
    storage_->BeginTask(launch.key);
    return std::make_unique<TaskContext>(launch, stop_.get());
  }
  void End(const std::string& component) { storage_->EndTask(Task(component)); }

  static Json TableIo(const std::string& name) {
    return Json{{"data",
                 {{"data",
                   {{{"args", "data"}, {"table", {{"name", name}, {"namespace", "experiment"}}}}}}}},
                {"output", {{"data", {"data"}}, {"model", {"model"}}}}};
  }
  static Json ComponentIo(const std::string& upstream) {
    return Json{{"data", {{"data", {{{"component", upstream}, {"data", "data"}}}}}},
                {"output", {{"data", {"data"}}}}};
  }

  std::unique_ptr<TaskStorage> storage_;
  std::unique_ptr<rpc::ThriftServer> server_;
  std::unique_ptr<StopSignal> stop_;
};

}  // namespace fedflow::testing
