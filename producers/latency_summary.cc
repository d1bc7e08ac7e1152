#include "producers/latency_summary.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "absl/strings/str_format.h"

namespace newsflow::producers {
namespace {

// Value at nearest rank ceil(p/100 * n) (1-based) of the sorted values.
int64_t NearestRank(const std::vector<int64_t>& sorted, double percent) {
  const double rank = std::ceil(percent / 100.0 * static_cast<double>(sorted.size()));
  const size_t index = static_cast<size_t>(std::max(1.0, rank)) - 1;
  return sorted[std::min(index, sorted.size() - 1)];
}

}  // namespace

LatencySummary SummarizeLatencies(std::vector<int64_t> latencies_ms) {
  LatencySummary summary;
  if (latencies_ms.empty()) return summary;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  summary.count = latencies_ms.size();
  summary.min_ms = latencies_ms.front();
  summary.max_ms = latencies_ms.back();
  summary.p50_ms = NearestRank(latencies_ms, 50);
  summary.p90_ms = NearestRank(latencies_ms, 90);
  summary.p99_ms = NearestRank(latencies_ms, 99);
  summary.mean_ms = static_cast<double>(std::accumulate(latencies_ms.begin(), latencies_ms.end(),
                                                        int64_t{0})) /
                    static_cast<double>(latencies_ms.size());
  return summary;
}

std::string FormatLatencySummary(const LatencySummary& s) {
  return absl::StrFormat("latency_ms count=%d min=%d p50=%d p90=%d p99=%d max=%d mean=%.1f",
                         s.count, s.min_ms, s.p50_ms, s.p90_ms, s.p99_ms, s.max_ms, s.mean_ms);
}

}  // namespace newsflow::producers
