#include "processors/normalize/text.h"

#include <utf8proc.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <memory>

namespace newsflow::normalize::internal {
namespace {

// ---------------------------------------------------------------------------------------
// Byte classes for the ASCII fast path of CleanTextBuilder.
enum ByteClass : uint8_t { kNormal = 0, kSpace = 1, kDrop = 2, kMulti = 3 };

constexpr std::array<uint8_t, 256> MakeByteClasses() {
  std::array<uint8_t, 256> classes{};
  for (int b = 0; b < 256; ++b) {
    if (b >= 0x80) {
      classes[b] = kMulti;
    } else if (b == ' ' || (b >= 0x09 && b <= 0x0D)) {
      classes[b] = kSpace;
    } else if (b < 0x20 || b == 0x7F) {
      classes[b] = kDrop;
    } else {
      classes[b] = kNormal;
    }
  }
  return classes;
}
constexpr std::array<uint8_t, 256> kByteClass = MakeByteClasses();

bool IsUnicodeSpace(char32_t cp) {
  switch (cp) {
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return cp >= 0x2000 && cp <= 0x200A;
  }
}

// Invisible characters that only get in the way of matching and display: soft hyphen,
// Mongolian vowel separator, zero-width space, word joiner, BOM, noncharacters U+FFFE/F.
// Zero-width (non-)joiners stay: scripts and emoji need them.
bool IsDroppedInvisible(char32_t cp) {
  switch (cp) {
    case 0xAD:
    case 0x180E:
    case 0x200B:
    case 0x2060:
    case 0xFEFF:
    case 0xFFFE:
    case 0xFFFF:
      return true;
    default:
      return false;
  }
}

// ---------------------------------------------------------------------------------------
// NFC quick check.

bool ComputeNfcStable(char32_t cp) {
  const utf8proc_property_t* prop = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
  if (prop->combining_class != 0) return false;
  // utf8proc marks characters that can be the second of a canonical composition pair
  // with bit 15 of comb_index.
  if (prop->comb_index != UINT16_MAX && (prop->comb_index & 0x8000) != 0) return false;
  if (cp >= 0x1160 && cp < 0x1200) return false;  // Hangul medial vowels and final consonants
  if (prop->comp_exclusion) return false;
  if (prop->decomp_seqindex != UINT16_MAX && prop->decomp_type == 0) {
    // Canonically decomposable: stable only if NFC recomposes it to itself (false for
    // singletons such as U+212B ANGSTROM SIGN and for non-starter decompositions).
    if (cp >= 0x10000) return false;  // rare; let the normalizer decide
    utf8proc_uint8_t encoded[4];
    utf8proc_ssize_t n = utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), encoded);
    utf8proc_uint8_t* composed = nullptr;
    utf8proc_ssize_t m = utf8proc_map(
        encoded, n, &composed, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    bool same = m == n && std::memcmp(composed, encoded, static_cast<size_t>(n)) == 0;
    std::free(composed);
    return same;
  }
  return true;
}

class NfcStableTable {
 public:
  NfcStableTable() {
    bits_.fill(0);
    for (char32_t cp = 0; cp < 0x10000; ++cp) {
      bool stable = cp < 0x300 || (cp >= 0xD800 && cp < 0xE000) || ComputeNfcStable(cp);
      if (stable) bits_[cp >> 6] |= uint64_t{1} << (cp & 63);
    }
  }
  bool Get(char32_t cp) const { return (bits_[cp >> 6] >> (cp & 63)) & 1; }

 private:
  std::array<uint64_t, 0x10000 / 64> bits_;
};

const NfcStableTable& NfcTable() {
  static const NfcStableTable* table = new NfcStableTable();
  return *table;
}

// ---------------------------------------------------------------------------------------
// Numeric character references 0x80-0x9F mean windows-1252 (WHATWG "numeric character
// reference end state").
constexpr char16_t kWindows1252C1[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

bool IsAsciiAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Parses the reference starting at in[pos] == '&'. On success appends the decoded text and
// returns the number of bytes consumed; returns 0 when it is not a reference.
size_t DecodeOneReference(std::string_view in, size_t pos, std::string* out) {
  size_t i = pos + 1;
  if (i >= in.size()) return 0;
  if (in[i] == '#') {
    ++i;
    bool hex = i < in.size() && (in[i] == 'x' || in[i] == 'X');
    if (hex) ++i;
    uint32_t value = 0;
    size_t digits = 0;
    while (i < in.size()) {
      int d = hex ? HexValue(in[i]) : (in[i] >= '0' && in[i] <= '9' ? in[i] - '0' : -1);
      if (d < 0) break;
      if (value <= 0x10FFFF) value = value * (hex ? 16 : 10) + static_cast<uint32_t>(d);
      ++digits;
      ++i;
    }
    if (digits == 0) return 0;
    if (i < in.size() && in[i] == ';') ++i;
    char32_t cp = value;
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
      cp = 0xFFFD;
    } else if (cp >= 0x80 && cp < 0xA0) {
      cp = kWindows1252C1[cp - 0x80];
    }
    AppendUtf8(cp, out);
    return i - pos;
  }
  size_t start = i;
  while (i < in.size() && i - start <= 32 && IsAsciiAlnum(in[i])) ++i;
  if (i == start || i >= in.size() || in[i] != ';') return 0;
  std::string_view value = LookupHtmlEntity(in.substr(start, i - start));
  if (value.empty()) return 0;
  out->append(value);
  return i + 1 - pos;
}

// ---------------------------------------------------------------------------------------
// Plain-text lines.

struct Line {
  std::string_view text;  // without the line terminator
  bool blank = false;
  bool indented = false;
  int32_t length = 0;  // code points, trailing whitespace excluded
  bool ends_sentence = false;
};

bool IsBlankText(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == ' ' || (c >= 0x09 && c <= 0x0D)) {
      ++i;
    } else if (s.compare(i, 2, "\xC2\xA0") == 0) {
      i += 2;
    } else if (s.compare(i, 3, "\xE2\x80\x8B") == 0 || s.compare(i, 3, "\xE3\x80\x80") == 0) {
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

// First non-space character is a lower-case letter (or, with `digits`, a digit): a wrapped
// sentence going on.
bool StartsLowerOrDigit(std::string_view s, bool digits = true) {
  size_t i = 0;
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  if (i >= s.size()) return false;
  int len;
  char32_t cp = DecodeUtf8(s.data() + i, s.size() - i, &len);
  if (cp >= '0' && cp <= '9') return digits;
  if (cp < 0x80) return cp >= 'a' && cp <= 'z';
  return utf8proc_category(static_cast<utf8proc_int32_t>(cp)) == UTF8PROC_CATEGORY_LL;
}

std::vector<Line> SplitLines(std::string_view text) {
  std::vector<Line> lines;
  char sep = '\n';
  if (text.find('\n') == std::string_view::npos && text.find('\r') != std::string_view::npos) {
    sep = '\r';  // classic Mac line ends
  }
  lines.reserve(text.size() / 48 + 1);
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(sep, pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    Line l;
    l.text = line;
    l.blank = IsBlankText(line);
    if (!l.blank) {
      l.indented = line[0] == ' ' || line[0] == '\t' || line.compare(0, 2, "\xC2\xA0") == 0 ||
                   line.compare(0, 3, "\xE3\x80\x80") == 0;
      size_t last = line.find_last_not_of(" \t\f\v");
      std::string_view trimmed = line.substr(0, last + 1);
      l.length = CountCodePoints(trimmed);
      l.ends_sentence = EndsSentence(trimmed);
    }
    lines.push_back(l);
    if (end == text.size()) break;
    pos = end + 1;
  }
  return lines;
}

}  // namespace

// ---------------------------------------------------------------------------------------

char32_t DecodeUtf8(const char* p, size_t n, int* len) {
  unsigned char c = static_cast<unsigned char>(p[0]);
  if (c < 0x80) {
    *len = 1;
    return c;
  }
  int need = c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  if (static_cast<size_t>(need) > n) {
    *len = static_cast<int>(n);
    return 0xFFFD;
  }
  *len = need;
  auto b = [p](int i) { return static_cast<char32_t>(static_cast<unsigned char>(p[i]) & 0x3F); };
  switch (need) {
    case 2:
      return (static_cast<char32_t>(c & 0x1F) << 6) | b(1);
    case 3:
      return (static_cast<char32_t>(c & 0x0F) << 12) | (b(1) << 6) | b(2);
    default:
      return (static_cast<char32_t>(c & 0x07) << 18) | (b(1) << 12) | (b(2) << 6) | b(3);
  }
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

bool IsNfcStable(char32_t cp) {
  if (cp < 0x300) return true;
  if (cp < 0x10000) return NfcTable().Get(cp);
  return ComputeNfcStable(cp);
}

bool DecodeHtmlEntities(std::string_view in, std::string* out) {
  size_t amp = in.find('&');
  if (amp == std::string_view::npos) return false;
  std::string decoded;
  decoded.reserve(in.size());
  size_t copied = 0;
  bool changed = false;
  while (amp != std::string_view::npos) {
    decoded.append(in.data() + copied, amp - copied);
    size_t consumed = DecodeOneReference(in, amp, &decoded);
    if (consumed == 0) {
      decoded.push_back('&');
      copied = amp + 1;
    } else {
      changed = true;
      copied = amp + consumed;
    }
    amp = in.find('&', copied);
  }
  if (!changed) return false;
  decoded.append(in.data() + copied, in.size() - copied);
  out->swap(decoded);
  return true;
}

void CleanTextBuilder::Append(std::string_view in) {
  const char* p = in.data();
  const char* const end = p + in.size();
  while (p < end) {
    // A run of printable ASCII, single spaces between printable characters included, is
    // copied in one go.
    const char* q = p;
#if defined(__SSE2__)
    // Sixteen bytes a step while each is printable ASCII or a space before one (a run does
    // not open with a space); the byte loop below finishes the run.
    if (kByteClass[static_cast<unsigned char>(*q)] == kNormal) {
      const __m128i above_space = _mm_set1_epi8(0x20);
      const __m128i below_del = _mm_set1_epi8(0x7F);
      while (end - q >= 17) {  // reads q[0..16]
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q));
        const __m128i w = _mm_loadu_si128(reinterpret_cast<const __m128i*>(q + 1));
        // Signed compares: bytes >= 0x80 are negative, so not printable ASCII.
        const __m128i v_normal =
            _mm_and_si128(_mm_cmpgt_epi8(v, above_space), _mm_cmplt_epi8(v, below_del));
        const __m128i w_normal =
            _mm_and_si128(_mm_cmpgt_epi8(w, above_space), _mm_cmplt_epi8(w, below_del));
        const __m128i lone_space = _mm_and_si128(_mm_cmpeq_epi8(v, above_space), w_normal);
        const unsigned ok =
            static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(v_normal, lone_space)));
        if (ok != 0xFFFF) {
          q += __builtin_ctz(~ok);
          break;
        }
        q += 16;
      }
    }
#endif
    while (q < end) {
      if (kByteClass[static_cast<unsigned char>(*q)] == kNormal) {
        ++q;
      } else if (*q == ' ' && q != p && q + 1 < end &&
                 kByteClass[static_cast<unsigned char>(q[1])] == kNormal) {
        q += 2;
      } else {
        break;
      }
    }
    if (q != p) {
      if (pending_space_ && !text_.empty()) text_.push_back(' ');
      pending_space_ = false;
      text_.append(p, static_cast<size_t>(q - p));
      p = q;
      continue;
    }
    uint8_t cls = kByteClass[static_cast<unsigned char>(*p)];
    if (cls == kSpace) {
      pending_space_ = true;
      ++p;
      continue;
    }
    if (cls == kDrop) {
      ++p;
      continue;
    }
    int len = 1;
    char32_t cp = DecodeUtf8(p, static_cast<size_t>(end - p), &len);
    if (IsUnicodeSpace(cp)) {
      pending_space_ = true;
    } else if (cp < 0xA0 || IsDroppedInvisible(cp)) {
      // C1 control or invisible: dropped
    } else {
      if (pending_space_ && !text_.empty()) text_.push_back(' ');
      pending_space_ = false;
      text_.append(p, static_cast<size_t>(len));
      if (!IsNfcStable(cp)) needs_nfc_ = true;
    }
    p += len;
  }
}

std::string CleanTextBuilder::Finish() {
  if (needs_nfc_) NfcInPlace(&text_);
  std::string result;
  result.swap(text_);
  pending_space_ = false;
  needs_nfc_ = false;
  return result;
}

std::string CleanText(std::string_view text) {
  CleanTextBuilder builder;
  builder.Append(text);
  return builder.Finish();
}

void NfcInPlace(std::string* text) {
  if (text->empty()) return;
  utf8proc_uint8_t* composed = nullptr;
  utf8proc_ssize_t n =
      utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text->data()),
                   static_cast<utf8proc_ssize_t>(text->size()), &composed,
                   static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
  if (n >= 0) text->assign(reinterpret_cast<const char*>(composed), static_cast<size_t>(n));
  std::free(composed);
}

std::vector<TextBlock> SplitPlainText(std::string_view text, bool* hard_wrapped) {
  std::vector<Line> lines = SplitLines(text);

  // Global shape of the text.
  bool has_blank = false;
  bool seen_text = false;
  int32_t non_blank = 0, indented = 0, mid_range = 0, unterminated = 0, max_length = 0;
  int32_t continued = 0;  // unterminated line followed by a line starting in lower case
  for (size_t i = 0; i < lines.size(); ++i) {
    const Line& line = lines[i];
    if (line.blank) {
      if (seen_text) has_blank = true;
      continue;
    }
    seen_text = true;
    ++non_blank;
    if (line.indented) ++indented;
    if (line.length >= 35 && line.length <= 100) ++mid_range;
    if (!line.ends_sentence) {
      ++unterminated;
      if (i + 1 < lines.size() && !lines[i + 1].blank && StartsLowerOrDigit(lines[i + 1].text)) {
        ++continued;
      }
    }
    max_length = std::max(max_length, line.length);
  }
  // A trailing blank line does not make the text blank-line separated.
  if (has_blank) {
    size_t last = lines.size();
    while (last > 0 && lines[last - 1].blank) --last;
    has_blank = false;
    bool text_before = false;
    for (size_t i = 0; i < last; ++i) {
      if (!lines[i].blank) {
        text_before = true;
      } else if (text_before) {
        has_blank = true;
        break;
      }
    }
  }
  // Hard-wrapped: most lines are of a column width and many end mid-sentence.
  const bool wrapped = non_blank >= 3 && max_length <= 110 && mid_range * 10 >= non_blank * 6 &&
                       unterminated * 10 >= non_blank * 4 && continued * 5 >= non_blank;
  // Indentation separates paragraphs only when it is not on (nearly) every line.
  const bool indent_marks_paragraphs = indented > 0 && indented * 10 < non_blank * 9;
  const int32_t short_line = max_length * 7 / 10;
  if (hard_wrapped != nullptr) *hard_wrapped = wrapped;

  std::vector<TextBlock> blocks;
  CleanTextBuilder builder;
  size_t first_line_end = std::string::npos;
  int lines_in_block = 0;
  const Line* previous = nullptr;
  auto flush = [&]() {
    if (lines_in_block == 0) return;
    TextBlock block;
    block.text = builder.Finish();
    if (first_line_end != std::string::npos &&
        (first_line_end >= block.text.size() || block.text[first_line_end] != ' ')) {
      first_line_end = std::string::npos;  // shifted by NFC; rare
    }
    block.first_line_end = first_line_end;
    if (!block.text.empty()) blocks.push_back(std::move(block));
    lines_in_block = 0;
    first_line_end = std::string::npos;
    previous = nullptr;
  };

  for (const Line& line : lines) {
    if (line.blank) {
      flush();
      continue;
    }
    if (lines_in_block > 0) {
      bool new_paragraph;
      if (indent_marks_paragraphs && line.indented &&
          !(previous != nullptr && !previous->ends_sentence &&
            StartsLowerOrDigit(line.text, /*digits=*/false))) {
        // (an indented line that goes on with a lower-case word continues the sentence)
        new_paragraph = true;
      } else if (wrapped) {
        new_paragraph = previous != nullptr && previous->ends_sentence &&
                        previous->length < short_line;
      } else {
        new_paragraph = !has_blank;
      }
      if (new_paragraph) {
        flush();
      } else {
        if (lines_in_block == 1 && !builder.empty()) first_line_end = builder.size();
        builder.Space();
      }
    }
    builder.Append(line.text);
    ++lines_in_block;
    previous = &line;
  }
  flush();
  return blocks;
}

bool EndsSentence(std::string_view s) {
  // Last character, looking through closing quotes and brackets.
  size_t i = s.size();
  while (i > 0) {
    unsigned char c = static_cast<unsigned char>(s[i - 1]);
    if (c == '"' || c == '\'' || c == ')' || c == ']') {
      --i;
      continue;
    }
    // ’ ” » (E2 80 99, E2 80 9D, C2 BB)
    if (i >= 3 && s.compare(i - 3, 3, "\xE2\x80\x99") == 0) { i -= 3; continue; }
    if (i >= 3 && s.compare(i - 3, 3, "\xE2\x80\x9D") == 0) { i -= 3; continue; }
    if (i >= 2 && s.compare(i - 2, 2, "\xC2\xBB") == 0) { i -= 2; continue; }
    break;
  }
  if (i == 0) return false;
  char c = s[i - 1];
  if (c == '.' || c == '!' || c == '?' || c == ':') return true;
  return i >= 3 && s.compare(i - 3, 3, "\xE2\x80\xA6") == 0;  // …
}

int32_t CountWords(std::string_view text) {
  int32_t words = 0;
  bool in_word = false;
  for (char c : text) {
    bool space = c == ' ' || (c >= 0x09 && c <= 0x0D);
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

int32_t CountCodePoints(std::string_view text) {
  // Code points = bytes that are not UTF-8 continuation bytes (10xxxxxx), eight at a time.
  const char* p = text.data();
  size_t n = text.size();
  size_t continuation = 0;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    uint64_t marks = (w & ~(w << 1) & 0x8080808080808080ULL) >> 7;  // 1 per continuation byte
    continuation += static_cast<size_t>((marks * 0x0101010101010101ULL) >> 56);
  }
  for (; i < n; ++i) continuation += (static_cast<unsigned char>(p[i]) & 0xC0) == 0x80;
  return static_cast<int32_t>(n - continuation);
}

}  // namespace newsflow::normalize::internal
