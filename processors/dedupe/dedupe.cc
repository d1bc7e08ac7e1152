#include "processors/dedupe/dedupe.h"

// Every word of every article is hashed: inlining XXH3 (the same header and algorithm as
// libxxhash, so the same hashes and the same stored state) saves the call into the shared library.
#define XXH_INLINE_ALL
#include <xxhash.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

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
// Writes them to `units`, which has room for text.size() / 2 + 1 (a unit takes at least one
// byte and a separator, or is a character of three bytes); returns their number.
size_t UnitHashes(std::string_view text, uint64_t* units) {
  uint64_t* const first = units;
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    while (i < n && data[i] == ' ') ++i;
    size_t word_start = i;
    while (i < n && data[i] != ' ') {
#if defined(__SSE2__)
      // Sixteen bytes a step to the word's end or its first non-ASCII byte.
      if (n - i >= 16) {
        const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i));
        const unsigned stops = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(
            _mm_cmpeq_epi8(block, _mm_set1_epi8(' ')),
            _mm_cmplt_epi8(block, _mm_setzero_si128()))));  // signed: bytes >= 0x80
        if (stops == 0) {
          i += 16;
          continue;
        }
        i += static_cast<size_t>(__builtin_ctz(stops));
        if (data[i] == ' ') break;
      }
#endif
      if (data[i] < 0x80) {
        ++i;
        continue;
      }
      size_t length = 1;
      uint32_t cp = DecodeCodePoint(data + i, n - i, &length);
      if (IsUnsegmentedScript(cp)) {
        if (i > word_start) *units++ = XXH3_64bits(data + word_start, i - word_start);
        *units++ = Mix(0x5bd1e995ULL + cp);
        i += length;
        word_start = i;
      } else {
        i += length;
      }
    }
    if (i > word_start) *units++ = XXH3_64bits(data + word_start, i - word_start);
  }
  return static_cast<size_t>(units - first);
}

// Entries checked per LSH bucket, newest first.
constexpr size_t kMaxBucketScan = 16;

// Largest max_articles: ring positions must fit 28 bits of a 4-byte posting.
constexpr size_t kMaxArticlesLimit = 100'000'000;

// Entries per chunk of the ring.
constexpr int kChunkBits = 10;
constexpr uint64_t kChunkSize = uint64_t{1} << kChunkBits;

constexpr uint64_t kNoSequence = std::numeric_limits<uint64_t>::max();

// Keys of the exact lookups, in the same posting index as the LSH band keys.
uint64_t TextKey(uint64_t text_hash) { return Mix(text_hash ^ 0x7465787468617368ULL); }
uint64_t UrlKey(uint64_t url_hash) { return Mix(url_hash ^ 0x75726c6861736821ULL); }

// Verification values: the low 12 bits of each MinHash value, two values in three bytes.
// (8 or 10 bits were tried: chance agreements, 1 in 256 or 1024, merged ~1% more pairs of
// the synthetic edits at lower precision; 12 bits gave the same verdicts as 32 on every
// measure of `newsflow-eval dedup`, three seeds.)
constexpr int kStoredValueBits = 12;
size_t PackedSignatureBytes(int num_hashes) { return static_cast<size_t>(num_hashes + 1) / 2 * 3; }

void PackSignature(const std::vector<SignatureValue>& signature, uint8_t* out) {
  for (size_t i = 0; i < signature.size(); i += 2) {
    const uint32_t a = signature[i] & 0xfff;
    const uint32_t b = i + 1 < signature.size() ? signature[i + 1] & 0xfff : 0;
    const uint32_t packed = a | (b << 12);
    out[i / 2 * 3] = static_cast<uint8_t>(packed);
    out[i / 2 * 3 + 1] = static_cast<uint8_t>(packed >> 8);
    out[i / 2 * 3 + 2] = static_cast<uint8_t>(packed >> 16);
  }
}

// Number of equal stored values of two packed signatures.
int AgreeingValues(const uint8_t* a, const uint8_t* b, int num_hashes) {
  int agree = 0;
  int i = 0;
  for (; i + 1 < num_hashes; i += 2, a += 3, b += 3) {
    const uint32_t x = static_cast<uint32_t>(a[0] ^ b[0]) | static_cast<uint32_t>(a[1] ^ b[1]) << 8 |
                       static_cast<uint32_t>(a[2] ^ b[2]) << 16;
    agree += ((x & 0xfff) == 0) + ((x >> 12) == 0);
  }
  if (i < num_hashes) agree += ((a[0] ^ b[0]) | ((a[1] ^ b[1]) & 0xf)) == 0;
  return agree;
}

void AppendVarint(uint64_t value, std::string* out) {
  while (value >= 0x80) {
    out->push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out->push_back(static_cast<char>(value));
}

uint64_t ReadVarint(const char** p) {
  uint64_t value = 0;
  for (int shift = 0;; shift += 7) {
    const auto byte = static_cast<unsigned char>(*(*p)++);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if (byte < 0x80) return value;
  }
}

// Marks an empty bin; no value equals it.
constexpr SignatureValue kEmptyBin = std::numeric_limits<SignatureValue>::max();

// A shingle's bin and value among the lead bins [whole, whole + lead_bins), under a hash
// independent of the whole-text bins' one.
struct LeadSlot {
  uint64_t bin;
  SignatureValue value;
};
LeadSlot LeadSlotOf(uint64_t shingle, uint64_t whole, uint64_t lead_bins) {
  const uint64_t h = Mix(shingle ^ 0x6c65616473616c74ULL);  // "leadsalt"
  return {whole + (((h >> 32) * lead_bins) >> 32), static_cast<SignatureValue>(h % kEmptyBin)};
}

// One-permutation MinHash densification over `bins` values: an empty bin borrows the value of
// the next non-empty bin to its right, salted by the distance. Nothing to borrow (no
// shingles): left as is.
void Densify(SignatureValue* signature, size_t bins) {
  // Fixed: signatures must be identical across runs and processes.
  constexpr uint64_t kDensifySalt = 0x6e657773666c6f77ULL;  // "newsflow"
  bool any = false;
  for (size_t i = 0; i < bins && !any; ++i) any = signature[i] != kEmptyBin;
  if (!any) return;
  for (size_t i = 0; i < bins; ++i) {
    if (signature[i] != kEmptyBin) continue;
    size_t distance = 1;
    while (signature[(i + distance) % bins] == kEmptyBin) ++distance;
    const SignatureValue borrowed = signature[(i + distance) % bins];
    signature[i] = static_cast<SignatureValue>(Mix(borrowed + distance * kDensifySalt) % kEmptyBin);
  }
}

int Log2Floor(uint64_t x) { return 63 - __builtin_clzll(x | 1); }
uint64_t BitCeil(uint64_t x) { return x <= 1 ? 1 : uint64_t{1} << (Log2Floor(x - 1) + 1); }

}  // namespace

// The posting index: band key (and exact-text / URL key) -> sequences of the entries that
// carry it, newest first. It is two parts:
// - a frozen, sorted table (CSR): a directory over the top `dir_bits_` bits of the key, and
//   per directory bucket the postings sorted by fingerprint (the next `fp_bits_` key bits),
//   then newest first. A posting is 3 bytes (ring position 20 bits + fingerprint 4 bits, at
//   the default 1M cap) or 4 bytes for larger caps;
// - a delta of the postings added since the table was last rebuilt: an open-addressing
//   table with one slot per distinct key (key and newest posting), and per posting the next
//   older one of the same key. A lookup reads one slot (prefetched) and then only postings
//   of its own key; the earlier chained table shared chains between keys, so most lookups
//   paid a second, dependent cache miss on a posting of another key.
// Postings are never deleted one by one: the entry a posting names is live when its
// sequence is >= the index's front, and dead postings are dropped at the next rebuild
// (every `delta_articles_` insertions). Keys are compared on the same (dir + fp) bits in both
// parts, so the candidates of a lookup do not depend on when the table was rebuilt (restored
// indexes give the same verdicts). A fingerprint collision only adds a candidate, which the
// signature then rejects.
class Deduper::PostingIndex {
 public:
  PostingIndex(int ring_bits, int dir_bits, uint64_t delta_articles, int keys_per_article)
      : keys_per_article_(keys_per_article),
        ring_bits_(ring_bits),
        ring_mask_((uint64_t{1} << ring_bits) - 1),
        width_(ring_bits <= 20 ? 3 : 4),
        dir_bits_(dir_bits),
        delta_articles_(delta_articles) {
    // At most 31 key bits: a limit kept from the chained delta (which marked unused postings
    // with the lowest bit); lifting it would change which keys share postings, so candidates.
    fp_bits_ = std::min(width_ * 8 - ring_bits_, 31 - dir_bits_);
    const int key_bits = dir_bits_ + fp_bits_;
    key_mask_ = key_bits >= 32 ? ~uint32_t{0} : ~uint32_t{0} << (32 - key_bits);
    const uint64_t delta_postings = delta_articles * static_cast<uint64_t>(keys_per_article);
    // At most about half full (when every posting has its own key), so a probe mostly stays
    // within one cache line.
    max_slot_bits_ = std::max(4, Log2Floor(delta_postings) + 1);
    // The slot table starts small and doubles while at most half full: a short batch run
    // does not pay for zeroing (and faulting in) the full table, 4 MB at the default cap.
    slot_bits_ = std::min(max_slot_bits_, kInitialSlotBits);
    delta_next_.reserve(delta_postings);
  }

  uint32_t Mask(uint64_t key) const { return static_cast<uint32_t>(key >> 32) & key_mask_; }

  bool DeltaFull() const { return delta_count_ >= delta_articles_; }
  // Each article adds exactly keys_per_article postings (Add, or Skip for a key it lacks),
  // so a delta posting's sequence follows from its position.
  void BeginArticle(uint64_t sequence) {
    if (slots_.empty()) slots_.assign(size_t{1} << slot_bits_, 0);
    if (delta_count_ == 0) delta_first_sequence_ = sequence;
    ++delta_count_;
  }
  void Add(uint32_t masked) {
    uint64_t& slot = slots_[FindSlot(masked)];
    delta_next_.push_back(static_cast<uint32_t>(slot));  // 0 when the key is new
    if (slot == 0) ++used_slots_;
    slot = uint64_t{masked} << 32 | delta_next_.size();
    if (used_slots_ * 2 > slots_.size() && slot_bits_ < max_slot_bits_) Grow();
  }
  void Skip() { delta_next_.push_back(0); }  // never reached from a slot

  // Starts loading what ForEach(masked) reads first (the delta's slot and the table's
  // directory entry): issued for all keys of an article before walking any, the cache misses
  // of its ~34 lookups overlap instead of queueing (they were most of the lookup time).
  void Prefetch(uint32_t masked) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[HeadSlot(masked)]);
    if (!dir_.empty()) __builtin_prefetch(&dir_[Bucket(masked)]);
  }

  // Calls f(sequence) for the live entries with key `masked`, newest first, while f
  // returns true.
  template <typename F>
  void ForEach(uint32_t masked, uint64_t next, uint64_t front, F&& f) const {
    if (!slots_.empty()) {
      // Newest first: once one is evicted, so are the rest of the chain.
      for (uint32_t i = static_cast<uint32_t>(slots_[FindSlot(masked)]); i != 0; i = delta_next_[i - 1]) {
        const uint64_t sequence = DeltaSequence(i - 1);
        if (sequence < front) break;
        if (!f(sequence)) return;
      }
    }
    if (dir_.empty()) return;
    const uint32_t bucket = Bucket(masked);
    const uint32_t fp = Fingerprint(masked);
    for (uint64_t p = dir_[bucket], end = dir_[bucket + 1]; p < end; ++p) {
      const uint32_t posting = Read(postings_.get(), p);
      const uint32_t posting_fp = posting >> ring_bits_;
      if (posting_fp < fp) continue;
      if (posting_fp > fp) return;
      const uint64_t sequence = SequenceOf(posting & ring_mask_, next);
      if (sequence == kNoSequence || sequence < front) return;  // the rest are older
      if (!f(sequence)) return;
    }
  }

  // Merges the delta into the table and drops the postings of evicted entries.
  void Rebuild(uint64_t next, uint64_t front) {
    // The delta's keys in key order: its used slots, moved to the front of the slot table and
    // sorted there (no allocation: a transient buffer would stay in the heap). Slots past
    // `keys` are stale until the table is cleared at the end.
    size_t keys = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (slots_[i] != 0) slots_[keys++] = slots_[i];
    }
    SortInPlace(slots_.data(), keys);

    const uint64_t buckets = uint64_t{1} << dir_bits_;
    const uint64_t upper = postings_count_ + delta_next_.size();
    // Uninitialized: pages past the postings actually written are never touched.
    std::unique_ptr<uint8_t[]> postings(new uint8_t[upper * width_ + 4]);
    // The directory is rewritten in place: bucket b's old range is read before its entry is
    // overwritten, and b + 1's entry only afterwards.
    if (dir_.empty()) dir_.assign(buckets + 1, 0);
    // An old posting names a live entry when its ring position is among the newest
    // next - front (SequenceOf, without its branches).
    const uint64_t live = next - front;
    auto is_live = [&](uint32_t posting) { return ((next - 1 - (posting & ring_mask_)) & ring_mask_) < live; };
    uint8_t* const out_postings = postings.get();
    const uint8_t* const old_postings = postings_.get();
    uint64_t out = 0;
    size_t d = 0;
    for (uint64_t bucket = 0; bucket < buckets; ++bucket) {
      uint64_t p = dir_[bucket];
      const uint64_t end = dir_[bucket + 1];
      dir_[bucket] = static_cast<uint32_t>(out);
      // Per fingerprint, the delta's postings (newer) before the table's; each newest first.
      for (; d < keys && Bucket(static_cast<uint32_t>(slots_[d] >> 32)) == bucket; ++d) {
        const uint32_t fp = Fingerprint(static_cast<uint32_t>(slots_[d] >> 32));
        for (; p < end; ++p) {
          const uint32_t posting = Read(old_postings, p);
          if (posting >> ring_bits_ >= fp) break;
          if (is_live(posting)) Write(out_postings, out++, posting);
        }
        for (uint32_t i = static_cast<uint32_t>(slots_[d]); i != 0; i = delta_next_[i - 1]) {
          const uint64_t sequence = DeltaSequence(i - 1);
          if (sequence < front) break;  // the rest of the chain is older
          Write(out_postings, out++, (fp << ring_bits_) | static_cast<uint32_t>(sequence & ring_mask_));
        }
      }
      for (; p < end; ++p) {
        const uint32_t posting = Read(old_postings, p);
        if (is_live(posting)) Write(out_postings, out++, posting);
      }
    }
    dir_[buckets] = static_cast<uint32_t>(out);
    postings_ = std::move(postings);
    postings_count_ = out;
    std::fill(slots_.begin(), slots_.end(), 0);
    used_slots_ = 0;
    delta_next_.clear();
    delta_count_ = 0;
  }

 private:
  static constexpr int kInitialSlotBits = 12;

  // Doubles the slot table, keeping every key's newest posting.
  void Grow() {
    std::vector<uint64_t> old(size_t{1} << ++slot_bits_, 0);
    old.swap(slots_);
    for (const uint64_t slot : old) {
      if (slot != 0) slots_[FindSlot(static_cast<uint32_t>(slot >> 32))] = slot;
    }
  }

  // In-place MSD radix sort on the top 16 bits (American flag sort), then each of the small
  // runs sorted: about 3x faster than std::sort on the delta, and no buffer.
  static void SortInPlace(uint64_t* data, size_t count) {
    constexpr int kShift = 48;
    std::vector<size_t> begin(65537, 0);
    for (size_t i = 0; i < count; ++i) ++begin[(data[i] >> kShift) + 1];
    for (size_t i = 1; i < begin.size(); ++i) begin[i] += begin[i - 1];
    std::vector<size_t> next(begin.begin(), begin.end() - 1);
    for (size_t bucket = 0; bucket < 65536; ++bucket) {
      while (next[bucket] < begin[bucket + 1]) {
        uint64_t item = data[next[bucket]];
        size_t target = item >> kShift;
        while (target != bucket) {  // cycle the item to its bucket
          std::swap(item, data[next[target]++]);
          target = item >> kShift;
        }
        data[next[bucket]++] = item;
      }
    }
    for (size_t bucket = 0; bucket < 65536; ++bucket) {
      if (begin[bucket + 1] - begin[bucket] > 1) std::sort(data + begin[bucket], data + begin[bucket + 1]);
    }
  }

  uint64_t DeltaSequence(size_t position) const {
    return delta_first_sequence_ + position / static_cast<size_t>(keys_per_article_);
  }

  // The delta slot where probing for `masked` starts.
  uint32_t HeadSlot(uint32_t masked) const {
    return static_cast<uint32_t>((uint64_t{masked} * 0x9e3779b97f4a7c15ULL) >> (64 - slot_bits_));
  }
  // The delta slot of `masked`, or the empty slot where it would go (linear probing; a slot
  // is 0 when empty, else key << 32 | 1-based index of the key's newest posting).
  size_t FindSlot(uint32_t masked) const {
    const size_t mask = slots_.size() - 1;
    size_t slot = HeadSlot(masked);
    while (slots_[slot] != 0 && slots_[slot] >> 32 != masked) slot = (slot + 1) & mask;
    return slot;
  }
  uint32_t Bucket(uint32_t masked) const { return masked >> (32 - dir_bits_); }
  uint32_t Fingerprint(uint32_t masked) const {
    if (fp_bits_ == 0) return 0;
    return (masked >> (32 - dir_bits_ - fp_bits_)) & ((uint32_t{1} << fp_bits_) - 1);
  }
  // The sequence in [next - ring capacity, next) at ring position `ring`.
  uint64_t SequenceOf(uint64_t ring, uint64_t next) const {
    if (next == 0) return kNoSequence;
    const uint64_t distance = (next - 1 - ring) & ring_mask_;
    if (distance >= next) return kNoSequence;
    return next - 1 - distance;
  }
  uint32_t Read(const uint8_t* postings, uint64_t p) const {
    uint32_t value;
    std::memcpy(&value, postings + p * width_, sizeof(value));
    return width_ == 3 ? value & 0xffffffu : value;
  }
  // Writes 4 bytes whatever the width (a fixed-size store instead of a memcpy call, which
  // was ~7% of the stage at 1M): with 3-byte postings the fourth byte is the next posting's
  // first, rewritten by the next Write (Rebuild writes in order; the buffer has 4 bytes of
  // slack for the last one).
  void Write(uint8_t* postings, uint64_t p, uint32_t value) const {
    std::memcpy(postings + p * width_, &value, sizeof(value));
  }

  const int keys_per_article_;
  const int ring_bits_;
  const uint64_t ring_mask_;
  const int width_;
  const int dir_bits_;
  int fp_bits_;
  uint32_t key_mask_;
  int slot_bits_;      // of the slot table now
  int max_slot_bits_;  // at a full delta
  size_t used_slots_ = 0;
  const uint64_t delta_articles_;

  std::vector<uint32_t> dir_;  // empty until the first rebuild
  std::unique_ptr<uint8_t[]> postings_;
  uint64_t postings_count_ = 0;

  uint64_t delta_count_ = 0;  // articles in the delta
  uint64_t delta_first_sequence_ = 0;
  std::vector<uint64_t> slots_;  // empty until the first article
  // Per delta posting: 1-based index of the next older posting of the same key, 0 = none.
  std::vector<uint32_t> delta_next_;
};

// kChunkSize consecutive entries of the ring.
struct Deduper::Chunk {
  explicit Chunk(size_t signature_bytes) : signatures(kChunkSize * signature_bytes) {}

  int64_t EventTime(uint64_t slot) const {
    if (event_time_offset[slot] != kFarEventTime) return event_time_base + event_time_offset[slot];
    auto it = std::lower_bound(far_event_times.begin(), far_event_times.end(),
                               std::make_pair(static_cast<uint32_t>(slot), int64_t{0}),
                               [](const auto& a, const auto& b) { return a.first < b.first; });
    return it->second;
  }
  void SetEventTime(uint64_t slot, int64_t event_time_ms) {
    const int64_t offset = event_time_ms - event_time_base;
    if (offset > std::numeric_limits<int32_t>::min() && offset <= std::numeric_limits<int32_t>::max()) {
      event_time_offset[slot] = static_cast<int32_t>(offset);
    } else {
      event_time_offset[slot] = kFarEventTime;
      far_event_times.emplace_back(static_cast<uint32_t>(slot), event_time_ms);
    }
  }

  static constexpr int32_t kFarEventTime = std::numeric_limits<int32_t>::min();

  uint64_t base = kNoSequence;  // sequence of slot 0 in the current use of the chunk
  std::vector<uint8_t> signatures;  // packed 12-bit values (PackSignature) per entry
  // Event times as offsets from the chunk's first entry's; those more than 24.8 days away
  // (slow streams, late articles) are kept in full in far_event_times, by slot.
  int64_t event_time_base = 0;
  int32_t event_time_offset[kChunkSize];
  std::vector<std::pair<uint32_t, int64_t>> far_event_times;
  int32_t shingle_count[kChunkSize];
  uint32_t text_check[kChunkSize];  // low 32 bits of the exact-text hash
  uint32_t url_check[kChunkSize];   // low 32 bits of the canonical URL's hash
  uint32_t strings_begin[kChunkSize];
  // Per entry: varint length of its id, its id, then its cluster id when that differs from
  // the id. Appended in sequence order; cleared when the ring reuses the chunk.
  std::string strings;
};

absl::Status DedupeOptions::Validate() const {
  if (shingle_size < 1 || shingle_size > 16) {
    return absl::InvalidArgumentError(absl::StrCat("dedupe shingle_size must be in [1, 16], got ", shingle_size));
  }
  if (num_hashes < 1 || bands < 1 || num_hashes % bands != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dedupe num_hashes (", num_hashes, ") must be a positive multiple of bands (", bands, ")"));
  }
  const int rows = num_hashes / bands;
  if (lead_hashes < 0 || lead_hashes > num_hashes - 2 * rows || lead_hashes % rows != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dedupe lead_hashes (", lead_hashes, ") must be a multiple of num_hashes / bands (", rows,
        ") that leaves at least two bands for the whole text"));
  }
  if (lead_hashes > 0 && (lead_shingles < 1 || lead_shingles > 100000)) {
    return absl::InvalidArgumentError(
        absl::StrCat("dedupe lead_shingles must be in [1, 100000], got ", lead_shingles));
  }
  if (long_containment_threshold <= 0 || long_containment_threshold > 1) {
    return absl::InvalidArgumentError("dedupe long_containment_threshold must be in (0, 1]");
  }
  if (long_text_shingles < 0) {
    return absl::InvalidArgumentError("dedupe long_text_shingles must be >= 0");
  }
  if (lead_containment_threshold <= 0 || lead_containment_threshold > 1) {
    return absl::InvalidArgumentError("dedupe lead_containment_threshold must be in (0, 1]");
  }
  if (min_resemblance_for_lead < 0 || min_resemblance_for_lead > 1) {
    return absl::InvalidArgumentError("dedupe min_resemblance_for_lead must be in [0, 1]");
  }
  if (resemblance_threshold <= 0 || resemblance_threshold > 1) {
    return absl::InvalidArgumentError("dedupe resemblance_threshold must be in (0, 1]");
  }
  if (short_text_shingles < 0) return absl::InvalidArgumentError("dedupe short_text_shingles must be >= 0");
  if (short_resemblance_threshold <= 0 || short_resemblance_threshold > 1) {
    return absl::InvalidArgumentError("dedupe short_resemblance_threshold must be in (0, 1]");
  }
  if (containment_threshold <= 0 || containment_threshold > 1) {
    return absl::InvalidArgumentError("dedupe containment_threshold must be in (0, 1]");
  }
  if (window_ms <= 0) return absl::InvalidArgumentError("dedupe window must be positive");
  if (max_event_time_lead_ms <= 0) {
    return absl::InvalidArgumentError("dedupe max_event_time_lead_ms must be positive");
  }
  if (max_articles < 1 || max_articles > kMaxArticlesLimit) {
    return absl::InvalidArgumentError(
        absl::StrCat("dedupe max_articles must be in [1, ", kMaxArticlesLimit, "]"));
  }
  if (static_cast<uint64_t>(max_articles) * static_cast<uint64_t>(bands + 2) >= (uint64_t{1} << 32)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "dedupe max_articles * (bands + 2) must be below 2^32 (postings of a full index), got ",
        max_articles, " * ", bands + 2));
  }
  return absl::OkStatus();
}

Deduper::Deduper(const DedupeOptions& options)
    : options_(options),
      rows_per_band_(options.num_hashes / std::max(1, options.bands)),
      whole_hashes_(options.num_hashes - std::max(0, options.lead_hashes)) {
  Clear();
}

Deduper::~Deduper() = default;
Deduper::Deduper(Deduper&&) noexcept = default;
Deduper& Deduper::operator=(Deduper&&) noexcept = default;

void Deduper::Clear() {
  const uint64_t max_articles = std::max<uint64_t>(1, std::min<uint64_t>(options_.max_articles, kMaxArticlesLimit));
  // Articles between rebuilds of the posting index: a rebuild costs one pass over all
  // postings, so this keeps its cost per article small while the delta stays small.
  const uint64_t delta_articles = std::clamp<uint64_t>(BitCeil(max_articles) / 64, 64, 16384);
  // The ring must hold the live entries plus those inserted since the last rebuild (whose
  // postings may still be in the table) plus one chunk, so a posting never names a reused
  // ring position.
  const uint64_t capacity = BitCeil(max_articles + delta_articles + kChunkSize + 1);
  const int ring_bits = Log2Floor(capacity);
  ring_mask_ = capacity - 1;
  const int keys_per_article = std::max(1, options_.bands) + 2;
  // 32 to 64 postings per directory bucket when the index is full (4 bits of fingerprint
  // then leave 2 to 4 per fingerprint).
  const int dir_bits = std::clamp(Log2Floor(max_articles * keys_per_article / 32), 6, 24);
  index_ = std::make_unique<PostingIndex>(ring_bits, dir_bits, delta_articles, keys_per_article);
  chunks_.clear();
  chunks_.resize(capacity / kChunkSize);
  front_sequence_ = next_sequence_;
}

std::vector<SignatureValue> Deduper::Signature(std::string_view matching_text,
                                               int* shingle_count) const {
  return Signature(matching_text, shingle_count, nullptr, nullptr);
}

std::vector<SignatureValue> Deduper::Signature(std::string_view matching_text, int* shingle_count,
                                               std::vector<uint32_t>* stored_values,
                                               std::vector<uint64_t>* unique_shingles) const {
  // Uninitialized (no zero fill): only the first unit_count are read.
  std::unique_ptr<uint64_t[]> units(new uint64_t[matching_text.size() / 2 + 2]);
  const size_t unit_count = UnitHashes(matching_text, units.get());

  // Distinct shingles in order of first occurrence (the lead is their beginning), found with
  // an open-addressing table instead of sorting: signatures do not depend on the order, and
  // sorting was ~10% of the stage's time.
  std::vector<uint64_t> shingles;
  const size_t k = static_cast<size_t>(options_.shingle_size);
  if (unit_count > 0) {
    const size_t count = unit_count >= k ? unit_count - k + 1 : 1;
    shingles.reserve(count);
    const uint64_t mask = BitCeil(2 * count) - 1;
    std::unique_ptr<uint64_t[]> table(new uint64_t[mask + 1]());  // 0 = empty slot
    bool zero_seen = false;  // a shingle hashing to 0 cannot be marked in the table
    for (size_t start = 0; start < count; ++start) {
      uint64_t h = 0;
      for (size_t j = start; j < std::min(start + k, unit_count); ++j) {
        h = (h ^ units[j]) * 0x9e3779b97f4a7c15ULL + j - start;
      }
      h = Mix(h);
      if (h == 0) {
        if (!zero_seen) shingles.push_back(h);
        zero_seen = true;
        continue;
      }
      uint64_t slot = h & mask;
      while (table[slot] != 0 && table[slot] != h) slot = (slot + 1) & mask;
      if (table[slot] == 0) {
        table[slot] = h;
        shingles.push_back(h);
      }
    }
  }
  // The lead: the first distinct shingles in text order.
  const size_t lead_size =
      options_.lead_hashes > 0 ? std::min(shingles.size(), static_cast<size_t>(options_.lead_shingles)) : 0;
  *shingle_count = static_cast<int>(shingles.size());

  // One-permutation MinHash: one hash per shingle picks a bin and a value; each bin keeps
  // its minimum. O(shingles) instead of O(shingles x num_hashes) for k independent hashes,
  // with the same estimator (share of equal bins) for texts longer than the signature.
  // Bins [0, whole) take every shingle; bins [whole, num_hashes) take the lead's shingles
  // under a second hash (LeadSlotOf), so the two parts are independent samples.
  const uint64_t whole = static_cast<uint64_t>(whole_hashes_);
  const uint64_t lead_bins = static_cast<uint64_t>(options_.num_hashes) - whole;
  std::vector<SignatureValue> signature(options_.num_hashes, kEmptyBin);
  if (lead_bins > 0) {
    for (size_t i = 0; i < lead_size; ++i) {
      const uint64_t shingle = shingles[i];
      const LeadSlot slot = LeadSlotOf(shingle, whole, lead_bins);
      signature[slot.bin] = std::min(signature[slot.bin], slot.value);
    }
  }
  for (uint64_t s : shingles) {
    const uint64_t bin = ((s >> 32) * whole) >> 32;
    const SignatureValue value = static_cast<SignatureValue>(s % kEmptyBin);  // never kEmptyBin
    signature[bin] = std::min(signature[bin], value);
  }
  if (stored_values != nullptr) {
    stored_values->resize(shingles.size());
    for (size_t i = 0; i < shingles.size(); ++i) {
      const uint64_t bin = ((shingles[i] >> 32) * whole) >> 32;
      (*stored_values)[i] =
          static_cast<uint32_t>(bin << kStoredValueBits | ((shingles[i] % kEmptyBin) & 0xfff));
    }
  }
  // Densification, in each part on its own: an empty bin borrows the value of the next
  // non-empty bin to its right, salted by the distance, so short texts still get comparable
  // signatures.
  Densify(signature.data(), whole);
  Densify(signature.data() + whole, lead_bins);
  if (unique_shingles != nullptr) *unique_shingles = std::move(shingles);
  return signature;
}

uint64_t Deduper::BandKey(const std::vector<SignatureValue>& signature, int band) const {
  return XXH3_64bits_withSeed(signature.data() + band * rows_per_band_,
                              rows_per_band_ * sizeof(SignatureValue), static_cast<uint64_t>(band));
}

Deduper::Chunk& Deduper::ChunkFor(uint64_t sequence) const {
  return *chunks_[(sequence & ring_mask_) >> kChunkBits];
}

namespace {
constexpr size_t kRecentEventTimes = 31;       // the median of these bounds the next one
constexpr size_t kMinRecentEventTimes = 8;     // fewer: no bound yet
}  // namespace

int64_t Deduper::BoundEventTime(int64_t event_time_ms, bool* clamped) {
  *clamped = false;
  if (event_time_ms <= 0) return event_time_ms;
  int64_t bounded = event_time_ms;
  if (recent_event_times_.size() >= kMinRecentEventTimes) {
    std::vector<int64_t> recent(recent_event_times_.begin(), recent_event_times_.end());
    std::sort(recent.begin(), recent.end());
    const int64_t median = recent[recent.size() / 2];
    // The span the stream itself covers, without its two highest and two lowest values
    // (which may be the outliers this guards against): a sparse stream (a few articles a
    // day, an archive in date order, a multi-year archive in any order) moves in steps of
    // days and must not be held back; a dense live stream keeps the fixed lead.
    const int64_t span = recent[recent.size() - 3] - recent[2];
    const int64_t lead = std::max(options_.max_event_time_lead_ms, 2 * span);
    if (bounded > median + lead) {
      // A clamped time is an outlier: it may move the window at most the fixed lead past
      // the newest time seen, so one misdated story never evicts what the stream is on.
      bounded = std::min(median + lead, std::max(newest_event_time_ms_, median) +
                                            options_.max_event_time_lead_ms);
      *clamped = true;
      ++stats_.event_times_clamped;
    }
  }
  recent_event_times_.push_back(event_time_ms);
  if (recent_event_times_.size() > kRecentEventTimes) recent_event_times_.pop_front();
  return bounded;
}

DedupeResult Deduper::Process(const DedupeInput& input_as_given, DedupeChanges* changes) {
  DedupeResult result;
  const DedupeInput* input_ptr = &input_as_given;
  DedupeInput bounded_input;
  {
    bool clamped = false;
    const int64_t event_time_ms = BoundEventTime(input_as_given.event_time_ms, &clamped);
    if (clamped) {
      bounded_input = input_as_given;
      bounded_input.event_time_ms = event_time_ms;
      input_ptr = &bounded_input;
      result.event_time_clamped = true;
    }
  }
  const DedupeInput& input = *input_ptr;
  if (input.event_time_ms > newest_event_time_ms_) {
    newest_event_time_ms_ = input.event_time_ms;
    EvictExpired(newest_event_time_ms_, changes);
  }

  const std::string& exact_text = input.exact_text.empty() ? input.matching_text : input.exact_text;
  const uint64_t text_hash = XXH3_64bits(exact_text.data(), exact_text.size());

  // Exact: the same folded text, or the same canonical URL republished. At most one live
  // entry carries a given text or URL (a second one would have been an exact duplicate).
  uint64_t exact = kNoSequence;
  index_->Prefetch(index_->Mask(TextKey(text_hash)));
  index_->ForEach(index_->Mask(TextKey(text_hash)), next_sequence_, front_sequence_,
                  [&](uint64_t sequence) {
                    const Chunk& chunk = ChunkFor(sequence);
                    if (chunk.text_check[sequence & (kChunkSize - 1)] != static_cast<uint32_t>(text_hash)) {
                      return true;
                    }
                    exact = sequence;
                    return false;
                  });
  uint64_t url_hash = 0;
  if (!input.canonical_url.empty()) {
    url_hash = XXH3_64bits(input.canonical_url.data(), input.canonical_url.size());
    if (exact == kNoSequence) {
      index_->ForEach(index_->Mask(UrlKey(url_hash)), next_sequence_, front_sequence_,
                      [&](uint64_t sequence) {
                        const Chunk& chunk = ChunkFor(sequence);
                        if (chunk.url_check[sequence & (kChunkSize - 1)] != static_cast<uint32_t>(url_hash)) {
                          return true;
                        }
                        exact = sequence;
                        return false;
                      });
    }
  }
  auto strings_of = [this](uint64_t sequence, std::string_view* id, std::string_view* cluster) {
    const Chunk& chunk = ChunkFor(sequence);
    const uint64_t slot = sequence & (kChunkSize - 1);
    const uint32_t begin = chunk.strings_begin[slot];
    const bool last_in_chunk = slot + 1 == kChunkSize || sequence + 1 >= next_sequence_;
    const uint32_t end = last_in_chunk ? static_cast<uint32_t>(chunk.strings.size())
                                       : chunk.strings_begin[slot + 1];
    const char* p = chunk.strings.data() + begin;
    const size_t id_length = ReadVarint(&p);
    const std::string_view all(p, chunk.strings.data() + end - p);
    *id = all.substr(0, id_length);
    *cluster = all.size() > id_length ? all.substr(id_length) : *id;
  };
  if (exact != kNoSequence) {
    std::string_view id, cluster;
    strings_of(exact, &id, &cluster);
    result.status = DedupStatus::kExactDuplicate;
    result.cluster_id = std::string(cluster);
    result.duplicate_of = std::string(id);
    result.similarity = 1;
    result.containment = 1;
    return result;
  }

  int shingle_count = 0;
  std::vector<uint32_t> shingle_values;
  std::vector<uint64_t> shingles;
  std::vector<SignatureValue> signature =
      Signature(input.matching_text, &shingle_count, &shingle_values, &shingles);
  // Every (bin, stored value) of this article's shingles, to tell which of an earlier
  // article's minimum values are shingles of this one.
  const size_t bitmap_words = (static_cast<size_t>(options_.num_hashes) << kStoredValueBits) / 64 + 1;
  if (shingle_bitmap_.size() != bitmap_words) shingle_bitmap_.assign(bitmap_words, 0);
  for (uint32_t v : shingle_values) shingle_bitmap_[v >> 6] |= uint64_t{1} << (v & 63);
  const int num_hashes = options_.num_hashes;
  const size_t signature_bytes = PackedSignatureBytes(num_hashes);
  std::vector<uint8_t> packed(signature_bytes);
  PackSignature(signature, packed.data());
  std::vector<uint64_t> band_keys(options_.bands);
  for (int band = 0; band < options_.bands; ++band) {
    band_keys[band] = BandKey(signature, band);
    index_->Prefetch(index_->Mask(band_keys[band]));
  }

  // How many of the stored values [begin, end) of a packed signature are values of this
  // article's shingles (in the same bins).
  auto stored_values_found = [&](const uint8_t* stored, int begin, int end) {
    int found = 0;
    for (int i = begin; i < end; ++i) {
      const uint32_t packed3 = static_cast<uint32_t>(stored[i / 2 * 3]) |
                               static_cast<uint32_t>(stored[i / 2 * 3 + 1]) << 8 |
                               static_cast<uint32_t>(stored[i / 2 * 3 + 2]) << 16;
      const uint32_t value = (i % 2 == 0 ? packed3 : packed3 >> 12) & 0xfff;
      const uint32_t key = static_cast<uint32_t>(i) << kStoredValueBits | value;
      found += (shingle_bitmap_[key >> 6] >> (key & 63)) & 1;
    }
    return found;
  };
  // Estimated containment of the smaller of this article and entry `sequence` in the other.
  auto containment_of = [&](uint64_t sequence, float similarity) -> float {
    const Chunk& chunk = ChunkFor(sequence);
    const uint64_t slot = sequence & (kChunkSize - 1);
    const int candidate_shingles = chunk.shingle_count[slot];
    const int smaller = std::min(shingle_count, candidate_shingles);
    if (smaller <= 0) return 0;
    if (candidate_shingles <= shingle_count) {
      // The earlier article is the smaller (a short version published first): each of its
      // minimum values is one of its shingles drawn at random, so the share of them that are
      // shingles of this article estimates its containment in this one directly, with far
      // less noise than going through the resemblance (densified bins hold no shingle and are
      // left out through their expected number). The other way round (a trimmed copy after
      // the original) only the resemblance-based estimate is available.
      const uint8_t* stored = chunk.signatures.data() + slot * signature_bytes;
      const int found = stored_values_found(stored, 0, whole_hashes_);
      const double filled = whole_hashes_ * (1.0 - std::pow(1.0 - 1.0 / whole_hashes_, candidate_shingles));
      return std::min(1.0f, static_cast<float>(found / filled));
    }
    // |A ∩ B| = J (|A| + |B|) / (1 + J); containment of the smaller in the larger.
    const float intersection =
        similarity * static_cast<float>(shingle_count + candidate_shingles) / (1 + similarity);
    return std::min(1.0f, intersection / static_cast<float>(smaller));
  };

  // Estimated share of entry `sequence`'s lead found among this article's shingles: its lead
  // values are its lead's shingles drawn at random (as for the direct containment above).
  const int lead_bins = num_hashes - whole_hashes_;
  // This article's shingles in the lead bins' terms, added to the bitmap only when a
  // candidate first needs them (few do: those between the two resemblance thresholds).
  bool lead_values_set = false;
  auto lead_containment_of = [&](uint64_t sequence) -> float {
    if (lead_bins == 0) return 0;
    if (!lead_values_set) {
      lead_values_set = true;
      const size_t first = shingle_values.size();
      shingle_values.resize(first + shingles.size());
      for (size_t i = 0; i < shingles.size(); ++i) {
        const LeadSlot slot = LeadSlotOf(shingles[i], static_cast<uint64_t>(whole_hashes_),
                                         static_cast<uint64_t>(lead_bins));
        const uint32_t v = static_cast<uint32_t>(slot.bin << kStoredValueBits | (slot.value & 0xfff));
        shingle_values[first + i] = v;
        shingle_bitmap_[v >> 6] |= uint64_t{1} << (v & 63);
      }
    }
    const Chunk& chunk = ChunkFor(sequence);
    const uint64_t slot = sequence & (kChunkSize - 1);
    const int lead_shingles = std::min<int>(chunk.shingle_count[slot], options_.lead_shingles);
    if (lead_shingles <= 0) return 0;
    const int found =
        stored_values_found(chunk.signatures.data() + slot * signature_bytes, whole_hashes_, num_hashes);
    // A value also matches by chance when one of this article's shingles in that bin agrees
    // in its stored bits: about shingle_count / lead_bins shingles per bin.
    const double chance = std::min(0.5, static_cast<double>(shingle_count) / lead_bins /
                                            (1 << kStoredValueBits));
    const double filled = lead_bins * (1.0 - std::pow(1.0 - 1.0 / lead_bins, lead_shingles));
    const double share = (found / filled - chance) / (1.0 - chance);
    return static_cast<float>(std::clamp(share, 0.0, 1.0));
  };

  // Near: LSH candidates, verified by the signature's estimate of resemblance/containment.
  // Candidates already verified: an open-addressing set in scratch memory (at most
  // bands x kMaxBucketScan candidates, table at most a quarter full), emptied at the end.
  const size_t seen_slots = BitCeil(static_cast<uint64_t>(options_.bands) * kMaxBucketScan * 4);
  if (seen_.size() != seen_slots) seen_.assign(seen_slots, 0);
  std::vector<uint64_t>& seen = seen_;
  size_t seen_used = 0;
  auto first_visit = [&](uint64_t sequence) {
    size_t slot = Mix(sequence) & (seen_slots - 1);
    while (seen[slot] != 0) {
      if (seen[slot] == sequence + 1) return false;
      slot = (slot + 1) & (seen_slots - 1);
    }
    seen[slot] = sequence + 1;
    seen_used_slots_[seen_used++] = static_cast<uint32_t>(slot);
    return true;
  };
  if (seen_used_slots_.size() < seen_slots) seen_used_slots_.resize(seen_slots);
  uint64_t best = kNoSequence;
  float best_similarity = 0;
  float best_containment = 0;
  for (int band = 0; band < options_.bands; ++band) {
    // Buckets of very common band values (boilerplate, stock phrases) say little and cost
    // much: only their newest entries are checked. A real copy shares many bands.
    size_t scanned = 0;
    index_->ForEach(index_->Mask(band_keys[band]), next_sequence_, front_sequence_,
                    [&](uint64_t sequence) {
      if (++scanned > kMaxBucketScan) return false;
      if (!first_visit(sequence)) return true;
      const Chunk& chunk = ChunkFor(sequence);
      const uint64_t slot = sequence & (kChunkSize - 1);
      // Resemblance from the whole-text values only (the lead values sample another set).
      const int agree = AgreeingValues(chunk.signatures.data() + slot * signature_bytes,
                                       packed.data(), whole_hashes_);
      // Unequal values agree in their low bits by chance (1 in 4096; b-bit MinHash, Li &
      // König 2010): the unbiased estimate of resemblance removes that.
      constexpr float kChance = 1.0f / (1 << kStoredValueBits);
      const float similarity =
          std::max(0.0f, (static_cast<float>(agree) / whole_hashes_ - kChance) / (1.0f - kChance));
      // Containment and lead containment are needed for the verdict only below the
      // resemblance threshold (and then only where their rule can apply); for the report,
      // of the best match only.
      const int smaller = std::min(shingle_count, static_cast<int>(chunk.shingle_count[slot]));
      if (smaller < options_.short_text_shingles) {
        if (similarity < options_.short_resemblance_threshold) return true;
      } else if (similarity < options_.resemblance_threshold) {
        if (smaller < options_.min_shingles_for_containment) return true;
        const double containment_threshold =
            options_.long_text_shingles > 0 && smaller >= options_.long_text_shingles
                ? options_.long_containment_threshold
                : options_.containment_threshold;
        const bool contained = similarity >= options_.min_resemblance_for_containment &&
                               containment_of(sequence, similarity) >= containment_threshold;
        const bool lead_kept = !contained && similarity >= options_.min_resemblance_for_lead &&
                               lead_containment_of(sequence) >= options_.lead_containment_threshold;
        if (!contained && !lead_kept) return true;
      }
      // Closest earlier article; on a tie the earliest wins, for determinism.
      if (best == kNoSequence || similarity > best_similarity ||
          (similarity == best_similarity && sequence < best)) {
        best = sequence;
        best_similarity = similarity;
      }
      return true;
    });
  }
  float best_lead_containment = 0;
  if (best != kNoSequence) {
    best_containment = containment_of(best, best_similarity);
    // Only where the lead rule can have decided: the lead pass over this article's shingles
    // is not worth its time for the report alone.
    if (best_similarity < options_.resemblance_threshold) best_lead_containment = lead_containment_of(best);
  }
  for (size_t i = 0; i < seen_used; ++i) seen[seen_used_slots_[i]] = 0;

  for (uint32_t v : shingle_values) shingle_bitmap_[v >> 6] = 0;

  std::string_view cluster_id = input.id;
  if (best != kNoSequence) {
    std::string_view best_id, best_cluster;
    strings_of(best, &best_id, &best_cluster);
    result.status = DedupStatus::kNearDuplicate;
    result.cluster_id = std::string(best_cluster);
    result.duplicate_of = std::string(best_id);
    result.similarity = best_similarity;
    result.containment = best_containment;
    result.lead_containment = best_lead_containment;
  } else {
    result.status = DedupStatus::kUnique;
    result.cluster_id = input.id;
  }
  cluster_id = result.cluster_id;

  while (size() >= options_.max_articles) EvictFront(/*by_cap=*/true, changes);
  // Unknown event time: the newest seen stands in, so the entry still ages out.
  const int64_t event_time_ms = input.event_time_ms > 0 ? input.event_time_ms : newest_event_time_ms_;
  if (changes != nullptr) {
    IndexedArticle entry;
    entry.sequence = next_sequence_;
    entry.id = input.id;
    entry.cluster_id = std::string(cluster_id);
    entry.event_time_ms = event_time_ms;
    entry.shingle_count = shingle_count;
    entry.signature = signature;
    entry.text_hash = text_hash;
    entry.canonical_url = input.canonical_url;
    changes->inserted.push_back(std::move(entry));
  }
  Insert(input.id, cluster_id, event_time_ms, shingle_count, signature, band_keys.data(),
         text_hash, input.canonical_url);
  return result;
}

void Deduper::Insert(std::string_view id, std::string_view cluster_id, int64_t event_time_ms,
                     int32_t shingle_count, const std::vector<SignatureValue>& signature,
                     const uint64_t* band_keys, uint64_t text_hash, std::string_view canonical_url) {
  if (index_->DeltaFull()) index_->Rebuild(next_sequence_, front_sequence_);
  const uint64_t sequence = next_sequence_;
  const size_t signature_bytes = PackedSignatureBytes(options_.num_hashes);
  std::unique_ptr<Chunk>& chunk_slot = chunks_[(sequence & ring_mask_) >> kChunkBits];
  if (chunk_slot == nullptr) chunk_slot = std::make_unique<Chunk>(signature_bytes);
  Chunk& chunk = *chunk_slot;
  const uint64_t slot = sequence & (kChunkSize - 1);
  if (chunk.base != sequence - slot) {  // new or reused: its earlier entries are all evicted
    chunk.base = sequence - slot;
    chunk.strings.clear();
    chunk.event_time_base = event_time_ms;
    chunk.far_event_times.clear();
  }
  PackSignature(signature, chunk.signatures.data() + slot * signature_bytes);
  chunk.SetEventTime(slot, event_time_ms);
  chunk.shingle_count[slot] = shingle_count;
  chunk.text_check[slot] = static_cast<uint32_t>(text_hash);
  uint64_t url_hash = 0;
  if (!canonical_url.empty()) url_hash = XXH3_64bits(canonical_url.data(), canonical_url.size());
  chunk.url_check[slot] = static_cast<uint32_t>(url_hash);
  chunk.strings_begin[slot] = static_cast<uint32_t>(chunk.strings.size());
  AppendVarint(id.size(), &chunk.strings);
  chunk.strings.append(id);
  if (cluster_id != id) chunk.strings.append(cluster_id);
  if (slot == kChunkSize - 1) chunk.strings.shrink_to_fit();  // full: no growth slack

  index_->BeginArticle(sequence);
  for (int band = 0; band < options_.bands; ++band) {
    index_->Add(index_->Mask(band_keys != nullptr ? band_keys[band] : BandKey(signature, band)));
  }
  index_->Add(index_->Mask(TextKey(text_hash)));
  if (canonical_url.empty()) {
    index_->Skip();
  } else {
    index_->Add(index_->Mask(UrlKey(url_hash)));
  }
  ++next_sequence_;
}

void Deduper::EvictFront(bool by_cap, DedupeChanges* changes) {
  if (changes != nullptr) changes->evicted.push_back(front_sequence_);
  ++front_sequence_;  // its postings are dropped at the next rebuild of the index
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
  while (size() > 0 &&
         ChunkFor(front_sequence_).EventTime(front_sequence_ & (kChunkSize - 1)) < horizon) {
    EvictFront(/*by_cap=*/false, changes);
  }
}

std::string Deduper::SignatureScheme() const {
  // "oph2": one-permutation MinHash over word (or character) shingles, whole-text bins first,
  // then lead bins under LeadHash. Bump the name when the computation changes.
  return absl::StrCat("oph2 k=", options_.shingle_size, " h=", options_.num_hashes,
                      " lead=", options_.lead_hashes, "/",
                      options_.lead_hashes > 0 ? options_.lead_shingles : 0);
}

absl::Status Deduper::Restore(std::vector<IndexedArticle> entries, const DedupeRestorePoint& point) {
  if (!entries.empty() && !point.signature_scheme.empty() &&
      point.signature_scheme != SignatureScheme()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "dedup state was written with signature scheme '", point.signature_scheme,
        "'; this processor computes '", SignatureScheme(),
        "' (changed dedup settings or version): run with the settings that wrote it, or reset "
        "the dedup changelog (docs/OPERATIONS.md)"));
  }
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
  next_sequence_ = entries.empty() ? point.next_sequence : entries.front().sequence;
  Clear();
  stats_ = DedupeStats{};
  newest_event_time_ms_ = point.newest_event_time_ms;
  recent_event_times_.assign(point.recent_event_times.begin(), point.recent_event_times.end());
  while (recent_event_times_.size() > kRecentEventTimes) recent_event_times_.pop_front();
  for (const IndexedArticle& entry : entries) {
    while (size() >= options_.max_articles) EvictFront(/*by_cap=*/true, nullptr);
    Insert(entry.id, entry.cluster_id, entry.event_time_ms, entry.shingle_count, entry.signature,
           /*band_keys=*/nullptr, entry.text_hash, entry.canonical_url);
    newest_event_time_ms_ = std::max(newest_event_time_ms_, entry.event_time_ms);
  }
  if (point.next_sequence > next_sequence_) {
    // Sequences after the last entry were taken by entries evicted since (not expected:
    // eviction takes the oldest first). Nothing can be found under them.
    next_sequence_ = point.next_sequence;
    front_sequence_ = next_sequence_;
    Clear();
  }
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
  point.recent_event_times.assign(recent_event_times_.begin(), recent_event_times_.end());
  point.signature_scheme = SignatureScheme();
  return point;
}

DedupeStats Deduper::stats() const {
  DedupeStats stats = stats_;
  stats.indexed_articles = size();
  return stats;
}

}  // namespace newsflow::dedupe
