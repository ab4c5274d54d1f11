// fedflow-task: runs one task attempt of one component; started by fedflow-agent's TaskRunner.
// The contract (task.json in, result.json and the exit status out, SIGTERM handling) is in
// party-agent/task_runner.h.
#include <signal.h>

#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <gflags/gflags.h>
#include <glog/logging.h>

#include "common/init.h"
#include "common/json_util.h"
#include "party-agent/components/component.h"
#include "party-agent/components/parameter_reader.h"
#include "party-agent/components/registry.h"
#include "party-agent/components/stop_signal.h"
#include "party-agent/components/task_spec.h"

DEFINE_string(task_dir, "", "The task's work directory, holding task.json (required)");

namespace fedflow {
namespace {

// Exit statuses.
constexpr int kExitSuccess = 0;
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitStopped = 128 + SIGTERM;

StopSignal* g_stop = nullptr;

extern "C" void OnStopSignal(int /*sig*/) {
  if (g_stop != nullptr) g_stop->Raise();
}

Status InstallStopHandler(StopSignal* stop) {
  g_stop = stop;
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int sig : {SIGTERM, SIGINT}) {
    if (::sigaction(sig, &sa, nullptr) != 0) {
      return Status::Internal("cannot install the SIGTERM handler");
    }
  }
  return Status::OK();
}

// Writes result.json and returns the exit status to end with.
int Finish(const std::string& dir, const std::string& party_status, const std::string& error,
           int exit_code) {
  if (party_status == kPartyStatusFailed) {
    LOG(ERROR) << "task failed: " << error;
  } else {
    LOG(INFO) << "task ended: " << party_status;
  }
  Status s = WriteTaskResult(dir, TaskResult{party_status, error});
  if (!s.ok()) {
    LOG(ERROR) << "cannot write the task's result: " << s.ToString();
    return exit_code == kExitSuccess ? kExitFailed : exit_code;
  }
  return exit_code;
}

int Fail(const std::string& dir, const std::string& error) {
  return Finish(dir, kPartyStatusFailed, error, kExitFailed);
}

Status RunComponent(Component* component, TaskContext* ctx) {
  try {
    return component->Run(*ctx);
  } catch (const std::exception& e) {
    return Status::Internal(ctx->module() + ": unexpected error: " + e.what());
  } catch (...) {
    return Status::Internal(ctx->module() + ": unexpected error");
  }
}

int RunTask(const std::string& dir) {
  Result<std::unique_ptr<StopSignal>> stop = StopSignal::Create();
  if (!stop.ok()) return Fail(dir, "task set-up: " + stop.status().message());
  Status installed = InstallStopHandler(stop->get());
  if (!installed.ok()) return Fail(dir, "task set-up: " + installed.message());

  Result<Json> json = ReadJsonFile(dir + "/" + kTaskJsonFile);
  if (!json.ok()) return Fail(dir, "cannot read the task description: " + json.status().message());
  Result<TaskLaunch> launch = TaskLaunchFromJson(*json);
  if (!launch.ok()) {
    return Fail(dir, std::string(kTaskJsonFile) + ": " + launch.status().message());
  }
  launch->work_dir = dir;
  LOG(INFO) << launch->key.LogPrefix() << "module " << launch->module << " in " << dir;

  // need_run: false means this party takes no part in the component: pass without running it.
  bool need_run = true;
  bool found = false;
  Status s = FindBool(launch->component_parameters, kNeedRunParameter, "component_parameters",
                      &need_run, &found);
  if (!s.ok()) return Fail(dir, s.message());
  if (!need_run) return Finish(dir, kPartyStatusPass, "", kExitSuccess);

  Result<std::unique_ptr<Component>> component =
      ComponentRegistry::BuiltIn().Create(launch->module);
  if (!component.ok()) return Fail(dir, component.status().message());

  TaskContext ctx(std::move(launch).value(), stop->get());
  s = RunComponent(component->get(), &ctx);
  if ((*stop)->raised()) {
    return Finish(dir, kPartyStatusFailed,
                  "task stopped by SIGTERM" + (s.ok() ? std::string() : ": " + s.message()),
                  kExitStopped);
  }
  if (!s.ok()) return Fail(dir, s.message());
  return Finish(dir, kPartyStatusSuccess, "", kExitSuccess);
}

}  // namespace
}  // namespace fedflow

int main(int argc, char** argv) {
  bool minloglevel_given = false;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]).find("minloglevel") != std::string_view::npos) {
      minloglevel_given = true;
    }
  }
  fedflow::InitProcess(&argc, &argv,
                       {"fedflow-task --task_dir=DIR (started by fedflow-agent)",
                        /*daemon=*/false});
  // stderr is the task's log file: log INFO there unless the command line says otherwise.
  if (!minloglevel_given) FLAGS_minloglevel = google::GLOG_INFO;
  // A stack trace in task.log on a crash; the signal is then re-raised, so the agent sees it.
  google::InstallFailureSignalHandler();
  if (FLAGS_task_dir.empty()) {
    LOG(ERROR) << "fedflow-task: --task_dir is required";
    return fedflow::kExitUsage;
  }
  return fedflow::RunTask(FLAGS_task_dir);
}
