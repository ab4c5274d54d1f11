#include "party-agent/tracking_service.h"

#include <glog/logging.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
#include <utility>

#include "party-agent/store/csv_export.h"
#include "party-agent/store/table_reader.h"

namespace fedflow {

namespace {

namespace fs = std::filesystem;

std::string OutputName(const store::TaskPartyKey& task, std::string_view data_name) {
  return "output \"" + std::string(data_name) + "\" of task " + task.ToString();
}

// A job id that can name a directory under <data_dir>/jobs.
Status CheckJobId(const std::string& job_id) {
  if (job_id.empty() || job_id == "." || job_id == ".." ||
      job_id.find_first_of(std::string("/\0", 2)) != std::string::npos) {
    return Status::InvalidArgument("job id \"" + job_id + "\" cannot name a job directory");
  }
  return Status::OK();
}

// A non-negative decimal directory name ("9999", "0"); false otherwise.
bool ParseDirNumber(const std::string& name, int64_t* out) {
  if (name.empty() || name.size() > 18) return false;
  int64_t v = 0;
  for (char ch : name) {
    if (ch < '0' || ch > '9') return false;
    v = v * 10 + (ch - '0');
  }
  *out = v;
  return true;
}

// The subdirectories of `dir` (none when it does not exist).
std::vector<fs::path> SubDirs(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_directory(type_ec)) out.push_back(it->path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

TrackingService::TrackingService(store::AgentStore* store, std::string data_dir,
                                 RunningTasksFn running, Options options)
    : store_(store),
      data_dir_(std::move(data_dir)),
      running_(std::move(running)),
      options_(options) {}

size_t TrackingService::PartBytes(int32_t requested) const {
  return static_cast<size_t>(
      std::min(requested <= 0 ? options_.default_part_bytes : requested, options_.max_part_bytes));
}

Result<std::map<std::string, std::vector<std::string>>> TrackingService::ListMetrics(
    const store::TaskPartyKey& task) const {
  return store_->ListMetrics(task);
}

Result<MetricPage> TrackingService::GetMetric(const store::TaskPartyKey& task,
                                              std::string_view metric_namespace,
                                              std::string_view name, int64_t offset,
                                              int32_t max_points) const {
  if (offset < 0) return Status::InvalidArgument("metric offset is negative");
  const int64_t limit = std::min(max_points <= 0 ? options_.default_metric_points : max_points,
                                 options_.max_metric_points);
  ASSIGN_OR_RETURN(store::MetricData data, store_->GetMetric(task, metric_namespace, name));
  MetricPage page;
  page.meta = std::move(data.meta);
  page.total_points = static_cast<int64_t>(data.points.size());
  const int64_t begin = std::min(offset, page.total_points);
  const int64_t end = std::min(begin + limit, page.total_points);
  page.points.assign(std::make_move_iterator(data.points.begin() + begin),
                     std::make_move_iterator(data.points.begin() + end));
  page.done = end >= page.total_points;
  return page;
}

Result<std::vector<store::TableMeta>> TrackingService::ListOutputs(const store::TaskPartyKey& task,
                                                                   bool all_versions) const {
  ASSIGN_OR_RETURN(std::vector<store::TableMeta> outputs, store_->ListOutputs(task));
  if (all_versions) return outputs;
  // ListOutputs orders by version then data name: the last of each data name is its latest.
  std::map<std::string, store::TableMeta> latest;
  for (store::TableMeta& m : outputs) {
    if (!m.output) continue;
    const std::string data_name = m.output->data_name;
    latest[data_name] = std::move(m);
  }
  std::vector<store::TableMeta> out;
  for (auto& [data_name, m] : latest) out.push_back(std::move(m));
  return out;
}

Result<OutputPart> TrackingService::ReadOutput(const store::TaskPartyKey& task,
                                               std::string_view data_name, int32_t task_version,
                                               std::string_view cursor_text, int32_t max_bytes,
                                               int64_t max_rows) const {
  if (data_name.empty()) return Status::InvalidArgument("output data name is empty");
  if (max_rows < 0) return Status::InvalidArgument("max_rows is negative");
  const size_t limit = PartBytes(max_bytes);
  std::optional<store::CsvCursor> cursor;
  if (!cursor_text.empty()) {
    ASSIGN_OR_RETURN(cursor, store::ParseCsvCursor(cursor_text, "output cursor"));
  }
  store::OutputRef ref{task, task_version, std::string(data_name)};
  if (task_version < 0) {
    auto latest = store_->LatestOutput(task, data_name);
    if (!latest.ok()) {
      if (cursor && latest.status().IsNotFound()) {
        return Status::Aborted(OutputName(task, data_name) + " was removed during the read");
      }
      return latest.status();
    }
    ref.task_version = latest->output ? latest->output->task_version : 0;
  }
  auto reader = store_->OpenOutput(ref);
  if (!reader.ok()) {
    if (cursor && reader.status().IsNotFound()) {
      return Status::Aborted(OutputName(task, data_name) + " was removed during the read");
    }
    return reader.status();
  }
  const store::TableMeta& meta = (*reader)->meta();
  if (cursor && cursor->generation != meta.generation) {
    return Status::Aborted(OutputName(task, data_name) +
                           " was replaced (the task ran again) during the read; read it again");
  }
  const int64_t end_line = max_rows > 0 ? std::min(max_rows, meta.count) : meta.count;
  store::CsvCursor c = cursor.value_or(store::CsvCursor{meta.generation, -1, 0});
  store::CsvPart csv;
  RETURN_NOT_OK(store::ReadCsvPart(reader->get(), end_line, limit, "output cursor", &c, &csv));
  OutputPart part;
  part.data = std::move(csv.data);
  part.rows = csv.rows;
  part.done = csv.done;
  part.next_cursor = store::FormatCsvCursor(c);
  part.meta = meta;
  return part;
}

Result<std::vector<store::ModelMeta>> TrackingService::ListModels(
    const store::TaskPartyKey& task) const {
  return store_->ListModels(task);
}

Result<ModelPart> TrackingService::ReadModel(const store::TaskPartyKey& task,
                                             std::string_view alias, int64_t offset,
                                             int32_t max_bytes, int64_t create_time_ms) {
  if (offset < 0) return Status::InvalidArgument("model offset is negative");
  const std::string key = task.ToString() + "/" + std::string(alias);
  std::shared_ptr<const store::Model> model;
  {
    std::lock_guard<std::mutex> l(model_mu_);
    if (create_time_ms != 0 && model_ != nullptr && model_key_ == key &&
        model_->meta.create_time_ms == create_time_ms) {
      model = model_;
    }
  }
  if (model == nullptr) {
    ASSIGN_OR_RETURN(store::Model loaded, store_->LoadModel(task, alias));
    if (create_time_ms != 0 && loaded.meta.create_time_ms != create_time_ms) {
      return Status::Aborted("model \"" + std::string(alias) + "\" of task " + task.ToString() +
                             " was saved again during the read; read it again");
    }
    model = std::make_shared<const store::Model>(std::move(loaded));
  }
  const int64_t size = static_cast<int64_t>(model->data.size());
  if (offset > size) {
    return Status::InvalidArgument("model offset " + std::to_string(offset) + " is past its end (" +
                                   std::to_string(size) + " bytes)");
  }
  ModelPart part;
  part.meta = model->meta;
  const size_t take = std::min<size_t>(PartBytes(max_bytes), static_cast<size_t>(size - offset));
  part.data.assign(model->data, static_cast<size_t>(offset), take);
  part.done = offset + static_cast<int64_t>(take) >= size;
  std::lock_guard<std::mutex> l(model_mu_);
  if (part.done) {
    if (model_key_ == key) model_.reset();
  } else {
    model_key_ = key;
    model_ = std::move(model);
  }
  return part;
}

Result<store::Summary> TrackingService::GetSummary(const store::TaskPartyKey& task) const {
  return store_->GetSummary(task);
}

Result<std::vector<store::TaskRecord>> TrackingService::ListTaskRecords(
    const std::string& job_id) const {
  return store_->ListTaskRecords(job_id);
}

Result<std::vector<TaskLogInfo>> TrackingService::ListTaskLogs(const std::string& job_id) const {
  RETURN_NOT_OK(CheckJobId(job_id));
  std::vector<TaskLogInfo> logs;
  // <data_dir>/jobs/<job>/<role>/<party>/<component>/<version>/task.log
  for (const fs::path& role : SubDirs(fs::path(data_dir_) / "jobs" / job_id)) {
    for (const fs::path& party : SubDirs(role)) {
      int64_t party_id = 0;
      if (!ParseDirNumber(party.filename().string(), &party_id)) continue;
      for (const fs::path& component : SubDirs(party)) {
        for (const fs::path& version : SubDirs(component)) {
          int64_t task_version = 0;
          if (!ParseDirNumber(version.filename().string(), &task_version) ||
              task_version > INT32_MAX) {
            continue;
          }
          const fs::path log = version / kTaskLogFile;
          struct stat st {};
          if (::stat(log.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
          TaskLogInfo info;
          info.key = TaskKey{job_id, component.filename().string(), role.filename().string(),
                             party_id, static_cast<int32_t>(task_version)};
          info.size = static_cast<int64_t>(st.st_size);
          info.modify_time_ms =
              static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1000000;
          logs.push_back(std::move(info));
        }
      }
    }
  }
  std::sort(logs.begin(), logs.end(),
            [](const TaskLogInfo& a, const TaskLogInfo& b) { return a.key < b.key; });
  return logs;
}

Result<LogPart> TrackingService::ReadTaskLog(const TaskKey& key, int64_t offset,
                                             int32_t max_bytes) const {
  if (offset < 0) return Status::InvalidArgument("log offset is negative");
  ASSIGN_OR_RETURN(std::string dir, TaskWorkDir(data_dir_, key));
  const std::string path = dir + "/" + kTaskLogFile;
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    if (errno == ENOENT) return Status::NotFound("no log of task " + key.ToString() + " here");
    return Status::IOError("cannot open " + path + ": " + std::strerror(errno));
  }
  std::unique_ptr<FILE, int (*)(FILE*)> closer(f, &std::fclose);
  if (std::fseek(f, 0, SEEK_END) != 0) {
    return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  }
  LogPart part;
  part.size = static_cast<int64_t>(std::ftell(f));
  if (offset > part.size) {
    return Status::InvalidArgument("log offset " + std::to_string(offset) + " is past the end of " +
                                   path + " (" + std::to_string(part.size) + " bytes)");
  }
  const size_t want =
      std::min<size_t>(PartBytes(max_bytes), static_cast<size_t>(part.size - offset));
  part.data.resize(want);
  if (std::fseek(f, static_cast<long>(offset), SEEK_SET) != 0) {
    return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  }
  const size_t n = want == 0 ? 0 : std::fread(part.data.data(), 1, want, f);
  if (n < want && std::ferror(f)) {
    return Status::IOError("cannot read " + path + ": " + std::strerror(errno));
  }
  part.data.resize(n);
  part.next_offset = offset + static_cast<int64_t>(n);
  part.done = part.next_offset >= part.size;
  return part;
}

Result<int64_t> TrackingService::CleanJob(const std::string& job_id) {
  if (job_id.empty()) return Status::InvalidArgument("job id is empty");
  if (running_) {
    const std::vector<std::string> running = running_(job_id);
    if (!running.empty()) {
      std::string names;
      for (const std::string& t : running) names += (names.empty() ? "" : ", ") + t;
      return Status::IllegalState("job " + job_id + " has tasks running on this agent (" + names +
                                  "); clean it once they have ended");
    }
  }
  ASSIGN_OR_RETURN(int64_t removed, store_->CleanJob(job_id));
  LOG(INFO) << "job=" << job_id << ": cleaned, " << removed << " output tables removed";
  return removed;
}

}  // namespace fedflow
