#include "party-agent/components/task_spec.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <tuple>

namespace fedflow {

namespace fs = std::filesystem;

namespace {

Status CheckPathName(const std::string& value, const char* what) {
  if (value.empty() || value == "." || value == ".." ||
      value.find_first_of(std::string("/\0", 2)) != std::string::npos) {
    return Status::InvalidArgument(std::string("task key: ") + what + " \"" + value +
                                   "\" cannot name a directory");
  }
  return Status::OK();
}

}  // namespace

std::string TaskKey::ToString() const {
  return job_id + "/" + component + "/" + role + "/" + std::to_string(party_id) + "/v" +
         std::to_string(task_version);
}

std::string TaskKey::LogPrefix() const {
  return "job=" + job_id + " task=" + component + "/" + role + "/" + std::to_string(party_id) +
         " v" + std::to_string(task_version) + ": ";
}

bool TaskKey::operator==(const TaskKey& o) const {
  return job_id == o.job_id && component == o.component && role == o.role &&
         party_id == o.party_id && task_version == o.task_version;
}

bool TaskKey::operator<(const TaskKey& o) const {
  return std::tie(job_id, component, role, party_id, task_version) <
         std::tie(o.job_id, o.component, o.role, o.party_id, o.task_version);
}

Status ValidateTaskKey(const TaskKey& key) {
  RETURN_NOT_OK(CheckPathName(key.job_id, "job_id"));
  RETURN_NOT_OK(CheckPathName(key.component, "component"));
  RETURN_NOT_OK(CheckPathName(key.role, "role"));
  if (key.party_id < 0 || key.task_version < 0) {
    return Status::InvalidArgument("task key " + key.ToString() +
                                   ": party_id and task_version must not be negative");
  }
  return Status::OK();
}

Result<std::string> TaskWorkDir(const std::string& data_dir, const TaskKey& key) {
  RETURN_NOT_OK(ValidateTaskKey(key));
  if (data_dir.empty()) return Status::InvalidArgument("TaskWorkDir: empty data_dir");
  return (fs::path(data_dir) / "jobs" / key.job_id / key.role / std::to_string(key.party_id) /
          key.component / std::to_string(key.task_version))
      .string();
}

Json TaskLaunchToJson(const TaskLaunch& l) {
  Json j = Json::object();
  j["job_id"] = l.key.job_id;
  j["component"] = l.key.component;
  j["role"] = l.key.role;
  j["party_id"] = l.key.party_id;
  j["task_version"] = l.key.task_version;
  j["module"] = l.module;
  j["job_parameters"] = l.job_parameters.is_null() ? Json::object() : l.job_parameters;
  j["component_parameters"] =
      l.component_parameters.is_null() ? Json::object() : l.component_parameters;
  j["agent_endpoint"] = l.agent_endpoint;
  j["peers"] = l.peers.is_array() ? l.peers : Json::array();
  j["io"] = l.io.is_object() ? l.io : Json::object();
  return j;
}

Result<TaskLaunch> TaskLaunchFromJson(const Json& j) {
  RETURN_NOT_OK(ExpectObject(j, ""));
  TaskLaunch l;
  ASSIGN_OR_RETURN(l.key.job_id, GetString(j, "job_id", ""));
  ASSIGN_OR_RETURN(l.key.component, GetString(j, "component", ""));
  ASSIGN_OR_RETURN(l.key.role, GetString(j, "role", ""));
  ASSIGN_OR_RETURN(l.key.party_id, GetInt(j, "party_id", ""));
  ASSIGN_OR_RETURN(int64_t version, GetInt(j, "task_version", ""));
  if (version < 0 || version > INT32_MAX) {
    return Status::InvalidArgument("task_version: " + std::to_string(version) + " is out of range");
  }
  l.key.task_version = static_cast<int32_t>(version);
  RETURN_NOT_OK(ValidateTaskKey(l.key));
  ASSIGN_OR_RETURN(l.module, GetString(j, "module", ""));
  ASSIGN_OR_RETURN(const Json* job_params, GetObject(j, "job_parameters", ""));
  ASSIGN_OR_RETURN(const Json* cpn_params, GetObject(j, "component_parameters", ""));
  l.job_parameters = *job_params;
  l.component_parameters = *cpn_params;
  bool found = false;
  RETURN_NOT_OK(FindString(j, "agent_endpoint", "", &l.agent_endpoint, &found));
  if (const Json* peers = FindMember(j, "peers"); peers != nullptr) {
    RETURN_NOT_OK(ExpectArray(*peers, "peers"));
    l.peers = *peers;
  }
  if (const Json* io = FindMember(j, "io"); io != nullptr) {
    if (!io->is_object()) return Status::InvalidArgument("task.json: io must be an object");
    l.io = *io;
  }
  return l;
}

Status PrepareTaskDir(TaskLaunch* launch) {
  std::error_code ec;
  fs::path dir = fs::absolute(launch->work_dir, ec);
  if (!ec) fs::create_directories(dir, ec);
  if (ec) {
    return Status::IOError("cannot create work directory " + launch->work_dir + ": " +
                           ec.message());
  }
  launch->work_dir = dir.lexically_normal().string();
  if (launch->work_dir.size() > 1 && launch->work_dir.back() == '/') launch->work_dir.pop_back();
  RETURN_NOT_OK(WriteFileAtomically((dir / kTaskJsonFile).string(),
                                    DumpJson(TaskLaunchToJson(*launch), 2) + "\n"));
  std::string result = (dir / kTaskResultFile).string();
  if (::unlink(result.c_str()) != 0 && errno != ENOENT) {
    return Status::IOError("cannot remove stale " + result + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status WriteFileAtomically(const std::string& path, const std::string& contents) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot create " + tmp + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Status::IOError("cannot write " + tmp + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::close(fd) != 0) return Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return Status::IOError("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status WriteTaskResult(const std::string& dir, const TaskResult& result) {
  Json j = Json::object();
  j["party_status"] = result.party_status;
  j["error"] = result.error;
  return WriteFileAtomically((fs::path(dir) / kTaskResultFile).string(), DumpJson(j, 2) + "\n");
}

Result<TaskResult> ReadTaskResult(const std::string& dir) {
  ASSIGN_OR_RETURN(Json j, ReadJsonFile((fs::path(dir) / kTaskResultFile).string()));
  RETURN_NOT_OK_PREPEND(ExpectObject(j, ""), kTaskResultFile);
  TaskResult r;
  ASSIGN_OR_RETURN(r.party_status, GetString(j, "party_status", ""));
  if (r.party_status != kPartyStatusSuccess && r.party_status != kPartyStatusPass &&
      r.party_status != kPartyStatusFailed) {
    return Status::InvalidArgument(std::string(kTaskResultFile) + ": party_status \"" +
                                   r.party_status + "\" is not success, pass or failed");
  }
  bool found = false;
  RETURN_NOT_OK(FindString(j, "error", "", &r.error, &found));
  return r;
}

}  // namespace fedflow
