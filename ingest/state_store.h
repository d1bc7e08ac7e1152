// The poller's memory, in SQLite (WAL journal, so a SIGKILL never corrupts it): per source
// its HTTP validators, interval, next due time and failures; the items already published
// (the seen-set, bounded: least recently seen evicted first, and expired after a while, so it
// never stops remembering new items); and robots.txt per origin. Thread-safe (one
// connection behind a mutex).
#ifndef NEWSFLOW_INGEST_STATE_STORE_H_
#define NEWSFLOW_INGEST_STATE_STORE_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

struct sqlite3;

namespace newsflow::ingest {

struct StateStoreOptions {
  // Items remembered at most; the least recently seen are forgotten first. Default 1,000,000.
  int64_t seen_capacity = 1'000'000;
  // Items not seen in a feed for this long are forgotten. Default 90 days.
  int64_t seen_expiry_ms = 90LL * 24 * 3600 * 1000;

  absl::Status Validate() const;
};

struct SourceState {
  std::string url;
  std::string kind;  // "feed", "sitemap", "sitemap-index", "page" (a home page), "" unknown
  std::string etag;
  std::string last_modified;
  int64_t interval_s = 0;    // current polling interval
  int64_t next_due_ms = 0;   // when to poll next
  int failures = 0;          // in a row
  int last_status = 0;
  std::string last_error;
  int64_t last_polled_ms = 0;
  std::string parent;        // for sources found by discovery or a sitemap index: where
};

struct SeenItem {
  std::string key;     // canonical URL, else the GUID
  std::string guid;
  std::string source;  // the source URL it came from
  uint64_t content_hash = 0;  // title and dates: to tell an updated item
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
};

struct RobotsEntry {
  std::string origin;
  int status = 0;
  std::string body;
  int64_t fetched_ms = 0;
};

class StateStore {
 public:
  // Opens (creating if needed) `directory`/poll-state.sqlite.
  static absl::StatusOr<std::unique_ptr<StateStore>> Open(const std::string& directory,
                                                          const StateStoreOptions& options);
  ~StateStore();

  absl::StatusOr<std::optional<SourceState>> GetSource(const std::string& url);
  absl::Status PutSource(const SourceState& source);
  // Sources found by discovery or listed by a sitemap index (not in the sources file).
  absl::StatusOr<std::vector<SourceState>> DiscoveredSources();

  // The item with this key, else the one with this GUID (a feed that changed an item's link
  // but not its GUID); nullopt when neither was seen.
  absl::StatusOr<std::optional<SeenItem>> FindSeen(const std::string& key, const std::string& guid);
  // Records `item` as published (or updates it); evicts beyond the capacity.
  absl::Status MarkSeen(const SeenItem& item);
  // The item appeared again in its feed: it stays remembered.
  absl::Status TouchSeen(const std::string& key, int64_t now_ms);
  // Forgets items not seen since the expiry; returns how many.
  absl::StatusOr<int64_t> ExpireSeen(int64_t now_ms);
  absl::StatusOr<int64_t> SeenCount();

  // The end of one poll, atomically: the source's new state and the items it published (or
  // gave up on), so a crash never keeps one without the other.
  absl::Status CommitPoll(const SourceState& source, const std::vector<SeenItem>& items);

  absl::StatusOr<std::optional<RobotsEntry>> GetRobots(const std::string& origin);
  absl::Status PutRobots(const RobotsEntry& entry);

 private:
  StateStore() = default;
  absl::Status Exec(const std::string& sql);
  absl::Status EvictBeyondCapacity();
  // Under mutex_.
  absl::Status PutSourceLocked(const SourceState& source);
  absl::Status MarkSeenLocked(const SeenItem& item);

  StateStoreOptions options_;
  std::mutex mutex_;
  sqlite3* db_ = nullptr;
  int64_t seen_count_ = -1;  // cached, -1 = unknown
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_STATE_STORE_H_
