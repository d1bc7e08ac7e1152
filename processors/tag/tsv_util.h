// Small TSV helpers for the tagger's data loaders (std::string_view based: Debian's Abseil
// has its own absl::string_view type). Internal to tag/.
#ifndef NEWSFLOW_PROCESSORS_TAG_TSV_UTIL_H_
#define NEWSFLOW_PROCESSORS_TAG_TSV_UTIL_H_

#include <algorithm>
#include <charconv>
#include <string_view>
#include <system_error>
#include <vector>

namespace newsflow::tag::internal {

// Calls fn(line_number, line) for every line of `text` (without "\n" / "\r\n").
template <typename Fn>
void ForEachLine(std::string_view text, Fn fn) {
  int line_number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!fn(++line_number, line)) return;
  }
}

// Splits `text` at `sep` (empty fields kept) into *out, which is cleared first (loaders reuse
// one vector for all their lines).
inline void SplitInto(std::string_view text, char sep, std::vector<std::string_view>* out) {
  out->clear();
  size_t start = 0;
  while (true) {
    const size_t end = text.find(sep, start);
    out->push_back(
        text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return;
    start = end + 1;
  }
}

inline std::vector<std::string_view> Split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  SplitInto(text, sep, &out);
  return out;
}

// Number of lines of `text`: a bound for reserving a loader's tables.
inline size_t CountLines(std::string_view text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
}

template <typename T>
bool ParseNumber(std::string_view text, T* value) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace newsflow::tag::internal

#endif  // NEWSFLOW_PROCESSORS_TAG_TSV_UTIL_H_
