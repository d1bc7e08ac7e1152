// Ingestion end to end (issue #20): `newsflow poll` against a loopback HTTP server that
// stands in for three sites (tests/fixture_server.py on 127.0.0.1, .2 and .3), publishing to
// the real broker; kill -9 of `poll` and of `produce FILE.warc.gz --checkpoint` mid-run,
// then a restart; and `poll --once --output - | newsflow batch -` without a broker.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "newsflow/v1/article.pb.h"
#include "tests/broker_test_fixture.h"
#include "tests/test_support.h"

namespace newsflow {
namespace {

using ::newsflow::testing::BackgroundProcess;
using ::newsflow::testing::CommandResult;
using ::newsflow::testing::ReadTopic;
using ::newsflow::testing::RunNewsflow;
using ::newsflow::testing::TempDir;
using ::testing::HasSubstr;

std::string RfcDate(int64_t seconds_ago) {
  return absl::FormatTime("%a, %d %b %Y %H:%M:%S GMT",
                          absl::Now() - absl::Seconds(seconds_ago), absl::UTCTimeZone());
}

// tests/fixture_server.py in the background, serving the files of its root directory.
class FixtureServer {
 public:
  explicit FixtureServer(int bulk_items = 5) {
    root_ = dir_.path() + "/root";
    std::filesystem::create_directories(root_);
    for (const char* host : {"127.0.0.1", "127.0.0.2", "127.0.0.3"}) {
      std::filesystem::create_directories(root_ + "/" + host);
    }
    log_ = dir_.path() + "/requests.jsonl";
    const std::string port_file = dir_.path() + "/port";
    pid_ = fork();
    if (pid_ == 0) {
      const std::string script = testing::SourceDir() + "/tests/fixture_server.py";
      const std::string bulk = std::to_string(bulk_items);
      execlp("python3", "python3", script.c_str(), "--root", root_.c_str(), "--log", log_.c_str(),
             "--port-file", port_file.c_str(), "--bulk-items", bulk.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 100 && port_ == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      std::ifstream in(port_file);
      in >> port_;
    }
  }
  ~FixtureServer() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::string Url(const std::string& host, const std::string& path) const {
    return absl::StrCat("http://", host, ":", port_, path);
  }
  // Writes a file of a site ("{{port}}" is replaced when served).
  void Put(const std::string& host, const std::string& path, const std::string& content) const {
    const std::string file = root_ + "/" + host + path;
    std::filesystem::create_directories(std::filesystem::path(file).parent_path());
    std::ofstream(file, std::ios::binary) << content;
  }
  void Rules(const nlohmann::json& rules) const { std::ofstream(root_ + "/rules.json") << rules.dump(); }
  std::vector<nlohmann::json> Requests() const {
    std::vector<nlohmann::json> requests;
    std::ifstream in(log_);
    std::string line;
    while (std::getline(in, line)) requests.push_back(nlohmann::json::parse(line));
    return requests;
  }
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::string root_, log_;
  pid_t pid_ = -1;
  int port_ = 0;
};

std::string Page(const std::string& title) {
  std::string html = "<html><head><title>" + title + "</title></head><body><article><h1>" + title +
                     "</h1>";
  for (int i = 0; i < 4; ++i) {
    absl::StrAppend(&html, "<p>", title, ": paragraph ", i,
                    " says what the officials announced on Monday about the plan, and what "
                    "residents of the district told reporters afterwards.</p>");
  }
  return html + "</article></body></html>";
}

struct RssItem {
  std::string title, path, guid;
};
std::string Rss(const std::string& host, const std::vector<RssItem>& items) {
  std::string xml = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Site " + host +
                    "</title><language>en</language>";
  int age = 0;
  for (const RssItem& item : items) {
    absl::StrAppend(&xml, "<item><title>", item.title, "</title><link>http://", host,
                    ":{{port}}", item.path, "</link><guid isPermaLink=\"false\">", item.guid,
                    "</guid><pubDate>", RfcDate(600 * ++age), "</pubDate></item>");
  }
  return xml + "</channel></rss>";
}

std::vector<v1::RawArticle> RawArticles(const std::vector<kafka::ConsumedMessage>& messages) {
  std::vector<v1::RawArticle> articles;
  for (const kafka::ConsumedMessage& m : messages) {
    v1::RawArticle article;
    EXPECT_TRUE(article.ParseFromString(m.value));
    articles.push_back(article);
  }
  return articles;
}

std::string Path(const std::string& url) { return url.substr(url.find('/', 8)); }

class IngestTest : public testing::BrokerTopicsTest {
 protected:
  std::string NamePrefix() const override { return "i"; }
};

// Three rounds over three sites: items are added, one changes its GUID, one its title.
// Every item is published exactly once; no disallowed path is requested; the unchanged
// feed is answered 304; robots.txt is read once per host; the per-host delay holds.
TEST_F(IngestTest, PollThreeRoundsPublishesEveryItemOnceAndPolitely) {
  FixtureServer server;
  ASSERT_TRUE(server.ok());
  const char* a = "127.0.0.1";
  const char* b = "127.0.0.2";
  const char* c = "127.0.0.3";
  // Site A: an RSS feed, a private path robots.txt forbids.
  server.Put(a, "/robots.txt", "User-agent: *\nDisallow: /private/\n");
  std::vector<RssItem> a_items = {{"A one", "/a/1.html", "a-1"},
                                  {"A two", "/a/2.html", "a-2"},
                                  {"A private", "/private/p.html", "a-p"}};
  server.Put(a, "/feed.rss", Rss(a, a_items));
  for (const char* p : {"/a/1.html", "/a/2.html", "/a/3.html", "/private/p.html"}) {
    server.Put(a, p, Page(absl::StrCat("Site A page ", p)));
  }
  // Site B: Atom, never changes; no robots.txt (404: everything allowed).
  std::string atom = "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"en\">"
                     "<title>Site B</title>";
  for (int i = 1; i <= 2; ++i) {
    absl::StrAppend(&atom, "<entry><id>urn:b:", i, "</id><title>B ", i,
                    "</title><link href=\"/b/", i, ".html\"/><updated>",
                    absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now() - absl::Hours(i),
                                     absl::UTCTimeZone()),
                    "</updated></entry>");
    server.Put(b, absl::StrCat("/b/", i, ".html"), Page(absl::StrCat("Site B story ", i)));
  }
  server.Put(b, "/atom.xml", atom + "</feed>");
  // Site C: a home page announcing a gzip'd feed, robots.txt naming a news sitemap; a
  // redirecting link, a slow page, a page that fails once, a sitemap answering 429 once.
  server.Put(c, "/robots.txt",
             "User-agent: *\nAllow: /\nSitemap: http://127.0.0.3:{{port}}/news-sitemap.xml\n");
  server.Put(c, "/index.html",
             "<html><head><link rel=\"alternate\" type=\"application/rss+xml\" "
             "href=\"/rss.xml\"></head><body>Home</body></html>");
  std::vector<RssItem> c_items = {{"C one", "/r/1", "c-1"},
                                  {"C slow", "/c/slow.html", "c-2"},
                                  {"C flaky", "/c/flaky.html", "c-3"}};
  server.Put(c, "/rss.xml", Rss(c, c_items));
  for (const char* p : {"/c/1.html", "/c/slow.html", "/c/flaky.html", "/s/1.html"}) {
    server.Put(c, p, Page(absl::StrCat("Site C page ", p)));
  }
  server.Put(c, "/news-sitemap.xml",
             absl::StrCat("<?xml version=\"1.0\"?><urlset "
                          "xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" "
                          "xmlns:news=\"http://www.google.com/schemas/sitemap-news/0.9\"><url>"
                          "<loc>http://127.0.0.3:{{port}}/s/1.html</loc><news:news>"
                          "<news:publication><news:name>Site C</news:name><news:language>en"
                          "</news:language></news:publication><news:publication_date>",
                          absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone()),
                          "</news:publication_date><news:title>C sitemap story</news:title>"
                          "</news:news></url></urlset>"));
  server.Rules(nlohmann::json::array(
      {{{"host", c}, {"path", "/rss.xml"}, {"gzip", true}},
       {{"host", c}, {"path", "/r/1"}, {"redirect", "http://127.0.0.3:{{port}}/c/1.html"}},
       {{"host", c}, {"path", "/c/slow.html"}, {"delay_ms", 1200}},
       {{"host", c}, {"path", "/c/flaky.html"}, {"status", 500}, {"times", 1}},
       {{"host", c},
        {"path", "/news-sitemap.xml"},
        {"status", 429},
        {"headers", {{"Retry-After", "1"}}},
        {"times", 1}}}));
  TempDir work;
  const std::string sources = work.Write(
      "sources.txt", absl::StrCat("# three sites\n", server.Url(a, "/feed.rss"), "\n",
                                  server.Url(b, "/atom.xml"), "\n", server.Url(c, "/"), "\n"));
  constexpr int kDelayMs = 300;
  const std::string poll = absl::StrCat("poll --once --sources ", sources, " --state-dir ",
                                        work.path(), "/state --host-delay-ms ", kDelayMs, " ",
                                        TopicFlags());

  // Round 1: the 500 page and the 429 sitemap fail (exit 3); the rest is published.
  CommandResult round1 = RunNewsflow(poll);
  EXPECT_EQ(round1.exit_code, 3) << round1.err;
  EXPECT_THAT(round1.err, HasSubstr("HTTP 429"));
  EXPECT_THAT(round1.err, HasSubstr("discovered a source"));
  std::this_thread::sleep_for(std::chrono::milliseconds(kDelayMs));

  // Round 2: A adds an item; C's first item changes its title; the failures recover.
  a_items.push_back({"A three", "/a/3.html", "a-3"});
  server.Put(a, "/feed.rss", Rss(a, a_items));
  c_items[0].title = "C one, corrected";
  server.Put(c, "/rss.xml", Rss(c, c_items));
  CommandResult round2 = RunNewsflow(poll);
  EXPECT_EQ(round2.exit_code, 0) << round2.err;
  std::this_thread::sleep_for(std::chrono::milliseconds(kDelayMs));

  // Round 3: A's second item changes its GUID, its link stays.
  a_items[1].guid = "a-2-renumbered";
  server.Put(a, "/feed.rss", Rss(a, a_items));
  CommandResult round3 = RunNewsflow(poll);
  EXPECT_EQ(round3.exit_code, 0) << round3.err;
  EXPECT_THAT(round3.err, HasSubstr("0 article(s) delivered"));

  // Published: each item once.
  const std::vector<v1::RawArticle> articles = RawArticles(ReadTopic(brokers_, raw_, 9, 30000));
  std::multiset<std::string> paths;
  for (const v1::RawArticle& article : articles) paths.insert(Path(article.url()));
  EXPECT_EQ(paths, (std::multiset<std::string>{"/a/1.html", "/a/2.html", "/a/3.html", "/b/1.html",
                                               "/b/2.html", "/c/1.html", "/c/slow.html",
                                               "/c/flaky.html", "/s/1.html"}));
  for (const v1::RawArticle& article : articles) {
    EXPECT_THAT(std::string(article.html()), HasSubstr("paragraph 3")) << article.url();
    EXPECT_FALSE(article.fetched_at().empty());
    EXPECT_EQ(article.language(), "en") << article.url();
    if (Path(article.url()) == "/c/1.html") {
      EXPECT_EQ(article.title(), "C one");
    }
    if (Path(article.url()) == "/s/1.html") {
      EXPECT_EQ(article.title(), "C sitemap story");
      EXPECT_EQ(article.producer().format(), "sitemap");
    }
  }

  // What the sites saw.
  const std::vector<nlohmann::json> requests = server.Requests();
  std::map<std::string, std::vector<double>> times;
  std::map<std::string, int> robots;
  std::vector<int> b_feed_statuses;
  for (const nlohmann::json& r : requests) {
    const std::string host = r["host"], path = r["path"];
    EXPECT_EQ(path.rfind("/private/", 0), std::string::npos) << "disallowed path requested";
    EXPECT_EQ(std::string(r["user_agent"]).rfind("newsflow/", 0), 0u);
    times[host].push_back(r["t"]);
    if (path == "/robots.txt") ++robots[host];
    if (host == b && path == "/atom.xml") {
      b_feed_statuses.push_back(r["status"]);
      if (b_feed_statuses.size() > 1) {
        EXPECT_NE(r["if_none_match"], "");
      }
    }
  }
  EXPECT_EQ(b_feed_statuses, (std::vector<int>{200, 304, 304}));
  EXPECT_EQ(robots, (std::map<std::string, int>{{a, 1}, {b, 1}, {c, 1}}));
  for (const auto& [host, arrivals] : times) {
    for (size_t i = 1; i < arrivals.size(); ++i) {
      EXPECT_GE((arrivals[i] - arrivals[i - 1]) * 1000, kDelayMs - 1)
          << host << ": requests " << i - 1 << " and " << i << " came too close together";
    }
  }
}

// --emit-updates publishes an item again when its title changed; without it, never.
TEST(Ingest, PollEmitUpdatesPublishesAChangedTitleAgain) {
  FixtureServer server;
  ASSERT_TRUE(server.ok());
  server.Put("127.0.0.1", "/feed.rss", Rss("127.0.0.1", {{"First title", "/p/1.html", "g1"}}));
  server.Put("127.0.0.1", "/p/1.html", Page("Story one"));
  TempDir work;
  const std::string sources = work.Write("s.txt", server.Url("127.0.0.1", "/feed.rss") + "\n");
  const std::string out = work.path() + "/out.jsonl";
  const std::string poll = absl::StrCat("poll --once --emit-updates --host-delay-ms 0 --sources ",
                                        sources, " --state-dir ", work.path(), "/state --output ",
                                        out);
  ASSERT_EQ(RunNewsflow(poll).exit_code, 0);
  ASSERT_EQ(RunNewsflow(poll).exit_code, 0);  // unchanged: nothing
  server.Put("127.0.0.1", "/feed.rss", Rss("127.0.0.1", {{"Second title", "/p/1.html", "g1"}}));
  CommandResult updated = RunNewsflow(poll);
  ASSERT_EQ(updated.exit_code, 0) << updated.err;
  EXPECT_THAT(updated.err, HasSubstr("(1 updates)"));
  std::istringstream lines(testing::ReadFile(out));
  std::vector<nlohmann::json> written;
  std::string line;
  while (std::getline(lines, line)) written.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(written.size(), 2u);
  EXPECT_EQ(written[0]["title"], "First title");
  EXPECT_EQ(written[1]["title"], "Second title");
  EXPECT_EQ(written[0]["id"], written[1]["id"]);
}

// A feed that fails in every way never stops the others; each failure names its URL.
TEST(Ingest, PollFailingSourcesAreLoggedAndNeverStopTheOthers) {
  FixtureServer server;
  ASSERT_TRUE(server.ok());
  const char* h = "127.0.0.1";
  server.Put(h, "/good.rss", Rss(h, {{"Good", "/g/1.html", "g"}}));
  server.Put(h, "/g/1.html", Page("Good story"));
  server.Put(h, "/garbage.xml", std::string("\x00\x01\x02 not a feed", 14));
  server.Rules(nlohmann::json::array({{{"host", h}, {"path", "/broken.rss"}, {"status", 500}},
                                      {{"host", h}, {"path", "/slow.rss"}, {"delay_ms", 3000}},
                                      {{"host", h}, {"path", "/gone.rss"}, {"status", 410}}}));
  TempDir work;
  const std::string sources = work.Write(
      "s.txt", absl::StrCat(server.Url(h, "/broken.rss"), "\n", server.Url(h, "/slow.rss"), "\n",
                            server.Url(h, "/gone.rss"), "\n", server.Url(h, "/garbage.xml"), "\n",
                            "http://127.0.0.4:1/refused.rss\n", server.Url(h, "/good.rss"), "\n"));
  const std::string out = work.path() + "/out.jsonl";
  CommandResult result = RunNewsflow(
      absl::StrCat("poll --once --host-delay-ms 0 --timeout-ms 1000 --sources ", sources,
                   " --state-dir ", work.path(), "/state --output ", out));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  for (const char* expected : {"broken.rss reason=\"HTTP 500\"", "gone.rss reason=\"HTTP 410\"",
                               "slow.rss reason=", "garbage.xml reason=\"not a feed",
                               "refused.rss reason="}) {
    EXPECT_THAT(result.err, HasSubstr(expected));
  }
  EXPECT_THAT(result.err, HasSubstr("5 failed; 1 article(s) delivered"));
  EXPECT_THAT(testing::ReadFile(out), HasSubstr("Good story"));
}

// /metrics of a running poller: polls by result, items, pages, bytes, queue depth per host.
TEST(Ingest, PollServesHealthAndMetrics) {
  FixtureServer server;
  ASSERT_TRUE(server.ok());
  server.Put("127.0.0.1", "/feed.rss", Rss("127.0.0.1", {{"One", "/p/1.html", "g1"}}));
  server.Put("127.0.0.1", "/p/1.html", Page("Story one"));
  TempDir work;
  const std::string sources = work.Write("s.txt", server.Url("127.0.0.1", "/feed.rss") + "\n");
  const int port = testing::FreePort();
  BackgroundProcess poller(absl::StrCat("poll --http-port ", port, " --host-delay-ms 0 --sources ", sources,
                                        " --state-dir ", work.path(), "/state --output ",
                                        work.path(), "/out.jsonl"));
  httplib::Client client("127.0.0.1", port);
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    auto response = client.Get("/metrics");
    if (response && response->body.find("newsflow_poll_items_published_total 1") != std::string::npos) {
      metrics = response->body;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_FALSE(metrics.empty()) << poller.Log();
  EXPECT_THAT(metrics, HasSubstr("newsflow_poll_polls_total{result=\"new_items\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_poll_pages_fetched_total 1"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_poll_fetched_bytes_total{kind=\"page\"}"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_poll_host_queue_depth{host=\"http://127.0.0.1:"));
  auto ready = client.Get("/readyz");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);
  EXPECT_EQ(poller.Terminate(10000), 0) << poller.Log();
}

// No broker needed: poll writes JSON Lines that batch reads.
TEST(Ingest, PollOnceOutputPipesIntoBatch) {
  FixtureServer server;
  ASSERT_TRUE(server.ok());
  server.Put("127.0.0.1", "/feed.rss",
             Rss("127.0.0.1", {{"Council approves the budget", "/p/1.html", "g1"}}));
  server.Put("127.0.0.1", "/p/1.html",
             "<html><head><meta charset=\"windows-1252\"><title>Budget</title></head><body>"
             "<article><p>The council approved the budget on Monday \x96 after a long debate "
             "about schools and roads in the city.</p><p>The mayor said the vote was a good "
             "day for the city and its residents.</p></article></body></html>");
  TempDir work;
  const std::string sources = work.Write("s.txt", server.Url("127.0.0.1", "/feed.rss") + "\n");
  CommandResult result = RunNewsflow(absl::StrCat(
      "poll --once --host-delay-ms 0 --sources ", sources, " --state-dir ", work.path(),
      "/state --output - 2>/dev/null | ", testing::NewsflowBinary(), " batch -"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const nlohmann::json enriched = nlohmann::json::parse(result.out);
  EXPECT_EQ(enriched["title"], "Council approves the budget");
  // The page was windows-1252: the en dash survived the trip through JSON.
  EXPECT_THAT(result.out, HasSubstr("Monday \u2013 after"));
}

// kill -9 of a polling service mid-run, three times, then a last round: every item
// published, none twice.
TEST_F(IngestTest, PollKilledMidRunPublishesNothingTwice) {
  constexpr int kItemsPerFeed = 20;
  FixtureServer server(kItemsPerFeed);
  ASSERT_TRUE(server.ok());
  TempDir work;
  std::string list;
  int feeds = 0;
  for (const char* host : {"127.0.0.1", "127.0.0.2", "127.0.0.3"}) {
    for (int n = 0; n < 5; ++n) {
      absl::StrAppend(&list, server.Url(host, absl::StrCat("/bulk/feed-", n, ".xml")), "\n");
      ++feeds;
    }
  }
  const int total = feeds * kItemsPerFeed;
  const std::string sources = work.Write("s.txt", list);
  const std::string args = absl::StrCat("--host-delay-ms 20 --sources ", sources, " --state-dir ",
                                        work.path(), "/state ", TopicFlags());
  // Each run is killed a random moment after it committed its first poll (logged at debug
  // level), so that it dies with some feeds published and others in flight.
  std::mt19937 random(20);
  for (int run = 0; run < 3; ++run) {
    BackgroundProcess poller("poll --log-level debug " + args);
    for (int i = 0; i < 600 && poller.Log().find("result=new_items") == std::string::npos; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 300));
    poller.Kill();
  }
  // The kills left work for the last run (otherwise they proved nothing).
  const size_t before_last = ReadTopic(brokers_, raw_, 1, 30000).size();
  EXPECT_GT(before_last, 0u);
  EXPECT_LT(before_last, static_cast<size_t>(total));
  CommandResult last = RunNewsflow("poll --once " + args);
  EXPECT_EQ(last.exit_code, 0) << last.err;
  std::map<std::string, int> copies;
  for (const v1::RawArticle& article : RawArticles(ReadTopic(brokers_, raw_, total, 60000))) {
    ++copies[article.url()];
  }
  EXPECT_EQ(static_cast<int>(copies.size()), total);
  int duplicates = 0;
  for (const auto& [url, n] : copies) duplicates += n - 1;
  // The documented bound: per kill, the items of one poll that the broker acknowledged in
  // the instant before the commit (here at most one feed's 20). Expected: none.
  std::cerr << "poll killed 3 times: " << copies.size() << " items, " << duplicates
            << " published twice\n";
  EXPECT_LE(duplicates, 3 * kItemsPerFeed);
}

// --- produce FILE.warc.gz --checkpoint, killed ----------------------------------------------

// One gzip member per record, as web archives are written.
void AppendGzipMember(const std::string& data, std::string* out) {
  z_stream stream{};
  deflateInit2(&stream, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
  std::string buffer(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(buffer.data());
  stream.avail_out = static_cast<uInt>(buffer.size());
  deflate(&stream, Z_FINISH);
  buffer.resize(stream.total_out);
  deflateEnd(&stream);
  out->append(buffer);
}

std::string WarcRecord(int i) {
  const std::string html = Page(absl::StrCat("Archived story number ", i));
  const std::string http = absl::StrCat(
      "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: ",
      html.size(), "\r\n\r\n", html);
  return absl::StrCat("WARC/1.0\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:rec-", i,
                      ">\r\nWARC-Date: 2026-12-01T10:00:00Z\r\nWARC-Target-URI: "
                      "https://news.example.com/story/", i,
                      "\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: ",
                      http.size(), "\r\n\r\n", http, "\r\n\r\n");
}

TEST_F(IngestTest, ProduceWarcKilledMidRunResumesFromItsCheckpoint) {
  constexpr int kRecords = 3000;
  constexpr int kEvery = 100;
  TempDir work;
  std::string warc;
  for (int i = 0; i < kRecords; ++i) AppendGzipMember(WarcRecord(i), &warc);
  const std::string path = work.Write("archive.warc.gz", warc);
  const std::string checkpoint = work.path() + "/checkpoint.json";
  const std::string args = absl::StrCat("produce ", path, " --checkpoint ", checkpoint,
                                        " --checkpoint-every ", kEvery, " ", TopicFlags());
  for (int kill_after_ms : {700, 1400}) {
    BackgroundProcess producer(args + " --rate 1000");
    std::this_thread::sleep_for(std::chrono::milliseconds(kill_after_ms));
    producer.Kill();
  }
  const size_t before_last = ReadTopic(brokers_, raw_, 1, 30000).size();
  EXPECT_GT(before_last, 0u);
  EXPECT_LT(before_last, static_cast<size_t>(kRecords));
  CommandResult last = RunNewsflow(args);
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_THAT(last.err, HasSubstr("resum"));
  std::map<std::string, int> copies;
  for (const v1::RawArticle& article : RawArticles(ReadTopic(brokers_, raw_, kRecords, 60000))) {
    ++copies[article.producer().record_id()];
  }
  EXPECT_EQ(copies.size(), static_cast<size_t>(kRecords));
  int duplicates = 0;
  for (const auto& [id, n] : copies) duplicates += n - 1;
  std::cerr << "produce killed twice: " << copies.size() << " records, " << duplicates
            << " sent twice (bound " << 2 * kEvery << ")\n";
  // The documented bound: at most one checkpoint batch per kill is sent again.
  EXPECT_LE(duplicates, 2 * kEvery);
}

TEST_F(IngestTest, ProduceWarcDeadLettersAMalformedRecordWithItsOffsetAndGoesOn) {
  TempDir work;
  std::string archive;
  AppendGzipMember(WarcRecord(1), &archive);
  const size_t bad_offset = archive.size();
  AppendGzipMember("WARC/1.0\r\nWARC-Type: response\r\nContent-Length: many\r\n\r\nxx\r\n\r\n",
                   &archive);
  AppendGzipMember(WarcRecord(2), &archive);
  const std::string path = work.Write("bad.warc.gz", archive);
  CommandResult result = RunNewsflow(absl::StrCat("produce ", path, " ", TopicFlags()));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_THAT(result.err, HasSubstr(absl::StrCat(path, ":", bad_offset, ": MALFORMED_INPUT")));
  EXPECT_EQ(ReadTopic(brokers_, raw_, 2, 30000).size(), 2u);
  const std::vector<kafka::ConsumedMessage> letters = ReadTopic(brokers_, dlq_, 1, 30000);
  ASSERT_EQ(letters.size(), 1u);
  v1::DeadLetter letter;
  ASSERT_TRUE(letter.ParseFromString(letters[0].value));
  EXPECT_EQ(letter.reason(), v1::DeadLetter::MALFORMED_INPUT);
  EXPECT_EQ(letter.input(), path);
  EXPECT_EQ(letter.input_offset(), static_cast<int64_t>(bad_offset));
}

}  // namespace
}  // namespace newsflow
