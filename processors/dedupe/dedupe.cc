#include "processors/dedupe/dedupe.h"

#include <xxhash.h>

#include <algorithm>
#include <limits>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace newsflow::dedupe {
namespace {

// SplitMix64 finalizer: a cheap, well-distributed 64-bit mix.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Decodes one code point from valid UTF-8 at `p` (matching text is always valid UTF-8).
uint32_t DecodeCodePoint(const unsigned char* p, size_t remaining, size_t* length) {
  unsigned char c = p[0];
  if (c < 0x80 || remaining < 2) {
    *length = 1;
    return c;
  }
  if ((c & 0xE0) == 0xC0) {
    *length = 2;
    return ((c & 0x1F) << 6) | (p[1] & 0x3F);
  }
  if ((c & 0xF0) == 0xE0 && remaining >= 3) {
    *length = 3;
    return ((c & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
  }
  if (remaining >= 4) {
    *length = 4;
    return ((c & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
  }
  *length = 1;
  return c;
}

// Scripts written without spaces between words: there every character is a unit,
// otherwise a whole word would be one giant unit and distinct texts would share nothing
// (or, with one unit, everything).
bool IsUnsegmentedScript(uint32_t cp) {
  return (cp >= 0x0E00 && cp <= 0x0EFF) ||    // Thai, Lao
         (cp >= 0x1000 && cp <= 0x109F) ||    // Myanmar
         (cp >= 0x1780 && cp <= 0x17FF) ||    // Khmer
         (cp >= 0x3040 && cp <= 0x30FF) ||    // Hiragana, Katakana
         (cp >= 0x3400 && cp <= 0x4DBF) ||    // CJK extension A
         (cp >= 0x4E00 && cp <= 0x9FFF) ||    // CJK unified ideographs
         (cp >= 0xF900 && cp <= 0xFAFF) ||    // CJK compatibility ideographs
         (cp >= 0x20000 && cp <= 0x2FFFF);    // CJK extensions B..
}

// Hashes of the text's units: words, or single characters of unsegmented scripts.
void UnitHashes(std::string_view text, std::vector<uint64_t>* units) {
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    while (i < n && data[i] == ' ') ++i;
    size_t word_start = i;
    while (i < n && data[i] != ' ') {
      if (data[i] < 0x80) {
        ++i;
        continue;
      }
      size_t length = 1;
      uint32_t cp = DecodeCodePoint(data + i, n - i, &length);
      if (IsUnsegmentedScript(cp)) {
        if (i > word_start) units->push_back(XXH3_64bits(data + word_start, i - word_start));
        units->push_back(Mix(0x5bd1e995ULL + cp));
        i += length;
        word_start = i;
      } else {
        i += length;
      }
    }
    if (i > word_start) units->push_back(XXH3_64bits(data + word_start, i - word_start));
  }
}

// Entries checked per LSH bucket, newest first.
constexpr size_t kMaxBucketScan = 16;

}  // namespace

absl::Status DedupeOptions::Validate() const {
  if (shingle_size < 1 || shingle_size > 16) {
    return absl::InvalidArgumentError(absl::StrCat("dedupe shingle_size must be in [1, 16], got ", shingle_size));
  }
  if (num_hashes < 1 || bands < 1 || num_hashes % bands != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dedupe num_hashes (", num_hashes, ") must be a positive multiple of bands (", bands, ")"));
  }
  if (resemblance_threshold <= 0 || resemblance_threshold > 1) {
    return absl::InvalidArgumentError("dedupe resemblance_threshold must be in (0, 1]");
  }
  if (containment_threshold <= 0 || containment_threshold > 1) {
    return absl::InvalidArgumentError("dedupe containment_threshold must be in (0, 1]");
  }
  if (window_ms <= 0) return absl::InvalidArgumentError("dedupe window must be positive");
  if (max_articles < 1) return absl::InvalidArgumentError("dedupe max_articles must be >= 1");
  return absl::OkStatus();
}

Deduper::Deduper(const DedupeOptions& options)
    : options_(options), rows_per_band_(options.num_hashes / options.bands) {}

std::vector<SignatureValue> Deduper::Signature(std::string_view matching_text,
                                         int* shingle_count) const {
  std::vector<uint64_t> units;
  units.reserve(matching_text.size() / 5 + 1);
  UnitHashes(matching_text, &units);

  std::vector<uint64_t> shingles;
  const size_t k = static_cast<size_t>(options_.shingle_size);
  if (!units.empty()) {
    const size_t count = units.size() >= k ? units.size() - k + 1 : 1;
    shingles.reserve(count);
    for (size_t start = 0; start < count; ++start) {
      uint64_t h = 0;
      for (size_t j = start; j < std::min(start + k, units.size()); ++j) {
        h = (h ^ units[j]) * 0x9e3779b97f4a7c15ULL + j - start;
      }
      shingles.push_back(Mix(h));
    }
    std::sort(shingles.begin(), shingles.end());
    shingles.erase(std::unique(shingles.begin(), shingles.end()), shingles.end());
  }
  *shingle_count = static_cast<int>(shingles.size());

  // One-permutation MinHash: one hash per shingle picks a bin and a value; each bin keeps
  // its minimum. O(shingles) instead of O(shingles x num_hashes) for k independent hashes,
  // with the same estimator (share of equal bins) for texts longer than the signature.
  constexpr SignatureValue kEmpty = std::numeric_limits<SignatureValue>::max();
  // Fixed: signatures must be identical across runs and processes.
  constexpr uint64_t kDensifySalt = 0x6e657773666c6f77ULL;  // "newsflow"
  const uint64_t bins = static_cast<uint64_t>(options_.num_hashes);
  std::vector<SignatureValue> signature(options_.num_hashes, kEmpty);
  for (uint64_t s : shingles) {
    const uint64_t bin = ((s >> 32) * bins) >> 32;
    const SignatureValue value = static_cast<SignatureValue>(s % kEmpty);  // never kEmpty
    signature[bin] = std::min(signature[bin], value);
  }
  // Densification: an empty bin borrows the value of the next non-empty bin to its right,
  // salted by the distance, so short texts still get comparable signatures.
  for (size_t i = 0; i < signature.size() && !shingles.empty(); ++i) {
    if (signature[i] != kEmpty) continue;
    size_t distance = 1;
    while (signature[(i + distance) % signature.size()] == kEmpty) ++distance;
    const SignatureValue borrowed = signature[(i + distance) % signature.size()];
    signature[i] = static_cast<SignatureValue>(Mix(borrowed + distance * kDensifySalt) % kEmpty);
  }
  return signature;
}

uint64_t Deduper::BandKey(const std::vector<SignatureValue>& signature, int band) const {
  return XXH3_64bits_withSeed(signature.data() + band * rows_per_band_,
                              rows_per_band_ * sizeof(SignatureValue), static_cast<uint64_t>(band));
}

const Deduper::Entry* Deduper::Find(uint64_t sequence) const {
  if (entries_.empty() || sequence < entries_.front().sequence) return nullptr;
  size_t index = sequence - entries_.front().sequence;
  return index < entries_.size() ? &entries_[index] : nullptr;
}

DedupeResult Deduper::Process(const DedupeInput& input, DedupeChanges* changes) {
  if (input.event_time_ms > newest_event_time_ms_) {
    newest_event_time_ms_ = input.event_time_ms;
    EvictExpired(newest_event_time_ms_, changes);
  }

  DedupeResult result;
  const std::string& exact_text = input.exact_text.empty() ? input.matching_text : input.exact_text;
  const uint64_t text_hash = XXH3_64bits(exact_text.data(), exact_text.size());

  // Exact: the same folded text, or the same canonical URL republished.
  const Entry* exact = nullptr;
  if (auto it = by_text_hash_.find(text_hash); it != by_text_hash_.end()) {
    exact = Find(it->second);
  }
  if (exact == nullptr && !input.canonical_url.empty()) {
    if (auto it = by_url_.find(input.canonical_url); it != by_url_.end()) exact = Find(it->second);
  }
  if (exact != nullptr) {
    result.status = DedupStatus::kExactDuplicate;
    result.cluster_id = exact->cluster_id;
    result.duplicate_of = exact->id;
    result.similarity = 1;
    result.containment = 1;
    return result;
  }

  int shingle_count = 0;
  std::vector<SignatureValue> signature = Signature(input.matching_text, &shingle_count);

  // Near: LSH candidates, verified by the signature's estimate of resemblance/containment.
  absl::flat_hash_set<uint64_t> seen;
  const Entry* best = nullptr;
  float best_similarity = 0;
  float best_containment = 0;
  for (int band = 0; band < options_.bands; ++band) {
    auto bucket = buckets_.find(BandKey(signature, band));
    if (bucket == buckets_.end()) continue;
    // Buckets of very common band values (boilerplate, stock phrases) say little and cost
    // much: only their newest entries are checked. A real copy shares many bands.
    const std::vector<uint64_t>& sequences = bucket->second;
    const size_t first = sequences.size() > kMaxBucketScan ? sequences.size() - kMaxBucketScan : 0;
    for (size_t position = first; position < sequences.size(); ++position) {
      const uint64_t sequence = sequences[position];
      if (!seen.insert(sequence).second) continue;
      const Entry* candidate = Find(sequence);
      if (candidate == nullptr) continue;
      int agree = 0;
      for (int i = 0; i < options_.num_hashes; ++i) {
        agree += candidate->signature[i] == signature[i];
      }
      const float similarity = static_cast<float>(agree) / options_.num_hashes;
      // |A ∩ B| = J (|A| + |B|) / (1 + J); containment of the smaller in the larger.
      const int smaller = std::min(shingle_count, candidate->shingle_count);
      float containment = 0;
      if (smaller > 0) {
        const float intersection =
            similarity * static_cast<float>(shingle_count + candidate->shingle_count) /
            (1 + similarity);
        containment = std::min(1.0f, intersection / static_cast<float>(smaller));
      }
      const bool resembles = similarity >= options_.resemblance_threshold;
      const bool contained = containment >= options_.containment_threshold &&
                             similarity >= options_.min_resemblance_for_containment &&
                             smaller >= options_.min_shingles_for_containment;
      if (!resembles && !contained) continue;
      // Closest earlier article; on a tie the earliest (lowest sequence, visited in
      // bucket order which is insertion order within a bucket) wins for determinism.
      if (best == nullptr || similarity > best_similarity ||
          (similarity == best_similarity && candidate->sequence < best->sequence)) {
        best = candidate;
        best_similarity = similarity;
        best_containment = containment;
      }
    }
  }

  Entry entry;
  entry.sequence = next_sequence_++;
  entry.id = input.id;
  // Unknown event time: the newest seen stands in, so the entry still ages out.
  entry.event_time_ms = input.event_time_ms > 0 ? input.event_time_ms : newest_event_time_ms_;
  entry.shingle_count = shingle_count;
  entry.signature = std::move(signature);
  entry.text_hash = text_hash;
  entry.canonical_url = input.canonical_url;
  if (best != nullptr) {
    result.status = DedupStatus::kNearDuplicate;
    result.cluster_id = best->cluster_id;
    result.duplicate_of = best->id;
    result.similarity = best_similarity;
    result.containment = best_containment;
    entry.cluster_id = best->cluster_id;
  } else {
    result.status = DedupStatus::kUnique;
    result.cluster_id = input.id;
    entry.cluster_id = input.id;
  }
  Insert(std::move(entry), changes);
  return result;
}

void Deduper::Insert(Entry entry, DedupeChanges* changes) {
  while (entries_.size() >= options_.max_articles) EvictFront(/*by_cap=*/true, changes);
  if (changes != nullptr) changes->inserted.push_back(entry);
  const uint64_t sequence = entry.sequence;
  for (int band = 0; band < options_.bands; ++band) {
    buckets_[BandKey(entry.signature, band)].push_back(sequence);
  }
  by_text_hash_.try_emplace(entry.text_hash, sequence);
  if (!entry.canonical_url.empty()) by_url_.try_emplace(entry.canonical_url, sequence);
  entries_.push_back(std::move(entry));
}

void Deduper::EvictFront(bool by_cap, DedupeChanges* changes) {
  const Entry& entry = entries_.front();
  if (changes != nullptr) changes->evicted.push_back(entry.sequence);
  for (int band = 0; band < options_.bands; ++band) {
    auto bucket = buckets_.find(BandKey(entry.signature, band));
    if (bucket == buckets_.end()) continue;
    auto& sequences = bucket->second;
    // The front entry is the oldest, so it sits first in every bucket it is in.
    if (!sequences.empty() && sequences.front() == entry.sequence) {
      sequences.erase(sequences.begin());
    } else {
      sequences.erase(std::remove(sequences.begin(), sequences.end(), entry.sequence),
                      sequences.end());
    }
    if (sequences.empty()) buckets_.erase(bucket);
  }
  if (auto it = by_text_hash_.find(entry.text_hash);
      it != by_text_hash_.end() && it->second == entry.sequence) {
    by_text_hash_.erase(it);
  }
  if (!entry.canonical_url.empty()) {
    if (auto it = by_url_.find(entry.canonical_url);
        it != by_url_.end() && it->second == entry.sequence) {
      by_url_.erase(it);
    }
  }
  entries_.pop_front();
  if (by_cap) {
    ++stats_.evicted_by_cap;
  } else {
    ++stats_.evicted_by_window;
  }
}

void Deduper::EvictExpired(int64_t newest_event_time_ms, DedupeChanges* changes) {
  const int64_t horizon = newest_event_time_ms - options_.window_ms;
  // Insertion order approximates event order; an entry that arrived late is evicted when
  // it reaches the front.
  while (!entries_.empty() && entries_.front().event_time_ms < horizon) {
    EvictFront(/*by_cap=*/false, changes);
  }
}

absl::Status Deduper::Restore(std::vector<IndexedArticle> entries, const DedupeRestorePoint& point) {
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].signature.size() != static_cast<size_t>(options_.num_hashes)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dedup state entry ", entries[i].sequence, " has a signature of ",
          entries[i].signature.size(), " values; this processor uses ", options_.num_hashes,
          " (changed dedup settings need a fresh state)"));
    }
    if (i > 0 && entries[i].sequence != entries[i - 1].sequence + 1) {
      return absl::InvalidArgumentError(absl::StrCat("dedup state has a gap before entry ",
                                                     entries[i].sequence));
    }
  }
  entries_.clear();
  by_text_hash_.clear();
  by_url_.clear();
  buckets_.clear();
  stats_ = DedupeStats{};
  for (IndexedArticle& entry : entries) Insert(std::move(entry), nullptr);
  newest_event_time_ms_ = point.newest_event_time_ms;
  for (const Entry& entry : entries_) {
    newest_event_time_ms_ = std::max(newest_event_time_ms_, entry.event_time_ms);
  }
  next_sequence_ = entries_.empty() ? point.next_sequence
                                    : std::max(point.next_sequence, entries_.back().sequence + 1);
  stats_.evicted_by_window = point.evicted_by_window;
  stats_.evicted_by_cap = point.evicted_by_cap;
  return absl::OkStatus();
}

DedupeRestorePoint Deduper::restore_point() const {
  DedupeRestorePoint point;
  point.newest_event_time_ms = newest_event_time_ms_;
  point.next_sequence = next_sequence_;
  point.evicted_by_window = stats_.evicted_by_window;
  point.evicted_by_cap = stats_.evicted_by_cap;
  return point;
}

DedupeStats Deduper::stats() const {
  DedupeStats stats = stats_;
  stats.indexed_articles = entries_.size();
  return stats;
}

}  // namespace newsflow::dedupe
