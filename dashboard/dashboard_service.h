// `newsflow dashboard` as a service: a read_committed consumer of the enriched topic that
// rebuilds its state from the last retention period on start (no database), feeds the
// Aggregator, and serves the page, /api/summary, /healthz and /readyz over HTTP. Read-only:
// it commits nothing and answers only GET and HEAD. Any number can watch one pipeline.
#ifndef NEWSFLOW_DASHBOARD_DASHBOARD_SERVICE_H_
#define NEWSFLOW_DASHBOARD_DASHBOARD_SERVICE_H_

#include <atomic>
#include <mutex>
#include <string>

#include "absl/status/status.h"
#include "dashboard/aggregator.h"
#include "kafka/client.h"
#include "observability/http_server.h"
#include "observability/log.h"

namespace newsflow::dashboard {

struct DashboardOptions {
  // Consumer settings; the group id is replaced by a fresh one per process unless set here
  // (dashboards keep no offsets: each rebuilds from the topic). isolation.level is
  // read_committed. Default: a fresh group.
  kafka::ConsumerOptions consumer;
  // Topic of newsflow.v1.EnrichedArticle records, plain or Confluent-framed. Default
  // "news.enriched".
  std::string topic = "news.enriched";
  // Where the page and API are served. Default 127.0.0.1:8080.
  observability::HttpServerOptions http;
  // Windows, memory bound and list lengths.
  AggregatorOptions aggregator;
  // Window of /api/summary when the request names none. Default 3600 s.
  int default_window_s = 3600;

  absl::Status Validate() const;
};

// Runs until `stop` is set. Returns an error when it cannot start (bad options, port in use,
// broker credentials refused); a broker that goes away is waited for, not an error.
absl::Status RunDashboard(const DashboardOptions& options, const std::atomic<bool>& stop,
                          observability::Logger& log);

// The HTTP side alone, for tests: the routes of the dashboard over `aggregator` (guarded by
// `mu`). `ready` says whether the initial catch-up has finished.
void AddDashboardRoutes(observability::HttpServer* server, Aggregator* aggregator,
                        std::mutex* mu, const std::atomic<bool>* ready, int default_window_s);

}  // namespace newsflow::dashboard

#endif  // NEWSFLOW_DASHBOARD_DASHBOARD_SERVICE_H_
