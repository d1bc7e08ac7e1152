// A poll's items: which are new (by canonical URL, else GUID), their pages, the articles
// made of them, and the hand-over to the sink before the poll is committed.
#include <algorithm>
#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/string_util.h"
#include "ingest/fetcher.h"
#include "ingest/poller.h"
#include "ingest/poller_internal.h"
#include "processors/normalize/normalize.h"

namespace newsflow::ingest {
namespace {

int64_t ParseDateMs(const std::string& text) {
  if (text.empty()) return 0;
  std::string rfc3339;
  int64_t ms = 0;
  return normalize::ParsePublishedAt(text, &rfc3339, &ms) ? ms : 0;
}

bool IsHtmlContentType(std::string_view content_type, std::string_view body) {
  const std::string type = AsciiLower(content_type);
  if (Contains(type, "html")) return true;
  if (!type.empty() && !StartsWith(type, "text/plain") &&
      !StartsWith(type, "application/octet-stream")) {
    return false;
  }
  const std::string_view head = StripWhitespace(body.substr(0, 1024));
  return !head.empty() && head.front() == '<';
}

std::string HostName() {
  char name[256] = {0};
  return gethostname(name, sizeof(name) - 1) == 0 ? std::string(name) : std::string();
}

}  // namespace

void Poller::TakeItems(Source& source, const FeedDocument& document, const std::string& base) {
  const int64_t now = NowMs();
  std::vector<Item> candidates;
  for (const FeedItem& entry : document.items) {
    Item item;
    item.link = entry.link.empty() ? "" : ResolveUrl(base, entry.link);
    item.guid = entry.guid;
    // An RSS guid that is a permalink and no <link>: the guid is the link.
    if (item.link.empty() && (StartsWith(entry.guid, "http://") || StartsWith(entry.guid, "https://"))) {
      item.link = ResolveUrl(base, entry.guid);
    }
    item.title = entry.title;
    item.published = entry.published;
    item.updated = entry.updated;
    item.author = entry.author;
    item.language = entry.language;
    item.categories = entry.categories;
    item.content_html = entry.content_html.empty() ? entry.summary : entry.content_html;
    candidates.push_back(std::move(item));
  }
  for (const SitemapUrl& url : document.urls) {
    Item item;
    item.link = ResolveUrl(base, url.loc);
    item.title = url.news_title;
    item.published = url.news_publication_date;
    item.updated = url.lastmod;
    item.language = url.news_language;
    candidates.push_back(std::move(item));
  }

  std::vector<Item> fresh;
  std::set<std::string> keys_here;
  for (Item& item : candidates) {
    item.key = ItemKey(item.link, item.guid);
    if (item.key.empty() || !keys_here.insert(item.key).second) continue;
    if (keys_in_progress_.count(item.key) != 0) continue;  // another poll has it in hand
    item.content_hash = ItemContentHash(item.title, item.updated);
    item.date_ms = ParseDateMs(item.published);
    if (item.date_ms == 0) item.date_ms = ParseDateMs(item.updated);
    auto seen = store_->FindSeen(item.key, item.guid);
    if (!seen.ok()) {
      store_error_ = seen.status();
      return;
    }
    if (seen->has_value()) {
      const SeenItem& known = **seen;
      const bool changed = known.content_hash != item.content_hash;
      if (changed && options_.emit_updates) {
        item.is_update = true;
        item.first_seen_ms = known.first_seen_ms;
        item.key = known.key;  // the identity it was published under
        fresh.push_back(std::move(item));
        continue;
      }
      // Still in the feed: stays remembered, with its current GUID and fingerprint (a
      // later update is measured against what was seen last).
      SeenItem again = known;
      again.guid = item.guid.empty() ? known.guid : item.guid;
      again.content_hash = item.content_hash;
      again.last_seen_ms = now;
      source.touched.push_back(std::move(again));
      continue;
    }
    fresh.push_back(std::move(item));
  }

  // Newest first; the undated keep the feed's order (newest first, as feeds are written).
  std::stable_sort(fresh.begin(), fresh.end(),
                   [](const Item& a, const Item& b) { return a.date_ms > b.date_ms; });
  if (fresh.size() > static_cast<size_t>(options_.max_items_per_poll)) {
    fresh.resize(static_cast<size_t>(options_.max_items_per_poll));
    source.deferred = true;
  }
  source.items = std::move(fresh);
  for (size_t i = 0; i < source.items.size(); ++i) {
    Item& item = source.items[i];
    keys_in_progress_.insert(item.key);
    if (options_.max_item_age_s > 0 && item.date_ms > 0 &&
        item.date_ms < now - options_.max_item_age_s * 1000) {
      item.state = Item::State::kSkipped;
      item.skip_reason = "too_old";
      continue;
    }
    if (options_.no_fetch) {
      if (StripWhitespace(item.content_html).empty()) {
        item.state = Item::State::kSkipped;
        item.skip_reason = "no_content";
        continue;
      }
      item.article.set_html(item.content_html);
      item.article.set_charset("utf-8");  // the parser decoded the feed
      item.article.set_url(item.link);
      item.state = Item::State::kArticle;
      continue;
    }
    if (item.link.empty()) {
      item.state = Item::State::kSkipped;
      item.skip_reason = "no_content";  // an id without an address: nothing to fetch
      continue;
    }
    FetchPage(source.config.url, i);
  }
}

void Poller::FetchPage(const std::string& source_url, size_t index) {
  Source& source = *sources_.at(source_url);
  ++source.outstanding;
  FetchRequest request;
  const std::string link = source.items[index].link;
  Fetch(link, request, options_.max_page_bytes, "page", 0,
        [this, source_url, index](Outcome outcome) {
          OnPageAnswer(source_url, index, std::move(outcome));
        });
}

void Poller::OnPageAnswer(const std::string& source_url, size_t index, Outcome outcome) {
  auto it = sources_.find(source_url);
  if (it == sources_.end() || !it->second->active || index >= it->second->items.size()) return;
  Source& source = *it->second;
  Item& item = source.items[index];
  --source.outstanding;
  const FetchResponse& response = outcome.response;
  auto skip = [&](const char* reason, const std::string& detail) {
    item.state = Item::State::kSkipped;
    item.skip_reason = reason;
    log_->Info("poll", "page skipped",
               {{"url", item.link}, {"reason", reason}, {"detail", detail}});
  };
  if (outcome.disallowed) {
    skip("robots", "disallowed by robots.txt");
  } else if (!outcome.problem.empty()) {
    skip("gone", outcome.problem);
  } else if (response.error.code() == absl::StatusCode::kResourceExhausted) {
    skip("too_large", std::string(response.error.message()));
  } else if (!response.error.ok() || response.status == 429 || response.status >= 500) {
    // Maybe better later: the item stays unseen, and the next poll finds it again.
    item.state = Item::State::kRetry;
    ++report_.pages_failed;
    if (response.status == 429 || response.status == 503) {
      const int64_t retry = RetryAfterSeconds(response.retry_after, NowMs());
      if (retry > 0) scheduler_->DelayHost(Origin(outcome.final_url), NowMs() + retry * 1000);
    }
    log_->Warn("poll", "page fetch failed; retried at the next poll",
               {{"url", item.link},
               {"reason", response.error.ok() ? absl::StrCat("HTTP ", response.status)
                                               : std::string(response.error.message())}});
  } else if (response.status != 200) {
    skip("gone", absl::StrCat("HTTP ", response.status));
  } else if (!IsHtmlContentType(response.content_type, response.body)) {
    skip("not_html", response.content_type);
  } else {
    metrics_->pages->Increment();
    item.article.set_url(outcome.final_url);
    item.article.set_html(response.body);
    item.article.set_charset(CharsetParameter(response.content_type));
    item.state = Item::State::kArticle;
  }
  MaybeFinish(source);
}

void Poller::MaybeFinish(Source& source) {
  if (source.outstanding > 0 || !source.active) return;
  static const std::string host = HostName();
  const int64_t now = NowMs();
  std::vector<v1::RawArticle> articles;
  std::vector<size_t> positions;
  for (size_t i = 0; i < source.items.size(); ++i) {
    Item& item = source.items[i];
    if (item.state == Item::State::kSkipped) {
      ++report_.items_skipped;
      metrics_->skipped->WithLabels({item.skip_reason}).Increment();
      continue;
    }
    if (item.state != Item::State::kArticle) continue;
    v1::RawArticle& article = item.article;
    article.set_id(PolledArticleId(item.key));
    if (article.url().empty()) article.set_url(item.link);
    article.set_source(!source.config.name.empty() ? source.config.name
                       : !source.feed_title.empty() ? source.feed_title
                                                    : std::string());
    article.set_title(item.title);
    article.set_published_at(!item.published.empty() ? item.published : item.updated);
    const std::string& language = !item.language.empty()          ? item.language
                                  : !source.feed_language.empty() ? source.feed_language
                                                                  : source.config.language;
    article.set_language(AsciiLower(language.substr(0, language.find_first_of("-_"))));
    article.set_fetched_at(Rfc3339(now));
    auto& attributes = *article.mutable_attributes();
    if (!item.author.empty()) attributes["byline"] = item.author;
    if (!item.categories.empty()) attributes["category"] = absl::StrJoin(item.categories, ", ");
    if (!item.guid.empty()) attributes["guid"] = item.guid;
    attributes["feed"] = source.config.url;
    if (item.is_update) attributes["update"] = "true";
    v1::ProducerMetadata& producer = *article.mutable_producer();
    producer.set_agent("newsflow-poll/" NEWSFLOW_VERSION);
    producer.set_host(host);
    producer.set_input(source.config.url);
    producer.set_format(source.state.kind == "sitemap" ? "sitemap" : "feed");
    producer.set_record_id(item.guid);
    article.set_ingested_at_ms(now);
    articles.push_back(article);
    positions.push_back(i);
  }
  if (!articles.empty()) {
    const std::vector<absl::Status> delivered = sink_->Publish(articles);
    for (size_t j = 0; j < positions.size(); ++j) {
      Item& item = source.items[positions[j]];
      const absl::Status status = j < delivered.size() ? delivered[j] : absl::UnknownError("no answer");
      if (status.code() == absl::StatusCode::kResourceExhausted) {
        // Too large for the topic: the sink dead-lettered it. Remembered, not retried.
        item.state = Item::State::kSkipped;
        item.skip_reason = "too_large";
        ++report_.items_skipped;
        metrics_->skipped->WithLabels({"too_large"}).Increment();
      } else if (status.ok()) {
        ++report_.items_published;
        metrics_->published->Increment();
        if (item.is_update) {
          ++report_.items_updated;
          metrics_->updated->Increment();
        }
      } else {
        item.state = Item::State::kRetry;
        ++report_.items_not_delivered;
        metrics_->not_delivered->Increment();
        log_->Error("poll", "article not delivered; the next poll tries again",
                    {{"url", item.link}, {"error", status}});
      }
    }
  }
  bool any_new = false;
  for (const Item& item : source.items) any_new = any_new || item.state == Item::State::kArticle;
  Succeed(source, any_new ? "new_items" : "unchanged");
}

}  // namespace newsflow::ingest
