#include <gtest/gtest.h>
#include <httplib.h>

#include "common/clock.h"
#include "dashboard/dashboard_service.h"

namespace newsflow::dashboard {
namespace {

class DashboardRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    observability::HttpServerOptions options;
    server_ = std::make_unique<observability::HttpServer>(options);
    AddDashboardRoutes(server_.get(), &aggregator_, &mu_, &ready_, 3600);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->bound_port());
  }
  Aggregator aggregator_{AggregatorOptions{}};
  std::mutex mu_;
  std::atomic<bool> ready_{false};
  std::unique_ptr<observability::HttpServer> server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(DashboardRoutes, ThePageAndItsScriptsAreServedWithAStrictPolicy) {
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<title>newsflow dashboard</title>"), std::string::npos);
  EXPECT_NE(page->get_header_value("Content-Security-Policy").find("script-src 'self'"),
            std::string::npos);
  auto script = client_->Get("/static/uPlot.iife.min.js");
  ASSERT_TRUE(script);
  EXPECT_EQ(script->status, 200);
  EXPECT_EQ(script->get_header_value("Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_GT(script->body.size(), 10000u);
  auto license = client_->Get("/static/uPlot.LICENSE.txt");
  ASSERT_TRUE(license);
  EXPECT_NE(license->body.find("MIT"), std::string::npos);
}

TEST_F(DashboardRoutes, SummaryTakesAWindowAndDecodedFilters) {
  v1::EnrichedArticle a;
  a.set_id("a");
  a.set_title("t");
  auto* region = a.add_regions();
  region->set_country_code("PL");
  region->set_role(v1::Region::FOCUS);
  region->set_region("Eastern Europe");
  const int64_t now = NowUnixMillis();
  aggregator_.Add(a, now - 1000, now);
  auto all = client_->Get("/api/summary?window=900");
  ASSERT_TRUE(all);
  EXPECT_EQ(all->status, 200);
  EXPECT_EQ(all->get_header_value("Content-Type"), "application/json");
  nlohmann::json s = nlohmann::json::parse(all->body);
  EXPECT_EQ(s["window"], 900);
  EXPECT_EQ(s["articles"], 1);
  EXPECT_EQ(s["state"]["caughtUp"], false);
  auto filtered = client_->Get("/api/summary?window=900&region=Eastern%20Europe");
  ASSERT_TRUE(filtered);
  EXPECT_EQ(nlohmann::json::parse(filtered->body)["articles"], 1);
  auto other = client_->Get("/api/summary?region=Western+Europe");
  EXPECT_EQ(nlohmann::json::parse(other->body)["articles"], 0);
  EXPECT_EQ(nlohmann::json::parse(other->body)["window"], 3600);  // the default
  auto bad = client_->Get("/api/summary?window=abc");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(DashboardRoutes, ItIsReadOnlyAndReadyOnlyAfterCatchingUp) {
  auto post = client_->Post("/api/summary", "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
  EXPECT_EQ(client_->Get("/readyz")->status, 503);
  ready_ = true;
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  EXPECT_EQ(client_->Get("/healthz")->status, 200);
  EXPECT_EQ(client_->Get("/nope")->status, 404);
}

}  // namespace
}  // namespace newsflow::dashboard
