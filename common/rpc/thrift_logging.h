#pragma once

namespace fedflow::rpc {

// Routes Thrift's own diagnostics (apache::thrift::GlobalOutput, which by default prints to
// stderr on every refused connect) to glog at VLOG(1); our code logs what matters with
// context. ThriftServer and ClientPool call it; daemons may call it early in main().
// Idempotent and thread-safe.
void RouteThriftOutputToGlog();

}  // namespace fedflow::rpc
