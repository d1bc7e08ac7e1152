#include "observability/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <vector>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>

#include "common/status_matchers.h"

namespace newsflow::observability {
namespace {

using ::newsflow::testing::IsOk;
using ::newsflow::testing::StatusIs;
using ::testing::HasSubstr;

struct Reply {
  int status = 0;
  std::string body;
  std::string content_type;
};

// One real loopback request.
Reply Get(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  httplib::Result result = client.Get(path);
  Reply reply;
  if (!result) {
    ADD_FAILURE() << "GET " << path << " failed: " << httplib::to_string(result.error());
    return reply;
  }
  reply.status = result->status;
  reply.body = result->body;
  reply.content_type = result->get_header_value("Content-Type");
  return reply;
}

// A clock the test moves by hand, so liveness never depends on how fast the machine is.
struct FakeClock {
  std::shared_ptr<std::atomic<int64_t>> micros = std::make_shared<std::atomic<int64_t>>(1'000'000);
  std::function<int64_t()> Function() const {
    auto shared = micros;
    return [shared] { return shared->load(); };
  }
  void Advance(absl::Duration d) { *micros += absl::ToInt64Microseconds(d); }
};

TEST(HealthServerTest, ServesHealthReadinessAndMetricsOverHttp) {
  Registry registry;
  Counter* counter = *registry.AddCounter("newsflow_records_total", "Records.");
  counter->Increment(7);
  HealthServer server(HealthServerOptions{}, &registry);
  ASSERT_THAT(server.Start(), IsOk());
  ASSERT_GT(server.bound_port(), 0);

  Reply health = Get(server.bound_port(), "/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  EXPECT_EQ(health.content_type, "text/plain; charset=utf-8");

  Reply ready = Get(server.bound_port(), "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_EQ(ready.body, "not ready: starting\n");

  Reply metrics = Get(server.bound_port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(metrics.body, registry.RenderPrometheus());
  EXPECT_THAT(metrics.body, HasSubstr("newsflow_records_total 7\n"));

  EXPECT_EQ(Get(server.bound_port(), "/nothing").status, 404);
  server.Stop();
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.bound_port(), 0);
}

TEST(HealthServerTest, ReadinessFollowsSetReadyWithReasons) {
  HealthServer server(HealthServerOptions{});
  ASSERT_THAT(server.Start(), IsOk());
  const int port = server.bound_port();

  server.SetReady(false, "restoring dedup index");
  EXPECT_EQ(Get(port, "/readyz").body, "not ready: restoring dedup index\n");
  server.SetReady(false, "catching up, lag 1234");
  Reply catching_up = Get(port, "/readyz");
  EXPECT_EQ(catching_up.status, 503);
  EXPECT_EQ(catching_up.body, "not ready: catching up, lag 1234\n");

  server.SetReady(true);
  Reply ready = Get(port, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");
  EXPECT_TRUE(server.IsReady());

  server.SetReady(false, "broker unreachable");
  Reply lost = Get(port, "/readyz");
  EXPECT_EQ(lost.status, 503);
  EXPECT_EQ(lost.body, "not ready: broker unreachable\n");
  EXPECT_FALSE(server.IsReady());
}

TEST(HealthServerTest, LivenessFailsWhenHeartbeatsStopAndRecoversOnHeartbeat) {
  FakeClock clock;
  HealthServerOptions options;
  options.liveness_timeout = absl::Seconds(60);
  options.monotonic_micros = clock.Function();
  HealthServer server(options);
  ASSERT_THAT(server.Start(), IsOk());
  const int port = server.bound_port();

  clock.Advance(absl::Seconds(59));
  EXPECT_EQ(Get(port, "/healthz").status, 200);
  server.Heartbeat();
  clock.Advance(absl::Seconds(45));
  EXPECT_EQ(Get(port, "/healthz").status, 200);  // 45 s since the heartbeat

  clock.Advance(absl::Seconds(30));
  Reply stale = Get(port, "/healthz");
  EXPECT_EQ(stale.status, 503);
  EXPECT_EQ(stale.body, "unhealthy: no heartbeat for 1m15s (timeout 1m)\n");
  EXPECT_FALSE(server.IsLive());

  server.Heartbeat();
  Reply recovered = Get(port, "/healthz");
  EXPECT_EQ(recovered.status, 200);
  EXPECT_EQ(recovered.body, "ok\n");
}

TEST(HealthServerTest, ReadinessLapsesWhenTheLoopStopsMovingLongBeforeLiveness) {
  FakeClock clock;
  HealthServerOptions options;
  options.readiness_heartbeat_timeout = absl::Seconds(5);
  options.monotonic_micros = clock.Function();
  HealthServer server(options);
  ASSERT_THAT(server.Start(), IsOk());
  server.SetReady(true);
  clock.Advance(absl::Seconds(4));
  EXPECT_EQ(Get(server.bound_port(), "/readyz").status, 200);
  clock.Advance(absl::Seconds(3));  // stuck in a commit to a stalled broker
  Reply stuck = Get(server.bound_port(), "/readyz");
  EXPECT_EQ(stuck.status, 503);
  EXPECT_THAT(stuck.body, HasSubstr("has not moved for 7s"));
  EXPECT_EQ(Get(server.bound_port(), "/healthz").status, 200);
  server.Heartbeat();
  EXPECT_EQ(Get(server.bound_port(), "/readyz").status, 200);
}

TEST(HealthServerTest, LivenessGoesUnhealthyWithTheRealClock) {
  HealthServerOptions options;
  options.liveness_timeout = absl::Milliseconds(20);
  HealthServer server(options);
  ASSERT_THAT(server.Start(), IsOk());
  // No heartbeat after Start(): the state must turn unhealthy (waits at most 10 s).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (server.IsLive() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_FALSE(server.IsLive());
  Reply reply = Get(server.bound_port(), "/healthz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_THAT(reply.body, HasSubstr("unhealthy: no heartbeat for"));
}

TEST(HealthServerTest, PortInUseIsUnavailableNamingTheAddress) {
  HealthServer first(HealthServerOptions{});
  ASSERT_THAT(first.Start(), IsOk());
  HealthServerOptions options;
  options.http.port = first.bound_port();
  HealthServer second(options);
  const absl::Status status = second.Start();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("127.0.0.1:" + std::to_string(first.bound_port())));
  EXPECT_FALSE(second.running());
  // The first one still answers.
  EXPECT_EQ(Get(first.bound_port(), "/healthz").status, 200);
}

TEST(HealthServerTest, ServesOnAFixedPortAndCanRestartAfterStop) {
  HealthServer probe(HealthServerOptions{});
  ASSERT_THAT(probe.Start(), IsOk());
  const int port = probe.bound_port();
  probe.Stop();

  HealthServerOptions options;
  options.http.port = port;
  HealthServer server(options);
  ASSERT_THAT(server.Start(), IsOk());
  EXPECT_EQ(server.bound_port(), port);
  EXPECT_THAT(server.Start(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(Get(port, "/healthz").status, 200);
  server.Stop();
  server.Stop();  // idempotent
  ASSERT_THAT(server.Start(), IsOk());
  EXPECT_EQ(Get(port, "/healthz").status, 200);
}

TEST(HealthServerTest, MetricsIsNotFoundWithoutARegistry) {
  HealthServer server(HealthServerOptions{});
  ASSERT_THAT(server.Start(), IsOk());
  EXPECT_EQ(Get(server.bound_port(), "/metrics").status, 404);
}

TEST(HealthServerTest, StopsRightAfterStartAndInDestructor) {
  for (int i = 0; i < 20; ++i) {
    HealthServer server(HealthServerOptions{});
    ASSERT_THAT(server.Start(), IsOk());
    if (i % 2 == 0) server.Stop();
  }
}

TEST(HealthServerOptionsTest, RejectsBadOptions) {
  HealthServerOptions options;
  EXPECT_THAT(options.Validate(), IsOk());
  options.http.port = 70000;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options.http.port = -1;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options.http.port = 0;
  options.liveness_timeout = absl::ZeroDuration();
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options.liveness_timeout = absl::Seconds(1);
  options.http.listen_address = "";
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options.http.listen_address = "127.0.0.1";
  options.http.max_connections = 1;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));

  HealthServer server(options);
  EXPECT_THAT(server.Start(), StatusIs(absl::StatusCode::kInvalidArgument));
}

// A raw TCP client for the hostile tests: httplib would send whole requests.
int Connect(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ADD_FAILURE() << "connect: " << std::strerror(errno);
  }
  return fd;
}

// Sends `request` whole and reads the answer to the end.
std::string Exchange(int port, const std::string& request) {
  const int fd = Connect(port);
  timeval timeout{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  (void)!send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string answer;
  char buffer[4096];
  ssize_t n;
  while ((n = recv(fd, buffer, sizeof(buffer), 0)) > 0) answer.append(buffer, n);
  close(fd);
  return answer;
}

TEST(HttpServerTest, RefusesOtherMethodsBadRequestsAndHugeHeads) {
  HealthServer server(HealthServerOptions{});
  ASSERT_THAT(server.Start(), IsOk());
  const int port = server.bound_port();
  EXPECT_THAT(Exchange(port, "POST /healthz HTTP/1.1\r\nHost: x\r\n\r\n"),
              HasSubstr("HTTP/1.1 405 "));
  EXPECT_THAT(Exchange(port, "GARBAGE\r\n\r\n"), HasSubstr("HTTP/1.1 400 "));
  EXPECT_THAT(Exchange(port, "GET /healthz HTTP/1.1\r\nX: " + std::string(20000, 'a')),
              HasSubstr("HTTP/1.1 431 "));
  const std::string head = Exchange(port, "HEAD /healthz HTTP/1.0\r\n\r\n");
  EXPECT_THAT(head, HasSubstr("HTTP/1.1 200 "));
  EXPECT_THAT(head, HasSubstr("Content-Length: 3\r\n"));
  EXPECT_EQ(head.substr(head.size() - 4), "\r\n\r\n");  // no body
  EXPECT_EQ(Get(port, "/healthz").status, 200);
}

// Slowloris: clients that trickle a request head that never ends. Each is cut off once its
// head is late, and, with more of them than connections allowed, the oldest make room, so the
// probe is always answered.
TEST(HttpServerTest, SlowClientsCannotKeepTheProbeOut) {
  HealthServerOptions options;
  options.http.max_connections = 4;
  options.http.request_timeout = absl::Seconds(1);
  HealthServer server(options);
  ASSERT_THAT(server.Start(), IsOk());
  const int port = server.bound_port();
  std::atomic<bool> done{false};
  std::atomic<int> cut_off{0};
  std::vector<std::thread> attackers;
  for (int i = 0; i < 6; ++i) {
    attackers.emplace_back([&] {
      while (!done.load()) {
        const int fd = Connect(port);
        (void)!send(fd, "GET /healthz HTTP/1.1\r\n", 23, MSG_NOSIGNAL);
        while (!done.load()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          if (send(fd, "X", 1, MSG_NOSIGNAL) < 0) break;  // the server closed it
          char byte;
          if (recv(fd, &byte, 1, MSG_DONTWAIT) == 0) break;
        }
        ++cut_off;
        close(fd);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  int answered = 0;
  for (int i = 0; i < 20; ++i) {
    answered += Get(port, "/healthz").status == 200;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  done.store(true);
  for (std::thread& t : attackers) t.join();
  EXPECT_EQ(answered, 20);
  EXPECT_GT(cut_off.load(), 0);
  EXPECT_GT(server.http().evicted_connections() + server.http().timed_out_connections(), 0u);
}

// Idle connections that never send anything: far more than the server keeps open.
TEST(HttpServerTest, ThousandIdleConnectionsCannotKeepTheProbeOut) {
  rlimit limit;
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  if (limit.rlim_cur < 1200) {
    limit.rlim_cur = std::min<rlim_t>(limit.rlim_max, 4096);
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (limit.rlim_cur < 1200) GTEST_SKIP() << "needs 1200 file descriptors";
  HealthServer server(HealthServerOptions{});
  ASSERT_THAT(server.Start(), IsOk());
  const int port = server.bound_port();
  std::vector<int> idle;
  for (int i = 0; i < 1000; ++i) idle.push_back(Connect(port));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Get(port, "/healthz").status, 200);
  for (int fd : idle) close(fd);
  EXPECT_GE(server.http().evicted_connections(), 1000u - 64u);
}

TEST(HttpRequestTest, ParsesTheRequestLineAndQuery) {
  auto request = ParseRequestHead("GET /api/summary?window=3600&x HTTP/1.1\r\nHost: a\r\n\r\n");
  ASSERT_TRUE(request.has_value());
  EXPECT_EQ(request->method, "GET");
  EXPECT_EQ(request->path, "/api/summary");
  EXPECT_EQ(request->query.at("window"), "3600");
  EXPECT_EQ(request->query.at("x"), "");
  EXPECT_FALSE(ParseRequestHead("GET http://evil/ HTTP/1.1\r\n\r\n").has_value());
  EXPECT_FALSE(ParseRequestHead("GET /a\x01b HTTP/1.1\r\n\r\n").has_value());
  EXPECT_FALSE(ParseRequestHead("GET /a HTTP/2\r\n\r\n").has_value());
  EXPECT_FALSE(ParseRequestHead("get /a HTTP/1.1\r\n\r\n").has_value());
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nA: b\r\n"), std::nullopt);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\n\n"), 16u);
}

}  // namespace
}  // namespace newsflow::observability
