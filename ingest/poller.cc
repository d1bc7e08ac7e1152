// The loop and a source's life: due times, the answer to a poll, discovery, success and
// failure. Items and pages are in poller_items.cc, fetching in poller_fetch.cc.
#include "ingest/poller.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/string_util.h"
#include "http/curl_api.h"
#include "ingest/fetcher.h"
#include "ingest/poller_internal.h"
#include "processors/normalize/normalize.h"

namespace newsflow::ingest {
namespace {

bool LooksLikeHtml(const FetchResponse& response) {
  if (Contains(AsciiLower(response.content_type), "html")) return true;
  const std::string_view head = StripWhitespace(std::string_view(response.body).substr(0, 512));
  return ContainsIgnoreCase(head, "<!doctype html") || ContainsIgnoreCase(head, "<html");
}

const char* KindName(FeedKind kind) {
  switch (kind) {
    case FeedKind::kSitemap:
      return "sitemap";
    case FeedKind::kSitemapIndex:
      return "sitemap-index";
    case FeedKind::kUnknown:
      return "page";
    default:
      return "feed";
  }
}

}  // namespace

std::string Rfc3339(int64_t unix_ms) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(unix_ms), absl::UTCTimeZone());
}

absl::Status PollerOptions::Validate() const {
  if (intervals.min_s < 1) return absl::InvalidArgumentError("--min-interval must be at least 1 s");
  if (intervals.max_s < intervals.min_s) {
    return absl::InvalidArgumentError("--max-interval must not be below --min-interval");
  }
  if (auto s = scheduler.Validate(); !s.ok()) return s;
  if (max_redirects < 0 || max_redirects > 20) {
    return absl::InvalidArgumentError("redirects followed must be between 0 and 20");
  }
  if (max_page_bytes < 1024) return absl::InvalidArgumentError("--max-page-bytes is below 1 KiB");
  if (max_feed_bytes < 1024) return absl::InvalidArgumentError("the feed size cap is below 1 KiB");
  if (max_items_per_poll < 1) {
    return absl::InvalidArgumentError("--max-items-per-poll must be at least 1");
  }
  if (max_item_age_s < 0) return absl::InvalidArgumentError("--max-item-age must not be negative");
  if (robots_token.empty()) return absl::InvalidArgumentError("the robots.txt token is empty");
  return absl::OkStatus();
}

Poller::Poller(PollerOptions options, StateStore* store, ArticleSink* sink,
               observability::Logger* log, observability::Registry* registry,
               observability::HealthServer* health)
    : options_(std::move(options)),
      store_(store),
      sink_(sink),
      log_(log),
      health_(health),
      metrics_(std::make_unique<Metrics>()) {
  Metrics& m = *metrics_;
  if (registry == nullptr) {
    m.own = std::make_unique<observability::Registry>();
    registry = m.own.get();
  }
  // Registration only fails for a bad name: these are fixed and tested.
  m.polls = *registry->AddCounterFamily(
      "newsflow_poll_polls_total",
      "Polls of a source by result: new_items, unchanged (answered, nothing new), "
      "not_modified (304), error",
      {"result"});
  m.published = *registry->AddCounter("newsflow_poll_items_published_total",
                                      "Articles the sink acknowledged");
  m.updated = *registry->AddCounter(
      "newsflow_poll_items_updated_total",
      "Of those, items published again because their title or date changed (--emit-updates)");
  m.not_delivered = *registry->AddCounter(
      "newsflow_poll_items_not_delivered_total",
      "Articles the sink did not acknowledge (found again by the next poll)");
  m.skipped = *registry->AddCounterFamily(
      "newsflow_poll_items_skipped_total",
      "New items remembered without publishing, by reason: robots (disallowed), gone (4xx), "
      "not_html, too_large, too_old, no_content",
      {"reason"});
  m.pages = *registry->AddCounter("newsflow_poll_pages_fetched_total",
                                  "Article pages fetched (answered 200)");
  m.fetches = *registry->AddCounterFamily(
      "newsflow_poll_fetches_total",
      "HTTP requests by kind (source, page, robots) and status (2xx, 304, 3xx, 4xx, 5xx, "
      "error: no answer)",
      {"kind", "status"});
  m.bytes = *registry->AddCounterFamily("newsflow_poll_fetched_bytes_total",
                                        "Bytes received (as sent, compressed) by kind", {"kind"});
  m.source_errors = *registry->AddCounterFamily(
      "newsflow_poll_source_errors_total",
      "Failed polls by reason: unreachable, timeout, http_4xx, http_5xx, http_429, "
      "unparseable, robots, too_large, redirects",
      {"reason"});
  m.queue_depth = *registry->AddGaugeFamily(
      "newsflow_poll_host_queue_depth", "Requests waiting or in flight per host", {"host"});
  m.sources = *registry->AddGauge("newsflow_poll_sources",
                                  "Sources followed (listed and discovered)");
  m.failing = *registry->AddGauge("newsflow_poll_sources_failing",
                                  "Sources whose last poll failed");
  m.seen = *registry->AddGauge("newsflow_poll_seen_items", "Items in the seen-set");
  scheduler_ = std::make_unique<HostScheduler>(options_.scheduler);
}

Poller::~Poller() = default;

int64_t Poller::NowMs() const { return absl::ToUnixMillis(absl::Now()); }

absl::Status Poller::LoadSources(const std::vector<PollSource>& sources) {
  for (const PollSource& config : sources) {
    auto source = std::make_unique<Source>();
    source->config = config;
    auto stored = store_->GetSource(config.url);
    if (!stored.ok()) return stored.status();
    if (stored->has_value()) {
      source->state = **stored;
      source->state.parent.clear();  // listed now, whatever found it before
    } else {
      source->state.url = config.url;
    }
    sources_[config.url] = std::move(source);
  }
  // Sources found earlier by discovery, while what found them is still followed.
  auto discovered = store_->DiscoveredSources();
  if (!discovered.ok()) return discovered.status();
  for (SourceState& state : *discovered) {
    if (sources_.count(state.url) != 0) continue;
    auto parent = sources_.find(state.parent);
    if (parent == sources_.end()) continue;
    auto source = std::make_unique<Source>();
    source->config.url = state.url;
    source->config.language = parent->second->config.language;
    source->config.name = parent->second->config.name;
    source->state = std::move(state);
    sources_[source->config.url] = std::move(source);
  }
  return absl::OkStatus();
}

absl::StatusOr<PollReport> Poller::Run(const std::vector<PollSource>& sources,
                                       const std::atomic<bool>& stop) {
  if (auto s = options_.Validate(); !s.ok()) return s;
  if (auto curl = http::Curl(); !curl.ok()) return curl.status();  // say so once, up front
  if (auto s = LoadSources(sources); !s.ok()) return s;
  report_ = PollReport();
  log_->Info("poll", "following sources",
             {{"sources", sources_.size()}, {"once", options_.once},
              {"host_delay_ms", options_.scheduler.host_delay_ms}});
  auto last_progress = std::chrono::steady_clock::now();
  int64_t last_expiry_ms = 0;
  while (true) {
    if (health_ != nullptr) health_->Heartbeat();
    if (stop.load()) {
      report_.interrupted = options_.once;
      break;
    }
    const int64_t now = NowMs();
    // Start what is due (in a round: everything not polled yet).
    int64_t next_due = now + 1000;
    bool round_left = false;
    // Discovery adds sources while iterating: collect first.
    std::vector<Source*> due;
    for (auto& [url, source] : sources_) {
      if (source->active) continue;
      if (options_.once) {
        if (!source->polled_this_round) due.push_back(source.get());
        continue;
      }
      if (source->state.next_due_ms <= now) {
        due.push_back(source.get());
      } else {
        next_due = std::min(next_due, source->state.next_due_ms);
      }
    }
    for (Source* source : due) StartPoll(*source);
    for (auto& [url, source] : sources_) {
      if (source->active || (options_.once && !source->polled_this_round)) round_left = true;
    }
    if (!store_error_.ok()) break;
    if (options_.once && !round_left && scheduler_->Pending() == 0) break;

    const int wait_ms = static_cast<int>(std::clamp<int64_t>(next_due - NowMs(), 0, 200));
    for (FetchResult& result : scheduler_->Collect(wait_ms)) {
      auto it = waiting_.find(result.id);
      if (it == waiting_.end()) continue;
      auto done = std::move(it->second);
      waiting_.erase(it);
      done(result);
      if (!store_error_.ok()) break;
    }
    if (!store_error_.ok()) break;

    UpdateGauges();
    if (health_ != nullptr) {
      const absl::Status sink_health = sink_->Health();
      health_->SetReady(sink_health.ok(), std::string(sink_health.message()));
    }
    if (NowMs() - last_expiry_ms > 3600 * 1000) {
      last_expiry_ms = NowMs();
      auto expired = store_->ExpireSeen(last_expiry_ms);
      if (!expired.ok()) {
        store_error_ = expired.status();
        break;
      }
      if (*expired > 0) log_->Info("poll", "forgot expired items", {{"items", *expired}});
    }
    if (options_.progress_interval_s > 0 &&
        std::chrono::steady_clock::now() - last_progress >
            std::chrono::seconds(options_.progress_interval_s)) {
      last_progress = std::chrono::steady_clock::now();
      LogProgress(false);
    }
  }
  // Polls in progress are abandoned: nothing of theirs was committed, so the next run does
  // them again. Requests in flight finish (bounded by the fetch timeout).
  scheduler_->DropQueued();
  waiting_.clear();
  UpdateGauges(/*now=*/true);
  LogProgress(true);
  if (!store_error_.ok()) return store_error_;
  return report_;
}

void Poller::StartPoll(Source& source) {
  source.active = true;
  source.polled_this_round = true;
  source.items.clear();
  source.touched.clear();
  source.outstanding = 0;
  source.deferred = false;
  source.max_age_s = -1;
  source.ttl_minutes = 0;
  source.new_etag = source.state.etag;
  source.new_last_modified = source.state.last_modified;
  FetchRequest request;
  request.url = source.config.url;
  request.etag = source.state.etag;
  request.last_modified = source.state.last_modified;
  const std::string url = source.config.url;
  Fetch(url, std::move(request), options_.max_feed_bytes, "source", 0,
        [this, url](Outcome outcome) { OnSourceAnswer(url, std::move(outcome)); });
}

void Poller::OnSourceAnswer(const std::string& url, Outcome outcome) {
  Source& source = *sources_.at(url);
  const FetchResponse& response = outcome.response;
  source.state.last_status = response.status;
  if (outcome.disallowed) return Fail(source, "disallowed by robots.txt", "robots");
  if (!outcome.problem.empty()) return Fail(source, outcome.problem, "redirects");
  if (!response.error.ok()) {
    const std::string message = AsciiLower(std::string(response.error.message()));
    const bool timeout = Contains(message, "timeout") || Contains(message, "timed out");
    const bool too_large = response.error.code() == absl::StatusCode::kResourceExhausted;
    return Fail(source, std::string(response.error.message()),
                too_large ? "too_large" : (timeout ? "timeout" : "unreachable"));
  }
  if (response.status == 304) {
    source.new_etag = response.etag.empty() ? source.state.etag : response.etag;
    source.max_age_s = MaxAgeSeconds(response.cache_control);
    return Succeed(source, "not_modified");
  }
  if (response.status == 429 || response.status == 503) {
    const int64_t retry = RetryAfterSeconds(response.retry_after, NowMs());
    if (retry > 0) scheduler_->DelayHost(Origin(outcome.final_url), NowMs() + retry * 1000);
    return Fail(source, absl::StrCat("HTTP ", response.status), response.status == 429 ? "http_429" : "http_5xx",
                retry);
  }
  if (response.status != 200) {
    return Fail(source, absl::StrCat("HTTP ", response.status),
                response.status >= 500 ? "http_5xx" : "http_4xx");
  }
  source.new_etag = response.etag;
  source.new_last_modified = response.last_modified;
  source.max_age_s = MaxAgeSeconds(response.cache_control);
  const FeedDocument document = ParseFeed(response.body, response.content_type, options_.parser);
  source.kind = document.version.empty() ? KindName(document.kind) : document.version;
  source.state.kind = KindName(document.kind);
  if (document.recovered) {
    log_->Warn("poll", "broken feed: kept what could be read",
               {{"url", url}, {"problem", document.problem}});
  }
  switch (document.kind) {
    case FeedKind::kUnknown:
      if (LooksLikeHtml(response)) {
        Discover(source, outcome.final_url, response.body);
        return Succeed(source, "unchanged");
      }
      return Fail(source,
                  absl::StrCat("not a feed, sitemap or HTML page",
                               document.problem.empty() ? "" : ": ", document.problem),
                  "unparseable");
    case FeedKind::kSitemapIndex: {
      // Newest children first where the index dates them; otherwise as listed.
      std::vector<size_t> order(document.sitemaps.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::vector<int64_t> dates(order.size(), 0);
      for (size_t i = 0; i < order.size() && i < document.sitemap_lastmods.size(); ++i) {
        std::string rfc3339;
        normalize::ParsePublishedAt(document.sitemap_lastmods[i], &rfc3339, &dates[i]);
      }
      std::stable_sort(order.begin(), order.end(),
                       [&](size_t a, size_t b) { return dates[a] > dates[b]; });
      int taken = 0;
      for (size_t i : order) {
        if (taken++ >= options_.max_sitemaps_per_index) break;
        const std::string child = ResolveUrl(outcome.final_url, document.sitemaps[i]);
        if (!child.empty()) AddDiscovered(source, child, "sitemap");
      }
      return Succeed(source, "unchanged");
    }
    default:
      source.feed_title = document.title;
      source.feed_language = document.language;
      source.ttl_minutes = document.ttl_minutes;
      TakeItems(source, document, outcome.final_url);
      MaybeFinish(source);
  }
}

void Poller::Discover(Source& source, const std::string& base, const std::string& html) {
  std::vector<std::string> found;
  for (const std::string& link : DiscoverFeedLinks(html)) {
    std::string url = ResolveUrl(base, link);
    if (!url.empty() && std::find(found.begin(), found.end(), url) == found.end()) {
      found.push_back(std::move(url));
    }
  }
  // robots.txt was read before the page: its Sitemap: lines are known.
  auto robots = robots_.find(Origin(base));
  if (robots != robots_.end()) {
    for (const std::string& sitemap : robots->second->rules.sitemaps()) {
      std::string url = ResolveUrl(base, sitemap);
      if (!url.empty() && std::find(found.begin(), found.end(), url) == found.end()) {
        found.push_back(std::move(url));
      }
    }
  }
  if (found.empty()) {
    log_->Warn("poll", "home page announces no feed, and robots.txt lists no sitemap",
               {{"url", source.config.url}});
  }
  int taken = 0;
  for (const std::string& url : found) {
    if (taken++ >= options_.max_discovered_per_page) break;
    AddDiscovered(source, url, "");
  }
}

void Poller::AddDiscovered(Source& parent, const std::string& url, const std::string& kind) {
  if (sources_.count(url) != 0) return;
  auto source = std::make_unique<Source>();
  source->config.url = url;
  source->config.language = parent.config.language;
  source->config.name = parent.config.name;
  source->state.url = url;
  source->state.kind = kind;
  source->state.parent = parent.config.url;
  source->state.next_due_ms = 0;  // due now
  if (auto s = store_->PutSource(source->state); !s.ok()) {
    store_error_ = s;
    return;
  }
  log_->Info("poll", "discovered a source", {{"url", url}, {"from", parent.config.url}});
  ++report_.sources_discovered;
  sources_[url] = std::move(source);
}

void Poller::Succeed(Source& source, const char* result) {
  const int64_t now = NowMs();
  const bool new_items = std::string_view(result) == "new_items";
  SourceState& state = source.state;
  state.failures = 0;
  state.last_error.clear();
  state.last_polled_ms = now;
  state.interval_s = source.config.interval_s > 0
                         ? source.config.interval_s
                         : AdaptInterval(state.interval_s, new_items, options_.intervals);
  int64_t wait_s = DueAfterSuccess(state.interval_s, source.max_age_s, source.ttl_minutes,
                                   options_.intervals);
  // Validators move on only when everything new was settled: otherwise the next poll
  // would be answered 304 and never show the items left over.
  bool settled = !source.deferred;
  for (const Item& item : source.items) settled = settled && item.state != Item::State::kRetry;
  if (settled) {
    state.etag = source.new_etag;
    state.last_modified = source.new_last_modified;
  } else {
    wait_s = std::min(wait_s, options_.intervals.min_s);
  }
  state.next_due_ms = now + wait_s * 1000;

  std::vector<SeenItem> seen = std::move(source.touched);
  for (const Item& item : source.items) {
    if (item.state != Item::State::kArticle && item.state != Item::State::kSkipped) continue;
    SeenItem entry;
    entry.key = item.key;
    entry.guid = item.guid;
    entry.source = source.config.url;
    entry.content_hash = item.content_hash;
    entry.first_seen_ms = item.first_seen_ms > 0 ? item.first_seen_ms : now;
    entry.last_seen_ms = now;
    seen.push_back(std::move(entry));
  }
  if (auto s = store_->CommitPoll(state, seen); !s.ok()) {
    store_error_ = s;
    return;
  }
  for (const Item& item : source.items) keys_in_progress_.erase(item.key);
  source.items.clear();
  source.active = false;
  ++report_.polls;
  if (new_items) {
    ++report_.polls_new_items;
  } else if (std::string_view(result) == "not_modified") {
    ++report_.polls_not_modified;
  } else {
    ++report_.polls_unchanged;
  }
  metrics_->polls->WithLabels({result}).Increment();
  log_->Debug("poll", "polled",
              {{"url", source.config.url}, {"result", result},
               {"next_in_s", wait_s}, {"interval_s", state.interval_s}});
}

void Poller::Fail(Source& source, const std::string& reason, const std::string& error_class,
                  int64_t retry_after_s) {
  const int64_t now = NowMs();
  SourceState& state = source.state;
  ++state.failures;
  state.last_error = reason;
  state.last_polled_ms = now;
  const int64_t wait_s = std::max(BackoffSeconds(state.failures, options_.intervals),
                                  std::min<int64_t>(retry_after_s, 24 * 3600));
  state.next_due_ms = now + wait_s * 1000;
  for (const Item& item : source.items) keys_in_progress_.erase(item.key);
  source.items.clear();
  source.active = false;
  if (auto s = store_->PutSource(state); !s.ok()) store_error_ = s;
  ++report_.polls;
  ++report_.polls_failed;
  metrics_->polls->WithLabels({"error"}).Increment();
  metrics_->source_errors->WithLabels({error_class}).Increment();
  log_->Warn("poll", "source failed",
             {{"url", source.config.url}, {"reason", reason}, {"failures", state.failures},
              {"retry_in_s", wait_s}});
}

void Poller::UpdateGauges(bool now) {
  // Once a second: with a thousand hosts, every pass over them costs.
  const auto when = std::chrono::steady_clock::now();
  if (!now && when - last_gauges_ < std::chrono::seconds(1)) return;
  last_gauges_ = when;
  size_t failing = 0;
  for (const auto& [url, source] : sources_) failing += source->state.failures > 0 ? 1 : 0;
  metrics_->sources->Set(static_cast<double>(sources_.size()));
  metrics_->failing->Set(static_cast<double>(failing));
  for (const auto& [host, depth] : scheduler_->QueueDepths()) {
    metrics_->queue_depth->WithLabels({host}).Set(static_cast<double>(depth));
  }
  auto seen = store_->SeenCount();
  if (seen.ok()) metrics_->seen->Set(static_cast<double>(*seen));
}

void Poller::LogProgress(bool final) {
  log_->Info("poll", final ? "stopped" : "progress",
             {{"polls", report_.polls},
              {"new_items", report_.polls_new_items},
              {"not_modified", report_.polls_not_modified},
              {"failed", report_.polls_failed},
              {"published", report_.items_published},
              {"skipped", report_.items_skipped},
              {"pending_requests", scheduler_->Pending()}});
}

}  // namespace newsflow::ingest
