#include "cli/party_agents.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/rpc/thrift_status.h"

namespace fedflow::cli {

namespace {

rpc::ClientPoolOptions AgentPoolOptions() {
  rpc::ClientPoolOptions o;
  o.connect_timeout_ms = 2000;
  o.send_timeout_ms = 60000;
  // Finishing an upload checks every id and fsyncs before answering: minutes on a huge file.
  o.recv_timeout_ms = 600000;
  o.retries = 2;
  return o;
}

}  // namespace

PartyAgents::PartyAgents(ClusterAddress address, int64_t party_id)
    : cluster_(std::move(address)), party_id_(party_id), pool_(AgentPoolOptions()) {}

Result<std::vector<AgentRegistration>> PartyAgents::List() {
  if (party_id_ <= 0) {
    return Status::InvalidArgument("--party must be a positive party id, got " +
                                   std::to_string(party_id_));
  }
  ASSIGN_OR_RETURN(zk::ZkClient * zk, cluster_.Zk());
  const ClusterLayout layout{cluster_.address().zk_root};
  ASSIGN_OR_RETURN(std::vector<AgentRegistration> all, ListAgents(zk, layout));
  std::vector<AgentRegistration> mine;
  for (AgentRegistration& a : all) {
    if (a.party_id == party_id_) mine.push_back(std::move(a));
  }
  if (mine.empty()) {
    return Status::Unavailable("party " + std::to_string(party_id_) +
                               " has no live agent (nothing registered under " +
                               layout.agents_dir(party_id_) + " in ZooKeeper at " +
                               cluster_.address().zk + "): is its fedflow-agent running?");
  }
  std::sort(mine.begin(), mine.end(),
            [](const auto& a, const auto& b) { return a.agent_id < b.agent_id; });
  return mine;
}

void AddDataCommandOptions(CLI::App* cmd, DataCommandOptions* o) {
  cmd->add_option("-p,--party,--party-id", o->party_id, "The party whose agents hold the data")
      ->required();
  cmd->add_flag("--json", o->json, "Print JSON");
  cmd->add_option("--zk", o->address.zk, "ZooKeeper connect string (default: $FEDFLOW_ZK)");
  cmd->add_option("--zk-root", o->address.zk_root, "Root of fedflow's nodes in ZooKeeper");
}

int FailCommand(const Status& s) {
  std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
  return s.IsInvalidArgument() || s.IsNotFound() || s.IsAlreadyExists() ? 2 : 1;
}

std::string FormatBytes(int64_t bytes) {
  char buf[32];
  if (bytes < 1024) {
    std::snprintf(buf, sizeof(buf), "%lld B", static_cast<long long>(bytes));
  } else if (bytes < (int64_t{1} << 20)) {
    std::snprintf(buf, sizeof(buf), "%.1f KiB", static_cast<double>(bytes) / 1024);
  } else if (bytes < (int64_t{1} << 30)) {
    std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / (1 << 20));
  } else {
    std::snprintf(buf, sizeof(buf), "%.2f GiB", static_cast<double>(bytes) / (1 << 30));
  }
  return buf;
}

std::string AgentIds(const std::vector<AgentRegistration>& agents) {
  std::string out;
  for (const AgentRegistration& a : agents) out += (out.empty() ? "" : ", ") + a.agent_id;
  return out;
}

ProgressLine::ProgressLine()
    : tty_(isatty(STDERR_FILENO)), last_(std::chrono::steady_clock::now()) {}

void ProgressLine::Update(const std::string& text, bool force) {
  // The first line comes after one period too, so a small file's upload stays quiet.
  const auto now = std::chrono::steady_clock::now();
  const auto every = tty_ ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
  if (!force && now - last_ < every) return;
  last_ = now;
  shown_ = true;
  std::fprintf(stderr, tty_ ? "\r\033[K%s" : "%s\n", text.c_str());
  std::fflush(stderr);
}

void ProgressLine::Done() {
  if (tty_ && shown_) std::fprintf(stderr, "\n");
  shown_ = false;
}

Status WriteFileInParts(const std::string& path,
                        const std::function<Status(std::string* data, bool* done)>& next_part,
                        int64_t* bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path parent = fs::path(path).parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) {
      return Status::IOError("cannot create directory " + parent.string() + ": " + ec.message());
    }
  }
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
  Status s;
  std::string data;
  for (bool done = false; !done;) {
    s = next_part(&data, &done);
    if (!s.ok()) break;
    if (std::fwrite(data.data(), 1, data.size(), f) != data.size()) {
      s = Status::IOError("writing " + tmp + ": " + std::strerror(errno));
      break;
    }
    *bytes += static_cast<int64_t>(data.size());
  }
  if (std::fclose(f) != 0 && s.ok()) {
    s = Status::IOError("writing " + tmp + ": " + std::strerror(errno));
  }
  if (s.ok()) {
    fs::rename(tmp, path, ec);
    if (ec) s = Status::IOError("renaming " + tmp + " to " + path + ": " + ec.message());
  }
  if (!s.ok()) fs::remove(tmp, ec);
  return s;
}

Json TableJson(const thrift::TTableInfo& t) {
  std::string header;
  for (size_t i = 1; i < t.header.size(); ++i) {
    header += (header.empty() ? "" : t.delimiter) + t.header[i];
  }
  Json schema{{"header", header}, {"sid", t.id_column}};
  if (t.__isset.label_column) schema["label_name"] = t.label_column;
  return Json{{"namespace", t.table_namespace},
              {"table_name", t.name},
              {"count", t.count},
              {"partition", t.partitions},
              {"schema", schema},
              {"columns", t.header},
              {"head", t.head},
              {"delimiter", t.delimiter},
              {"create_time", t.create_time_ms},
              {"data_bytes", t.data_bytes}};
}

}  // namespace fedflow::cli
