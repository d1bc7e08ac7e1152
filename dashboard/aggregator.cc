// Dashboard aggregation (see aggregator.h).
#include "dashboard/aggregator.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"

namespace newsflow::dashboard {
namespace {

constexpr size_t kMaxTextBytes = 300;

// IPTC top-level Media Topics are medtop:01000000 ... medtop:17000000.
bool IsTopLevelTopic(const std::string& code) {
  if (code.size() != 15 || !absl::StartsWith(code, "medtop:")) return false;
  if (code.compare(9, 6, "000000") != 0) return false;
  const int number = (code[7] - '0') * 10 + (code[8] - '0');
  return number >= 1 && number <= 17;
}

std::string HostOf(const std::string& url) {
  size_t start = url.find("://");
  if (start == std::string::npos) return "";
  start += 3;
  size_t end = url.find_first_of("/?#", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (size_t at = host.rfind('@'); at != std::string::npos) host = host.substr(at + 1);
  if (absl::StartsWith(host, "www.")) host = host.substr(4);
  return host;
}

std::string Cut(const std::string& text) {
  if (text.size() <= kMaxTextBytes) return text;
  size_t end = kMaxTextBytes;
  // Never cut inside a UTF-8 sequence: back up to the start of one.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end) + "…";
}

template <typename Key>
nlohmann::json TopList(const std::map<Key, uint64_t>& counts, size_t n,
                       const std::function<void(const Key&, nlohmann::json*)>& describe) {
  std::vector<std::pair<Key, uint64_t>> sorted(counts.begin(), counts.end());
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  if (sorted.size() > n) sorted.resize(n);
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, count] : sorted) {
    nlohmann::json item;
    describe(key, &item);
    item["articles"] = count;
    list.push_back(std::move(item));
  }
  return list;
}

int64_t Percentile(std::vector<int64_t>& values, double q) {
  if (values.empty()) return 0;
  const size_t k = std::min(values.size() - 1, static_cast<size_t>(q * (values.size() - 1) + 0.5));
  std::nth_element(values.begin(), values.begin() + k, values.end());
  return values[k];
}

}  // namespace

absl::Status AggregatorOptions::Validate() const {
  if (retention_ms < 60 * 1000) {
    return absl::InvalidArgumentError("dashboard retention must be at least a minute");
  }
  if (max_articles < 1) return absl::InvalidArgumentError("dashboard max_articles must be >= 1");
  if (top_n < 1 || top_n > 1000) {
    return absl::InvalidArgumentError("dashboard top_n must be in [1, 1000]");
  }
  return absl::OkStatus();
}

uint32_t Aggregator::StringTable::Intern(const std::string& value) {
  auto it = index_.find(value);
  if (it != index_.end()) {
    ++refs_[it->second];
    return it->second;
  }
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    values_[id] = value;
    refs_[id] = 1;
  } else {
    id = static_cast<uint32_t>(values_.size());
    values_.push_back(value);
    refs_.push_back(1);
  }
  index_.emplace(value, id);
  bytes_ += value.size() + 48;
  return id;
}

void Aggregator::StringTable::Release(uint32_t id) {
  if (id == kNone || --refs_[id] > 0) return;
  bytes_ -= values_[id].size() + 48;
  index_.erase(values_[id]);
  values_[id].clear();
  values_[id].shrink_to_fit();
  free_.push_back(id);
}

Aggregator::Aggregator(AggregatorOptions options) : options_(std::move(options)) {}

void Aggregator::AddUndecodable() { ++undecodable_; }

void Aggregator::Add(const v1::EnrichedArticle& article, int64_t record_time_ms, int64_t now_ms) {
  Expire(now_ms);
  if (record_time_ms < now_ms - options_.retention_ms) {
    ++too_old_;
    return;
  }
  ++added_;
  Entry entry;
  entry.time_ms = record_time_ms;
  const int64_t ingested = article.provenance().ingested_at_ms();
  entry.latency_ms = ingested > 0 && record_time_ms >= ingested ? record_time_ms - ingested : -1;
  entry.status = static_cast<uint8_t>(article.dedup().status());
  entry.language = strings_.Intern(article.language().empty() ? "und" : article.language());
  std::string source = article.source();
  if (source.empty()) source = HostOf(article.canonical_url().empty() ? article.url() : article.canonical_url());
  entry.source = strings_.Intern(source.empty() ? "(unknown)" : Cut(source));
  std::fill(std::begin(entry.topics), std::end(entry.topics), kNone);
  std::fill(std::begin(entry.countries), std::end(entry.countries), kNone);
  std::fill(std::begin(entry.regions), std::end(entry.regions), kNone);
  int topics = 0;
  for (const v1::Topic& topic : article.topics()) {
    if (topics == kMaxTopics || !IsTopLevelTopic(topic.code())) continue;
    entry.topics[topics++] = strings_.Intern(topic.code());
    labels_.try_emplace(topic.code(), Cut(topic.label()));
  }
  // The countries an article is about: those the tagger marks as its focus or dateline
  // (a country only mentioned in passing does not make a story about it).
  int countries = 0, regions = 0;
  for (const v1::Region& region : article.regions()) {
    if (region.role() != v1::Region::FOCUS && region.role() != v1::Region::DATELINE) continue;
    if (countries < kMaxCountries && !region.country_code().empty()) {
      entry.countries[countries++] = strings_.Intern(region.country_code());
      labels_.try_emplace(region.country_code(), Cut(region.name()));
    }
    if (!region.region().empty()) {
      bool seen = false;
      for (int i = 0; i < regions; ++i) seen |= strings_.Get(entry.regions[i]) == region.region();
      if (!seen && regions < kMaxRegions) entry.regions[regions++] = strings_.Intern(Cut(region.region()));
    }
  }
  const std::string& cluster_key =
      article.dedup().cluster_id().empty() ? article.id() : article.dedup().cluster_id();
  auto [it, inserted] = cluster_index_.try_emplace(cluster_key, kNone);
  if (inserted) {
    uint32_t id;
    if (!free_clusters_.empty()) {
      id = free_clusters_.back();
      free_clusters_.pop_back();
    } else {
      id = static_cast<uint32_t>(clusters_.size());
      clusters_.emplace_back();
    }
    Cluster& cluster = clusters_[id];
    cluster.key = cluster_key;
    cluster.title = Cut(article.title());
    cluster.url = Cut(article.url().empty() ? article.canonical_url() : article.url());
    cluster.first_seen_ms = record_time_ms;
    cluster.refs = 0;
    it->second = id;
  }
  ++clusters_[it->second].refs;
  entry.cluster = it->second;
  entries_.push_back(entry);
  while (entries_.size() > options_.max_articles) {
    Evict(entries_.front());
    entries_.pop_front();
    ++dropped_by_cap_;
  }
}

void Aggregator::Evict(const Entry& entry) {
  strings_.Release(entry.language);
  strings_.Release(entry.source);
  for (uint32_t id : entry.topics) strings_.Release(id);
  for (uint32_t id : entry.countries) strings_.Release(id);
  for (uint32_t id : entry.regions) strings_.Release(id);
  Cluster& cluster = clusters_[entry.cluster];
  if (--cluster.refs == 0) {
    cluster_index_.erase(cluster.key);
    cluster = Cluster{};
    free_clusters_.push_back(entry.cluster);
  }
}

void Aggregator::Expire(int64_t now_ms) {
  const int64_t horizon = now_ms - options_.retention_ms;
  while (!entries_.empty() && entries_.front().time_ms < horizon) {
    Evict(entries_.front());
    entries_.pop_front();
  }
}

size_t Aggregator::articles() const { return entries_.size(); }

size_t Aggregator::ApproximateBytes() const {
  size_t bytes = entries_.size() * sizeof(Entry) + strings_.bytes();
  for (const Cluster& cluster : clusters_) {
    bytes += sizeof(Cluster) + cluster.key.capacity() + cluster.title.capacity() + cluster.url.capacity();
  }
  bytes += cluster_index_.size() * 64;
  return bytes;
}

bool Aggregator::Matches(const Entry& entry, const SummaryFilter& filter) const {
  if (!filter.language.empty() && strings_.Get(entry.language) != filter.language) return false;
  if (!filter.topic.empty()) {
    bool found = false;
    for (uint32_t id : entry.topics) found |= id != kNone && strings_.Get(id) == filter.topic;
    if (!found) return false;
  }
  if (!filter.region.empty()) {
    bool found = false;
    for (uint32_t id : entry.countries) found |= id != kNone && strings_.Get(id) == filter.region;
    for (uint32_t id : entry.regions) found |= id != kNone && strings_.Get(id) == filter.region;
    if (!found) return false;
  }
  return true;
}

nlohmann::json Aggregator::Summary(int64_t window_ms, int64_t now_ms, const SummaryFilter& filter) {
  Expire(now_ms);
  window_ms = std::clamp<int64_t>(window_ms, 1000, options_.retention_ms);
  const int64_t start_ms = now_ms - window_ms;
  // Rates over time: 60 buckets across the window (at least a second each).
  const int64_t bucket_ms = std::max<int64_t>(1000, (window_ms + 59) / 60);
  const size_t buckets = static_cast<size_t>((window_ms + bucket_ms - 1) / bucket_ms);
  std::vector<uint64_t> series_all(buckets), series_unique(buckets), series_near(buckets),
      series_exact(buckets);

  uint64_t articles = 0, unique = 0, near = 0, exact = 0;
  // Counters indexed by string id and cluster id (both dense): one pass over a million
  // articles with no hashing or allocation per article.
  const size_t ids = strings_.id_space();
  std::vector<uint64_t> topic_n(ids), country_n(ids), region_n(ids), language_n(ids), source_n(ids);
  absl::flat_hash_map<uint64_t, uint64_t> topic_country_n, topic_region_n;
  struct ClusterTally {
    uint64_t size = 0;
    int64_t first_ms = INT64_MAX, last_ms = 0;
    std::set<uint32_t> sources;  // filled for the top clusters only, in a second pass
  };
  std::vector<uint32_t> cluster_size(clusters_.size());
  std::vector<int64_t> cluster_first(clusters_.size(), INT64_MAX), cluster_last(clusters_.size(), 0);
  std::vector<int64_t> latencies;
  for (const Entry& entry : entries_) {
    if (entry.time_ms < start_ms || entry.time_ms > now_ms || !Matches(entry, filter)) continue;
    ++articles;
    const size_t bucket = std::min(buckets - 1, static_cast<size_t>((entry.time_ms - start_ms) / bucket_ms));
    ++series_all[bucket];
    switch (entry.status) {
      case v1::DedupVerdict::NEAR_DUPLICATE:
        ++near;
        ++series_near[bucket];
        break;
      case v1::DedupVerdict::EXACT_DUPLICATE:
        ++exact;
        ++series_exact[bucket];
        break;
      default:
        ++unique;
        ++series_unique[bucket];
    }
    ++language_n[entry.language];
    ++source_n[entry.source];
    for (uint32_t t : entry.topics) {
      if (t == kNone) continue;
      ++topic_n[t];
      for (uint32_t c : entry.countries) if (c != kNone) ++topic_country_n[(uint64_t{t} << 32) | c];
      for (uint32_t r : entry.regions) if (r != kNone) ++topic_region_n[(uint64_t{t} << 32) | r];
    }
    for (uint32_t c : entry.countries) if (c != kNone) ++country_n[c];
    for (uint32_t r : entry.regions) if (r != kNone) ++region_n[r];
    ++cluster_size[entry.cluster];
    cluster_first[entry.cluster] = std::min(cluster_first[entry.cluster], entry.time_ms);
    cluster_last[entry.cluster] = std::max(cluster_last[entry.cluster], entry.time_ms);
    if (entry.latency_ms >= 0) latencies.push_back(entry.latency_ms);
  }
  auto nonzero = [](const std::vector<uint64_t>& counts) {
    std::map<uint32_t, uint64_t> out;
    for (size_t i = 0; i < counts.size(); ++i) if (counts[i] > 0) out[static_cast<uint32_t>(i)] = counts[i];
    return out;
  };
  auto pairs = [](const absl::flat_hash_map<uint64_t, uint64_t>& counts) {
    std::map<std::pair<uint32_t, uint32_t>, uint64_t> out;
    for (const auto& [key, count] : counts) {
      out[{static_cast<uint32_t>(key >> 32), static_cast<uint32_t>(key)}] = count;
    }
    return out;
  };
  const auto topics = nonzero(topic_n), countries = nonzero(country_n), regions = nonzero(region_n),
             languages = nonzero(language_n), sources = nonzero(source_n);
  const auto topic_country = pairs(topic_country_n), topic_region = pairs(topic_region_n);

  auto label = [this](const std::string& code) {
    auto it = labels_.find(code);
    return it == labels_.end() ? code : it->second;
  };
  const size_t n = options_.top_n;
  nlohmann::json out;
  out["schema"] = "newsflow.dashboard.summary/v1";
  out["window"] = window_ms / 1000;
  out["generatedAtMs"] = now_ms;
  out["filters"] = {{"topic", filter.topic}, {"region", filter.region}, {"language", filter.language}};
  out["articles"] = articles;
  out["unique"] = unique;
  out["nearDuplicates"] = near;
  out["exactDuplicates"] = exact;
  const double denominator = articles > 0 ? static_cast<double>(articles) : 1.0;
  out["rates"] = {{"unique", unique / denominator},
                  {"nearDuplicates", near / denominator},
                  {"exactDuplicates", exact / denominator}};
  out["topics"] = TopList<uint32_t>(topics, n, [&](const uint32_t& id, nlohmann::json* item) {
    (*item)["code"] = strings_.Get(id);
    (*item)["label"] = label(strings_.Get(id));
  });
  out["countries"] = TopList<uint32_t>(countries, n, [&](const uint32_t& id, nlohmann::json* item) {
    (*item)["code"] = strings_.Get(id);
    (*item)["name"] = label(strings_.Get(id));
  });
  out["regions"] = TopList<uint32_t>(regions, n, [&](const uint32_t& id, nlohmann::json* item) {
    (*item)["name"] = strings_.Get(id);
  });
  out["languages"] = TopList<uint32_t>(languages, n, [&](const uint32_t& id, nlohmann::json* item) {
    (*item)["code"] = strings_.Get(id);
  });
  out["sources"] = TopList<uint32_t>(sources, n, [&](const uint32_t& id, nlohmann::json* item) {
    (*item)["name"] = strings_.Get(id);
  });
  using Pair = std::pair<uint32_t, uint32_t>;
  out["topicCountry"] = TopList<Pair>(topic_country, n * 10, [&](const Pair& key, nlohmann::json* item) {
    (*item)["topic"] = strings_.Get(key.first);
    (*item)["country"] = strings_.Get(key.second);
  });
  out["topicRegion"] = TopList<Pair>(topic_region, n * 10, [&](const Pair& key, nlohmann::json* item) {
    (*item)["topic"] = strings_.Get(key.first);
    (*item)["region"] = strings_.Get(key.second);
  });

  std::vector<uint32_t> candidates;
  for (uint32_t id = 0; id < cluster_size.size(); ++id) if (cluster_size[id] > 0) candidates.push_back(id);
  auto larger = [&](uint32_t a, uint32_t b) {
    if (cluster_size[a] != cluster_size[b]) return cluster_size[a] > cluster_size[b];
    if (cluster_last[a] != cluster_last[b]) return cluster_last[a] > cluster_last[b];
    return a < b;
  };
  const size_t shown_n = std::min(n, candidates.size());
  std::partial_sort(candidates.begin(), candidates.begin() + shown_n, candidates.end(), larger);
  candidates.resize(shown_n);
  std::vector<ClusterTally> tallies(shown_n);
  std::vector<std::pair<uint32_t, const ClusterTally*>> ranked;
  for (size_t i = 0; i < shown_n; ++i) {
    const uint32_t id = candidates[i];
    tallies[i].size = cluster_size[id];
    tallies[i].first_ms = cluster_first[id];
    tallies[i].last_ms = cluster_last[id];
    ranked.emplace_back(id, &tallies[i]);
  }
  absl::flat_hash_map<uint32_t, ClusterTally*> top;
  for (const auto& [id, tally] : ranked) top[id] = const_cast<ClusterTally*>(tally);
  for (const Entry& entry : entries_) {
    if (entry.time_ms < start_ms || entry.time_ms > now_ms) continue;
    auto it = top.find(entry.cluster);
    if (it == top.end() || it->second->sources.size() >= 50 || !Matches(entry, filter)) continue;
    it->second->sources.insert(entry.source);
  }
  nlohmann::json clusters = nlohmann::json::array();
  for (const auto& [id, tally] : ranked) {
    const Cluster& cluster = clusters_[id];
    std::vector<std::string> names;
    for (uint32_t s : tally->sources) names.push_back(strings_.Get(s));
    std::sort(names.begin(), names.end());
    nlohmann::json sources_json = names;
    clusters.push_back({{"clusterId", cluster.key},
                        {"title", cluster.title},
                        {"url", cluster.url},
                        {"size", tally->size},
                        {"sources", std::move(sources_json)},
                        {"firstSeenMs", tally->first_ms},
                        {"lastSeenMs", tally->last_ms}});
  }
  out["topClusters"] = std::move(clusters);
  out["series"] = {{"startMs", start_ms},
                   {"bucketSeconds", bucket_ms / 1000.0},
                   {"articles", series_all},
                   {"unique", series_unique},
                   {"nearDuplicates", series_near},
                   {"exactDuplicates", series_exact}};
  out["throughput"] = {{"articlesPerSecond", articles / (window_ms / 1000.0)}};
  const size_t measured = latencies.size();
  out["latencyMs"] = {{"count", measured},
                      {"p50", Percentile(latencies, 0.50)},
                      {"p90", Percentile(latencies, 0.90)},
                      {"p99", Percentile(latencies, 0.99)},
                      {"max", latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end())}};
  out["state"] = {{"articlesHeld", entries_.size()},
                  {"retentionSeconds", options_.retention_ms / 1000},
                  {"maxArticles", options_.max_articles},
                  {"approximateBytes", ApproximateBytes()},
                  {"added", added_},
                  {"undecodable", undecodable_},
                  {"olderThanRetention", too_old_},
                  {"droppedByCap", dropped_by_cap_}};
  return out;
}

}  // namespace newsflow::dashboard
