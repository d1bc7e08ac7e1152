#include "processors/service/session.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/clock.h"
#include "kafka/admin.h"
#include "processors/service/dedup_state.h"

namespace newsflow::service {
namespace {

// Keys of output records are article keys (canonical URLs, ids); room kept for them when the
// input record limit is derived from the output limit.
constexpr size_t kMaxKeyBytes = 2048;

// How long to wait for the broker to acknowledge a batch's outputs before giving up.
int BatchAckTimeoutMs(const ProcessorOptions& options) {
  return options.producer.delivery_timeout_ms + 5000;
}

}  // namespace

absl::Status RetryWhileStarting(const std::function<absl::Status()>& step, int timeout_ms) {
  const int64_t deadline = NowUnixMillis() + timeout_ms;
  while (true) {
    absl::Status status = step();
    const bool not_ready = status.code() == absl::StatusCode::kUnavailable ||
                           status.code() == absl::StatusCode::kNotFound;
    if (status.ok() || !not_ready || NowUnixMillis() > deadline) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

absl::Status Session::Start() {
  metrics_.sessions->Increment();
  kafka::ProducerOptions producer_options = options_.producer;
  if (exactly_once_) {
    producer_options.transactional_id = options_.transactional_id;
    if (producer_options.transactional_id.empty()) {
      char host[256] = {0};
      gethostname(host, sizeof(host) - 1);
      producer_options.transactional_id =
          absl::StrCat("newsflow-", options_.consumer.group_id, "-", host, "-", getpid());
    }
  }
  auto producer = kafka::Producer::Create(producer_options, [this](const kafka::DeliveryReport& r) {
    batch_.NoteDelivery(r.status, r.tag);
  });
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);

  // An input record larger than what fits in an output record could not be written out:
  // it is refused before it is even decoded (as TOO_LARGE), rather than looped on.
  pipeline_options_ = options_.pipeline;
  if (pipeline_options_.max_record_bytes == 0) {
    int64_t output_limit = Limit(context_.enriched_limit);
    if (scale_out_) output_limit = std::min(output_limit, Limit(context_.by_scope_limit));
    pipeline_options_.max_record_bytes = kafka::RecordValueBudget(output_limit, kMaxKeyBytes);
    const size_t prefix = options_.enriched_value_prefix.size();
    pipeline_options_.max_record_bytes =
        pipeline_options_.max_record_bytes > prefix ? pipeline_options_.max_record_bytes - prefix : 1;
  }
  auto pipeline = pipeline::Pipeline::Create(pipeline_options_);
  if (!pipeline.ok()) return pipeline.status();
  pipeline_ = std::move(*pipeline);
  readiness_.Set(false, "connecting to the broker", log_);
  if (exactly_once_) {
    if (absl::Status s = producer_->InitTransactions(30000); !s.ok()) {
      if (s.code() != absl::StatusCode::kUnavailable) return s;  // e.g. bad credentials
      return absl::Status(s.code(), absl::StrCat(s.message(),
                                                 " (is the broker up? a broker "
                                                 "without transactions needs "
                                                 "--guarantee at-least-once)"));
    }
  }
  // The output topics' partitions and leaders now, not at librdkafka's next one-second
  // topic scan: otherwise the first records out (and the first dead letter) wait for it.
  std::vector<std::string> outputs = {topics_.enriched, topics_.dlq};
  if (scale_out_) outputs.push_back(topics_.by_scope);
  if (!topics_.dedup_changelog.empty()) outputs.push_back(topics_.dedup_changelog);
  if (absl::Status s = producer_->LearnTopics(outputs, 5000); !s.ok()) {
    log_.Warn("process", absl::StrCat("output topics not looked up yet: ", s.message()));
  }
  kafka::ConsumerOptions consumer_options = options_.consumer;
  // Broker state every second, so that readiness follows a broker that stops answering.
  consumer_options.statistics_interval_ms = 1000;
  auto consumer = kafka::Consumer::Create(consumer_options);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  if (options_.prepare_threads > 0) {
    auto workers = PrepareWorkers::Create(pipeline_options_, options_.prepare_threads);
    if (!workers.ok()) return workers.status();
    workers_ = std::move(*workers);
  }
  absl::Status counted = RetryWhileStarting([&]() -> absl::Status {
    readiness_.Heartbeat();
    auto partitions = kafka::PartitionCount(options_.consumer.client, topics_.raw);
    if (!partitions.ok()) return partitions.status();
    raw_partitions_ = *partitions;
    return absl::OkStatus();
  });
  if (!counted.ok()) return counted;
  if (!scale_out_ && raw_partitions_ > 1) {
    log_.Info("process", absl::StrCat(topics_.raw, " has ", raw_partitions_,
                                      " partitions: the single topology keeps one index for "
                                      "all of them, read by the instance the group gives "
                                      "partition 0 (others wait as standbys); --topology "
                                      "scale-out shares the work"));
  }
  kafka::RebalanceListener listener;
  if (!scale_out_) {
    listener.choose_assignment = [this](const std::vector<kafka::TopicPartitionOffset>& given) {
      return ChooseAssignment(given);
    };
  }
  listener.on_revoked = [this](const std::vector<kafka::TopicPartitionOffset>&) { OnRevoked(); };
  listener.on_assigned = [this](const std::vector<kafka::TopicPartitionOffset>& assigned) {
    OnAssigned(assigned);
  };
  consumer_->SetRebalanceListener(std::move(listener));
  std::vector<std::string> inputs = {topics_.raw};
  if (scale_out_) inputs.push_back(topics_.by_scope);
  if (auto s = consumer_->Subscribe(inputs); !s.ok()) return s;
  const std::string guarantee =
      exactly_once_ ? "exactly-once (transactional.id " + producer_options.transactional_id + ")"
                    : std::string("at-least-once");
  log_.Info("process",
            absl::StrCat("consuming ", topics_.raw, " as group ", options_.consumer.group_id,
                         " on ", options_.consumer.client.brokers, " -> ", topics_.enriched,
                         " (dead letters: ", topics_.dlq, "); topology: ",
                         scale_out_ ? absl::StrCat("scale-out (by scope via ", topics_.by_scope,
                                                   ", ", topics_.scope_partitions, " tasks)")
                                    : std::string("single"),
                         "; guarantee: ", guarantee));
  return absl::OkStatus();
}

void Session::OnRevoked() {
  // Commit what the batch holds while the partitions are still ours (the broker would
  // refuse the offsets after the rebalance), and re-check every index before its next use.
  if (batch_.records > 0 && rebalance_error_.ok()) {
    absl::Status committed = CommitBatch();
    if (!committed.ok()) rebalance_error_ = committed;
  }
  for (auto& [partition, task] : tasks_) task->verified = false;
  discard_window_ = true;
}

std::vector<kafka::TopicPartitionOffset> Session::ChooseAssignment(
    const std::vector<kafka::TopicPartitionOffset>& given) {
  // One index for the whole raw topic: it cannot be shared out, or two instances would write
  // one changelog from both sides. The group spreads the partitions over its members; the
  // member given partition 0 reads them all (the group does not check who commits which
  // partition's offsets, and a stale member is fenced by its generation), the others read
  // nothing and stand by until a rebalance gives them partition 0.
  bool holds_first = false;
  for (const kafka::TopicPartitionOffset& p : given) {
    holds_first |= p.topic == topics_.raw && p.partition == 0;
  }
  const bool was_active = active_;
  active_ = holds_first;
  if (!holds_first) {
    if (was_active || given.empty()) {
      log_.Info("process",
                absl::StrCat("standby: partition 0 of ", topics_.raw,
                             " is with another instance of group ", options_.consumer.group_id));
    }
    return {};
  }
  std::vector<kafka::TopicPartitionOffset> all;
  for (int32_t p = 0; p < raw_partitions_; ++p) {
    all.push_back({topics_.raw, p, kafka::kOffsetCommitted});
  }
  if (!was_active || raw_partitions_ > 1) {
    log_.Info("process", absl::StrCat("active: reading all ", raw_partitions_, " partition(s) of ",
                                      topics_.raw));
  }
  return all;
}

void Session::OnAssigned(const std::vector<kafka::TopicPartitionOffset>& assigned) {
  // The indexes of the new assignment are checked (and restored if needed) right after
  // this Poll returns, before any record and before readiness can report ready.
  tasks_to_verify_.clear();
  for (const kafka::TopicPartitionOffset& p : assigned) {
    if (p.topic == (scale_out_ ? topics_.by_scope : topics_.raw)) {
      tasks_to_verify_.push_back(p.partition);
      if (!scale_out_) break;  // one task for all raw partitions
    }
  }
  if (!scale_out_) return;  // ChooseAssignment decided
  // Forget the indexes of partitions that went elsewhere (memory); keep the others, to be
  // verified against the group's commits before use.
  std::set<int32_t> mine;
  for (const kafka::TopicPartitionOffset& p : assigned) {
    if (p.topic == topics_.by_scope) mine.insert(p.partition);
  }
  for (auto it = tasks_.begin(); it != tasks_.end();) {
    it = mine.count(it->first) > 0 ? std::next(it) : tasks_.erase(it);
  }
  std::vector<std::string> names;
  for (int32_t p : mine) names.push_back(std::to_string(p));
  log_.Info("process", "dedup tasks assigned",
            {{"topic", topics_.by_scope}, {"partitions", absl::StrJoin(names, ",")}});
}

absl::Status Session::VerifyOrRestore(DedupTask& task, int32_t input_partition) {
  // The index is valid when it holds exactly what the group has committed for its input:
  // nothing uncommitted, and nobody else committed more since.
  const std::string& input_topic = scale_out_ ? topics_.by_scope : topics_.raw;
  const int partitions = scale_out_ ? topics_.scope_partitions : raw_partitions_;
  std::map<int32_t, int64_t> committed;
  absl::Status fetched = RetryWhileStarting([&]() -> absl::Status {
    readiness_.Heartbeat();
    auto offsets = consumer_->Committed(input_topic, partitions);
    if (!offsets.ok()) return offsets.status();
    committed = *offsets;
    return absl::OkStatus();
  });
  if (!fetched.ok()) return fetched;
  if (scale_out_) committed = {{input_partition, committed[input_partition]}};
  bool valid = task.deduper != nullptr && task.processed_next == task.committed_next;
  for (const auto& [partition, offset] : committed) {
    auto it = task.committed_next.find(partition);
    const int64_t mine = it == task.committed_next.end() ? -1 : it->second;
    if (mine != offset) valid = false;
  }
  if (valid) {
    task.verified = true;
    return absl::OkStatus();
  }
  readiness_.Set(false, "restoring the dedup index from " + topics_.dedup_changelog, log_);
  task.deduper = pipeline_->NewDeduper();
  task.processed_next.clear();
  task.committed_next.clear();
  if (options_.durable_dedup) {
    bool waiting_logged = false;
    absl::Status restored = RetryWhileStarting([&]() -> absl::Status {
      readiness_.Heartbeat();
      task.deduper = pipeline_->NewDeduper();
      absl::Status status =
          RestoreDedupState(options_.consumer.client, topics_.dedup_changelog,
                            {task.changelog_partition}, committed, task.deduper.get(), log_);
      if (status.code() == absl::StatusCode::kUnavailable && !waiting_logged) {
        waiting_logged = true;
        log_.Info("process", absl::StrCat("restore waits: ", status.message()));
      }
      return status;
    });
    if (!restored.ok()) {
      return absl::Status(restored.code(),
                          absl::StrCat("cannot restore the dedup index: ", restored.message()));
    }
  }
  for (const auto& [partition, offset] : committed) {
    if (offset >= 0) task.processed_next[partition] = task.committed_next[partition] = offset;
  }
  task.verified = true;
  return absl::OkStatus();
}

absl::StatusOr<DedupTask*> Session::TaskFor(int32_t input_partition) {
  const int32_t key = scale_out_ ? input_partition : 0;
  std::unique_ptr<DedupTask>& task = tasks_[key];
  if (task == nullptr) {
    task = std::make_unique<DedupTask>();
    task->changelog_partition = key;
  }
  if (!task->verified) {
    if (absl::Status s = VerifyOrRestore(*task, input_partition); !s.ok()) return s;
  }
  return task.get();
}

int64_t Session::Limit(int64_t topic_limit) const {
  return topic_limit > 0 ? std::min(topic_limit, producer_->max_message_bytes())
                         : producer_->max_message_bytes();
}

absl::Status Session::SendOutput(const std::string& topic, int64_t topic_limit,
                                 std::string_view key, const std::string& value) {
  if (value.size() > kafka::RecordValueBudget(Limit(topic_limit), key.size())) {
    return absl::ResourceExhaustedError(absl::StrCat("its output for ", topic, " is ", value.size(),
                                                     " bytes, more than a record of ", topic,
                                                     " takes (", Limit(topic_limit), " bytes)"));
  }
  const uint64_t tag = batch_.inputs.size();  // Batch::NoteDelivery: the current record
  batch_.NoteDelivery(producer_->Send(topic, key, value, tag), tag);
  return absl::OkStatus();
}

void Session::SendDeadLetter(const kafka::ConsumedMessage& message, v1::DeadLetter letter,
                             const absl::Status& why) {
  BatchTally& tally = batch_.tally;
  const std::string reason = v1::DeadLetter::Reason_Name(letter.reason());
  if (!FitDeadLetter(&letter,
                     kafka::RecordValueBudget(Limit(context_.dlq_limit), message.key.size()))) {
    // Not even the reason fits: skipping is all that is left; looping on it would stop the
    // processor for good.
    ++tally.skipped_dead_letter_too_large;
    log_.Error("process",
               "record skipped: its dead letter does not fit in a record of the "
               "dead-letter topic",
               {{"topic", message.topic},
                {"partition", message.partition},
                {"offset", message.offset},
                {"reason", reason},
                {"error", why}});
    return;
  }
  ++tally.dead_lettered;
  ++tally.dead_letter_reasons[reason];
  if (tally.first_dead_letter.empty()) {
    tally.first_dead_letter =
        absl::StrCat(message.topic, "/", message.partition, "@", message.offset, ": ", reason,
                     " at ", letter.stage(), ": ", why.message());
  }
  log_.Debug("process", "dead letter",
             {{"topic", message.topic},
              {"partition", message.partition},
              {"offset", message.offset},
              {"reason", reason},
              {"error", why}});
  const uint64_t tag = batch_.inputs.size();
  batch_.NoteDelivery(producer_->Send(topics_.dlq, message.key, letter.SerializeAsString(), tag),
                      tag);
}

void Session::SendChangelog(const DedupTask& task, const pipeline::PipelineOutcome& outcome,
                            int32_t input_partition, int64_t input_offset) {
  if (!options_.durable_dedup) return;
  for (const dedupe::IndexedArticle& entry : outcome.dedupe_changes.inserted) {
    batch_.NoteDelivery(
        producer_->SendToPartition(
            topics_.dedup_changelog, task.changelog_partition, DedupEntryKey(entry.sequence),
            ToProto(entry, input_partition, input_offset).SerializeAsString()),
        0);
    ++batch_.tally.changelog;
  }
  for (uint64_t sequence : outcome.dedupe_changes.evicted) {
    batch_.NoteDelivery(
        producer_->SendTombstoneToPartition(topics_.dedup_changelog, task.changelog_partition,
                                            DedupEntryKey(sequence)),
        0);
    ++batch_.tally.changelog;
  }
}

absl::Status Session::ProcessRecord(const kafka::ConsumedMessage& message,
                                    std::optional<pipeline::PreparedOutcome> prepared_raw) {
  if (exactly_once_ && !batch_.in_transaction) {
    if (absl::Status s = producer_->BeginTransaction(); !s.ok()) return s;
    batch_.in_transaction = true;
  }
  ++batch_.records;
  ++report_.consumed;
  if (report_.first_record_ms == 0) report_.first_record_ms = NowUnixMillis();
  BatchTally& tally = batch_.tally;
  RecordOrigin origin;
  origin.topic = message.topic;
  origin.partition = message.partition;
  origin.offset = message.offset;
  batch_.next_offsets[{message.topic, message.partition}] = message.offset + 1;
  const bool raw = message.topic == topics_.raw;
  if (raw) {
    metrics_.consumed->Increment();
  } else if (metrics_.repartitioned_consumed != nullptr) {
    metrics_.repartitioned_consumed->Increment();
  }
  RecordCoordinates coordinates(message.topic, message.partition, message.offset);
  if (context_.refused_inputs.count(coordinates) > 0) {
    // The broker refused this record's output when its batch was first tried; the batch is
    // being redone without it.
    ++tally.skipped_output_refused;
    log_.Error(
        "process", "record skipped: the broker refused its output before",
        {{"topic", message.topic}, {"partition", message.partition}, {"offset", message.offset}});
    if (!raw || !scale_out_) {
      if (auto task = TaskFor(message.partition); task.ok()) {
        (*task)->processed_next[message.partition] = message.offset + 1;
        batch_.tasks.insert(*task);
      }
    }
    return absl::OkStatus();
  }
  batch_.inputs.push_back(std::move(coordinates));  // delivery tag batch_.inputs.size()

  // The stateless half (raw input), and the dedupe half (raw input in the single
  // topology, the repartition topic in the scale-out one).
  std::optional<v1::PreparedArticle> prepared;
  absl::Status stage_status;
  v1::DeadLetter dead_letter;
  if (raw) {
    pipeline::PreparedOutcome outcome =
        prepared_raw.has_value() ? std::move(*prepared_raw)
                                 : pipeline_->PrepareSerialized(message.value, message.key, origin);
    if (outcome.status.ok()) {
      if (outcome.event_time_clamped) ++tally.clamped_by_clock;
      const v1::Provenance& provenance = outcome.prepared.article().provenance();
      metrics_.normalize_seconds->Observe(provenance.timings_us().normalize() * 1e-6);
      metrics_.tag_seconds->Observe(provenance.timings_us().tag() * 1e-6);
      if (scale_out_) {
        stage_status = SendOutput(topics_.by_scope, context_.by_scope_limit,
                                  outcome.prepared.scope(), outcome.prepared.SerializeAsString());
        if (stage_status.ok()) ++tally.repartitioned;
      } else {
        prepared = std::move(outcome.prepared);
      }
    } else {
      stage_status = outcome.status;
      dead_letter = std::move(outcome.dead_letter);
    }
  } else {
    prepared.emplace();
    if (!prepared->ParseFromString(message.value)) {
      prepared.reset();
      stage_status = absl::InvalidArgumentError(absl::StrCat(
          "record value (", message.value.size(), " bytes) is not a newsflow.v1.PreparedArticle"));
      dead_letter = MakeDeadLetter(message.value, "dedupe", v1::DeadLetter::UNDECODABLE,
                                   std::string(stage_status.message()), origin);
      dead_letter.set_key(message.key);
    }
  }

  if (prepared.has_value()) {
    auto task = TaskFor(message.partition);
    if (!task.ok()) return task.status();
    pipeline::PipelineOutcome outcome = pipeline_->Finish(std::move(*prepared), *(*task)->deduper);
    (*task)->processed_next[message.partition] = message.offset + 1;
    batch_.tasks.insert(*task);
    if (outcome.event_time_clamped) ++tally.clamped_by_stream;
    std::string value = options_.enriched_value_prefix;
    outcome.article.AppendToString(&value);
    stage_status = SendOutput(topics_.enriched, context_.enriched_limit, outcome.article.key(), value);
    if (stage_status.ok()) {
      switch (outcome.article.dedup().status()) {
        case v1::DedupVerdict::EXACT_DUPLICATE:
          ++tally.exact;
          break;
        case v1::DedupVerdict::NEAR_DUPLICATE:
          ++tally.near;
          break;
        default:
          ++tally.unique;
          break;
      }
      ++tally.enriched;
      const v1::Provenance& provenance = outcome.article.provenance();
      metrics_.dedupe_seconds->Observe(provenance.timings_us().dedupe() * 1e-6);
      if (provenance.ingested_at_ms() > 0) {
        tally.ingested_at_ms.push_back(provenance.ingested_at_ms());
      }
    }
    // The index took the article either way; the changelog must say so.
    SendChangelog(**task, outcome, message.partition, message.offset);
  }
  if (stage_status.code() == absl::StatusCode::kResourceExhausted && dead_letter.stage().empty()) {
    // An output too large for its topic: the input goes to the dead-letter topic instead.
    dead_letter =
        MakeDeadLetter(message.value, raw && scale_out_ ? "prepare" : "produce",
                       v1::DeadLetter::TOO_LARGE, std::string(stage_status.message()), origin);
    dead_letter.set_key(message.key);
  }
  if (!stage_status.ok()) SendDeadLetter(message, std::move(dead_letter), stage_status);
  producer_->Poll(0);
  return absl::OkStatus();
}

absl::Status Session::CommitBatch() {
  if (batch_.records == 0) return absl::OkStatus();
  const int64_t commit_start_ms = NowUnixMillis();
  BatchTally& tally = batch_.tally;
  if (options_.durable_dedup) {
    for (DedupTask* task : batch_.tasks) {
      const dedupe::DedupeRestorePoint point = task->deduper->restore_point();
      v1::DedupMeta meta;
      meta.set_newest_event_time_ms(point.newest_event_time_ms);
      meta.set_next_sequence(point.next_sequence);
      meta.set_evicted_by_window(point.evicted_by_window);
      meta.set_evicted_by_cap(point.evicted_by_cap);
      meta.set_signature_scheme(point.signature_scheme);
      for (int64_t time : point.recent_event_times) meta.add_recent_event_times(time);
      for (const auto& [partition, next] : task->processed_next) {
        (*meta.mutable_input_offsets())[partition] = next - 1;
      }
      batch_.NoteDelivery(
          producer_->SendToPartition(topics_.dedup_changelog, task->changelog_partition,
                                     kDedupMetaKey, meta.SerializeAsString()),
          0);
      ++tally.changelog;
    }
  }
  std::vector<kafka::TopicPartitionOffset> offsets;
  for (const auto& [partition, offset] : batch_.next_offsets) {
    offsets.push_back({partition.first, partition.second, offset});
  }
  // Outputs the broker refused as such will be refused again: their inputs are skipped when
  // the batch is redone, so that one record can never stop the processor.
  auto remember_refused = [&] {
    // Delivery reports of a failed batch may still be arriving.
    producer_->Poll(0);
    for (const RecordCoordinates& input : batch_.refused) {
      if (context_.refused_inputs.insert(input).second) {
        log_.Error("process", "the broker refused the output of a record; it will be skipped",
                   {{"topic", std::get<0>(input)},
                    {"partition", std::get<1>(input)},
                    {"offset", std::get<2>(input)},
                    {"error", batch_.first_failure}});
      }
    }
  };
  if (exactly_once_) {
    // Outputs, changelog and input offsets become visible together, or not at all.
    absl::Status committed = batch_.failures > 0
                                 ? batch_.first_failure
                                 : producer_->SendOffsetsToTransaction(
                                       offsets, *consumer_, TimeoutMs(BatchAckTimeoutMs(options_)));
    if (committed.ok()) {
      committed = producer_->CommitTransaction(TimeoutMs(BatchAckTimeoutMs(options_)));
    }
    batch_.in_transaction = false;
    if (!committed.ok()) {
      (void)producer_->AbortTransaction(TimeoutMs(BatchAckTimeoutMs(options_)));
      metrics_.transactions_aborted->Increment();
      remember_refused();
      return absl::Status(committed.code(),
                          absl::StrCat("transaction aborted: ", committed.message(),
                                       "; resuming from the last committed batch"));
    }
    metrics_.transactions_committed->Increment();
  } else {
    absl::Status flushed = producer_->Flush(TimeoutMs(BatchAckTimeoutMs(options_)));
    if (!flushed.ok() || batch_.failures > 0) {
      remember_refused();
      return absl::UnavailableError(absl::StrCat(
          "outputs of a batch were not acknowledged (", batch_.failures, " failed",
          flushed.ok() ? "" : absl::StrCat(", ", flushed.message()), "; first error: ",
          batch_.first_failure.ok() ? "none" : std::string(batch_.first_failure.message()),
          "); its input offsets stay uncommitted and will be reprocessed"));
    }
    if (absl::Status committed = consumer_->Commit(offsets); !committed.ok()) return committed;
  }

  // The batch is durable: count it.
  for (DedupTask* task : batch_.tasks) task->committed_next = task->processed_next;
  const int64_t committed_ms = NowUnixMillis();
  metrics_.commit_seconds->Observe((committed_ms - commit_start_ms) * 1e-3);
  for (int64_t ingested : tally.ingested_at_ms) {
    metrics_.end_to_end_seconds->Observe(std::max<int64_t>(0, committed_ms - ingested) * 1e-3);
  }
  metrics_.enriched->Increment(tally.enriched);
  metrics_.dead_lettered->Increment(tally.dead_lettered);
  metrics_.changelog->Increment(tally.changelog);
  if (metrics_.repartitioned != nullptr) metrics_.repartitioned->Increment(tally.repartitioned);
  metrics_.unique->Increment(tally.unique);
  metrics_.near_duplicate->Increment(tally.near);
  metrics_.exact_duplicate->Increment(tally.exact);
  metrics_.batches->Increment();
  for (const auto& [reason, count] : tally.dead_letter_reasons) {
    metrics_.dead_letter_reasons->WithLabels({reason}).Increment(count);
  }
  metrics_.skipped_dead_letter_too_large->Increment(tally.skipped_dead_letter_too_large);
  metrics_.skipped_output_refused->Increment(tally.skipped_output_refused);
  metrics_.clamped_by_clock->Increment(tally.clamped_by_clock);
  metrics_.clamped_by_stream->Increment(tally.clamped_by_stream);
  report_.enriched += tally.enriched;
  report_.dead_lettered += tally.dead_lettered;
  report_.unique += tally.unique;
  report_.near_duplicates += tally.near;
  report_.exact_duplicates += tally.exact;
  ++report_.batches_committed;
  report_.last_commit_ms = committed_ms;
  if (tally.dead_lettered > 0) {
    std::vector<std::string> reasons;
    for (const auto& [reason, count] : tally.dead_letter_reasons) {
      reasons.push_back(absl::StrCat(reason, " x", count));
    }
    log_.Warn("process", absl::StrCat(tally.dead_lettered, " record(s) of the batch sent to ",
                                      topics_.dlq, ": ", absl::StrJoin(reasons, ", "),
                                      "; first: ", tally.first_dead_letter));
  }
  if (tally.clamped_by_clock + tally.clamped_by_stream > 0) {
    log_.Warn("process", "event times lowered for the dedup window (dates in the future)",
              {{"ahead_of_clock_or_ingest_time", tally.clamped_by_clock},
               {"ahead_of_recent_event_times", tally.clamped_by_stream}});
  }
  batch_ = Batch();
  return absl::OkStatus();
}

void Session::UpdateReadiness(int64_t now) {
  dedupe::DedupeStats total;
  for (const auto& [partition, task] : tasks_) {
    if (task->deduper == nullptr) continue;
    const dedupe::DedupeStats stats = task->deduper->stats();
    total.indexed_articles += stats.indexed_articles;
    total.evicted_by_window += stats.evicted_by_window;
    total.evicted_by_cap += stats.evicted_by_cap;
  }
  metrics_.index_articles->Set(static_cast<double>(total.indexed_articles));
  // Counters only grow; a task that moved away takes its figures with it.
  if (total.evicted_by_window > last_stats_.evicted_by_window) {
    metrics_.evicted_by_window->Increment(total.evicted_by_window - last_stats_.evicted_by_window);
  }
  if (total.evicted_by_cap > last_stats_.evicted_by_cap) {
    metrics_.evicted_by_cap->Increment(total.evicted_by_cap - last_stats_.evicted_by_cap);
  }
  last_stats_ = total;
  int64_t total_lag = 0;
  for (const auto& [partition, lag] : consumer_->Lag()) {
    metrics_.lag->WithLabels({partition.first, std::to_string(partition.second)})
        .Set(static_cast<double>(lag));
    total_lag += lag;
  }
  metrics_.lag_total->Set(static_cast<double>(total_lag));
  if (now - last_poll_error_ms_ < 15000) return;  // reported when the error happened
  if (!tasks_to_verify_.empty()) return;          // restoring; reported by VerifyOrRestore
  // The broker must be answering: a stopped or dead broker is seen within
  // ready_broker_timeout_ms, though the connection may still look open.
  const kafka::BrokerHealth health = consumer_->Health(options_.ready_broker_timeout_ms);
  if (!health.healthy) {
    readiness_.Set(false, absl::StrCat("kafka: ", health.problem), log_);
  } else if (!active_) {
    readiness_.Set(false,
                   absl::StrCat("standby: partition 0 of ", topics_.raw,
                                " is with another instance of the group"),
                   log_);
  } else if (consumer_->AssignedPartitions() == 0) {
    readiness_.Set(false, "waiting for partitions of " + topics_.raw, log_);
  } else if (total_lag > options_.ready_max_lag) {
    readiness_.Set(false, absl::StrCat("catching up: lag ", total_lag, " records"), log_);
  } else {
    readiness_.Set(true, "", log_);
  }
}

void Session::FillWindow(int timeout_ms) {
  // Enough records ahead to keep every worker busy while this thread dedupes, sends and
  // commits; few enough that a rebalance throws little work away.
  const size_t capacity =
      workers_ == nullptr ? 1 : 64 * static_cast<size_t>(options_.prepare_threads);
  while (window_.size() < capacity) {
    auto polled = consumer_->Poll(window_.empty() ? timeout_ms : 0);
    if (discard_window_) {  // partitions were revoked inside Poll
      window_.clear();
      discard_window_ = false;
    }
    if (!rebalance_error_.ok()) return;
    if (!polled.ok()) {
      if (polled.status().code() == absl::StatusCode::kUnauthenticated ||
          polled.status().code() == absl::StatusCode::kInternal) {
        rebalance_error_ = polled.status();  // credentials, TLS, a fatal client: end here
        return;
      }
      // Transient consumer errors (broker restarting) are retried by librdkafka itself.
      last_poll_error_ms_ = NowUnixMillis();
      log_.Warn("process", "kafka consumer", {{"error", polled.status()}});
      readiness_.Set(false, absl::StrCat("kafka: ", polled.status().message()), log_);
      return;
    }
    if (!polled->has_value()) return;
    PendingRecord pending;
    pending.message = std::make_shared<const kafka::ConsumedMessage>(std::move(**polled));
    if (workers_ != nullptr && pending.message->topic == topics_.raw) {
      RecordOrigin origin;
      origin.topic = pending.message->topic;
      origin.partition = pending.message->partition;
      origin.offset = pending.message->offset;
      pending.prepared = workers_->Submit(pending.message, std::move(origin));
    }
    window_.push_back(std::move(pending));
  }
}

absl::Status Session::Run() {
  absl::Status result = Start();
  const int64_t started_ms = NowUnixMillis();
  int64_t last_record_ms = started_ms;
  int64_t last_progress_ms = started_ms;
  uint64_t consumed_at_last_progress = report_.consumed;

  while (result.ok() && !stop_.load()) {
    readiness_.Heartbeat();
    // 1. Collect and process one batch.
    const int64_t batch_deadline = NowUnixMillis() + options_.batch_timeout_ms;
    while (batch_.records < options_.batch_size && !stop_.load() && result.ok()) {
      const int64_t remaining = batch_deadline - NowUnixMillis();
      if (remaining <= 0) break;
      FillWindow(static_cast<int>(remaining));
      if (!rebalance_error_.ok()) {
        result = rebalance_error_;
        break;
      }
      for (int32_t partition : std::exchange(tasks_to_verify_, {})) {
        if (auto task = TaskFor(partition); !task.ok()) result = task.status();
      }
      if (!result.ok()) break;
      if (window_.empty()) continue;
      PendingRecord next = std::move(window_.front());
      window_.pop_front();
      std::optional<pipeline::PreparedOutcome> prepared;
      if (next.prepared.has_value()) prepared = next.prepared->get();
      result = ProcessRecord(*next.message, std::move(prepared));
      if (options_.max_records > 0 && report_.consumed >= options_.max_records) break;
    }
    if (!result.ok()) break;
    // 2. Commit the batch: in one transaction (exactly-once), or inputs after the outputs
    // are acknowledged (at-least-once). A batch that fails stays uncommitted and is redone.
    if (batch_.records > 0) {
      result = CommitBatch();
      if (!result.ok()) break;
      last_record_ms = NowUnixMillis();
    }

    if (options_.max_records > 0 && report_.consumed >= options_.max_records) break;
    const int64_t now = NowUnixMillis();
    UpdateReadiness(now);
    if (options_.progress_interval_s > 0 &&
        now - last_progress_ms >= options_.progress_interval_s * 1000LL) {
      const double seconds = (now - last_progress_ms) / 1000.0;
      log_.Info("process", "progress",
                {{"consumed", report_.consumed},
                 {"enriched", report_.enriched},
                 {"dead_lettered", report_.dead_lettered},
                 {"records_per_s",
                  static_cast<int64_t>((report_.consumed - consumed_at_last_progress) / seconds)},
                 {"lag", static_cast<int64_t>(metrics_.lag_total->Value())},
                 {"dedup_index", static_cast<uint64_t>(last_stats_.indexed_articles)}});
      last_progress_ms = now;
      consumed_at_last_progress = report_.consumed;
    }
    if (options_.exit_when_idle_ms > 0) {
      if (window_.empty() && consumer_->AllAssignedAtEnd() &&
          now - last_record_ms >= options_.exit_when_idle_ms) {
        break;
      }
      if (consumer_->AssignedPartitions() == 0 && report_.consumed == 0 &&
          now - started_ms >= options_.assignment_timeout_ms) {
        result = absl::UnavailableError(
            absl::StrCat("no partition of ", topics_.raw, " was assigned within ",
                         options_.assignment_timeout_ms, " ms (is the broker at ",
                         options_.consumer.client.brokers, " reachable?)"));
        break;
      }
    }
  }

  // Shutdown: a failed batch is aborted (exactly-once) or left uncommitted; leave the group
  // cleanly. The consumer must be closed before it is destroyed (see kafka/client.h), and
  // closing revokes its partitions, which commits nothing more once the batch is empty.
  readiness_.Set(false, stop_.load() ? "shutting down" : "session ended", log_);
  if (!result.ok() && batch_.in_transaction && producer_ != nullptr) {
    (void)producer_->AbortTransaction(TimeoutMs(BatchAckTimeoutMs(options_)));
    metrics_.transactions_aborted->Increment();
  }
  batch_ = Batch();
  if (producer_ != nullptr) (void)producer_->Flush(TimeoutMs(BatchAckTimeoutMs(options_)));
  if (consumer_ != nullptr) {
    absl::Status closed = consumer_->Close();
    if (result.ok() && !closed.ok()) {
      log_.Warn("process", "closing the consumer", {{"error", closed}});
    }
  }
  return result;
}

int Session::TimeoutMs(int normal_ms) {
  if (!stop_.load()) return normal_ms;
  const int64_t now = NowUnixMillis();
  // Commit, abort and flush share three quarters of the shutdown bound; closing the
  // consumer gets the rest.
  if (shutdown_deadline_ms_ == 0)
    shutdown_deadline_ms_ = now + options_.shutdown_timeout_ms * 3 / 4;
  return static_cast<int>(std::clamp<int64_t>(shutdown_deadline_ms_ - now, 1, normal_ms));
}

void Batch::NoteDelivery(const absl::Status& status, uint64_t tag) {
  if (status.ok()) return;
  ++failures;
  if (first_failure.ok()) first_failure = status;
  // kInvalidArgument: the record itself was refused (too large, invalid), not the broker
  // being away; tag 0 marks records of no particular input (changelog, meta).
  if (status.code() == absl::StatusCode::kInvalidArgument && tag > 0 && tag <= inputs.size()) {
    refused.insert(inputs[tag - 1]);
  }
}

}  // namespace newsflow::service
