// Main-text extraction from HTML with gumbo: page metadata (title, canonical URL, publication
// time, language) and the article's text blocks, with navigation and boilerplate removed.
#ifndef NEWSFLOW_PROCESSORS_NORMALIZE_HTML_EXTRACT_H_
#define NEWSFLOW_PROCESSORS_NORMALIZE_HTML_EXTRACT_H_

#include <string>
#include <string_view>
#include <vector>

#include "processors/normalize/normalize.h"
#include "processors/normalize/structure.h"

namespace newsflow::normalize::internal {

struct HtmlExtraction {
  // Text blocks of the main content in document order: paragraphs (p, li, blockquote,
  // pre, text of div-only layouts), headings (h1-h6), captions (figcaption), bylines.
  std::vector<Block> blocks;
  std::string title;           // og:title, JSON-LD headline, twitter:title or <title>
  std::string canonical_url;   // <link rel=canonical>, else og:url
  std::string published_time;  // article:published_time, JSON-LD datePublished, <time>
  std::string language;        // <html lang>, JSON-LD inLanguage, og:locale
  std::string charset;         // what the bytes were decoded from
  int invalid_utf8_replaced = 0;
};

// Decodes `bytes` (see DecodeToUtf8) and extracts the main text. How the main content is
// found:
//  * dropped: script, style, nav, header, footer, aside, form, noscript, iframe, svg,
//    buttons and inputs, hidden elements, and elements whose class or id names share /
//    social / cookie / consent / related / comment / newsletter / subscribe / ad / promo /
//    sidebar / breadcrumb / ... (unless they hold most of the page's text);
//  * root: the <article>, <main>, [itemprop=articleBody] or article-body-classed element
//    holding most of the paragraph text, else the element reached by descending from
//    <body> into the child that holds >= 70% of its parent's paragraph text;
//  * blocks with more than half of their text in links (text inside <a> counts as link
//    text whatever its tags) are dropped, and so are containers of 3+ links with >= 60% of
//    their text in links; when that leaves no paragraph, the links are kept.
HtmlExtraction ExtractHtml(std::string_view bytes, std::string_view declared_charset,
                           HtmlParser parser = HtmlParser::kGumbo);

// Same for text that is already UTF-8 (an HTML fragment in RawArticle.body).
HtmlExtraction ExtractHtmlUtf8(std::string_view html, HtmlParser parser = HtmlParser::kGumbo);

// True when plain text is in fact HTML markup ("<p>...</p>", "<br>", "<div ...>").
bool LooksLikeHtml(std::string_view text);

}  // namespace newsflow::normalize::internal

#endif  // NEWSFLOW_PROCESSORS_NORMALIZE_HTML_EXTRACT_H_
