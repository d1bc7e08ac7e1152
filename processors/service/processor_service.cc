#include "processors/service/processor_service.h"

#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "processors/service/dedup_state.h"

namespace newsflow::service {
namespace {

// How long to wait for the broker to acknowledge a batch's outputs before giving up.
int BatchAckTimeoutMs(const ProcessorOptions& options) {
  return options.producer.delivery_timeout_ms + 5000;
}

}  // namespace

absl::Status ProcessorOptions::Validate() const {
  if (auto s = consumer.Validate(); !s.ok()) return s;
  if (auto s = producer.Validate(); !s.ok()) return s;
  if (auto s = topics.Validate(); !s.ok()) return s;
  if (auto s = pipeline.Validate(); !s.ok()) return s;
  if (batch_size < 1) return absl::InvalidArgumentError("batch_size must be >= 1");
  if (batch_timeout_ms < 1) return absl::InvalidArgumentError("batch_timeout_ms must be >= 1");
  if (exit_when_idle_ms < 0) return absl::InvalidArgumentError("exit_when_idle_ms must be >= 0");
  if (progress_interval_s < 0) return absl::InvalidArgumentError("progress interval must be >= 0");
  return absl::OkStatus();
}

absl::StatusOr<ProcessReport> RunProcessor(const ProcessorOptions& options,
                                           const std::atomic<bool>& stop, std::ostream& log) {
  if (auto s = options.Validate(); !s.ok()) return s;
  if (options.create_topics) {
    absl::Status created =
        kafka::EnsureTopics(options.consumer.client, options.topics.Specs(),
                            std::min(options.producer.delivery_timeout_ms, 30000));
    if (!created.ok()) {
      return absl::Status(created.code(), absl::StrCat("cannot prepare topics on ",
                                                       options.consumer.client.brokers, ": ",
                                                       created.message()));
    }
  }
  auto pipeline = pipeline::Pipeline::Create(options.pipeline);
  if (!pipeline.ok()) return pipeline.status();

  uint64_t batch_failures = 0;
  absl::Status first_failure;
  auto producer = kafka::Producer::Create(options.producer, [&](const kafka::DeliveryReport& r) {
    if (!r.status.ok()) {
      ++batch_failures;
      if (first_failure.ok()) first_failure = r.status;
    }
  });
  if (!producer.ok()) return producer.status();
  auto consumer = kafka::Consumer::Create(options.consumer);
  if (!consumer.ok()) return consumer.status();
  if (options.durable_dedup) {
    auto partitions = kafka::PartitionCount(options.consumer.client, options.topics.raw);
    if (!partitions.ok()) return partitions.status();
    auto committed = (*consumer)->Committed(options.topics.raw, *partitions);
    if (!committed.ok()) return committed.status();
    absl::Status restored = RestoreDedupState(options.consumer.client, options.topics.dedup_changelog,
                                              *committed, pipeline->get(), log);
    if (!restored.ok()) {
      return absl::Status(restored.code(), absl::StrCat("cannot restore the dedup index: ",
                                                        restored.message()));
    }
  }
  if (auto s = (*consumer)->Subscribe({options.topics.raw}); !s.ok()) return s;
  log << "process: consuming " << options.topics.raw << " as group " << options.consumer.group_id
      << " on " << options.consumer.client.brokers << " -> " << options.topics.enriched
      << " (dead letters: " << options.topics.dlq << "); guarantee: at-least-once\n";

  ProcessReport report;
  const int64_t started_ms = NowUnixMillis();
  int64_t last_record_ms = started_ms;
  int64_t last_progress_ms = started_ms;
  absl::Status result;

  while (!stop.load()) {
    // 1. Collect and process one batch.
    std::map<std::pair<std::string, int32_t>, int64_t> next_offsets;
    int in_batch = 0;
    const int64_t batch_deadline = NowUnixMillis() + options.batch_timeout_ms;
    while (in_batch < options.batch_size && !stop.load()) {
      const int64_t remaining = batch_deadline - NowUnixMillis();
      if (remaining <= 0) break;
      auto polled = (*consumer)->Poll(static_cast<int>(remaining));
      if (!polled.ok()) {
        // Transient consumer errors (broker restarting) are retried by librdkafka itself.
        log << "process: " << polled.status() << "\n";
        continue;
      }
      if (!polled->has_value()) continue;
      const kafka::ConsumedMessage& message = **polled;
      ++in_batch;
      ++report.consumed;
      RecordOrigin origin;
      origin.topic = message.topic;
      origin.partition = message.partition;
      origin.offset = message.offset;
      pipeline::PipelineOutcome outcome =
          (*pipeline)->ProcessSerialized(message.value, message.key, origin);
      absl::Status sent;
      if (outcome.status.ok()) {
        switch (outcome.article.dedup().status()) {
          case v1::DedupVerdict::EXACT_DUPLICATE: ++report.exact_duplicates; break;
          case v1::DedupVerdict::NEAR_DUPLICATE: ++report.near_duplicates; break;
          default: ++report.unique; break;
        }
        ++report.enriched;
        sent = (*producer)->Send(options.topics.enriched, outcome.article.key(),
                                 outcome.article.SerializeAsString());
      } else {
        ++report.dead_lettered;
        log << "process: " << message.topic << "/" << message.partition << "@" << message.offset
            << " -> " << options.topics.dlq << ": "
            << v1::DeadLetter::Reason_Name(outcome.dead_letter.reason()) << " at "
            << outcome.dead_letter.stage() << ": " << outcome.status.message() << "\n";
        sent = (*producer)->Send(options.topics.dlq, message.key,
                                 outcome.dead_letter.SerializeAsString());
      }
      if (options.durable_dedup) {
        for (const dedupe::IndexedArticle& entry : outcome.dedupe_changes.inserted) {
          if (!sent.ok()) break;
          sent = (*producer)->Send(options.topics.dedup_changelog, DedupEntryKey(entry.sequence),
                                   ToProto(entry, message.partition, message.offset).SerializeAsString());
        }
        for (uint64_t sequence : outcome.dedupe_changes.evicted) {
          if (!sent.ok()) break;
          sent = (*producer)->SendTombstone(options.topics.dedup_changelog, DedupEntryKey(sequence));
        }
      }
      if (!sent.ok()) {
        ++batch_failures;
        if (first_failure.ok()) first_failure = sent;
      }
      next_offsets[{message.topic, message.partition}] = message.offset + 1;
      if (options.max_records > 0 && report.consumed >= options.max_records) break;
      (*producer)->Poll(0);
    }

    // 2. Outputs acknowledged -> commit inputs. Otherwise leave the batch uncommitted.
    if (!next_offsets.empty()) {
      if (options.durable_dedup) {
        const dedupe::DedupeRestorePoint point = (*pipeline)->dedupe_restore_point();
        v1::DedupMeta meta;
        meta.set_newest_event_time_ms(point.newest_event_time_ms);
        meta.set_next_sequence(point.next_sequence);
        meta.set_evicted_by_window(point.evicted_by_window);
        meta.set_evicted_by_cap(point.evicted_by_cap);
        for (const auto& [partition, next] : next_offsets) {
          (*meta.mutable_input_offsets())[partition.second] = next - 1;
        }
        if (absl::Status s = (*producer)->Send(options.topics.dedup_changelog, kDedupMetaKey,
                                               meta.SerializeAsString());
            !s.ok()) {
          ++batch_failures;
          if (first_failure.ok()) first_failure = s;
        }
      }
      absl::Status flushed = (*producer)->Flush(BatchAckTimeoutMs(options));
      if (!flushed.ok() || batch_failures > 0) {
        result = absl::UnavailableError(absl::StrCat(
            "outputs of a batch were not acknowledged (", batch_failures, " failed",
            flushed.ok() ? "" : absl::StrCat(", ", flushed.message()), "; first error: ",
            first_failure.ok() ? "none" : std::string(first_failure.message()),
            "); its input offsets stay uncommitted and will be reprocessed on restart"));
        break;
      }
      std::vector<kafka::TopicPartitionOffset> offsets;
      for (const auto& [partition, offset] : next_offsets) {
        offsets.push_back({partition.first, partition.second, offset});
      }
      if (absl::Status committed = (*consumer)->Commit(offsets); !committed.ok()) {
        result = committed;
        break;
      }
      ++report.batches_committed;
      last_record_ms = NowUnixMillis();
    }

    if (options.max_records > 0 && report.consumed >= options.max_records) break;
    const int64_t now = NowUnixMillis();
    if (options.progress_interval_s > 0 &&
        now - last_progress_ms >= options.progress_interval_s * 1000LL) {
      last_progress_ms = now;
      dedupe::DedupeStats stats = (*pipeline)->dedupe_stats();
      log << "process: consumed " << report.consumed << ", enriched " << report.enriched
          << ", dead-lettered " << report.dead_lettered << ", dedup index "
          << stats.indexed_articles << " articles\n";
    }
    if (options.exit_when_idle_ms > 0) {
      if ((*consumer)->AllAssignedAtEnd() && now - last_record_ms >= options.exit_when_idle_ms) {
        break;
      }
      if ((*consumer)->AssignedPartitions() == 0 && report.consumed == 0 &&
          now - started_ms >= options.assignment_timeout_ms) {
        result = absl::UnavailableError(absl::StrCat(
            "no partition of ", options.topics.raw, " was assigned within ",
            options.assignment_timeout_ms, " ms (is the broker at ",
            options.consumer.client.brokers, " reachable?)"));
        break;
      }
    }
  }

  // Shutdown: outputs of a completed batch were flushed above; leave the group cleanly.
  // The consumer must be closed before it is destroyed (see kafka/client.h).
  (void)(*producer)->Flush(BatchAckTimeoutMs(options));
  absl::Status closed = (*consumer)->Close();
  if (result.ok() && !closed.ok()) log << "process: " << closed << "\n";
  log << "process: done: consumed " << report.consumed << ", enriched " << report.enriched
      << " (unique " << report.unique << ", near duplicates " << report.near_duplicates
      << ", exact duplicates " << report.exact_duplicates << "), dead-lettered "
      << report.dead_lettered << "\n";
  if (!result.ok()) return result;
  return report;
}

}  // namespace newsflow::service
