#pragma once

#include <cstdint>

#include "common/status.h"
#include "common_types.h"

namespace fedflow::rpc {

// Conversions between fedflow::Status and the wire TStatus carried by every response.
// Status codes map 1:1 onto thrift::StatusCode (same names, same numbers).

// OK when code is OK. An unknown code (a newer peer) becomes Internal naming the number.
// For NOT_LEADER with a leader_endpoint the message gains " (leader: <endpoint>)".
Status FromThrift(const thrift::TStatus& status);

// The message is set only for a non-OK status.
thrift::TStatus ToThrift(const Status& status);

// OK when the peer speaks our thrift::g_common_constants.PROTOCOL_VERSION; otherwise
// VersionMismatch naming both versions.
Status CheckProtocolVersion(int32_t theirs);

// Our protocol version (common.thrift PROTOCOL_VERSION), for filling requests.
int32_t ProtocolVersion();

}  // namespace fedflow::rpc
