// What the poller's three files share (poller.cc: the loop and a source's life;
// poller_fetch.cc: robots.txt, redirects and the fetch threads; poller_items.cc: items,
// pages and the commit). Not for use outside ingest/.
#ifndef NEWSFLOW_INGEST_POLLER_INTERNAL_H_
#define NEWSFLOW_INGEST_POLLER_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ingest/poller.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::ingest {

// An item of the poll in progress.
struct Poller::Item {
  std::string key;
  std::string guid;
  std::string link;  // absolute
  std::string title;
  std::string published;
  std::string updated;
  std::string author;
  std::string language;
  std::vector<std::string> categories;
  std::string content_html;  // the feed's own content (--no-fetch)
  uint64_t content_hash = 0;
  int64_t date_ms = 0;   // published, else updated; 0 unknown
  bool is_update = false;
  int64_t first_seen_ms = 0;  // kept for an update
  // Outcome: an article to publish, or a reason to remember the item without one, or
  // neither (the page could not be fetched now: the item stays unseen).
  enum class State { kPending, kArticle, kSkipped, kRetry } state = State::kPending;
  v1::RawArticle article;
  std::string skip_reason;
};

struct Poller::Source {
  PollSource config;
  SourceState state;
  // The poll in progress.
  bool active = false;
  bool polled_this_round = false;
  std::string kind;  // the document's ("rss20", "sitemap", "page", ...) for provenance
  std::string feed_title;
  std::string feed_language;
  std::string new_etag, new_last_modified;
  int64_t max_age_s = -1;
  int ttl_minutes = 0;
  bool deferred = false;  // more new items than one poll takes
  std::vector<Item> items;
  size_t outstanding = 0;  // page fetches not answered yet
  std::vector<SeenItem> touched;  // seen again: kept remembered
};

struct Poller::RobotsCache {
  bool loaded = false;
  bool fetching = false;
  RobotsRules rules = RobotsRules::AllowAll();
  int status = 0;
  int64_t expires_ms = 0;
  std::vector<std::function<void(const RobotsRules&)>> waiters;
};

struct Poller::Metrics {
  observability::CounterFamily* polls = nullptr;          // result
  observability::Counter* published = nullptr;
  observability::Counter* updated = nullptr;
  observability::Counter* not_delivered = nullptr;
  observability::CounterFamily* skipped = nullptr;        // reason
  observability::Counter* pages = nullptr;
  observability::CounterFamily* fetches = nullptr;        // kind, status
  observability::CounterFamily* bytes = nullptr;          // kind
  observability::CounterFamily* source_errors = nullptr;  // reason
  observability::GaugeFamily* queue_depth = nullptr;      // host
  observability::Gauge* sources = nullptr;
  observability::Gauge* failing = nullptr;
  observability::Gauge* seen = nullptr;
  std::unique_ptr<observability::Registry> own;  // when the caller gave none
};

// "2026-12-07T03:47:09Z".
std::string Rfc3339(int64_t unix_ms);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_POLLER_INTERNAL_H_
