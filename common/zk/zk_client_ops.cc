// ZkClient's node operations, as synchronous calls of the C client (which zookeeper_mt serves
// from its own I/O thread, so they may run on any thread, the dispatcher's included).

#include "common/zk/zk_client.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <utility>

#include <glog/logging.h>

#include "common/init.h"
#include "common/zk/zk_util.h"

namespace fedflow::zk {

using internal::CreateModeFlags;
using internal::FromCStat;
using internal::JoinPath;
using internal::kCreatedPathSlack;
using internal::WatchIdToContext;

namespace {

// First buffer for Get(); a larger node is read again with a buffer of its size.
constexpr int kInitialGetBufferBytes = 16 * 1024;
// DeleteRecursive() retries a node whose children keep appearing this many times.
constexpr int kDeleteRecursiveAttempts = 5;

}  // namespace

Result<std::string> ZkClient::Create(const std::string& path, const std::string& data,
                                     CreateMode mode) {
  RETURN_NOT_OK(CheckUsable("create", path));
  std::string created(path.size() + kCreatedPathSlack, '\0');
  const int rc = zoo_create(zh_, path.c_str(), data.data(), static_cast<int>(data.size()),
                            &ZOO_OPEN_ACL_UNSAFE, CreateModeFlags(mode), created.data(),
                            static_cast<int>(created.size()));
  if (rc != ZOK) return Error(rc, "create", path);
  created.resize(strlen(created.c_str()));
  VLOG_WITH_PREFIX(2) << "created " << created;
  return created;
}

Status ZkClient::EnsurePath(const std::string& path) {
  RETURN_NOT_OK(CheckUsable("ensure path", path));
  if (path == "/") return Status::OK();
  if (path.empty() || path[0] != '/' || path.back() == '/') {
    return Status::InvalidArgument("ZooKeeper ensure path \"" + path +
                                   "\": a path must start with '/' and not end with '/'");
  }
  ASSIGN_OR_RETURN(std::optional<Stat> stat, Exists(path));
  if (stat) return Status::OK();
  for (size_t slash = path.find('/', 1);; slash = path.find('/', slash + 1)) {
    const std::string prefix = path.substr(0, slash);
    Result<std::string> created = Create(prefix, "", CreateMode::kPersistent);
    if (!created.ok() && !created.status().IsAlreadyExists()) {
      return created.status().CloneAndPrepend("ZooKeeper ensure path " + path);
    }
    if (slash == std::string::npos) return Status::OK();
  }
}

Result<NodeData> ZkClient::Get(const std::string& path, WatchCallback watch) {
  RETURN_NOT_OK(CheckUsable("get", path));
  // The watch is registered before the call so that an event that races with the reply finds it.
  const uint64_t watch_id = watch ? AddWatch(path, std::move(watch)) : 0;
  int capacity = kInitialGetBufferBytes;
  while (true) {
    std::unique_ptr<char[]> buffer(new char[capacity]);
    int len = capacity;
    struct ::Stat stat;
    // A retry with the same watcher context is deduplicated by the C client (one watch).
    const int rc = watch_id != 0 ? zoo_wget(zh_, path.c_str(), &ZkClient::NodeWatcher,
                                            WatchIdToContext(watch_id), buffer.get(), &len, &stat)
                                 : zoo_get(zh_, path.c_str(), 0, buffer.get(), &len, &stat);
    if (rc != ZOK) {
      if (watch_id != 0) DropWatch(watch_id);  // Not set: a get watch needs a successful read.
      return Error(rc, "get", path);
    }
    if (stat.dataLength > capacity) {
      capacity = stat.dataLength;
      continue;
    }
    NodeData out;
    if (len > 0) out.data.assign(buffer.get(), len);
    out.stat = FromCStat(stat);
    return out;
  }
}

Status ZkClient::Set(const std::string& path, const std::string& data, int32_t expected_version,
                     Stat* out) {
  RETURN_NOT_OK(CheckUsable("set", path));
  struct ::Stat stat;
  const int rc = zoo_set2(zh_, path.c_str(), data.data(), static_cast<int>(data.size()),
                          expected_version, &stat);
  if (rc != ZOK) return Error(rc, "set", path, expected_version);
  if (out != nullptr) *out = FromCStat(stat);
  return Status::OK();
}

Status ZkClient::Delete(const std::string& path, int32_t expected_version) {
  RETURN_NOT_OK(CheckUsable("delete", path));
  const int rc = zoo_delete(zh_, path.c_str(), expected_version);
  if (rc != ZOK) return Error(rc, "delete", path, expected_version);
  return Status::OK();
}

Status ZkClient::DeleteRecursive(const std::string& path) {
  RETURN_NOT_OK(CheckUsable("delete recursively", path));
  if (path == "/") {
    return Status::InvalidArgument("ZooKeeper delete recursively /: refusing to delete the root");
  }
  for (int attempt = 1;; ++attempt) {
    Result<std::vector<std::string>> children = GetChildren(path);
    if (!children.ok()) {
      if (children.status().IsNotFound()) return Status::OK();
      return children.status();
    }
    for (const std::string& child : *children) {
      RETURN_NOT_OK(DeleteRecursive(JoinPath(path, child)));
    }
    const int rc = zoo_delete(zh_, path.c_str(), -1);
    if (rc == ZOK || rc == ZNONODE) return Status::OK();
    // A child appeared since the listing: list again, a few times.
    if (rc != ZNOTEMPTY || attempt == kDeleteRecursiveAttempts) {
      return Error(rc, "delete recursively", path);
    }
  }
}

Result<std::vector<std::string>> ZkClient::GetChildren(const std::string& path,
                                                       WatchCallback watch) {
  RETURN_NOT_OK(CheckUsable("get children", path));
  const uint64_t watch_id = watch ? AddWatch(path, std::move(watch)) : 0;
  struct String_vector names = {0, nullptr};
  const int rc = watch_id != 0 ? zoo_wget_children(zh_, path.c_str(), &ZkClient::NodeWatcher,
                                                   WatchIdToContext(watch_id), &names)
                               : zoo_get_children(zh_, path.c_str(), 0, &names);
  if (rc != ZOK) {
    if (watch_id != 0) DropWatch(watch_id);  // Not set: a child watch needs a successful read.
    return Error(rc, "get children", path);
  }
  std::vector<std::string> out;
  out.reserve(names.count);
  for (int i = 0; i < names.count; ++i) out.emplace_back(names.data[i]);
  deallocate_String_vector(&names);
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::optional<Stat>> ZkClient::Exists(const std::string& path, WatchCallback watch) {
  RETURN_NOT_OK(CheckUsable("exists", path));
  const uint64_t watch_id = watch ? AddWatch(path, std::move(watch)) : 0;
  struct ::Stat stat;
  const int rc = watch_id != 0 ? zoo_wexists(zh_, path.c_str(), &ZkClient::NodeWatcher,
                                             WatchIdToContext(watch_id), &stat)
                               : zoo_exists(zh_, path.c_str(), 0, &stat);
  // An exists watch is set whether or not the node exists.
  if (rc == ZOK) return std::optional<Stat>(FromCStat(stat));
  if (rc == ZNONODE) return std::optional<Stat>();
  if (watch_id != 0) DropWatch(watch_id);
  return Error(rc, "exists", path);
}

Status ZkClient::Multi(const std::vector<Op>& ops, std::vector<OpResult>* results) {
  const std::string what = "multi of " + std::to_string(ops.size()) + " ops";
  RETURN_NOT_OK(CheckUsable(what.c_str(), ops.empty() ? "" : "(first: " + ops[0].path + ")"));
  if (results != nullptr) results->assign(ops.size(), OpResult());
  if (ops.empty()) return Status::OK();

  const int n = static_cast<int>(ops.size());
  std::vector<zoo_op_t> c_ops(n);
  std::vector<zoo_op_result_t> c_results(n);
  std::vector<std::string> created(n);  // Path buffers of creates.
  std::vector<struct ::Stat> stats(n);  // New Stats of sets.
  for (int i = 0; i < n; ++i) {
    const Op& op = ops[i];
    const char* path = op.path.c_str();
    const int len = static_cast<int>(op.data.size());
    switch (op.type) {
      case Op::Type::kCreate:
        created[i].assign(op.path.size() + kCreatedPathSlack, '\0');
        zoo_create_op_init(&c_ops[i], path, op.data.data(), len, &ZOO_OPEN_ACL_UNSAFE,
                           CreateModeFlags(op.mode), created[i].data(),
                           static_cast<int>(created[i].size()));
        break;
      case Op::Type::kSet:
        zoo_set_op_init(&c_ops[i], path, op.data.data(), len, op.version, &stats[i]);
        break;
      case Op::Type::kDelete:
        zoo_delete_op_init(&c_ops[i], path, op.version);
        break;
      case Op::Type::kCheck:
        zoo_check_op_init(&c_ops[i], path, op.version);
        break;
    }
  }

  const int rc = zoo_multi(zh_, n, c_ops.data(), c_results.data());
  if (rc == ZOK) {
    if (results != nullptr) {
      for (int i = 0; i < n; ++i) {
        if (ops[i].type == Op::Type::kCreate) {
          (*results)[i].path = created[i].c_str();
        } else if (ops[i].type == Op::Type::kSet) {
          (*results)[i].stat = FromCStat(stats[i]);
        }
      }
    }
    VLOG_WITH_PREFIX(2) << what << " applied";
    return Status::OK();
  }

  // An API error (rc < ZAPIERROR) names a failing op; a connection error names none (and leaves
  // the outcome unknown).
  int failed = -1;
  if (rc < ZAPIERROR) {
    for (int i = 0; i < n && failed < 0; ++i) {
      if (c_results[i].err != ZOK && c_results[i].err != ZRUNTIMEINCONSISTENCY) failed = i;
    }
  }
  Status status;
  if (failed >= 0) {
    const Op& op = ops[failed];
    static const char* const kOpNames[] = {"create", "set", "delete", "check"};
    status =
        Error(c_results[failed].err, kOpNames[static_cast<int>(op.type)], op.path, op.version)
            .CloneAndPrepend("ZooKeeper " + what + " failed at op #" + std::to_string(failed + 1) +
                             " (" + op.ToString() + "), nothing applied");
  } else {
    status = Error(rc, what.c_str(), "(first: " + ops[0].path + ")");
  }
  if (results != nullptr) {
    for (int i = 0; i < n; ++i) {
      // Without a failing op (e.g. connection loss) every op shares the multi's status.
      (*results)[i].status =
          i == failed || failed < 0
              ? status
              : Status::Aborted("ZooKeeper " + ops[i].ToString() + ": not applied, op #" +
                                std::to_string(failed + 1) + " failed");
    }
  }
  return status;
}

}  // namespace fedflow::zk
