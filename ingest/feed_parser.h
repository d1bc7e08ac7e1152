// Feeds and sitemaps as one model: RSS 0.9x, 1.0 (RDF) and 2.0, Atom 0.3 and 1.0, JSON Feed
// 1.x, sitemaps, sitemap indexes and Google News sitemaps (.xml.gz too). Real feeds are
// broken in many ways (wrong charsets, byte-order marks, unescaped ampersands, truncation):
// the XML parser recovers what it can (xml_tree.h) and the document says it did. Pure: no
// I/O, no Kafka.
#ifndef NEWSFLOW_INGEST_FEED_PARSER_H_
#define NEWSFLOW_INGEST_FEED_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/xml_tree.h"

namespace newsflow::ingest {

struct FeedItem {
  std::string guid;        // RSS guid, Atom id, RDF about, JSON id
  std::string link;        // the article's address, as written (may be relative)
  std::string title;
  std::string published;   // as written: pubDate, published, dc:date, issued, date_published
  std::string updated;     // updated, modified, date_modified
  std::string author;
  std::string language;    // item's own (xml:lang, dc:language, JSON language)
  std::vector<std::string> categories;
  std::string summary;     // description, summary, content_text (may hold HTML)
  std::string content_html;  // content:encoded, Atom content, JSON content_html
};

// One <url> of a sitemap, with its Google News annotations when present.
struct SitemapUrl {
  std::string loc;
  std::string lastmod;
  std::string news_title;
  std::string news_publication_date;
  std::string news_publication_name;
  std::string news_language;
};

enum class FeedKind {
  kUnknown,       // not a feed or sitemap (an HTML page, an error document, ...)
  kRss,           // RSS 0.9x / 2.0
  kRdf,           // RSS 0.90 / 1.0
  kAtom,          // Atom 0.3 / 1.0
  kJsonFeed,
  kSitemap,       // <urlset>
  kSitemapIndex,  // <sitemapindex>
};

struct FeedDocument {
  FeedKind kind = FeedKind::kUnknown;
  std::string version;  // "rss20", "rss091", "rss10", "rss090", "atom10", "atom03", "json1", ...
  std::string title;
  std::string link;
  std::string language;
  int ttl_minutes = 0;  // RSS <ttl>; 0 when absent
  std::vector<FeedItem> items;
  std::vector<SitemapUrl> urls;       // kSitemap
  std::vector<std::string> sitemaps;  // kSitemapIndex: the sitemaps it lists
  std::vector<std::string> sitemap_lastmods;  // and their <lastmod>, as written ("" if none)
  bool recovered = false;  // the document was broken; what could be read was kept
  std::string charset;     // what it was decoded from
  std::string problem;     // why, when recovered or kUnknown
};

struct FeedParserOptions {
  // The XML parser. Default libxml2 (recover mode; docs/DEPENDENCIES.md).
  XmlParser parser = XmlParser::kLibxml2;
  // Largest document once gunzipped (a .xml.gz sitemap). Default 50 MiB, the sitemap limit.
  size_t max_document_bytes = 50 << 20;
};

// Parses a document as fetched: `content_type` is the HTTP Content-Type (its charset wins
// over the document's own declaration), may be empty. Gzip is recognised by its magic bytes.
FeedDocument ParseFeed(std::string_view bytes, std::string_view content_type,
                       const FeedParserOptions& options = {});

// The feeds a home page announces: the href of each <link rel="alternate"> whose type is
// RSS, Atom or JSON Feed, as written (may be relative), in page order.
std::vector<std::string> DiscoverFeedLinks(std::string_view html);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_FEED_PARSER_H_
