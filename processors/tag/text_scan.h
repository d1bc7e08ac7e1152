// Tokenizer shared by the tagger's matchers: splits display text into word tokens with
// case- and accent-folded forms, 64-bit hashes and capitalisation flags. Internal to tag/.
#ifndef NEWSFLOW_PROCESSORS_TAG_TEXT_SCAN_H_
#define NEWSFLOW_PROCESSORS_TAG_TEXT_SCAN_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::tag::internal {

// Words of an article a topic model reads (topic_model.h); part of the model format.
inline constexpr size_t kModelMaxTokens = 400;

// Token flags.
inline constexpr uint8_t kInitialUpper = 1 << 0;   // first letter is upper case ("Paris", "USA")
inline constexpr uint8_t kAllUpper = 1 << 1;       // has letters, none lower case ("USA", "U.S.")
inline constexpr uint8_t kPunctBefore = 1 << 2;    // non-space characters since the previous token
inline constexpr uint8_t kSentenceStart = 1 << 3;  // first token of a segment or after . ! ? :
inline constexpr uint8_t kPossessive = 1 << 4;     // a possessive "'s" was dropped ("Jordan's")
inline constexpr uint8_t kCommaBefore = 1 << 5;    // exactly one comma since the previous token

struct Token {
  uint32_t fold_begin = 0;  // folded text is folded[fold_begin, fold_begin + fold_len)
  uint16_t fold_len = 0;
  uint16_t segment = 0;  // caller-chosen segment id (title, paragraph i, ...)
  uint8_t flags = 0;
  uint64_t hash = 0;  // HashFolded() of the folded text
};

// Folded token texts, back to back: a growable byte buffer like std::string, but for
// Reserve, which guarantees room for sixteen bytes past the end so that the tokenizer's fast
// path stores a whole block and keeps the bytes it needs (an append through std::string was
// ~3% of a `batch` run).
class FoldedText {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  char* data() { return data_.get(); }
  const char* data() const { return data_.get(); }
  char& operator[](size_t i) { return data_[i]; }
  char operator[](size_t i) const { return data_[i]; }
  char back() const { return data_[size_ - 1]; }
  operator std::string_view() const { return std::string_view(data_.get(), size_); }

  void clear() { size_ = 0; }
  // Room for `more` bytes after the end, and sixteen more.
  void Reserve(size_t more) {
    if (size_ + more + 16 <= capacity_) return;
    const size_t capacity = std::max(2 * capacity_, size_ + more + 16);
    std::unique_ptr<char[]> grown(new char[capacity]);
    if (size_ > 0) std::memcpy(grown.get(), data_.get(), size_);
    data_ = std::move(grown);
    capacity_ = capacity;
  }
  void push_back(char c) {
    Reserve(1);
    data_[size_++] = c;
  }
  void append(const char* bytes, size_t n) {
    Reserve(n);
    std::memcpy(data_.get() + size_, bytes, n);
    size_ += n;
  }
  // Keeps the first `n` bytes (n <= size()), or appends the bytes written past the end.
  void resize(size_t n) {
    if (n > size_) Reserve(n - size_);
    size_ = n;
  }

 private:
  std::unique_ptr<char[]> data_;
  size_t size_ = 0;
  size_t capacity_ = 0;
};

// Tokens of one or more segments. Reuse one buffer across calls (Clear keeps capacity).
struct TokenBuffer {
  std::vector<Token> tokens;
  FoldedText folded;

  void Clear() {
    tokens.clear();
    folded.clear();
  }
  std::string_view Folded(const Token& token) const {
    return std::string_view(folded).substr(token.fold_begin, token.fold_len);
  }
};

// Appends the tokens of `text` to `out`, tagged with `segment`.
// Words are runs of letters, marks and digits; an apostrophe between letters stays inside
// ("d'Ivoire"), a possessive "'s" / "’s" is dropped ("Ukraine’s" -> "ukraine"); hyphens and
// other punctuation split. Dotted abbreviations are one token ("U.S." -> "u.s."). Each Han
// ideograph is its own token and kana runs are split from other scripts, so that CJK names
// can be matched as token sequences. Folding: Unicode case folding, accents stripped.
void Tokenize(std::string_view text, uint16_t segment, TokenBuffer* out);

// Tokenize without its fast path for short ASCII words, for the test that both agree.
void TokenizeWithoutFastPath(std::string_view text, uint16_t segment, TokenBuffer* out);

// Hash of a folded token text (XXH3-64).
uint64_t HashFolded(std::string_view folded);

// Hash of a token sequence: CombineHash(h(t0), h(t1)) ... ; a single token hashes to h(t0).
inline uint64_t CombineHash(uint64_t seed, uint64_t next) {
  seed ^= next + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2);
  return seed * 0xff51afd7ed558ccdULL;
}

// Folds `text` the same way Tokenize folds tokens, joining tokens with single spaces.
std::string FoldPhrase(std::string_view text);

// A dateline that opens a paragraph: "PARIS (AP) — ...", "WASHINGTON -- ...",
// "SALVADOR, Feb 26 - ...", "SANTA CRUZ, Calif., Feb 26 - ...", "Paris: ...".
struct DatelineParts {
  std::string_view place;      // "PARIS", "SALVADOR", "SANTA CRUZ"; empty when no dateline
  std::string_view qualifier;  // text after the comma: "Feb 26", "Calif., Feb 26"; may be empty
  size_t end = 0;              // bytes of the paragraph taken by the dateline and its separator
};
DatelineParts ParseDateline(std::string_view paragraph);

// Bytes at the start of the first paragraph that belong to its dateline and are not article
// text: the opening dateline's length, unless `dateline_place` (given separately, e.g. by the
// normalizer) names a different place. 0 when the paragraph opens with no dateline.
size_t OpeningDatelineSkip(std::string_view first_paragraph, std::string_view dateline_place);

// ParseDateline(paragraph).place. Also accepts a bare dateline text ("PARIS (AP) —",
// "SALVADOR, Feb 26 -") or a bare place ("Paris").
std::string_view ExtractDatelinePlace(std::string_view paragraph);

}  // namespace newsflow::tag::internal

#endif  // NEWSFLOW_PROCESSORS_TAG_TEXT_SCAN_H_
