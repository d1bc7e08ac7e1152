// Throughput of the feed and sitemap parser on the 20 real publishers' feeds and sitemaps of
// ../shared/data/ingest/feeds/real (868 KB), with libxml2 (the default) and with pugixml.
// bench/feed_compare.sh runs it next to Python's feedparser on the same files.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "ingest/feed_parser.h"

namespace newsflow::ingest {
namespace {

const std::vector<std::string>& Feeds() {
  static const std::vector<std::string> feeds = [] {
    std::vector<std::string> out;
    const char* data = std::getenv("NEWSFLOW_SHARED_DATA");
    const std::filesystem::path dir =
        std::filesystem::path(data == nullptr ? "../shared/data" : data) / "ingest" / "feeds" / "real";
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      if (entry.path().extension() != ".xml") continue;
      std::ifstream in(entry.path(), std::ios::binary);
      out.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }();
  return feeds;
}

void Parse(benchmark::State& state, XmlParser parser) {
  if (Feeds().empty()) state.SkipWithError("no feeds under NEWSFLOW_SHARED_DATA/ingest/feeds/real");
  FeedParserOptions options;
  options.parser = parser;
  size_t bytes = 0, entries = 0;
  for (const std::string& feed : Feeds()) bytes += feed.size();
  for (auto _ : state) {
    entries = 0;
    for (const std::string& feed : Feeds()) {
      const FeedDocument document = ParseFeed(feed, "", options);
      entries += document.items.size() + document.urls.size();
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["entries"] = static_cast<double>(entries);
  state.counters["feeds_per_s"] =
      benchmark::Counter(static_cast<double>(Feeds().size()), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_FeedsLibxml2(benchmark::State& state) { Parse(state, XmlParser::kLibxml2); }
void BM_FeedsPugixml(benchmark::State& state) { Parse(state, XmlParser::kPugixml); }
BENCHMARK(BM_FeedsLibxml2)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_FeedsPugixml)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow::ingest
