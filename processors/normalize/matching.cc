// MatchingForm: the folded text dedupe shingles (NFKC, case fold, accents stripped,
// everything but letters and digits turned into single spaces).
#include <utf8proc.h>

#include <array>
#include <vector>


#include "common/ascii_simd.h"
#include "processors/normalize/normalize.h"
#include "processors/normalize/text.h"

namespace newsflow::normalize {
namespace internal {
namespace {

constexpr utf8proc_option_t kFoldOptions = static_cast<utf8proc_option_t>(
    UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD |
    UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);

// ASCII: lower-case letter or digit to keep, 0 for "becomes a space".
constexpr std::array<char, 128> MakeAsciiFold() {
  std::array<char, 128> fold{};
  for (int c = 0; c < 128; ++c) {
    if (c >= 'a' && c <= 'z') fold[c] = static_cast<char>(c);
    if (c >= 'A' && c <= 'Z') fold[c] = static_cast<char>(c - 'A' + 'a');
    if (c >= '0' && c <= '9') fold[c] = static_cast<char>(c);
  }
  return fold;
}
constexpr std::array<char, 128> kAsciiFold = MakeAsciiFold();

bool IsLetterOrNumber(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// Bytes of the punctuation at p that is a word separator whatever surrounds it, 0 otherwise:
// U+00A0, U+2013, U+2014, U+2018, U+2019, U+201C, U+201D, U+2026.
int CommonSeparatorLength(const char* p, const char* end) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  if (u[0] == 0xC2 && end - p >= 2 && u[1] == 0xA0) return 2;
  if (u[0] != 0xE2 || end - p < 3 || u[1] != 0x80) return 0;
  switch (u[2]) {
    case 0x93: case 0x94: case 0x98: case 0x99: case 0x9C: case 0x9D: case 0xA6:
      return 3;
    default:
      return 0;
  }
}

class Folder {
 public:
  explicit Folder(std::string* out) : out_(out), pending_space_(!out->empty()) {}

  void Fold(std::string_view text) {
    const char* p = text.data();
    const char* const end = p + text.size();
    // ASCII output never exceeds input + 1 byte (a separator): write it straight into a
    // buffer sized for that; non-ASCII runs go through utf8proc and append.
    size_t pos = out_->size();
    out_->resize(pos + static_cast<size_t>(end - p) + 1);
    char* d = out_->data();
    while (p < end) {
#if defined(__SSE2__)
      // Most sixteen-byte blocks of news text are ASCII words with single separators between
      // them: then each separator becomes one space and each letter or digit its lower case,
      // byte for byte, in one store.
      if (end - p >= 16 && FoldBlock(p, d, &pos)) {
        p += 16;
        continue;
      }
#endif
      unsigned char c = static_cast<unsigned char>(*p);
      if (c < 0x80) {
        char folded = kAsciiFold[c];
        if (folded != 0) {
          if (pending_space_ && pos > 0 && d[pos - 1] != ' ') d[pos++] = ' ';
          pending_space_ = false;
          d[pos++] = folded;
          ++p;
          // the rest of the word
#if defined(__SSE2__)
          // Sixteen bytes at a time: all are lower-cased and stored, the word's advance pos.
          // (Stays inside the buffer: pos exceeds the input offset by at most 1.)
          while (end - p >= 16) {
            const AsciiBlock block = ClassifyAscii16(p);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(d + pos), block.lower);
            const int run = __builtin_ctz(~block.word);  // bit 16 up is set: at most 16
            pos += static_cast<size_t>(run);
            p += run;
            if (run < 16) break;
          }
#endif
          while (p < end && static_cast<unsigned char>(*p) < 0x80 &&
                 (folded = kAsciiFold[static_cast<unsigned char>(*p)]) != 0) {
            d[pos++] = folded;
            ++p;
          }
        } else {
          pending_space_ = true;
          ++p;
        }
        continue;
      }
      // Curly quotes, dashes, the ellipsis and the no-break space separate words (as utf8proc
      // would find); news text is full of them, so they skip the call.
      if (const int len = CommonSeparatorLength(p, end); len > 0) {
        pending_space_ = true;
        p += len;
        continue;
      }
      // A run of non-ASCII characters goes through utf8proc in one call.
      const char* q = p;
      while (q < end && static_cast<unsigned char>(*q) >= 0x80) ++q;
      out_->resize(pos);
      FoldNonAscii(std::string_view(p, static_cast<size_t>(q - p)));
      p = q;
      pos = out_->size();
      out_->resize(pos + static_cast<size_t>(end - p) + 1);
      d = out_->data();
    }
    out_->resize(pos);
  }

 private:
#if defined(__SSE2__)
  // The sixteen bytes at p, folded into d at *pos as the byte rules would, when they are all
  // ASCII and no two separators are adjacent (across the block's start either); else false
  // and nothing is written. The output is never longer than the input plus one byte, and the
  // caller's buffer has that room.
  bool FoldBlock(const char* p, char* d, size_t* pos) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    if (_mm_movemask_epi8(x) != 0) return false;  // a byte >= 0x80
    const AsciiBlock block = ClassifyAscii16(p);
    const unsigned separators = ~block.word & 0xFFFFu;
    if ((separators & (separators >> 1)) != 0) return false;
    const bool starts_with_separator = (separators & 1u) != 0;
    size_t at = *pos;
    if (starts_with_separator) {
      // Before any output a separator writes nothing. After a pending one it writes the
      // single space both stand for (the pending one wrote nothing).
      if (at == 0) return false;
    } else if (pending_space_ && at > 0) {
      d[at++] = ' ';  // the output never ends with a space between calls
    }
    // Word bytes lower-cased, then separators as spaces (about three a block).
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d + at), block.lower);
    for (unsigned bits = separators; bits != 0; bits &= bits - 1) {
      d[at + static_cast<size_t>(__builtin_ctz(bits))] = ' ';
    }
    // A separator ending the block is pending: the next word writes it.
    const bool ends_with_separator = (separators & 0x8000u) != 0;
    *pos = at + (ends_with_separator ? 15 : 16);
    pending_space_ = ends_with_separator;
    return true;
  }
#endif

  void EmitSpaceIfPending() {
    if (pending_space_ && !out_->empty() && out_->back() != ' ') out_->push_back(' ');
    pending_space_ = false;
  }

  void FoldNonAscii(std::string_view run) {
    thread_local std::vector<utf8proc_int32_t> buffer;
    if (buffer.size() < run.size() * 2 + 16) buffer.resize(run.size() * 2 + 16);
    const auto* src = reinterpret_cast<const utf8proc_uint8_t*>(run.data());
    utf8proc_ssize_t n = utf8proc_decompose(src, static_cast<utf8proc_ssize_t>(run.size()),
                                            buffer.data(),
                                            static_cast<utf8proc_ssize_t>(buffer.size()),
                                            kFoldOptions);
    if (n > static_cast<utf8proc_ssize_t>(buffer.size())) {
      buffer.resize(static_cast<size_t>(n));
      n = utf8proc_decompose(src, static_cast<utf8proc_ssize_t>(run.size()), buffer.data(), n,
                             kFoldOptions);
    }
    if (n < 0) {  // invalid UTF-8: cannot happen after repair; treat as a separator
      pending_space_ = true;
      return;
    }
    n = utf8proc_normalize_utf32(buffer.data(), n, kFoldOptions);
    if (n < 0) {
      pending_space_ = true;
      return;
    }
    for (utf8proc_ssize_t i = 0; i < n; ++i) {
      utf8proc_int32_t cp = buffer[static_cast<size_t>(i)];
      if (cp < 0x80) {
        char folded = kAsciiFold[static_cast<size_t>(cp)];
        if (folded != 0) {
          EmitSpaceIfPending();
          out_->push_back(folded);
        } else {
          pending_space_ = true;
        }
      } else if (IsLetterOrNumber(cp)) {
        EmitSpaceIfPending();
        AppendUtf8(static_cast<char32_t>(cp), out_);
      } else {
        pending_space_ = true;
      }
    }
  }

  std::string* out_;
  bool pending_space_;
};

}  // namespace

void AppendMatchingForm(std::string_view text, std::string* out) {
  Folder folder(out);
  folder.Fold(text);
  // A separator that ended the text is not kept: the output never ends with a space.
  if (!out->empty() && out->back() == ' ') out->pop_back();
}

}  // namespace internal

namespace {

// Bytes of the whitespace at text[t]: ASCII whitespace, or the no-break space, which the
// normalizer turns into a space and the matching form into a separator; else 0.
size_t WhitespaceAt(std::string_view text, size_t t) {
  const char c = text[t];
  if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v') return 1;
  return c == '\xC2' && t + 1 < text.size() && text[t + 1] == '\xA0' ? 2 : 0;
}

}  // namespace

bool SameTextUpToWhitespace(std::string_view text, const std::vector<std::string>& paragraphs) {
  const size_t n = text.size();
  size_t t = 0;
  // Skips whitespace in `text`; returns whether there was any.
  auto skip_whitespace = [&] {
    const size_t from = t;
    while (t < n) {
      const size_t length = WhitespaceAt(text, t);
      if (length == 0) break;
      t += length;
    }
    return t > from;
  };
  skip_whitespace();
  bool first = true;
  bool gap = false;  // whitespace after the previous paragraph
  for (const std::string& paragraph : paragraphs) {
    if (paragraph.empty()) return false;
    // Between two paragraphs the text must have whitespace: "end.Start" folds to one word.
    if (!first && !gap) return false;
    first = false;
    const std::string_view p = paragraph;
    size_t i = 0;
    while (i < p.size()) {
#if defined(__SSE2__)
      while (i + 16 <= p.size() && t + 16 <= n) {
        const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p.data() + i));
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + t));
        const unsigned equal = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(a, b)));
        if (equal == 0xFFFFu) {
          i += 16;
          t += 16;
          continue;
        }
        const int same = __builtin_ctz(~equal);
        i += static_cast<size_t>(same);
        t += static_cast<size_t>(same);
        break;
      }
      if (i >= p.size()) break;
#endif
      if (t >= n) return false;
      if (p[i] == text[t]) {
        ++i;
        ++t;
      } else if (i > 0 && p[i - 1] == ' ' && WhitespaceAt(text, t) > 0) {
        skip_whitespace();  // more whitespace in the text than the paragraph's one space
      } else if (p[i] == ' ' && WhitespaceAt(text, t) > 0) {
        ++i;  // other whitespace in the place of the space
        skip_whitespace();
      } else {
        return false;
      }
    }
    gap = skip_whitespace();
  }
  return !first && t == n;
}

std::string MatchingForm(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  internal::AppendMatchingForm(text, &out);
  return out;
}

}  // namespace newsflow::normalize
