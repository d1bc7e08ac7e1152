// Hash table from token sequences (case-folded phrases of up to kMaxPhraseTokens words) to
// values, used for gazetteer forms and topic keywords. Internal to tag/.
#ifndef NEWSFLOW_PROCESSORS_TAG_PHRASE_TABLE_H_
#define NEWSFLOW_PROCESSORS_TAG_PHRASE_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "processors/tag/text_scan.h"

namespace newsflow::tag::internal {

inline constexpr int kMaxPhraseTokens = 8;

// A set of 64-bit hashes kept as one bit per bucket of their top 18 bits (32 KB, which stays
// in cache): a clear bit proves a hash absent, so most misses skip the probe of a large hash
// table (mostly a cache miss). Used in front of the phrase tables and the tagger's first-token
// table.
class HashBitFilter {
 public:
  void Add(uint64_t hash) { bits_[Bucket(hash) / 64] |= uint64_t{1} << (Bucket(hash) % 64); }
  bool MayContain(uint64_t hash) const {
    return (bits_[Bucket(hash) / 64] >> (Bucket(hash) % 64) & 1) != 0;
  }

 private:
  static constexpr int kBits = 18;
  static uint64_t Bucket(uint64_t hash) { return hash >> (64 - kBits); }
  std::vector<uint64_t> bits_ = std::vector<uint64_t>((uint64_t{1} << kBits) / 64, 0);
};

class PhraseTable {
 public:
  // Adds tokens [first, first + count) of `buffer` with `value`. Returns false (and keeps
  // the earlier value) when the phrase is already present or count is 0 or too long.
  bool Add(const TokenBuffer& buffer, size_t first, size_t count, uint32_t value);
  // Room for `phrases` without rehashing.
  void Reserve(size_t phrases) {
    entries_.reserve(phrases);
    first_tokens_.reserve(phrases);
  }

  // Value of tokens [first, first + count) of `buffer`, whose combined hash is `hash`
  // (see CombineHash); -1 when absent. The folded text is compared, so a hash collision
  // never produces a false match.
  int64_t Find(const TokenBuffer& buffer, size_t first, size_t count, uint64_t hash) const;

  // Longest phrase (in tokens) that starts with each first-token hash.
  const absl::flat_hash_map<uint64_t, uint8_t>& first_tokens() const { return first_tokens_; }
  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    uint32_t value = 0;
    uint32_t key_begin = 0;  // folded phrase text in keys_
    uint32_t key_len = 0;
  };
  HashBitFilter filter_;  // of entries_' keys: most token sequences looked up are no phrase
  absl::flat_hash_map<uint64_t, Entry> entries_;
  absl::flat_hash_map<uint64_t, uint8_t> first_tokens_;
  std::string keys_;
};

}  // namespace newsflow::tag::internal

#endif  // NEWSFLOW_PROCESSORS_TAG_PHRASE_TABLE_H_
