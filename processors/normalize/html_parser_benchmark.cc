// HTML parsers alone, on the 990 real pages of trafilatura's benchmark: gumbo (what the
// normalizer uses; with the per-page arena it is given, and with malloc) against libxml2's
// HTML parser, the fast alternative in Debian. Parsing only: the tree is built and thrown
// away. What this decided is in docs/PERFORMANCE.md ("HTML parser").
#include <benchmark/benchmark.h>
#include <gumbo.h>
#include <libxml/HTMLparser.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

namespace {

std::vector<std::string> Pages() {
  std::vector<std::string> pages;
  const char* env = std::getenv("NEWSFLOW_SHARED_DATA");
  const std::filesystem::path dir = std::filesystem::path(env == nullptr ? "../shared/data" : env) /
                                    "extraction" / "trafilatura-eval" / "html";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    gzFile file = gzopen(entry.path().c_str(), "rb");
    if (file == nullptr) continue;
    std::string html;
    char buffer[1 << 16];
    int n;
    while ((n = gzread(file, buffer, sizeof(buffer))) > 0) html.append(buffer, static_cast<size_t>(n));
    gzclose(file);
    pages.push_back(std::move(html));
  }
  return pages;
}

const std::vector<std::string>& ThePages() {
  static const std::vector<std::string> pages = Pages();
  return pages;
}

size_t TotalBytes() {
  size_t bytes = 0;
  for (const std::string& page : ThePages()) bytes += page.size();
  return bytes;
}

// A bump allocator like the normalizer's (html_extract.cc), kept minimal.
struct Arena {
  std::vector<char*> blocks;
  char* next = nullptr;
  size_t left = 0;
  ~Arena() { Clear(); }
  void Clear() {
    for (char* b : blocks) std::free(b);
    blocks.clear();
    left = 0;
  }
  static void* Allocate(void* self, size_t size) {
    auto* a = static_cast<Arena*>(self);
    size = (size + 15) & ~size_t{15};
    if (size > a->left) {
      const size_t bytes = std::max<size_t>(size, 64 * 1024);
      a->blocks.push_back(static_cast<char*>(std::malloc(bytes)));
      a->next = a->blocks.back();
      a->left = bytes;
    }
    void* at = a->next;
    a->next += size;
    a->left -= size;
    return at;
  }
  static void Release(void*, void*) {}
};

void BM_Gumbo(benchmark::State& state) {
  if (ThePages().empty()) state.SkipWithError("NEWSFLOW_SHARED_DATA has no extraction pages");
  for (auto _ : state) {
    for (const std::string& page : ThePages()) {
      GumboOptions options = kGumboDefaultOptions;
      options.max_errors = 0;
      GumboOutput* output = gumbo_parse_with_options(&options, page.data(), page.size());
      gumbo_destroy_output(&options, output);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes()));
}

void BM_GumboArena(benchmark::State& state) {
  if (ThePages().empty()) state.SkipWithError("NEWSFLOW_SHARED_DATA has no extraction pages");
  for (auto _ : state) {
    for (const std::string& page : ThePages()) {
      Arena arena;
      GumboOptions options = kGumboDefaultOptions;
      options.max_errors = 0;
      options.allocator = &Arena::Allocate;
      options.deallocator = &Arena::Release;
      options.userdata = &arena;
      benchmark::DoNotOptimize(gumbo_parse_with_options(&options, page.data(), page.size()));
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes()));
}

void BM_Libxml2Html(benchmark::State& state) {
  if (ThePages().empty()) state.SkipWithError("NEWSFLOW_SHARED_DATA has no extraction pages");
  xmlInitParser();
  for (auto _ : state) {
    for (const std::string& page : ThePages()) {
      htmlDocPtr doc = htmlReadMemory(page.data(), static_cast<int>(page.size()), nullptr, "UTF-8",
                                      HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
                                          HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                                          HTML_PARSE_COMPACT);
      xmlFreeDoc(doc);
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * TotalBytes()));
}

BENCHMARK(BM_Gumbo)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_GumboArena)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Libxml2Html)->Unit(benchmark::kMillisecond);

}  // namespace
