#include "ingest/feed_parser.h"

#include <libxml/HTMLparser.h>

#include <algorithm>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/string_util.h"
#include "ingest/gzip_reader.h"

namespace newsflow::ingest {
namespace {

constexpr char kAtom10[] = "http://www.w3.org/2005/Atom";
constexpr char kAtom03[] = "http://purl.org/atom/ns#";
constexpr char kDublinCore[] = "http://purl.org/dc/elements/1.1/";
constexpr char kContent[] = "http://purl.org/rss/1.0/modules/content/";
constexpr char kRss10[] = "http://purl.org/rss/1.0/";
constexpr char kRss090[] = "http://my.netscape.com/rdf/simple/0.9/";
constexpr char kGoogleNews[] = "http://www.google.com/schemas/sitemap-news/0.9";

// Text with C1 control characters read as the windows-1252 punctuation they almost always
// are (&#146; for an apostrophe), as feed readers do.
std::string Demoronized(std::string text) {
  static constexpr const char* kWindows1252[32] = {
      "\u20AC", nullptr,   "\u201A", "\u0192", "\u201E", "\u2026", "\u2020", "\u2021",
      "\u02C6", "\u2030", "\u0160", "\u2039", "\u0152", nullptr,   "\u017D", nullptr,
      nullptr,   "\u2018", "\u2019", "\u201C", "\u201D", "\u2022", "\u2013", "\u2014",
      "\u02DC", "\u2122", "\u0161", "\u203A", "\u0153", nullptr,   "\u017E", "\u0178"};
  if (text.find('\xC2') == std::string::npos) return text;
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const unsigned char next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0;
    if (c == 0xC2 && next >= 0x80 && next < 0xA0 && kWindows1252[next - 0x80] != nullptr) {
      out += kWindows1252[next - 0x80];
      ++i;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// An element's content: its text, or the markup inside it when a feed put unescaped HTML
// there.
std::string Content(const XmlNode& node) {
  if (node.children.empty()) return Demoronized(std::string(StripWhitespace(node.text)));
  return Demoronized(std::string(StripWhitespace(node.InnerXml())));
}

std::string Text(const XmlNode* node) { return node == nullptr ? "" : Content(*node); }

// The first child among `names` (any namespace) with text.
std::string FirstText(const XmlNode& parent, std::initializer_list<std::string_view> names,
                      std::string_view ns = {}) {
  for (std::string_view name : names) {
    for (const XmlNode& child : parent.children) {
      if (child.name != name || (!ns.empty() && child.ns != ns)) continue;
      std::string text = Content(child);
      if (!text.empty()) return text;
    }
  }
  return "";
}

std::string Lang(const XmlNode& node) { return std::string(node.Attribute("lang")); }

// --- RSS and RDF -----------------------------------------------------------------------------

FeedItem RssItem(const XmlNode& item) {
  FeedItem out;
  out.title = FirstText(item, {"title"});
  out.link = FirstText(item, {"link"});
  if (const XmlNode* guid = item.Child("guid"); guid != nullptr) {
    out.guid = Text(guid);
    // A permalink guid is the article's address when the item has no link.
    if (out.link.empty() && guid->Attribute("isPermaLink") != "false" &&
        (StartsWith(out.guid, "http://") || StartsWith(out.guid, "https://"))) {
      out.link = out.guid;
    }
  }
  if (out.guid.empty()) out.guid = std::string(item.Attribute("about"));  // RDF
  out.published = FirstText(item, {"pubDate", "date", "issued", "published"});
  out.updated = FirstText(item, {"updated", "modified"});
  out.author = FirstText(item, {"creator", "author"});
  out.language = FirstText(item, {"language"}, kDublinCore);
  if (out.language.empty()) out.language = Lang(item);
  for (const XmlNode& child : item.children) {
    if (child.name == "category" || (child.name == "subject" && child.ns == kDublinCore)) {
      std::string category(StripWhitespace(child.text));
      if (category.empty()) category = std::string(child.Attribute("term"));
      if (!category.empty()) out.categories.push_back(std::move(category));
    }
  }
  out.summary = FirstText(item, {"description", "summary"});
  out.content_html = FirstText(item, {"encoded"}, kContent);
  return out;
}

void ParseRss(const XmlNode& root, FeedDocument* feed) {
  feed->kind = FeedKind::kRss;
  // feedparser's names: "rss20" (2.x), "rss094", "rss093", "rss092", "rss091", "rss".
  const std::string version(StripWhitespace(root.Attribute("version")));
  if (StartsWith(version, "2.")) {
    feed->version = "rss20";
  } else if (StartsWith(version, "0.9") && version.size() == 4) {
    feed->version = absl::StrCat("rss09", version.substr(3));
  } else {
    feed->version = "rss";
  }
  const XmlNode* channel = root.Child("channel");
  const XmlNode& scope = channel != nullptr ? *channel : root;
  feed->title = FirstText(scope, {"title"});
  feed->link = FirstText(scope, {"link"});
  feed->language = FirstText(scope, {"language"});
  feed->ttl_minutes = std::atoi(FirstText(scope, {"ttl"}).c_str());
  // Items belong in the channel; broken feeds put them next to it.
  for (const XmlNode* parent : {&scope, &root}) {
    for (const XmlNode& child : parent->children) {
      if (child.name == "item") feed->items.push_back(RssItem(child));
    }
    if (parent == &root && &scope == &root) break;
  }
}

void ParseRdf(const XmlNode& root, FeedDocument* feed) {
  feed->kind = FeedKind::kRdf;
  bool rss090 = false;
  for (const XmlNode& child : root.children) rss090 |= child.ns == kRss090;
  feed->version = rss090 ? "rss090" : "rss10";
  if (const XmlNode* channel = root.Child("channel"); channel != nullptr) {
    feed->title = FirstText(*channel, {"title"});
    feed->link = FirstText(*channel, {"link"});
    feed->language = FirstText(*channel, {"language"});
  }
  for (const XmlNode& child : root.children) {
    if (child.name == "item") feed->items.push_back(RssItem(child));
  }
}

// --- Atom ------------------------------------------------------------------------------------

std::string AtomLink(const XmlNode& parent) {
  std::string fallback;
  for (const XmlNode& child : parent.children) {
    if (child.name != "link") continue;
    const std::string_view rel = child.Attribute("rel");
    std::string href(child.Attribute("href"));
    if (href.empty()) href = std::string(StripWhitespace(child.text));  // Atom 0.3 style
    if (href.empty()) continue;
    if (rel.empty() || rel == "alternate") return href;
    if (fallback.empty() && rel != "self" && rel != "enclosure" && rel != "replies") {
      fallback = href;
    }
  }
  return fallback;
}

std::string AtomText(const XmlNode* node) {
  if (node == nullptr) return "";
  // type="xhtml": the content is markup inside a div, which is not part of it.
  if (node->Attribute("type") == "xhtml" && node->children.size() == 1 &&
      node->children[0].name == "div" && StripWhitespace(node->text).empty()) {
    return Demoronized(std::string(StripWhitespace(node->children[0].InnerXml())));
  }
  return Content(*node);
}

void ParseAtom(const XmlNode& root, FeedDocument* feed) {
  feed->kind = FeedKind::kAtom;
  feed->version = root.ns == kAtom10 ? "atom10" : root.ns == kAtom03 ? "atom03" : "atom";
  feed->title = AtomText(root.Child("title"));
  feed->link = AtomLink(root);
  feed->language = Lang(root);
  for (const XmlNode& entry : root.children) {
    if (entry.name != "entry") continue;
    FeedItem item;
    item.guid = FirstText(entry, {"id"});
    item.link = AtomLink(entry);
    item.title = AtomText(entry.Child("title"));
    item.published = FirstText(entry, {"published", "issued", "created"});
    item.updated = FirstText(entry, {"updated", "modified"});
    if (item.published.empty()) item.published = item.updated;
    if (const XmlNode* author = entry.Child("author"); author != nullptr) {
      item.author = FirstText(*author, {"name"});
      if (item.author.empty()) item.author = std::string(StripWhitespace(author->text));
    }
    item.language = Lang(entry).empty() ? feed->language : Lang(entry);
    for (const XmlNode& child : entry.children) {
      if (child.name != "category") continue;
      std::string term(child.Attribute("term"));
      if (term.empty()) term = std::string(child.Attribute("label"));
      if (!term.empty()) item.categories.push_back(std::move(term));
    }
    item.summary = AtomText(entry.Child("summary"));
    item.content_html = AtomText(entry.Child("content"));
    feed->items.push_back(std::move(item));
  }
}

// --- Sitemaps --------------------------------------------------------------------------------

void ParseSitemap(const XmlNode& root, FeedDocument* feed) {
  if (root.name == "sitemapindex") {
    feed->kind = FeedKind::kSitemapIndex;
    feed->version = "sitemapindex";
    for (const XmlNode& sitemap : root.children) {
      if (sitemap.name != "sitemap") continue;
      const std::string loc = FirstText(sitemap, {"loc"});
      if (loc.empty()) continue;
      feed->sitemaps.push_back(loc);
      feed->sitemap_lastmods.push_back(FirstText(sitemap, {"lastmod"}));
    }
    return;
  }
  feed->kind = FeedKind::kSitemap;
  feed->version = "sitemap";
  for (const XmlNode& url : root.children) {
    if (url.name != "url") continue;
    SitemapUrl out;
    out.loc = FirstText(url, {"loc"});
    if (out.loc.empty()) continue;
    out.lastmod = FirstText(url, {"lastmod"});
    if (const XmlNode* news = url.Child("news", kGoogleNews); news != nullptr) {
      out.news_title = FirstText(*news, {"title"});
      out.news_publication_date = FirstText(*news, {"publication_date"});
      if (const XmlNode* publication = news->Child("publication"); publication != nullptr) {
        out.news_publication_name = FirstText(*publication, {"name"});
        out.news_language = FirstText(*publication, {"language"});
      }
    }
    feed->urls.push_back(std::move(out));
  }
}

// --- JSON Feed -------------------------------------------------------------------------------

std::string JsonString(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool ParseJsonFeed(std::string_view bytes, FeedDocument* feed) {
  const nlohmann::json json = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || !Contains(JsonString(json, "version"), "jsonfeed.org/version/1")) {
    return false;
  }
  feed->kind = FeedKind::kJsonFeed;
  feed->version = "json1";
  feed->charset = "utf-8";
  feed->title = JsonString(json, "title");
  feed->link = JsonString(json, "home_page_url");
  feed->language = JsonString(json, "language");
  auto items = json.find("items");
  if (items == json.end() || !items->is_array()) return true;
  for (const nlohmann::json& entry : *items) {
    if (!entry.is_object()) continue;
    FeedItem item;
    item.guid = JsonString(entry, "id");
    if (item.guid.empty() && entry.contains("id") && entry["id"].is_number()) {
      item.guid = entry["id"].dump();
    }
    item.link = JsonString(entry, "url");
    if (item.link.empty()) item.link = JsonString(entry, "external_url");
    item.title = JsonString(entry, "title");
    item.published = JsonString(entry, "date_published");
    item.updated = JsonString(entry, "date_modified");
    item.language = JsonString(entry, "language");
    if (item.language.empty()) item.language = feed->language;
    item.summary = JsonString(entry, "summary");
    if (item.summary.empty()) item.summary = JsonString(entry, "content_text");
    item.content_html = JsonString(entry, "content_html");
    if (auto author = entry.find("author"); author != entry.end() && author->is_object()) {
      item.author = JsonString(*author, "name");
    } else if (auto authors = entry.find("authors");
               authors != entry.end() && authors->is_array() && !authors->empty() &&
               (*authors)[0].is_object()) {
      item.author = JsonString((*authors)[0], "name");
    }
    if (auto tags = entry.find("tags"); tags != entry.end() && tags->is_array()) {
      for (const nlohmann::json& tag : *tags) {
        if (tag.is_string()) item.categories.push_back(tag.get<std::string>());
      }
    }
    feed->items.push_back(std::move(item));
  }
  return true;
}


}  // namespace

FeedDocument ParseFeed(std::string_view bytes, std::string_view content_type,
                       const FeedParserOptions& options) {
  FeedDocument feed;
  std::string inflated;
  if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1F &&
      static_cast<unsigned char>(bytes[1]) == 0x8B) {
    std::string problem;
    if (!InflateAll(bytes, options.max_document_bytes, &inflated, &problem)) {
      feed.problem = problem;
      return feed;
    }
    bytes = inflated;
  }
  const std::string_view start = StripWhitespace(bytes.substr(0, 64));
  if (StartsWith(start, "{") || StartsWith(start, "\xEF\xBB\xBF{")) {
    std::string_view json = bytes;
    if (StartsWith(json, "\xEF\xBB\xBF")) json.remove_prefix(3);
    if (ParseJsonFeed(json, &feed)) return feed;
    feed.problem = "JSON that is not a JSON Feed (version https://jsonfeed.org/version/1.x)";
    return feed;
  }
  XmlDocument document = ParseXml(bytes, CharsetParameter(content_type), options.parser);
  feed.recovered = document.recovered;
  feed.charset = document.charset;
  feed.problem = document.error;
  if (!document.ok) {
    if (feed.problem.empty()) feed.problem = "no XML root element";
    return feed;
  }
  const XmlNode& root = document.root;
  if (root.name == "rss") {
    ParseRss(root, &feed);
  } else if (root.name == "RDF") {
    ParseRdf(root, &feed);
  } else if (root.name == "feed") {  // Atom 1.0, 0.3, and the drafts between them
    ParseAtom(root, &feed);
  } else if (root.name == "urlset" || root.name == "sitemapindex") {
    ParseSitemap(root, &feed);
  } else if (root.name == "channel") {  // RSS 0.9x without the <rss> wrapper
    ParseRss(root, &feed);
  } else {
    feed.problem = absl::StrCat("not a feed or sitemap (root element <", root.name, ">)");
  }
  return feed;
}

std::vector<std::string> DiscoverFeedLinks(std::string_view html) {
  std::vector<std::string> links;
  htmlDocPtr doc = htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, "UTF-8",
                                  HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                                      HTML_PARSE_NONET);
  if (doc == nullptr) return links;
  std::vector<xmlNode*> stack = {xmlDocGetRootElement(doc)};
  while (!stack.empty()) {
    xmlNode* node = stack.back();
    stack.pop_back();
    if (node == nullptr) continue;
    for (xmlNode* child = node->last; child != nullptr; child = child->prev) {
      if (child->type == XML_ELEMENT_NODE) stack.push_back(child);
    }
    if (node->type != XML_ELEMENT_NODE || !EqualsIgnoreCase(reinterpret_cast<const char*>(node->name), "link")) {
      continue;
    }
    auto attribute = [&](const char* name) {
      xmlChar* value = xmlGetProp(node, reinterpret_cast<const xmlChar*>(name));
      std::string out = value == nullptr ? "" : reinterpret_cast<const char*>(value);
      xmlFree(value);
      return out;
    };
    const std::string rel = AsciiLower(attribute("rel"));
    const std::string type = AsciiLower(attribute("type"));
    const std::string href(StripWhitespace(attribute("href")));
    if (!Contains(rel, "alternate") || href.empty()) continue;
    if (type == "application/rss+xml" || type == "application/atom+xml" ||
        type == "application/rdf+xml" || type == "application/feed+json" ||
        type == "application/json") {
      if (std::find(links.begin(), links.end(), href) == links.end()) links.push_back(href);
    }
  }
  xmlFreeDoc(doc);
  return links;
}

}  // namespace newsflow::ingest
