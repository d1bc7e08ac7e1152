#include "processors/service/processor_service.h"

#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <thread>
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

// Runs `step` until it succeeds, fails for good, or 120 s pass. kUnavailable and kNotFound
// count as "not ready yet": coordinator loading, metadata of a topic just created, or offsets
// held unstable by a crashed instance's transaction until the coordinator aborts it.
absl::Status RetryWhileStarting(const std::function<absl::Status()>& step) {
  const int64_t deadline = NowUnixMillis() + 120000;
  while (true) {
    absl::Status status = step();
    const bool not_ready = status.code() == absl::StatusCode::kUnavailable ||
                           status.code() == absl::StatusCode::kNotFound;
    if (status.ok() || !not_ready || NowUnixMillis() > deadline) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
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

namespace {

// One connection's worth of processing: clients and pipeline are made, the dedup index is
// restored from the changelog, and batches run until `stop`, the idle exit, or an error.
// Everything uncommitted is discarded with the session, so a new session resumes exactly at
// the last committed batch.
absl::Status RunSession(const ProcessorOptions& options, const kafka::TopicsOptions& topics,
                        const std::atomic<bool>& stop, std::ostream& log, ProcessReport& report) {
  auto pipeline = pipeline::Pipeline::Create(options.pipeline);
  if (!pipeline.ok()) return pipeline.status();

  const bool exactly_once = options.guarantee == Guarantee::kExactlyOnce;
  kafka::ProducerOptions producer_options = options.producer;
  if (exactly_once) {
    producer_options.transactional_id = options.transactional_id;
    if (producer_options.transactional_id.empty()) {
      char host[256] = {0};
      gethostname(host, sizeof(host) - 1);
      producer_options.transactional_id =
          absl::StrCat("newsflow-", options.consumer.group_id, "-", host, "-", getpid());
    }
  }
  uint64_t batch_failures = 0;
  absl::Status first_failure;
  auto producer = kafka::Producer::Create(producer_options, [&](const kafka::DeliveryReport& r) {
    if (!r.status.ok()) {
      ++batch_failures;
      if (first_failure.ok()) first_failure = r.status;
    }
  });
  if (!producer.ok()) return producer.status();
  if (exactly_once) {
    if (absl::Status s = (*producer)->InitTransactions(30000); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(s.message(), " (a broker without transactions "
                                                             "needs --guarantee at-least-once)"));
    }
  }
  auto consumer = kafka::Consumer::Create(options.consumer);
  if (!consumer.ok()) return consumer.status();
  if (options.durable_dedup) {
    // Right after topics are created or a broker starts, the group coordinator and topic
    // metadata may not be ready yet: those answers are retried for a while.
    absl::Status restored = RetryWhileStarting([&]() -> absl::Status {
      auto partitions = kafka::PartitionCount(options.consumer.client, options.topics.raw);
      if (!partitions.ok()) return partitions.status();
      auto committed = (*consumer)->Committed(options.topics.raw, *partitions);
      if (!committed.ok()) return committed.status();
      return RestoreDedupState(options.consumer.client, topics.dedup_changelog, *committed,
                               pipeline->get(), log);
    });
    if (!restored.ok()) {
      return absl::Status(restored.code(), absl::StrCat("cannot restore the dedup index: ",
                                                        restored.message()));
    }
  }
  if (auto s = (*consumer)->Subscribe({options.topics.raw}); !s.ok()) return s;
  log << "process: consuming " << options.topics.raw << " as group " << options.consumer.group_id
      << " on " << options.consumer.client.brokers << " -> " << options.topics.enriched
      << " (dead letters: " << options.topics.dlq << "); guarantee: "
      << (exactly_once ? "exactly-once (transactional.id " + producer_options.transactional_id + ")"
                       : std::string("at-least-once"))
      << "\n";

  const int64_t started_ms = NowUnixMillis();
  int64_t last_record_ms = started_ms;
  int64_t last_progress_ms = started_ms;
  absl::Status result;

  bool in_transaction = false;
  while (!stop.load() && result.ok()) {
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
      if (exactly_once && !in_transaction) {
        if (absl::Status s = (*producer)->BeginTransaction(); !s.ok()) {
          result = s;
          break;
        }
        in_transaction = true;
      }
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
          sent = (*producer)->Send(topics.dedup_changelog, DedupEntryKey(entry.sequence),
                                   ToProto(entry, message.partition, message.offset).SerializeAsString());
        }
        for (uint64_t sequence : outcome.dedupe_changes.evicted) {
          if (!sent.ok()) break;
          sent = (*producer)->SendTombstone(topics.dedup_changelog, DedupEntryKey(sequence));
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

    if (!result.ok()) break;
    // 2. Commit the batch: in one transaction (exactly-once), or inputs after the outputs are
    // acknowledged (at-least-once). A batch that fails stays uncommitted and is redone.
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
        if (absl::Status s = (*producer)->Send(topics.dedup_changelog, kDedupMetaKey,
                                               meta.SerializeAsString());
            !s.ok()) {
          ++batch_failures;
          if (first_failure.ok()) first_failure = s;
        }
      }
      std::vector<kafka::TopicPartitionOffset> offsets;
      for (const auto& [partition, offset] : next_offsets) {
        offsets.push_back({partition.first, partition.second, offset});
      }
      if (exactly_once) {
        // Outputs, changelog and input offsets become visible together, or not at all.
        absl::Status committed =
            batch_failures > 0 ? first_failure
                               : (*producer)->SendOffsetsToTransaction(offsets, **consumer,
                                                                       BatchAckTimeoutMs(options));
        if (committed.ok()) committed = (*producer)->CommitTransaction(BatchAckTimeoutMs(options));
        in_transaction = false;
        if (!committed.ok()) {
          (void)(*producer)->AbortTransaction(BatchAckTimeoutMs(options));
          result = absl::Status(committed.code(),
                                absl::StrCat("transaction aborted: ", committed.message(),
                                             "; restart resumes from the last committed batch"));
          break;
        }
      } else {
        absl::Status flushed = (*producer)->Flush(BatchAckTimeoutMs(options));
        if (!flushed.ok() || batch_failures > 0) {
          result = absl::UnavailableError(absl::StrCat(
              "outputs of a batch were not acknowledged (", batch_failures, " failed",
              flushed.ok() ? "" : absl::StrCat(", ", flushed.message()), "; first error: ",
              first_failure.ok() ? "none" : std::string(first_failure.message()),
              "); its input offsets stay uncommitted and will be reprocessed on restart"));
          break;
        }
        if (absl::Status committed = (*consumer)->Commit(offsets); !committed.ok()) {
          result = committed;
          break;
        }
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
  return result;
}

// Errors after which a new session may succeed: the broker is away or restarting, or a
// transaction was aborted.
bool Recoverable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kAborted ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

}  // namespace

absl::StatusOr<ProcessReport> RunProcessor(const ProcessorOptions& options,
                                           const std::atomic<bool>& stop, std::ostream& log) {
  if (auto s = options.Validate(); !s.ok()) return s;
  kafka::TopicsOptions topics = options.topics;
  topics.dedup_changelog = topics.DedupChangelogFor(options.consumer.group_id);
  if (options.create_topics) {
    absl::Status created =
        kafka::EnsureTopics(options.consumer.client, topics.Specs(),
                            std::min(options.producer.delivery_timeout_ms, 30000));
    if (!created.ok()) {
      return absl::Status(created.code(), absl::StrCat("cannot prepare topics on ",
                                                       options.consumer.client.brokers, ": ",
                                                       created.message()));
    }
  }
  ProcessReport report;
  int backoff_ms = 1000;
  absl::Status result;
  while (true) {
    const uint64_t committed_before = report.batches_committed;
    result = RunSession(options, topics, stop, log, report);
    // A service rides out broker outages; a run with an idle exit is a job and reports them.
    if (result.ok() || stop.load() || !Recoverable(result) || options.exit_when_idle_ms > 0) break;
    if (report.batches_committed > committed_before) backoff_ms = 1000;
    log << "process: " << result.message() << "; starting again in " << backoff_ms / 1000
        << " s\n";
    for (int waited = 0; waited < backoff_ms && !stop.load(); waited += 100) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    backoff_ms = std::min(backoff_ms * 2, 30000);
  }
  log << "process: done: consumed " << report.consumed << ", enriched " << report.enriched
      << " (unique " << report.unique << ", near duplicates " << report.near_duplicates
      << ", exact duplicates " << report.exact_duplicates << "), dead-lettered "
      << report.dead_lettered << "\n";
  if (!result.ok()) return result;
  return report;
}

}  // namespace newsflow::service
