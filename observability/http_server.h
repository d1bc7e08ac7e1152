// Health and metrics HTTP endpoint for the long-running services (cpp-httplib on a
// background thread): GET /healthz (liveness: has the main loop sent a heartbeat recently),
// GET /readyz (readiness, with a plain-text reason when not ready) and GET /metrics (a
// Registry in the Prometheus text format). The main loop only touches atomics and, for
// SetReady, a short mutex; it never waits for the HTTP thread.
#ifndef NEWSFLOW_OBSERVABILITY_HTTP_SERVER_H_
#define NEWSFLOW_OBSERVABILITY_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "observability/metrics.h"

namespace newsflow::observability {

struct HealthServerOptions {
  // Address to bind: an IPv4/IPv6 literal or a host name. Default "127.0.0.1" (loopback
  // only); "0.0.0.0" serves every interface (e.g. for a Kubernetes probe or a scraper on
  // another host).
  std::string listen_address = "127.0.0.1";
  // TCP port, 0..65535. 0 = let the kernel pick a free port; read it with bound_port()
  // after Start(). Whether to run the server at all is the caller's choice (the CLI does
  // not construct one when no port is given). Default 0.
  int port = 0;
  // /healthz answers 503 when the last Heartbeat() (or Start(), which counts as one) is
  // older than this. Make it several times the longest normal gap between heartbeats
  // (a batch, a broker reconnect backoff of up to 30 s). Default 60 s.
  absl::Duration liveness_timeout = absl::Seconds(60);
  // Monotonic clock in microseconds used for heartbeats; tests inject a fake one.
  // Default (empty) newsflow::MonotonicMicros.
  std::function<int64_t()> monotonic_micros;

  absl::Status Validate() const;
};

// The endpoint. Thread-safe: Heartbeat, SetReady and the state getters may be called from
// any thread at any time, before, during or after serving.
//
//   GET /healthz → 200 "ok" | 503 "unhealthy: no heartbeat for 75s (timeout 60s)"
//   GET /readyz  → 200 "ready" | 503 "not ready: <reason>" (initially "not ready: starting")
//   GET /metrics → 200, Content-Type text/plain; version=0.0.4; charset=utf-8
//                  (404 when constructed without a registry)
// Anything else → 404. HEAD works wherever GET does.
class HealthServer {
 public:
  // `registry` may be null (no /metrics); when set it must outlive the server.
  explicit HealthServer(HealthServerOptions options, const Registry* registry = nullptr);
  ~HealthServer();  // Stop()
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // Validates the options, binds and starts serving on a background thread; returns once
  // the socket is listening (connections made after Start() returns are answered).
  // InvalidArgument for bad options; Unavailable naming the address when it cannot bind
  // (port in use, address not local, ...); FailedPrecondition when already started.
  // Counts as a heartbeat.
  absl::Status Start();
  // Stops accepting, finishes the requests in flight and joins the thread. Idempotent;
  // the server may be started again afterwards.
  void Stop();

  // The port being served (useful with port 0); 0 when not running.
  int bound_port() const { return bound_port_.load(std::memory_order_acquire); }
  bool running() const { return bound_port() != 0; }

  // Liveness: the main loop calls this once per iteration (one atomic store).
  void Heartbeat();
  // Readiness: ready = true → /readyz 200; false → 503 with "not ready: " + reason.
  // The reason is kept only while not ready.
  void SetReady(bool ready, std::string reason = "");

  // The states the endpoints report (the HTTP handlers use these).
  bool IsLive() const;
  bool IsReady() const { return ready_.load(std::memory_order_acquire); }
  // "ok" or "unhealthy: ..." / "ready" or "not ready: ...", as served.
  std::string LivenessText() const;
  std::string ReadinessText() const;

 private:
  class Impl;  // keeps <httplib.h> out of this header
  int64_t NowMicros() const;

  const HealthServerOptions options_;
  const Registry* const registry_;
  std::atomic<int64_t> last_heartbeat_micros_;
  std::atomic<bool> ready_{false};
  mutable std::mutex reason_mu_;
  std::string not_ready_reason_ = "starting";  // guarded by reason_mu_

  std::mutex lifecycle_mu_;  // serializes Start/Stop
  std::unique_ptr<Impl> impl_;
  std::thread thread_;
  std::atomic<int> bound_port_{0};
};

}  // namespace newsflow::observability

#endif  // NEWSFLOW_OBSERVABILITY_HTTP_SERVER_H_
