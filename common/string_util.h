// Small ASCII string helpers on std::string_view (Debian's Abseil has its own string_view
// type, so its StartsWith/StrContains/... do not take std::string_view).
#ifndef NEWSFLOW_COMMON_STRING_UTIL_H_
#define NEWSFLOW_COMMON_STRING_UTIL_H_

#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

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

// Whether `needle` occurs in `s`. Sixteen start positions at a time are tested for the
// needle's first and last bytes, and only where both match is the rest compared: string_view::
// find calls memchr for the first byte and compares at each hit, slow for needles that start
// with a common letter ("toggle caption" on every paragraph), and glibc's memmem sets up a
// table on each call, which costs more than the search on a short paragraph.
inline bool Contains(std::string_view s, std::string_view needle) {
  const size_t k = needle.size();
  if (k == 0) return true;
  if (k > s.size()) return false;
  if (k == 1) return memchr(s.data(), needle[0], s.size()) != nullptr;
  const size_t last_start = s.size() - k;
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i first = _mm_set1_epi8(needle[0]);
  const __m128i last = _mm_set1_epi8(needle[k - 1]);
  for (; i + 15 <= last_start; i += 16) {  // reads s[i, i + k + 14], inside s
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i + k - 1));
    auto candidates = static_cast<unsigned>(
        _mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last))));
    for (; candidates != 0; candidates &= candidates - 1) {
      const size_t at = i + static_cast<size_t>(__builtin_ctz(candidates));
      if (memcmp(s.data() + at + 1, needle.data() + 1, k - 2) == 0) return true;
    }
  }
#endif
  for (; i <= last_start; ++i) {
    if (s[i] == needle[0] && memcmp(s.data() + i, needle.data(), k) == 0) return true;
  }
  return false;
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
