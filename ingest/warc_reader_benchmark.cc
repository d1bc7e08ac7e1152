// Throughput of the web-archive reader: a Common-Crawl-shaped archive held in memory (per
// page a request, a response and a metadata record, each its own gzip member), read record
// by record with zlib and with ISA-L, plain too, and with every response turned into an
// article. Figures are decompressed bytes per second of one core. The pages are the 990 of
// trafilatura's benchmark when $NEWSFLOW_SHARED_DATA has them, else generated ones.
#include <benchmark/benchmark.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/byte_source.h"
#include "ingest/gzip_reader.h"
#include "ingest/warc_articles.h"
#include "ingest/warc_reader.h"

namespace newsflow::ingest {
namespace {

std::string Gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()) + 64, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

std::string Record(const std::string& type, const std::string& uri, const std::string& content_type,
                   const std::string& block) {
  return absl::StrCat("WARC/1.0\r\nWARC-Type: ", type,
                      "\r\nWARC-Date: 2026-12-01T10:00:00Z\r\nWARC-Record-ID: <urn:uuid:", uri.size(),
                      "-", block.size(), ">\r\nWARC-Target-URI: ", uri, "\r\nContent-Type: ",
                      content_type, "\r\nContent-Length: ", block.size(), "\r\n\r\n", block,
                      "\r\n\r\n");
}

std::vector<std::string> Pages() {
  std::vector<std::string> pages;
  const char* data = std::getenv("NEWSFLOW_SHARED_DATA");
  const std::filesystem::path dir =
      std::filesystem::path(data == nullptr ? "../shared/data" : data) / "extraction" /
      "trafilatura-eval" / "html";
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::string gz((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string html, problem;
    if (InflateAll(gz, 64 << 20, &html, &problem)) pages.push_back(std::move(html));
  }
  if (pages.empty()) {
    for (int i = 0; i < 500; ++i) {
      std::string html = "<html><head><title>Story</title></head><body><article>";
      for (int p = 0; p < 40; ++p) {
        absl::StrAppend(&html, "<p>Paragraph ", p, " of story ", i,
                        " reports what the council decided about the budget and the roads.</p>");
      }
      pages.push_back(html + "</article></body></html>");
    }
  }
  return pages;
}

struct Archive {
  std::string gzipped;  // one member per record
  std::string plain;
  size_t records = 0;
};

const Archive& TheArchive() {
  static const Archive archive = [] {
    Archive a;
    int i = 0;
    for (const std::string& html : Pages()) {
      const std::string uri = absl::StrCat("https://news.example.com/story/", i++);
      const std::string request = "GET /story HTTP/1.1\r\nHost: news.example.com\r\n\r\n";
      const std::string response = absl::StrCat(
          "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: ", html.size(), "\r\n\r\n",
          html);
      for (const std::string& record :
           {Record("request", uri, "application/http; msgtype=request", request),
            Record("response", uri, "application/http; msgtype=response", response),
            Record("metadata", uri, "application/warc-fields", "fetchTimeMs: 120\r\n")}) {
        a.plain += record;
        a.gzipped += Gzip(record);
        ++a.records;
      }
    }
    return a;
  }();
  return archive;
}

void ReadAll(benchmark::State& state, const std::string& bytes, Inflater inflater,
             bool articles) {
  const Archive& archive = TheArchive();
  for (auto _ : state) {
    StringSource source(bytes);
    WarcReaderOptions options;
    options.inflater = inflater;
    WarcReader reader(&source, options);
    WarcHeader header;
    std::string block;
    size_t records = 0;
    while (reader.Next(&header, &block) == WarcEvent::kRecord) {
      ++records;
      if (articles) benchmark::DoNotOptimize(RecordToArticle(header, std::move(block), {}));
    }
    if (records != archive.records) state.SkipWithError("not every record was read");
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * archive.plain.size()));
  state.counters["records"] = static_cast<double>(archive.records);
  state.counters["compressed_MB"] = static_cast<double>(bytes.size()) / 1e6;
}

void BM_WarcGzipZlib(benchmark::State& state) {
  ReadAll(state, TheArchive().gzipped, Inflater::kZlib, false);
}
void BM_WarcGzipIsal(benchmark::State& state) {
  ReadAll(state, TheArchive().gzipped, Inflater::kIsal, false);
}
void BM_WarcPlain(benchmark::State& state) {
  ReadAll(state, TheArchive().plain, Inflater::kIsal, false);
}
void BM_WarcGzipIsalToArticles(benchmark::State& state) {
  ReadAll(state, TheArchive().gzipped, Inflater::kIsal, true);
}
BENCHMARK(BM_WarcGzipZlib)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WarcGzipIsal)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WarcPlain)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_WarcGzipIsalToArticles)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace newsflow::ingest
