#include "observability/http_server.h"

#include <httplib.h>
#include <sys/socket.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"

namespace newsflow::observability {
namespace {

constexpr char kPlainText[] = "text/plain; charset=utf-8";
constexpr char kPrometheusText[] = "text/plain; version=0.0.4; charset=utf-8";

std::string HostPort(const std::string& host, int port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

}  // namespace

class HealthServer::Impl {
 public:
  httplib::Server server;
  std::atomic<bool> loop_exited{false};
};

absl::Status HealthServerOptions::Validate() const {
  if (listen_address.empty()) {
    return absl::InvalidArgumentError("health server listen_address must not be empty");
  }
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("health server port must be in [0, 65535], got ", port));
  }
  if (liveness_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("health server liveness_timeout must be positive, got ",
                     absl::FormatDuration(liveness_timeout)));
  }
  return absl::OkStatus();
}

HealthServer::HealthServer(HealthServerOptions options, const Registry* registry)
    : options_(std::move(options)), registry_(registry), last_heartbeat_micros_(0) {
  last_heartbeat_micros_.store(NowMicros(), std::memory_order_release);
}

HealthServer::~HealthServer() { Stop(); }

int64_t HealthServer::NowMicros() const {
  return options_.monotonic_micros ? options_.monotonic_micros() : MonotonicMicros();
}

void HealthServer::Heartbeat() {
  last_heartbeat_micros_.store(NowMicros(), std::memory_order_release);
}

void HealthServer::SetReady(bool ready, std::string reason) {
  std::lock_guard<std::mutex> lock(reason_mu_);
  not_ready_reason_ = ready ? "" : std::move(reason);
  ready_.store(ready, std::memory_order_release);
}

bool HealthServer::IsLive() const {
  const int64_t age = NowMicros() - last_heartbeat_micros_.load(std::memory_order_acquire);
  return age <= absl::ToInt64Microseconds(options_.liveness_timeout);
}

std::string HealthServer::LivenessText() const {
  const int64_t age = NowMicros() - last_heartbeat_micros_.load(std::memory_order_acquire);
  if (age <= absl::ToInt64Microseconds(options_.liveness_timeout)) return "ok";
  return absl::StrCat("unhealthy: no heartbeat for ",
                      absl::FormatDuration(absl::Trunc(absl::Microseconds(age), absl::Seconds(1))),
                      " (timeout ", absl::FormatDuration(options_.liveness_timeout), ")");
}

std::string HealthServer::ReadinessText() const {
  std::lock_guard<std::mutex> lock(reason_mu_);
  if (ready_.load(std::memory_order_acquire)) return "ready";
  if (not_ready_reason_.empty()) return "not ready";
  return absl::StrCat("not ready: ", not_ready_reason_);
}

absl::Status HealthServer::Start() {
  if (absl::Status status = options_.Validate(); !status.ok()) return status;
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (impl_ != nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "health server already running on ", HostPort(options_.listen_address, bound_port())));
  }
  auto impl = std::make_unique<Impl>();
  httplib::Server& server = impl->server;
  // cpp-httplib's default sets SO_REUSEPORT, which would let a second process bind a port
  // that is already serving; SO_REUSEADDR alone only allows rebinding over TIME_WAIT.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
  });
  // Two workers are plenty for probes and a scraper; short keep-alive so Stop() is quick.
  server.new_task_queue = [] { return new httplib::ThreadPool(2); };
  server.set_keep_alive_timeout(1);
  server.set_read_timeout(5);
  server.set_write_timeout(5);
  server.set_payload_max_length(4096);

  server.Get("/healthz", [this](const httplib::Request&, httplib::Response& response) {
    const bool live = IsLive();
    response.status = live ? 200 : 503;
    response.set_content(LivenessText() + "\n", kPlainText);
  });
  server.Get("/readyz", [this](const httplib::Request&, httplib::Response& response) {
    const bool ready = IsReady();
    response.status = ready ? 200 : 503;
    response.set_content(ReadinessText() + "\n", kPlainText);
  });
  server.Get("/metrics", [this](const httplib::Request&, httplib::Response& response) {
    if (registry_ == nullptr) {
      response.status = 404;
      response.set_content("no metrics registry\n", kPlainText);
      return;
    }
    response.status = 200;
    response.set_content(registry_->RenderPrometheus(), kPrometheusText);
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr) {
        response.status = 500;
        response.set_content("internal error\n", kPlainText);
      });

  errno = 0;
  int port = options_.port;
  bool bound = false;
  if (port == 0) {
    port = server.bind_to_any_port(options_.listen_address);
    bound = port > 0;
  } else {
    bound = server.bind_to_port(options_.listen_address, port);
  }
  if (!bound) {
    const int error = errno;
    return absl::UnavailableError(absl::StrCat(
        "health server cannot listen on ", HostPort(options_.listen_address, options_.port),
        error != 0 ? absl::StrCat(": ", std::strerror(error))
                   : std::string(": cannot resolve or bind the address")));
  }

  Impl* raw = impl.get();
  thread_ = std::thread([raw] {
    raw->server.listen_after_bind();
    raw->loop_exited.store(true, std::memory_order_release);
  });
  // Server::stop() only acts once the accept loop has started, so wait for it here; Stop()
  // can then never miss it. This takes microseconds.
  while (!raw->server.is_running() && !raw->loop_exited.load(std::memory_order_acquire)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  impl_ = std::move(impl);
  Heartbeat();
  bound_port_.store(port, std::memory_order_release);
  return absl::OkStatus();
}

void HealthServer::Stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (impl_ == nullptr) return;
  impl_->server.stop();
  if (thread_.joinable()) thread_.join();
  impl_.reset();
  bound_port_.store(0, std::memory_order_release);
}

}  // namespace newsflow::observability
