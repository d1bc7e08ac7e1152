// Small ASCII string helpers on std::string_view (Debian's Abseil has its own string_view
// type, so its StartsWith/StrContains/... do not take std::string_view).
#ifndef NEWSFLOW_COMMON_STRING_UTIL_H_
#define NEWSFLOW_COMMON_STRING_UTIL_H_

#include <string.h>  // memmem (GNU)

#include <string>
#include <string_view>
#include <vector>

namespace newsflow {

inline char AsciiLowerChar(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }

inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = AsciiLowerChar(c);
  return out;
}

inline bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

inline bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// glibc's memmem, not string_view::find: find calls memchr for the needle's first byte and
// compares from each hit, which is slow for needles that start with a common letter
// ("toggle caption" in every paragraph was 1% of a `batch` run).
inline bool Contains(std::string_view s, std::string_view needle) {
  return memmem(s.data(), s.size(), needle.data(), needle.size()) != nullptr;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLowerChar(a[i]) != AsciiLowerChar(b[i])) return false;
  }
  return true;
}

inline bool IsAsciiWhitespace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

inline std::string_view StripWhitespace(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && IsAsciiWhitespace(s[b])) ++b;
  while (e > b && IsAsciiWhitespace(s[e - 1])) --e;
  return s.substr(b, e - b);
}

inline std::string_view StripTrailingWhitespace(std::string_view s) {
  size_t e = s.size();
  while (e > 0 && IsAsciiWhitespace(s[e - 1])) --e;
  return s.substr(0, e);
}

inline bool ContainsIgnoreCase(std::string_view s, std::string_view needle) {
  return Contains(AsciiLower(s), AsciiLower(needle));
}

// Pieces of `s` between occurrences of `sep` (empty pieces included).
inline std::vector<std::string_view> SplitView(std::string_view s, char sep) {
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (true) {
    size_t end = s.find(sep, start);
    if (end == std::string_view::npos) {
      pieces.push_back(s.substr(start));
      return pieces;
    }
    pieces.push_back(s.substr(start, end - start));
    start = end + 1;
  }
}

// The charset parameter of a MIME type ("text/html; charset=windows-1252", also with spaces
// around "=" or quotes), as written; empty when none.
inline std::string CharsetParameter(std::string_view content_type) {
  const std::string lower = AsciiLower(content_type);
  size_t at = lower.find("charset");
  while (at != std::string::npos) {
    size_t i = at + 7;
    while (i < lower.size() && (lower[i] == ' ' || lower[i] == '\t')) ++i;
    if (i < lower.size() && lower[i] == '=') {
      std::string_view value = StripWhitespace(content_type.substr(i + 1));
      value = StripWhitespace(value.substr(0, value.find(';')));
      if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
        value = value.substr(1, value.size() - 2);
      }
      return std::string(value);
    }
    at = lower.find("charset", at + 7);
  }
  return "";
}

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_STRING_UTIL_H_
