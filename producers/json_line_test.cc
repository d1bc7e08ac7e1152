#include "producers/json_line.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <google/protobuf/util/message_differencer.h>

#include "common/utf8.h"

namespace newsflow::producers {
namespace {

using ::testing::HasSubstr;

// Decodes `line` both ways; the two must agree on the status, its message and the article.
void ExpectSameAsNlohmann(const std::string& line) {
  SCOPED_TRACE(line);
  JsonLineDecoder decoder;
  std::string copy = line;
  v1::RawArticle fast, reference;
  const absl::Status fast_status = decoder.Decode(copy, &fast);
  const absl::Status reference_status = JsonLineDecoder::DecodeWithNlohmann(line, &reference);
  EXPECT_EQ(copy, line);
  EXPECT_EQ(fast_status, reference_status);
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(fast, reference))
      << fast.ShortDebugString() << "\n vs \n" << reference.ShortDebugString();
}

TEST(JsonLineDecoder, ReadsEveryFieldAndItsAlternativeName) {
  JsonLineDecoder decoder;
  std::string line =
      R"({"id": 42, "url": "https://example.com/a", "source_domain": "example.com", )"
      R"("section": "World", "title": "T\u00e9l\u00e9", "text": "Body \"quoted\"\n", )"
      R"("date_publish": "2024-01-02", "language": "fr", )"
      R"("content_type": "text/html; charset=windows-1252", "fetched_at": "2024-01-03", )"
      R"("byline": "By A", "category": 7, "unknown": {"deep": [1, 2, {"x": null}]}})";
  v1::RawArticle article;
  ASSERT_TRUE(decoder.Decode(line, &article).ok());
  EXPECT_EQ(decoder.fallbacks(), 0);
  EXPECT_EQ(article.id(), "42");
  EXPECT_EQ(article.url(), "https://example.com/a");
  EXPECT_EQ(article.source(), "example.com");
  EXPECT_EQ(article.section(), "World");
  EXPECT_EQ(article.title(), "T\xc3\xa9l\xc3\xa9");
  EXPECT_EQ(article.body(), "Body \"quoted\"\n");
  EXPECT_EQ(article.published_at(), "2024-01-02");
  EXPECT_EQ(article.language(), "fr");
  EXPECT_EQ(article.charset(), "windows-1252");
  EXPECT_EQ(article.fetched_at(), "2024-01-03");
  EXPECT_EQ(article.attributes().at("byline"), "By A");
  EXPECT_EQ(article.attributes().count("category"), 0u);  // not a string: ignored
  ExpectSameAsNlohmann(line);
}

TEST(JsonLineDecoder, TakesTheFirstPresentNameAndTheLastValueOfARepeatedKey) {
  JsonLineDecoder decoder;
  std::string line = R"({"text": "second", "body": null, "title": "a", "title": "b"})";
  v1::RawArticle article;
  ASSERT_TRUE(decoder.Decode(line, &article).ok());
  EXPECT_EQ(article.body(), "second");
  EXPECT_EQ(article.title(), "b");
  ExpectSameAsNlohmann(line);
  ExpectSameAsNlohmann(R"({"body": "first", "text": "second"})");
}

TEST(JsonLineDecoder, GivesNlohmannsAnswerForEveryOddOrBrokenLine) {
  const std::vector<std::string> lines = {
      // refused by both
      R"({"body":"\ud800"})", R"({"body":"\udc00"})", R"({"body":"\ud800x"})",
      "{\"body\":\"x\x01y\"}", R"({"body":"x"} x)", R"({"body":"x"} {})", R"({"id":01})",
      R"({"id":1.})", R"({"id":.5})", R"({"id":NaN})", R"({"body":"\x"})", R"({"body":"x",})",
      R"({"body" "x"})", R"({"id":1e400})", R"({"a":tru})", R"({"a":[}})", R"({"body":"x")",
      "", "   ", R"({"body":"x"}})",
      // wrong shape or type: the message names the field and the type
      R"([1,2])", R"("body")", R"(17)", R"(null)", R"({"body": 5})", R"({"title": ["x"]})",
      R"({"url": 7})", R"({"source": true})", R"({"body": "x", "html": {}})",
      R"({"id": false, "body": "x"})",
      // accepted by nlohmann and left to it by simdjson
      "\xef\xbb\xbf{\"body\":\"x\"}", R"({"id":18446744073709551616,"body":"x"})",
      R"({"id":-9223372036854775809,"body":"x"})", R"({"id":1.5,"body":"x"})",
      R"({"id":1e5,"body":"x"})", R"({"published_at":2.0,"body":"x"})",
      // accepted by both
      R"({"id":-0,"body":"x"})", R"({"id":-7,"body":"x"})",
      R"({"id":18446744073709551615,"body":"x"})",
      R"({"body":"\ud83d\ude00 \u0000 \/ \b\f\n\r\t"})", "{\"body\":\"\x7f\"}",
      "  {\"body\":\"x\"}\t\r ", R"({})", R"({"body":null,"text":null})",
      R"({"charset":"utf-8","content_type":"text/html; charset=latin1","body":"x"})",
      R"({"content_type":5,"fetched_at":6,"dateline":7,"event":"e","body":"x"})",
  };
  for (const std::string& line : lines) ExpectSameAsNlohmann(line);

  // A line over the fast path's 1 MiB.
  ExpectSameAsNlohmann(R"({"id":"big","body":")" + std::string(1500000, 'x') + R"("})");

  // Deep nesting: simdjson stops at 1,024 levels, nlohmann does not.
  const std::string deep =
      R"({"body":"x","extra":)" + std::string(1500, '[') + std::string(1500, ']') + "}";
  ExpectSameAsNlohmann(deep);
}

// Lines broken at random (bytes replaced, inserted or deleted, many of them JSON's own
// characters): whatever either parser makes of them, both paths give the same answer.
TEST(JsonLineDecoder, AgreesWithNlohmannOnRandomlyMutatedLines) {
  const std::vector<std::string> seeds = {
      R"({"id": 12, "title": "A \"quoted\" title", "body": "Line one.\nLine two \u00e9)"
      R"(\ud83d\ude00", "published_at": "2024-01-02T03:04:05Z"})",
      R"({"url": "https://example.com/a?b=1", "text": "x", "source_domain": null, )"
      R"("byline": "By A", "tags": [1, 2.5, {"k": [true, false, null]}]})",
  };
  const std::string alphabet = "{}[]\":,\\/ \t0123456789.eE+-ntrufalsx\x01\x7f\xc3\xa9";
  std::mt19937 random(11);
  JsonLineDecoder decoder;
  int accepted = 0;
  for (int round = 0; round < 200000; ++round) {
    std::string line = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !line.empty(); ++e) {
      const size_t at = random() % line.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0: line[at] = c; break;
        case 1: line.insert(line.begin() + static_cast<std::ptrdiff_t>(at), c); break;
        default: line.erase(at, 1); break;
      }
    }
    if (!IsValidUtf8(line)) continue;  // the reader repairs UTF-8 before decoding
    std::string copy = line;
    v1::RawArticle fast, reference;
    const absl::Status fast_status = decoder.Decode(copy, &fast);
    const absl::Status reference_status = JsonLineDecoder::DecodeWithNlohmann(line, &reference);
    accepted += fast_status.ok();
    ASSERT_EQ(fast_status, reference_status) << line;
    ASSERT_TRUE(google::protobuf::util::MessageDifferencer::Equals(fast, reference)) << line;
  }
  EXPECT_GT(accepted, 1000);  // the mutations leave many lines valid, not only broken ones
}

TEST(JsonLineDecoder, ErrorsSayWhatIsWrong) {
  JsonLineDecoder decoder;
  v1::RawArticle article;
  std::string line = R"({"body": 5})";
  EXPECT_THAT(std::string(decoder.Decode(line, &article).message()),
              HasSubstr("field \"body\" must be a string, got number"));
  line = R"({"body": "x")";
  EXPECT_THAT(std::string(decoder.Decode(line, &article).message()), HasSubstr("not valid JSON"));
  line = "[1]";
  EXPECT_THAT(std::string(decoder.Decode(line, &article).message()),
              HasSubstr("expected a JSON object, got array"));
}

// Every JSON line of the shared data, both ways (skipped without NEWSFLOW_SHARED_DATA).
TEST(JsonLineDecoder, AgreesWithNlohmannOnTheSharedCorpora) {
  const char* shared = std::getenv("NEWSFLOW_SHARED_DATA");
  if (shared == nullptr || !std::filesystem::is_directory(shared)) {
    GTEST_SKIP() << "NEWSFLOW_SHARED_DATA not available";
  }
  JsonLineDecoder decoder;
  int64_t lines = 0, differences = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(shared)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".jsonl") continue;
    std::ifstream in(entry.path());
    std::string line;
    while (std::getline(in, line)) {
      ++lines;
      std::string copy = line;
      v1::RawArticle fast, reference;
      const absl::Status fast_status = decoder.Decode(copy, &fast);
      const absl::Status reference_status = JsonLineDecoder::DecodeWithNlohmann(line, &reference);
      if (fast_status != reference_status ||
          !google::protobuf::util::MessageDifferencer::Equals(fast, reference)) {
        if (++differences <= 3) ADD_FAILURE() << entry.path() << ": " << line.substr(0, 200);
      }
    }
  }
  EXPECT_EQ(differences, 0);
  EXPECT_GT(lines, 10000);
  // The fast path is the one that ran.
  EXPECT_LT(decoder.fallbacks(), lines / 100);
}

}  // namespace
}  // namespace newsflow::producers
