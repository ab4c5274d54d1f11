#include "cli/tracking_command.h"

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cli/tracking_task.h"
#include "common/json_util.h"
#include "common/rpc/thrift_status.h"

namespace fedflow::cli {

namespace tracking {
namespace {

using rpc::Idempotency;

Json ScalarJson(const thrift::TMetricScalar& v) {
  if (v.__isset.number) return v.number;
  return v.text;
}

std::string ScalarText(const thrift::TMetricScalar& v) {
  if (!v.__isset.number) return v.text;
  return DumpJson(Json(v.number));
}

// ---- Metrics ----

Result<std::map<std::string, std::vector<std::string>>> AskMetrics(PartyAgents* party,
                                                                   const TaskArgs& args,
                                                                   const AgentRegistration& a) {
  thrift::TTrackingMetricsRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = args.Task();
  thrift::TTrackingMetricsResponse resp;
  RETURN_NOT_OK(party->Call<thrift::TTrackingMetricsResponse>(
      a, [&](auto& c, auto& r) { c.TrackingMetrics(r, req); }, &resp, Idempotency::kIdempotent));
  return resp.metrics;
}

// One metric: its meta and every point.
struct Metric {
  std::optional<thrift::TMetricMetaInfo> meta;
  std::vector<thrift::TMetricPointInfo> points;
};

// Reads every point of the metric from `a` (page by page). NotFound when `a` holds none.
Result<Metric> ReadMetric(PartyAgents* party, const TaskArgs& args, const AgentRegistration& a,
                          const std::string& ns, const std::string& name) {
  Metric m;
  thrift::TTrackingMetricDataRequest req;
  req.protocol_version = rpc::ProtocolVersion();
  req.task = args.Task();
  req.metric_namespace = ns;
  req.metric_name = name;
  while (true) {
    req.__set_offset(static_cast<int64_t>(m.points.size()));
    thrift::TTrackingMetricDataResponse resp;
    RETURN_NOT_OK(party->Call<thrift::TTrackingMetricDataResponse>(
        a, [&](auto& c, auto& r) { c.TrackingMetricData(r, req); }, &resp,
        Idempotency::kIdempotent));
    if (resp.__isset.meta) m.meta = resp.meta;
    m.points.insert(m.points.end(), resp.points.begin(), resp.points.end());
    if (resp.done || resp.points.empty()) break;
  }
  return m;
}

Json MetricJson(const Metric& m) {
  Json data = Json::array();
  for (const auto& p : m.points)
    data.push_back(Json::array({ScalarJson(p.key), ScalarJson(p.value)}));
  Json meta = nullptr;
  if (m.meta) {
    auto extra = ParseJson(m.meta->extra_metas_json, "extra_metas");
    meta = Json{{"name", m.meta->name},
                {"metric_namespace", m.meta->metric_namespace},
                {"metric_type", m.meta->metric_type},
                {"extra_metas", extra.ok() ? *extra : Json(m.meta->extra_metas_json)}};
  }
  return Json{{"data", data}, {"meta", meta}};
}

void PrintMetric(const std::string& ns, const std::string& name, const Metric& m) {
  std::printf("metric %s/%s", ns.c_str(), name.c_str());
  if (m.meta) {
    std::printf(": type %s, extra_metas %s", m.meta->metric_type.c_str(),
                m.meta->extra_metas_json.c_str());
  }
  std::printf(" (%zu points)\n", m.points.size());
  for (const auto& p : m.points) {
    std::printf("  %-24s %s\n", ScalarText(p.key).c_str(), ScalarText(p.value).c_str());
  }
}

using MetricNames = std::map<std::string, std::vector<std::string>>;

Result<std::vector<Held<MetricNames>>> FindMetrics(PartyAgents* party, const TaskArgs& args) {
  return FindHolders<MetricNames>(
      party, args, "metrics",
      [&](const AgentRegistration& a) -> Result<std::optional<MetricNames>> {
        ASSIGN_OR_RETURN(MetricNames names, AskMetrics(party, args, a));
        if (names.empty()) return {std::nullopt};
        return {std::move(names)};
      });
}

int RunMetrics(const TaskArgs& args) {
  PartyAgents party(args.o.address, args.o.party_id);
  auto held = FindMetrics(&party, args);
  if (!held.ok()) return FailCommand(held.status());
  // A task retried on another agent may have left metrics on both: show each agent's.
  MetricNames all;
  std::vector<std::string> agents;
  for (const auto& h : *held) {
    agents.push_back(h.agent.agent_id);
    for (const auto& [ns, names] : h.value) {
      auto& list = all[ns];
      for (const std::string& n : names) {
        if (std::find(list.begin(), list.end(), n) == list.end()) list.push_back(n);
      }
      std::sort(list.begin(), list.end());
    }
  }
  if (args.o.json) {
    Json out = Success(Json(all));
    out["agents"] = agents;
    std::cout << DumpJson(out, 4) << std::endl;
  } else {
    std::string ids;
    for (const std::string& a : agents) ids += (ids.empty() ? "" : ", ") + a;
    std::printf("metrics of %s, party %lld (agent %s):\n", args.Describe().c_str(),
                static_cast<long long>(args.o.party_id), ids.c_str());
    for (const auto& [ns, names] : all) {
      std::string list;
      for (const std::string& n : names) list += (list.empty() ? "" : ", ") + n;
      std::printf("  %s: %s\n", ns.c_str(), list.c_str());
    }
  }
  return 0;
}

int RunMetricData(const TaskArgs& args, const std::string& ns, const std::string& name) {
  PartyAgents party(args.o.address, args.o.party_id);
  auto held = FindHolders<Metric>(&party, args, "metric " + ns + "/" + name,
                                  [&](const AgentRegistration& a) -> Result<std::optional<Metric>> {
                                    auto m = ReadMetric(&party, args, a, ns, name);
                                    if (m.status().IsNotFound()) return {std::nullopt};
                                    RETURN_NOT_OK(m.status());
                                    return {std::move(m).value()};
                                  });
  if (!held.ok()) return FailCommand(held.status());
  const auto& from = held->front();
  if (args.o.json) {
    Json m = MetricJson(from.value);
    Json out{{"retcode", 0}, {"retmsg", "success"}, {"data", m["data"]}, {"meta", m["meta"]}};
    out["agent"] = from.agent.agent_id;
    std::cout << DumpJson(out, 4) << std::endl;
  } else {
    std::printf("%s, party %lld (agent %s)\n", args.Describe().c_str(),
                static_cast<long long>(args.o.party_id), from.agent.agent_id.c_str());
    PrintMetric(ns, name, from.value);
  }
  return 0;
}

int RunMetricAll(const TaskArgs& args) {
  PartyAgents party(args.o.address, args.o.party_id);
  auto held = FindMetrics(&party, args);
  if (!held.ok()) return FailCommand(held.status());
  // FATE's metric/all: namespace -> name -> {data, meta}, each from the first agent holding it.
  Json all = Json::object();
  if (!args.o.json) {
    std::printf("metrics of %s, party %lld\n", args.Describe().c_str(),
                static_cast<long long>(args.o.party_id));
  }
  std::map<std::pair<std::string, std::string>, bool> shown;
  for (const auto& h : *held) {
    for (const auto& [ns, names] : h.value) {
      for (const std::string& name : names) {
        if (shown[{ns, name}]) continue;
        shown[{ns, name}] = true;
        auto m = ReadMetric(&party, args, h.agent, ns, name);
        if (!m.ok()) return FailCommand(m.status());
        if (args.o.json) {
          all[ns][name] = MetricJson(*m);
        } else {
          PrintMetric(ns, name, *m);
        }
      }
    }
  }
  if (args.o.json) std::cout << DumpJson(Success(all), 4) << std::endl;
  return 0;
}

// ---- Summary ----

int RunSummary(const TaskArgs& args) {
  PartyAgents party(args.o.address, args.o.party_id);
  auto held = FindHolders<thrift::TTrackingSummaryResponse>(
      &party, args, "a summary",
      [&](const AgentRegistration& a) -> Result<std::optional<thrift::TTrackingSummaryResponse>> {
        thrift::TTrackingSummaryRequest req;
        req.protocol_version = rpc::ProtocolVersion();
        req.task = args.Task();
        thrift::TTrackingSummaryResponse resp;
        Status s = party.Call<thrift::TTrackingSummaryResponse>(
            a, [&](auto& c, auto& r) { c.TrackingSummary(r, req); }, &resp,
            Idempotency::kIdempotent);
        if (s.IsNotFound()) return {std::nullopt};
        RETURN_NOT_OK(s);
        return {std::move(resp)};
      });
  if (!held.ok()) return FailCommand(held.status());
  const auto& from =
      Newest(*held, [](const thrift::TTrackingSummaryResponse& r) { return r.task_version; });
  auto summary = ParseJson(from.value.summary_json, "summary");
  if (!summary.ok()) return FailCommand(summary.status());
  if (args.o.json) {
    Json out = Success(*summary);
    out["agent"] = from.agent.agent_id;
    out["task_version"] = from.value.task_version;
    std::cout << DumpJson(out, 4) << std::endl;
  } else {
    std::printf("summary of %s, party %lld, task version %d (agent %s):\n%s\n",
                args.Describe().c_str(), static_cast<long long>(args.o.party_id),
                from.value.task_version, from.agent.agent_id.c_str(),
                DumpJson(*summary, 4).c_str());
  }
  return 0;
}

}  // namespace
}  // namespace tracking

void RegisterTrackingCommands(CLI::App* app, int* exit_code) {
  // Options live as long as the app: main() parses and runs callbacks within its scope.
  static tracking::TaskArgs args;
  CLI::App* group = app->add_subcommand(
      "tracking", "What a party's task recorded: metrics, output data, models, summary");
  group->alias("component");
  group->require_subcommand(1);

  CLI::App* metrics = group->add_subcommand("metrics", "The task's metric names by namespace");
  tracking::AddTaskOptions(metrics, &args);
  metrics->callback([exit_code] { *exit_code = tracking::RunMetrics(args); });

  static std::string metric_ns, metric_name;
  CLI::App* metric_data = group->add_subcommand("metric-data", "One metric's meta and points");
  metric_data->alias("metric");
  tracking::AddTaskOptions(metric_data, &args);
  metric_data->add_option("--metric-namespace,--namespace", metric_ns, "Metric namespace")
      ->required();
  metric_data->add_option("--metric-name,--name", metric_name, "Metric name")->required();
  metric_data->callback(
      [exit_code] { *exit_code = tracking::RunMetricData(args, metric_ns, metric_name); });

  CLI::App* metric_all = group->add_subcommand("metric-all", "Every metric's meta and points");
  tracking::AddTaskOptions(metric_all, &args);
  metric_all->callback([exit_code] { *exit_code = tracking::RunMetricAll(args); });

  static int64_t limit = 10;
  static std::string data_name, data_dir;
  CLI::App* output_data = group->add_subcommand(
      "output-data", "The task's output tables: the first rows and the count; -o writes them");
  tracking::AddTaskOptions(output_data, &args);
  output_data->add_option("--limit", limit, "Rows to show of each output (default 10)")
      ->check(CLI::NonNegativeNumber);
  output_data->add_option("--data-name", data_name, "Only this output (data, train, ...)");
  output_data->add_option("-o,--output-path", data_dir,
                          "Write each output's CSV (with header) to "
                          "DIR/job_<job>_<cpn>_<role>_<party>_output_data/<data name>.csv");
  output_data->callback(
      [exit_code] { *exit_code = tracking::RunOutputData(args, limit, data_name, data_dir); });

  static std::string alias, model_dir;
  CLI::App* output_model =
      group->add_subcommand("output-model", "The task's models; -o writes their bytes");
  tracking::AddTaskOptions(output_model, &args);
  output_model->add_option("--alias,--model-alias", alias, "Only this model alias");
  output_model->add_option("-o,--output-path", model_dir,
                           "Write each model to "
                           "DIR/job_<job>_<cpn>_<role>_<party>_output_model/<alias>.bin");
  output_model->callback(
      [exit_code] { *exit_code = tracking::RunOutputModel(args, alias, model_dir); });

  CLI::App* summary = group->add_subcommand("summary", "The task's summary (JSON)");
  summary->alias("get-summary");
  tracking::AddTaskOptions(summary, &args);
  summary->callback([exit_code] { *exit_code = tracking::RunSummary(args); });
}

}  // namespace fedflow::cli
