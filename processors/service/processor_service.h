// `newsflow process`: consumes RawArticle records, runs the pipeline and publishes
// EnrichedArticle records (or dead letters), committing input offsets only after every
// output of a batch is acknowledged by the broker (at-least-once). Exactly-once with
// transactions is the service-grade issue's work (docs/ARCHITECTURE.md).
#ifndef NEWSFLOW_PROCESSORS_SERVICE_PROCESSOR_SERVICE_H_
#define NEWSFLOW_PROCESSORS_SERVICE_PROCESSOR_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kafka/client.h"
#include "kafka/topics.h"
#include "processors/pipeline/pipeline.h"

namespace newsflow::service {

struct ProcessorOptions {
  kafka::ConsumerOptions consumer;
  kafka::ProducerOptions producer;
  kafka::TopicsOptions topics;
  pipeline::PipelineOptions pipeline;
  // Create missing topics at start. Default true.
  bool create_topics = true;
  // Records per batch; offsets are committed once per batch. Default 500.
  int batch_size = 500;
  // A batch is closed after this long even if not full. Default 100 ms.
  int batch_timeout_ms = 100;
  // Exit once every assigned partition is at its end and nothing arrived for this long;
  // 0 = run until stopped (a service). Default 0.
  int exit_when_idle_ms = 0;
  // Give up starting if no partition is assigned within this time (only with
  // exit_when_idle_ms). Default 60000.
  int assignment_timeout_ms = 60000;
  // Keep the dedup index in the changelog topic and restore it on start, so that a restart
  // does not change verdicts. Default true.
  bool durable_dedup = true;
  // Stop cleanly after this many records (0 = no limit); for tests and controlled runs.
  // Default 0.
  uint64_t max_records = 0;
  // Seconds between progress lines; 0 = none. Default 10.
  int progress_interval_s = 10;

  absl::Status Validate() const;
};

struct ProcessReport {
  uint64_t consumed = 0;
  uint64_t enriched = 0;
  uint64_t dead_lettered = 0;
  uint64_t batches_committed = 0;
  uint64_t unique = 0;
  uint64_t exact_duplicates = 0;
  uint64_t near_duplicates = 0;
};

// Runs until `stop` becomes true, the idle exit triggers, or an error the loop cannot
// recover from (outputs not acknowledged, commit failed): then the uncommitted batch is
// left for the next run to reprocess, and the error is returned.
absl::StatusOr<ProcessReport> RunProcessor(const ProcessorOptions& options,
                                           const std::atomic<bool>& stop, std::ostream& log);

}  // namespace newsflow::service

#endif  // NEWSFLOW_PROCESSORS_SERVICE_PROCESSOR_SERVICE_H_
