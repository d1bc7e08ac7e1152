// Google Benchmark for the dedupe stage: articles/s against indexes of growing size, and
// resident memory per indexed article. Synthetic articles (no data files needed).
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <benchmark/benchmark.h>

#include "processors/dedupe/dedupe.h"

namespace newsflow::dedupe {
namespace {

const std::vector<std::string>& Vocabulary() {
  static const auto* vocabulary = [] {
    auto* v = new std::vector<std::string>;
    for (int i = 0; i < 50000; ++i) v->push_back("w" + std::to_string(i * 7919 % 100003));
    return v;
  }();
  return *vocabulary;
}

// A synthetic article in matching form, words drawn from a Zipf-like distribution;
// 650 words is about 4 KB, the size of a typical wire story.
std::string SyntheticArticle(std::mt19937_64& random, int words) {
  std::string text;
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < words; ++i) {
    const size_t index = static_cast<size_t>(std::pow(unit(random), 3) * Vocabulary().size());
    if (!text.empty()) text.push_back(' ');
    text += Vocabulary()[index];
  }
  return text;
}

int64_t ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  int64_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * sysconf(_SC_PAGESIZE);
}

// An index holding `index_size` short articles (cap = index_size when `full`, else
// index_size + 1M), built once per process: Google Benchmark calls a benchmark function
// several times while it settles the iteration count, and filling a 1M index takes longer
// than the measurement. Later calls go on where the previous one stopped (the index then
// holds a few more articles, or stays full at its cap).
struct PrefilledIndex {
  std::unique_ptr<Deduper> deduper;
  int64_t processed = 0;  // articles processed after the prefill, over all calls
};
PrefilledIndex& PrefilledIndexOf(int64_t index_size, bool full) {
  static auto* indexes = new std::map<std::pair<int64_t, bool>, PrefilledIndex>;
  PrefilledIndex& index = (*indexes)[{index_size, full}];
  if (index.deduper == nullptr) {
    std::mt19937_64 random(7);
    DedupeOptions options;
    options.max_articles = static_cast<size_t>(index_size) + (full ? 0 : 1'000'000);
    index.deduper = std::make_unique<Deduper>(options);
    for (int64_t i = 0; i < index_size; ++i) {
      index.deduper->Process({"pre" + std::to_string(i), "", SyntheticArticle(random, 60), i + 1, ""});
    }
  }
  return index;
}

// Time per 4 KB article once the index holds range(0) articles (fresh, unique text each
// iteration, so every article is shingled, looked up and inserted). range(1) = 1: the cap is
// the index size (a full index at the default 1M cap: each insertion evicts the oldest).
void BM_ProcessAgainstIndex(benchmark::State& state) {
  const int64_t index_size = state.range(0);
  PrefilledIndex& index = PrefilledIndexOf(index_size, state.range(1) != 0);
  Deduper& deduper = *index.deduper;
  std::mt19937_64 random(9);
  std::vector<std::string> articles;
  for (int i = 0; i < 512; ++i) articles.push_back(SyntheticArticle(random, 650));
  int64_t n = 0, bytes = 0;
  std::string text;
  for (auto _ : state) {
    // A unique tail keeps every article from being an exact duplicate of an earlier one.
    const int64_t k = index.processed + n;
    text = articles[k % articles.size()];
    text += " unique";
    text += std::to_string(k);
    benchmark::DoNotOptimize(deduper.Process({"a" + std::to_string(k), "", text, index_size + k + 1, ""}));
    bytes += static_cast<int64_t>(text.size());
    ++n;
  }
  index.processed += n;
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(bytes);
  state.counters["indexed"] = static_cast<double>(deduper.stats().indexed_articles);
}
// The /0 rows let the index grow during the run (a fast machine adds ~200k articles to the
// 10k index while measuring); the /1 rows hold it at its size, so they are the scaling table.
BENCHMARK(BM_ProcessAgainstIndex)
    ->Args({10'000, 0})
    ->Args({100'000, 0})
    ->Args({1'000'000, 0})
    ->Args({10'000, 1})
    ->Args({100'000, 1})
    ->Args({1'000'000, 1})
    ->Unit(benchmark::kMicrosecond)
    ->MinTime(2.0);

// Resident memory growth per indexed article (index structures included); range(1) = 1
// gives every article a canonical URL (as real feeds have), 0 none. Run each row in its own
// process and without repetitions: a later run reuses the heap an earlier one freed, so its
// RSS growth reads low (down to 0).
void BM_MemoryPerIndexedArticle(benchmark::State& state) {
  const int64_t count = state.range(0);
  const bool with_url = state.range(1) != 0;
  std::mt19937_64 random(11);
  std::vector<std::string> texts;
  for (int i = 0; i < 1024; ++i) texts.push_back(SyntheticArticle(random, 650));
  for (auto _ : state) {
    DedupeOptions options;
    options.max_articles = static_cast<size_t>(count);
    const int64_t before = ResidentBytes();
    {
      Deduper deduper{options};
      std::string text;
      for (int64_t i = 0; i < count; ++i) {
        text = texts[i % texts.size()];
        text += " unique";
        text += std::to_string(i);
        deduper.Process({"id-" + std::to_string(i),
                         with_url ? "https://example.com/news/2026/11/28/story-" + std::to_string(i) : "",
                         text, i + 1, ""});
      }
      state.counters["bytes_per_article"] =
          static_cast<double>(ResidentBytes() - before) / static_cast<double>(count);
      state.counters["indexed"] = static_cast<double>(deduper.stats().indexed_articles);
    }
  }
}
BENCHMARK(BM_MemoryPerIndexedArticle)
    ->Args({100'000, 0})
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 1})
    ->Iterations(1)
    ->Unit(benchmark::kSecond);

}  // namespace
}  // namespace newsflow::dedupe

namespace newsflow::dedupe {
namespace {

// Shingling + signature alone, no index.
void BM_Signature(benchmark::State& state) {
  std::mt19937_64 random(3);
  const std::string text = SyntheticArticle(random, 650);
  Deduper deduper{DedupeOptions{}};
  int shingles = 0;
  for (auto _ : state) benchmark::DoNotOptimize(deduper.Signature(text, &shingles));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_Signature);

}  // namespace
}  // namespace newsflow::dedupe
