#include "processors/service/processor_service.h"

#include <pthread.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <future>
#include <mutex>
#include <cstdlib>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/clock.h"
#include "observability/metrics.h"
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
  if (ready_max_lag < 0) return absl::InvalidArgumentError("ready_max_lag must be >= 0");
  if (prepare_threads < 0 || prepare_threads > 64) {
    return absl::InvalidArgumentError("prepare_threads must be between 0 and 64");
  }
  if (serve_http) {
    if (auto s = http.Validate(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

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

// What /metrics shows about the processor. Children are looked up once, so the per-record
// cost is a few relaxed atomic additions.
struct ServiceMetrics {
  ServiceMetrics(observability::Registry& registry, const kafka::TopicsOptions& topics) {
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
    dead_letter_reasons = Registered(registry.AddCounterFamily(
        "newsflow_dead_letters_total", "Records sent to the dead-letter topic, by reason.",
        {"reason"}));
    auto* verdict_family = Registered(registry.AddCounterFamily(
        "newsflow_dedup_verdicts_total", "Dedup verdicts of committed articles.", {"verdict"}));
    unique = &verdict_family->WithLabels({"unique"});
    near_duplicate = &verdict_family->WithLabels({"near_duplicate"});
    exact_duplicate = &verdict_family->WithLabels({"exact_duplicate"});
    auto* stage_family = Registered(registry.AddHistogramFamily(
        "newsflow_stage_seconds", "Time per record in each pipeline stage.", {"stage"},
        {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
         0.05, 0.1}));
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
    auto* transaction_family = Registered(registry.AddCounterFamily(
        "newsflow_transactions_total", "Kafka transactions (exactly-once), by outcome.",
        {"outcome"}));
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
    index_articles = Registered(registry.AddGauge("newsflow_dedup_index_articles",
                                                  "Articles in the dedup index."));
    auto* eviction_family = Registered(registry.AddCounterFamily(
        "newsflow_dedup_evictions_total", "Articles evicted from the dedup index, by cause.",
        {"cause"}));
    evicted_by_window = &eviction_family->WithLabels({"window"});
    evicted_by_cap = &eviction_family->WithLabels({"memory_cap"});
    ready = Registered(registry.AddGauge("newsflow_ready", "1 when /readyz reports ready."));
  }

  observability::Counter* consumed;
  observability::Counter* enriched;
  observability::Counter* dead_lettered;
  observability::Counter* changelog;
  observability::Counter* repartitioned = nullptr;  // null in the single topology
  observability::Counter* repartitioned_consumed = nullptr;
  observability::CounterFamily* dead_letter_reasons;
  observability::Counter* unique;
  observability::Counter* near_duplicate;
  observability::Counter* exact_duplicate;
  observability::Histogram* normalize_seconds;
  observability::Histogram* dedupe_seconds;
  observability::Histogram* tag_seconds;
  observability::Histogram* commit_seconds;
  observability::Histogram* end_to_end_seconds;
  observability::Counter* transactions_committed;
  observability::Counter* transactions_aborted;
  observability::Counter* batches;
  observability::Counter* sessions;
  observability::GaugeFamily* lag;
  observability::Gauge* lag_total;
  observability::Gauge* index_articles;
  observability::Counter* evicted_by_window;
  observability::Counter* evicted_by_cap;
  observability::Gauge* ready;
};

// Readiness as /readyz and the `newsflow_ready` gauge report it; a no-op without HTTP.
class Readiness {
 public:
  Readiness(observability::HealthServer* server, observability::Gauge* gauge)
      : server_(server), gauge_(gauge) {}
  void Set(bool ready, const std::string& reason, observability::Logger& log) {
    if (ready == ready_ && reason == reason_) return;
    // Transitions are worth a line; the detail after a reason's colon ("catching up: lag
    // 5200 records") changes with every batch and is not.
    auto kind = [](const std::string& r) { return r.substr(0, r.find(':')); };
    const bool same_kind = !ready && !ready_ && kind(reason) == kind(reason_);
    ready_ = ready;
    reason_ = reason;
    gauge_->Set(ready ? 1 : 0);
    if (server_ != nullptr) server_->SetReady(ready, reason);
    if (!same_kind) log.Info("process", ready ? "ready" : "not ready: " + reason);
  }
  void Heartbeat() {
    if (server_ != nullptr) server_->Heartbeat();
  }

 private:
  observability::HealthServer* server_;
  observability::Gauge* gauge_;
  bool ready_ = false;
  std::string reason_ = "starting";
};

// Per-batch bookkeeping for metrics that only count once the batch is committed.
struct BatchTally {
  uint64_t enriched = 0, dead_lettered = 0, changelog = 0, repartitioned = 0;
  uint64_t unique = 0, near = 0, exact = 0;
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

  // Counts a record refused at send time or reported as not delivered.
  void NoteSent(const absl::Status& status) {
    if (status.ok()) return;
    ++failures;
    if (first_failure.ok()) first_failure = status;
  }
};

// Runs the stateless stage (decode, normalize, tag) of raw records on worker threads, ahead
// of the polling thread, which keeps the input order and does dedupe, sending and
// committing. Each worker has its own pipeline (stages are not shared between threads).
class PrepareWorkers {
 public:
  static absl::StatusOr<std::unique_ptr<PrepareWorkers>> Create(
      const pipeline::PipelineOptions& options, int threads) {
    std::unique_ptr<PrepareWorkers> workers(new PrepareWorkers());
    for (int i = 0; i < threads; ++i) {
      auto pipeline = pipeline::Pipeline::Create(options);
      if (!pipeline.ok()) return pipeline.status();
      workers->pipelines_.push_back(std::move(*pipeline));
    }
    for (int i = 0; i < threads; ++i) {
      workers->threads_.emplace_back([w = workers.get(), i] {
        pthread_setname_np(pthread_self(), "nf-prepare");  // for top -H and profilers
        w->Work(*w->pipelines_[i]);
      });
    }
    return workers;
  }

  // Joins the threads; jobs still queued are dropped (their futures report broken promises,
  // which nobody waits for once the session is over).
  ~PrepareWorkers() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      queue_.clear();
    }
    ready_.notify_all();
    for (std::thread& thread : threads_) thread.join();
  }

  std::future<pipeline::PreparedOutcome> Submit(std::shared_ptr<const kafka::ConsumedMessage> message,
                                                RecordOrigin origin) {
    auto promise = std::make_shared<std::promise<pipeline::PreparedOutcome>>();
    std::future<pipeline::PreparedOutcome> future = promise->get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      queue_.push_back([message = std::move(message), origin = std::move(origin),
                        promise](pipeline::Pipeline& pipeline) {
        promise->set_value(pipeline.PrepareSerialized(message->value, message->key, origin));
      });
    }
    ready_.notify_one();
    return future;
  }

 private:
  PrepareWorkers() = default;

  void Work(pipeline::Pipeline& pipeline) {
    while (true) {
      std::function<void(pipeline::Pipeline&)> job;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
        if (stopping_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job(pipeline);
    }
  }

  std::vector<std::unique_ptr<pipeline::Pipeline>> pipelines_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void(pipeline::Pipeline&)>> queue_;  // guarded by mu_
  bool stopping_ = false;                                        // guarded by mu_
  std::vector<std::thread> threads_;  // last: joined before the rest is destroyed
};

// A record polled ahead of processing, its stateless stage perhaps under way on a worker.
struct PendingRecord {
  std::shared_ptr<const kafka::ConsumedMessage> message;
  std::optional<std::future<pipeline::PreparedOutcome>> prepared;
};

// One connection's worth of processing: clients and pipeline are made, and batches run
// until `stop`, the idle exit, or an error. Dedup indexes are restored from the changelog
// when their input is (re)assigned. Everything uncommitted is discarded with the session,
// so a new session resumes exactly at the last committed batch.
class Session {
 public:
  Session(const ProcessorOptions& options, const kafka::TopicsOptions& topics,
          const std::atomic<bool>& stop, observability::Logger& log, ServiceMetrics& metrics,
          Readiness& readiness, ProcessReport& report)
      : options_(options),
        topics_(topics),
        stop_(stop),
        log_(log),
        metrics_(metrics),
        readiness_(readiness),
        report_(report),
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
  void Send(const std::string& topic, std::string_view key, const std::string& value);
  void SendChangelog(const DedupTask& task, const pipeline::PipelineOutcome& outcome,
                     int32_t input_partition, int64_t input_offset);
  absl::Status CommitBatch();
  void OnRevoked();
  void OnAssigned(const std::vector<kafka::TopicPartitionOffset>& assigned);
  void UpdateReadiness(int64_t now);

  const ProcessorOptions& options_;
  const kafka::TopicsOptions& topics_;
  const std::atomic<bool>& stop_;
  observability::Logger& log_;
  ServiceMetrics& metrics_;
  Readiness& readiness_;
  ProcessReport& report_;
  const bool scale_out_;
  const bool exactly_once_;

  std::unique_ptr<pipeline::Pipeline> pipeline_;
  // Destruction order: the consumer (closed in Run) goes before the producer it commits
  // offsets through, and both before the batch and tasks they refer to.
  Batch batch_;
  std::map<int32_t, std::unique_ptr<DedupTask>> tasks_;  // by changelog partition
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  int raw_partitions_ = 1;
  absl::Status rebalance_error_;  // a commit on revocation failed: end the session
  // Records polled but not yet processed; dropped when partitions are revoked (the
  // consumer fetches them again from the committed offsets).
  std::deque<PendingRecord> window_;
  bool discard_window_ = false;
  // Input partitions whose dedup task must be verified after the last assignment.
  std::vector<int32_t> tasks_to_verify_;
  std::unique_ptr<PrepareWorkers> workers_;  // after window_: its jobs finish or drop first
  int64_t last_poll_error_ms_ = 0;
  dedupe::DedupeStats last_stats_;
};

absl::Status Session::Start() {
  metrics_.sessions->Increment();
  auto pipeline = pipeline::Pipeline::Create(options_.pipeline);
  if (!pipeline.ok()) return pipeline.status();
  pipeline_ = std::move(*pipeline);

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
  auto producer = kafka::Producer::Create(
      producer_options, [this](const kafka::DeliveryReport& r) { batch_.NoteSent(r.status); });
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);
  readiness_.Set(false, "connecting to the broker", log_);
  if (exactly_once_) {
    if (absl::Status s = producer_->InitTransactions(30000); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat(s.message(), " (a broker without transactions "
                                                             "needs --guarantee at-least-once)"));
    }
  }
  auto consumer = kafka::Consumer::Create(options_.consumer);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  if (options_.prepare_threads > 0) {
    auto workers = PrepareWorkers::Create(options_.pipeline, options_.prepare_threads);
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
    log_.Warn("process", absl::StrCat(topics_.raw, " has ", raw_partitions_,
                                      " partitions: the single topology keeps one index for "
                                      "all of them, so only one instance of the group can run "
                                      "(a second one stops with an error); --topology "
                                      "scale-out shares the work"));
  }
  kafka::RebalanceListener listener;
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
  if (!scale_out_) {
    // One index for the whole raw topic: it cannot be shared out. Two instances each holding
    // part of a multi-partition raw topic would write one changelog from both sides.
    int raw_assigned = 0;
    for (const kafka::TopicPartitionOffset& p : assigned) raw_assigned += p.topic == topics_.raw;
    if (raw_assigned > 0 && raw_assigned < raw_partitions_ && rebalance_error_.ok()) {
      rebalance_error_ = absl::FailedPreconditionError(absl::StrCat(
          "the single topology needs all ", raw_partitions_, " partitions of ", topics_.raw,
          " in one instance, but this one was given ", raw_assigned,
          ": another instance of group ", options_.consumer.group_id,
          " shares them. Use --topology scale-out, or a raw topic with one partition"));
    }
    return;
  }
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
      return absl::Status(restored.code(), absl::StrCat("cannot restore the dedup index: ",
                                                        restored.message()));
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

void Session::Send(const std::string& topic, std::string_view key, const std::string& value) {
  batch_.NoteSent(producer_->Send(topic, key, value));
}

void Session::SendChangelog(const DedupTask& task, const pipeline::PipelineOutcome& outcome,
                            int32_t input_partition, int64_t input_offset) {
  if (!options_.durable_dedup) return;
  for (const dedupe::IndexedArticle& entry : outcome.dedupe_changes.inserted) {
    batch_.NoteSent(producer_->SendToPartition(
        topics_.dedup_changelog, task.changelog_partition, DedupEntryKey(entry.sequence),
        ToProto(entry, input_partition, input_offset).SerializeAsString()));
    ++batch_.tally.changelog;
  }
  for (uint64_t sequence : outcome.dedupe_changes.evicted) {
    batch_.NoteSent(producer_->SendTombstoneToPartition(
        topics_.dedup_changelog, task.changelog_partition, DedupEntryKey(sequence)));
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

  // The stateless half (raw input), and the dedupe half (raw input in the single
  // topology, the repartition topic in the scale-out one).
  std::optional<v1::PreparedArticle> prepared;
  std::string dead_letter_reason;
  absl::Status stage_status;
  v1::DeadLetter dead_letter;
  if (message.topic == topics_.raw) {
    metrics_.consumed->Increment();
    pipeline::PreparedOutcome outcome =
        prepared_raw.has_value() ? std::move(*prepared_raw)
                                 : pipeline_->PrepareSerialized(message.value, message.key, origin);
    if (outcome.status.ok()) {
      const v1::Provenance& provenance = outcome.prepared.article().provenance();
      metrics_.normalize_seconds->Observe(provenance.timings_us().normalize() * 1e-6);
      metrics_.tag_seconds->Observe(provenance.timings_us().tag() * 1e-6);
      if (scale_out_) {
        ++tally.repartitioned;
        Send(topics_.by_scope, outcome.prepared.scope(), outcome.prepared.SerializeAsString());
      } else {
        prepared = std::move(outcome.prepared);
      }
    } else {
      stage_status = outcome.status;
      dead_letter = std::move(outcome.dead_letter);
    }
  } else {
    if (metrics_.repartitioned_consumed != nullptr) metrics_.repartitioned_consumed->Increment();
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
    switch (outcome.article.dedup().status()) {
      case v1::DedupVerdict::EXACT_DUPLICATE: ++tally.exact; break;
      case v1::DedupVerdict::NEAR_DUPLICATE: ++tally.near; break;
      default: ++tally.unique; break;
    }
    ++tally.enriched;
    const v1::Provenance& provenance = outcome.article.provenance();
    metrics_.dedupe_seconds->Observe(provenance.timings_us().dedupe() * 1e-6);
    if (provenance.ingested_at_ms() > 0) tally.ingested_at_ms.push_back(provenance.ingested_at_ms());
    Send(topics_.enriched, outcome.article.key(), outcome.article.SerializeAsString());
    SendChangelog(**task, outcome, message.partition, message.offset);
  } else if (!stage_status.ok()) {
    ++tally.dead_lettered;
    const std::string reason = v1::DeadLetter::Reason_Name(dead_letter.reason());
    ++tally.dead_letter_reasons[reason];
    if (tally.first_dead_letter.empty()) {
      tally.first_dead_letter =
          absl::StrCat(message.topic, "/", message.partition, "@", message.offset, ": ", reason,
                       " at ", dead_letter.stage(), ": ", stage_status.message());
    }
    log_.Debug("process", "dead letter",
               {{"topic", message.topic},
                {"partition", message.partition},
                {"offset", message.offset},
                {"reason", reason},
                {"error", stage_status}});
    Send(topics_.dlq, message.key, dead_letter.SerializeAsString());
  }
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
      for (const auto& [partition, next] : task->processed_next) {
        (*meta.mutable_input_offsets())[partition] = next - 1;
      }
      batch_.NoteSent(producer_->SendToPartition(topics_.dedup_changelog,
                                                 task->changelog_partition, kDedupMetaKey,
                                                 meta.SerializeAsString()));
      ++tally.changelog;
    }
  }
  std::vector<kafka::TopicPartitionOffset> offsets;
  for (const auto& [partition, offset] : batch_.next_offsets) {
    offsets.push_back({partition.first, partition.second, offset});
  }
  if (exactly_once_) {
    // Outputs, changelog and input offsets become visible together, or not at all.
    absl::Status committed =
        batch_.failures > 0
            ? batch_.first_failure
            : producer_->SendOffsetsToTransaction(offsets, *consumer_, BatchAckTimeoutMs(options_));
    if (committed.ok()) committed = producer_->CommitTransaction(BatchAckTimeoutMs(options_));
    batch_.in_transaction = false;
    if (!committed.ok()) {
      (void)producer_->AbortTransaction(BatchAckTimeoutMs(options_));
      metrics_.transactions_aborted->Increment();
      return absl::Status(committed.code(),
                          absl::StrCat("transaction aborted: ", committed.message(),
                                       "; resuming from the last committed batch"));
    }
    metrics_.transactions_committed->Increment();
  } else {
    absl::Status flushed = producer_->Flush(BatchAckTimeoutMs(options_));
    if (!flushed.ok() || batch_.failures > 0) {
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
  if (!tasks_to_verify_.empty()) return;  // restoring; reported by VerifyOrRestore
  if (consumer_->AssignedPartitions() == 0) {
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
  const size_t capacity = workers_ == nullptr ? 1 : 64 * static_cast<size_t>(options_.prepare_threads);
  while (window_.size() < capacity) {
    auto polled = consumer_->Poll(window_.empty() ? timeout_ms : 0);
    if (discard_window_) {  // partitions were revoked inside Poll
      window_.clear();
      discard_window_ = false;
    }
    if (!rebalance_error_.ok()) return;
    if (!polled.ok()) {
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
        result = absl::UnavailableError(absl::StrCat(
            "no partition of ", topics_.raw, " was assigned within ",
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
    (void)producer_->AbortTransaction(BatchAckTimeoutMs(options_));
    metrics_.transactions_aborted->Increment();
  }
  batch_ = Batch();
  if (producer_ != nullptr) (void)producer_->Flush(BatchAckTimeoutMs(options_));
  if (consumer_ != nullptr) {
    absl::Status closed = consumer_->Close();
    if (result.ok() && !closed.ok()) {
      log_.Warn("process", "closing the consumer", {{"error", closed}});
    }
  }
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
                                           const std::atomic<bool>& stop,
                                           observability::Logger& log) {
  if (auto s = options.Validate(); !s.ok()) return s;
  kafka::TopicsOptions topics = options.topics;
  if (options.topology == Topology::kScaleOut) {
    topics.by_scope = topics.ByScopeFor(options.consumer.group_id);
    if (topics.dedup_changelog.empty()) topics.dedup_changelog = topics.by_scope + "-changelog";
  } else {
    topics.by_scope.clear();
    topics.dedup_changelog = topics.DedupChangelogFor(options.consumer.group_id);
  }

  // The registry outlives the server that renders it (declared first, destroyed last).
  observability::Registry registry;
  ServiceMetrics metrics(registry, topics);
  std::unique_ptr<observability::HealthServer> server;
  if (options.serve_http) {
    server = std::make_unique<observability::HealthServer>(options.http, &registry);
    if (absl::Status s = server->Start(); !s.ok()) return s;
    log.Info("process", "serving /healthz /readyz /metrics",
             {{"address", options.http.listen_address}, {"port", server->bound_port()}});
  }
  Readiness readiness(server.get(), metrics.ready);

  if (options.create_topics) {
    readiness.Set(false, "creating topics", log);
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
    Session session(options, topics, stop, log, metrics, readiness, report);
    result = session.Run();
    // A service rides out broker outages; a run with an idle exit is a job and reports them.
    if (result.ok() || stop.load() || !Recoverable(result) || options.exit_when_idle_ms > 0) break;
    if (report.batches_committed > committed_before) backoff_ms = 1000;
    log.Warn("process", absl::StrCat(result.message(), "; starting again in ", backoff_ms / 1000,
                                     " s"));
    readiness.Set(false, absl::StrCat("kafka unavailable, retrying: ", result.message()), log);
    for (int waited = 0; waited < backoff_ms && !stop.load(); waited += 100) {
      readiness.Heartbeat();
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    backoff_ms = std::min(backoff_ms * 2, 30000);
  }
  log.Info("process",
           absl::StrCat("done: consumed ", report.consumed, ", enriched ", report.enriched,
                        " (unique ", report.unique, ", near duplicates ", report.near_duplicates,
                        ", exact duplicates ", report.exact_duplicates, "), dead-lettered ",
                        report.dead_lettered));
  if (report.last_commit_ms > report.first_record_ms && report.first_record_ms > 0) {
    const double seconds = (report.last_commit_ms - report.first_record_ms) / 1000.0;
    log.Info("process", "throughput from the first record to the last commit",
             {{"seconds", seconds},
              {"articles", report.enriched + report.dead_lettered},
              {"articles_per_s",
               static_cast<int64_t>((report.enriched + report.dead_lettered) / seconds)}});
  }
  if (!result.ok()) return result;
  return report;
}

}  // namespace newsflow::service
