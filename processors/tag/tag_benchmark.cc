// Benchmarks for the tagging stage: Tag() on a ~4 KB news article (items/s) and Create(),
// with and without the shipped topic model (data/models/reuters21578-topics-v3.bin).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "processors/tag/tagger.h"
#include "processors/tag/text_scan.h"
#include "processors/tag/topic_model.h"

namespace newsflow::tag {
namespace {

// A synthetic wire-style article (written for this benchmark), about 4 KB of text.
TagInput BenchmarkArticle() {
  TagInput input;
  input.language = "en";
  input.dateline_place = "BRUSSELS";
  input.title = "EU Ministers Weigh New Sanctions As Ceasefire Talks With Russia Stall";
  const std::vector<std::string> paragraphs = {
      "European Union foreign ministers met in Brussels on Monday to discuss a new package of "
      "sanctions against Russia, as talks on a ceasefire in Ukraine stalled for a third week.",
      "The proposal would target banks, energy exports and shipping companies that officials say "
      "help Moscow evade existing restrictions, according to two diplomats familiar with the "
      "talks.",
      "Germany and France backed the measures, while Hungary and Slovakia said they wanted more "
      "time "
      "to study the impact on their economies, which still rely on Russian natural gas.",
      "Ukrainian President Volodymyr Zelenskyy urged the bloc to move quickly. \"Every week of "
      "delay "
      "costs lives on the front line,\" he told reporters in Kyiv after meeting the Polish prime "
      "minister.",
      "In Washington, the State Department said the United States was coordinating with its allies "
      "and would announce its own measures later in the week. The U.S. Treasury declined to "
      "comment.",
      "Oil prices rose more than 2% on the news, with Brent crude trading above $85 a barrel, "
      "while "
      "European stocks fell as investors weighed the risk of higher energy costs and slower "
      "growth.",
      "The Kremlin dismissed the plan as counterproductive. A spokesman said Russia would respond "
      "\"in a measured way\" and accused Western governments of prolonging the war.",
      "Analysts in London and Paris said the new sanctions were unlikely to change the course of "
      "the "
      "conflict on their own, but could squeeze revenue that funds the military budget.",
      "Meanwhile, Turkey offered again to host direct talks between the two sides in Istanbul, and "
      "China called for restraint, saying dialogue was the only way to end the fighting.",
      "Ministers are expected to return to the issue at a summit next month, where leaders will "
      "also "
      "discuss defence spending, support for refugees and the bloc's enlargement to the Western "
      "Balkans.",
      "Separately, the European Central Bank kept interest rates unchanged on Thursday, citing "
      "uncertainty over energy prices and inflation, and said it stood ready to act if needed.",
      "Farmers protested outside the meeting venue, blocking roads with tractors to demand lower "
      "fuel "
      "taxes and protection against cheap grain imports, police said. No arrests were reported.",
      "Officials said a final decision on the sanctions package could come before the end of the "
      "month, once the legal texts have been reviewed by member states.",
      "In a separate development, the United Nations refugee agency said more than 6 million "
      "people "
      "had left Ukraine since the start of the war, most of them now living in Poland, Germany and "
      "the Czech Republic, and appealed for more funding ahead of the winter.",
      "Diplomats from Japan, Canada and Australia said they would align their own measures with "
      "the "
      "European package, while India and Brazil repeated calls for a negotiated settlement and "
      "said "
      "unilateral sanctions hurt developing economies that depend on food and fertiliser imports.",
      "Back in Brussels, lawmakers in the European Parliament pressed the Commission to close "
      "loopholes that allow Russian oil to reach European markets after being refined in third "
      "countries, a practice several member states have described as legal but politically "
      "damaging.",
      "Shipping data compiled by analysts showed tanker traffic through the Black Sea and the "
      "Turkish "
      "straits largely unchanged over the past month, despite earlier warnings from insurers.",
      "A senior NATO official, speaking on condition of anonymity, said allied air defences in the "
      "region had been strengthened and that the alliance was monitoring Russian military activity "
      "near its eastern flank, including exercises in Belarus close to the Lithuanian border.",
  };
  input.paragraphs = paragraphs;
  return input;
}

size_t ArticleBytes(const TagInput& input) {
  size_t bytes = input.title.size();
  for (const std::string& p : input.paragraphs) bytes += p.size();
  return bytes;
}

// Tags `input` with a tagger made from `options`, reporting articles/s and bytes/s.
void TagBenchmark(benchmark::State& state, const TaggerOptions& options, const TagInput& input) {
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  if (!tagger.ok()) {
    state.SkipWithError(std::string(tagger.status().message()).c_str());
    return;
  }
  for (auto _ : state) {
    TagResult result = (*tagger)->Tag(input);
    benchmark::DoNotOptimize(result);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ArticleBytes(input)));
  state.counters["article_bytes"] = static_cast<double>(ArticleBytes(input));
}

void BM_Tag(benchmark::State& state) { TagBenchmark(state, TaggerOptions(), BenchmarkArticle()); }
BENCHMARK(BM_Tag);

// The tokenizer alone, title and paragraphs as Tag() reads them: the largest single part of
// tagging in a `batch` profile.
void BM_Tokenize(benchmark::State& state) {
  const TagInput input = BenchmarkArticle();
  internal::TokenBuffer buffer;
  for (auto _ : state) {
    buffer.Clear();
    internal::Tokenize(input.title, 0, &buffer);
    for (size_t p = 0; p < input.paragraphs.size(); ++p) {
      internal::Tokenize(input.paragraphs[p], static_cast<uint16_t>(p + 1), &buffer);
    }
    benchmark::DoNotOptimize(buffer.tokens.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * ArticleBytes(input)));
  state.counters["tokens"] = static_cast<double>(buffer.tokens.size());
}
BENCHMARK(BM_Tokenize);

void BM_Create(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(TaggerOptions());
    benchmark::DoNotOptimize(tagger);
  }
}
BENCHMARK(BM_Create)->Unit(benchmark::kMillisecond);

TaggerOptions WithModel() {
  TaggerOptions options;
  options.topic_model_path = NEWSFLOW_TOPIC_MODEL_PATH;
  return options;
}

// The default of `newsflow process` and `batch`: the built-in IPTC top-level model.
TaggerOptions WithDefaultModel() {
  TaggerOptions options;
  options.topic_model_path = kDefaultTopicModel;
  return options;
}

void BM_TagWithDefaultModel(benchmark::State& state) {
  TagBenchmark(state, WithDefaultModel(), BenchmarkArticle());
}
BENCHMARK(BM_TagWithDefaultModel);

void BM_TagWithDefaultModel5KB(benchmark::State& state) {
  TagInput input = BenchmarkArticle();
  const std::vector<std::string> original = input.paragraphs;
  for (size_t k = 0; ArticleBytes(input) < 5000; ++k) {
    input.paragraphs.push_back(original[k % original.size()]);
  }
  TagBenchmark(state, WithDefaultModel(), input);
}
BENCHMARK(BM_TagWithDefaultModel5KB);

// Loading the built-in model from the binary (the default's start-up cost).
void BM_CreateWithDefaultModel(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(WithDefaultModel());
    if (!tagger.ok()) {
      state.SkipWithError(std::string(tagger.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(tagger);
  }
}
BENCHMARK(BM_CreateWithDefaultModel)->Unit(benchmark::kMillisecond);

// Regions + IPTC topics + the fastText model: the configuration the speed target is for.
void BM_TagWithModel(benchmark::State& state) {
  TagBenchmark(state, WithModel(), BenchmarkArticle());
}
BENCHMARK(BM_TagWithModel);

// The upper end of the 3-5 KB range: the same article with paragraphs repeated.
void BM_TagWithModel5KB(benchmark::State& state) {
  TagInput input = BenchmarkArticle();
  const std::vector<std::string> original = input.paragraphs;
  for (size_t k = 0; ArticleBytes(input) < 5000; ++k) {
    input.paragraphs.push_back(original[k % original.size()]);
  }
  TagBenchmark(state, WithModel(), input);
}
BENCHMARK(BM_TagWithModel5KB);

// Gazetteer + lexicon parsing plus loading the 2.2 MB quantized model.
void BM_CreateWithModel(benchmark::State& state) {
  for (auto _ : state) {
    absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(WithModel());
    if (!tagger.ok()) {
      state.SkipWithError(std::string(tagger.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(tagger);
  }
}
BENCHMARK(BM_CreateWithModel)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow::tag
