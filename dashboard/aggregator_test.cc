#include "dashboard/aggregator.h"

#include <gtest/gtest.h>

#include <set>

namespace newsflow::dashboard {
namespace {

constexpr int64_t kNow = 1796621301000;  // 2026-12-07
constexpr int64_t kMinute = 60 * 1000;

v1::EnrichedArticle Article(const std::string& id, const std::string& cluster,
                            v1::DedupVerdict::Status status, const std::string& country = "UA",
                            const std::string& source = "AP") {
  v1::EnrichedArticle a;
  a.set_id(id);
  a.set_title("Title of " + id);
  a.set_url("https://example.com/" + id);
  a.set_source(source);
  a.set_language("en");
  a.mutable_dedup()->set_status(status);
  a.mutable_dedup()->set_cluster_id(cluster);
  auto* topic = a.add_topics();
  topic->set_code("medtop:16000000");
  topic->set_label("conflict, war and peace");
  auto* sub = a.add_topics();
  sub->set_code("medtop:20000053");  // not a top level: not counted as a topic
  sub->set_label("war");
  auto* region = a.add_regions();
  region->set_country_code(country);
  region->set_name(country == "UA" ? "Ukraine" : "France");
  region->set_role(v1::Region::FOCUS);
  region->set_region("Europe");
  auto* mentioned = a.add_regions();
  mentioned->set_country_code("US");
  mentioned->set_role(v1::Region::MENTIONED);  // named in passing: not a country of the story
  mentioned->set_region("Americas");
  a.mutable_provenance()->set_ingested_at_ms(kNow - 5 * kMinute - 250);
  return a;
}

TEST(DashboardAggregator, CountsVerdictsTopicsCountriesAndClustersInTheWindow) {
  Aggregator aggregator(AggregatorOptions{});
  aggregator.Add(Article("a", "a", v1::DedupVerdict::UNIQUE), kNow - 5 * kMinute, kNow);
  aggregator.Add(Article("b", "a", v1::DedupVerdict::NEAR_DUPLICATE, "UA", "Reuters"),
                 kNow - 4 * kMinute, kNow);
  aggregator.Add(Article("c", "a", v1::DedupVerdict::EXACT_DUPLICATE, "UA", "ETV Bharat"),
                 kNow - 3 * kMinute, kNow);
  aggregator.Add(Article("d", "d", v1::DedupVerdict::UNIQUE, "FR"), kNow - 2 * kMinute, kNow);
  aggregator.Add(Article("old", "old", v1::DedupVerdict::UNIQUE), kNow - 50 * kMinute, kNow);

  nlohmann::json s = aggregator.Summary(15 * kMinute, kNow, {});
  EXPECT_EQ(s["window"], 900);
  EXPECT_EQ(s["articles"], 4);
  EXPECT_EQ(s["unique"], 2);
  EXPECT_EQ(s["nearDuplicates"], 1);
  EXPECT_EQ(s["exactDuplicates"], 1);
  ASSERT_EQ(s["topics"].size(), 1u);
  EXPECT_EQ(s["topics"][0]["code"], "medtop:16000000");
  EXPECT_EQ(s["topics"][0]["articles"], 4);
  ASSERT_EQ(s["countries"].size(), 2u);  // US was only mentioned
  EXPECT_EQ(s["countries"][0]["code"], "UA");
  EXPECT_EQ(s["countries"][0]["articles"], 3);
  EXPECT_EQ(s["countries"][0]["name"], "Ukraine");
  EXPECT_EQ(s["regions"][0]["name"], "Europe");
  EXPECT_EQ(s["topicCountry"][0]["topic"], "medtop:16000000");
  EXPECT_EQ(s["topicCountry"][0]["country"], "UA");
  EXPECT_EQ(s["topicCountry"][0]["articles"], 3);
  ASSERT_EQ(s["topClusters"].size(), 2u);
  const nlohmann::json& story = s["topClusters"][0];
  EXPECT_EQ(story["clusterId"], "a");
  EXPECT_EQ(story["title"], "Title of a");
  EXPECT_EQ(story["size"], 3);
  EXPECT_EQ(story["sources"], (nlohmann::json{"AP", "ETV Bharat", "Reuters"}));
  EXPECT_EQ(story["firstSeenMs"], kNow - 5 * kMinute);
  EXPECT_EQ(story["lastSeenMs"], kNow - 3 * kMinute);
  EXPECT_EQ(s["latencyMs"]["count"], 4);
  EXPECT_EQ(s["series"]["articles"].size(), 60u);

  nlohmann::json hour = aggregator.Summary(60 * kMinute, kNow, {});
  EXPECT_EQ(hour["articles"], 5);
}

TEST(DashboardAggregator, FiltersByTopicRegionAndLanguage) {
  Aggregator aggregator(AggregatorOptions{});
  aggregator.Add(Article("a", "a", v1::DedupVerdict::UNIQUE, "UA"), kNow - kMinute, kNow);
  aggregator.Add(Article("b", "b", v1::DedupVerdict::UNIQUE, "FR"), kNow - kMinute, kNow);
  EXPECT_EQ(aggregator.Summary(kMinute * 15, kNow, {"", "FR", ""})["articles"], 1);
  EXPECT_EQ(aggregator.Summary(kMinute * 15, kNow, {"", "Europe", ""})["articles"], 2);
  EXPECT_EQ(aggregator.Summary(kMinute * 15, kNow, {"", "Americas", ""})["articles"], 0);
  EXPECT_EQ(aggregator.Summary(kMinute * 15, kNow, {"medtop:16000000", "", "en"})["articles"], 2);
  EXPECT_EQ(aggregator.Summary(kMinute * 15, kNow, {"medtop:20000053", "", ""})["articles"], 0);
  EXPECT_EQ(aggregator.Summary(kMinute * 15, kNow, {"", "", "de"})["articles"], 0);
}

TEST(DashboardAggregator, ForgetsWhatLeavesTheRetentionAndHoldsAtMostTheCap) {
  AggregatorOptions options;
  options.retention_ms = 60 * kMinute;
  options.max_articles = 100;
  Aggregator aggregator(options);
  for (int i = 0; i < 300; ++i) {
    aggregator.Add(Article("x" + std::to_string(i), "x" + std::to_string(i), v1::DedupVerdict::UNIQUE),
                   kNow - 30 * kMinute + i, kNow - 30 * kMinute + i);
  }
  EXPECT_EQ(aggregator.articles(), 100u);
  nlohmann::json s = aggregator.Summary(60 * kMinute, kNow, {});
  EXPECT_EQ(s["articles"], 100);
  EXPECT_EQ(s["state"]["droppedByCap"], 200);
  const size_t bytes_full = aggregator.ApproximateBytes();
  // An hour later everything has left the retention, strings and clusters included.
  s = aggregator.Summary(60 * kMinute, kNow + 61 * kMinute, {});
  EXPECT_EQ(s["articles"], 0);
  EXPECT_EQ(aggregator.articles(), 0u);
  EXPECT_LT(aggregator.ApproximateBytes(), bytes_full);
  // The same traffic again takes the same memory: freed strings and clusters are reused.
  const int64_t later = kNow + 61 * kMinute;
  for (int i = 0; i < 300; ++i) {
    aggregator.Add(Article("y" + std::to_string(i), "y" + std::to_string(i), v1::DedupVerdict::UNIQUE),
                   later + i, later + i);
  }
  EXPECT_EQ(aggregator.ApproximateBytes(), bytes_full);
  aggregator.Expire(later + 2 * 60 * kMinute);
  // A record older than the retention is not kept.
  aggregator.Add(Article("late", "late", v1::DedupVerdict::UNIQUE), later, later + 2 * 60 * kMinute);
  EXPECT_EQ(aggregator.articles(), 0u);
}

TEST(DashboardAggregator, AHostileTitleIsKeptAsTextAndLongOnesAreCutOnACharacter) {
  Aggregator aggregator(AggregatorOptions{});
  v1::EnrichedArticle a = Article("x", "x", v1::DedupVerdict::UNIQUE);
  a.set_title("<script>alert(1)</script>");
  aggregator.Add(a, kNow - kMinute, kNow);
  v1::EnrichedArticle b = Article("y", "y", v1::DedupVerdict::UNIQUE);
  std::string long_title;
  for (int i = 0; i < 200; ++i) long_title += "é";  // 400 bytes
  b.set_title(long_title);
  aggregator.Add(b, kNow - kMinute + 1, kNow);
  nlohmann::json s = aggregator.Summary(15 * kMinute, kNow, {});
  std::set<std::string> titles;
  for (const auto& c : s["topClusters"]) titles.insert(c["title"].get<std::string>());
  EXPECT_TRUE(titles.count("<script>alert(1)</script>"));  // escaping is the page's job
  for (const std::string& t : titles) {
    EXPECT_LE(t.size(), 300u + 3);
    EXPECT_NO_THROW((void)nlohmann::json(t).dump());  // still valid UTF-8
  }
}

TEST(DashboardAggregator, WithoutASourceTheOutletIsTheHost) {
  Aggregator aggregator(AggregatorOptions{});
  v1::EnrichedArticle a = Article("x", "x", v1::DedupVerdict::UNIQUE, "UA", "");
  a.set_url("https://www.apnews.com/article/x");
  aggregator.Add(a, kNow - kMinute, kNow);
  EXPECT_EQ(aggregator.Summary(15 * kMinute, kNow, {})["sources"][0]["name"], "apnews.com");
}

}  // namespace
}  // namespace newsflow::dashboard
