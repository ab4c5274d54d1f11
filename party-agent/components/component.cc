#include "party-agent/components/component.h"

#include <utility>

namespace fedflow {

TaskContext::TaskContext(TaskLaunch launch, const StopSignal* stop)
    : launch_(std::move(launch)),
      stop_(stop),
      log_prefix_("job=" + launch_.key.job_id + " task=" + launch_.key.component + "/" +
                  launch_.key.role + "/" + std::to_string(launch_.key.party_id) + " v" +
                  std::to_string(launch_.key.task_version) + ": ") {}

Status TaskContext::SleepFor(int64_t ms) const {
  if (stop_->WaitFor(ms)) return Status::Aborted(launch_.module + ": stopped while sleeping");
  return Status::OK();
}

}  // namespace fedflow
