#include "common/rpc/thrift_logging.h"

#include <glog/logging.h>
#include <thrift/TOutput.h>

#include <mutex>

namespace fedflow::rpc {

namespace {

void ThriftOutputToGlog(const char* message) { VLOG(1) << "thrift: " << message; }

}  // namespace

void RouteThriftOutputToGlog() {
  static std::once_flag once;
  std::call_once(once, [] { apache::thrift::GlobalOutput.setOutputFunction(&ThriftOutputToGlog); });
}

}  // namespace fedflow::rpc
