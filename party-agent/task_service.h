#pragma once

#include <memory>

#include "TaskService.h"
#include "party-agent/federation/federation_handlers.h"
#include "party-agent/task_storage.h"

namespace fedflow {

// The TaskService handler: what this agent's fedflow-task processes call on loopback. Thin:
// it checks the protocol version, unpacks the request, calls Federation (Fed*: messages to
// and from other parties) or TaskStorage (tables, outputs, models, metrics, summary) and packs
// the status. Both must outlive the handler. Thread-safe (they are).
std::shared_ptr<thrift::TaskServiceIf> NewTaskServiceHandler(Federation* federation,
                                                             TaskStorage* storage);

}  // namespace fedflow
