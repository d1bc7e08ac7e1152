// libFuzzer target: the article reader on arbitrary input bytes, as `produce` and `batch`
// read them: encoding detection (UTF-8 BOM, UTF-16 with and without BOM), format sniffing,
// JSON Lines with bounded lines, seed-style text and HTML, all with small limits so that the
// too-large paths run too. The first byte picks the declared format.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "producers/article_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using newsflow::producers::InputFormat;
  if (size == 0) return 0;
  static constexpr InputFormat kFormats[] = {InputFormat::kAuto, InputFormat::kJsonLines,
                                             InputFormat::kSeedText, InputFormat::kHtml};
  newsflow::producers::ReaderOptions options;
  options.max_article_bytes = 256 + data[0];  // small: lines and files run over it
  newsflow::producers::ArticleReader reader(
      options, [](newsflow::v1::RawArticle&& article) { return !article.id().empty(); },
      [](const newsflow::producers::BadRecord&) {});
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  reader.ReadSource(std::make_unique<newsflow::producers::StringSource>(std::move(bytes)), "fuzz",
                    kFormats[data[0] % 4], data[0] % 2 == 0 ? "" : "fuzz-id");
  return 0;
}
