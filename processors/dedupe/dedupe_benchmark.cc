// Google Benchmark for the dedupe stage: articles/s against indexes of growing size.
#include <cmath>
#include <random>
#include <string>

#include <benchmark/benchmark.h>

#include "processors/dedupe/dedupe.h"

namespace newsflow::dedupe {
namespace {

// A synthetic ~4 KB article in matching form drawn from a Zipf-like vocabulary.
std::string SyntheticArticle(std::mt19937_64& random, int words = 650) {
  static const std::vector<std::string> vocabulary = [] {
    std::vector<std::string> v;
    for (int i = 0; i < 20000; ++i) v.push_back("w" + std::to_string(i * 7919 % 100003));
    return v;
  }();
  std::string text;
  for (int i = 0; i < words; ++i) {
    double u = std::uniform_real_distribution<double>(0, 1)(random);
    size_t index = static_cast<size_t>(std::pow(u, 3) * vocabulary.size());
    if (!text.empty()) text.push_back(' ');
    text += vocabulary[index];
  }
  return text;
}

void BM_ProcessAgainstIndex(benchmark::State& state) {
  const int64_t index_size = state.range(0);
  std::mt19937_64 random(7);
  Deduper deduper{DedupeOptions{}};
  for (int64_t i = 0; i < index_size; ++i) {
    deduper.Process({"pre" + std::to_string(i), "", SyntheticArticle(random, 80), i + 1});
  }
  std::vector<std::string> articles;
  for (int i = 0; i < 256; ++i) articles.push_back(SyntheticArticle(random));
  int64_t n = 0;
  int64_t bytes = 0;
  for (auto _ : state) {
    const std::string& text = articles[n % articles.size()];
    benchmark::DoNotOptimize(
        deduper.Process({"a" + std::to_string(n), "", text, index_size + n + 1}));
    bytes += static_cast<int64_t>(text.size());
    ++n;
  }
  state.SetItemsProcessed(n);
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_ProcessAgainstIndex)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace newsflow::dedupe
