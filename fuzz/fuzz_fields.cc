// libFuzzer target: the field parsers ParsePublishedAt, CanonicalizeUrl and MatchingForm.
#include <cstddef>
#include <cstdint>
#include <string>

#include "processors/normalize/normalize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string input(reinterpret_cast<const char*>(data), size);
  std::string rfc3339;
  int64_t unix_ms = 0;
  (void)newsflow::normalize::ParsePublishedAt(input, &rfc3339, &unix_ms);
  (void)newsflow::normalize::CanonicalizeUrl(input);
  (void)newsflow::normalize::MatchingForm(input);
  return 0;
}
