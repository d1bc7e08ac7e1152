#include "ingest/robots.h"

#include <gtest/gtest.h>

namespace newsflow::ingest {
namespace {

TEST(Robots, LongestMatchWinsAndAllowWinsATie) {
  const RobotsRules rules = RobotsRules::Parse(
      "User-agent: *\nDisallow: /news/\nAllow: /news/public/\nDisallow: /a\nAllow: /a\n",
      "newsflow");
  EXPECT_FALSE(rules.Allowed("/news/secret.html"));
  EXPECT_TRUE(rules.Allowed("/news/public/story.html"));
  EXPECT_TRUE(rules.Allowed("/a/b"));  // equal length: allow
  EXPECT_TRUE(rules.Allowed("/other"));
}

TEST(Robots, OurGroupReplacesTheStarGroup) {
  const RobotsRules rules = RobotsRules::Parse(
      "User-agent: *\nDisallow: /\n\nUser-agent: NewsFlow/2.0\nUser-agent: other\n"
      "Disallow: /private\n",
      "newsflow");
  EXPECT_TRUE(rules.Allowed("/news/1.html"));
  EXPECT_FALSE(rules.Allowed("/private/1.html"));
  const RobotsRules others = RobotsRules::Parse(
      "User-agent: *\nDisallow: /\n\nUser-agent: newsflow\nDisallow: /private\n", "crawler");
  EXPECT_FALSE(others.Allowed("/news/1.html"));
}

TEST(Robots, GroupsForTheSameAgentAreCombined) {
  const RobotsRules rules = RobotsRules::Parse(
      "User-agent: newsflow\nDisallow: /a\n\nUser-agent: x\nDisallow: /x\n\n"
      "User-agent: newsflow\nDisallow: /b\n",
      "newsflow");
  EXPECT_FALSE(rules.Allowed("/a"));
  EXPECT_FALSE(rules.Allowed("/b"));
  EXPECT_TRUE(rules.Allowed("/x"));
}

TEST(Robots, WildcardAndEndAnchor) {
  const RobotsRules rules = RobotsRules::Parse(
      "User-agent: *\nDisallow: /*.pdf$\nDisallow: /*/print\nAllow: /$\nDisallow: /\n",
      "newsflow");
  EXPECT_TRUE(rules.Allowed("/"));
  EXPECT_FALSE(rules.Allowed("/index.html"));
  const RobotsRules pdf = RobotsRules::Parse("User-agent: *\nDisallow: /*.pdf$\n", "newsflow");
  EXPECT_FALSE(pdf.Allowed("/files/report.pdf"));
  EXPECT_TRUE(pdf.Allowed("/files/report.pdf?download=1"));
  EXPECT_TRUE(pdf.Allowed("/files/report.pdfx"));
  const RobotsRules print = RobotsRules::Parse("User-agent: *\nDisallow: /*/print\n", "newsflow");
  EXPECT_FALSE(print.Allowed("/news/print/1"));
  EXPECT_TRUE(print.Allowed("/print"));
}

TEST(Robots, PercentEncodingIsComparedNormalized) {
  const RobotsRules rules = RobotsRules::Parse("User-agent: *\nDisallow: /%7Euser/\n", "newsflow");
  EXPECT_FALSE(rules.Allowed("/~user/page"));
  const RobotsRules slash = RobotsRules::Parse("User-agent: *\nDisallow: /a%2fb\n", "newsflow");
  EXPECT_FALSE(slash.Allowed("/a%2Fb"));
}

TEST(Robots, EmptyDisallowAllowsEverythingAndCommentsAreIgnored) {
  const RobotsRules rules =
      RobotsRules::Parse("User-agent: * # everyone\nDisallow:   # nothing\n", "newsflow");
  EXPECT_TRUE(rules.Allowed("/anything"));
}

TEST(Robots, StatusDecidesWithoutRules) {
  EXPECT_TRUE(RobotsRules::FromResponse(404, "", "newsflow").Allowed("/a"));
  EXPECT_TRUE(RobotsRules::FromResponse(403, "", "newsflow").Allowed("/a"));
  EXPECT_FALSE(RobotsRules::FromResponse(503, "User-agent: *\nAllow: /\n", "newsflow").Allowed("/a"));
  EXPECT_FALSE(RobotsRules::FromResponse(0, "", "newsflow").Allowed("/a"));
  EXPECT_TRUE(RobotsRules::FromResponse(200, "", "newsflow").Allowed("/a"));
  // robots.txt itself is always allowed.
  EXPECT_TRUE(RobotsRules::DisallowAll().Allowed("/robots.txt"));
}

TEST(Robots, SitemapLinesAreCollectedWhateverTheGroup) {
  const RobotsRules rules = RobotsRules::Parse(
      "Sitemap: https://example.com/news-sitemap.xml\nUser-agent: other\nDisallow: /\n"
      "sitemap: https://example.com/sitemap_index.xml\n",
      "newsflow");
  ASSERT_EQ(rules.sitemaps().size(), 2u);
  EXPECT_EQ(rules.sitemaps()[1], "https://example.com/sitemap_index.xml");
  EXPECT_TRUE(rules.Allowed("/x"));
}

TEST(Robots, CrlfAndBomAreRead) {
  const RobotsRules rules =
      RobotsRules::Parse("\xEF\xBB\xBFUser-agent: *\r\nDisallow: /x\r\n", "newsflow");
  EXPECT_FALSE(rules.Allowed("/x/1"));
}

TEST(Robots, PathAndQueryOfUrls) {
  EXPECT_EQ(PathAndQuery("https://example.com"), "/");
  EXPECT_EQ(PathAndQuery("https://example.com/a/b?c=1#frag"), "/a/b?c=1");
  EXPECT_EQ(PathAndQuery("https://example.com?x=1"), "/?x=1");
}

}  // namespace
}  // namespace newsflow::ingest
