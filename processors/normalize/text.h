// Text clean-up primitives of the normalizer: HTML entity decoding, inline clean-up
// (control characters, whitespace, NFC) and plain-text paragraph splitting.
#ifndef NEWSFLOW_PROCESSORS_NORMALIZE_TEXT_H_
#define NEWSFLOW_PROCESSORS_NORMALIZE_TEXT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace newsflow::normalize::internal {

// Decodes HTML character references (named "&eacute;", decimal "&#8217;", hex "&#x2019;")
// of `in` into `out`. Named references need their ';' (so "AT&T" stays), numeric ones do
// not. Returns false, leaving `out` untouched, when `in` contains no reference.
bool DecodeHtmlEntities(std::string_view in, std::string* out);

// UTF-8 of the named character reference `name` (without '&' and ';'), or empty.
std::string_view LookupHtmlEntity(std::string_view name);

// Decodes the UTF-8 sequence at `p` (valid UTF-8 assumed, `n` > 0 bytes left) and sets
// `*len` to its length.
char32_t DecodeUtf8(const char* p, size_t n, int* len);
// Appends the UTF-8 encoding of `cp`.
void AppendUtf8(char32_t cp, std::string* out);

// True when `cp` can be copied as-is into NFC text: no normalization of the text around
// it is needed because of it (it is not a combining mark, a singleton, a composition
// second, ...). Conservative: false means "run the normalizer".
bool IsNfcStable(char32_t cp);

// Builds one clean line of text from pieces: drops C0/C1 control and invisible format
// characters (soft hyphen, zero-width space, BOM), turns every whitespace run (any Unicode
// space, tab, newline) into one space, trims both ends and composes to NFC (only when a
// character that needs it was seen). Input must be valid UTF-8.
class CleanTextBuilder {
 public:
  CleanTextBuilder() = default;
  // Appends `text`, cleaned.
  void Append(std::string_view text);
  // Separates what comes next from what came before with whitespace.
  void Space() { pending_space_ = true; }
  // Bytes of clean text so far (before NFC), not counting pending whitespace.
  size_t size() const { return text_.size(); }
  bool empty() const { return text_.empty(); }
  // Returns the clean text and resets the builder.
  std::string Finish();

 private:
  std::string text_;
  bool pending_space_ = false;
  bool needs_nfc_ = false;
};

// Cleans one piece of text (see CleanTextBuilder).
std::string CleanText(std::string_view text);

// Composes valid UTF-8 `text` to NFC in place (utf8proc).
void NfcInPlace(std::string* text);

// One paragraph of plain text after splitting and cleaning.
struct TextBlock {
  std::string text;
  // Offset in `text` of the space that joined the paragraph's first source line to the
  // second, std::string::npos when the paragraph came from a single line. Lets the
  // structure pass split a byline or dateline that sat alone on the first line.
  size_t first_line_end = std::string::npos;
};

// Splits plain text (valid UTF-8, entities already decoded) into clean paragraphs:
//  * blank lines separate paragraphs; single newlines inside are joined with a space;
//  * without any blank line, every line is a paragraph, unless the text is hard-wrapped
//    (Reuters style, lines of ~40-90 columns): then lines are joined, and a new paragraph
//    starts at an indented line or after a short line that ends a sentence.
// Empty paragraphs are dropped. Sets `*hard_wrapped` (when not null) for hard-wrapped text.
std::vector<TextBlock> SplitPlainText(std::string_view text, bool* hard_wrapped = nullptr);

// True when `text` ends like a sentence: '.', '!', '?', ':' or '…', possibly followed by
// closing quotes or brackets.
bool EndsSentence(std::string_view text);

// Number of whitespace-separated words.
int32_t CountWords(std::string_view text);
// Number of code points of valid UTF-8 `text`.
int32_t CountCodePoints(std::string_view text);

// Appends MatchingForm(text) to `out`, separated by one space from what `out` holds.
void AppendMatchingForm(std::string_view text, std::string* out);

}  // namespace newsflow::normalize::internal

#endif  // NEWSFLOW_PROCESSORS_NORMALIZE_TEXT_H_
