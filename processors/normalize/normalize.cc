#include "processors/normalize/normalize.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "common/utf8.h"
#include "processors/normalize/charset.h"
#include "processors/normalize/html_extract.h"
#include "processors/normalize/language.h"
#include "common/string_util.h"
#include "processors/normalize/structure.h"
#include "processors/normalize/text.h"

namespace newsflow::normalize {
namespace {

using internal::Block;

// Valid UTF-8 view of `text`: the input itself when valid, else a repaired copy in `storage`.
std::string_view RepairedView(const std::string& text, std::string* storage, int32_t* replaced) {
  if (IsValidUtf8(text)) return text;
  *storage = text;
  *replaced += RepairUtf8(storage);
  return *storage;
}

// Title or other short field: repaired, entities decoded, cleaned.
std::string CleanField(const std::string& raw, int32_t* replaced) {
  std::string storage;
  std::string_view text = RepairedView(raw, &storage, replaced);
  std::string decoded;
  if (internal::DecodeHtmlEntities(text, &decoded)) return internal::CleanText(decoded);
  return internal::CleanText(text);
}

}  // namespace

namespace internal {

std::string LanguageSample(const NormalizedArticle& article, size_t limit) {
  std::string sample;
  size_t reserve = limit == 0 ? 4096 : limit + 64;
  sample.reserve(reserve);
  auto add = [&](const std::string& text) {
    if (limit != 0 && sample.size() >= limit) return;
    if (!sample.empty()) sample.push_back('\n');
    if (limit == 0 || sample.size() + text.size() <= limit) {
      sample += text;
      return;
    }
    size_t cut = limit - sample.size();
    size_t space = text.rfind(' ', cut);
    if (space != std::string::npos && space > cut / 2) cut = space;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    sample.append(text, 0, cut);
  };
  add(article.title);
  for (const std::string& p : article.paragraphs) add(p);
  return sample;
}

}  // namespace internal

absl::Status NormalizeOptions::Validate() const {
  if (max_text_bytes == 0) {
    return absl::InvalidArgumentError("max_text_bytes must be positive");
  }
  if (!(min_language_confidence >= 0.0 && min_language_confidence <= 1.0)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "min_language_confidence must be in [0, 1], got %g", min_language_confidence));
  }
  if (language_sample_bytes != 0 && language_sample_bytes < 64) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "language_sample_bytes must be 0 (all text) or at least 64, got %d",
        language_sample_bytes));
  }
  return absl::OkStatus();
}

std::string DecodeToUtf8(std::string_view bytes, std::string_view declared,
                         std::string* charset_used) {
  internal::DecodedText decoded = internal::DecodeToUtf8(bytes, declared);
  if (charset_used != nullptr) *charset_used = std::move(decoded.charset);
  return std::move(decoded.text);
}

std::string NormalizedArticle::Body() const { return absl::StrJoin(paragraphs, "\n\n"); }

Normalizer::Normalizer(NormalizeOptions options) : options_(std::move(options)) {}

absl::StatusOr<NormalizedArticle> Normalizer::Normalize(const v1::RawArticle& raw) const {
  if (raw.id().empty()) {
    return absl::InvalidArgumentError("RawArticle.id is empty");
  }
  const bool is_html = !raw.html().empty();
  const size_t size = is_html ? raw.html().size() : raw.body().size();
  if (size > options_.max_text_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "article %s: %s is %d bytes, above the limit of %d bytes (max_text_bytes)", raw.id(),
        is_html ? "html" : "body", size, options_.max_text_bytes));
  }

  NormalizedArticle article;
  article.id = raw.id();
  article.url = raw.url();
  article.source = raw.source();
  article.published_at_original = raw.published_at();
  article.title = CleanField(raw.title(), &article.invalid_utf8_replaced);

  std::vector<Block> blocks;
  internal::StructureOptions structure;
  std::string page_canonical, page_time, page_language;
  auto take_html = [&](internal::HtmlExtraction&& extraction) {
    article.content_format = "html";
    article.charset = std::move(extraction.charset);
    article.invalid_utf8_replaced += extraction.invalid_utf8_replaced;
    if (article.title.empty()) article.title = std::move(extraction.title);
    blocks = std::move(extraction.blocks);
    page_canonical = std::move(extraction.canonical_url);
    page_time = std::move(extraction.published_time);
    page_language = std::move(extraction.language);
    structure.detect_subheadings = false;  // headings come from <h2>-<h6>
  };

  std::string body_storage;
  if (is_html) {
    take_html(internal::ExtractHtml(raw.html(), raw.charset(), options_.html_parser));
  } else {
    std::string_view body = RepairedView(raw.body(), &body_storage, &article.invalid_utf8_replaced);
    if (internal::LooksLikeHtml(body)) {
      take_html(internal::ExtractHtmlUtf8(body, options_.html_parser));
      article.charset.clear();
    } else {
      article.content_format = "text";
      std::string decoded;
      if (internal::DecodeHtmlEntities(body, &decoded)) {
        body_storage = std::move(decoded);
        body = body_storage;
      }
      bool hard_wrapped = false;
      std::vector<internal::TextBlock> text_blocks = internal::SplitPlainText(body, &hard_wrapped);
      // Wire copy wrapped at 70 columns has no sub-headings, but plenty of short lines
      // without final punctuation (tables, "Terms were not disclosed").
      structure.detect_subheadings = !hard_wrapped;
      blocks.reserve(text_blocks.size());
      for (internal::TextBlock& tb : text_blocks) {
        Block b;
        b.text = std::move(tb.text);
        b.first_line_end = tb.first_line_end;
        blocks.push_back(std::move(b));
      }
    }
  }

  // Binary data or text in another encoding read as UTF-8 is mostly U+FFFD and control
  // characters; tagged as an article it would only mislead (random bytes once came out with
  // a focus country).
  GarbageCount garbage;
  for (const Block& block : blocks) {
    const GarbageCount count = CountGarbage(block.text);
    garbage.code_points += count.code_points;
    garbage.garbage += count.garbage;
  }
  if (garbage.garbage >= 32 && garbage.share() >= 0.3) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "article %s: not text: %.0f%% of its characters are invalid or control characters "
        "(binary data, or text in another encoding than the one declared)",
        raw.id(), 100 * garbage.share()));
  }

  auto hint = raw.attributes().find("dateline");
  if (hint != raw.attributes().end()) structure.dateline_hint = hint->second;
  internal::ApplyStructure(std::move(blocks), structure, &article);
  if (auto sub = raw.attributes().find("subtitle"); sub != raw.attributes().end()) {
    std::string subtitle = CleanField(sub->second, &article.invalid_utf8_replaced);
    if (!subtitle.empty()) article.subtitle = std::move(subtitle);
  }
  if (article.paragraphs.empty()) {
    return absl::FailedPreconditionError(
        absl::StrFormat("article %s: no body text left after normalization", raw.id()));
  }

  // Publication time: the source's, else the page's metadata.
  const std::string& when = raw.published_at().empty() ? page_time : raw.published_at();
  if (raw.published_at().empty()) article.published_at_original = when;
  if (!when.empty()) {
    if (!ParsePublishedAt(when, &article.published_at, &article.published_at_unix_ms)) {
      article.published_at.clear();
      article.published_at_unix_ms = 0;
    }
  }

  // Address: the source's, else the page's own <link rel=canonical> when it is absolute.
  if (!raw.url().empty()) {
    article.canonical_url = CanonicalizeUrl(raw.url());
  } else if (StartsWith(AsciiLower(page_canonical.substr(0, 8)), "https://") ||
             StartsWith(AsciiLower(page_canonical.substr(0, 7)), "http://")) {
    article.canonical_url = CanonicalizeUrl(page_canonical);
  }
  article.key = article.canonical_url.empty() ? article.id : article.canonical_url;

  // Language.
  std::string sample = internal::LanguageSample(article, options_.language_sample_bytes);
  std::string_view declared = raw.language().empty() ? std::string_view(page_language)
                                                     : std::string_view(raw.language());
  internal::LanguageGuess guess =
      internal::DetectLanguage(sample, declared, options_.min_language_confidence);
  if (internal::IsUnsure(guess, options_.min_language_confidence) &&
      options_.language_sample_bytes != 0) {
    // Tables of figures or a run of names leave CLD2 unsure of a short sample; twice the
    // text settles most (244 Reuters-21578 earnings reports), and only these pay for it.
    std::string longer = internal::LanguageSample(article, 2 * options_.language_sample_bytes);
    if (longer.size() > sample.size()) {
      guess = internal::DetectLanguage(longer, declared, options_.min_language_confidence);
    }
  }
  article.language = std::move(guess.code);
  article.language_confidence = guess.confidence;

  // Counts and the matching form, in one pass over the paragraphs.
  size_t body_bytes = 0;
  for (const std::string& p : article.paragraphs) body_bytes += p.size() + 1;
  article.matching_text.reserve(body_bytes);
  int32_t words = 0, chars = 0;
  for (const std::string& p : article.paragraphs) {
    // Paragraphs are clean: single spaces between words, no space at either end.
    words += 1 + static_cast<int32_t>(std::count(p.begin(), p.end(), ' '));
    chars += internal::CountCodePoints(p);
    internal::AppendMatchingForm(p, &article.matching_text);
  }
  article.word_count = words;
  article.char_count =
      chars + 2 * static_cast<int32_t>(article.paragraphs.size() - 1);  // "\n\n" separators
  return article;
}

}  // namespace newsflow::normalize
