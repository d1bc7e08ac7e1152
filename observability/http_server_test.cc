#include "observability/http_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
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
  options.port = first.bound_port();
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
  options.port = port;
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
  options.port = 70000;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options.port = -1;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options.port = 0;
  options.liveness_timeout = absl::ZeroDuration();
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  options.liveness_timeout = absl::Seconds(1);
  options.listen_address = "";
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));

  HealthServer server(options);
  EXPECT_THAT(server.Start(), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace newsflow::observability
