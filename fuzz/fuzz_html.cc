// libFuzzer target: Normalizer::Normalize on arbitrary HTML page bytes (charset sniffing,
// gumbo parsing, content extraction, structure), with and without a declared charset.
#include <cstddef>
#include <cstdint>
#include <string>

#include "processors/normalize/normalize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const newsflow::normalize::Normalizer normalizer({});
  static const char* const kCharsets[] = {"", "", "utf-8", "windows-1252", "iso-8859-2",
                                          "shift_jis", "utf-16le", "bogus"};
  if (size == 0) return 0;
  // The first byte picks the transport charset label, so both paths get exercised.
  const char* charset = kCharsets[data[0] % (sizeof(kCharsets) / sizeof(kCharsets[0]))];
  newsflow::v1::RawArticle raw;
  raw.set_id("fuzz");
  raw.set_charset(charset);
  raw.set_html(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  (void)normalizer.Normalize(raw);
  return 0;
}
