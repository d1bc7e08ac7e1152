// libFuzzer target: Normalizer::Normalize on arbitrary plain-text bodies and titles
// (UTF-8 repair, entities, paragraph splitting, captions, bylines, datelines, sub-headings,
// language, matching form). Bodies that look like HTML take the HTML path, as in production.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "processors/normalize/normalize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const newsflow::normalize::Normalizer normalizer({});
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // A first line of the input (up to a newline, at most 300 bytes) doubles as the title and
  // the dateline hint, so repeated-title and hint logic see related text.
  size_t newline = input.find('\n');
  std::string_view title = input.substr(0, newline == std::string_view::npos ? 0 : newline);
  if (title.size() > 300) title = title.substr(0, 300);
  newsflow::v1::RawArticle raw;
  raw.set_id("fuzz");
  raw.set_title(std::string(title));
  raw.set_body(std::string(input));
  if (size > 0 && data[0] % 3 == 0) (*raw.mutable_attributes())["dateline"] = std::string(title);
  (void)normalizer.Normalize(raw);
  return 0;
}
