// libFuzzer target: the web-archive reader on arbitrary bytes, plain or gzip (the first
// byte picks the inflater and a small block limit), and every record it returns through the
// HTTP parser and the article classifier: resync after garbage, corrupt and truncated gzip
// members, chunked and compressed bodies.
#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/warc_articles.h"
#include "ingest/warc_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace newsflow::ingest;
  if (size == 0) return 0;
  WarcReaderOptions options;
  options.inflater = data[0] % 2 == 0 ? Inflater::kZlib : Inflater::kIsal;
  options.max_block_bytes = 64 + data[0] * 16;
  newsflow::StringSource source(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  WarcReader reader(&source, options);
  WarcArticleOptions article_options;
  article_options.max_body_bytes = 4096;
  WarcHeader header;
  std::string block;
  for (int i = 0; i < 1000; ++i) {
    const WarcEvent event = reader.Next(&header, &block);
    if (event == WarcEvent::kRecord) {
      (void)RecordToArticle(header, std::move(block), article_options);
    } else if (event != WarcEvent::kTooLarge && event != WarcEvent::kMalformed) {
      break;
    }
  }
  return 0;
}
