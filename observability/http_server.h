// newsflow's HTTP endpoints: a small HTTP/1.1 server on one background thread with an event
// loop (poll), serving GET and HEAD on fixed paths, and on it the health and metrics endpoint
// of the long-running services: GET /healthz (liveness: has the main loop sent a heartbeat
// recently), GET /readyz (readiness, with a plain-text reason when not ready) and GET
// /metrics (a Registry in the Prometheus text format).
//
// It is built so that nobody who can reach it can keep it from answering a probe: no client
// ever holds a thread (the loop never waits on one connection), a request head must arrive
// whole within a short time of the connection being accepted (slowloris clients are cut
// off), connections are bounded and a new one past the bound closes the oldest unanswered
// one (idle connections cannot fill it), and every response closes its connection. The main
// loop only touches atomics and, for SetReady, a short mutex; it never waits for the HTTP
// thread.
#ifndef NEWSFLOW_OBSERVABILITY_HTTP_SERVER_H_
#define NEWSFLOW_OBSERVABILITY_HTTP_SERVER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "observability/http_request.h"
#include "observability/metrics.h"

namespace newsflow::observability {

struct HttpServerOptions {
  // Address to bind: an IPv4/IPv6 literal or a host name. Default "127.0.0.1" (loopback
  // only); "0.0.0.0" serves every interface.
  std::string listen_address = "127.0.0.1";
  // TCP port, 0..65535. 0 = let the kernel pick a free port; read it with bound_port()
  // after Start(). Default 0.
  int port = 0;
  // Connections open at once, at most. A new connection past it closes the oldest one
  // that has not been answered, so idle or slow clients can never keep a probe out.
  // Default 64.
  int max_connections = 64;
  // The request head must arrive whole within this time after the connection is accepted;
  // a client that sends it slower (slowloris) is disconnected. Probes and scrapers send it
  // at once. Default 2 s.
  absl::Duration request_timeout = absl::Seconds(2);
  // The response must be taken by the client within this time. Default 5 s.
  absl::Duration write_timeout = absl::Seconds(5);
  // Largest request head (request line and headers); larger ones get 431. Default 8 KiB.
  size_t max_request_bytes = 8192;

  absl::Status Validate() const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Runs on the server thread; must not block (it holds up every other client).
using HttpHandler = std::function<HttpResponse(const RequestHead&)>;

class HttpServer {
 public:
  explicit HttpServer(HttpServerOptions options);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Serves `path` (exact match, query ignored) with `handler`. Before Start().
  void Handle(const std::string& path, HttpHandler handler);

  // Validates the options, binds and starts serving on a background thread; returns once
  // the socket is listening. InvalidArgument for bad options; Unavailable naming the
  // address when it cannot bind (port in use, address not local, ...); FailedPrecondition
  // when already started.
  absl::Status Start();
  // Stops serving, closes every connection and joins the thread. Idempotent; the server may
  // be started again afterwards.
  void Stop();

  // The port being served (useful with port 0); 0 when not running.
  int bound_port() const { return bound_port_.load(std::memory_order_acquire); }
  // Connections closed because a new one needed the room, or their request was too slow.
  uint64_t evicted_connections() const { return evicted_.load(std::memory_order_relaxed); }
  uint64_t timed_out_connections() const { return timed_out_.load(std::memory_order_relaxed); }

 private:
  struct Connection;
  void Loop(int listen_fd, int wake_fd);
  HttpResponse Dispatch(const RequestHead& request) const;

  const HttpServerOptions options_;
  std::map<std::string, HttpHandler> routes_;
  std::mutex lifecycle_mu_;  // serializes Start/Stop
  std::thread thread_;
  int listen_fd_ = -1;
  int wake_fds_[2] = {-1, -1};
  std::atomic<bool> stopping_{false};
  std::atomic<int> bound_port_{0};
  std::atomic<uint64_t> evicted_{0};
  std::atomic<uint64_t> timed_out_{0};
};

struct HealthServerOptions {
  // Where and how to serve (address, port, connection limits; see HttpServerOptions).
  // Default 127.0.0.1 on a port the kernel picks.
  HttpServerOptions http;
  // /healthz answers 503 when the last Heartbeat() (or Start(), which counts as one) is
  // older than this. Make it several times the longest normal gap between heartbeats
  // (a batch, a broker reconnect backoff of up to 30 s). Default 60 s.
  absl::Duration liveness_timeout = absl::Seconds(60);
  // /readyz also answers 503 when the last Heartbeat() is older than this, whatever
  // SetReady said last: a loop stuck waiting (on a stalled broker, say) is not ready long
  // before it is dead. Zero = off. Default zero.
  absl::Duration readiness_heartbeat_timeout = absl::ZeroDuration();
  // Monotonic clock in microseconds used for heartbeats; tests inject a fake one.
  // Default (empty) newsflow::MonotonicMicros.
  std::function<int64_t()> monotonic_micros;

  absl::Status Validate() const;
};

// The health endpoint. Thread-safe: Heartbeat, SetReady and the state getters may be called
// from any thread at any time, before, during or after serving.
//
//   GET /healthz → 200 "ok" | 503 "unhealthy: no heartbeat for 75s (timeout 60s)"
//   GET /readyz  → 200 "ready" | 503 "not ready: <reason>" (initially "not ready: starting")
//   GET /metrics → 200, Content-Type text/plain; version=0.0.4; charset=utf-8
//                  (404 when constructed without a registry)
// Anything else → 404; methods other than GET and HEAD → 405.
class HealthServer {
 public:
  // `registry` may be null (no /metrics); when set it must outlive the server.
  explicit HealthServer(HealthServerOptions options, const Registry* registry = nullptr);
  ~HealthServer();  // Stop()
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  // See HttpServer::Start. Counts as a heartbeat.
  absl::Status Start();
  void Stop();

  int bound_port() const { return server_.bound_port(); }
  bool running() const { return bound_port() != 0; }
  const HttpServer& http() const { return server_; }

  // Liveness: the main loop calls this once per iteration (one atomic store).
  void Heartbeat();
  // Readiness: ready = true → /readyz 200; false → 503 with "not ready: " + reason.
  // The reason is kept only while not ready.
  void SetReady(bool ready, std::string reason = "");

  // The states the endpoints report (the HTTP handlers use these).
  bool IsLive() const;
  bool IsReady() const;
  // "ok" or "unhealthy: ..." / "ready" or "not ready: ...", as served.
  std::string LivenessText() const;
  std::string ReadinessText() const;

 private:
  int64_t NowMicros() const;

  const HealthServerOptions options_;
  const Registry* const registry_;
  std::atomic<int64_t> last_heartbeat_micros_;
  std::atomic<bool> ready_{false};
  mutable std::mutex reason_mu_;
  std::string not_ready_reason_ = "starting";  // guarded by reason_mu_
  HttpServer server_;
};

}  // namespace newsflow::observability

#endif  // NEWSFLOW_OBSERVABILITY_HTTP_SERVER_H_
