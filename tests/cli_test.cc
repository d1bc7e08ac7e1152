// Black-box tests of the `newsflow` command without a broker: help texts, the `batch`
// output contract, and bad input (each gets a clear message, nothing else is lost).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "newsflow/v1/article.pb.h"
#include "absl/strings/str_split.h"
#include "tests/test_support.h"

namespace newsflow {
namespace {

using ::newsflow::testing::CommandResult;
using ::newsflow::testing::RunNewsflow;
using ::newsflow::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

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

// Issue #19, item 6: /dev/zero used to grow the process to gigabytes, deaf to SIGINT.
TEST(Batch, ReadsAnEndlessInputWithBoundedMemoryAndStopsOnSigint) {
  // As a text file: read up to the limit, refused as too large, and done.
  CommandResult text = RunNewsflow("batch /dev/zero --max-article-bytes 1000000");
  EXPECT_EQ(text.exit_code, 3) << text.err;
  EXPECT_THAT(text.err, HasSubstr("TOO_LARGE"));
  // As JSON Lines: one endless line, skipped with bounded memory until SIGINT.
  testing::BackgroundProcess endless("batch --format jsonl /dev/zero");
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const std::string status = testing::ReadFile(absl::StrCat("/proc/", endless.pid(), "/status"));
  const size_t at = status.find("VmHWM:");
  ASSERT_NE(at, std::string::npos);
  EXPECT_LT(std::stoll(status.substr(at + 6)), 300 * 1024) << "kB of peak memory";
  endless.Signal(SIGINT);
  EXPECT_EQ(endless.Wait(10000), 130) << endless.Log();
  EXPECT_THAT(endless.Log(), HasSubstr("interrupted"));
}

// Items 7 and 8: a symlink loop aborted the program (an uncaught filesystem_error), and an
// unreadable subdirectory silently ended the walk.
TEST(Batch, ASymlinkLoopIsReportedAndEveryArticleIsRead) {
  TempDir dir;
  dir.Write("in/a/first.jsonl", GoodLine("first", kBody));
  dir.Write("in/z/last.jsonl", GoodLine("last", "Another story about the harbour lights."));
  std::filesystem::create_directory_symlink(dir.path() + "/in", dir.path() + "/in/a/loop");
  CommandResult result = RunNewsflow("batch " + dir.path() + "/in");
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr("symlink loop"));
  std::vector<nlohmann::json> lines = JsonLines(result.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["id"], "first");
  EXPECT_EQ(lines[1]["id"], "last");
}

TEST(Batch, AnUnreadableSubdirectoryIsReportedAndTheWalkGoesOn) {
  // Root reads any directory: run as nobody when the tests run as root.
  std::string runner;
  if (geteuid() == 0) {
    if (std::system("command -v setpriv >/dev/null 2>&1") != 0) GTEST_SKIP() << "no setpriv";
    runner = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
  }
  TempDir dir;
  dir.Write("in/a/first.jsonl", GoodLine("first", kBody));
  dir.Write("in/b/hidden.jsonl", GoodLine("hidden", kBody));
  dir.Write("in/c/last.jsonl", GoodLine("last", "Another story about the harbour lights."));
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
  for (const char* sub : {"/in", "/in/a", "/in/c"}) {
    std::filesystem::permissions(dir.path() + sub, std::filesystem::perms(0755));
  }
  for (const char* file : {"/in/a/first.jsonl", "/in/c/last.jsonl"}) {
    std::filesystem::permissions(dir.path() + file, std::filesystem::perms(0644));
  }
  std::filesystem::permissions(dir.path() + "/in/b", std::filesystem::perms::none);
  const std::string command = absl::StrCat(runner, testing::NewsflowBinary(), " batch ",
                                           dir.path(), "/in >", dir.path(), "/out 2>",
                                           dir.path(), "/err");
  const int status = std::system(command.c_str());
  std::filesystem::permissions(dir.path() + "/in/b", std::filesystem::perms(0755));
  const std::string err = testing::ReadFile(dir.path() + "/err");
  EXPECT_EQ(WEXITSTATUS(status), 3) << err;
  EXPECT_THAT(err, HasSubstr("/in/b"));
  EXPECT_THAT(err, HasSubstr("Permission denied"));
  std::vector<nlohmann::json> lines = JsonLines(testing::ReadFile(dir.path() + "/out"));
  ASSERT_EQ(lines.size(), 2u) << err;
  EXPECT_EQ(lines[1]["id"], "last");
}

// Item 18: a/story.txt and b/story.txt used to be one id, key and cluster: "story".
TEST(Batch, FilesOfTheSameNameInTwoDirectoriesAreTwoArticles) {
  TempDir dir;
  dir.Write("in/a/story.txt", std::string("Harbour plan approved\n") + kBody + "\n");
  dir.Write("in/b/story.txt", "Heavy snow closes schools\nSchools in the valley stayed shut "
                              "on Monday after a night of heavy snow and strong winds.\n");
  CommandResult result = RunNewsflow("batch " + dir.path() + "/in");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<nlohmann::json> lines = JsonLines(result.out);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["id"], "a/story");
  EXPECT_EQ(lines[1]["id"], "b/story");
  EXPECT_EQ(lines[1]["dedup"]["status"], "UNIQUE");
  EXPECT_EQ(lines[1]["dedup"]["clusterId"], "b/story");
}

// Item 19: an id holding a newline forged a line of batch's report.
TEST(Batch, AnIdWithANewlineCannotForgeAReportLine) {
  TempDir dir;
  const std::string line =
      nlohmann::json{{"id", "x\nERROR forged line"}, {"title", "T"}, {"body", "<p></p>"}}.dump();
  CommandResult result = RunNewsflow("batch " + dir.Write("in.jsonl", line + "\n"));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  for (absl::string_view report : absl::StrSplit(result.err, '\n')) {
    EXPECT_FALSE(absl::StartsWith(report, "ERROR forged")) << result.err;
  }
  EXPECT_THAT(result.err, HasSubstr("x\\nERROR forged line"));
}

// Item 20: UTF-16 without a byte-order mark was read as one garbled line.
TEST(Batch, ReadsUtf16WithoutAByteOrderMark) {
  TempDir dir;
  const std::string utf8 = GoodLine("utf16", kBody);
  std::string utf16;
  for (char c : utf8) {
    utf16.push_back(c);
    utf16.push_back('\0');
  }
  CommandResult result = RunNewsflow("batch " + dir.Write("in.jsonl", utf16));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<nlohmann::json> lines = JsonLines(result.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["id"], "utf16");
}

// Item 17: a megabyte of random bytes came out as an article with a focus country.
TEST(Batch, BinaryGarbageIsRejectedAsMalformedInput) {
  TempDir dir;
  std::string garbage = "Title\n";
  uint32_t state = 11;
  for (int i = 0; i < 200000; ++i) garbage.push_back(static_cast<char>((state = state * 1103515245u + 12345u) >> 16));
  CommandResult result = RunNewsflow("batch " + dir.Write("noise.txt", garbage));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr("MALFORMED_INPUT"));
  EXPECT_TRUE(result.out.empty());
}

// Item 16: in an archive of January articles, one dated 2099 (capped at now plus a day)
// evicted the whole index, and the next copy came out UNIQUE.
TEST(Batch, OneArticleFromTheFutureDoesNotFlushTheIndexOfAnArchive) {
  TempDir dir;
  std::string archive;
  for (int day = 1; day <= 12; ++day) {
    archive += nlohmann::json{{"id", absl::StrCat("jan-", day)},
                              {"title", absl::StrCat("Day ", day)},
                              {"published_at", absl::StrFormat("2026-01-%02dT09:00:00Z", day)},
                              {"body", absl::StrCat("Report of day ", day, ". ", kBody,
                                                    " The tally for the day was ", day * 37,
                                                    " boats and ", day * 11, " barges.")}}
                   .dump() +
               "\n";
  }
  archive += nlohmann::json{{"id", "from-2099"},
                            {"title", "Misdated"},
                            {"published_at", "2099-01-01T00:00:00Z"},
                            {"body", "A feed error dated this story far in the future, in a "
                                     "report about a village fair and its pumpkin contest."}}
                 .dump() +
             "\n";
  archive += nlohmann::json{{"id", "copy-of-jan-12"},
                            {"title", "Day 12 again"},
                            {"published_at", "2026-01-12T10:00:00Z"},
                            {"body", absl::StrCat("Report of day 12. ", kBody,
                                                  " The tally for the day was ", 12 * 37,
                                                  " boats and ", 12 * 11, " barges.")}}
                 .dump() +
             "\n";
  CommandResult result = RunNewsflow("batch " + dir.Write("archive.jsonl", archive));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<nlohmann::json> lines = JsonLines(result.out);
  ASSERT_EQ(lines.size(), 14u);
  EXPECT_EQ(lines[13]["id"], "copy-of-jan-12");
  EXPECT_NE(lines[13]["dedup"]["status"], "UNIQUE") << lines[13].dump();
  EXPECT_THAT(result.err, HasSubstr("event time(s) in the future lowered"));
}

// Item 11: a secret in the environment made the injected --kafka swallow the inputs.
TEST(Produce, ASecretInTheEnvironmentLeavesThePositionalInputsAlone) {
  TempDir dir;
  const std::string input = dir.Write("in.jsonl", GoodLine("a", kBody));
  CommandResult result = RunNewsflow(
      "produce " + input + " --brokers 127.0.0.1:1 --no-create-topics --delivery-timeout-ms 1000",
      "", "NEWSFLOW_KAFKA_SASL_PASSWORD=x");
  EXPECT_EQ(result.exit_code, 4) << result.err;  // read, sent, not acknowledged: no broker
  EXPECT_THAT(result.err, Not(HasSubstr("required")));
  EXPECT_THAT(result.err, HasSubstr("0 of 1 article(s)"));
}

// Item 12: a mistyped property echoed the secret; --print-config said "env" for a flag.
TEST(Produce, AMistypedKafkaPropertyIsNotEchoedAndFlagsAreLabelledFlags) {
  CommandResult typo = RunNewsflow("produce x.jsonl --kafka sasl.password:hunter2");
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_THAT(typo.err, HasSubstr("NAME=VALUE"));
  EXPECT_THAT(typo.err + typo.out, Not(HasSubstr("hunter2")));
  CommandResult printed = RunNewsflow(
      "produce x.jsonl --kafka sasl.password=from-flag --kafka sasl.oauthbearer.config=s3cret "
      "--print-config",
      "", "NEWSFLOW_KAFKA_SASL_PASSWORD=from-env");
  EXPECT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_THAT(printed.out, HasSubstr("kafka.sasl.password = ****  (flag)"));
  EXPECT_THAT(printed.out, HasSubstr("kafka.sasl.oauthbearer.config = ****"));
  EXPECT_THAT(printed.out, Not(HasSubstr("s3cret")));
  EXPECT_THAT(printed.out, Not(HasSubstr("from-")));
}

// Item 10: librdkafka's log lines were dropped, so --kafka debug=... printed nothing.
TEST(Produce, KafkaDebugLinesAreShown) {
  TempDir dir;
  const std::string input = dir.Write("in.jsonl", GoodLine("a", kBody));
  CommandResult result = RunNewsflow(
      "produce " + input +
      " --brokers 127.0.0.1:1 --no-create-topics --delivery-timeout-ms 1000 --kafka debug=conf");
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_THAT(result.err, HasSubstr("librdkafka DEBUG CONF"));
}


// --- Web archives in batch (issue #20) -------------------------------------------------------

namespace web_archive {

std::string Gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string Record(const std::string& type, const std::string& uri, const std::string& block,
                   const std::string& date = "2026-12-01T10:00:00Z") {
  return absl::StrCat("WARC/1.1\r\nWARC-Type: ", type, "\r\nWARC-Record-ID: <urn:uuid:", type, "-",
                      uri.size(), "-", block.size(), ">\r\nWARC-Date: ", date,
                      "\r\nWARC-Target-URI: ", uri,
                      "\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ",
                      block.size(), "\r\n\r\n", block, "\r\n\r\n");
}

std::string Page(const std::string& text) {
  return "<html><head><title>Story</title></head><body><article><p>" + text + "</p><p>" + text +
         " The council will meet again next month to decide on the remaining items.</p>"
         "</article></body></html>";
}

std::string Response(const std::string& html, int status = 200,
                     const std::string& type = "text/html; charset=utf-8") {
  return absl::StrCat("HTTP/1.1 ", status, " X\r\nContent-Type: ", type, "\r\nContent-Length: ",
                      html.size(), "\r\n\r\n", html);
}

const char kEnglish[] =
    "The city council approved the budget for the coming year on Monday after a long debate "
    "about schools, roads and the new library in the old town.";
const char kGerman[] =
    "Der Stadtrat hat am Montag nach einer langen Debatte den Haushalt für das kommende Jahr "
    "beschlossen, mit Geld für Schulen, Straßen und die neue Bibliothek.";

std::vector<std::string> Urls(const std::string& jsonl) {
  std::vector<std::string> urls;
  for (absl::string_view line : absl::StrSplit(jsonl, '\n', absl::SkipEmpty())) {
    urls.push_back(nlohmann::json::parse(line)["url"]);
  }
  return urls;
}

}  // namespace web_archive

TEST(WebArchive, EveryHtmlResponseIsAnArticleAndTheRestIsCountedByReason) {
  using namespace web_archive;
  TempDir dir;
  std::string warc;
  for (const std::string& record :
       {Record("warcinfo", "", "software: test"),
        Record("request", "https://news.example.com/a", "GET /a HTTP/1.1\r\n\r\n"),
        Record("response", "https://news.example.com/a", Response(Page(kEnglish))),
        Record("response", "https://news.example.com/gone", Response("missing", 404)),
        Record("response", "https://news.example.com/logo.png", Response("PNG", 200, "image/png")),
        Record("metadata", "https://news.example.com/a", "fetchTimeMs: 5"),
        Record("revisit", "https://news.example.com/a", "")}) {
    warc += Gzip(record);
  }
  const std::string path = dir.Write("crawl.warc.gz", warc);
  CommandResult result = RunNewsflow("batch " + path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Urls(result.out), std::vector<std::string>{"https://news.example.com/a"});
  const nlohmann::json article = nlohmann::json::parse(result.out);
  EXPECT_THAT(std::string(article["body"]), HasSubstr("The city council approved"));
  EXPECT_THAT(result.err, HasSubstr("7 web archive record(s) read; 6 skipped (not articles)"));
  for (const char* reason : {"1 metadata", "1 non-200", "1 non-html", "1 request", "1 revisit",
                             "1 warcinfo"}) {
    EXPECT_THAT(result.err, HasSubstr(reason));
  }
}

TEST(WebArchive, WarcHostKeepsARegistrableDomainAndNeverMatchesASubstring) {
  using namespace web_archive;
  TempDir dir;
  std::string warc;
  for (const char* url : {"https://www.bbc.co.uk/news/1", "https://bbc.co.uk.evil.example/2",
                          "https://notbbc.co.uk/3", "https://news.bbc.co.uk/4",
                          "https://example.org/bbc.co.uk/5"}) {
    warc += Gzip(Record("response", url, Response(Page(absl::StrCat(kEnglish, " ", url)))));
  }
  const std::string path = dir.Write("hosts.warc.gz", warc);
  CommandResult result = RunNewsflow("batch --warc-host bbc.co.uk " + path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Urls(result.out), (std::vector<std::string>{"https://www.bbc.co.uk/news/1",
                                                         "https://news.bbc.co.uk/4"}));
  EXPECT_THAT(result.err, HasSubstr("3 host"));
}

TEST(WebArchive, SinceUntilAndLanguageFilterRecords) {
  using namespace web_archive;
  TempDir dir;
  std::string warc;
  warc += Gzip(Record("response", "https://e.example/old", Response(Page(kEnglish)),
                      "2026-11-01T10:00:00Z"));
  warc += Gzip(Record("response", "https://e.example/en", Response(Page(kEnglish)),
                      "2026-12-01T10:00:00Z"));
  warc += Gzip(Record("response", "https://e.example/de", Response(Page(kGerman)),
                      "2026-12-01T11:00:00Z"));
  warc += Gzip(Record("response", "https://e.example/late", Response(Page(kGerman)),
                      "2026-12-09T00:00:00Z"));
  const std::string path = dir.Write("dates.warc.gz", warc);
  CommandResult dated = RunNewsflow("batch --since 2026-11-15 --until 2026-12-08 " + path);
  ASSERT_EQ(dated.exit_code, 0) << dated.err;
  EXPECT_EQ(Urls(dated.out),
            (std::vector<std::string>{"https://e.example/en", "https://e.example/de"}));
  EXPECT_THAT(dated.err, HasSubstr("2 date"));
  CommandResult german = RunNewsflow("batch --language de " + path);
  ASSERT_EQ(german.exit_code, 0) << german.err;
  EXPECT_EQ(Urls(german.out),
            (std::vector<std::string>{"https://e.example/de", "https://e.example/late"}));
  EXPECT_THAT(german.err, HasSubstr("2 language"));
}

TEST(WebArchive, AMalformedRecordIsReportedWithFileAndOffsetAndReadingResyncs) {
  using namespace web_archive;
  TempDir dir;
  const std::string first = Record("response", "https://e.example/1", Response(Page(kEnglish)));
  const std::string garbage = "WARC/1.1\r\nContent-Length: not-a-number\r\n\r\nrubbish\r\n\r\n";
  const std::string path = dir.Write(
      "broken.warc",
      first + garbage + Record("response", "https://e.example/2", Response(Page(kGerman))));
  CommandResult result = RunNewsflow("batch " + path);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_EQ(Urls(result.out),
            (std::vector<std::string>{"https://e.example/1", "https://e.example/2"}));
  EXPECT_THAT(result.err,
              HasSubstr(absl::StrCat(path, ":", first.size(), ": MALFORMED_INPUT")));
}

TEST(WebArchive, ATruncatedTailKeepsTheCompleteRecordsBeforeIt) {
  using namespace web_archive;
  TempDir dir;
  const std::string whole = Gzip(Record("response", "https://e.example/1", Response(Page(kEnglish))));
  const std::string cut = Gzip(Record("response", "https://e.example/2", Response(Page(kGerman))));
  const std::string path = dir.Write("cut.warc.gz", whole + cut.substr(0, cut.size() / 2));
  CommandResult result = RunNewsflow("batch " + path);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Urls(result.out), std::vector<std::string>{"https://e.example/1"});
  EXPECT_THAT(result.err, HasSubstr("warning"));
  EXPECT_THAT(result.err, HasSubstr("the records before it were read"));
}

TEST(WebArchive, StdinIsReadWithFormatWarcAndLargeRecordsAreSkippedUnread) {
  using namespace web_archive;
  TempDir dir;
  std::string big_text;
  while (big_text.size() < 200000) big_text += std::string(kEnglish) + " ";
  const std::string path = dir.Write(
      "in.warc", Record("response", "https://e.example/1", Response(Page(kEnglish))) +
                     Record("response", "https://e.example/big", Response(Page(big_text))));
  CommandResult result =
      RunNewsflow("batch --format warc --max-record-bytes 100000 -", path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(Urls(result.out), std::vector<std::string>{"https://e.example/1"});
  EXPECT_THAT(result.err, HasSubstr("1 too-large"));
}

// --- poll: settings and their errors ----------------------------------------------------------

TEST(Poll, ExplainsItsOptionsAndRejectsBadSettingsByName) {
  CommandResult help = RunNewsflow("poll --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option : {"--sources", "--state-dir", "--once", "--output", "--host-delay-ms",
                             "--no-fetch", "--emit-updates", "--min-interval", "--max-interval",
                             "--user-agent"}) {
    EXPECT_THAT(help.out, HasSubstr(option));
  }
  EXPECT_EQ(RunNewsflow("poll --once").exit_code, 2);  // --sources is required
  TempDir dir;
  const std::string sources = dir.Write("s.txt", "https://example.com/feed.xml\n");
  CommandResult interval =
      RunNewsflow("poll --once --output - --min-interval soon --sources " + sources);
  EXPECT_EQ(interval.exit_code, 2);  // a bad value on the command line
  EXPECT_THAT(interval.err, HasSubstr("--min-interval"));
  CommandResult order = RunNewsflow(
      "poll --once --output - --min-interval 1h --max-interval 5m --sources " + sources);
  EXPECT_EQ(order.exit_code, 2);
  EXPECT_THAT(order.err, HasSubstr("--max-interval"));
  const std::string bad = dir.Write("bad.txt", "https://ok.example/\nfeed.example.com/rss\n");
  CommandResult bad_file = RunNewsflow("poll --once --output - --sources " + bad);
  EXPECT_EQ(bad_file.exit_code, 1);
  EXPECT_THAT(bad_file.err, HasSubstr("bad.txt:2"));
  CommandResult missing = RunNewsflow("poll --once --output - --sources " + dir.path() + "/none");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("cannot read the sources file"));
}

}  // namespace
}  // namespace newsflow
