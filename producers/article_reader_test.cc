#include "producers/article_reader.h"

#include <sstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace newsflow::producers {
namespace {

using ::testing::HasSubstr;

struct Collected {
  std::vector<v1::RawArticle> articles;
  std::vector<BadRecord> bad;
};

Collected Read(const std::string& content, InputFormat format, ReaderOptions options = {}) {
  Collected collected;
  ArticleReader reader(
      options, [&](v1::RawArticle&& a) { collected.articles.push_back(std::move(a)); },
      [&](const BadRecord& b) { collected.bad.push_back(b); });
  std::istringstream in(content);
  reader.ReadStream(in, "input.txt", format);
  return collected;
}

TEST(SeedText, SplitsHeaderTitleAndBody) {
  Collected c = Read(
      " date 2026-01-07 ETV Bharat / international\n\nAllies Praise Progress\n\n"
      "A caption line. ( AP )\n\nParis: First paragraph.\n\nSecond paragraph.\n",
      InputFormat::kSeedText);
  ASSERT_EQ(c.articles.size(), 1u);
  const v1::RawArticle& a = c.articles[0];
  EXPECT_EQ(a.published_at(), "2026-01-07");
  EXPECT_EQ(a.source(), "ETV Bharat");
  EXPECT_EQ(a.section(), "international");
  EXPECT_EQ(a.title(), "Allies Praise Progress");
  EXPECT_THAT(a.body(), HasSubstr("Paris: First paragraph."));
  EXPECT_THAT(a.body(), ::testing::Not(HasSubstr("Allies Praise")));
  EXPECT_EQ(a.id(), "input");
  EXPECT_EQ(a.producer().format(), "seed-text");
}

TEST(SeedText, AcceptsPlainTextWithoutHeader) {
  Collected c = Read("Title here\nBody text follows.\n", InputFormat::kSeedText);
  ASSERT_EQ(c.articles.size(), 1u);
  EXPECT_EQ(c.articles[0].title(), "Title here");
  EXPECT_TRUE(c.articles[0].published_at().empty());
}

TEST(SeedText, RejectsTitleWithoutBody) {
  Collected c = Read(" date 2026-01-07 X / y\nOnly a title\n", InputFormat::kSeedText);
  EXPECT_TRUE(c.articles.empty());
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].reason, v1::DeadLetter::MISSING_FIELD);
}

// UTF-16 (both byte orders, with BOM) as Windows tools save "Unicode" text.
std::string Utf16(const std::u16string& text, bool little_endian) {
  std::string bytes = little_endian ? "\xFF\xFE" : "\xFE\xFF";
  for (char16_t c : text) {
    char hi = static_cast<char>(c >> 8), lo = static_cast<char>(c & 0xFF);
    bytes.push_back(little_endian ? lo : hi);
    bytes.push_back(little_endian ? hi : lo);
  }
  return bytes;
}

TEST(SeedText, TranscodesUtf16LittleEndianWithBom) {
  Collected c = Read(Utf16(u"Caf\u00E9 title\n\nBody with \u201Cquotes\u201D and \U0001F600.\n",
                           /*little_endian=*/true),
                     InputFormat::kAuto);
  ASSERT_EQ(c.articles.size(), 1u);
  EXPECT_EQ(c.articles[0].title(), "Caf\u00E9 title");
  EXPECT_THAT(c.articles[0].body(), HasSubstr("\u201Cquotes\u201D and \U0001F600."));
  EXPECT_EQ(c.articles[0].producer().invalid_utf8_replaced(), 0);
}

TEST(JsonLines, TranscodesUtf16BigEndianWithBom) {
  Collected c = Read(Utf16(u"{\"id\": \"u\", \"body\": \"Stra\u00DFe\"}\n", /*little_endian=*/false),
                     InputFormat::kAuto);
  ASSERT_EQ(c.articles.size(), 1u);
  EXPECT_EQ(c.articles[0].body(), "Stra\u00DFe");
}

TEST(JsonLines, TakesCharsetFromContentType) {
  Collected c = Read(
      R"({"id": "h", "html": "<p>x</p>", "content_type": "text/html; charset=\"windows-1252\""})"
      "\n",
      InputFormat::kJsonLines);
  ASSERT_EQ(c.articles.size(), 1u);
  EXPECT_EQ(c.articles[0].charset(), "windows-1252");
}

TEST(JsonLines, ReadsFieldsAndAliases) {
  Collected c = Read(
      R"({"id": 7, "url": "https://Example.com/a?utm_source=x", "source_domain": "example.com", )"
      R"("title": "T", "text": "Body.", "date_publish": "2017-09-15T00:00:00", "language": "en"})"
      "\n",
      InputFormat::kJsonLines);
  ASSERT_EQ(c.articles.size(), 1u);
  const v1::RawArticle& a = c.articles[0];
  EXPECT_EQ(a.id(), "7");
  EXPECT_EQ(a.source(), "example.com");
  EXPECT_EQ(a.body(), "Body.");
  EXPECT_EQ(a.published_at(), "2017-09-15T00:00:00");
  EXPECT_EQ(a.producer().line(), 1);
}

TEST(JsonLines, ReportsBadLineWithLineNumberAndGoesOn) {
  Collected c = Read(
      "{\"id\": \"a\", \"body\": \"one\"}\nnot json at all\n\n{\"id\": \"b\", \"body\": \"two\"}\n",
      InputFormat::kJsonLines);
  ASSERT_EQ(c.articles.size(), 2u);
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].line, 2);
  EXPECT_EQ(c.bad[0].reason, v1::DeadLetter::MALFORMED_INPUT);
  EXPECT_THAT(c.bad[0].message, HasSubstr("not valid JSON"));
  EXPECT_EQ(c.bad[0].original, "not json at all");
}

TEST(JsonLines, RejectsMissingBody) {
  Collected c = Read("{\"id\": \"a\", \"title\": \"only a title\"}\n", InputFormat::kJsonLines);
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].reason, v1::DeadLetter::MISSING_FIELD);
  EXPECT_THAT(c.bad[0].message, HasSubstr("missing body"));
}

TEST(JsonLines, RejectsWrongFieldType) {
  Collected c = Read("{\"id\": \"a\", \"body\": [1, 2]}\n", InputFormat::kJsonLines);
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_THAT(c.bad[0].message, HasSubstr("\"body\" must be a string"));
}

TEST(JsonLines, RepairsInvalidUtf8AndCountsIt) {
  Collected c = Read("{\"id\": \"a\", \"body\": \"caf\xE9\"}\n", InputFormat::kJsonLines);
  ASSERT_EQ(c.articles.size(), 1u);
  EXPECT_EQ(c.articles[0].body(), "caf\xEF\xBF\xBD");
  EXPECT_EQ(c.articles[0].producer().invalid_utf8_replaced(), 1);
}

TEST(JsonLines, DerivesStableIdWhenMissing) {
  const std::string line = "{\"url\": \"https://example.com/x#frag\", \"body\": \"b\"}\n";
  Collected first = Read(line, InputFormat::kJsonLines);
  Collected second = Read(line, InputFormat::kJsonLines);
  ASSERT_EQ(first.articles.size(), 1u);
  EXPECT_FALSE(first.articles[0].id().empty());
  EXPECT_EQ(first.articles[0].id(), second.articles[0].id());
}

TEST(Reader, RejectsArticleAboveSizeLimitWithoutTruncating) {
  ReaderOptions options;
  options.max_article_bytes = 100;
  Collected c = Read("Title\n" + std::string(500, 'x') + "\n", InputFormat::kSeedText, options);
  EXPECT_TRUE(c.articles.empty());
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].reason, v1::DeadLetter::TOO_LARGE);
  EXPECT_THAT(c.bad[0].message, HasSubstr("limit"));
}

TEST(Reader, ReportsEmptyInput) {
  Collected c = Read("", InputFormat::kSeedText);
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].reason, v1::DeadLetter::EMPTY_CONTENT);
  Collected j = Read("\n\n", InputFormat::kJsonLines);
  ASSERT_EQ(j.bad.size(), 1u);
}

TEST(Reader, ReportsUnreadablePath) {
  Collected collected;
  ArticleReader reader(
      {}, [&](v1::RawArticle&& a) { collected.articles.push_back(std::move(a)); },
      [&](const BadRecord& b) { collected.bad.push_back(b); });
  reader.ReadPath("/nonexistent/file.jsonl");
  ASSERT_EQ(collected.bad.size(), 1u);
  EXPECT_THAT(collected.bad[0].message, HasSubstr("cannot read"));
}

TEST(Html, KeepsPageBytesAndCanonicalLinkForKey) {
  Collected c = Read(
      "<html><head><link rel=\"canonical\" href=\"https://News.example.com/Story?utm_medium=x\">"
      "</head><body><p>Text</p></body></html>",
      InputFormat::kHtml);
  ASSERT_EQ(c.articles.size(), 1u);
  EXPECT_EQ(c.articles[0].url(), "https://News.example.com/Story?utm_medium=x");
  EXPECT_FALSE(c.articles[0].html().empty());
  EXPECT_EQ(ArticleKey(c.articles[0]), "https://news.example.com/Story");
}

}  // namespace
}  // namespace newsflow::producers
