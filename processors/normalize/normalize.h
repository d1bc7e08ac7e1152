// Normalization stage: RawArticle (seed text, JSON or HTML bytes) in, clean structured
// article out. Pure library: no Kafka. Used by the Kafka service and by `newsflow batch`.
#ifndef NEWSFLOW_PROCESSORS_NORMALIZE_NORMALIZE_H_
#define NEWSFLOW_PROCESSORS_NORMALIZE_NORMALIZE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::normalize {

// Which parser builds the tree the HTML extractor walks (docs/PERFORMANCE.md, "HTML parser"):
// gumbo follows HTML5's tree construction and scores best on extraction; libxml2's HTML
// parser follows HTML 4's rules and is about 1.5 times as fast on real pages.
enum class HtmlParser { kGumbo, kLibxml2 };

struct NormalizeOptions {
  // Articles whose text (body, or HTML page bytes) exceeds this are rejected
  // with kResourceExhausted, never truncated. Default 2 MiB.
  size_t max_text_bytes = 2 * 1024 * 1024;
  // Below this CLD2 confidence the language is reported as "und". Default 0.5.
  double min_language_confidence = 0.5;
  // At most this many bytes of title + body text (cut at a word) go to CLD2, whose cost
  // grows with the sample (~10 us for 256 bytes, ~19 us for 512). On trafilatura's 984
  // labelled pages 256 bytes are right on 980 and 512 on 979, and both on all 683 English
  // news articles (docs/QUALITY.md, `language_eval measure`). When CLD2 is unsure of the
  // sample, it looks again at twice as much. 0 = all text. Default 256.
  size_t language_sample_bytes = 256;
  // The HTML parser. Default gumbo (extraction F1 0.934 against libxml2's 0.931 on
  // trafilatura's benchmark; libxml2 for throughput-bound imports).
  HtmlParser html_parser = HtmlParser::kGumbo;

  absl::Status Validate() const;
};

struct Dateline {
  std::string text;    // as written, e.g. "PARIS (AP) —" or "Paris:"
  std::string place;   // e.g. "PARIS"
  std::string agency;  // e.g. "AP"; empty when none
};

struct NormalizedArticle {
  std::string id;
  std::string url;            // as received
  // CanonicalizeUrl(url); for HTML without url, the page's absolute <link rel=canonical>
  // (or og:url). Empty when there is no URL.
  std::string canonical_url;
  std::string key;            // canonical_url, else id
  std::string source;
  std::string title;     // NFC, whitespace collapsed
  // Standfirst / dek: a sentence-long heading between the headline and the body (HTML), or
  // RawArticle.attributes["subtitle"]. Not part of the body.
  std::string subtitle;
  // Body paragraphs, NFC; no title, subtitle, caption, byline or dateline prefix.
  // Sub-headings are paragraphs of their own, in place.
  std::vector<std::string> paragraphs;
  // The paragraphs that are sub-headings, in order (each is also in `paragraphs`).
  std::vector<std::string> subheadings;
  std::vector<std::string> captions;     // photo captions
  std::string byline;
  Dateline dateline;
  std::string language = "und";  // ISO 639-1, "und" when undetermined
  // Share of the sampled text CLD2 gives `language` (halved when CLD2 calls it unreliable);
  // for a declared-language fallback, CLD2's share for that language; 0 for "und".
  float language_confidence = 0;
  std::string published_at;           // RFC 3339 UTC, empty when unparsable/absent
  // As received: RawArticle.published_at, else (HTML) article:published_time / JSON-LD
  // datePublished / <time datetime> of the page.
  std::string published_at_original;
  int64_t published_at_unix_ms = 0;   // 0 when unknown
  // Case-folded, accent-folded, punctuation-folded body (title excluded), words separated
  // by single spaces. What dedupe shingles.
  std::string matching_text;
  int32_t word_count = 0;  // words in the body
  int32_t char_count = 0;  // code points in the body
  int32_t invalid_utf8_replaced = 0;
  // Where the body came from: "text" (RawArticle.body) or "html" (RawArticle.html, or a
  // body that is an HTML fragment).
  std::string content_format;
  // Character set the HTML bytes were decoded from ("utf-8", "windows-1252", ...);
  // empty for plain text.
  std::string charset;

  // Body paragraphs joined by "\n\n".
  std::string Body() const;
};

// Status codes returned by Normalize, so that callers can choose the dead-letter reason:
//   kResourceExhausted  -> above max_text_bytes (DeadLetter.TOO_LARGE)
//   kFailedPrecondition -> no text left after normalization (DeadLetter.EMPTY_CONTENT)
//   kInvalidArgument    -> malformed input, e.g. no id (DeadLetter.MALFORMED_INPUT)
// Normalize is const and thread-safe: one Normalizer can serve many threads.
class Normalizer {
 public:
  explicit Normalizer(NormalizeOptions options);

  absl::StatusOr<NormalizedArticle> Normalize(const v1::RawArticle& raw) const;

 private:
  NormalizeOptions options_;
};

// Canonical form of a URL: lower-cased scheme and host, default port, fragment and
// tracking parameters (utm_*, fbclid, gclid, ...) removed, query parameters sorted (stable,
// by name), AMP variants (/amp/ segment, trailing /amp, amp=1, outputType=amp, amp. host,
// AMP caches) mapped to the plain page, dot segments and %-escapes normalized, empty path
// -> "/". Returns the input trimmed when it does not parse as an absolute http(s) URL.
// Bytes in some character set as UTF-8: the byte-order mark first, then `declared` (a
// transport's label or a document's own declaration), with windows-1252 for "UTF-8" that is
// mostly invalid (a mislabelled legacy document). `charset_used` (may be null) receives what
// was used, e.g. "windows-1252". The HTML normalizer decodes pages the same way.
std::string DecodeToUtf8(std::string_view bytes, std::string_view declared,
                         std::string* charset_used = nullptr);

std::string CanonicalizeUrl(const std::string& url);

// Parses the publication-time formats real feeds use into RFC 3339 UTC; false when unknown.
// Accepts ISO 8601 / RFC 3339 with or without time and zone ("2026-01-07",
// "2017-09-15T00:00:00" = UTC, "...T14:03:00.250-05:00"), RFC 822/1123 ("Tue, 06 Jan 2026
// 14:03:00 GMT", "+0000", EST...), Reuters "26-FEB-1987 15:01:01.79", "January 6, 2026
// 2:03 PM" and Unix epoch seconds / milliseconds. Output "2026-01-07T00:00:00Z", with
// ".mmmZ" when there are milliseconds.
bool ParsePublishedAt(const std::string& text, std::string* rfc3339_utc, int64_t* unix_ms);

// Folds text for matching: NFKC, case fold, strip accents, punctuation -> space,
// whitespace collapsed.
std::string MatchingForm(const std::string& text);

// Whether `text` is `paragraphs` (in order, each non-empty) with whitespace between them and
// other whitespace in the place of their single spaces (ASCII whitespace and the no-break
// space). Then MatchingForm(text) is
// the paragraphs' matching form (NormalizedArticle::matching_text), since whitespace of any
// kind and length is one separator; the pipeline uses this to skip folding a plain-text body
// a second time. A SIMD comparison, several times cheaper than MatchingForm.
bool SameTextUpToWhitespace(std::string_view text, const std::vector<std::string>& paragraphs);

}  // namespace newsflow::normalize

#endif  // NEWSFLOW_PROCESSORS_NORMALIZE_NORMALIZE_H_
