// Article structure heuristics: separates photo captions, the byline, the dateline prefix
// and sub-headings from the body paragraphs of plain text or extracted HTML.
#ifndef NEWSFLOW_PROCESSORS_NORMALIZE_STRUCTURE_H_
#define NEWSFLOW_PROCESSORS_NORMALIZE_STRUCTURE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "processors/normalize/normalize.h"

namespace newsflow::normalize::internal {

// One block of clean text, in document order, with what the source markup said it is.
struct Block {
  enum class Kind {
    kParagraph,  // body text, or unknown (plain text)
    kHeading,    // <h1>-<h6>
    kCaption,    // <figcaption>, ...
    kByline,     // an element marked as byline / author
  };
  Kind kind = Kind::kParagraph;
  std::string text;
  // See TextBlock::first_line_end.
  size_t first_line_end = std::string::npos;
};

struct StructureOptions {
  // Find sub-headings by shape (short line without final punctuation followed by a
  // paragraph). For plain text; HTML marks headings itself.
  bool detect_subheadings = true;
  // Dateline the source gave separately (RawArticle.attributes["dateline"]); used when the
  // text has none, and stripped when the body starts with it.
  std::string_view dateline_hint;
};

// Fills paragraphs, subheadings, captions, byline and dateline of `article` from `blocks`.
// `article->title` must already be set (a leading paragraph repeating it is dropped).
void ApplyStructure(std::vector<Block> blocks, const StructureOptions& options,
                    NormalizedArticle* article);

// Dateline at the start of `paragraph`, e.g. "PARIS (AP) — ...", "WASHINGTON -- ...",
// "SALVADOR, Feb 26 - ...", "Paris: ...", "(CNN) ...". On success fills `dateline` and
// `*rest` with the offset where the paragraph text continues. With `allow_empty_rest` the
// paragraph may be the dateline alone.
bool ParseDateline(std::string_view paragraph, Dateline* dateline, size_t* rest,
                   bool allow_empty_rest = false);

// "By Jane Doe", "By JANE DOE, Associated Press", "By Jane Doe and John Roe | Reuters".
bool LooksLikeByline(std::string_view line);

// Photo caption: ends with a photo credit such as "( AP )", "(AP Photo/Evan Vucci)",
// "Dado Ruvic/Reuters", or starts with "FILE - ". `leading` = before the body starts,
// where a bare agency credit is enough.
bool LooksLikeCaption(std::string_view paragraph, bool leading);

// Short line without final punctuation, followed by a longer paragraph.
bool LooksLikeSubheading(std::string_view line, std::string_view previous,
                         std::string_view next);

// Scraper residue that is no part of the article: "Advertisement", "Scroll down for video",
// "Read more: ...", "Related: ...". Dropped from plain-text bodies.
bool IsBoilerplateLine(std::string_view paragraph);

// Closing furniture of an outlet (rights notice, newsletter / app / follow-us pitch, share
// prompt, tag list, "related" teaser), in several languages. Only dropped at the end of the
// body, where it cannot be a sentence of the article.
bool IsTrailerLine(std::string_view paragraph);

// Short label that opens what follows an article ("Mehr zum Thema", "Related", "Kontakt:",
// "Kommentare", "Tags"), in several languages; the body is cut there when little follows.
bool IsSectionCloser(std::string_view paragraph);

}  // namespace newsflow::normalize::internal

#endif  // NEWSFLOW_PROCESSORS_NORMALIZE_STRUCTURE_H_
