#include "party-agent/components/component.h"

#include <utility>

namespace fedflow {

TaskContext::TaskContext(TaskLaunch launch, const StopSignal* stop)
    : launch_(std::move(launch)), stop_(stop), log_prefix_(launch_.key.LogPrefix()) {}

Status TaskContext::SleepFor(int64_t ms) const {
  if (stop_->WaitFor(ms)) return Status::Aborted(launch_.module + ": stopped while sleeping");
  return Status::OK();
}

}  // namespace fedflow
