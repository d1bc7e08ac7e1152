// End-to-end latency of published articles as a consumer of the enriched topic sees it:
// receive wall time minus RawArticle.ingested_at_ms, which the publisher stamps right before
// handing each article to the Kafka producer (publisher.h). Used by `newsflow consume
// --latency` and bench/latency.sh.
#ifndef NEWSFLOW_PRODUCERS_LATENCY_SUMMARY_H_
#define NEWSFLOW_PRODUCERS_LATENCY_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

namespace newsflow::producers {

struct LatencySummary {
  uint64_t count = 0;
  int64_t min_ms = 0;
  int64_t p50_ms = 0;
  int64_t p90_ms = 0;
  int64_t p99_ms = 0;
  int64_t max_ms = 0;
  double mean_ms = 0;
};

// Nearest-rank percentiles (the smallest value with at least p% of the values at or below it)
// of `latencies_ms`. All zero when empty.
LatencySummary SummarizeLatencies(std::vector<int64_t> latencies_ms);

// One line: "latency_ms count=N min=.. p50=.. p90=.. p99=.. max=.. mean=..".
std::string FormatLatencySummary(const LatencySummary& summary);

}  // namespace newsflow::producers

#endif  // NEWSFLOW_PRODUCERS_LATENCY_SUMMARY_H_
