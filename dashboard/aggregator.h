// The dashboard's state: every enriched article of the longest window, kept compactly, and
// the summaries computed from it for any shorter window and filter (topic, region,
// language). Pure: articles in, JSON out; no Kafka and no HTTP here.
//
// Memory is bounded by `max_articles` (the oldest are dropped first, and counted) and by the
// string tables, whose entries are freed with the last article that uses them; a title or
// URL is kept once per story cluster, cut at 300 bytes.
#ifndef NEWSFLOW_DASHBOARD_AGGREGATOR_H_
#define NEWSFLOW_DASHBOARD_AGGREGATOR_H_

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::dashboard {

struct AggregatorOptions {
  // The longest window a summary can cover; older articles are dropped. Default 24 hours.
  int64_t retention_ms = 24LL * 3600 * 1000;
  // At most this many articles are kept (the oldest go first). Default 1,000,000.
  size_t max_articles = 1000000;
  // Entries of each list in a summary (topics, countries, sources, clusters, ...). Default 50.
  size_t top_n = 50;

  absl::Status Validate() const;
};

// What a summary is restricted to; empty = everything.
struct SummaryFilter {
  std::string topic;     // an IPTC top-level code, e.g. "medtop:11000000"
  std::string region;    // an ISO country code ("UA") or a UN M49 region name ("Europe")
  std::string language;  // ISO 639-1, e.g. "en"
};

class Aggregator {
 public:
  explicit Aggregator(AggregatorOptions options);

  // Adds one article, `record_time_ms` being its Kafka record time (when the processor
  // wrote it). Articles older than the retention (relative to `now_ms`) are not kept.
  void Add(const v1::EnrichedArticle& article, int64_t record_time_ms, int64_t now_ms);
  // Counts a record that could not be decoded.
  void AddUndecodable();

  // The /api/summary document for the `window_ms` ending at `now_ms` (see docs/DASHBOARD.md).
  nlohmann::json Summary(int64_t window_ms, int64_t now_ms, const SummaryFilter& filter);

  // Drops what has left the retention; called on every Add and Summary.
  void Expire(int64_t now_ms);

  size_t articles() const;
  // Approximate bytes held, for the memory figure in the summary.
  size_t ApproximateBytes() const;

 private:
  static constexpr int kMaxTopics = 6, kMaxCountries = 4, kMaxRegions = 3;
  static constexpr uint32_t kNone = 0xffffffff;

  // Interned strings, freed when no article uses them any more.
  class StringTable {
   public:
    uint32_t Intern(const std::string& value);
    void Release(uint32_t id);
    const std::string& Get(uint32_t id) const { return values_[id]; }
    size_t size() const { return index_.size(); }
    size_t id_space() const { return values_.size(); }  // ids are below this
    size_t bytes() const { return bytes_; }

   private:
    std::vector<std::string> values_;
    std::vector<uint32_t> refs_;
    std::vector<uint32_t> free_;
    absl::flat_hash_map<std::string, uint32_t> index_;
    size_t bytes_ = 0;
  };

  struct Cluster {
    std::string key;    // the dedup cluster id
    std::string title;  // of the first article seen in the retention
    std::string url;
    int64_t first_seen_ms = 0;
    uint32_t refs = 0;
  };

  struct Entry {
    int64_t time_ms = 0;
    int64_t latency_ms = -1;  // record time minus the producer's ingest time
    uint32_t cluster = kNone;
    uint32_t language = kNone;
    uint32_t source = kNone;
    uint32_t topics[kMaxTopics];     // top-level IPTC topic ids (labels table)
    uint32_t countries[kMaxCountries];
    uint32_t regions[kMaxRegions];   // M49 region names
    uint8_t status = 0;              // v1::DedupVerdict::Status
  };

  void Evict(const Entry& entry);
  bool Matches(const Entry& entry, const SummaryFilter& filter) const;

  AggregatorOptions options_;
  std::deque<Entry> entries_;  // in arrival order; record times are nearly sorted
  StringTable strings_;        // languages, sources, topic codes, countries, regions
  absl::flat_hash_map<std::string, uint32_t> cluster_index_;
  std::vector<Cluster> clusters_;
  std::vector<uint32_t> free_clusters_;
  absl::flat_hash_map<std::string, std::string> labels_;  // topic code / country -> name
  uint64_t added_ = 0, undecodable_ = 0, too_old_ = 0, dropped_by_cap_ = 0;
};

}  // namespace newsflow::dashboard

#endif  // NEWSFLOW_DASHBOARD_AGGREGATOR_H_
