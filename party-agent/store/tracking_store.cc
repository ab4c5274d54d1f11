// AgentStore: tracking data of tasks (models, metrics, summaries, task records).

#include <algorithm>
#include <utility>

#include <leveldb/db.h>
#include <leveldb/iterator.h>

#include "common/json_util.h"
#include "party-agent/store/agent_store.h"
#include "party-agent/store/store_codec.h"
#include "party-agent/store/store_keys.h"

namespace fedflow::store {

namespace {

Status CheckMetricName(std::string_view ns, std::string_view name) {
  if (ns.empty()) return Status::InvalidArgument("metric namespace is empty");
  if (name.empty()) return Status::InvalidArgument("metric name is empty");
  return Status::OK();
}

std::string MetricName(const TaskPartyKey& task, std::string_view ns, std::string_view name) {
  return "metric " + std::string(ns) + "/" + std::string(name) + " of task " + task.ToString();
}

// Splits "<a>/<b>/<rest>" into its first two escaped parts.
bool SplitTwo(std::string_view s, std::string_view* a, std::string_view* b) {
  const size_t i = s.find('/');
  if (i == std::string_view::npos) return false;
  const size_t j = s.find('/', i + 1);
  if (j == std::string_view::npos) return false;
  *a = s.substr(0, i);
  *b = s.substr(i + 1, j - i - 1);
  return true;
}

}  // namespace

Status AgentStore::SaveModel(const TaskPartyKey& task, ModelMeta meta, std::string_view data) {
  RETURN_NOT_OK(task.Validate());
  if (meta.alias.empty()) return Status::InvalidArgument("model alias is empty");
  if (data.size() > codec::kMaxValueBytes - (1 << 20)) {
    return Status::InvalidArgument("model " + meta.alias + " of task " + task.ToString() + " has " +
                                   std::to_string(data.size()) +
                                   " bytes; the store keeps models up to 1 GiB");
  }
  meta.job_id = task.job_id;
  meta.component = task.component;
  meta.role = task.role;
  meta.party_id = task.party_id;
  meta.create_time_ms = NowMs();
  meta.size = static_cast<int64_t>(data.size());
  Model model{std::move(meta), std::string(data)};
  return Put(keys::Model(task, model.meta.alias), codec::EncodeModel(model), true);
}

Result<Model> AgentStore::LoadModel(const TaskPartyKey& task, std::string_view alias) const {
  RETURN_NOT_OK(task.Validate());
  const std::string key = keys::Model(task, alias);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(key));
  if (!value) {
    return Status::NotFound("task " + task.ToString() + " has no model \"" + std::string(alias) +
                            "\"");
  }
  return codec::DecodeModel(*value, key);
}

Result<std::vector<ModelMeta>> AgentStore::ListModels(const TaskPartyKey& task) const {
  RETURN_NOT_OK(task.Validate());
  std::vector<ModelMeta> metas;
  RETURN_NOT_OK(Scan(keys::TaskPrefix(keys::kModel, task),
                     [&](std::string_view key, std::string_view value) -> Status {
                       ASSIGN_OR_RETURN(Model model, codec::DecodeModel(value, key));
                       metas.push_back(std::move(model.meta));
                       return Status::OK();
                     }));
  return metas;
}

Status AgentStore::SaveMetricMeta(const TaskPartyKey& task, const MetricMeta& meta) {
  RETURN_NOT_OK(task.Validate());
  RETURN_NOT_OK(CheckMetricName(meta.metric_namespace, meta.name));
  RETURN_NOT_OK_PREPEND(ParseJson(meta.extra_metas_json, "extra_metas").status(),
                        MetricName(task, meta.metric_namespace, meta.name));
  return Put(keys::MetricMeta(task, meta.metric_namespace, meta.name),
             codec::EncodeMetricMeta(meta), true);
}

Status AgentStore::LogMetricData(const TaskPartyKey& task, std::string_view metric_namespace,
                                 std::string_view name, std::vector<MetricPoint> points) {
  RETURN_NOT_OK(task.Validate());
  RETURN_NOT_OK(CheckMetricName(metric_namespace, name));
  if (points.empty()) return Status::OK();
  const int64_t now = NowMs();
  for (MetricPoint& p : points) {
    if (p.timestamp_ms == 0) p.timestamp_ms = now;
  }
  const std::string prefix = keys::MetricPointsPrefix(task, metric_namespace, name);
  std::lock_guard<std::mutex> l(metric_mu_);
  // The next sequence number follows the metric's last points key.
  int64_t seq = 0;
  {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
    it->Seek(keys::PrefixEnd(prefix));
    it->Valid() ? it->Prev() : it->SeekToLast();
    if (it->Valid() && it->key().starts_with(prefix)) {
      const leveldb::Slice k = it->key();
      ASSIGN_OR_RETURN(uint64_t last, keys::ParseNumber(std::string_view(
                                          k.data() + prefix.size(), k.size() - prefix.size())));
      seq = static_cast<int64_t>(last) + 1;
    }
    if (!it->status().ok()) return Status::IOError(it->status().ToString());
  }
  std::string key = prefix;
  keys::AppendPadded(&key, static_cast<uint64_t>(seq), keys::kSeqDigits);
  return Put(key, codec::EncodeMetricPoints(points), true);
}

Result<std::map<std::string, std::vector<std::string>>> AgentStore::ListMetrics(
    const TaskPartyKey& task) const {
  RETURN_NOT_OK(task.Validate());
  const std::string prefix = keys::TaskPrefix(keys::kMetric, task);
  std::map<std::string, std::vector<std::string>> out;
  std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
  it->Seek(prefix);
  while (it->Valid() && it->key().starts_with(prefix)) {
    const std::string rest = it->key().ToString().substr(prefix.size());
    std::string_view ns_part, name_part;
    if (!SplitTwo(rest, &ns_part, &name_part)) {
      return Status::IOError("agent store " + path_ + ": malformed metric key " +
                             it->key().ToString());
    }
    ASSIGN_OR_RETURN(std::string ns, keys::UnescapeKeyPart(ns_part));
    ASSIGN_OR_RETURN(std::string name, keys::UnescapeKeyPart(name_part));
    // Skip the metric's other keys.
    it->Seek(keys::PrefixEnd(keys::MetricPrefix(task, ns, name)));
    out[ns].push_back(std::move(name));
  }
  if (!it->status().ok()) return Status::IOError(it->status().ToString());
  for (auto& [ns, names] : out) std::sort(names.begin(), names.end());
  return out;
}

Result<MetricData> AgentStore::GetMetric(const TaskPartyKey& task,
                                         std::string_view metric_namespace,
                                         std::string_view name) const {
  RETURN_NOT_OK(task.Validate());
  RETURN_NOT_OK(CheckMetricName(metric_namespace, name));
  MetricData data;
  const leveldb::Snapshot* snapshot = db_->GetSnapshot();
  const std::string meta_key = keys::MetricMeta(task, metric_namespace, name);
  auto meta_value = Get(meta_key, snapshot);
  Status s = meta_value.status();
  if (s.ok() && *meta_value) {
    auto meta = codec::DecodeMetricMeta(**meta_value, meta_key);
    if (meta.ok()) data.meta = std::move(meta).value();
    s = meta.status();
  }
  if (s.ok()) {
    s = Scan(
        keys::MetricPointsPrefix(task, metric_namespace, name),
        [&](std::string_view key, std::string_view value) {
          return codec::DecodeMetricPoints(value, key, &data.points);
        },
        snapshot);
  }
  db_->ReleaseSnapshot(snapshot);
  RETURN_NOT_OK(s);
  if (!data.meta && data.points.empty()) {
    return Status::NotFound(MetricName(task, metric_namespace, name) + " does not exist");
  }
  return data;
}

Status AgentStore::SaveSummary(const TaskPartyKey& task, std::string_view json,
                               int32_t task_version) {
  RETURN_NOT_OK(task.Validate());
  RETURN_NOT_OK_PREPEND(ParseJson(json, "summary").status(), "summary of task " + task.ToString());
  return Put(keys::Summary(task),
             codec::EncodeSummary(Summary{std::string(json), task_version, NowMs()}), true);
}

Result<Summary> AgentStore::GetSummary(const TaskPartyKey& task) const {
  RETURN_NOT_OK(task.Validate());
  const std::string key = keys::Summary(task);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(key));
  if (!value) return Status::NotFound("task " + task.ToString() + " has no summary");
  return codec::DecodeSummary(*value, key);
}

Status AgentStore::PutTaskRecord(TaskRecord record) {
  RETURN_NOT_OK(record.party_key().Validate());
  record.update_time_ms = NowMs();
  if (record.create_time_ms == 0) record.create_time_ms = record.update_time_ms;
  return Put(keys::Task(record.party_key(), record.task_version), codec::EncodeTaskRecord(record),
             true);
}

Result<TaskRecord> AgentStore::GetTaskRecord(const TaskPartyKey& task, int32_t version) const {
  RETURN_NOT_OK(task.Validate());
  const std::string key = keys::Task(task, version);
  ASSIGN_OR_RETURN(std::optional<std::string> value, Get(key));
  if (!value) {
    return Status::NotFound("no record of task " + task.ToString() + " version " +
                            std::to_string(version));
  }
  return codec::DecodeTaskRecord(*value, key);
}

Result<std::vector<TaskRecord>> AgentStore::ListTaskRecords(std::string_view job_id) const {
  if (job_id.empty()) return Status::InvalidArgument("job id is empty");
  std::vector<TaskRecord> records;
  RETURN_NOT_OK(Scan(keys::JobPrefix(keys::kTask, job_id),
                     [&](std::string_view key, std::string_view value) -> Status {
                       ASSIGN_OR_RETURN(TaskRecord r, codec::DecodeTaskRecord(value, key));
                       records.push_back(std::move(r));
                       return Status::OK();
                     }));
  return records;
}

}  // namespace fedflow::store
