#include "ingest/poll_policy.h"

#include <gtest/gtest.h>

#include "ingest/fetcher.h"

namespace newsflow::ingest {
namespace {

constexpr IntervalBounds kBounds{300, 3600};

TEST(PollPolicy, IntervalShrinksWithNewsAndGrowsWithout) {
  EXPECT_EQ(AdaptInterval(0, false, kBounds), 300);  // first poll starts at min
  EXPECT_EQ(AdaptInterval(1200, true, kBounds), 600);
  EXPECT_EQ(AdaptInterval(400, true, kBounds), 300);  // not below min
  EXPECT_EQ(AdaptInterval(1200, false, kBounds), 1800);
  EXPECT_EQ(AdaptInterval(3000, false, kBounds), 3600);  // not above max
}

TEST(PollPolicy, FailuresBackOffExponentiallyUpToMax) {
  EXPECT_EQ(BackoffSeconds(1, kBounds), 300);
  EXPECT_EQ(BackoffSeconds(2, kBounds), 600);
  EXPECT_EQ(BackoffSeconds(3, kBounds), 1200);
  EXPECT_EQ(BackoffSeconds(10, kBounds), 3600);
}

TEST(PollPolicy, ServerHintsStretchTheIntervalWithinMax) {
  EXPECT_EQ(DueAfterSuccess(300, -1, 0, kBounds), 300);
  EXPECT_EQ(DueAfterSuccess(300, 900, 0, kBounds), 900);   // Cache-Control: max-age=900
  EXPECT_EQ(DueAfterSuccess(300, 60, 0, kBounds), 300);    // a shorter max-age changes nothing
  EXPECT_EQ(DueAfterSuccess(300, -1, 30, kBounds), 1800);  // <ttl>30</ttl>
  EXPECT_EQ(DueAfterSuccess(300, 86400, 0, kBounds), 3600);
}

TEST(PollPolicy, ItemKeyIsTheCanonicalUrlElseTheGuid) {
  EXPECT_EQ(ItemKey("HTTPS://Example.com/a?utm_source=rss", "x"), ItemKey("https://example.com/a", ""));
  EXPECT_EQ(ItemKey("", "urn:uuid:1"), "guid:urn:uuid:1");
  EXPECT_EQ(ItemKey("", ""), "");
}

TEST(PollPolicy, ContentHashChangesWithTitleOrDateOnly) {
  const uint64_t base = ItemContentHash("Title", "2026-12-07");
  EXPECT_EQ(base, ItemContentHash("Title", "2026-12-07"));
  EXPECT_NE(base, ItemContentHash("Title changed", "2026-12-07"));
  EXPECT_NE(base, ItemContentHash("Title", "2026-12-08"));
  EXPECT_NE(ItemContentHash("ab", "c"), ItemContentHash("a", "bc"));
}

TEST(PollPolicy, PolledIdsAreStableHashesOfTheKey) {
  EXPECT_EQ(PolledArticleId("https://example.com/a"), PolledArticleId("https://example.com/a"));
  EXPECT_NE(PolledArticleId("https://example.com/a"), PolledArticleId("https://example.com/b"));
  EXPECT_EQ(PolledArticleId("k").size(), 33u);
}

TEST(Fetcher, ResolvesRelativeLinksAndRefusesOtherSchemes) {
  EXPECT_EQ(ResolveUrl("https://example.com/news/feed.xml", "../a/1.html"),
            "https://example.com/a/1.html");
  EXPECT_EQ(ResolveUrl("https://example.com/feed", "//cdn.example.org/x"),
            "https://cdn.example.org/x");
  EXPECT_EQ(ResolveUrl("https://example.com/", " http://other.org/y "), "http://other.org/y");
  EXPECT_EQ(ResolveUrl("https://example.com/", "mailto:a@b.c"), "");
  EXPECT_EQ(ResolveUrl("https://example.com/", "javascript:void(0)"), "");
  EXPECT_EQ(ResolveUrl("https://example.com/", ""), "");
}

TEST(Fetcher, OriginIsSchemeHostAndPort) {
  EXPECT_EQ(Origin("https://Example.COM/a/b?c"), "https://example.com:443");
  EXPECT_EQ(Origin("http://127.0.0.2:8080/feed"), "http://127.0.0.2:8080");
  EXPECT_EQ(Origin("not a url"), "");
}

TEST(Fetcher, RetryAfterInSecondsOrAsADate) {
  EXPECT_EQ(RetryAfterSeconds("120", 0), 120);
  EXPECT_EQ(RetryAfterSeconds(" 5 ", 0), 5);
  // 1 Jan 2026 00:02:00 GMT, two minutes after "now".
  EXPECT_EQ(RetryAfterSeconds("Thu, 01 Jan 2026 00:02:00 GMT", 1767225600000), 120);
  EXPECT_EQ(RetryAfterSeconds("Thu, 01 Jan 2026 00:00:00 GMT", 1767225700000), 0);  // past
  EXPECT_EQ(RetryAfterSeconds("soon", 0), -1);
  EXPECT_EQ(RetryAfterSeconds("", 0), -1);
}

TEST(Fetcher, MaxAgeOfCacheControl) {
  EXPECT_EQ(MaxAgeSeconds("public, max-age=600"), 600);
  EXPECT_EQ(MaxAgeSeconds("Max-Age=30, must-revalidate"), 30);
  EXPECT_EQ(MaxAgeSeconds("no-cache"), -1);
  EXPECT_EQ(MaxAgeSeconds("max-age=abc"), -1);
}

}  // namespace
}  // namespace newsflow::ingest
