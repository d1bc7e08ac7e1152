// The WARC reader on warcio's, resiliparse's, StormCrawler's and Common Crawl's fixtures
// (../shared/data/ingest/warc; skipped when absent), and on archives built in the test for
// the cases the fixtures do not cover.
#include "ingest/warc_reader.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cctype>
#include <filesystem>
#include <iostream>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "ingest/warc_articles.h"

namespace newsflow::ingest {
namespace {

std::string SharedWarc(const std::string& relative) {
  const char* data = std::getenv("NEWSFLOW_SHARED_DATA");
  return absl::StrCat(data == nullptr ? "../shared/data" : data, "/ingest/warc/", relative);
}

struct Counts {
  std::map<std::string, int> types;  // records read whole, by WARC-Type
  int too_large = 0;
  int malformed = 0;
  bool truncated = false;
  bool error = false;
  std::vector<WarcPosition> positions;
  std::vector<std::string> problems;
  std::vector<std::string> problem_bytes;  // what each malformed event skipped
};

Counts ReadAll(ByteSource* source, WarcReaderOptions options = {}, WarcPosition start = {}) {
  Counts counts;
  WarcReader reader(source, options, nullptr, start);
  WarcHeader header;
  std::string block;
  while (true) {
    const WarcEvent event = reader.Next(&header, &block);
    if (event == WarcEvent::kRecord) {
      ++counts.types[header.Type().empty() ? "unknown" : header.Type()];
      counts.positions.push_back(header.position);
    } else if (event == WarcEvent::kTooLarge) {
      ++counts.too_large;
    } else if (event == WarcEvent::kMalformed) {
      ++counts.malformed;
      counts.problems.push_back(reader.problem());
      counts.problem_bytes.push_back(reader.problem_bytes());
    } else if (event == WarcEvent::kTruncated) {
      counts.truncated = true;
      counts.problems.push_back(reader.problem());
      break;
    } else {
      counts.error = event == WarcEvent::kError;
      break;
    }
  }
  return counts;
}

Counts ReadFile(const std::string& path, WarcReaderOptions options = {}) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) return {};
  FdSource source(fd, true);
  return ReadAll(&source, options);
}

// What each fixture holds, as a reader that reads every record finds it (NOTES in the shared
// data: the same counts as a strict stdlib reader, and more than warcio, which stops at
// whole-file gzip).
struct Fixture {
  const char* path;
  std::map<std::string, int> types;
  int malformed = 0;
  bool truncated = false;
};

const std::vector<Fixture>& Fixtures() {
  static const auto* fixtures = new std::vector<Fixture>{
      {"whirlwind/whirlwind.warc", {{"metadata", 1}, {"request", 1}, {"response", 1}, {"warcinfo", 1}}},
      {"whirlwind/whirlwind.warc.gz", {{"metadata", 1}, {"request", 1}, {"response", 1}, {"warcinfo", 1}}},
      {"whirlwind/whirlwind.warc.wat.gz", {{"metadata", 1}, {"warcinfo", 1}}},
      {"whirlwind/whirlwind.warc.wet.gz", {{"conversion", 1}, {"warcinfo", 1}}},
      {"warcio/test/data/example.warc", {{"request", 2}, {"response", 1}, {"revisit", 1}, {"warcinfo", 2}}},
      {"warcio/test/data/example.warc.gz", {{"request", 2}, {"response", 1}, {"revisit", 1}, {"warcinfo", 2}}},
      // One gzip member for the whole file: warcio refuses it; every record is read here.
      {"warcio/test/data/example-bad-non-chunked.warc.gz",
       {{"request", 2}, {"response", 1}, {"revisit", 1}, {"warcinfo", 2}}},
      {"warcio/test/data/example-bad.warc.gz.bad",
       {{"request", 2}, {"response", 2}, {"revisit", 1}, {"warcinfo", 1}}},
      {"warcio/test/data/example-digest.warc", {{"request", 4}}},
      {"warcio/test/data/example-iana.org-chunked.warc", {{"request", 1}, {"response", 1}, {"warcinfo", 1}}},
      {"warcio/test/data/example-resource.warc.gz", {{"resource", 1}, {"warcinfo", 2}}},
      {"warcio/test/data/example-space-in-target-uri.warc.gz", {{"resource", 1}, {"warcinfo", 1}}},
      // A Content-Length that is too short: two NUL bytes where the next record should start.
      {"warcio/test/data/example-trunc.warc", {{"request", 1}, {"response", 1}, {"warcinfo", 2}}, 1},
      {"warcio/test/data/example-wget-bad-target-uri.warc.gz",
       {{"metadata", 1}, {"request", 1}, {"resource", 2}, {"response", 1}, {"warcinfo", 1}}},
      {"warcio/test/data/example-wrong-chunks.warc.gz", {{"request", 1}, {"response", 1}}},
      {"warcio/test/data/post-test.warc.gz", {{"request", 3}, {"response", 3}}},
      // ARC is not WARC: reported, nothing read.
      {"warcio/test/data/example.arc", {}, 1},
      {"resiliparse/tests/data/warcfile.warc",
       {{"metadata", 16}, {"request", 17}, {"response", 16}, {"warcinfo", 1}}},
      {"resiliparse/tests/data/warcfile.warc.gz",
       {{"metadata", 16}, {"request", 17}, {"response", 16}, {"warcinfo", 1}}},
      {"resiliparse/tests/data/block-sized-records.warc.gz", {{"unknown", 3}}},
      {"resiliparse/tests/data/clueweb-quirk.warc.gz", {{"response", 29}, {"warcinfo", 1}}},
      // Cut inside its only record: a warning, no record.
      {"resiliparse/tests/data/clipped.warc.gz", {}, 0, true},
      {"stormcrawler/external/warc/src/test/resources/test.warc.gz",
       {{"request", 20}, {"response", 18}, {"revisit", 2}, {"warcinfo", 2}}},
      {"stormcrawler/external/warc/src/test/resources/unparsable-date.warc.gz",
       {{"request", 1}, {"response", 1}, {"warcinfo", 1}}},
  };
  return *fixtures;
}

class WarcFixtureTest : public ::testing::TestWithParam<std::tuple<Fixture, Inflater>> {};

TEST_P(WarcFixtureTest, ReadsEveryRecordOfTheFixture) {
  const auto& [fixture, inflater] = GetParam();
  const std::string path = SharedWarc(fixture.path);
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no shared data at " << path;
  WarcReaderOptions options;
  options.inflater = inflater;
  const Counts counts = ReadFile(path, options);
  EXPECT_EQ(counts.types, fixture.types);
  EXPECT_EQ(counts.malformed, fixture.malformed);
  EXPECT_EQ(counts.truncated, fixture.truncated);
  EXPECT_FALSE(counts.error);
}

std::string FixtureName(const ::testing::TestParamInfo<std::tuple<Fixture, Inflater>>& info) {
  std::string name = std::filesystem::path(std::get<0>(info.param).path).filename().string();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name + (std::get<1>(info.param) == Inflater::kZlib ? "_zlib" : "_isal");
}

INSTANTIATE_TEST_SUITE_P(Fixtures, WarcFixtureTest,
                         ::testing::Combine(::testing::ValuesIn(Fixtures()),
                                            ::testing::Values(Inflater::kZlib, Inflater::kIsal)),
                         FixtureName);

// --- Archives built here -------------------------------------------------------------------

std::string Record(const std::string& type, const std::string& block,
                   const std::string& extra_fields = "") {
  return absl::StrCat("WARC/1.1\r\nWARC-Type: ", type,
                      "\r\nWARC-Record-ID: <urn:uuid:", std::hash<std::string>{}(block),
                      ">\r\nWARC-Date: 2026-01-07T10:00:00Z\r\n", extra_fields,
                      "Content-Length: ", block.size(), "\r\n\r\n", block, "\r\n\r\n");
}

std::string Gzip(const std::string& data) {
  z_stream z = {};
  deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, data.size()) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string Response(const std::string& url, const std::string& http) {
  return Record("response", http,
                absl::StrCat("WARC-Target-URI: ", url,
                             "\r\nContent-Type: application/http; msgtype=response\r\n"));
}

std::string Page(int i) {
  return absl::StrCat("<html><head><title>Story ", i, "</title></head><body><p>Paragraph ", i,
                      " of a story that is long enough to be one.</p></body></html>");
}

std::vector<std::string> ManyRecords(int n) {
  std::vector<std::string> records;
  for (int i = 0; i < n; ++i) {
    records.push_back(Record("request", absl::StrCat("GET /", i, " HTTP/1.1\r\n\r\n")));
    records.push_back(Response(absl::StrCat("https://news.example.com/", i),
                               absl::StrCat("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n",
                                            Page(i), std::string(i * 37 % 5000, 'x'))));
  }
  return records;
}

Counts ReadString(const std::string& bytes, WarcReaderOptions options = {},
                  WarcPosition start = {}) {
  StringSource source(bytes);
  if (start.offset > 0) source.Seek(start.offset);
  return ReadAll(&source, options, start);
}

TEST(WarcReader, ResumesAtEveryRecordPositionOfPlainAndGzipArchives) {
  const std::vector<std::string> records = ManyRecords(40);
  std::string plain, per_record, whole;
  for (const std::string& r : records) {
    plain += r;
    per_record += Gzip(r);
  }
  whole = Gzip(plain);  // one member for everything: positions are inside it
  for (const std::string* archive : {&plain, &per_record, &whole}) {
    const Counts all = ReadString(*archive);
    ASSERT_EQ(all.positions.size(), records.size());
    for (size_t i = 0; i < all.positions.size(); i += 7) {
      const Counts rest = ReadString(*archive, {}, all.positions[i]);
      ASSERT_EQ(rest.positions.size(), records.size() - i) << "resumed at record " << i;
      EXPECT_EQ(rest.positions.front().offset, all.positions[i].offset);
      EXPECT_EQ(rest.positions.front().inner, all.positions[i].inner);
    }
  }
}

TEST(WarcReader, ZlibAndIsalReadTheSameBytes) {
  std::string archive;
  for (const std::string& r : ManyRecords(200)) archive += Gzip(r);
  for (bool big_blocks : {false, true}) {
    std::string blocks[2];
    for (Inflater inflater : {Inflater::kZlib, Inflater::kIsal}) {
      StringSource source(archive);
      WarcReaderOptions options;
      options.inflater = inflater;
      options.max_block_bytes = big_blocks ? 1 << 20 : 3000;
      WarcReader reader(&source, options);
      WarcHeader header;
      std::string block;
      WarcEvent event;
      std::string& all = blocks[inflater == Inflater::kIsal];
      while ((event = reader.Next(&header, &block)) == WarcEvent::kRecord ||
             event == WarcEvent::kTooLarge) {
        absl::StrAppend(&all, header.position.offset, ":", block.size(), ":", block);
      }
      EXPECT_EQ(event, WarcEvent::kEnd);
    }
    EXPECT_EQ(blocks[0], blocks[1]);
  }
}

TEST(WarcReader, SkipsABlockLargerThanTheLimitUnreadAndGoesOn) {
  const std::string huge(5 << 20, 'z');
  const std::string archive = Record("warcinfo", "a") + Response("https://x.example/", "HTTP/1.1 200 OK\r\n\r\n" + huge) + Record("request", "b");
  WarcReaderOptions options;
  options.max_block_bytes = 1 << 20;
  StringSource source(archive);
  WarcReader reader(&source, options);
  WarcHeader header;
  std::string block;
  EXPECT_EQ(reader.Next(&header, &block), WarcEvent::kRecord);
  EXPECT_EQ(reader.Next(&header, &block), WarcEvent::kTooLarge);
  EXPECT_EQ(header.Type(), "response");
  EXPECT_TRUE(block.empty());
  EXPECT_EQ(reader.Next(&header, &block), WarcEvent::kRecord);
  EXPECT_EQ(header.Type(), "request");
  EXPECT_EQ(reader.Next(&header, &block), WarcEvent::kEnd);
}

TEST(WarcReader, ACorruptGzipMemberIsReportedAndTheNextOneRead) {
  std::vector<std::string> members;
  for (int i = 0; i < 3; ++i) members.push_back(Gzip(Record("request", absl::StrCat("record ", i, std::string(3000, 'q')))));
  // Damage the deflate data of the middle member (not its header).
  members[1][members[1].size() / 2] ^= 0x55;
  members[1][members[1].size() / 2 + 1] ^= 0x33;
  const Counts counts = ReadString(members[0] + members[1] + members[2]);
  EXPECT_EQ(counts.types.at("request"), 2);
  EXPECT_EQ(counts.malformed, 1);
  ASSERT_FALSE(counts.problems.empty());
  EXPECT_THAT(counts.problems[0], ::testing::HasSubstr("gzip"));
}

TEST(WarcReader, GarbageBetweenPlainRecordsIsReportedAndSkipped) {
  const std::string archive = Record("warcinfo", "one") + "garbage that is not a record\n\n" +
                              Record("request", "two") + Record("request", "three");
  const Counts counts = ReadString(archive);
  EXPECT_EQ(counts.types.at("request"), 2);
  EXPECT_EQ(counts.types.at("warcinfo"), 1);
  EXPECT_EQ(counts.malformed, 1);
  // The bytes skipped are kept for the dead letter: the garbage, up to the next record.
  ASSERT_EQ(counts.problem_bytes.size(), 1u);
  EXPECT_EQ(counts.problem_bytes[0], "garbage that is not a record\n\n");
}

TEST(WarcReader, ATruncatedTailKeepsTheCompleteRecordsBeforeIt) {
  std::string archive;
  for (int i = 0; i < 3; ++i) archive += Gzip(Record("request", absl::StrCat("record ", i)));
  const std::string last = Gzip(Record("response", std::string(10000, 'r')));
  archive += last.substr(0, last.size() / 2);
  for (Inflater inflater : {Inflater::kZlib, Inflater::kIsal}) {
    WarcReaderOptions options;
    options.inflater = inflater;
    const Counts counts = ReadString(archive, options);
    EXPECT_EQ(counts.types.at("request"), 3);
    EXPECT_TRUE(counts.truncated);
  }
}

// --- HTTP messages and articles --------------------------------------------------------------

TEST(HttpResponse, DechunksAndDecodesTheBody) {
  HttpResponseMessage message;
  std::string problem;
  ASSERT_TRUE(ParseHttpResponse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nHello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n",
      1 << 20, &message, &problem))
      << problem;
  EXPECT_EQ(message.status, 200);
  EXPECT_EQ(message.body, "Hello, world");
  ASSERT_TRUE(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" +
                                    Gzip("<html>compressed</html>"),
                                1 << 20, &message, &problem))
      << problem;
  EXPECT_EQ(message.body, "<html>compressed</html>");
  // Crawlers store bodies de-chunked but keep the header: such a body is left as it is.
  ASSERT_TRUE(ParseHttpResponse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n<html>x</html>",
                                1 << 20, &message, &problem));
  EXPECT_EQ(message.body, "<html>x</html>");
  EXPECT_FALSE(ParseHttpResponse("GET / HTTP/1.1\r\n\r\n", 1 << 20, &message, &problem));
  EXPECT_THAT(problem, ::testing::HasSubstr("not an HTTP response"));
  EXPECT_FALSE(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8bnot gzip at all",
                                 1 << 20, &message, &problem));
}

WarcArticle Classify(const std::string& record, const WarcArticleOptions& options = {}) {
  StringSource source(record);
  WarcReader reader(&source, {});
  WarcHeader header;
  std::string block;
  EXPECT_EQ(reader.Next(&header, &block), WarcEvent::kRecord);
  return RecordToArticle(header, std::move(block), options);
}

TEST(WarcArticles, AnHtmlResponseWithStatus200BecomesARawArticle) {
  const WarcArticle a = Classify(Response(
      "https://www.example.com/world/story?x=1",
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=windows-1252\r\n\r\n<html>page</html>"));
  ASSERT_EQ(a.skip, WarcSkip::kNone);
  ASSERT_FALSE(a.malformed) << a.problem;
  EXPECT_EQ(a.article.url(), "https://www.example.com/world/story?x=1");
  EXPECT_EQ(a.article.html(), "<html>page</html>");
  EXPECT_EQ(a.article.charset(), "windows-1252");
  EXPECT_EQ(a.article.source(), "example.com");
  EXPECT_EQ(a.article.fetched_at(), "2026-01-07T10:00:00Z");
  EXPECT_THAT(a.article.id(), ::testing::StartsWith("urn:uuid:"));
  EXPECT_EQ(a.article.producer().record_id(), a.article.id());
}

TEST(WarcArticles, EverythingElseIsSkippedWithItsReason) {
  EXPECT_EQ(Classify(Record("request", "GET / HTTP/1.1\r\n\r\n")).skip, WarcSkip::kRequest);
  EXPECT_EQ(Classify(Record("warcinfo", "software: x")).skip, WarcSkip::kWarcinfo);
  EXPECT_EQ(Classify(Record("metadata", "fetchTimeMs: 1")).skip, WarcSkip::kMetadata);
  EXPECT_EQ(Classify(Record("revisit", "HTTP/1.1 200 OK\r\n\r\n")).skip, WarcSkip::kRevisit);
  EXPECT_EQ(Classify(Record("resource", "<html></html>")).skip, WarcSkip::kOtherType);
  EXPECT_EQ(Classify(Response("https://a.example/", "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\n\r\n<html></html>")).skip,
            WarcSkip::kNon200);
  EXPECT_EQ(Classify(Response("https://a.example/x.png", "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\n\x89PNG")).skip,
            WarcSkip::kNonHtml);
  const WarcArticle bad = Classify(Response("https://a.example/", "nonsense"));
  EXPECT_TRUE(bad.malformed);
}

TEST(WarcArticles, FiltersByHostAndDate) {
  const HostFilter hosts({"bbc.co.uk", "apnews.com", "blog.example.org"});
  WarcArticleOptions options;
  options.hosts = &hosts;
  auto page = [](const std::string& url) {
    return Response(url, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html></html>");
  };
  EXPECT_EQ(Classify(page("https://www.bbc.co.uk/news/1"), options).skip, WarcSkip::kNone);
  EXPECT_EQ(Classify(page("https://apnews.com/a"), options).skip, WarcSkip::kNone);
  EXPECT_EQ(Classify(page("https://blog.example.org/a"), options).skip, WarcSkip::kNone);
  // Never a substring: a look-alike host, a parent of an exact host, a sibling.
  EXPECT_EQ(Classify(page("https://notbbc.co.uk/a"), options).skip, WarcSkip::kHost);
  EXPECT_EQ(Classify(page("https://bbc.co.uk.evil.example/a"), options).skip, WarcSkip::kHost);
  EXPECT_EQ(Classify(page("https://example.org/a"), options).skip, WarcSkip::kHost);
  EXPECT_EQ(Classify(page("https://shop.example.org/a"), options).skip, WarcSkip::kHost);
  WarcArticleOptions dates;
  dates.since_ms = ParseWarcDate("2026-01-08T00:00:00Z");
  EXPECT_EQ(Classify(page("https://a.example/"), dates).skip, WarcSkip::kDate);
  dates.since_ms = ParseWarcDate("2026-01-07T00:00:00Z");
  dates.until_ms = ParseWarcDate("2026-01-07T10:00:00Z");  // until is exclusive
  EXPECT_EQ(Classify(page("https://a.example/"), dates).skip, WarcSkip::kDate);
  dates.until_ms = ParseWarcDate("2026-01-07T10:00:01.5Z");
  EXPECT_EQ(Classify(page("https://a.example/"), dates).skip, WarcSkip::kNone);
}

}  // namespace
}  // namespace newsflow::ingest
