// `newsflow dashboard`: the news at a glance, served from a consumer of the enriched topic.
#include <CLI/CLI.hpp>
#include <iostream>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "dashboard/dashboard_service.h"

namespace newsflow::cli {
namespace {

class DashboardCommand : public Command {
 public:
  KafkaFlags kafka;
  dashboard::DashboardOptions options;
  int http_port = 8080;
  int retention_h = 24;
  std::string group;
  std::string log_level = "info";
  std::string log_format = "text";

  CLI::App* Register(CLI::App* parent) override {
    CLI::App* app = parent->add_subcommand(
        "dashboard",
        "Serve a live page of the news on the enriched topic: articles per IPTC topic x "
        "country and M49 region, languages, sources, the largest story clusters, duplicate "
        "rates, throughput and end-to-end latency, over 15 minutes, 1 hour or 24 hours, "
        "with filters. A read_committed consumer that keeps no offsets and no database: on "
        "start it rebuilds its state from the topic's last --retention-hours. Also serves "
        "/api/summary?window=SECONDS[&topic=&region=&language=] (JSON, docs/DASHBOARD.md), "
        "/healthz and /readyz. Read-only; binds 127.0.0.1 unless --http-address says "
        "otherwise.");
    app->footer(kExitCodesHelp);
    kafka.Register(app);
    app->add_option("--topic", options.topic, "Topic of enriched articles")->capture_default_str();
    app->add_option("--http-port", http_port, "Port of the page and API")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    app->add_option("--http-address", options.http.listen_address,
                    "Address to listen on (0.0.0.0 exposes the page to the network; it has "
                    "no authentication)")
        ->capture_default_str();
    app->add_option("--retention-hours", retention_h,
                    "The longest window: articles older than this are not kept, and this is "
                    "how far back a start reads")
        ->check(CLI::Range(1, 24 * 31))
        ->capture_default_str();
    app->add_option("--max-articles", options.aggregator.max_articles,
                    "At most this many articles are held (about 100 bytes each, plus one "
                    "title and URL per story); the oldest go first")
        ->capture_default_str();
    app->add_option("--group", group,
                    "Consumer group (default: a fresh one per process; offsets are never "
                    "committed)");
    app->add_option("--log-level", log_level, "debug, info, warn or error")->capture_default_str();
    app->add_option("--log-format", log_format, "text or json")->capture_default_str();
    return app;
  }

  int Run(const RunContext&) override {
    observability::LoggerOptions log_options;
    auto level = observability::ParseLogLevel(log_level);
    if (!level.ok()) return Fail(level.status(), "dashboard");
    auto format = observability::ParseLogFormat(log_format);
    if (!format.ok()) return Fail(format.status(), "dashboard");
    log_options.level = *level;
    log_options.format = *format;
    observability::Logger log(log_options);
    if (auto s = kafka.Resolve(&log); !s.ok()) return Fail(s, "dashboard");
    options.consumer.client = kafka.client;
    options.consumer.client.client_id = "newsflow-dashboard";
    options.consumer.group_id =
        group.empty() ? absl::StrCat("newsflow-dashboard-", std::random_device{}()) : group;
    options.http.port = http_port;
    options.aggregator.retention_ms = static_cast<int64_t>(retention_h) * 3600 * 1000;
    if (options.default_window_s * 1000LL > options.aggregator.retention_ms) {
      options.default_window_s = static_cast<int>(options.aggregator.retention_ms / 1000);
    }
    absl::Status status = dashboard::RunDashboard(options, StopFlag(), log);
    if (!status.ok()) return Fail(status, "dashboard");
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeDashboardCommand() { return std::make_unique<DashboardCommand>(); }

}  // namespace newsflow::cli
