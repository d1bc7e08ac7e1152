#include "processors/tag/phrase_table.h"

#include <algorithm>
#include <string_view>

namespace newsflow::tag::internal {
namespace {

uint64_t SequenceHash(const TokenBuffer& buffer, size_t first, size_t count) {
  uint64_t hash = buffer.tokens[first].hash;
  for (size_t k = 1; k < count; ++k) hash = CombineHash(hash, buffer.tokens[first + k].hash);
  return hash;
}

// True when `key` equals the folded tokens [first, first + count) joined by single spaces.
bool SameText(std::string_view key, const TokenBuffer& buffer, size_t first, size_t count) {
  size_t pos = 0;
  for (size_t k = 0; k < count; ++k) {
    if (k > 0) {
      if (pos >= key.size() || key[pos] != ' ') return false;
      ++pos;
    }
    const std::string_view word = buffer.Folded(buffer.tokens[first + k]);
    if (key.substr(pos, word.size()) != word) return false;
    pos += word.size();
  }
  return pos == key.size();
}

}  // namespace

bool PhraseTable::Add(const TokenBuffer& buffer, size_t first, size_t count, uint32_t value) {
  if (count == 0 || count > static_cast<size_t>(kMaxPhraseTokens)) return false;
  const uint64_t hash = SequenceHash(buffer, first, count);
  if (entries_.contains(hash)) return false;
  Entry entry;
  entry.value = value;
  entry.key_begin = static_cast<uint32_t>(keys_.size());
  for (size_t k = 0; k < count; ++k) {
    if (k > 0) keys_.push_back(' ');
    keys_.append(buffer.Folded(buffer.tokens[first + k]));
  }
  entry.key_len = static_cast<uint32_t>(keys_.size() - entry.key_begin);
  entries_.emplace(hash, entry);
  filter_.Add(hash);
  uint8_t& longest = first_tokens_[buffer.tokens[first].hash];
  longest = std::max<uint8_t>(longest, static_cast<uint8_t>(count));
  return true;
}

int64_t PhraseTable::Find(const TokenBuffer& buffer, size_t first, size_t count,
                          uint64_t hash) const {
  if (!filter_.MayContain(hash)) return -1;
  const auto it = entries_.find(hash);
  if (it == entries_.end()) return -1;
  const std::string_view key =
      std::string_view(keys_).substr(it->second.key_begin, it->second.key_len);
  if (!SameText(key, buffer, first, count)) return -1;
  return it->second.value;
}

}  // namespace newsflow::tag::internal
