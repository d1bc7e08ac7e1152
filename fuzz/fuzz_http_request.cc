// libFuzzer target: the request-head parser of newsflow's HTTP endpoints (health, metrics,
// dashboard), which reads bytes from anyone who can connect.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "observability/http_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto end = newsflow::observability::FindHeadEnd(bytes);
  (void)newsflow::observability::ParseRequestHead(end.has_value() ? bytes.substr(0, *end) : bytes);
  return 0;
}
