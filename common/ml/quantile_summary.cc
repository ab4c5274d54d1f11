#include "common/ml/quantile_summary.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace fedflow::ml {

QuantileSummary::QuantileSummary(QuantileSummaryOptions options) : options_(std::move(options)) {}

void QuantileSummary::Insert(double x) {
  if (std::isnan(x) || std::find(options_.abnormal_values.begin(), options_.abnormal_values.end(),
                                 x) != options_.abnormal_values.end()) {
    ++missing_count_;
    return;
  }
  head_.push_back(x);
  if (static_cast<int64_t>(head_.size()) >= options_.head_size) {
    InsertHeadBuffer();
    if (static_cast<int64_t>(sampled_.size()) >= options_.compress_thres) Compress();
  }
}

void QuantileSummary::InsertHeadBuffer() {
  if (head_.empty()) return;
  int64_t current_count = count_;
  std::vector<double> sorted_head = head_;
  std::sort(sorted_head.begin(), sorted_head.end());
  const size_t head_len = sorted_head.size();
  const size_t sample_len = sampled_.size();
  std::vector<Entry> merged;
  merged.reserve(head_len + sample_len);
  size_t sample_idx = 0;
  for (size_t ops_idx = 0; ops_idx < head_len; ++ops_idx) {
    double current = sorted_head[ops_idx];
    while (sample_idx < sample_len && sampled_[sample_idx].value <= current) {
      merged.push_back(sampled_[sample_idx++]);
    }
    ++current_count;
    int64_t delta = 0;
    // The first entry and the last one inserted keep delta 0.
    bool first = merged.empty();
    bool last = sample_idx == sample_len && ops_idx == head_len - 1;
    if (!first && !last) {
      delta = static_cast<int64_t>(std::floor(2 * options_.error * current_count));
    }
    merged.push_back(Entry{current, 1, delta});
  }
  merged.insert(merged.end(), sampled_.begin() + sample_idx, sampled_.end());
  sampled_ = std::move(merged);
  head_.clear();
  count_ = current_count;
}

void QuantileSummary::Compress() {
  InsertHeadBuffer();
  sampled_ = CompressImmut(2 * options_.error * count_);
}

std::vector<QuantileSummary::Entry> QuantileSummary::CompressImmut(double merge_threshold) const {
  if (sampled_.empty()) return sampled_;
  std::vector<Entry> res;
  Entry head = sampled_.back();
  int64_t sum_g_delta = head.g + head.delta;
  // The last entry is never merged away; entries 1..n-2 merge into the one above them.
  for (int64_t i = static_cast<int64_t>(sampled_.size()) - 2; i >= 1; --i) {
    const Entry& entry = sampled_[i];
    if (entry.g + sum_g_delta < merge_threshold) {
      head.g += entry.g;
      sum_g_delta += entry.g;
    } else {
      res.push_back(head);
      head = entry;
      sum_g_delta = head.g + head.delta;
    }
  }
  res.push_back(head);
  const Entry& first = sampled_.front();
  if (first.value <= head.value && sampled_.size() > 1) res.push_back(first);
  std::reverse(res.begin(), res.end());
  return res;
}

QuantileSummary QuantileSummary::Merge(QuantileSummary a, QuantileSummary b) {
  if (!b.head_.empty()) b.Compress();
  if (!a.head_.empty()) a.Compress();
  if (b.count_ == 0) return a;
  if (a.count_ == 0) return b;
  QuantileSummary out(a.options_);
  out.count_ = a.count_ + b.count_;
  out.missing_count_ = a.missing_count_ + b.missing_count_;
  size_t i = 0, j = 0;
  while (i < a.sampled_.size() && j < b.sampled_.size()) {
    if (a.sampled_[i].value < b.sampled_[j].value) {
      out.sampled_.push_back(a.sampled_[i++]);
    } else {
      out.sampled_.push_back(b.sampled_[j++]);
    }
  }
  out.sampled_.insert(out.sampled_.end(), a.sampled_.begin() + i, a.sampled_.end());
  out.sampled_.insert(out.sampled_.end(), b.sampled_.begin() + j, b.sampled_.end());
  out.sampled_ = out.CompressImmut(2 * out.options_.error * out.count_);
  return out;
}

double QuantileSummary::Query(double q) {
  if (!head_.empty()) Compress();
  q = std::clamp(q, 0.0, 1.0);
  if (count_ == 0) return 0;
  if (q <= options_.error) return sampled_.front().value;
  if (q >= 1 - options_.error) return sampled_.back().value;
  const int64_t rank = static_cast<int64_t>(std::ceil(q * count_));
  const int64_t target_error = static_cast<int64_t>(std::ceil(options_.error * count_));
  int64_t min_rank = 0;
  for (size_t i = 1; i + 1 < sampled_.size(); ++i) {
    min_rank += sampled_[i].g;
    int64_t max_rank = min_rank + sampled_[i].delta;
    if (max_rank - target_error <= rank && rank <= min_rank + target_error) {
      return sampled_[i].value;
    }
  }
  return sampled_.back().value;
}

std::vector<double> QuantileSummary::QueryList(const std::vector<double>& rates) {
  if (!head_.empty()) Compress();
  if (count_ == 0) return std::vector<double>(rates.size(), 0.0);
  // One entry: FATE's loop below would answer nothing (and fail its length assertion).
  if (sampled_.size() == 1) return std::vector<double>(rates.size(), sampled_.front().value);
  std::vector<double> out;
  const size_t n = rates.size();
  size_t i = 0;
  while (i < n && rates[i] <= options_.error) {
    out.push_back(sampled_.front().value);
    ++i;
  }
  // FATE tests rates[i] (not rates[j]) here: the rates from i on are all answered in the main
  // loop unless rates[i] itself is within `error` of 1.
  int64_t j = static_cast<int64_t>(n) - 1;
  if (i < n) {
    while (j >= 0 && rates[i] >= 1 - options_.error) --j;
  }
  const size_t last = sampled_.size() - 1;
  size_t k = 1;
  int64_t min_rank = 0;
  for (; static_cast<int64_t>(i) <= j; ++i) {
    const int64_t rank = static_cast<int64_t>(std::ceil(rates[i] * count_));
    const int64_t target_error = static_cast<int64_t>(std::ceil(options_.error * count_));
    while (k < last) {
      min_rank += sampled_[k].g;
      int64_t max_rank = min_rank + sampled_[k].delta;
      if (max_rank - target_error <= rank && rank <= min_rank + target_error) {
        out.push_back(sampled_[k].value);
        min_rank -= sampled_[k].g;  // the next rate starts again at entry k
        break;
      }
      ++k;
    }
    if (k == last) out.push_back(sampled_.back().value);
  }
  while (j + 1 < static_cast<int64_t>(n)) {
    ++j;
    out.push_back(sampled_.back().value);
  }
  return out;
}

}  // namespace fedflow::ml
