// `fedflow tracking output-data` and `output-model`: a task's output tables and models,
// streamed from the party's agent that holds them in bounded parts.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include "cli/tracking_task.h"
#include "common/rpc/thrift_status.h"

namespace fedflow::cli::tracking {

namespace {

namespace fs = std::filesystem;
using rpc::Idempotency;

// ---- Output data ----

// The preview of one output: its header and first rows, split on the delimiter.
struct Preview {
  std::vector<std::string> lines;  // header (if any) then rows, as stored
  int64_t rows = 0;
};

// Streams one output from agent `a` part by part (one RPC per Next), from a cursor.
class OutputStream {
 public:
  OutputStream(PartyAgents* party, const TaskArgs& args, const AgentRegistration& a,
               const thrift::TOutputInfo& out, int64_t max_rows)
      : party_(party), agent_(a) {
    req_.protocol_version = rpc::ProtocolVersion();
    req_.task = args.Task();
    req_.data_name = out.data_name;
    req_.__set_task_version(out.task_version);
    req_.__set_max_bytes(1 << 20);
    if (max_rows > 0) req_.__set_max_rows(max_rows);
  }

  // Replaces *data with the next part; *done after the last.
  Status Next(std::string* data, bool* done) {
    thrift::TTrackingOutputDataResponse resp;
    RETURN_NOT_OK(party_->Call<thrift::TTrackingOutputDataResponse>(
        agent_, [&](auto& c, auto& r) { c.TrackingOutputData(r, req_); }, &resp,
        Idempotency::kIdempotent));
    *data = std::move(resp.data);
    *done = resp.done;
    req_.__set_cursor(resp.next_cursor);
    return Status::OK();
  }

 private:
  PartyAgents* party_;
  const AgentRegistration& agent_;
  thrift::TTrackingOutputDataRequest req_;
};

Result<Preview> ReadPreview(PartyAgents* party, const TaskArgs& args, const AgentRegistration& a,
                            const thrift::TOutputInfo& out, int64_t limit) {
  std::string csv;
  // max_rows 0 would stream the whole table: a preview without rows asks for one.
  OutputStream stream(party, args, a, out, std::max<int64_t>(limit, 1));
  for (bool done = false; !done;) {
    std::string part;
    RETURN_NOT_OK(stream.Next(&part, &done));
    csv += part;
  }
  if (csv.compare(0, 3, "\xEF\xBB\xBF") == 0) csv.erase(0, 3);
  Preview p;
  size_t pos = 0;
  while (pos < csv.size()) {
    size_t nl = csv.find('\n', pos);
    std::string line = csv.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    p.lines.push_back(std::move(line));
    if (nl == std::string::npos) break;
    pos = nl + 1;
  }
  const size_t header = out.table.head ? 1 : 0;
  if (p.lines.size() > header + static_cast<size_t>(limit)) p.lines.resize(header + limit);
  p.rows = static_cast<int64_t>(p.lines.size()) - static_cast<int64_t>(header);
  if (p.rows < 0) p.rows = 0;
  return p;
}

std::vector<std::string> Split(const std::string& line, const std::string& delimiter) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (true) {
    size_t at = line.find(delimiter, pos);
    out.push_back(line.substr(pos, at == std::string::npos ? std::string::npos : at - pos));
    if (at == std::string::npos) return out;
    pos = at + delimiter.size();
  }
}

}  // namespace

int RunOutputData(const TaskArgs& args, int64_t limit, const std::string& data_name,
                  const std::string& output_dir) {
  PartyAgents party(args.o.address, args.o.party_id);
  auto held = FindHolders<std::vector<thrift::TOutputInfo>>(
      &party, args, "output data",
      [&](const AgentRegistration& a) -> Result<std::optional<std::vector<thrift::TOutputInfo>>> {
        thrift::TTrackingOutputsRequest req;
        req.protocol_version = rpc::ProtocolVersion();
        req.task = args.Task();
        thrift::TTrackingOutputsResponse resp;
        RETURN_NOT_OK(party.Call<thrift::TTrackingOutputsResponse>(
            a, [&](auto& c, auto& r) { c.TrackingOutputs(r, req); }, &resp,
            Idempotency::kIdempotent));
        std::vector<thrift::TOutputInfo> outs;
        for (auto& o : resp.outputs) {
          if (data_name.empty() || o.data_name == data_name) outs.push_back(std::move(o));
        }
        if (outs.empty()) return {std::nullopt};
        return {std::move(outs)};
      });
  if (!held.ok()) return FailCommand(held.status());
  const auto& from = Newest(*held, [](const std::vector<thrift::TOutputInfo>& outs) {
    int32_t v = 0;
    for (const auto& o : outs) v = std::max(v, o.task_version);
    return v;
  });
  Json outputs = Json::array();
  for (const thrift::TOutputInfo& out : from.value) {
    auto preview = ReadPreview(&party, args, from.agent, out, limit);
    if (!preview.ok()) return FailCommand(preview.status());
    std::string file;
    int64_t bytes = 0;
    if (!output_dir.empty()) {
      file =
          (fs::path(output_dir) / args.DirName("output_data") / (out.data_name + ".csv")).string();
      OutputStream stream(&party, args, from.agent, out, 0);
      Status s = WriteFileInParts(
          file, [&](std::string* data, bool* done) { return stream.Next(data, done); }, &bytes);
      if (!s.ok()) return FailCommand(s);
    }
    const thrift::TTableInfo& t = out.table;
    if (args.o.json) {
      Json rows = Json::array();
      const size_t header = t.head ? 1 : 0;
      for (size_t i = header; i < preview->lines.size(); ++i) {
        rows.push_back(Split(preview->lines[i], t.delimiter));
      }
      Json o{{"data_name", out.data_name},
             {"task_version", out.task_version},
             {"namespace", t.table_namespace},
             {"table_name", t.name},
             {"total", t.count},
             {"header", t.header},
             {"data", rows}};
      if (!file.empty()) {
        o["file"] = file;
        o["bytes"] = bytes;
      }
      outputs.push_back(std::move(o));
    } else {
      std::printf(
          "output \"%s\" of %s, party %lld, task version %d (table %s.%s, agent %s): "
          "%lld rows\n",
          out.data_name.c_str(), args.Describe().c_str(), static_cast<long long>(args.o.party_id),
          out.task_version, t.table_namespace.c_str(), t.name.c_str(), from.agent.agent_id.c_str(),
          static_cast<long long>(t.count));
      for (const std::string& line : preview->lines) std::printf("  %s\n", line.c_str());
      if (preview->rows < t.count) {
        std::printf("  (first %lld of %lld rows)\n", static_cast<long long>(preview->rows),
                    static_cast<long long>(t.count));
      }
      if (!file.empty()) {
        std::printf("  written to %s (%s)\n", file.c_str(), FormatBytes(bytes).c_str());
      }
    }
  }
  if (args.o.json) {
    std::cout << DumpJson(Success(Json{{"agent", from.agent.agent_id}, {"outputs", outputs}}), 4)
              << std::endl;
  }
  return 0;
}

// ---- Models ----

int RunOutputModel(const TaskArgs& args, const std::string& alias, const std::string& output_dir) {
  PartyAgents party(args.o.address, args.o.party_id);
  auto held = FindHolders<std::vector<thrift::TModelInfo>>(
      &party, args, "models",
      [&](const AgentRegistration& a) -> Result<std::optional<std::vector<thrift::TModelInfo>>> {
        thrift::TTrackingModelsRequest req;
        req.protocol_version = rpc::ProtocolVersion();
        req.task = args.Task();
        thrift::TTrackingModelsResponse resp;
        RETURN_NOT_OK(party.Call<thrift::TTrackingModelsResponse>(
            a, [&](auto& c, auto& r) { c.TrackingModels(r, req); }, &resp,
            Idempotency::kIdempotent));
        std::vector<thrift::TModelInfo> models;
        for (auto& m : resp.models) {
          if (alias.empty() || m.model_alias == alias) models.push_back(std::move(m));
        }
        if (models.empty()) return {std::nullopt};
        return {std::move(models)};
      });
  if (!held.ok()) return FailCommand(held.status());
  const auto& from = Newest(*held, [](const std::vector<thrift::TModelInfo>& models) {
    int32_t v = 0;
    for (const auto& m : models) v = std::max(v, m.task_version);
    return v;
  });
  Json models = Json::array();
  if (!args.o.json) {
    std::printf("models of %s, party %lld (agent %s):\n", args.Describe().c_str(),
                static_cast<long long>(args.o.party_id), from.agent.agent_id.c_str());
  }
  for (const thrift::TModelInfo& m : from.value) {
    std::string file;
    int64_t bytes = 0;
    if (!output_dir.empty()) {
      file =
          (fs::path(output_dir) / args.DirName("output_model") / (m.model_alias + ".bin")).string();
      thrift::TTrackingModelRequest req;
      req.protocol_version = rpc::ProtocolVersion();
      req.task = args.Task();
      req.model_alias = m.model_alias;
      req.__set_max_bytes(1 << 20);
      int64_t offset = 0;
      Status s = WriteFileInParts(
          file,
          [&](std::string* data, bool* done) -> Status {
            req.__set_offset(offset);
            thrift::TTrackingModelResponse resp;
            RETURN_NOT_OK(party.Call<thrift::TTrackingModelResponse>(
                from.agent, [&](auto& c, auto& r) { c.TrackingModel(r, req); }, &resp,
                Idempotency::kIdempotent));
            // Later parts must come from the same save of the model.
            req.__set_create_time_ms(resp.model.create_time_ms);
            offset += static_cast<int64_t>(resp.data.size());
            *data = std::move(resp.data);
            *done = resp.done;
            return Status::OK();
          },
          &bytes);
      if (!s.ok()) return FailCommand(s);
    }
    if (args.o.json) {
      Json j{{"alias", m.model_alias},
             {"module", m.module_name},
             {"task_version", m.task_version},
             {"create_time", m.create_time_ms},
             {"size", m.size},
             {"model_id", m.__isset.model_id ? Json(m.model_id) : Json(nullptr)},
             {"model_version", m.__isset.model_version ? Json(m.model_version) : Json(nullptr)}};
      if (!file.empty()) j["file"] = file;
      models.push_back(std::move(j));
    } else {
      std::printf("  %-16s module %-20s task version %d, %s%s%s\n", m.model_alias.c_str(),
                  m.module_name.c_str(), m.task_version, FormatBytes(m.size).c_str(),
                  file.empty() ? "" : ", written to ", file.c_str());
    }
  }
  if (args.o.json) {
    std::cout << DumpJson(Success(Json{{"agent", from.agent.agent_id}, {"models", models}}), 4)
              << std::endl;
  }
  return 0;
}

}  // namespace fedflow::cli::tracking
