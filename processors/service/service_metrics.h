// What the processor service shows operators: its Prometheus metrics (one struct, children
// looked up once so a record costs a few relaxed atomic additions) and its readiness as
// /readyz and the `newsflow_ready` gauge report it.
#ifndef NEWSFLOW_PROCESSORS_SERVICE_SERVICE_METRICS_H_
#define NEWSFLOW_PROCESSORS_SERVICE_SERVICE_METRICS_H_

#include <string>

#include "kafka/topics.h"
#include "observability/http_server.h"
#include "observability/log.h"
#include "observability/metrics.h"

namespace newsflow::service {

struct ServiceMetrics {
  ServiceMetrics(observability::Registry& registry, const kafka::TopicsOptions& topics);

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
  observability::Counter* skipped_dead_letter_too_large;
  observability::Counter* skipped_output_refused;
  observability::Counter* clamped_by_clock;
  observability::Counter* clamped_by_stream;
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

}  // namespace newsflow::service

#endif  // NEWSFLOW_PROCESSORS_SERVICE_SERVICE_METRICS_H_
