// Cost of the dashboard's aggregation: adding an article, and a summary over a full window.
//   build/dashboard/aggregator_benchmark
#include <benchmark/benchmark.h>

#include "absl/strings/str_format.h"

#include "dashboard/aggregator.h"

namespace newsflow::dashboard {
namespace {

constexpr int64_t kNow = 1796621301000;

v1::EnrichedArticle MakeArticle(int i) {
  static const char* kCountries[] = {"UA", "US", "FR", "IN", "CN", "BR", "NG", "DE", "JP", "GB"};
  static const char* kRegions[] = {"Europe", "Americas", "Europe", "Asia", "Asia",
                                   "Americas", "Africa", "Europe", "Asia", "Europe"};
  v1::EnrichedArticle a;
  a.set_id("article-" + std::to_string(i));
  a.set_title("A typical headline about the day's events, number " + std::to_string(i));
  a.set_url("https://outlet" + std::to_string(i % 500) + ".example/news/" + std::to_string(i));
  a.set_source("Outlet " + std::to_string(i % 500));
  a.set_language(i % 5 == 0 ? "de" : "en");
  a.mutable_dedup()->set_status(i % 4 == 0 ? v1::DedupVerdict::NEAR_DUPLICATE : v1::DedupVerdict::UNIQUE);
  a.mutable_dedup()->set_cluster_id("article-" + std::to_string(i % 4 == 0 ? i / 40 * 40 : i));
  for (int t = 0; t < 2; ++t) {
    auto* topic = a.add_topics();
    topic->set_code(absl::StrFormat("medtop:%02d000000", 1 + (i + t * 7) % 17));
    topic->set_label("label");
  }
  auto* region = a.add_regions();
  region->set_country_code(kCountries[i % 10]);
  region->set_name(kCountries[i % 10]);
  region->set_role(v1::Region::FOCUS);
  region->set_region(kRegions[i % 10]);
  a.mutable_provenance()->set_ingested_at_ms(kNow - 1000);
  return a;
}

void BM_AddArticle(benchmark::State& state) {
  Aggregator aggregator(AggregatorOptions{});
  std::vector<v1::EnrichedArticle> articles;
  for (int i = 0; i < 4096; ++i) articles.push_back(MakeArticle(i));
  int64_t i = 0;
  for (auto _ : state) {
    const int64_t t = kNow + i;
    aggregator.Add(articles[i % articles.size()], t, t);
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AddArticle);

// A summary over `range(0)` articles in the window (what one /api/summary request costs).
void BM_Summary(benchmark::State& state) {
  Aggregator aggregator(AggregatorOptions{});
  const int n = static_cast<int>(state.range(0));
  for (int i = 0; i < n; ++i) {
    const int64_t t = kNow - 3600 * 1000 + static_cast<int64_t>(i) * 3600 * 1000 / n;
    aggregator.Add(MakeArticle(i), t, t);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(aggregator.Summary(3600 * 1000, kNow, {}));
  }
  state.counters["bytes_per_article"] =
      static_cast<double>(aggregator.ApproximateBytes()) / std::max<size_t>(1, aggregator.articles());
}
BENCHMARK(BM_Summary)->Arg(10000)->Arg(100000)->Arg(1000000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow::dashboard
