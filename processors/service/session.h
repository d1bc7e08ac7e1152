// One connection's worth of `newsflow process`: clients and pipeline are made, and batches
// run until stop, the idle exit, or an error. Dedup indexes are restored from the changelog
// when their input is (re)assigned. Everything uncommitted is discarded with the session, so
// a new session resumes exactly at the last committed batch. RunProcessor
// (processor_service.h) starts sessions one after another.
#ifndef NEWSFLOW_PROCESSORS_SERVICE_SESSION_H_
#define NEWSFLOW_PROCESSORS_SERVICE_SESSION_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kafka/client.h"
#include "kafka/topics.h"
#include "observability/log.h"
#include "processors/pipeline/pipeline.h"
#include "processors/service/prepare_workers.h"
#include "processors/service/processor_service.h"
#include "processors/service/service_metrics.h"

namespace newsflow::service {

// Runs `step` until it succeeds, fails for good, or `timeout_ms` pass. kUnavailable and
// kNotFound count as "not ready yet": coordinator loading, metadata of a topic just created,
// or offsets held unstable by a crashed instance's transaction until the coordinator aborts
// it.
absl::Status RetryWhileStarting(const std::function<absl::Status()>& step, int timeout_ms = 120000);

// An input record by its coordinates.
using RecordCoordinates = std::tuple<std::string, int32_t, int64_t>;

// What outlives a session: the record size limits of the output topics (asked once) and the
// input records whose outputs the broker refused (skipped when their batch is redone, so one
// record can never stop the processor).
struct SessionContext {
  // max.message.bytes of the output topics (the scale-out repartition topic: 0 when unused).
  int64_t enriched_limit = 0;
  int64_t dlq_limit = 0;
  int64_t by_scope_limit = 0;
  std::set<RecordCoordinates> refused_inputs;
};

// Per-batch bookkeeping for metrics that only count once the batch is committed.
struct BatchTally {
  uint64_t enriched = 0, dead_lettered = 0, changelog = 0, repartitioned = 0;
  uint64_t unique = 0, near = 0, exact = 0;
  uint64_t skipped_dead_letter_too_large = 0, skipped_output_refused = 0;
  uint64_t clamped_by_clock = 0, clamped_by_stream = 0;
  std::map<std::string, uint64_t> dead_letter_reasons;
  std::string first_dead_letter;  // one example for the batch's log line
  std::vector<int64_t> ingested_at_ms;
};

// One dedup index and the input it has seen: the whole raw topic in the single topology,
// one partition of the repartition topic in the scale-out topology (its changelog lives in
// the same partition number of the changelog topic).
struct DedupTask {
  int32_t changelog_partition = 0;
  std::unique_ptr<dedupe::Deduper> deduper;
  // Input partition -> offset after the last record processed / committed.
  std::map<int32_t, int64_t> processed_next;
  std::map<int32_t, int64_t> committed_next;
  // False after partitions moved, until checked against the group's committed offsets.
  bool verified = false;
};

// The open batch: records processed since the last commit.
struct Batch {
  std::map<std::pair<std::string, int32_t>, int64_t> next_offsets;
  std::set<DedupTask*> tasks;
  BatchTally tally;
  int records = 0;
  bool in_transaction = false;
  uint64_t failures = 0;
  absl::Status first_failure;
  // The input record each output was sent for (delivery tag - 1), and those whose output
  // the broker refused as such (too large, invalid): retrying cannot help them.
  std::vector<RecordCoordinates> inputs;
  std::set<RecordCoordinates> refused;

  // Counts an output refused at send time or reported as not delivered.
  void NoteDelivery(const absl::Status& status, uint64_t tag);
};

class Session {
 public:
  Session(const ProcessorOptions& options, const kafka::TopicsOptions& topics,
          const std::atomic<bool>& stop, observability::Logger& log, ServiceMetrics& metrics,
          Readiness& readiness, ProcessReport& report, SessionContext& context)
      : options_(options),
        topics_(topics),
        stop_(stop),
        log_(log),
        metrics_(metrics),
        readiness_(readiness),
        report_(report),
        context_(context),
        scale_out_(options.topology == Topology::kScaleOut),
        exactly_once_(options.guarantee == Guarantee::kExactlyOnce) {}

  absl::Status Run();

 private:
  absl::Status Start();
  absl::Status ProcessRecord(const kafka::ConsumedMessage& message,
                             std::optional<pipeline::PreparedOutcome> prepared_raw);
  // Polls into the window of records ahead of processing (handing raw ones to the
  // workers), waiting up to `timeout_ms` only when the window is empty.
  void FillWindow(int timeout_ms);
  absl::StatusOr<DedupTask*> TaskFor(int32_t input_partition);
  absl::Status VerifyOrRestore(DedupTask& task, int32_t input_partition);
  // Sends an output of the current record when it fits the topic's records; otherwise
  // returns kResourceExhausted and sends nothing.
  absl::Status SendOutput(const std::string& topic, int64_t topic_limit, std::string_view key,
                          const std::string& value);
  void SendDeadLetter(const kafka::ConsumedMessage& message, v1::DeadLetter letter,
                      const absl::Status& why);
  void SendChangelog(const DedupTask& task, const pipeline::PipelineOutcome& outcome,
                     int32_t input_partition, int64_t input_offset);
  absl::Status CommitBatch();
  void OnRevoked();
  void OnAssigned(const std::vector<kafka::TopicPartitionOffset>& assigned);
  std::vector<kafka::TopicPartitionOffset> ChooseAssignment(
      const std::vector<kafka::TopicPartitionOffset>& given);
  void UpdateReadiness(int64_t now);
  // `normal_ms`, or less once a shutdown has begun: what is left of its bound.
  int TimeoutMs(int normal_ms);
  int64_t Limit(int64_t topic_limit) const;

  const ProcessorOptions& options_;
  const kafka::TopicsOptions& topics_;
  const std::atomic<bool>& stop_;
  observability::Logger& log_;
  ServiceMetrics& metrics_;
  Readiness& readiness_;
  ProcessReport& report_;
  SessionContext& context_;
  const bool scale_out_;
  const bool exactly_once_;

  pipeline::PipelineOptions pipeline_options_;  // options_.pipeline with the record limit
  std::unique_ptr<pipeline::Pipeline> pipeline_;
  // Destruction order: the consumer (closed in Run) goes before the producer it commits
  // offsets through, and both before the batch and tasks they refer to.
  Batch batch_;
  std::map<int32_t, std::unique_ptr<DedupTask>> tasks_;  // by changelog partition
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  int raw_partitions_ = 1;
  // Single topology: this instance holds partition 0 of the raw topic and so reads all of
  // them (the active instance); false = a standby.
  bool active_ = true;
  absl::Status rebalance_error_;  // a commit on revocation failed: end the session
  // Records polled but not yet processed; dropped when partitions are revoked (the
  // consumer fetches them again from the committed offsets).
  std::deque<PendingRecord> window_;
  bool discard_window_ = false;
  // Input partitions whose dedup task must be verified after the last assignment.
  std::vector<int32_t> tasks_to_verify_;
  std::unique_ptr<PrepareWorkers> workers_;  // after window_: its jobs finish or drop first
  int64_t last_poll_error_ms_ = 0;
  int64_t shutdown_deadline_ms_ = 0;  // set when a stop is first seen
  dedupe::DedupeStats last_stats_;
};

}  // namespace newsflow::service

#endif  // NEWSFLOW_PROCESSORS_SERVICE_SESSION_H_
