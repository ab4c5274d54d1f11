#pragma once

// Conversions between the ZooKeeper C client's types and fedflow's. Internal to fedflow_zk:
// only its .cc files include <zookeeper/zookeeper.h>.

#include <cstdint>
#include <string>
#include <string_view>

#include <zookeeper/zookeeper.h>

#include "common/status.h"
#include "common/zk/zk_client.h"

namespace fedflow::zk::internal {

// Maps a C client return code (not ZOK) to a Status:
// "ZooKeeper <op> <path>: <what went wrong> (<ZERRORNAME>)". Connection errors name `hosts`;
// a version conflict names `expected_version` (when >= 0). See ZkClient's class comment for the
// mapping.
Status ZkErrorToStatus(int rc, std::string_view op, std::string_view path, std::string_view hosts,
                       int32_t expected_version = -1);

// The C client's name of a return code, e.g. "ZNONODE".
const char* ZkErrorName(int rc);

Stat FromCStat(const struct ::Stat& s);

// ZOO_PERSISTENT, ZOO_EPHEMERAL_SEQUENTIAL, ...
int CreateModeFlags(CreateMode mode);

// Room a create's path buffer needs beyond the requested path: the 10-digit sequence suffix
// and the terminating NUL.
constexpr size_t kCreatedPathSlack = 16;

// A watch's id travels through the C client as its watcher context (never a pointer, so a
// context the C client still holds can never dangle).
inline void* WatchIdToContext(uint64_t id) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(id));
}
inline uint64_t ContextToWatchId(void* ctx) { return reinterpret_cast<uintptr_t>(ctx); }

// `parent` + "/" + `child`, without doubling the slash of "/".
std::string JoinPath(const std::string& parent, const std::string& child);

// Routes a C client log line (already filtered by level) to glog.
void LogCClientMessage(const char* message);

// Sets the C client's process-wide log level to WARN, once.
void ConfigureCClientLogging();

}  // namespace fedflow::zk::internal
