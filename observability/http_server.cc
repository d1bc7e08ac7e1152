#include "observability/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"

namespace newsflow::observability {
namespace {

constexpr char kPrometheusText[] = "text/plain; version=0.0.4; charset=utf-8";

std::string HostPort(const std::string& host, int port) {
  if (absl::StrContains(host, ':')) return absl::StrCat("[", host, "]:", port);
  return absl::StrCat(host, ":", port);
}

const char* ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Unknown";
  }
}

std::string Serialize(const HttpResponse& response, bool head_only) {
  std::string out = absl::StrCat("HTTP/1.1 ", response.status, " ", ReasonPhrase(response.status),
                                 "\r\nContent-Type: ", response.content_type,
                                 "\r\nContent-Length: ", response.body.size(),
                                 "\r\nConnection: close\r\nCache-Control: no-store\r\n");
  for (const auto& [name, value] : response.headers)
    absl::StrAppend(&out, name, ": ", value, "\r\n");
  out += "\r\n";
  if (!head_only) out += response.body;
  return out;
}

HttpResponse Text(int status, std::string body) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

struct HttpServer::Connection {
  int fd = -1;
  int64_t accepted_us = 0;
  std::string in;
  std::string out;
  size_t written = 0;
  bool responding = false;
};

absl::Status HttpServerOptions::Validate() const {
  if (listen_address.empty()) {
    return absl::InvalidArgumentError("http server listen_address must not be empty");
  }
  if (port < 0 || port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("http server port must be in [0, 65535], got ", port));
  }
  if (max_connections < 2 || max_connections > 4096) {
    return absl::InvalidArgumentError(
        absl::StrCat("http server max_connections must be in [2, 4096], got ", max_connections));
  }
  if (request_timeout <= absl::ZeroDuration() || write_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("http server timeouts must be positive");
  }
  if (max_request_bytes < 256) {
    return absl::InvalidArgumentError("http server max_request_bytes must be at least 256");
  }
  return absl::OkStatus();
}

HttpServer::HttpServer(HttpServerOptions options) : options_(std::move(options)) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Handle(const std::string& path, HttpHandler handler) {
  routes_[path] = std::move(handler);
}

absl::Status HttpServer::Start() {
  if (absl::Status status = options_.Validate(); !status.ok()) return status;
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (thread_.joinable()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "http server already running on ", HostPort(options_.listen_address, bound_port())));
  }
  const std::string where = HostPort(options_.listen_address, options_.port);
  addrinfo hints = {};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* addresses = nullptr;
  const int resolved = getaddrinfo(options_.listen_address.c_str(),
                                   std::to_string(options_.port).c_str(), &hints, &addresses);
  if (resolved != 0) {
    return absl::UnavailableError(
        absl::StrCat("http server cannot listen on ", where, ": ", gai_strerror(resolved)));
  }
  int fd = -1;
  int error = 0;
  for (addrinfo* a = addresses; a != nullptr && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      error = errno;
      continue;
    }
    // SO_REUSEADDR only allows rebinding over TIME_WAIT; a port another process serves stays
    // refused (no SO_REUSEPORT).
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (bind(fd, a->ai_addr, a->ai_addrlen) != 0 || listen(fd, 128) != 0) {
      error = errno;
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(addresses);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrCat("http server cannot listen on ", where, ": ", std::strerror(error)));
  }
  sockaddr_storage bound = {};
  socklen_t length = sizeof(bound);
  getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length);
  const int port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  if (pipe2(wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    close(fd);
    return absl::InternalError(absl::StrCat("http server: pipe: ", std::strerror(errno)));
  }
  listen_fd_ = fd;
  stopping_.store(false);
  thread_ = std::thread([this, fd, wake = wake_fds_[0]] { Loop(fd, wake); });
  bound_port_.store(port, std::memory_order_release);
  return absl::OkStatus();
}

void HttpServer::Stop() {
  std::lock_guard<std::mutex> lock(lifecycle_mu_);
  if (!thread_.joinable()) return;
  stopping_.store(true);
  const char byte = 1;
  (void)!write(wake_fds_[1], &byte, 1);
  thread_.join();
  close(listen_fd_);
  close(wake_fds_[0]);
  close(wake_fds_[1]);
  listen_fd_ = wake_fds_[0] = wake_fds_[1] = -1;
  bound_port_.store(0, std::memory_order_release);
}

HttpResponse HttpServer::Dispatch(const RequestHead& request) const {
  if (request.method != "GET" && request.method != "HEAD") {
    HttpResponse response = Text(405, "only GET and HEAD\n");
    response.headers.emplace_back("Allow", "GET, HEAD");
    return response;
  }
  auto route = routes_.find(request.path);
  if (route == routes_.end()) return Text(404, "not found\n");
  return route->second(request);
}

void HttpServer::Loop(int listen_fd, int wake_fd) {
  pthread_setname_np(pthread_self(), "nf-http");
  const int64_t request_timeout_us = absl::ToInt64Microseconds(options_.request_timeout);
  const int64_t write_timeout_us = absl::ToInt64Microseconds(options_.write_timeout);
  std::vector<Connection> connections;  // in order of acceptance
  std::vector<pollfd> fds;
  auto close_connection = [](Connection& c) {
    close(c.fd);
    c.fd = -1;
  };
  auto respond = [&](Connection& c, const HttpResponse& response, bool head_only) {
    c.out = Serialize(response, head_only);
    c.written = 0;
    c.responding = true;
  };
  // Reads what has arrived (never waits), answers a complete request head, writes what the
  // socket takes, and closes the connection once its answer is out.
  auto serve = [&](Connection& c, short revents) {
    if (!c.responding) {
      char buffer[4096];
      const ssize_t n = recv(c.fd, buffer, sizeof(buffer), 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        close_connection(c);
        return;
      }
      if (n > 0) c.in.append(buffer, static_cast<size_t>(n));
      const std::optional<size_t> end = FindHeadEnd(c.in);
      if (!end.has_value()) {
        if (c.in.size() > options_.max_request_bytes) {
          respond(c, Text(431, "request head too large\n"), false);
        }
        if (!c.responding) return;
      } else {
        const std::optional<RequestHead> request =
            ParseRequestHead(std::string_view(c.in).substr(0, *end));
        if (!request.has_value()) {
          respond(c, Text(400, "bad request\n"), false);
        } else {
          respond(c, Dispatch(*request), request->method == "HEAD");
        }
      }
    }
    while (c.written < c.out.size()) {
      const ssize_t n =
          send(c.fd, c.out.data() + c.written, c.out.size() - c.written, MSG_NOSIGNAL);
      if (n > 0) {
        c.written += static_cast<size_t>(n);
      } else {
        break;  // EAGAIN: the rest when writable again; an error: closed below on POLLERR
      }
    }
    if (c.written >= c.out.size() || (revents & (POLLERR | POLLHUP)) != 0) {
      shutdown(c.fd, SHUT_WR);
      close_connection(c);
    }
  };
  while (!stopping_.load()) {
    const int64_t now = MonotonicMicros();
    // Deadlines: a request head within request_timeout of the accept, the response within
    // write_timeout after that.
    int64_t next_deadline = now + 1000000;
    for (Connection& c : connections) {
      const int64_t deadline =
          c.accepted_us + request_timeout_us + (c.responding ? write_timeout_us : 0);
      if (deadline <= now) {
        timed_out_.fetch_add(1, std::memory_order_relaxed);
        close_connection(c);
      } else {
        next_deadline = std::min(next_deadline, deadline);
      }
    }
    connections.erase(std::remove_if(connections.begin(), connections.end(),
                                     [](const Connection& c) { return c.fd < 0; }),
                      connections.end());
    fds.clear();
    fds.push_back({wake_fd, POLLIN, 0});
    fds.push_back({listen_fd, POLLIN, 0});
    for (const Connection& c : connections) {
      fds.push_back({c.fd, static_cast<short>(c.responding ? POLLOUT : POLLIN), 0});
    }
    const int timeout_ms = static_cast<int>(std::max<int64_t>(1, (next_deadline - now) / 1000));
    if (poll(fds.data(), fds.size(), timeout_ms) < 0 && errno != EINTR) break;
    if (fds[0].revents != 0) {
      char drain[16];
      while (read(wake_fd, drain, sizeof(drain)) > 0) {
      }
      continue;
    }
    // Serve the connections that are ready, then take new ones (which may close the oldest).
    for (size_t i = 0; i < connections.size(); ++i) {
      const short revents = fds[i + 2].revents;
      if (revents != 0) serve(connections[i], revents);
    }
    if (fds[1].revents != 0) {
      while (true) {
        const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;  // EAGAIN: none left; EMFILE and the like: try again later
        // Full: first answer every connection whose request has arrived (a probe sends its
        // request at once, and may have been accepted in this same burst), then the oldest
        // connection still without a complete request (an idle or slow client) makes room.
        auto open_count = [&] {
          size_t open = 0;
          for (const Connection& c : connections) open += c.fd >= 0;
          return open;
        };
        if (open_count() >= static_cast<size_t>(options_.max_connections)) {
          for (Connection& c : connections) {
            if (c.fd >= 0 && !c.responding) serve(c, POLLIN);
          }
        }
        if (open_count() >= static_cast<size_t>(options_.max_connections)) {
          // Who goes, in order: the oldest that has trickled part of a request (slowloris),
          // then the oldest that has sent nothing for a while (idle), then a recent one that
          // has sent part of a request; a connection accepted in the last 200 ms that has
          // sent nothing may be a probe its client has not yet had the CPU to write, so it
          // goes last.
          const int64_t grace_start = MonotonicMicros() - 200000;
          Connection* victim = nullptr;
          for (int pass = 0; pass < 4 && victim == nullptr; ++pass) {
            for (Connection& c : connections) {
              if (c.fd < 0) continue;
              const bool old_enough = c.accepted_us <= grace_start;
              const bool partial = !c.responding && !c.in.empty();
              const bool idle = !c.responding && c.in.empty();
              if ((pass == 0 && partial && old_enough) || (pass == 1 && idle && old_enough) ||
                  (pass == 2 && partial) || pass == 3) {
                victim = &c;
                break;
              }
            }
          }
          if (victim != nullptr) {
            close_connection(*victim);
            evicted_.fetch_add(1, std::memory_order_relaxed);
          }
        }
        Connection c;
        c.fd = fd;
        c.accepted_us = MonotonicMicros();
        connections.push_back(std::move(c));
      }
    }
  }
  for (Connection& c : connections) {
    if (c.fd >= 0) close(c.fd);
  }
}

// ---------------------------------------------------------------------------------------

absl::Status HealthServerOptions::Validate() const {
  if (auto s = http.Validate(); !s.ok()) return s;
  if (readiness_heartbeat_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("health server readiness_heartbeat_timeout must be >= 0");
  }
  if (liveness_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("health server liveness_timeout must be positive, got ",
                     absl::FormatDuration(liveness_timeout)));
  }
  return absl::OkStatus();
}

HealthServer::HealthServer(HealthServerOptions options, const Registry* registry)
    : options_(std::move(options)),
      registry_(registry),
      last_heartbeat_micros_(0),
      server_(options_.http) {
  last_heartbeat_micros_.store(NowMicros(), std::memory_order_release);
  server_.Handle("/healthz", [this](const RequestHead&) {
    return Text(IsLive() ? 200 : 503, LivenessText() + "\n");
  });
  server_.Handle("/readyz", [this](const RequestHead&) {
    return Text(IsReady() ? 200 : 503, ReadinessText() + "\n");
  });
  server_.Handle("/metrics", [this](const RequestHead&) {
    if (registry_ == nullptr) return Text(404, "no metrics registry\n");
    HttpResponse response = Text(200, registry_->RenderPrometheus());
    response.content_type = kPrometheusText;
    return response;
  });
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

bool HealthServer::IsReady() const {
  if (!ready_.load(std::memory_order_acquire)) return false;
  if (options_.readiness_heartbeat_timeout <= absl::ZeroDuration()) return true;
  const int64_t age = NowMicros() - last_heartbeat_micros_.load(std::memory_order_acquire);
  return age <= absl::ToInt64Microseconds(options_.readiness_heartbeat_timeout);
}

std::string HealthServer::ReadinessText() const {
  std::lock_guard<std::mutex> lock(reason_mu_);
  if (ready_.load(std::memory_order_acquire)) {
    if (IsReady()) return "ready";
    const int64_t age = NowMicros() - last_heartbeat_micros_.load(std::memory_order_acquire);
    return absl::StrCat(
        "not ready: the processing loop has not moved for ",
        absl::FormatDuration(absl::Trunc(absl::Microseconds(age), absl::Seconds(1))),
        " (waiting for the broker?)");
  }
  if (not_ready_reason_.empty()) return "not ready";
  return absl::StrCat("not ready: ", not_ready_reason_);
}

absl::Status HealthServer::Start() {
  if (absl::Status status = options_.Validate(); !status.ok()) return status;
  if (absl::Status status = server_.Start(); !status.ok()) return status;
  Heartbeat();
  return absl::OkStatus();
}

void HealthServer::Stop() { server_.Stop(); }

}  // namespace newsflow::observability
