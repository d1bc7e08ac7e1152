// The little of HTTP/1.x that newsflow's own endpoints read: the request head (method,
// target, version) of a GET or HEAD without a body. Pure parsing, fuzzed (fuzz/).
#ifndef NEWSFLOW_OBSERVABILITY_HTTP_REQUEST_H_
#define NEWSFLOW_OBSERVABILITY_HTTP_REQUEST_H_

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace newsflow::observability {

struct RequestHead {
  std::string method;  // "GET", "HEAD", ... as sent
  std::string path;    // the target's path, percent-decoding not applied ("/readyz")
  std::map<std::string, std::string> query;  // "?window=3600" -> {"window": "3600"}
};

// Where the head ends in `bytes` (just after the blank line: "\r\n\r\n" or "\n\n"), or
// std::nullopt while it is incomplete.
std::optional<size_t> FindHeadEnd(std::string_view bytes);

// Parses a complete head. std::nullopt for anything that is not "METHOD SP TARGET SP
// HTTP/1.x" with an origin-form target ("/..."), or that has control characters in it.
std::optional<RequestHead> ParseRequestHead(std::string_view head);

}  // namespace newsflow::observability

#endif  // NEWSFLOW_OBSERVABILITY_HTTP_REQUEST_H_
