// `newsflow poll`'s engine: follows feeds, sitemaps and home pages, and hands every new
// article to a sink. One thread (the caller's) decides everything: which sources are due,
// what an answer means, which items are new, when state is committed; fetch threads only
// run HTTP requests (host_scheduler.h: one connection per host, a delay between requests).
//
// A poll of one source: robots.txt of its host (cached), the source itself (a conditional
// GET; redirects followed by hand so that robots.txt and the delay apply to every hop), then
// for each new item its page, then the sink, then one SQLite transaction with the source's
// new validators and due time and the items published. An item is new when neither its
// canonical URL nor its GUID was seen; the validators move on only when every new item was
// delivered or given up, so an item that could not be fetched or published is found again
// by the next poll, and a crash at any point publishes nothing twice except what the sink
// acknowledged in the moment before the commit (one poll's items at most).
#ifndef NEWSFLOW_INGEST_POLLER_H_
#define NEWSFLOW_INGEST_POLLER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ingest/article_sink.h"
#include "ingest/feed_parser.h"
#include "ingest/host_scheduler.h"
#include "ingest/poll_policy.h"
#include "ingest/robots.h"
#include "ingest/sources.h"
#include "ingest/state_store.h"
#include "observability/http_server.h"
#include "observability/log.h"
#include "observability/metrics.h"

namespace newsflow::ingest {

struct PollerOptions {
  // Adaptive interval bounds (--min-interval, --max-interval), seconds. Defaults 300, 3600.
  IntervalBounds intervals;
  // Politeness and HTTP: fetch threads, --host-delay-ms (default 1000), User-Agent,
  // timeouts.
  HostSchedulerOptions scheduler;
  // robots.txt product token (the User-Agent's first word). Default "newsflow".
  std::string robots_token = "newsflow";
  // How long robots.txt is trusted once fetched; an answer of 5xx or none is retried
  // after --min-interval instead. Default 24 h.
  int64_t robots_ttl_s = 24 * 3600;
  // Redirects followed per request (every hop checked against robots.txt). Default 5.
  int max_redirects = 5;
  // Largest feed or sitemap, as received. Default 32 MiB.
  size_t max_feed_bytes = 32 << 20;
  // Largest article page (--max-page-bytes); larger pages are skipped. Default 2 MiB.
  size_t max_page_bytes = 2 << 20;
  // Publish the feed's own content instead of fetching pages (--no-fetch). Default false.
  bool no_fetch = false;
  // Publish an item again when its title or date changed (--emit-updates). Default false.
  bool emit_updates = false;
  // New items taken per poll of a source, newest first; the rest wait for the next poll,
  // which comes after --min-interval. Default 100.
  int max_items_per_poll = 100;
  // Items dated older than this are remembered without being fetched or published
  // (--max-item-age, seconds; 0 = keep all). Default 7 days.
  int64_t max_item_age_s = 7 * 24 * 3600;
  // Feeds and sitemaps taken from one home page (its <link rel=alternate> feeds first, then
  // robots.txt's Sitemap: lines), and children taken from one sitemap index (newest by
  // lastmod first). Defaults 10 and 50.
  int max_discovered_per_page = 10;
  int max_sitemaps_per_index = 50;
  // One round over every source, due or not, then return (--once). Default false.
  bool once = false;
  // Seconds between "poll: ..." progress lines at info level; 0 = none. Default 60.
  int progress_interval_s = 60;
  FeedParserOptions parser;

  absl::Status Validate() const;
};

struct PollReport {
  uint64_t polls = 0;
  uint64_t polls_new_items = 0;
  uint64_t polls_unchanged = 0;     // answered 200, nothing new
  uint64_t polls_not_modified = 0;  // answered 304
  uint64_t polls_failed = 0;        // unreachable, HTTP error, unparseable, disallowed
  uint64_t items_published = 0;     // delivered to the sink (acknowledged)
  uint64_t items_updated = 0;       // of which updates (--emit-updates)
  uint64_t items_not_delivered = 0; // the sink refused them: found again next poll
  uint64_t items_skipped = 0;       // remembered without publishing (robots, gone, too old, ...)
  uint64_t pages_failed = 0;        // page fetches that failed and will be retried
  uint64_t sources_discovered = 0;
  bool interrupted = false;         // stopped before the round was over (--once)
};

class Poller {
 public:
  // `store`, `sink`, `log` must outlive the poller; `registry` and `health` may be null.
  Poller(PollerOptions options, StateStore* store, ArticleSink* sink, observability::Logger* log,
         observability::Registry* registry = nullptr,
         observability::HealthServer* health = nullptr);
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Follows `sources` (and what they lead to) until `stop`, or for one round with
  // `options.once`. An error means polling could not go on (the state store failed); a
  // failing source is logged, counted and backed off, and never stops the others.
  absl::StatusOr<PollReport> Run(const std::vector<PollSource>& sources,
                                 const std::atomic<bool>& stop);

 private:
  struct Source;
  struct Item;
  struct RobotsCache;
  struct Metrics;
  // What came back for a URL after robots.txt and redirects.
  struct Outcome {
    std::string final_url;
    FetchResponse response;
    bool disallowed = false;
    std::string problem;  // too many redirects, bad URL (response.error stays OK)
  };
  using OutcomeCallback = std::function<void(Outcome)>;

  absl::Status LoadSources(const std::vector<PollSource>& sources);
  void StartPoll(Source& source);
  void OnSourceAnswer(const std::string& url, Outcome outcome);
  void TakeItems(Source& source, const FeedDocument& document, const std::string& base);
  void FetchPage(const std::string& source_url, size_t index);
  void OnPageAnswer(const std::string& source_url, size_t index, Outcome outcome);
  void Discover(Source& source, const std::string& base, const std::string& html);
  void AddDiscovered(Source& parent, const std::string& url, const std::string& kind);
  void MaybeFinish(Source& source);
  void Succeed(Source& source, const char* result);
  void Fail(Source& source, const std::string& reason, const std::string& error_class,
            int64_t retry_after_s = 0);

  // Fetches `url` when robots.txt allows it, following redirects.
  // `kind` ("source", "page") labels the metrics.
  void Fetch(const std::string& url, FetchRequest request, size_t max_bytes, const char* kind,
             int hops, OutcomeCallback done);
  void WithRobots(const std::string& origin, std::function<void(const RobotsRules&)> then);
  void FetchRobots(const std::string& origin, const std::string& url, int hops);
  void RobotsFetched(const std::string& origin, int status, const std::string& body);
  uint64_t Submit(const std::string& url, FetchRequest request, size_t max_bytes, bool urgent,
                  std::function<void(FetchResult&)> done);
  void CountFetch(const char* kind, const FetchResponse& response);

  void UpdateGauges(bool now = false);
  void LogProgress(bool final);
  int64_t NowMs() const;

  const PollerOptions options_;
  StateStore* const store_;
  ArticleSink* const sink_;
  observability::Logger* const log_;
  observability::HealthServer* const health_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<HostScheduler> scheduler_;

  std::map<std::string, std::unique_ptr<Source>> sources_;  // by URL
  std::map<std::string, std::unique_ptr<RobotsCache>> robots_;  // by origin
  std::unordered_map<uint64_t, std::function<void(FetchResult&)>> waiting_;
  std::unordered_set<std::string> keys_in_progress_;  // items of polls not yet committed
  uint64_t next_job_id_ = 1;
  std::chrono::steady_clock::time_point last_gauges_;
  absl::Status store_error_;  // the first state store failure: ends Run
  PollReport report_;
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_POLLER_H_
