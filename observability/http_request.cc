#include "observability/http_request.h"

namespace newsflow::observability {

std::optional<size_t> FindHeadEnd(std::string_view bytes) {
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (bytes[i] != '\n') continue;
    if (i + 1 < bytes.size() && bytes[i + 1] == '\n') return i + 2;
    if (i + 2 < bytes.size() && bytes[i + 1] == '\r' && bytes[i + 2] == '\n') return i + 3;
  }
  return std::nullopt;
}

std::optional<RequestHead> ParseRequestHead(std::string_view head) {
  const size_t line_end = head.find('\n');
  std::string_view line = head.substr(0, line_end);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  for (char c : line) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) return std::nullopt;
  }
  const size_t first_space = line.find(' ');
  if (first_space == std::string_view::npos || first_space == 0) return std::nullopt;
  const size_t second_space = line.find(' ', first_space + 1);
  if (second_space == std::string_view::npos) return std::nullopt;
  const std::string_view method = line.substr(0, first_space);
  const std::string_view target = line.substr(first_space + 1, second_space - first_space - 1);
  const std::string_view version = line.substr(second_space + 1);
  if (version != "HTTP/1.1" && version != "HTTP/1.0") return std::nullopt;
  for (char c : method) {
    if (c < 'A' || c > 'Z') return std::nullopt;
  }
  if (target.empty() || target.front() != '/' || target.find(' ') != std::string_view::npos) {
    return std::nullopt;
  }
  RequestHead request;
  request.method = std::string(method);
  const size_t question = target.find('?');
  request.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      const size_t equals = pair.find('=');
      if (!pair.empty()) {
        request.query[std::string(pair.substr(0, equals))] =
            equals == std::string_view::npos ? "" : std::string(pair.substr(equals + 1));
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  return request;
}

}  // namespace newsflow::observability
