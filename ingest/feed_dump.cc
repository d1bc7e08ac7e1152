// A test tool: prints what the feed parser reads from a file as JSON shaped like
// feedparser's result (bozo, version, encoding, feed, entries), so that feedparser's own test
// expectations can be evaluated against it (eval/feed_suite.py).
// Usage: feed_dump FILE [CONTENT-TYPE] [libxml2|pugixml]
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "ingest/feed_parser.h"

int main(int argc, char** argv) {
  using namespace newsflow::ingest;
  if (argc < 2) {
    std::cerr << "usage: feed_dump FILE [CONTENT-TYPE] [libxml2|pugixml]\n";
    return 2;
  }
  std::ifstream in(argv[1], std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  FeedParserOptions options;
  if (argc > 3 && std::string(argv[3]) == "pugixml") options.parser = XmlParser::kPugixml;
  const FeedDocument feed = ParseFeed(bytes.str(), argc > 2 ? argv[2] : "", options);
  nlohmann::json entries = nlohmann::json::array();
  for (const FeedItem& item : feed.items) {
    nlohmann::json tags = nlohmann::json::array();
    for (const std::string& category : item.categories) tags.push_back({{"term", category}});
    nlohmann::json entry = {{"id", item.guid},      {"guid", item.guid},
                            {"link", item.link},    {"title", item.title},
                            {"author", item.author}, {"language", item.language},
                            {"summary", item.summary}, {"description", item.summary},
                            {"tags", tags}};
    if (!item.published.empty()) entry["published"] = item.published;
    if (!item.updated.empty()) entry["updated"] = item.updated;
    if (!item.categories.empty()) entry["category"] = item.categories.front();
    if (!item.content_html.empty()) entry["content"] = {{{"value", item.content_html}}};
    entries.push_back(entry);
  }
  nlohmann::json urls = nlohmann::json::array();
  for (const SitemapUrl& url : feed.urls) urls.push_back(url.loc);
  const nlohmann::json out = {
      {"bozo", feed.recovered || feed.kind == FeedKind::kUnknown},
      {"version", feed.version},
      {"encoding", feed.charset},
      {"problem", feed.problem},
      {"feed", {{"title", feed.title}, {"link", feed.link}, {"language", feed.language}}},
      {"entries", entries},
      {"urls", urls},
      {"sitemaps", feed.sitemaps}};
  std::cout << out.dump() << "\n";
  return 0;
}
