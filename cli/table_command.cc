#include "cli/table_command.h"

#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "cli/party_agents.h"
#include "common/json_util.h"
#include "common/rpc/thrift_status.h"

namespace fedflow::cli {

namespace {

using rpc::Idempotency;

std::string FormatTime(int64_t ms) {
  if (ms <= 0) return "-";
  std::time_t t = ms / 1000;
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

// A table as the party's agents hold it: the copy of the first agent that has it, and every
// agent holding one.
struct PartyTable {
  thrift::TTableInfo info;
  std::vector<std::string> agents;
};

Json PartyTableJson(const PartyTable& t) {
  Json j = TableJson(t.info);
  j["agents"] = t.agents;
  return j;
}

// Asks every live agent; `call` returns the tables one agent holds (NotFound: none).
// Succeeds when at least one agent answered; NotFound when every agent said so.
Status AskEveryAgent(
    PartyAgents* party,
    const std::function<Result<std::vector<thrift::TTableInfo>>(const AgentRegistration&)>& call,
    std::map<std::pair<std::string, std::string>, PartyTable>* tables) {
  ASSIGN_OR_RETURN(std::vector<AgentRegistration> agents, party->List());
  Status first_error;
  Status not_found;
  int answered = 0;
  for (const AgentRegistration& a : agents) {
    auto got = call(a);
    if (!got.ok()) {
      if (got.status().IsNotFound()) {
        not_found = got.status();
      } else if (first_error.ok()) {
        first_error = got.status();
      }
      continue;
    }
    answered++;
    for (thrift::TTableInfo& t : *got) {
      PartyTable& pt = (*tables)[{t.table_namespace, t.name}];
      if (pt.agents.empty()) pt.info = std::move(t);
      pt.agents.push_back(a.agent_id);
    }
  }
  if (answered > 0 || (first_error.ok() && not_found.ok())) return Status::OK();
  if (!first_error.ok()) return first_error;
  return not_found.CloneAndAppend("on party " + std::to_string(party->party_id()) + " (agents " +
                                  AgentIds(agents) + ")");
}

void PrintTableText(const PartyTable& t) {
  const thrift::TTableInfo& i = t.info;
  std::string columns;
  for (const std::string& c : i.header) columns += (columns.empty() ? "" : i.delimiter) + c;
  std::string agents;
  for (const std::string& a : t.agents) agents += (agents.empty() ? "" : ", ") + a;
  std::printf("table:      %s.%s\n", i.table_namespace.c_str(), i.name.c_str());
  std::printf("count:      %lld\n", static_cast<long long>(i.count));
  std::printf("partitions: %d\n", i.partitions);
  std::printf("columns:    %s\n", i.head ? columns.c_str() : "(uploaded without header)");
  std::printf("id column:  %s\n", i.head ? i.id_column.c_str() : "(the first field)");
  std::printf("label:      %s\n", i.__isset.label_column ? i.label_column.c_str() : "-");
  std::printf("delimiter:  \"%s\"\n", i.delimiter.c_str());
  std::printf("size:       %s\n", FormatBytes(i.data_bytes).c_str());
  std::printf("created:    %s\n", FormatTime(i.create_time_ms).c_str());
  std::printf("agents:     %s\n", agents.c_str());
}

Json Success(Json data) {
  return Json{{"retcode", 0}, {"retmsg", "success"}, {"data", std::move(data)}};
}

}  // namespace

void RegisterTableCommands(CLI::App* app, int* exit_code) {
  static DataCommandOptions opts;
  static std::string ns, name;
  CLI::App* table = app->add_subcommand("table", "Inspect and delete a party's data tables");
  table->require_subcommand(1);

  // table info
  CLI::App* info = table->add_subcommand("info", "A table's count, schema and agents");
  info->add_option("-n,--namespace", ns, "Table namespace")->required();
  info->add_option("-t,--name,--table-name", name, "Table name")->required();
  AddDataCommandOptions(info, &opts);
  info->callback([exit_code] {
    PartyAgents party(opts.address, opts.party_id);
    std::map<std::pair<std::string, std::string>, PartyTable> tables;
    Status s = AskEveryAgent(
        &party,
        [&](const AgentRegistration& a) -> Result<std::vector<thrift::TTableInfo>> {
          thrift::TTableInfoRequest req;
          req.protocol_version = rpc::ProtocolVersion();
          req.table_namespace = ns;
          req.name = name;
          thrift::TTableInfoResponse resp;
          RETURN_NOT_OK(party.Call<thrift::TTableInfoResponse>(
              a, [&](auto& c, auto& r) { c.TableInfo(r, req); }, &resp, Idempotency::kIdempotent));
          return std::vector<thrift::TTableInfo>{resp.table};
        },
        &tables);
    if (s.ok() && tables.empty()) {
      s = Status::NotFound("table " + ns + "." + name + " does not exist on party " +
                           std::to_string(opts.party_id));
    }
    if (!s.ok()) {
      *exit_code = FailCommand(s);
      return;
    }
    const PartyTable& t = tables.begin()->second;
    if (opts.json) {
      std::cout << DumpJson(Success(PartyTableJson(t)), 4) << std::endl;
    } else {
      PrintTableText(t);
    }
    *exit_code = 0;
  });

  // table list
  static std::string list_ns;
  CLI::App* list = table->add_subcommand("list", "The party's tables (of one namespace)");
  list->add_option("-n,--namespace", list_ns, "Only this namespace");
  AddDataCommandOptions(list, &opts);
  list->callback([exit_code] {
    PartyAgents party(opts.address, opts.party_id);
    std::map<std::pair<std::string, std::string>, PartyTable> tables;
    Status s = AskEveryAgent(
        &party,
        [&](const AgentRegistration& a) -> Result<std::vector<thrift::TTableInfo>> {
          thrift::TTableListRequest req;
          req.protocol_version = rpc::ProtocolVersion();
          if (!list_ns.empty()) req.__set_table_namespace(list_ns);
          thrift::TTableListResponse resp;
          RETURN_NOT_OK(party.Call<thrift::TTableListResponse>(
              a, [&](auto& c, auto& r) { c.TableList(r, req); }, &resp, Idempotency::kIdempotent));
          return resp.tables;
        },
        &tables);
    if (!s.ok()) {
      *exit_code = FailCommand(s);
      return;
    }
    if (opts.json) {
      Json out = Json::array();
      for (const auto& [key, t] : tables) out.push_back(PartyTableJson(t));
      std::cout << DumpJson(Success(out), 4) << std::endl;
    } else if (tables.empty()) {
      std::printf("no tables on party %lld%s\n", static_cast<long long>(opts.party_id),
                  list_ns.empty() ? "" : (" in namespace " + list_ns).c_str());
    } else {
      std::printf("%-20s %-32s %10s %5s %-19s %s\n", "namespace", "name", "count", "part",
                  "created", "agents");
      for (const auto& [key, t] : tables) {
        std::string agents;
        for (const std::string& a : t.agents) agents += (agents.empty() ? "" : ",") + a;
        std::printf("%-20s %-32s %10lld %5d %-19s %s\n", t.info.table_namespace.c_str(),
                    t.info.name.c_str(), static_cast<long long>(t.info.count), t.info.partitions,
                    FormatTime(t.info.create_time_ms).c_str(), agents.c_str());
      }
    }
    *exit_code = 0;
  });

  // table delete
  CLI::App* del = table->add_subcommand("delete", "Delete a table from every live agent");
  del->add_option("-n,--namespace", ns, "Table namespace")->required();
  del->add_option("-t,--name,--table-name", name, "Table name")->required();
  AddDataCommandOptions(del, &opts);
  del->callback([exit_code] {
    PartyAgents party(opts.address, opts.party_id);
    std::map<std::pair<std::string, std::string>, PartyTable> tables;
    Status s = AskEveryAgent(
        &party,
        [&](const AgentRegistration& a) -> Result<std::vector<thrift::TTableInfo>> {
          thrift::TTableDeleteRequest req;
          req.protocol_version = rpc::ProtocolVersion();
          req.table_namespace = ns;
          req.name = name;
          thrift::TTableDeleteResponse resp;
          // Not retried once sent: a retry of a delete that happened would say NotFound.
          RETURN_NOT_OK(party.Call<thrift::TTableDeleteResponse>(
              a, [&](auto& c, auto& r) { c.TableDelete(r, req); }, &resp,
              Idempotency::kNotIdempotent));
          return std::vector<thrift::TTableInfo>{resp.table};
        },
        &tables);
    if (s.ok() && tables.empty()) {
      s = Status::NotFound("table " + ns + "." + name + " does not exist on party " +
                           std::to_string(opts.party_id));
    }
    if (!s.ok()) {
      *exit_code = FailCommand(s);
      return;
    }
    const PartyTable& t = tables.begin()->second;
    if (opts.json) {
      std::cout << DumpJson(Success(PartyTableJson(t)), 4) << std::endl;
    } else {
      std::string agents;
      for (const std::string& a : t.agents) agents += (agents.empty() ? "" : ", ") + a;
      std::printf("deleted table %s.%s (%lld rows) from party %lld (agents %s)\n", ns.c_str(),
                  name.c_str(), static_cast<long long>(t.info.count),
                  static_cast<long long>(opts.party_id), agents.c_str());
    }
    *exit_code = 0;
  });
}

}  // namespace fedflow::cli
