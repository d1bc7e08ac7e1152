#include "processors/service/processor_service.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "kafka/admin.h"
#include "observability/metrics.h"
#include "processors/service/service_metrics.h"
#include "processors/service/session.h"

namespace newsflow::service {

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
  if (ready_broker_timeout_ms < 1000) {
    return absl::InvalidArgumentError("ready_broker_timeout_ms must be at least 1000");
  }
  if (shutdown_timeout_ms < 1000) {
    return absl::InvalidArgumentError("shutdown_timeout_ms must be at least 1000");
  }
  if (serve_http) {
    if (auto s = http.Validate(); !s.ok()) return s;
  }
  return absl::OkStatus();
}

namespace {

// Errors after which a new session may succeed: the broker is away or restarting, or a
// transaction was aborted.
bool Recoverable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable ||
         status.code() == absl::StatusCode::kAborted ||
         status.code() == absl::StatusCode::kDeadlineExceeded;
}

// A topic's max.message.bytes, or 0 (the producer's own limit alone) when it cannot be read.
int64_t TopicLimit(const ProcessorOptions& options, const std::string& topic,
                   observability::Logger& log) {
  absl::StatusOr<int64_t> limit = absl::UnavailableError("not asked");
  absl::Status asked = RetryWhileStarting([&]() -> absl::Status {
    limit = kafka::TopicMaxMessageBytes(options.consumer.client, topic);
    return limit.status();
  }, /*timeout_ms=*/10000);
  if (!asked.ok()) {
    log.Warn("process", "cannot read the topic's record size limit; using the producer's",
             {{"topic", topic}, {"error", asked}});
    return 0;
  }
  return *limit;
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
             {{"address", options.http.http.listen_address}, {"port", server->bound_port()}});
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
  // The record size limits of the output topics, asked once: a dead letter or an output
  // that would not fit is cut or refused before it is sent, instead of failing a
  // transaction over and over.
  SessionContext context;
  context.enriched_limit = TopicLimit(options, topics.enriched, log);
  context.dlq_limit = TopicLimit(options, topics.dlq, log);
  if (!topics.by_scope.empty()) context.by_scope_limit = TopicLimit(options, topics.by_scope, log);

  ProcessReport report;
  int backoff_ms = 1000;
  absl::Status result;
  while (true) {
    const uint64_t committed_before = report.batches_committed;
    Session session(options, topics, stop, log, metrics, readiness, report, context);
    result = session.Run();
    // A service rides out broker outages; a run with an idle exit is a job and reports them.
    if (result.ok() || stop.load() || !Recoverable(result) || options.exit_when_idle_ms > 0) break;
    if (report.batches_committed > committed_before) backoff_ms = 1000;
    log.Warn("process", absl::StrCat(result.message(), "; starting again in ", backoff_ms / 1000,
                                     " s"));
    readiness.Set(false, absl::StrCat("restarting after an error: ", result.message()), log);
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
