#include "tests/integration/probe_job.h"

namespace fedflow::testing {

ProbeJob::ProbeJob() {
  dsl_ = Json{{"components", Json::object()}};
  conf_ = Json::parse(R"({
    "dsl_version": 2,
    "initiator": {"role": "guest", "party_id": 9999},
    "role": {"guest": [9999], "host": [10000], "arbiter": [10001]},
    "job_parameters": {"common": {"task_parallelism": 2, "auto_retries": 0,
                                  "auto_retry_delay": 0, "timeout": 600}},
    "component_parameters": {"common": {}, "role": {}}
  })");
}

ProbeJob ProbeJob::Chain(int n) {
  ProbeJob job;
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> up;
    if (i > 0) up.push_back("probe_" + std::to_string(i - 1));
    job.Add("probe_" + std::to_string(i), up);
  }
  return job;
}

ProbeJob ProbeJob::Diamond() {
  ProbeJob job;
  job.Add("a").Add("b", {"a"}).Add("c", {"a"}).Add("d", {"b", "c"});
  return job;
}

ProbeJob& ProbeJob::Add(const std::string& name, const std::vector<std::string>& upstream) {
  Json c = {{"module", "Probe"}, {"output", {{"data", {"data"}}}}};
  if (!upstream.empty()) {
    Json inputs = Json::array();
    for (const std::string& up : upstream) inputs.push_back(up + ".data");
    c["input"] = {{"data", {{"data", inputs}}}};
  }
  dsl_["components"][name] = c;
  return *this;
}

ProbeJob& ProbeJob::Param(const std::string& component, const Json& params) {
  Json& p = conf_["component_parameters"]["common"][component];
  if (!p.is_object()) p = Json::object();
  p.update(params);
  return *this;
}

ProbeJob& ProbeJob::RoleParam(const std::string& role, const std::string& component,
                              const Json& params) {
  Json& p = conf_["component_parameters"]["role"][role]["0"][component];
  if (!p.is_object()) p = Json::object();
  p.update(params);
  return *this;
}

ProbeJob& ProbeJob::JobParam(const std::string& key, const Json& value) {
  conf_["job_parameters"]["common"][key] = value;
  return *this;
}

std::vector<thrift::TTaskInfo> TasksOf(const thrift::TJobInfo& job, const std::string& component) {
  std::vector<thrift::TTaskInfo> out;
  for (const thrift::TTaskInfo& t : job.tasks) {
    if (t.component == component) out.push_back(t);
  }
  return out;
}

thrift::TTaskInfo TaskOf(const thrift::TJobInfo& job, const std::string& component,
                         const std::string& role) {
  for (const thrift::TTaskInfo& t : job.tasks) {
    if (t.component == component && t.role == role) return t;
  }
  ADD_FAILURE() << "job " << job.job_id << " has no task " << component << "/" << role << ": "
                << DescribeJob(job);
  return thrift::TTaskInfo();
}

std::string DescribeJob(const thrift::TJobInfo& job) {
  std::string out = job.job_id + " " + job.status;
  if (!job.fail_reason.empty()) out += " (" + job.fail_reason + ")";
  for (const thrift::TTaskInfo& t : job.tasks) {
    out += "\n  " + t.component + "/" + t.role + "/" + std::to_string(t.party_id) + " v" +
           std::to_string(t.task_version) + " " + t.status + "/" + t.party_status + " agent " +
           t.agent_id + " [" + std::to_string(t.start_time_ms) + ", " +
           std::to_string(t.end_time_ms) + "]" + (t.error.empty() ? "" : " " + t.error);
  }
  return out;
}

}  // namespace fedflow::testing
