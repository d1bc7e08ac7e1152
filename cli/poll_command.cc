// `newsflow poll`: follow feeds, sitemaps and home pages, and publish every new article to
// the raw topic (or write it as JSON Lines).
#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "ingest/poller.h"
#include "ingest/sources.h"
#include "ingest/state_store.h"
#include "observability/http_server.h"
#include "observability/metrics.h"
#include "producers/poll_sinks.h"

namespace newsflow::cli {
namespace {

// "90", "90s", "15m", "2h", "7d" as seconds.
absl::Status ParseSeconds(const std::string& text, const std::string& flag, int64_t* seconds) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [rest, error] = std::from_chars(text.data(), end, value);
  const std::string_view unit(rest, static_cast<size_t>(end - rest));
  int64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1;
  if (unit == "m") scale = 60;
  if (unit == "h") scale = 3600;
  if (unit == "d") scale = 86400;
  if (error != std::errc() || scale == 0 || value < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        flag, ": '", text, "' is not a duration (seconds, or a number with s, m, h or d)"));
  }
  *seconds = value * scale;
  return absl::OkStatus();
}

class PollCommand : public Command {
 public:
  KafkaFlags kafka;
  producers::KafkaSinkOptions sink_options;
  ingest::PollerOptions options;
  ingest::StateStoreOptions store_options;
  std::string sources_path;
  std::string state_dir = "poll-state";
  std::string output;
  std::string min_interval = "5m";
  std::string max_interval = "1h";
  std::string max_item_age = "7d";
  std::string seen_expiry = "90d";
  bool no_create_topics = false;
  int http_port = 0;
  observability::HealthServerOptions health_options;
  std::string log_level = "info";
  std::string log_format = "text";
  CLI::App* command = nullptr;

  CLI::App* Register(CLI::App* parent) override {
    CLI::App* app = parent->add_subcommand(
        "poll",
        "Follow news feeds (RSS 0.9x/1.0/2.0, Atom, JSON Feed), sitemaps (indexes, Google "
        "News, .xml.gz) and home pages (their <link rel=alternate> feeds and robots.txt "
        "Sitemap: lines), fetch each new article's page and publish it to the raw topic as "
        "newsflow.v1.RawArticle. Polite: robots.txt (RFC 9309), one connection and a delay "
        "per host, conditional GET (ETag, Last-Modified), Cache-Control max-age, RSS <ttl> "
        "and Retry-After. What was published, validators, due times and robots.txt persist "
        "in --state-dir (SQLite), so a restart neither publishes an item again nor forgets "
        "when a source is due. Runs as a service until SIGINT/SIGTERM, or one round with "
        "--once.");
    app->footer(
        "Exit status with --once: 0 every source answered and every new article was "
        "delivered;\n1 could not run (configuration, broker unreachable, state directory); 2 bad "
        "command line;\n3 some source or page failed (logged with its URL; retried next time); "
        "4 some articles were not\nacknowledged (they stay unseen and are published by the "
        "next poll); 130 interrupted by\nSIGINT/SIGTERM. As a service: 0 after SIGINT/SIGTERM, "
        "1 when the state store fails.");
    app->add_option("--sources", sources_path,
                    "File of sources: one URL per line ('#' starts a comment), or TOML with "
                    "[[source]] tables (url; optionally interval (seconds or \"15m\"), "
                    "language, source = the outlet's name)")
        ->required();
    app->add_option("--state-dir", state_dir,
                    "Directory of the poller's state (poll-state.sqlite): created if missing; "
                    "one poller per directory")
        ->capture_default_str();
    app->add_flag("--once", options.once,
                  "Poll every source once, due or not (and what they lead to), then exit");
    app->add_option("--output", output,
                    "Write articles as JSON Lines to FILE (appended) or - (stdout) instead of "
                    "publishing them: the format produce and batch read, e.g. "
                    "'newsflow poll --once --output - | newsflow batch -'");
    app->add_option("--host-delay-ms", options.scheduler.host_delay_ms,
                    "Least time between two requests to the same host (one connection per "
                    "host)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app->add_flag("--no-fetch", options.no_fetch,
                  "Publish the feed's own content (content:encoded, Atom content, "
                  "description) instead of fetching each page: for full-content feeds");
    app->add_flag("--emit-updates", options.emit_updates,
                  "Publish an item again when its title or date changed (by default a known "
                  "item is never published twice)");
    app->add_option("--min-interval", min_interval,
                    "Shortest interval between polls of a source (seconds, or 90s, 5m, 2h, 1d); "
                    "intervals adapt: halved after new items, 1.5x while unchanged")
        ->capture_default_str();
    app->add_option("--max-interval", max_interval,
                    "Longest interval between polls of a source, and the longest wait a "
                    "server's max-age or <ttl> can ask for")
        ->capture_default_str();
    app->add_option("--user-agent", options.scheduler.fetch.user_agent,
                    "User-Agent of every request; its first word is the token robots.txt "
                    "groups are matched against")
        ->capture_default_str();
    app->add_option("--fetch-threads", options.scheduler.threads,
                    "Requests in flight at once (to different hosts)")
        ->capture_default_str();
    app->add_option("--timeout-ms", options.scheduler.fetch.timeout_ms,
                    "Time limit of one request, connecting included")
        ->capture_default_str();
    app->add_option("--max-page-bytes", options.max_page_bytes,
                    "Pages larger than this (decoded) are skipped")
        ->capture_default_str();
    app->add_option("--max-items-per-poll", options.max_items_per_poll,
                    "New items taken from one poll of a source, newest first (the rest come "
                    "with the next poll, after --min-interval)")
        ->capture_default_str();
    app->add_option("--max-item-age", max_item_age,
                    "Items dated older than this are remembered without being fetched (0 = "
                    "take every item, e.g. to backfill a sitemap)")
        ->capture_default_str();
    app->add_option("--max-redirects", options.max_redirects,
                    "Redirects followed per request (each hop checked against robots.txt)")
        ->capture_default_str();
    app->add_option("--seen-capacity", store_options.seen_capacity,
                    "Items remembered at most; the least recently seen in a feed are "
                    "forgotten first")
        ->capture_default_str();
    app->add_option("--seen-expiry", seen_expiry,
                    "Items not seen in any feed for this long are forgotten")
        ->capture_default_str();
    kafka.Register(app);
    RegisterTopicFlags(app, &sink_options.topics);
    app->add_flag("--no-create-topics", no_create_topics,
                  "Do not create missing topics (they must exist)");
    app->add_option("--delivery-timeout-ms", sink_options.producer.delivery_timeout_ms,
                    "How long to retry a record before reporting it as not acknowledged")
        ->capture_default_str();
    app->add_option("--progress-interval", options.progress_interval_s,
                    "Seconds between progress lines in the log (0 = none)")
        ->capture_default_str();
    app->add_option("--http-port", http_port,
                    "Serve /healthz, /readyz and /metrics (Prometheus) on this port; 0 = off")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    app->add_option("--http-address", health_options.http.listen_address,
                    "Address the health/metrics endpoint listens on")
        ->capture_default_str();
    app->add_option("--log-level", log_level, "debug, info, warn or error")->capture_default_str();
    app->add_option("--log-format", log_format,
                    "text (one line per event) or json (one JSON object per line)")
        ->capture_default_str();
    command = app;
    return app;
  }

  int Run(const RunContext& context) override {
    observability::LoggerOptions log_options;
    auto level = observability::ParseLogLevel(log_level);
    if (!level.ok()) return Fail(level.status(), "poll");
    auto format = observability::ParseLogFormat(log_format);
    if (!format.ok()) return Fail(format.status(), "poll");
    log_options.level = *level;
    log_options.format = *format;
    observability::Logger log(log_options);
    if (context.origins != nullptr && log.Enabled(observability::LogLevel::kInfo) &&
        log_options.format == observability::LogFormat::kText) {
      PrintEffectiveConfig(*command, *context.origins, std::cerr);
    }

    for (auto [text, flag, target] :
         {std::tuple{&min_interval, "--min-interval", &options.intervals.min_s},
          std::tuple{&max_interval, "--max-interval", &options.intervals.max_s},
          std::tuple{&max_item_age, "--max-item-age", &options.max_item_age_s}}) {
      if (auto s = ParseSeconds(*text, flag, target); !s.ok()) return Fail(s, "poll");
    }
    int64_t expiry_s = 0;
    if (auto s = ParseSeconds(seen_expiry, "--seen-expiry", &expiry_s); !s.ok()) {
      return Fail(s, "poll");
    }
    store_options.seen_expiry_ms = expiry_s * 1000;
    options.robots_token = options.scheduler.fetch.user_agent.substr(
        0, options.scheduler.fetch.user_agent.find_first_of("/ "));
    if (auto s = options.Validate(); !s.ok()) return Fail(s, "poll");
    if (auto s = store_options.Validate(); !s.ok()) return Fail(s, "poll");

    auto sources = ingest::ReadSources(sources_path);
    if (!sources.ok()) {
      // A mistake in the file is configuration, not the command line: status 1.
      return Fail(absl::FailedPreconditionError(sources.status().message()), "poll");
    }
    auto store = ingest::StateStore::Open(state_dir, store_options);
    if (!store.ok()) return Fail(store.status(), "poll");

    std::unique_ptr<ingest::ArticleSink> sink;
    std::string destination;
    if (!output.empty()) {
      auto lines = producers::JsonLinesSink::Open(output);
      if (!lines.ok()) return Fail(lines.status(), "poll");
      sink = std::move(*lines);
      destination = output == "-" ? "standard output" : output;
    } else {
      if (auto s = kafka.Resolve(&log); !s.ok()) return Fail(s, "poll");
      sink_options.producer.client = kafka.client;
      sink_options.producer.client.client_id = "newsflow-poll";
      sink_options.create_topics = !no_create_topics;
      auto kafka_sink = producers::KafkaArticleSink::Create(sink_options, &log);
      if (!kafka_sink.ok()) return Fail(kafka_sink.status(), "poll");
      sink = std::move(*kafka_sink);
      destination = sink_options.topics.raw;
    }

    observability::Registry registry;
    std::unique_ptr<observability::HealthServer> health;
    if (http_port > 0) {
      health_options.http.port = http_port;
      health = std::make_unique<observability::HealthServer>(health_options, &registry);
      if (auto s = health->Start(); !s.ok()) return Fail(s, "poll");
      log.Info("poll", "serving /healthz, /readyz and /metrics",
               {{"port", health->bound_port()}});
    }

    ingest::Poller poller(options, store->get(), sink.get(), &log, &registry, health.get());
    auto report = poller.Run(*sources, StopFlag());
    if (health != nullptr) health->Stop();
    if (!report.ok()) return Fail(report.status(), "poll");
    std::cerr << "newsflow poll: " << report->polls << " poll(s): " << report->polls_new_items
              << " with new items, " << report->polls_unchanged << " unchanged, "
              << report->polls_not_modified << " not modified (304), " << report->polls_failed
              << " failed; " << report->items_published << " article(s) delivered to "
              << destination;
    if (report->items_updated > 0) std::cerr << " (" << report->items_updated << " updates)";
    if (report->items_skipped > 0) {
      std::cerr << "; " << report->items_skipped << " item(s) skipped (see the log)";
    }
    if (report->sources_discovered > 0) {
      std::cerr << "; " << report->sources_discovered << " source(s) discovered";
    }
    std::cerr << "\n";
    if (report->items_not_delivered > 0) {
      std::cerr << "newsflow poll: ERROR: " << report->items_not_delivered
                << " article(s) NOT delivered; they stay unseen and the next poll tries again\n";
    }
    if (report->items_not_delivered > 0) return kExitNotAcknowledged;
    if (report->interrupted) return kExitInterrupted;
    if (options.once && (report->polls_failed > 0 || report->pages_failed > 0)) {
      return kExitRejectedInput;
    }
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakePollCommand() { return std::make_unique<PollCommand>(); }

}  // namespace newsflow::cli
