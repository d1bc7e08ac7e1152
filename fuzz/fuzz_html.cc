// libFuzzer target: Normalizer::Normalize on arbitrary HTML page bytes (charset sniffing,
// the preparation that drops unread attributes, gumbo or libxml2 parsing, content
// extraction, structure), with and without a declared charset.
#include <cstddef>
#include <cstdint>
#include <string>

#include "processors/normalize/normalize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using newsflow::normalize::HtmlParser;
  using newsflow::normalize::NormalizeOptions;
  using newsflow::normalize::Normalizer;
  static const Normalizer gumbo(NormalizeOptions{});
  static const Normalizer libxml2([] {
    NormalizeOptions options;
    options.html_parser = HtmlParser::kLibxml2;
    return options;
  }());
  static const char* const kCharsets[] = {"", "", "utf-8", "windows-1252", "iso-8859-2",
                                          "shift_jis", "utf-16le", "bogus"};
  if (size == 0) return 0;
  // The first byte picks the transport charset label (low bits) and the parser (high bit).
  const char* charset = kCharsets[data[0] % (sizeof(kCharsets) / sizeof(kCharsets[0]))];
  newsflow::v1::RawArticle raw;
  raw.set_id("fuzz");
  raw.set_charset(charset);
  raw.set_html(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  (void)(data[0] & 0x80 ? libxml2 : gumbo).Normalize(raw);
  return 0;
}
