#include "proto/utf8_fields.h"

#include <gtest/gtest.h>

#include "newsflow/v1/article.pb.h"

namespace newsflow {
namespace {

TEST(RepairStringFields, RepairsNestedRepeatedAndMapStringsButNotBytes) {
  v1::EnrichedArticle article;
  article.set_title("caf\xE9");
  article.add_captions("ok");
  article.add_captions("bad \xFF");
  article.mutable_provenance()->mutable_producer()->set_input("dir/\xC0.txt");
  v1::RawArticle raw;
  raw.set_html("<p>\xFF</p>");  // bytes: left alone
  (*raw.mutable_attributes())["byline"] = "By \xE2\x80";
  EXPECT_EQ(RepairStringFields(&article), 3);
  EXPECT_EQ(article.title(), "caf\xEF\xBF\xBD");
  EXPECT_EQ(article.captions(0), "ok");
  EXPECT_EQ(article.captions(1), "bad \xEF\xBF\xBD");
  EXPECT_EQ(article.provenance().producer().input(), "dir/\xEF\xBF\xBD.txt");
  EXPECT_EQ(RepairStringFields(&raw), 1);
  EXPECT_EQ(raw.html(), "<p>\xFF</p>");
  std::string wire;
  ASSERT_TRUE(raw.SerializeToString(&wire));
  v1::RawArticle decoded;
  ASSERT_TRUE(decoded.ParseFromString(wire));
  EXPECT_EQ(decoded.attributes().at("byline"), "By \xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(RepairStringFields, LeavesValidMessagesAlone) {
  v1::EnrichedArticle article;
  article.set_title("Kyiv’s allies");
  EXPECT_EQ(RepairStringFields(&article), 0);
  EXPECT_EQ(article.title(), "Kyiv’s allies");
}

}  // namespace
}  // namespace newsflow
