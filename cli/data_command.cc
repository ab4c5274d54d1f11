#include "cli/data_command.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/party_agents.h"
#include "common/json_util.h"
#include "common/rpc/thrift_status.h"

namespace fedflow::cli {

namespace {

namespace fs = std::filesystem;
using rpc::Idempotency;

struct FileCloser {
  void operator()(FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<FILE, FileCloser>;

// What to upload: FATE's upload conf, or the same given as options.
struct UploadSpec {
  std::string file;
  std::string ns;
  std::string name;
  bool head = true;
  std::string delimiter = ",";
  bool drop = false;
  int32_t partitions = 16;
};

// FATE writes flags as 1/0; true/false are accepted too.
Status ReadFlag(const Json& conf, const char* key, const std::string& source, bool* out) {
  const Json* v = FindMember(conf, key);
  if (v == nullptr) return Status::OK();
  if (v->is_boolean()) {
    *out = v->get<bool>();
  } else if (v->is_number_integer() && (v->get<int64_t>() == 0 || v->get<int64_t>() == 1)) {
    *out = v->get<int64_t>() == 1;
  } else {
    return Status::InvalidArgument(source + ": \"" + key + "\" must be 1, 0, true or false, got " +
                                   DumpJson(*v));
  }
  return Status::OK();
}

// Reads FATE's upload conf (`file`, `head`, `delimiter` or `id_delimiter`, `namespace`,
// `table_name`, `partition`, `drop`; other keys such as `work_mode` are ignored). A relative
// `file` is taken from the current directory, else from the conf's directory.
Status ReadUploadConf(const std::string& path, UploadSpec* spec) {
  ASSIGN_OR_RETURN(Json conf, ReadJsonFile(path));
  RETURN_NOT_OK(ExpectObject(conf, path));
  bool found = false;
  RETURN_NOT_OK(FindString(conf, "file", path, &spec->file, &found));
  if (found && fs::path(spec->file).is_relative() && !fs::exists(spec->file)) {
    const fs::path beside = fs::path(path).parent_path() / spec->file;
    if (fs::exists(beside)) spec->file = beside.string();
  }
  RETURN_NOT_OK(FindString(conf, "namespace", path, &spec->ns, &found));
  RETURN_NOT_OK(FindString(conf, "table_name", path, &spec->name, &found));
  RETURN_NOT_OK(FindString(conf, "id_delimiter", path, &spec->delimiter, &found));
  RETURN_NOT_OK(FindString(conf, "delimiter", path, &spec->delimiter, &found));
  int64_t partitions = spec->partitions;
  RETURN_NOT_OK(FindInt(conf, "partition", path, &partitions, &found));
  if (partitions <= 0 || partitions > (1 << 20)) {
    return Status::InvalidArgument(path + ": \"partition\" must be a positive number, got " +
                                   std::to_string(partitions));
  }
  spec->partitions = static_cast<int32_t>(partitions);
  RETURN_NOT_OK(ReadFlag(conf, "head", path, &spec->head));
  RETURN_NOT_OK(ReadFlag(conf, "drop", path, &spec->drop));
  return Status::OK();
}

Status CheckSpec(const UploadSpec& spec) {
  if (spec.file.empty()) return Status::InvalidArgument("no file to upload: pass --file F.csv");
  if (spec.ns.empty()) return Status::InvalidArgument("no table namespace: pass --namespace NS");
  if (spec.name.empty()) return Status::InvalidArgument("no table name: pass --name T");
  if (spec.delimiter.empty()) return Status::InvalidArgument("the delimiter is empty");
  if (spec.partitions <= 0) {
    return Status::InvalidArgument("--partition must be positive, got " +
                                   std::to_string(spec.partitions));
  }
  std::error_code ec;
  if (!fs::exists(spec.file, ec)) return Status::NotFound(spec.file + ": no such file");
  if (!fs::is_regular_file(spec.file, ec)) {
    return Status::InvalidArgument(spec.file + " is not a regular file");
  }
  return Status::OK();
}

struct UploadResult {
  thrift::TTableInfo table;
  std::vector<AgentRegistration> agents;
  int64_t bytes = 0;
  bool committed_any = false;  // Some agent committed the table (even if another failed).
};

// Streams the file to every live agent of the party: one session per agent, each chunk to
// every agent in turn, then Finish on each. The first failure aborts every session not yet
// finished, so a malformed file leaves no table on any agent.
Status RunUpload(const UploadSpec& spec, const DataCommandOptions& o, int64_t chunk_bytes,
                 UploadResult* result) {
  PartyAgents party(o.address, o.party_id);
  ASSIGN_OR_RETURN(std::vector<AgentRegistration> agents, party.List());
  result->agents = agents;
  File f(std::fopen(spec.file.c_str(), "rb"));
  if (f == nullptr) {
    return Status::NotFound("cannot open " + spec.file + ": " + std::strerror(errno));
  }
  std::error_code ec;
  const int64_t size = static_cast<int64_t>(fs::file_size(spec.file, ec));

  std::vector<std::string> sessions(agents.size());
  auto abort_from = [&](size_t first) {
    for (size_t i = first; i < agents.size(); ++i) {
      if (sessions[i].empty()) continue;
      thrift::TUploadAbortRequest req;
      req.protocol_version = rpc::ProtocolVersion();
      req.upload_id = sessions[i];
      thrift::TUploadAbortResponse resp;
      party
          .Call<thrift::TUploadAbortResponse>(
              agents[i], [&](auto& c, auto& r) { c.UploadAbort(r, req); }, &resp,
              Idempotency::kIdempotent)
          .IgnoreError();  // An unreachable agent expires the session by itself.
    }
  };
  for (size_t i = 0; i < agents.size(); ++i) {
    thrift::TUploadBeginRequest req;
    req.protocol_version = rpc::ProtocolVersion();
    req.table_namespace = spec.ns;
    req.name = spec.name;
    req.head = spec.head;
    req.delimiter = spec.delimiter;
    req.drop = spec.drop;
    req.partitions = spec.partitions;
    req.__set_source_name(spec.file);
    thrift::TUploadBeginResponse resp;
    Status s = party.Call<thrift::TUploadBeginResponse>(
        agents[i], [&](auto& c, auto& r) { c.UploadBegin(r, req); }, &resp,
        Idempotency::kNotIdempotent);
    if (!s.ok()) {
      abort_from(0);
      return s;
    }
    sessions[i] = resp.upload_id;
  }

  ProgressLine progress;
  std::vector<char> buf(static_cast<size_t>(chunk_bytes));
  thrift::TUploadChunkRequest chunk;
  chunk.protocol_version = rpc::ProtocolVersion();
  int64_t rows = 0;
  for (int64_t seq = 0;; ++seq) {
    const size_t n = std::fread(buf.data(), 1, buf.size(), f.get());
    if (n == 0) {
      if (std::ferror(f.get())) {
        abort_from(0);
        return Status::IOError("reading " + spec.file + ": " + std::strerror(errno));
      }
      break;
    }
    chunk.seq = seq;
    chunk.data.assign(buf.data(), n);
    for (size_t i = 0; i < agents.size(); ++i) {
      chunk.upload_id = sessions[i];
      thrift::TUploadChunkResponse resp;
      Status s = party.Call<thrift::TUploadChunkResponse>(
          agents[i], [&](auto& c, auto& r) { c.UploadChunk(r, chunk); }, &resp,
          Idempotency::kIdempotent);
      if (!s.ok()) {
        progress.Done();
        abort_from(0);
        return s;
      }
      if (i == 0) rows = resp.rows;
    }
    result->bytes += static_cast<int64_t>(n);
    std::string line = "uploading " + spec.file + ": " + FormatBytes(result->bytes);
    if (size > 0) {
      line += " of " + FormatBytes(size) + " (" + std::to_string(result->bytes * 100 / size) + "%)";
    }
    progress.Update(line + ", " + std::to_string(rows) + " rows");
  }
  progress.Done();

  std::vector<std::string> committed;
  for (size_t i = 0; i < agents.size(); ++i) {
    thrift::TUploadFinishRequest req;
    req.protocol_version = rpc::ProtocolVersion();
    req.upload_id = sessions[i];
    thrift::TUploadFinishResponse resp;
    Status s = party.Call<thrift::TUploadFinishResponse>(
        agents[i], [&](auto& c, auto& r) { c.UploadFinish(r, req); }, &resp,
        Idempotency::kIdempotent);
    if (!s.ok()) {
      abort_from(i + 1);
      if (committed.empty()) return s;
      std::string done;
      for (const std::string& id : committed) done += (done.empty() ? "" : ", ") + id;
      return s.CloneAndPrepend("the table was stored on agent(s) " + done + " but not on agent " +
                               agents[i].agent_id);
    }
    committed.push_back(agents[i].agent_id);
    result->committed_any = true;
    if (i == 0) result->table = resp.table;
  }
  return Status::OK();
}

// Finds an agent of the party holding the table (the first, by agent id, that has it).
Result<AgentRegistration> FindTable(PartyAgents* party, const std::string& ns,
                                    const std::string& name, thrift::TTableInfo* info) {
  ASSIGN_OR_RETURN(std::vector<AgentRegistration> agents, party->List());
  Status other;
  for (const AgentRegistration& a : agents) {
    thrift::TTableInfoRequest req;
    req.protocol_version = rpc::ProtocolVersion();
    req.table_namespace = ns;
    req.name = name;
    thrift::TTableInfoResponse resp;
    Status s = party->Call<thrift::TTableInfoResponse>(
        a, [&](auto& c, auto& r) { c.TableInfo(r, req); }, &resp, Idempotency::kIdempotent);
    if (s.ok()) {
      *info = resp.table;
      return a;
    }
    if (!s.IsNotFound() && other.ok()) other = s;
  }
  if (!other.ok()) return other;
  return Status::NotFound("table " + ns + "." + name + " does not exist on party " +
                          std::to_string(party->party_id()) + " (agents " + AgentIds(agents) + ")");
}

// Streams the table into `path` (through <path>.tmp, renamed when complete).
Status RunDownload(const DataCommandOptions& o, const std::string& ns, const std::string& name,
                   const std::string& path, thrift::TTableInfo* info, AgentRegistration* from,
                   int64_t* bytes) {
  PartyAgents party(o.address, o.party_id);
  ASSIGN_OR_RETURN(*from, FindTable(&party, ns, name, info));
  const std::string tmp = path + ".tmp";
  File f(std::fopen(tmp.c_str(), "wb"));
  if (f == nullptr) return Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
  ProgressLine progress;
  thrift::TDownloadRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.table_namespace = ns;
  req.name = name;
  req.__set_max_bytes(1 << 20);
  int64_t rows = 0;
  Status s;
  while (true) {
    thrift::TDownloadResponse resp;
    s = party.Call<thrift::TDownloadResponse>(
        *from, [&](auto& c, auto& r) { c.Download(r, req); }, &resp, Idempotency::kIdempotent);
    if (!s.ok()) break;
    if (std::fwrite(resp.data.data(), 1, resp.data.size(), f.get()) != resp.data.size()) {
      s = Status::IOError("writing " + tmp + ": " + std::strerror(errno));
      break;
    }
    *bytes += static_cast<int64_t>(resp.data.size());
    rows += resp.rows;
    *info = resp.table;
    progress.Update("downloading " + ns + "." + name + ": " + std::to_string(rows) + " of " +
                    std::to_string(resp.table.count) + " rows, " + FormatBytes(*bytes));
    if (resp.done) break;
    req.__set_cursor(resp.next_cursor);
  }
  progress.Done();
  if (s.ok() && std::fclose(f.release()) != 0) {
    s = Status::IOError("writing " + tmp + ": " + std::strerror(errno));
  }
  std::error_code ec;
  if (s.ok()) {
    fs::rename(tmp, path, ec);
    if (ec) s = Status::IOError("renaming " + tmp + " to " + path + ": " + ec.message());
  }
  if (!s.ok()) fs::remove(tmp, ec);
  return s;
}

}  // namespace

void RegisterDataCommands(CLI::App* app, int* exit_code) {
  // Options live as long as the app: main() parses and runs callbacks within its scope.
  static DataCommandOptions opts;
  static UploadSpec given;
  static std::string conf_path;
  static int64_t chunk_bytes = 1 << 20;
  CLI::App* data = app->add_subcommand("data",
                                       "Upload a CSV file into a party's table, or "
                                       "download a table");
  data->require_subcommand(1);

  CLI::App* upload = data->add_subcommand(
      "upload",
      "Upload a CSV file to every live agent of a party (FATE's upload rules: the "
      "first column is the id)");
  upload->add_option("-c,--conf", conf_path,
                     "FATE upload conf (file, head, delimiter, namespace, table_name, partition, "
                     "drop); options given as well override it");
  CLI::Option* file = upload->add_option("-f,--file", given.file, "The CSV file");
  CLI::Option* ns = upload->add_option("-n,--namespace", given.ns, "Table namespace");
  CLI::Option* name = upload->add_option("-t,--name,--table-name", given.name, "Table name");
  CLI::Option* head = upload->add_flag("--head,!--no-head", given.head,
                                       "The first line names the columns (default)");
  CLI::Option* delimiter = upload->add_option("--delimiter,--id-delimiter", given.delimiter,
                                              "Field delimiter (default ,)");
  CLI::Option* drop = upload->add_flag("--drop", given.drop, "Replace the table if it exists");
  CLI::Option* partitions =
      upload->add_option("--partition,--partitions", given.partitions, "Partitions (default 16)");
  upload->add_option("--chunk-bytes", chunk_bytes, "Bytes per upload chunk (default 1 MiB)")
      ->check(CLI::Range(int64_t{1}, int64_t{8} << 20));
  AddDataCommandOptions(upload, &opts);
  upload->callback([=] {
    UploadSpec spec;
    if (!conf_path.empty()) {
      Status s = ReadUploadConf(conf_path, &spec);
      if (!s.ok()) {
        *exit_code = FailCommand(s);
        return;
      }
    }
    if (file->count() > 0) spec.file = given.file;
    if (ns->count() > 0) spec.ns = given.ns;
    if (name->count() > 0) spec.name = given.name;
    if (head->count() > 0) spec.head = given.head;
    if (delimiter->count() > 0) spec.delimiter = given.delimiter;
    if (drop->count() > 0) spec.drop = given.drop;
    if (partitions->count() > 0) spec.partitions = given.partitions;
    Status s = CheckSpec(spec);
    UploadResult r;
    if (s.ok()) s = RunUpload(spec, opts, chunk_bytes, &r);
    if (!s.ok()) {
      *exit_code = FailCommand(s);
      if (!r.committed_any && !r.agents.empty()) {
        std::fprintf(stderr, "upload aborted: party %lld is unchanged\n",
                     static_cast<long long>(opts.party_id));
      }
      return;
    }
    const thrift::TTableInfo& t = r.table;
    if (opts.json) {
      Json agents = Json::array();
      for (const AgentRegistration& a : r.agents) agents.push_back(a.agent_id);
      Json out{{"retcode", 0},
               {"retmsg", "success"},
               {"data",
                {{"namespace", t.table_namespace},
                 {"table_name", t.name},
                 {"count", t.count},
                 {"partition", t.partitions},
                 {"party_id", opts.party_id},
                 {"file", spec.file},
                 {"bytes", r.bytes},
                 {"agents", agents}}}};
      std::cout << DumpJson(out, 4) << std::endl;
    } else {
      std::printf("uploaded %s to table %s.%s on party %lld (agents %s): %lld rows, %s\n",
                  spec.file.c_str(), t.table_namespace.c_str(), t.name.c_str(),
                  static_cast<long long>(opts.party_id), AgentIds(r.agents).c_str(),
                  static_cast<long long>(t.count), FormatBytes(r.bytes).c_str());
    }
    *exit_code = 0;
  });

  static std::string dl_ns, dl_name, output;
  CLI::App* download = data->add_subcommand(
      "download", "Write a party's table to a CSV file, byte for byte as it was uploaded");
  download->add_option("-n,--namespace", dl_ns, "Table namespace")->required();
  download->add_option("-t,--name,--table-name", dl_name, "Table name")->required();
  download->add_option("-o,--output", output, "Output file (or an existing directory)")->required();
  AddDataCommandOptions(download, &opts);
  download->callback([exit_code] {
    std::string path = output;
    std::error_code ec;
    if (fs::is_directory(path, ec)) path = (fs::path(path) / (dl_name + ".csv")).string();
    thrift::TTableInfo info;
    AgentRegistration from;
    int64_t bytes = 0;
    Status s = RunDownload(opts, dl_ns, dl_name, path, &info, &from, &bytes);
    if (!s.ok()) {
      *exit_code = FailCommand(s);
      return;
    }
    if (opts.json) {
      Json out{{"retcode", 0},
               {"retmsg", "success"},
               {"data",
                {{"namespace", dl_ns},
                 {"table_name", dl_name},
                 {"count", info.count},
                 {"party_id", opts.party_id},
                 {"agent", from.agent_id},
                 {"file", path},
                 {"bytes", bytes}}}};
      std::cout << DumpJson(out, 4) << std::endl;
    } else {
      std::printf("downloaded table %s.%s of party %lld (agent %s) to %s: %lld rows, %s\n",
                  dl_ns.c_str(), dl_name.c_str(), static_cast<long long>(opts.party_id),
                  from.agent_id.c_str(), path.c_str(), static_cast<long long>(info.count),
                  FormatBytes(bytes).c_str());
    }
    *exit_code = 0;
  });
}

}  // namespace fedflow::cli
