#include "cli/output.h"

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace newsflow::cli {
namespace {

TEST(Output, JsonLineUsesTheBatchContractNamesAndPrintsDefaults) {
  v1::EnrichedArticle article;
  article.set_id("a");
  article.mutable_dedup()->set_status(v1::DedupVerdict::UNIQUE);
  article.mutable_dedup()->set_cluster_id("a");
  v1::Region* region = article.add_regions();
  region->set_country_code("UA");
  std::ostringstream out;
  ASSERT_TRUE(WriteJsonLine(article, out).ok());
  const std::string text = out.str();
  ASSERT_EQ(text.back(), '\n');
  nlohmann::json json = nlohmann::json::parse(text);
  EXPECT_EQ(json["dedup"]["status"], "UNIQUE");
  EXPECT_EQ(json["dedup"]["clusterId"], "a");
  EXPECT_EQ(json["dedup"]["duplicateOf"], "");  // defaults are printed, so the field exists
  EXPECT_EQ(json["regions"][0]["countryCode"], "UA");
  EXPECT_EQ(json["language"], "");
}

TEST(Output, SummaryNamesVerdictAndFocusCountry) {
  v1::EnrichedArticle article;
  article.set_id("copy");
  article.mutable_dedup()->set_status(v1::DedupVerdict::NEAR_DUPLICATE);
  article.mutable_dedup()->set_duplicate_of("orig");
  v1::Region* region = article.add_regions();
  region->set_country_code("UA");
  region->set_role(v1::Region::FOCUS);
  std::ostringstream out;
  WriteSummary(article, out);
  EXPECT_NE(out.str().find("[NEAR_DUPLICATE]"), std::string::npos);
  EXPECT_NE(out.str().find("duplicate of orig"), std::string::npos);
  EXPECT_NE(out.str().find("UA*"), std::string::npos);
}

}  // namespace
}  // namespace newsflow::cli
