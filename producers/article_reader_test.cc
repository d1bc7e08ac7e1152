#include "producers/article_reader.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/sha256.h"

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
      options,
      [&](v1::RawArticle&& a) {
        collected.articles.push_back(std::move(a));
        return true;
      },
      [&](const BadRecord& b) { collected.bad.push_back(b); });
  reader.ReadSource(std::make_unique<StringSource>(content), "input.txt", format, "input");
  return collected;
}

// Reads `paths` as produce and batch do.
Collected ReadPaths(const std::vector<std::string>& paths, ReaderOptions options = {}) {
  Collected collected;
  ArticleReader reader(
      options,
      [&](v1::RawArticle&& a) {
        collected.articles.push_back(std::move(a));
        return true;
      },
      [&](const BadRecord& b) { collected.bad.push_back(b); });
  EXPECT_TRUE(reader.ReadInputs(paths));
  return collected;
}

// A fresh directory tree for the directory-walk tests.
class TempTree {
 public:
  TempTree() {
    char path[] = "/tmp/newsflow-reader-XXXXXX";
    root_ = mkdtemp(path);
  }
  ~TempTree() { std::filesystem::remove_all(root_); }
  std::string Write(const std::string& relative, const std::string& content) const {
    const std::filesystem::path path = std::filesystem::path(root_) / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << content;
    return path.string();
  }
  std::string Path(const std::string& relative) const { return root_ + "/" + relative; }
  const std::string& root() const { return root_; }

 private:
  std::string root_;
};

std::vector<std::string> Ids(const Collected& c) {
  std::vector<std::string> ids;
  for (const v1::RawArticle& a : c.articles) ids.push_back(a.id());
  return ids;
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

// Found by fuzz_reader: a number beyond a double made the reader throw and abort.
TEST(JsonLines, ANumberTooLargeForADoubleIsMalformedInputNotACrash) {
  Collected c = Read("{\"id\": 20260E701, \"body\": \"x\"}\n{\"id\": \"b\", \"body\": \"two\"}\n",
                     InputFormat::kJsonLines);
  ASSERT_EQ(c.articles.size(), 1u);
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].reason, v1::DeadLetter::MALFORMED_INPUT);
  EXPECT_THAT(c.bad[0].message, HasSubstr("not valid JSON"));
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
  Collected collected = ReadPaths({"/nonexistent/file.jsonl"});
  ASSERT_EQ(collected.bad.size(), 1u);
  EXPECT_THAT(collected.bad[0].message, HasSubstr("cannot read"));
}

TEST(Reader, FilesOfTheSameNameInTwoDirectoriesGetDifferentIds) {
  TempTree tree;
  tree.Write("a/story.txt", "Title A\nBody of the first story.\n");
  tree.Write("b/story.txt", "Title B\nBody of the second story.\n");
  tree.Write("x.txt", "Title X\nA text version.\n");
  tree.Write("x.html", "<html><body><p>An HTML version.</p></body></html>");
  tree.Write("only.txt", "Title O\nThe only one of its name.\n");
  Collected c = ReadPaths({tree.root()});
  EXPECT_THAT(Ids(c), ::testing::ElementsAre("a/story", "b/story", "only", "x.html", "x.txt"));
  // Named on the command line, a file keeps the id it always had: its name without extension.
  Collected single = ReadPaths({tree.Path("only.txt")});
  EXPECT_THAT(Ids(single), ::testing::ElementsAre("only"));
  // Two arguments with the same file name: the paths as given.
  Collected two = ReadPaths({tree.Path("a/story.txt"), tree.Path("b/story.txt")});
  EXPECT_THAT(Ids(two), ::testing::ElementsAre(tree.Path("a/story.txt"), tree.Path("b/story.txt")));
}

TEST(Reader, ASymlinkLoopIsReportedAndTheWalkGoesOn) {
  TempTree tree;
  tree.Write("a/first.txt", "Title\nBody one.\n");
  tree.Write("c/last.txt", "Title\nBody two.\n");
  std::filesystem::create_directory_symlink(tree.Path("a"), tree.Path("a/loop"));
  std::filesystem::create_directory_symlink(tree.Path("b"), tree.Path("b"));  // to itself
  Collected c = ReadPaths({tree.root()});
  EXPECT_THAT(Ids(c), ::testing::ElementsAre("a/first", "c/last"));
  ASSERT_GE(c.bad.size(), 1u);
  bool named = false;
  for (const BadRecord& bad : c.bad) {
    named |= absl::StrContains(bad.message, "symlink loop") ||
             absl::StrContains(bad.message, "Too many levels of symbolic links");
  }
  EXPECT_TRUE(named);
}

TEST(Reader, AnEntryThatCannotBeReadIsReportedAndTheRestIsRead) {
  TempTree tree;
  tree.Write("a.txt", "Title\nBody one.\n");
  std::filesystem::create_symlink(tree.Path("gone.txt"), tree.Path("b.txt"));  // dangling
  tree.Write("c.txt", "Title\nBody three.\n");
  Collected c = ReadPaths({tree.root()});
  EXPECT_THAT(Ids(c), ::testing::ElementsAre("a", "c"));
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_THAT(c.bad[0].input, HasSubstr("b.txt"));
}

TEST(Reader, BinaryGarbageIsMalformedInput) {
  std::string garbage(100000, '\0');
  uint32_t state = 7;
  for (char& c : garbage) c = static_cast<char>((state = state * 1103515245u + 12345u) >> 16);
  Collected c = Read("Title\n" + garbage, InputFormat::kSeedText);
  EXPECT_TRUE(c.articles.empty());
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].reason, v1::DeadLetter::MALFORMED_INPUT);
  EXPECT_THAT(c.bad[0].message, HasSubstr("not text"));
}

TEST(JsonLines, ReadsUtf16WithoutAByteOrderMark) {
  std::string bytes = Utf16(u"{\"id\": \"u\", \"body\": \"Stra\u00DFe und mehr\"}\n", true);
  bytes.erase(0, 2);  // no BOM
  Collected c = Read(bytes, InputFormat::kAuto);
  ASSERT_EQ(c.articles.size(), 1u);
  EXPECT_EQ(c.articles[0].body(), "Stra\u00DFe und mehr");
}

TEST(JsonLines, ALineOverTheLimitIsReportedWithItsSizeAndHashAndTheNextIsRead) {
  ReaderOptions options;
  options.max_article_bytes = 1000;  // lines up to 4000 bytes
  const std::string huge = "{\"id\": \"big\", \"body\": \"" + std::string(10000, 'x') + "\"}";
  Collected c = Read(huge + "\n{\"id\": \"ok\", \"body\": \"fine\"}\n", InputFormat::kJsonLines,
                     options);
  ASSERT_EQ(c.articles.size(), 1u);
  EXPECT_EQ(c.articles[0].id(), "ok");
  EXPECT_EQ(c.articles[0].producer().line(), 2);
  ASSERT_EQ(c.bad.size(), 1u);
  EXPECT_EQ(c.bad[0].reason, v1::DeadLetter::TOO_LARGE);
  EXPECT_EQ(c.bad[0].line, 1);
  EXPECT_EQ(c.bad[0].original.size(), 4000u);
  EXPECT_EQ(c.bad[0].original_size, static_cast<int64_t>(huge.size()));
  EXPECT_EQ(c.bad[0].original_sha256, Sha256Hex(huge));
}

TEST(Reader, StopsPromptlyInsideAnEndlessInput) {
  std::atomic<bool> stop{false};
  Collected collected;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    stop.store(true);
  });
  // /dev/zero as JSON Lines: one endless line, skipped past the limit until the stop.
  ArticleReader lines(
      [] {
        ReaderOptions o;
        o.format = InputFormat::kJsonLines;
        return o;
      }(),
      [&](v1::RawArticle&&) { return true; },
      [&](const BadRecord& b) { collected.bad.push_back(b); }, &stop);
  EXPECT_FALSE(lines.ReadInputs({"/dev/zero"}));
  stopper.join();
  EXPECT_EQ(lines.position().input, "/dev/zero");
  EXPECT_EQ(lines.position().next_line, 1);
}

TEST(Reader, AnArticleNotTakenIsWhereReadingResumes) {
  TempTree tree;
  const std::string path = tree.Write("feed.jsonl",
                                      "{\"id\": \"a\", \"body\": \"one\"}\n"
                                      "{\"id\": \"b\", \"body\": \"two\"}\n"
                                      "{\"id\": \"c\", \"body\": \"three\"}\n");
  tree.Write("later.txt", "Title\nBody.\n");
  int taken = 0;
  ArticleReader reader(
      {}, [&](v1::RawArticle&&) { return ++taken < 2; }, [](const BadRecord&) {});
  EXPECT_FALSE(reader.ReadInputs({path, tree.Path("later.txt")}));
  EXPECT_EQ(reader.position().input, path);
  EXPECT_EQ(reader.position().next_line, 2);  // "b" was offered but not taken
  EXPECT_EQ(reader.position().inputs_left, 1u);
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
