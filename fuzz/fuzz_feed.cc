// libFuzzer target: the feed and sitemap parser on arbitrary bytes (the first byte picks the
// XML parser and an HTTP charset label), home-page feed discovery, and robots.txt rules:
// everything `newsflow poll` reads from the network.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "ingest/feed_parser.h"
#include "ingest/robots.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace newsflow::ingest;
  if (size == 0) return 0;
  static const char* kContentTypes[] = {"", "application/rss+xml; charset=windows-1252",
                                        "text/xml; charset=utf-8", "application/json",
                                        "application/xml; charset=iso-8859-2",
                                        "text/html; charset=shift_jis"};
  FeedParserOptions options;
  options.parser = data[0] % 2 == 0 ? XmlParser::kLibxml2 : XmlParser::kPugixml;
  options.max_document_bytes = 1 << 20;
  const std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  const FeedDocument document = ParseFeed(bytes, kContentTypes[(data[0] / 2) % 6], options);
  for (const FeedItem& item : document.items) (void)item.link.size();
  (void)DiscoverFeedLinks(bytes);
  const RobotsRules rules = RobotsRules::Parse(bytes, "newsflow");
  (void)rules.Allowed("/news/2026/12/07/story.html?x=1");
  return 0;
}
