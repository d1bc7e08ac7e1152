#include "registry/schema_registry.h"

#include <gtest/gtest.h>

namespace newsflow::registry {
namespace {

TEST(SchemaRegistry, SubjectsAreNamedAsConfluentSerializersNameThem) {
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kTopic, "news.enriched", "newsflow.v1.EnrichedArticle"),
            "news.enriched-value");
  EXPECT_EQ(SubjectName(SubjectNameStrategy::kRecord, "news.enriched", "newsflow.v1.EnrichedArticle"),
            "newsflow.v1.EnrichedArticle");
  EXPECT_EQ(
      SubjectName(SubjectNameStrategy::kTopicRecord, "news.enriched", "newsflow.v1.EnrichedArticle"),
      "news.enriched-newsflow.v1.EnrichedArticle");
}

TEST(SchemaRegistry, StrategyNamesAreParsedAndUnknownOnesRefused) {
  EXPECT_EQ(*ParseSubjectNameStrategy("topic"), SubjectNameStrategy::kTopic);
  EXPECT_EQ(*ParseSubjectNameStrategy("record"), SubjectNameStrategy::kRecord);
  EXPECT_EQ(*ParseSubjectNameStrategy("topic-record"), SubjectNameStrategy::kTopicRecord);
  EXPECT_FALSE(ParseSubjectNameStrategy("TopicNameStrategy").ok());
}

TEST(SchemaRegistry, OptionsRefuseAnUrlWithoutSchemeAndBadCredentials) {
  SchemaRegistryOptions options;
  EXPECT_FALSE(options.Validate().ok());
  options.url = "registry:8081";
  EXPECT_FALSE(options.Validate().ok());
  options.url = "http://registry:8081";
  EXPECT_TRUE(options.Validate().ok());
  options.basic_auth_user_info = "no-colon";
  EXPECT_FALSE(options.Validate().ok());
}

TEST(SchemaRegistry, AnUnreachableRegistryIsUnavailableNotACrash) {
  SchemaRegistryOptions options;
  options.url = "http://127.0.0.1:1";
  options.timeout_ms = 2000;
  auto id = SchemaRegistryClient(options).RegisterProtobuf("t-value", "syntax = \"proto3\";");
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kUnavailable) << id.status();
  EXPECT_NE(id.status().message().find("127.0.0.1:1"), std::string_view::npos) << id.status();
}

}  // namespace
}  // namespace newsflow::registry
