// The feed and sitemap parser on real publishers' feeds, trafilatura's and news-crawl's
// fixtures and feedparser's own suite (../shared/data/ingest/feeds; skipped when absent),
// with both XML parsers, and on documents written here.
#include "ingest/feed_parser.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"

namespace newsflow::ingest {
namespace {

std::string SharedFeeds(const std::string& relative) {
  const char* data = std::getenv("NEWSFLOW_SHARED_DATA");
  return absl::StrCat(data == nullptr ? "../shared/data" : data, "/ingest/feeds/", relative);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

// What each capture holds, as feedparser reads it (NOTES in the shared data).
struct FeedFixture {
  const char* path;
  const char* version;
  size_t items;
  size_t urls = 0;
  size_t sitemaps = 0;
  const char* charset = "utf-8";
};

const std::vector<FeedFixture>& FeedFixtures() {
  static const auto* fixtures = new std::vector<FeedFixture>{
      {"real/ctvnews_topstories_bom.rss20.xml", "rss20", 10},
      {"real/faz_aktuell.rss20.xml", "rss20", 13},
      {"real/guardian_us.rss20.xml", "rss20", 55},
      {"real/heise_developer.atom.xml", "atom10", 15},
      {"real/ilgiornale_cronache.rss20.xml", "rss20", 1},
      {"real/japantimes_latest.rss20.xml", "rss20", 118},
      {"real/lemonde_une.rss20.xml", "rss20", 18},
      {"real/mirror_worldnews.rss20.xml", "rss20", 25},
      {"real/nbcnewyork.rss20.xml", "rss20", 1},
      {"real/nytimes_homepage.rss20.xml", "rss20", 33},
      {"real/oren_ru_windows1251.rss20.xml", "rss20", 10, 0, 0, "windows-1251"},
      {"real/orf_news.rss10-rdf.xml", "rss10", 50},
      {"real/reuters_worldnews_feedburner.rss20.xml", "rss20", 10},
      {"real/sitemap_hebdenbridgetimes_articles_image_video.xml", "sitemap", 0, 74},
      {"real/sitemap_news_wordpresscom_shinpaideshou.xml", "sitemap", 0, 3},
      {"real/spiegel_online.rss20.xml", "rss20", 17},
      {"real/talkingpointsmemo_all.atom.xml", "atom10", 20},
      {"real/theverge_frontpage.atom.xml", "atom10", 10},
      // Latin-1 without an XML declaration: not UTF-8, read as windows-1252 (feedparser
      // calls it a charset override and reads it as ISO-8859-1).
      {"real/uol_noticias_latin1_nodecl.rss.xml", "rss", 15, 0, 0, "windows-1252"},
      {"real/washingtonpost_wellness.rss20.xml", "rss20", 29},
      {"trafilatura/tests/resources/feed.json", "json1", 25},
      {"trafilatura/tests/resources/feed1.atom", "atom10", 2},
      {"trafilatura/tests/resources/feed2.rss", "rss20", 1},
      {"trafilatura/tests/resources/sitemap.xml", "sitemap", 0, 84},
      {"trafilatura/tests/resources/sitemap.xml.gz", "sitemap", 0, 84},
      {"trafilatura/tests/resources/sitemap-hreflang.xml", "sitemap", 0, 3},
      {"trafilatura/tests/resources/sitemap2.xml", "sitemapindex", 0, 0, 2},
      {"news-crawl/src/test/resources/sitemap-news.xml", "sitemap", 0, 1},
      {"news-crawl/src/test/resources/feed-with-sitemap-namespace.xml", "rss20", 2},
  };
  return *fixtures;
}

class FeedFixtureTest : public ::testing::TestWithParam<std::tuple<FeedFixture, XmlParser>> {};

TEST_P(FeedFixtureTest, ReadsWhatFeedparserReads) {
  const auto& [fixture, parser] = GetParam();
  const std::string path = SharedFeeds(fixture.path);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no shared data at " << path;
  FeedParserOptions options;
  options.parser = parser;
  const FeedDocument feed = ParseFeed(Slurp(path), "", options);
  EXPECT_EQ(feed.version, fixture.version);
  EXPECT_EQ(feed.items.size(), fixture.items);
  EXPECT_EQ(feed.urls.size(), fixture.urls);
  EXPECT_EQ(feed.sitemaps.size(), fixture.sitemaps);
  EXPECT_EQ(feed.charset, fixture.charset);
  EXPECT_FALSE(feed.recovered) << feed.problem;
  for (const FeedItem& item : feed.items) {
    EXPECT_FALSE(item.link.empty() && item.guid.empty()) << "an item with neither link nor id";
    EXPECT_FALSE(item.title.empty() && item.summary.empty());
  }
}

std::string FeedFixtureName(const ::testing::TestParamInfo<std::tuple<FeedFixture, XmlParser>>& info) {
  std::string name = std::filesystem::path(std::get<0>(info.param).path).filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name + "_" + XmlParserName(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Captures, FeedFixtureTest,
                         ::testing::Combine(::testing::ValuesIn(FeedFixtures()),
                                            ::testing::Values(XmlParser::kLibxml2, XmlParser::kPugixml)),
                         FeedFixtureName);

TEST(FeedParser, ReadsTheFieldsOfAnRssItem) {
  const FeedDocument feed = ParseFeed(
      "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\" "
      "xmlns:content=\"http://purl.org/rss/1.0/modules/content/\"><channel><title>Desk</title>"
      "<language>en-gb</language><ttl>15</ttl><item><title>Storm hits coast</title>"
      "<link>https://news.example/storm</link><guid isPermaLink=\"false\">id-1</guid>"
      "<pubDate>Tue, 06 Jan 2026 10:00:00 GMT</pubDate><dc:creator>A. Writer</dc:creator>"
      "<category>Weather</category><category>UK</category><description>Short &amp; "
      "sweet</description><content:encoded><![CDATA[<p>Full text</p>]]></content:encoded>"
      "</item></channel></rss>",
      "application/rss+xml");
  ASSERT_EQ(feed.items.size(), 1u);
  EXPECT_EQ(feed.title, "Desk");
  EXPECT_EQ(feed.language, "en-gb");
  EXPECT_EQ(feed.ttl_minutes, 15);
  const FeedItem& item = feed.items[0];
  EXPECT_EQ(item.title, "Storm hits coast");
  EXPECT_EQ(item.link, "https://news.example/storm");
  EXPECT_EQ(item.guid, "id-1");
  EXPECT_EQ(item.published, "Tue, 06 Jan 2026 10:00:00 GMT");
  EXPECT_EQ(item.author, "A. Writer");
  EXPECT_THAT(item.categories, ::testing::ElementsAre("Weather", "UK"));
  EXPECT_EQ(item.summary, "Short & sweet");
  EXPECT_EQ(item.content_html, "<p>Full text</p>");
}

TEST(FeedParser, ReadsAtomAndItsXhtmlContent) {
  const FeedDocument feed = ParseFeed(
      "<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\"><title>Feed</title>"
      "<link rel=\"self\" href=\"https://e.example/feed\"/><link href=\"https://e.example/\"/>"
      "<entry><id>tag:e.example,2026:1</id><title type=\"html\">A &amp;lt;b&amp;gt; c</title>"
      "<link rel=\"alternate\" href=\"/a/1\"/><updated>2026-01-06T10:00:00Z</updated>"
      "<author><name>B</name></author><category term=\"Politik\"/>"
      "<content type=\"xhtml\"><div xmlns=\"http://www.w3.org/1999/xhtml\"><p>One <b>two</b></p></div>"
      "</content></entry></feed>",
      "");
  EXPECT_EQ(feed.version, "atom10");
  EXPECT_EQ(feed.link, "https://e.example/");
  ASSERT_EQ(feed.items.size(), 1u);
  const FeedItem& item = feed.items[0];
  EXPECT_EQ(item.guid, "tag:e.example,2026:1");
  EXPECT_EQ(item.link, "/a/1");  // relative links are resolved by the poller
  EXPECT_EQ(item.published, "2026-01-06T10:00:00Z");
  EXPECT_EQ(item.author, "B");
  EXPECT_EQ(item.language, "de");
  EXPECT_THAT(item.categories, ::testing::ElementsAre("Politik"));
  EXPECT_EQ(item.content_html, "<p>One <b>two</b></p>");
}

TEST(FeedParser, ReadsAGoogleNewsSitemapAndASitemapIndex) {
  const FeedDocument news = ParseFeed(
      "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
      "xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url>"
      "<loc>https://e.example/a</loc><news:news><news:publication><news:name>E</news:name>"
      "<news:language>fr</news:language></news:publication>"
      "<news:publication_date>2026-01-06T10:00:00+01:00</news:publication_date>"
      "<news:title>Titre</news:title></news:news></url></urlset>",
      "");
  ASSERT_EQ(news.urls.size(), 1u);
  EXPECT_EQ(news.urls[0].loc, "https://e.example/a");
  EXPECT_EQ(news.urls[0].news_title, "Titre");
  EXPECT_EQ(news.urls[0].news_language, "fr");
  EXPECT_EQ(news.urls[0].news_publication_name, "E");
  EXPECT_EQ(news.urls[0].news_publication_date, "2026-01-06T10:00:00+01:00");
  const FeedDocument index = ParseFeed(
      "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\"><sitemap>"
      "<loc>https://e.example/s1.xml.gz</loc></sitemap><sitemap><loc>https://e.example/s2.xml"
      "</loc></sitemap></sitemapindex>",
      "");
  EXPECT_THAT(index.sitemaps,
              ::testing::ElementsAre("https://e.example/s1.xml.gz", "https://e.example/s2.xml"));
}

TEST(FeedParser, RecoversItemsAroundBrokenMarkup) {
  std::string items;
  for (int i = 0; i < 10; ++i) {
    items += absl::StrCat("<item><title>T", i, "</title><link>https://e.example/", i,
                          "</link></item>");
  }
  std::string broken = "<rss version=\"2.0\"><channel>" + items + "</channel></rss>";
  broken.replace(broken.find("<item><title>T6"), 13, "<item><tit le>x</title><title>T6");
  broken.replace(broken.find("T3"), 2, "AT&T 3");  // an unescaped ampersand
  const FeedDocument feed = ParseFeed(broken, "");
  EXPECT_TRUE(feed.recovered);
  EXPECT_EQ(feed.items.size(), 10u);
  const FeedDocument truncated = ParseFeed(broken.substr(0, broken.size() * 2 / 3), "");
  EXPECT_TRUE(truncated.recovered);
  EXPECT_GE(truncated.items.size(), 5u);
}

TEST(FeedParser, TakesTheCharsetFromHttpThenBomThenDeclaration) {
  const std::string latin1 = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\">"
                             "<channel><item><title>caf\xE9</title></item></channel></rss>";
  EXPECT_EQ(ParseFeed(latin1, "").items.at(0).title, "caf\u00E9");
  // The HTTP header wins over the declaration.
  const std::string utf8 = "<?xml version=\"1.0\" encoding=\"iso-8859-1\"?><rss version=\"2.0\">"
                           "<channel><item><title>caf\u00E9</title></item></channel></rss>";
  EXPECT_EQ(ParseFeed(utf8, "text/xml; charset = utf-8").items.at(0).title, "caf\u00E9");
  EXPECT_EQ(ParseFeed("\xEF\xBB\xBF" + utf8, "").items.at(0).title, "caf\u00E9");
  // &#146; is a windows-1252 apostrophe in practice.
  EXPECT_EQ(ParseFeed("<rss><channel><item><title>don&#146;t</title></item></channel></rss>", "")
                .items.at(0)
                .title,
            "don\u2019t");
}

TEST(FeedParser, DiscoversTheFeedsAHomePageAnnounces) {
  EXPECT_THAT(DiscoverFeedLinks(
                  "<html><head><link rel=\"stylesheet\" href=\"/s.css\">"
                  "<link rel=\"alternate\" type=\"application/rss+xml\" href=\"/rss.xml\">"
                  "<LINK REL=\"Alternate\" TYPE=\"application/atom+xml\" HREF=\"https://e.example/atom\">"
                  "<link rel=\"alternate\" hreflang=\"fr\" href=\"/fr/\">"
                  "<link rel=\"alternate\" type=\"application/feed+json\" href=\"feed.json\"></head>"
                  "<body></body></html>"),
              ::testing::ElementsAre("/rss.xml", "https://e.example/atom", "feed.json"));
}

TEST(FeedParser, SaysWhenADocumentIsNotAFeed) {
  const FeedDocument page = ParseFeed("<html><body>Not found</body></html>", "text/html");
  EXPECT_EQ(page.kind, FeedKind::kUnknown);
  EXPECT_THAT(page.problem, ::testing::HasSubstr("not a feed"));
  EXPECT_EQ(ParseFeed("{\"hello\": 1}", "").kind, FeedKind::kUnknown);
  EXPECT_EQ(ParseFeed("", "").kind, FeedKind::kUnknown);
}

}  // namespace
}  // namespace newsflow::ingest
