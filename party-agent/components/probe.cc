#include "party-agent/components/probe.h"

#include <signal.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <glog/logging.h>

#include "party-agent/components/parameter_reader.h"

namespace fedflow {

namespace {

// Copies the first data input to the first output data name, or, for a Probe without data
// input, writes a small generated table there, so that a chain of Probes passes data along
// and a downstream Probe fails when its upstream output is missing (lost with an agent, or
// removed by `job clean`). Returns the rows written, or -1 when the Probe has no data output.
Result<int64_t> PassThrough(const TaskContext& ctx) {
  const std::vector<std::string> outputs = ctx.OutputDataNames();
  for (const auto& [key, entries] : ctx.DataInputs()) {
    if (entries == 0) continue;
    ASSIGN_OR_RETURN(std::unique_ptr<InputTable> in, ctx.OpenInput(key, 0));
    if (outputs.empty()) return -1;
    ASSIGN_OR_RETURN(int64_t rows, CopyTable(ctx, in.get(), outputs.front()));
    LOG(INFO) << ctx.LogPrefix() << "Probe: passed " << rows << " rows of " << in->what()
              << " to output " << outputs.front();
    return rows;
  }
  if (outputs.empty()) return -1;
  TableSchema schema;
  schema.ns = ctx.key().job_id;
  schema.name = ctx.key().component + "." + outputs.front();
  schema.header = {"id", "x"};
  schema.id_column = "id";
  schema.header_line = "id,x";
  ASSIGN_OR_RETURN(std::unique_ptr<OutputTable> out,
                   ctx.storage().CreateOutput(outputs.front(), schema));
  constexpr int kRows = 8;
  for (int i = 0; i < kRows; ++i) {
    RETURN_NOT_OK(out->Add(std::to_string(i) + "," + std::to_string(ctx.key().party_id)));
  }
  ASSIGN_OR_RETURN(int64_t rows, out->Commit());
  LOG(INFO) << ctx.LogPrefix() << "Probe: wrote " << rows << " generated rows to output "
            << outputs.front();
  return rows;
}

// What the tracking commands show for a Probe: a metric, a model and a summary.
Status Track(const TaskContext& ctx, int64_t rows) {
  TaskStorageClient& storage = ctx.storage();
  RETURN_NOT_OK(storage.LogMetric("probe", "progress",
                                  {{0.0, 1.0}, {1.0, 0.5}, {2.0, 0.25}}));
  RETURN_NOT_OK(storage.SetMetricMeta("probe", "progress", "LOSS", Json{{"unit", "iteration"}}));
  RETURN_NOT_OK(storage.SaveModel("model", "Probe", "probe model of " + ctx.key().ToString()));
  return storage.SaveSummary(Json{{"rows", rows < 0 ? 0 : rows},
                                  {"role", ctx.key().role},
                                  {"party_id", ctx.key().party_id},
                                  {"task_version", ctx.key().task_version}});
}

}  // namespace

Result<Probe::Params> Probe::ParseParams(const Json& component_parameters) {
  Params p;
  ParameterReader reader("Probe", component_parameters);
  RETURN_NOT_OK(reader.ReadInt("sleep_ms", &p.sleep_ms));
  RETURN_NOT_OK(reader.ReadBool("fail", &p.fail));
  RETURN_NOT_OK(reader.ReadBool("crash", &p.crash));
  RETURN_NOT_OK(reader.ReadBool("ignore_sigterm", &p.ignore_sigterm));
  RETURN_NOT_OK(reader.ReadInt("fail_attempts", &p.fail_attempts));
  RETURN_NOT_OK(reader.ReadBool("track", &p.track));
  RETURN_NOT_OK(reader.CheckNoUnknown());
  if (p.sleep_ms < 0) {
    return Status::InvalidArgument("Probe: parameter \"sleep_ms\": must not be negative, got " +
                                   std::to_string(p.sleep_ms));
  }
  return p;
}

Status Probe::Run(TaskContext& ctx) {
  ASSIGN_OR_RETURN(Params p, ParseParams(ctx.component_parameters()));
  if (p.ignore_sigterm) {
    // Process-wide on purpose: the test is whether the agent escalates to SIGKILL.
    ::signal(SIGTERM, SIG_IGN);
    LOG(INFO) << ctx.LogPrefix() << "Probe: ignoring SIGTERM (ignore_sigterm=true)";
  }
  if (p.sleep_ms > 0) {
    LOG(INFO) << ctx.LogPrefix() << "Probe: sleeping " << p.sleep_ms << " ms";
    RETURN_NOT_OK(ctx.SleepFor(p.sleep_ms));
  }
  if (p.crash) {
    LOG(ERROR) << ctx.LogPrefix() << "Probe: aborting as requested (crash=true)";
    std::abort();
  }
  if (p.fail) return Status::Aborted("Probe: failing as requested (fail=true)");
  if (ctx.key().task_version < p.fail_attempts) {
    return Status::Aborted("Probe: failing as requested (task_version " +
                           std::to_string(ctx.key().task_version) + " < fail_attempts " +
                           std::to_string(p.fail_attempts) + ")");
  }
  auto rows = PassThrough(ctx);
  if (!rows.ok()) return rows.status().CloneAndPrepend("Probe");
  if (p.track) RETURN_NOT_OK_PREPEND(Track(ctx, *rows), "Probe: tracking");
  LOG(INFO) << ctx.LogPrefix() << "Probe: done";
  return Status::OK();
}

}  // namespace fedflow
