// Black-box tests of the `newsflow` command without a broker: help texts, the `batch`
// output contract, and bad input (each gets a clear message, nothing else is lost).
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>

#include "absl/strings/str_cat.h"
#include "newsflow/v1/article.pb.h"
#include "absl/strings/str_split.h"
#include "tests/test_support.h"

namespace newsflow {
namespace {

using ::newsflow::testing::CommandResult;
using ::newsflow::testing::RunNewsflow;
using ::newsflow::testing::TempDir;
using ::testing::HasSubstr;

std::vector<nlohmann::json> JsonLines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    lines.push_back(nlohmann::json::parse(line));
  }
  return lines;
}

std::string GoodLine(const std::string& id, const std::string& body) {
  return nlohmann::json{{"id", id}, {"title", "Title " + id}, {"body", body}}.dump() + "\n";
}

const char kBody[] =
    "The city council approved a new harbour plan on Tuesday after months of debate over "
    "housing, traffic and flood protection along the old quay walls.";

TEST(Cli, EveryCommandExplainsItsOptions) {
  for (const char* command : {"produce", "process", "batch", "consume", "topics"}) {
    CommandResult result = RunNewsflow(absl::StrCat(command, " --help"));
    EXPECT_EQ(result.exit_code, 0) << command;
    EXPECT_THAT(result.out, HasSubstr("--")) << command;
  }
  CommandResult top = RunNewsflow("--help");
  EXPECT_EQ(top.exit_code, 0);
  EXPECT_THAT(top.out, HasSubstr("batch"));
}

TEST(Cli, UnknownOptionIsAUsageError) {
  CommandResult result = RunNewsflow("batch --no-such-flag x");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err + result.out, HasSubstr("no-such-flag"));
}

TEST(Batch, WritesTheContractFieldsAsProtobufJson) {
  TempDir dir;
  const std::string seed =
      testing::SourceDir() + "/data/samples/000_etv_bharat_ukraine_allies.txt";
  CommandResult result = RunNewsflow("batch --input " + seed);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<nlohmann::json> lines = JsonLines(result.out);
  ASSERT_EQ(lines.size(), 1u);
  const nlohmann::json& article = lines[0];
  EXPECT_EQ(article["id"], "000_etv_bharat_ukraine_allies");
  EXPECT_EQ(article["language"], "en");
  EXPECT_EQ(article["dedup"]["status"], "UNIQUE");
  EXPECT_EQ(article["dedup"]["clusterId"], "000_etv_bharat_ukraine_allies");
  EXPECT_TRUE(article["dedup"].contains("duplicateOf"));
  ASSERT_FALSE(article["topics"].empty());
  EXPECT_TRUE(article["topics"][0].contains("code"));
  EXPECT_TRUE(article["topics"][0].contains("label"));
  EXPECT_TRUE(article["topics"][0].contains("score"));
  ASSERT_FALSE(article["regions"].empty());
  EXPECT_TRUE(article["regions"][0].contains("countryCode"));
  EXPECT_TRUE(article["regions"][0].contains("score"));
  EXPECT_TRUE(article.contains("title"));
  EXPECT_TRUE(article.contains("body"));
}

TEST(Batch, KeepsInputOrderAndFlagsDuplicates) {
  TempDir dir;
  const std::string input = dir.Write(
      "in.jsonl", GoodLine("a", kBody) + GoodLine("b", kBody) +
                      GoodLine("c", "A different story entirely: the national football team "
                                    "won its qualifier on Saturday evening in front of a full "
                                    "stadium, securing a place at the tournament."));
  CommandResult result = RunNewsflow("batch " + input);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<nlohmann::json> lines = JsonLines(result.out);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["id"], "a");
  EXPECT_EQ(lines[1]["dedup"]["status"], "EXACT_DUPLICATE");
  EXPECT_EQ(lines[1]["dedup"]["clusterId"], "a");
  EXPECT_EQ(lines[2]["dedup"]["status"], "UNIQUE");
}

TEST(Batch, ReportsLineThatIsNotJsonAndKeepsTheRest) {
  TempDir dir;
  const std::string input =
      dir.Write("in.jsonl", GoodLine("a", kBody) + "this is not json\n" + GoodLine("b", "Other text here."));
  const std::string dlq = dir.path() + "/dlq.jsonl";
  CommandResult result = RunNewsflow(absl::StrCat("batch ", input, " --dlq ", dlq));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("in.jsonl:2"));
  EXPECT_THAT(result.err, HasSubstr("not valid JSON"));
  EXPECT_EQ(JsonLines(result.out).size(), 2u);
  std::vector<nlohmann::json> letters = JsonLines(testing::ReadFile(dlq));
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0]["reason"], "MALFORMED_INPUT");
  EXPECT_EQ(letters[0]["line"], "2");  // int64 is a string in protobuf's JSON mapping
}

TEST(Batch, ReportsMissingBody) {
  TempDir dir;
  const std::string input =
      dir.Write("in.jsonl", "{\"id\": \"x\", \"title\": \"only a title\"}\n" + GoodLine("a", kBody));
  CommandResult result = RunNewsflow("batch " + input);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("MISSING_FIELD"));
  EXPECT_THAT(result.err, HasSubstr("missing body"));
  EXPECT_EQ(JsonLines(result.out).size(), 1u);
}

TEST(Batch, RepairsInvalidUtf8InsteadOfFailing) {
  TempDir dir;
  const std::string input = dir.Write(
      "in.jsonl", "{\"id\": \"latin1\", \"title\": \"Caf\xE9\", \"body\": \"Le caf\xE9 est "
                  "ouvert tous les jours de la semaine pour les habitants du quartier.\"}\n");
  CommandResult result = RunNewsflow("batch " + input);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<nlohmann::json> lines = JsonLines(result.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0]["body"].get<std::string>(), HasSubstr("caf\xEF\xBF\xBD"));
}

TEST(Batch, ReportsEmptyFile) {
  TempDir dir;
  CommandResult result = RunNewsflow("batch " + dir.Write("empty.txt", ""));
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("empty.txt"));
  EXPECT_THAT(result.err, HasSubstr("EMPTY_CONTENT"));
  EXPECT_TRUE(result.out.empty());
}

TEST(Batch, RejectsFiftyMegabyteArticleAndKeepsTheOthers) {
  TempDir dir;
  std::string huge_body;
  huge_body.reserve(50u << 20);
  while (huge_body.size() < (50u << 20)) huge_body += "word after word after word. ";
  const std::string input =
      dir.Write("in.jsonl", GoodLine("before", kBody) + GoodLine("huge", huge_body) +
                                GoodLine("after", "Short second story about the weather."));
  CommandResult result = RunNewsflow("batch " + input);
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_THAT(result.err, HasSubstr("TOO_LARGE"));
  EXPECT_THAT(result.err, HasSubstr("'huge'"));
  std::vector<nlohmann::json> lines = JsonLines(result.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["id"], "before");
  EXPECT_EQ(lines[1]["id"], "after");
}

TEST(Batch, ReadsStdinAndWritesDelimitedProtobuf) {
  TempDir dir;
  const std::string input = dir.Write("in.jsonl", GoodLine("a", kBody));
  CommandResult result = RunNewsflow("batch - --output-format pb", input);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  google::protobuf::io::ArrayInputStream stream(result.out.data(),
                                               static_cast<int>(result.out.size()));
  v1::EnrichedArticle article;
  bool clean_eof = false;
  ASSERT_TRUE(google::protobuf::util::ParseDelimitedFromZeroCopyStream(&article, &stream,
                                                                       &clean_eof));
  EXPECT_EQ(article.id(), "a");
  EXPECT_EQ(article.dedup().status(), v1::DedupVerdict::UNIQUE);
  EXPECT_FALSE(google::protobuf::util::ParseDelimitedFromZeroCopyStream(&article, &stream,
                                                                        &clean_eof));
  EXPECT_TRUE(clean_eof);
}

}  // namespace
}  // namespace newsflow
