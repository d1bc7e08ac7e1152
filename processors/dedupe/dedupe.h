// Dedupe stage: exact and near-duplicate detection over a stream of normalized articles,
// with one-permutation MinHash signatures of word shingles (character n-grams for unsegmented scripts)
// and LSH banding for candidate lookup. Pure library: no Kafka.
#ifndef NEWSFLOW_PROCESSORS_DEDUPE_DEDUPE_H_
#define NEWSFLOW_PROCESSORS_DEDUPE_DEDUPE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"

namespace newsflow::dedupe {

struct DedupeOptions {
  // Words per shingle for space-delimited text; characters per n-gram for Chinese,
  // Japanese, Thai and other unsegmented scripts. Default 3.
  int shingle_size = 3;
  // MinHash signature length (whole-text values plus lead values). Must be a multiple of
  // bands. Default 64.
  int num_hashes = 64;
  // LSH bands over the whole signature (whole-text and lead values alike); more bands find
  // lower similarities at the cost of more candidates. Default 32.
  int bands = 32;
  // Values of the signature taken over the article's lead (its first `lead_shingles`
  // shingles) instead of the whole text; the rest cover the whole text and give the
  // resemblance. Syndication trims from the end and keeps the lead (inverted pyramid), so an
  // earlier article's lead found in a new one is strong evidence of a trimmed copy even when
  // the whole-text overlap is small. 0 = no lead values. Must be a multiple of
  // num_hashes / bands (whole bands). Default 16.
  int lead_hashes = 16;
  // Shingles (in text order) that make up the lead. Default 50 (about the first two
  // paragraphs of wire copy).
  int lead_shingles = 50;
  // Estimated Jaccard resemblance at or above which an earlier article is a near duplicate.
  // Default 0.4 (chosen with `newsflow-eval dedup`, docs/QUALITY.md).
  double resemblance_threshold = 0.4;
  // Articles with fewer shingles than this are "short" (briefs, dividend notices, one-line
  // market reports): written from templates, two different ones share half their few
  // shingles, so a pair where either is short needs `short_resemblance_threshold`.
  // Default 40 (about 40 words).
  int short_text_shingles = 40;
  // Resemblance at or above which a short article is a near duplicate (see above); the
  // containment and lead rules do not apply to short articles. Default 0.7.
  double short_resemblance_threshold = 0.7;
  // Estimated containment (share of the smaller article's shingles found in the larger) at or
  // above which a trimmed or padded copy is a near duplicate. Default 0.6.
  double containment_threshold = 0.6;
  // Containment at or above which a copy is a near duplicate when the smaller article has at
  // least `long_text_shingles` shingles. Half of a long text found word for word in another
  // is a copied passage; reports written from one template share that much only when short.
  // It matters for a wire service's rewritten versions of its own story (a new lead, some
  // sentences reworded: ~0.55 exact containment, resemblance ~0.2-0.3), which the 0.6 rule
  // finds only a quarter to a third of the time because the estimate is noisy (standard
  // deviation 0.07-0.12 with 48 values). Default 0.52: just above the 0.5 at which the
  // evaluation counts a copy; at 0.50 more same-event write-ups at 0.4-0.5 get merged
  // (docs/QUALITY.md).
  double long_containment_threshold = 0.52;
  // Smaller article's shingle count from which `long_containment_threshold` applies instead
  // of `containment_threshold`. 0 = never. Default 125 (about 125 words; templated Reuters
  // reports that share half their shingles have 45-115).
  int long_text_shingles = 125;
  // Containment is trusted only when both articles have at least this many shingles;
  // one-line items would otherwise be "contained" in everything. Default 20.
  int min_shingles_for_containment = 20;
  // Containment is trusted only with at least this resemblance: a short article that shares
  // one quoted paragraph with a long one is contained in it, but is not a copy. Default 0.15.
  double min_resemblance_for_containment = 0.15;
  // Share of an earlier article's lead found in the new article at or above which the new
  // one is a near duplicate (a trimmed copy that kept the lead), provided the resemblance is
  // at least `min_resemblance_for_lead` and both have `min_shingles_for_containment`
  // shingles. Default 0.75.
  double lead_containment_threshold = 0.75;
  // Resemblance floor of the lead rule: an article that quotes another's first paragraphs
  // and goes on with its own reporting is not a copy. Default 0.1.
  double min_resemblance_for_lead = 0.1;
  // Articles older (by event time) than the newest seen minus this window are evicted.
  // Default 7 days.
  int64_t window_ms = 7LL * 24 * 3600 * 1000;
  // An event time further ahead of the median of the stream's recent ones than this (or
  // than twice the span those cover, less their two highest and two lowest, when larger:
  // sparse streams move in bigger steps) is taken as that bound, and never as more than
  // this lead past the newest time seen: one record with a wrong date must not move the
  // window and evict the whole index. Measured on the last 31 known event times, once
  // there are 8. Default 1 day.
  int64_t max_event_time_lead_ms = 24LL * 3600 * 1000;
  // At most this many articles are indexed; the oldest-inserted is evicted first.
  // Default 1,000,000; at most 100,000,000 (and max_articles * (bands + 2) < 2^32).
  size_t max_articles = 1'000'000;

  absl::Status Validate() const;
};

enum class DedupStatus { kUnique, kExactDuplicate, kNearDuplicate };

struct DedupeInput {
  std::string id;
  std::string canonical_url;   // may be empty
  std::string matching_text;   // case/accent/punctuation-folded body (normalize::MatchingForm)
  int64_t event_time_ms = 0;   // publication time, else ingest time; 0 = unknown
  // Text that must be identical for EXACT_DUPLICATE: everything the article carried, folded
  // the same way (boilerplate and captions included, which the body drops). A copy that
  // differs only in stripped outlet boilerplate is then a NEAR_DUPLICATE with similarity 1,
  // not an exact one. Empty = matching_text.
  std::string exact_text;
};

struct DedupeResult {
  DedupStatus status = DedupStatus::kUnique;
  std::string cluster_id;    // first article of the cluster; own id when unique
  std::string duplicate_of;  // closest earlier article; empty when unique
  float similarity = 0;      // estimated Jaccard resemblance with duplicate_of
  float containment = 0;     // estimated containment (smaller in larger)
  // Estimated share of duplicate_of's lead found in this article; computed only when the
  // resemblance is below its threshold (where the lead rule can decide), else 0.
  float lead_containment = 0;
  // The event time was far ahead of the stream's recent ones and was taken as less
  // (DedupeOptions::max_event_time_lead_ms).
  bool event_time_clamped = false;
};

struct DedupeStats {
  size_t indexed_articles = 0;
  uint64_t evicted_by_window = 0;
  uint64_t evicted_by_cap = 0;
  uint64_t event_times_clamped = 0;
};

// One MinHash value. Band keys are computed from full 32-bit values, and the changelog and
// Restore carry them in full; the index itself keeps only the low 12 bits of each for
// verification (8 or 10 bits changed verdicts measurably, 12 did not; dedupe.cc).
using SignatureValue = uint32_t;

// One indexed article, as the service persists it in its changelog (see
// proto/newsflow/v1/state.proto) and hands it back to Restore.
struct IndexedArticle {
  uint64_t sequence = 0;  // insertion order
  std::string id;
  std::string cluster_id;
  int64_t event_time_ms = 0;
  int32_t shingle_count = 0;
  std::vector<SignatureValue> signature;
  uint64_t text_hash = 0;
  std::string canonical_url;
};

// What one Process call changed in the index, for a changelog.
struct DedupeChanges {
  std::vector<IndexedArticle> inserted;
  std::vector<uint64_t> evicted;  // sequences
};

// Index-wide values a restore needs besides the entries.
struct DedupeRestorePoint {
  int64_t newest_event_time_ms = 0;
  uint64_t next_sequence = 0;
  uint64_t evicted_by_window = 0;
  uint64_t evicted_by_cap = 0;
  // The latest known event times as given (before any clamping), oldest first: what the
  // clamp of the next event time is measured against.
  std::vector<int64_t> recent_event_times;
  // Deduper::SignatureScheme() of the index that wrote the entries; empty = not recorded
  // (not checked). Restore refuses entries of another scheme: their signatures would be
  // compared bin by bin with differently computed ones.
  std::string signature_scheme;
};

// Streaming deduplicator. The verdict for an article depends only on the articles
// processed before it, so the same input order always gives the same verdicts.
// Not thread-safe: one instance per dedup scope (partition).
class Deduper {
 public:
  explicit Deduper(const DedupeOptions& options);

  // `changes`, when given, receives the entries inserted and evicted by this call.
  DedupeResult Process(const DedupeInput& input, DedupeChanges* changes = nullptr);

  // Replaces the index with `entries` (consecutive sequences, ascending) and `point`, as
  // written through DedupeChanges/restore_point() before. Verdicts afterwards equal those of
  // the instance that wrote them.
  absl::Status Restore(std::vector<IndexedArticle> entries, const DedupeRestorePoint& point);
  DedupeRestorePoint restore_point() const;

  DedupeStats stats() const;

  // Names everything that determines a signature (shingling, bins, lead), e.g.
  // "oph2 k=3 h=64 lead=16/50". Entries are only comparable between equal schemes.
  std::string SignatureScheme() const;

  // MinHash signature of `matching_text` (exposed for tests and benchmarks).
  std::vector<SignatureValue> Signature(std::string_view matching_text, int* shingle_count) const;

 private:
  // Compact storage (docs/PERFORMANCE.md, "Dedup"): entries live in a ring of fixed-size
  // chunks (8-bit signature values for verification, 32-bit checks of the text and URL
  // hashes, ids in a per-chunk byte arena); the LSH buckets and the exact-text / URL lookups
  // are one posting index (dedupe.cc) whose postings are 3 or 4 bytes.
  struct Chunk;
  class PostingIndex;

  uint64_t BandKey(const std::vector<SignatureValue>& signature, int band) const;
  // Appends an entry with sequence next_sequence_; `signature` has full-width values;
  // `band_keys` are its BandKeys, or null to compute them.
  void Insert(std::string_view id, std::string_view cluster_id, int64_t event_time_ms,
              int32_t shingle_count, const std::vector<SignatureValue>& signature,
              const uint64_t* band_keys, uint64_t text_hash, std::string_view canonical_url);
  void EvictFront(bool by_cap, DedupeChanges* changes);
  void EvictExpired(int64_t newest_event_time_ms, DedupeChanges* changes);
  void Clear();
  // `event_time_ms` bounded by the recent event times (max_event_time_lead_ms); records it
  // among them.
  int64_t BoundEventTime(int64_t event_time_ms, bool* clamped);

  Chunk& ChunkFor(uint64_t sequence) const;
  // Signature, and when `stored_values` is given, every shingle's whole-text bin << 12 | the
  // low 12 bits of its value: what an earlier article's stored values are checked against.
  // `unique_shingles`, when given, receives the article's distinct shingle hashes.
  std::vector<SignatureValue> Signature(std::string_view matching_text, int* shingle_count,
                                        std::vector<uint32_t>* stored_values,
                                        std::vector<uint64_t>* unique_shingles) const;
  size_t size() const { return static_cast<size_t>(next_sequence_ - front_sequence_); }

  DedupeOptions options_;
  int rows_per_band_;
  int whole_hashes_;  // signature values [0, whole_hashes_) cover the whole text, the rest the lead

  uint64_t next_sequence_ = 0;
  uint64_t front_sequence_ = 0;  // oldest indexed; indexed = [front_sequence_, next_sequence_)
  int64_t newest_event_time_ms_ = 0;
  std::deque<int64_t> recent_event_times_;  // as given, oldest first; at most 31
  uint64_t ring_mask_ = 0;  // ring capacity - 1 (a power of two > max_articles)
  std::vector<std::unique_ptr<Chunk>> chunks_;
  std::unique_ptr<PostingIndex> index_;
  DedupeStats stats_;
  std::vector<uint64_t> shingle_bitmap_;  // scratch of Process, all zero between calls
  std::vector<uint64_t> seen_;             // scratch of Process, all zero between calls
  std::vector<uint32_t> seen_used_slots_;  // scratch of Process

 public:
  ~Deduper();
  Deduper(Deduper&&) noexcept;
  Deduper& operator=(Deduper&&) noexcept;
};

}  // namespace newsflow::dedupe

#endif  // NEWSFLOW_PROCESSORS_DEDUPE_DEDUPE_H_
