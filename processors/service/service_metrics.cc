#include "processors/service/service_metrics.h"

#include <cstdio>
#include <cstdlib>

namespace newsflow::service {
namespace {

template <typename T>
T* Registered(absl::StatusOr<T*> metric) {
  // Names and labels are fixed in this file; a failure is a programming error.
  if (!metric.ok()) {
    std::fprintf(stderr, "newsflow: metric registration failed: %s\n",
                 std::string(metric.status().message()).c_str());
    std::abort();
  }
  return *metric;
}

}  // namespace

ServiceMetrics::ServiceMetrics(observability::Registry& registry,
                               const kafka::TopicsOptions& topics) {
  using observability::DefaultLatencyBuckets;
  auto* consumed_family = Registered(registry.AddCounterFamily(
      "newsflow_records_consumed_total", "Input records consumed, by topic.", {"topic"}));
  consumed = &consumed_family->WithLabels({topics.raw});
  auto* produced_family = Registered(registry.AddCounterFamily(
      "newsflow_records_committed_total",
      "Output records committed (visible to read_committed consumers), by topic.", {"topic"}));
  enriched = &produced_family->WithLabels({topics.enriched});
  dead_lettered = &produced_family->WithLabels({topics.dlq});
  changelog = &produced_family->WithLabels({topics.dedup_changelog});
  if (!topics.by_scope.empty()) {  // scale-out topology only
    repartitioned = &produced_family->WithLabels({topics.by_scope});
    repartitioned_consumed = &consumed_family->WithLabels({topics.by_scope});
  }
  dead_letter_reasons = Registered(
      registry.AddCounterFamily("newsflow_dead_letters_total",
                                "Records sent to the dead-letter topic, by reason.", {"reason"}));
  auto* verdict_family = Registered(registry.AddCounterFamily(
      "newsflow_dedup_verdicts_total", "Dedup verdicts of committed articles.", {"verdict"}));
  unique = &verdict_family->WithLabels({"unique"});
  near_duplicate = &verdict_family->WithLabels({"near_duplicate"});
  exact_duplicate = &verdict_family->WithLabels({"exact_duplicate"});
  auto* stage_family = Registered(registry.AddHistogramFamily(
      "newsflow_stage_seconds", "Time per record in each pipeline stage.", {"stage"},
      {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
       0.1}));
  normalize_seconds = &stage_family->WithLabels({"normalize"});
  dedupe_seconds = &stage_family->WithLabels({"dedupe"});
  tag_seconds = &stage_family->WithLabels({"tag"});
  commit_seconds = Registered(registry.AddHistogram(
      "newsflow_batch_commit_seconds",
      "Time to make a batch durable: transaction commit (outputs, changelog, offsets) or "
      "acknowledgement plus offset commit.",
      DefaultLatencyBuckets()));
  end_to_end_seconds = Registered(registry.AddHistogram(
      "newsflow_end_to_end_latency_seconds",
      "From ingestion by the producer (RawArticle.ingested_at_ms) to the commit that makes "
      "the enriched record visible.",
      DefaultLatencyBuckets()));
  auto* transaction_family = Registered(
      registry.AddCounterFamily("newsflow_transactions_total",
                                "Kafka transactions (exactly-once), by outcome.", {"outcome"}));
  transactions_committed = &transaction_family->WithLabels({"committed"});
  transactions_aborted = &transaction_family->WithLabels({"aborted"});
  batches = Registered(registry.AddCounter("newsflow_batches_committed_total",
                                           "Batches committed (either guarantee)."));
  sessions = Registered(registry.AddCounter(
      "newsflow_sessions_started_total",
      "Kafka sessions started (1 + restarts after broker outages or aborted transactions)."));
  lag = Registered(registry.AddGaugeFamily(
      "newsflow_consumer_lag_records", "Records behind the end of each assigned input partition.",
      {"topic", "partition"}));
  lag_total = Registered(registry.AddGauge("newsflow_consumer_lag_total_records",
                                           "Sum of the consumer lag over assigned partitions."));
  index_articles = Registered(
      registry.AddGauge("newsflow_dedup_index_articles", "Articles in the dedup index."));
  auto* eviction_family = Registered(
      registry.AddCounterFamily("newsflow_dedup_evictions_total",
                                "Articles evicted from the dedup index, by cause.", {"cause"}));
  evicted_by_window = &eviction_family->WithLabels({"window"});
  evicted_by_cap = &eviction_family->WithLabels({"memory_cap"});
  ready = Registered(registry.AddGauge("newsflow_ready", "1 when /readyz reports ready."));
  auto* skipped_family = Registered(registry.AddCounterFamily(
      "newsflow_records_skipped_total",
      "Input records skipped because no output for them could be written, by reason.", {"reason"}));
  skipped_dead_letter_too_large = &skipped_family->WithLabels({"dead_letter_too_large"});
  skipped_output_refused = &skipped_family->WithLabels({"output_refused"});
  auto* clamped_family = Registered(registry.AddCounterFamily(
      "newsflow_event_times_clamped_total",
      "Committed articles whose event time was lowered for the dedup window, by what it was "
      "measured against: the processor's clock (or the record's ingest time) or the stream's "
      "recent event times.",
      {"cause"}));
  clamped_by_clock = &clamped_family->WithLabels({"clock"});
  clamped_by_stream = &clamped_family->WithLabels({"stream"});
}

}  // namespace newsflow::service
