// Throughput of the normalization stage: a ~4 KB plain-text article, a ~50 KB HTML page,
// real pages from the shared extraction benchmark (when present), and the helpers.
#include <benchmark/benchmark.h>
#ifdef NEWSFLOW_HAVE_ZLIB
#include <zlib.h>
#endif

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "processors/normalize/normalize.h"

namespace newsflow::normalize {
namespace {

const char* const kParagraphs[] = {
    "Ministers from 27 European countries and Canada said on Tuesday they had made "
    "\u201Cmajor progress\u201D toward agreeing how to defend Kyiv if a ceasefire is reached, "
    "pledging equipment, training and air, land and sea support to deter any future attack.",
    "The plans discussed at the summit in Paris included a monitoring mission led by the "
    "United States \u2014 a role that would give Washington a direct stake in keeping the peace "
    "along the 1,200-kilometre front line.",
    "Officials said the size of the supporting forces had not been decided, and many details "
    "of the plan, which would only apply once a ceasefire enters into force, remain unclear.",
    "\u201CWe determined what countries are ready to take leadership in the elements of security "
    "guarantees on the ground, in the air and at sea,\u201D Zelenskyy told a news conference at "
    "the \u00C9lys\u00E9e Palace. \u201CWe determined what forces are needed.\u201D",
    "Moscow has revealed few details of its stance in the negotiations. Officials there have "
    "reaffirmed Russia\u2019s demands and insisted there can be no ceasefire until a "
    "comprehensive settlement is agreed, according to state news agencies.",
    "Britain and France said they would establish military hubs across the country and build "
    "protected facilities for weapons and equipment to support its defensive needs, with "
    "construction expected to begin within months of any agreement.",
    "Analysts cautioned that commitments still need to be ratified by each national "
    "parliament, a process that could take until 2027 in some member states and would face "
    "opposition from parties sceptical of new spending.",
    "The meeting was the 15th and largest of the so-called coalition of the willing, bringing "
    "together more heads of state and government than ever before, as well as envoys who "
    "attended in person for the first time.",
    "Markets reacted calmly: the euro rose 0.3% against the dollar and European defence stocks "
    "gained about 2%, extending a rally that began when the talks were announced last month.",
    "A spokesperson for NATO said the alliance welcomed the progress and would continue to "
    "coordinate closely with partners, adding that deterrence remained the best guarantee "
    "against a resumption of fighting.",
};

std::string PlainTextArticle() {
  std::string body = "PARIS (AP) \u2014 ";
  size_t i = 0;
  while (body.size() < 4000) {
    if (i > 0) body += "\n\n";
    body += kParagraphs[i % 10];
    ++i;
  }
  return body;
}

std::string HtmlPage() {
  std::string html =
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
      "<title>Allies praise progress on guarantees | Example News</title>"
      "<meta property=\"og:title\" content=\"Allies praise progress on guarantees\">"
      "<meta property=\"article:published_time\" content=\"2026-01-06T18:04:00Z\">"
      "<link rel=\"canonical\" href=\"https://news.example.com/world/allies-progress\">";
  html += "<style>";
  for (int i = 0; i < 120; ++i) {
    html += ".c" + std::to_string(i) + "{margin:0 auto;padding:4px 8px;color:#333;font:14px/1.4 sans-serif}";
  }
  html += "</style><script>";
  for (int i = 0; i < 100; ++i) {
    html += "window.dataLayer=window.dataLayer||[];dataLayer.push({event:'v" + std::to_string(i) +
            "',section:'world'});";
  }
  html += "</script></head><body><header class=\"site-header\"><nav><ul>";
  for (int i = 0; i < 40; ++i) {
    html += "<li class=\"nav-item\"><a href=\"/section/" + std::to_string(i) + "\">Section " +
            std::to_string(i) + "</a></li>";
  }
  html += "</ul></nav></header><div id=\"cookie-consent\"><p>We use cookies to personalise "
          "content and ads. Accept all?</p><button>Accept</button></div><main><article>"
          "<h1>Allies praise progress on guarantees</h1><p class=\"byline\">By Jane Doe</p>"
          "<figure><img src=\"/a.jpg\"><figcaption>Leaders at the summit in Paris. (AP Photo/"
          "Jane Doe)</figcaption></figure><div class=\"article-body\">";
  for (int i = 0; i < 24; ++i) {
    if (i == 8 || i == 16) html += "<h2>What the plan includes</h2>";
    if (i == 12) {
      html += "<div class=\"ad-slot\"><p>Advertisement</p><iframe src=\"/ad\"></iframe></div>";
    }
    html += "<p>";
    html += kParagraphs[i % 10];
    html += " <a href=\"/topic/" + std::to_string(i) + "\">More on this</a>.</p>";
  }
  html += "</div><section class=\"related-stories\"><h3>Related</h3><ul>";
  for (int i = 0; i < 20; ++i) {
    html += "<li><a href=\"/story/" + std::to_string(i) + "\">Another headline about the "
            "summit and what it means, number " + std::to_string(i) + "</a></li>";
  }
  html += "</ul></section></article><aside class=\"sidebar\">";
  for (int i = 0; i < 20; ++i) {
    html += "<div class=\"teaser\"><a href=\"/t/" + std::to_string(i) +
            "\"><img src=\"/t.jpg\"><span>Most read story number " + std::to_string(i) +
            "</span></a></div>";
  }
  html += "</aside></main><div class=\"comments\">";
  for (int i = 0; i < 20; ++i) {
    html += "<div class=\"comment\"><p>I think this is a very interesting development and "
            "I hope it works out for everyone involved.</p></div>";
  }
  html += "</div><footer><p>Copyright 2026 Example News. All rights reserved.</p></footer>"
          "<script>";
  while (html.size() < 50 * 1024) {
    html += "(function(){var s=document.createElement('script');s.async=true;"
            "s.src='https://cdn.example.com/analytics.js';document.head.appendChild(s);})();";
  }
  html += "</script></body></html>";
  return html;
}

void BM_NormalizePlainText(benchmark::State& state) {
  v1::RawArticle raw;
  raw.set_id("bench-text");
  raw.set_url("https://news.example.com/world/allies-progress?utm_source=rss");
  raw.set_title("Allies praise major progress on defence guarantees");
  raw.set_body(PlainTextArticle());
  raw.set_published_at("Tue, 06 Jan 2026 18:04:00 GMT");
  Normalizer normalizer({});
  for (auto _ : state) {
    auto result = normalizer.Normalize(raw);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(raw.body().size()));
  state.counters["bytes"] = static_cast<double>(raw.body().size());
}
BENCHMARK(BM_NormalizePlainText);

// A JSON Lines record as feeds deliver it (fields, a 4 KB body with escaped quotes and
// non-ASCII), parsed with nlohmann::json into a RawArticle as the producer does, then
// normalized. Bytes = the JSON line.
void BM_NormalizeJsonLine(benchmark::State& state) {
  nlohmann::json record = {
      {"id", "bench-json"},
      {"url", "https://news.example.com/world/allies-progress?utm_source=rss&fbclid=x"},
      {"source", "Example News"},
      {"title", "Allies praise major progress on defence guarantees"},
      {"body", PlainTextArticle()},
      {"published_at", "2026-01-06T14:03:00-05:00"},
      {"content_type", "text/plain; charset=utf-8"}};
  const std::string line = record.dump();
  Normalizer normalizer({});
  for (auto _ : state) {
    nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    v1::RawArticle raw;
    raw.set_id(j["id"].get<std::string>());
    raw.set_url(j["url"].get<std::string>());
    raw.set_source(j["source"].get<std::string>());
    raw.set_title(j["title"].get<std::string>());
    raw.set_body(j["body"].get<std::string>());
    raw.set_published_at(j["published_at"].get<std::string>());
    auto result = normalizer.Normalize(raw);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(line.size()));
  state.counters["bytes"] = static_cast<double>(line.size());
}
BENCHMARK(BM_NormalizeJsonLine);

// The same with only 64 bytes for language detection: what the stage costs besides CLD2.
void BM_NormalizePlainTextMinimalLanguageSample(benchmark::State& state) {
  v1::RawArticle raw;
  raw.set_id("bench-text");
  raw.set_url("https://news.example.com/world/allies-progress?utm_source=rss");
  raw.set_title("Allies praise major progress on defence guarantees");
  raw.set_body(PlainTextArticle());
  raw.set_published_at("Tue, 06 Jan 2026 18:04:00 GMT");
  NormalizeOptions options;
  options.language_sample_bytes = 64;
  Normalizer normalizer(options);
  for (auto _ : state) {
    auto result = normalizer.Normalize(raw);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(raw.body().size()));
}
BENCHMARK(BM_NormalizePlainTextMinimalLanguageSample);

void BM_NormalizeHtml(benchmark::State& state) {
  v1::RawArticle raw;
  raw.set_id("bench-html");
  raw.set_html(HtmlPage());
  Normalizer normalizer({});
  for (auto _ : state) {
    auto result = normalizer.Normalize(raw);
    benchmark::DoNotOptimize(result);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) *
                          static_cast<int64_t>(raw.html().size()));
  state.counters["bytes"] = static_cast<double>(raw.html().size());
}
BENCHMARK(BM_NormalizeHtml);

// The first 40 pages of the trafilatura benchmark, when $NEWSFLOW_SHARED_DATA has them.
void BM_NormalizeRealHtmlPages(benchmark::State& state) {
  const char* env = std::getenv("NEWSFLOW_SHARED_DATA");
  std::vector<v1::RawArticle> pages;
#ifdef NEWSFLOW_HAVE_ZLIB
  if (env != nullptr) {
    std::filesystem::path dir = std::filesystem::path(env) / "extraction" / "trafilatura-eval" / "html";
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& path : files) {
      if (pages.size() >= 40) break;
      gzFile f = gzopen(path.c_str(), "rb");
      if (f == nullptr) continue;
      std::string html;
      char buffer[1 << 16];
      int n;
      while ((n = gzread(f, buffer, sizeof(buffer))) > 0) html.append(buffer, static_cast<size_t>(n));
      gzclose(f);
      v1::RawArticle raw;
      raw.set_id(path.filename().string());
      raw.set_html(html);
      pages.push_back(std::move(raw));
    }
  }
#endif
  if (pages.empty()) {
    state.SkipWithError("NEWSFLOW_SHARED_DATA/extraction/trafilatura-eval not available");
    return;
  }
  Normalizer normalizer({});
  int64_t bytes = 0;
  for (auto _ : state) {
    for (const auto& raw : pages) {
      auto result = normalizer.Normalize(raw);
      benchmark::DoNotOptimize(result);
      bytes += static_cast<int64_t>(raw.html().size());
    }
  }
  state.SetBytesProcessed(bytes);
}
BENCHMARK(BM_NormalizeRealHtmlPages)->Unit(benchmark::kMillisecond);

void BM_MatchingForm(benchmark::State& state) {
  std::string text = PlainTextArticle();
  for (auto _ : state) benchmark::DoNotOptimize(MatchingForm(text));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(text.size()));
}
BENCHMARK(BM_MatchingForm);

void BM_CanonicalizeUrl(benchmark::State& state) {
  const std::string url =
      "HTTPS://www.Example.com:443/world/2026/01/06/allies-progress/amp?utm_source=tw&b=2&a=1#top";
  for (auto _ : state) benchmark::DoNotOptimize(CanonicalizeUrl(url));
}
BENCHMARK(BM_CanonicalizeUrl);

void BM_ParsePublishedAt(benchmark::State& state) {
  std::string out;
  int64_t ms = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(ParsePublishedAt("Tue, 06 Jan 2026 14:03:00 +0000", &out, &ms));
  }
}
BENCHMARK(BM_ParsePublishedAt);

}  // namespace
}  // namespace newsflow::normalize
