#include "processors/tag/text_scan.h"

#include <utf8proc.h>

// Every token is hashed, most of them under 16 bytes: inlining XXH3 (the same header and
// algorithm as libxxhash, so the same hashes) saves the call into the shared library.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstddef>
#include <cstring>

#include "common/ascii_simd.h"

namespace newsflow::tag::internal {
namespace {

enum class CharKind : uint8_t { kSpace, kPunct, kWord, kApostrophe };
enum class Script : uint8_t { kOther, kHan, kKana };

struct Char {
  int32_t cp = 0;
  uint8_t len = 1;
  CharKind kind = CharKind::kPunct;
  Script script = Script::kOther;
  bool upper = false;
  bool lower = false;
  bool letter = false;
};

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char AsciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

Script ScriptOf(int32_t cp) {
  if ((cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
      (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FA1F)) {
    return Script::kHan;
  }
  if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x31F0 && cp <= 0x31FF) ||
      (cp >= 0xFF66 && cp <= 0xFF9F)) {
    return Script::kKana;
  }
  return Script::kOther;
}

// Properties of the ASCII bytes: bits 0-2 kind, bit 3 upper, bit 4 lower.
struct AsciiTable {
  uint8_t info[128] = {};
  constexpr AsciiTable() {
    for (int b = 0; b < 128; ++b) {
      uint8_t kind = static_cast<uint8_t>(CharKind::kPunct);
      uint8_t bits = 0;
      if (b >= 'a' && b <= 'z') {
        kind = static_cast<uint8_t>(CharKind::kWord);
        bits = 16;
      } else if (b >= 'A' && b <= 'Z') {
        kind = static_cast<uint8_t>(CharKind::kWord);
        bits = 8;
      } else if (b >= '0' && b <= '9') {
        kind = static_cast<uint8_t>(CharKind::kWord);
      } else if (b == ' ' || b == '\t' || b == '\n' || b == '\r' || b == '\f' || b == '\v') {
        kind = static_cast<uint8_t>(CharKind::kSpace);
      } else if (b == '\'') {
        kind = static_cast<uint8_t>(CharKind::kApostrophe);
      }
      info[b] = static_cast<uint8_t>(kind | bits);
    }
  }
};
constexpr AsciiTable kAscii;

// Decodes a non-ASCII character at text[i]; invalid bytes become one-byte punctuation.
[[gnu::noinline]] Char DecodeSlow(std::string_view text, size_t i) {
  Char c;
  utf8proc_int32_t cp = 0;
  const utf8proc_ssize_t n =
      utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                       static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
  if (n <= 0) {
    c.cp = 0xFFFD;
    return c;  // invalid byte: punctuation, length 1
  }
  c.cp = cp;
  c.len = static_cast<uint8_t>(n);
  if (cp == 0x2019 || cp == 0x02BC || cp == 0x2018) {
    c.kind = CharKind::kApostrophe;
    return c;
  }
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
      c.kind = CharKind::kWord;
      c.upper = c.letter = true;
      break;
    case UTF8PROC_CATEGORY_LL:
      c.kind = CharKind::kWord;
      c.lower = c.letter = true;
      break;
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
      c.kind = CharKind::kWord;
      c.letter = true;
      break;
    case UTF8PROC_CATEGORY_MN:
    case UTF8PROC_CATEGORY_MC:
    case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      c.kind = CharKind::kWord;
      break;
    case UTF8PROC_CATEGORY_ZS:
    case UTF8PROC_CATEGORY_ZL:
    case UTF8PROC_CATEGORY_ZP:
      c.kind = CharKind::kSpace;
      break;
    default:
      c.kind = CharKind::kPunct;
  }
  if (c.kind == CharKind::kWord) c.script = ScriptOf(cp);
  return c;
}

// Decodes the character at text[i]. Inlined so that the ASCII path stays in registers.
[[gnu::always_inline]] inline Char Decode(std::string_view text, size_t i) {
  const unsigned char b = static_cast<unsigned char>(text[i]);
  if (b >= 0x80) return DecodeSlow(text, i);
  const uint8_t info = kAscii.info[b];
  Char c;
  c.cp = b;
  c.kind = static_cast<CharKind>(info & 7);
  c.upper = (info & 8) != 0;
  c.lower = (info & 16) != 0;
  c.letter = (info & 24) != 0;
  return c;
}

// Appends the folded form of `c` (case folded, marks stripped) to `out`.
void AppendFolded(std::string_view text, size_t i, const Char& c, FoldedText* out) {
  if (c.cp < 0x80) {
    out->push_back(AsciiLower(static_cast<char>(c.cp)));
    return;
  }
  utf8proc_int32_t buf[8];
  int boundclass = 0;
  const utf8proc_ssize_t n = utf8proc_decompose_char(
      c.cp, buf, 8,
      static_cast<utf8proc_option_t>(UTF8PROC_CASEFOLD | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK),
      &boundclass);
  if (n < 0 || n > 8) {
    out->append(text.data() + i, c.len);
    return;
  }
  for (utf8proc_ssize_t k = 0; k < n; ++k) {
    utf8proc_uint8_t enc[4];
    const utf8proc_ssize_t m = utf8proc_encode_char(buf[k], enc);
    out->append(reinterpret_cast<const char*>(enc), static_cast<size_t>(m));
  }
}

// French and Italian articles and prepositions that elide before a vowel ("l'", "d'",
// "dell'", "jusqu'"), as folded text without the apostrophe.
bool IsElision(std::string_view folded) {
  static constexpr std::string_view kElisions[] = {"l",    "d",    "qu",  "jusqu", "lorsqu",
                                                   "dell", "nell", "all", "dall",  "sull"};
  for (std::string_view e : kElisions) {
    if (folded == e) return true;
  }
  return false;
}

// Korean writes case particles onto the noun ("미국의" of the US, "러시아가", "니카라과와"). The
// folded text holds Hangul as jamo, so the particles are folded the same way once.
const std::vector<std::string>& FoldedKoreanParticles() {
  static const auto* particles = [] {
    // Longer particles first ("에서의" before "의", "에서" before "에").
    static constexpr std::string_view kParticles[] = {
        "에서의", "에서는", "으로는", "에게서", "으로", "에서", "에게", "까지", "부터", "과의",
        "와의",   "에는",   "와는",   "과는",   "하고", "처럼", "보다", "은",   "는",   "이",
        "가",     "의",     "에",     "과",     "와",   "을",   "를",   "도",   "로",   "만"};
    auto* out = new std::vector<std::string>;
    for (std::string_view p : kParticles) {
      FoldedText folded;
      for (size_t i = 0; i < p.size();) {
        const Char c = Decode(p, i);
        AppendFolded(p, i, c, &folded);
        i += c.len;
      }
      out->push_back(std::string(std::string_view(folded)));
    }
    return out;
  }();
  return *particles;
}

// Syllables of folded Hangul (leading consonants U+1100-U+115F, 3 bytes "E1 84 80"-"E1 85 9F"),
// or -1 when `folded` holds anything but jamo.
int HangulSyllables(std::string_view folded) {
  if (folded.size() % 3 != 0) return -1;
  int syllables = 0;
  for (size_t i = 0; i < folded.size(); i += 3) {
    const auto b0 = static_cast<unsigned char>(folded[i]);
    const auto b1 = static_cast<unsigned char>(folded[i + 1]);
    if (b0 != 0xE1 || b1 < 0x84 || b1 > 0x87) return -1;  // U+1100-U+11FF
    if (b1 == 0x84 || (b1 == 0x85 && static_cast<unsigned char>(folded[i + 2]) < 0xA0)) ++syllables;
  }
  return syllables;
}

// Drops trailing particles while at least two syllables stay: "니카라과와" -> "니카라" (and
// the gazetteer's "니카라과" -> "니카라" alike), "인도" and "오만" stay whole.
void StripKoreanParticles(FoldedText* folded, size_t begin) {
  if (HangulSyllables(std::string_view(*folded).substr(begin)) < 3) return;
  for (bool stripped = true; stripped;) {
    stripped = false;
    const std::string_view word = std::string_view(*folded).substr(begin);
    for (const std::string& p : FoldedKoreanParticles()) {
      if (word.size() <= p.size() || word.substr(word.size() - p.size()) != p) continue;
      if (HangulSyllables(word.substr(0, word.size() - p.size())) < 2) continue;
      folded->resize(folded->size() - p.size());
      stripped = true;
      break;
    }
  }
}

bool IsSentenceEnd(int32_t cp) {
  return cp == '.' || cp == '!' || cp == '?' || cp == ':' || cp == ';' || cp == '\n' ||
         cp == 0x3002 /* 。 */ || cp == 0xFF01 || cp == 0xFF1F;
}

}  // namespace

uint64_t HashFolded(std::string_view folded) { return XXH3_64bits(folded.data(), folded.size()); }

namespace {

template <bool kFastPath>
void TokenizeImpl(std::string_view text, uint16_t segment, TokenBuffer* out) {
  const size_t n = text.size();
  out->folded.Reserve(n);
  size_t i = 0;
  int punct_chars = 0;  // non-space characters since the previous token
  bool comma = false;
  bool sentence = true;
  // Adds what the text before the token says of it, and the token with its hash.
  auto emit = [&](Token& token, uint64_t hash) {
    if (punct_chars > 0) token.flags |= kPunctBefore;
    if (comma && punct_chars == 1) token.flags |= kCommaBefore;
    if (sentence) token.flags |= kSentenceStart;
    punct_chars = 0;
    comma = false;
    sentence = false;
    token.hash = hash;
    out->tokens.push_back(token);
  };
  while (i < n) {
    if (kFastPath && text[i] == ' ') {  // the space between words: nothing to note
      ++i;
      continue;
    }
#if defined(__SSE2__)
    // Fast path: an ASCII word of at most 15 letters and digits, ended by the end of the
    // text, ASCII space or punctuation other than an apostrophe (a possessive, an elision)
    // or, after a single character, a period (an abbreviation such as "U.S."). That is most
    // words of most text; one sixteen-byte block gives its folded form, case flags and end,
    // where the general path below takes each character through Decode. Both give the same
    // token (Tokenizer.FastPathGivesTheSameTokensAsTheGeneralPath).
    if (kFastPath) {
      const auto b = static_cast<unsigned char>(text[i]);
      if (b < 0x80 && (kAscii.info[b] & 7) == static_cast<uint8_t>(CharKind::kWord)) {
        AsciiBlock block;
        if (n - i >= 16) {
          block = ClassifyAscii16(text.data() + i);
        } else {  // the last word of a title, a paragraph or a name: padded with NULs
          alignas(16) char tail[16] = {};
          std::memcpy(tail, text.data() + i, n - i);
          block = ClassifyAscii16(tail);
        }
        const unsigned run = static_cast<unsigned>(__builtin_ctz(~block.word));  // 1..16
        // What ends the word; the end of the text ends it as a space would.
        const auto end =
            i + run >= n ? ' ' : static_cast<unsigned char>(text[i + (run & 15)]);
        if (run < 16 && end < 0x80 && end != '\'' && !(end == '.' && run == 1)) {
          const unsigned in_run = (1u << run) - 1;
          const unsigned letters = block.letters & in_run;
          const unsigned uppers = block.uppers & in_run;
          // The whole block is stored past the end (FoldedText keeps room for it) and the
          // word's bytes kept.
          FoldedText& folded = out->folded;
          folded.Reserve(16);
          const char* lower = folded.data() + folded.size();
          _mm_storeu_si128(reinterpret_cast<__m128i*>(folded.data() + folded.size()),
                           block.lower);
          Token token;
          token.segment = segment;
          token.fold_begin = static_cast<uint32_t>(folded.size());
          token.fold_len = static_cast<uint16_t>(run);
          folded.resize(folded.size() + run);
          if (letters != 0 && ((uppers >> __builtin_ctz(letters)) & 1) != 0) {
            token.flags |= kInitialUpper;
          }
          if (uppers != 0 && (letters & ~uppers) == 0) token.flags |= kAllUpper;
          emit(token, XXH3_64bits(lower, run));
          i += run;
          continue;
        }
      }
    }
#endif
    Char c = Decode(text, i);
    if (c.kind != CharKind::kWord) {
      if (c.kind != CharKind::kSpace) {
        ++punct_chars;
        comma |= c.cp == ',';
      }
      if (IsSentenceEnd(c.cp)) sentence = true;
      i += c.len;
      continue;
    }
    Token token;
    token.segment = segment;
    token.fold_begin = static_cast<uint32_t>(out->folded.size());
    bool has_upper = false;
    bool has_lower = false;
    bool initial_upper = false;
    bool seen_letter = false;
    int chars = 0;
    const Script script = c.script;
    auto take = [&](const Char& ch, size_t at) {
      AppendFolded(text, at, ch, &out->folded);
      if (ch.letter && !seen_letter) {
        seen_letter = true;
        initial_upper = ch.upper;
      }
      has_upper |= ch.upper;
      has_lower |= ch.lower;
      ++chars;
    };
    take(c, i);
    const bool first_is_letter = c.letter;
    i += c.len;
    if (script != Script::kHan) {
      FoldedText& folded = out->folded;
      while (i < n) {
        // Fast path: a run of ASCII letters and digits, folded into `folded` in one append
        // (a push_back per byte re-checks capacity and rewrites the terminator each time).
        if (script == Script::kOther) {
          uint8_t run_bits = 0;  // OR of the run's kAscii entries; only bits 8 and 16 are read
          size_t j = i;
#if defined(__SSE2__)
          // Sixteen bytes at a time: where the letters and digits end, and their case.
          while (n - j >= 16) {
            const AsciiBlock block = ClassifyAscii16(text.data() + j);
            const int run = __builtin_ctz(~block.word);  // bit 16 up is set: at most 16
            const unsigned in_run = (1u << run) - 1;
            const unsigned letters = block.letters & in_run;
            const unsigned uppers = block.uppers & in_run;
            if (!seen_letter && letters != 0) {
              seen_letter = true;
              initial_upper = (uppers >> __builtin_ctz(letters)) & 1;
            }
            if (uppers != 0) run_bits |= 8;
            if ((letters & ~uppers) != 0) run_bits |= 16;
            j += static_cast<size_t>(run);
            if (run < 16) break;
          }
#endif
          while (j < n) {
            const unsigned char b = static_cast<unsigned char>(text[j]);
            if (b >= 0x80) break;
            const uint8_t info = kAscii.info[b];
            if ((info & 7) != static_cast<uint8_t>(CharKind::kWord)) break;
            if (!seen_letter && (info & 24)) {
              seen_letter = true;
              initial_upper = (info & 8) != 0;
            }
            run_bits |= info;
            ++j;
          }
          if (j > i) {
            const size_t at = folded.size();
            folded.append(text.data() + i, j - i);
            if (run_bits & 8) {
              for (size_t k = at; k < folded.size(); ++k) folded[k] = AsciiLower(folded[k]);
            }
            has_upper |= (run_bits & 8) != 0;
            has_lower |= (run_bits & 16) != 0;
            chars += static_cast<int>(j - i);
            i = j;
            if (i >= n) break;
          }
        }
        Char d = Decode(text, i);
        if (d.kind == CharKind::kWord && d.script == script) {
          take(d, i);
          i += d.len;
          continue;
        }
        if (d.kind == CharKind::kApostrophe && i + d.len < n) {
          Char e = Decode(text, i + d.len);
          if (e.kind == CharKind::kWord && e.letter && e.script == script) {
            i += d.len;
            if (IsElision(std::string_view(out->folded).substr(token.fold_begin))) {
              // "l'Allemagne", "d'Israël", "dell'Ucraina": the word is what follows.
              out->folded.resize(token.fold_begin);
              has_upper = has_lower = seen_letter = initial_upper = false;
              chars = 0;
              take(e, i);
              i += e.len;
            } else {
              out->folded.push_back('\'');
            }
            continue;
          }
        }
        // Dotted abbreviation: single letter, '.', letter, '.' ... ("U.S.", "U.S.S.R.").
        if (d.cp == '.' && chars == 1 && first_is_letter && c.cp < 0x80 && i + 2 < n &&
            IsAsciiAlpha(text[i + 1]) && text[i + 2] == '.') {
          out->folded.push_back('.');
          ++i;
          while (i + 1 < n && IsAsciiAlpha(text[i]) && text[i + 1] == '.') {
            Char l = Decode(text, i);
            take(l, i);
            out->folded.push_back('.');
            i += 2;
          }
        }
        break;
      }
    }
    // Drop a possessive "'s"; note a plural possessive ("Allies'").
    FoldedText& f = out->folded;
    const size_t len = f.size() - token.fold_begin;
    if (len > 2 && f[f.size() - 2] == '\'' && f.back() == 's') {
      f.resize(f.size() - 2);
      token.flags |= kPossessive;
    } else if (len > 1 && i < n) {
      const Char d = Decode(text, i);
      if (d.kind == CharKind::kApostrophe &&
          (i + d.len >= n || Decode(text, i + d.len).kind != CharKind::kWord)) {
        token.flags |= kPossessive;  // plural possessive: "allies' "
      }
    }
    if (script == Script::kOther && c.cp >= 0xAC00 && c.cp <= 0xD7A3) {
      StripKoreanParticles(&f, token.fold_begin);
    }
    token.fold_len = static_cast<uint32_t>(f.size() - token.fold_begin);
    if (token.fold_len == 0) continue;
    if (initial_upper) token.flags |= kInitialUpper;
    if (has_upper && !has_lower) token.flags |= kAllUpper;
    emit(token, HashFolded(out->Folded(token)));
  }
}

}  // namespace

void Tokenize(std::string_view text, uint16_t segment, TokenBuffer* out) {
  TokenizeImpl<true>(text, segment, out);
}

void TokenizeWithoutFastPath(std::string_view text, uint16_t segment, TokenBuffer* out) {
  TokenizeImpl<false>(text, segment, out);
}

std::string FoldPhrase(std::string_view text) {
  TokenBuffer buffer;
  Tokenize(text, 0, &buffer);
  std::string out;
  for (const Token& t : buffer.tokens) {
    if (!out.empty()) out.push_back(' ');
    out.append(buffer.Folded(t));
  }
  return out;
}

namespace {

bool StartsWithUpper(std::string_view text, size_t i) {
  if (i >= text.size()) return false;
  const Char c = Decode(text, i);
  return c.upper;
}

// Length of a dash-like separator at text[i] ("—", "–", "--", "-" + space/end), else 0.
size_t SeparatorAt(std::string_view text, size_t i) {
  if (i >= text.size()) return 0;
  if (text[i] == ':') return 1;
  if (text.substr(i, 3) == "\xE2\x80\x94" || text.substr(i, 3) == "\xE2\x80\x93") return 3;
  if (text.substr(i, 2) == "--") return 2;
  if (text[i] == '-' && (i + 1 == text.size() || text[i + 1] == ' ')) return 1;
  return 0;
}

}  // namespace

DatelineParts ParseDateline(std::string_view paragraph) {
  constexpr size_t kMaxPrefix = 80;
  constexpr int kMaxPlaceWords = 4;
  size_t i = 0;
  const size_t n = paragraph.size();
  while (i < n && (paragraph[i] == ' ' || paragraph[i] == '\t')) ++i;
  const size_t place_begin = i;
  int words = 0;
  while (words < kMaxPlaceWords && StartsWithUpper(paragraph, i)) {
    ++words;
    while (i < n) {
      const Char c = Decode(paragraph, i);
      if (c.kind == CharKind::kWord || c.kind == CharKind::kApostrophe || c.cp == '.' ||
          (c.cp == '-' && i + 1 < n && paragraph[i + 1] != '-' && paragraph[i + 1] != ' ')) {
        i += c.len;
      } else {
        break;
      }
    }
    if (i + 1 < n && paragraph[i] == ' ' && StartsWithUpper(paragraph, i + 1) &&
        words < kMaxPlaceWords) {
      ++i;  // another capitalised word of the place
      continue;
    }
    break;
  }
  if (words == 0) return {};
  DatelineParts parts;
  parts.place = paragraph.substr(place_begin, i - place_begin);
  auto skip_spaces = [&]() {
    while (i < n && paragraph[i] == ' ') ++i;
  };
  // ", Feb 26" / ", Calif., Feb 26" / ", India"
  if (i < n && paragraph[i] == ',') {
    const size_t comma = i;
    ++i;
    while (i < n && i - comma <= 30 && paragraph[i] != '(' && SeparatorAt(paragraph, i) == 0 &&
           !(paragraph[i] == ' ' && SeparatorAt(paragraph, i + 1) != 0)) {
      ++i;
    }
    if (i - comma > 30) return {};
    size_t q_begin = comma + 1;
    size_t q_end = i;
    while (q_begin < q_end && paragraph[q_begin] == ' ') ++q_begin;
    while (q_end > q_begin && paragraph[q_end - 1] == ' ') --q_end;
    parts.qualifier = paragraph.substr(q_begin, q_end - q_begin);
  }
  skip_spaces();
  // "(AP)", "(Reuters)"
  if (i < n && paragraph[i] == '(') {
    const size_t close = paragraph.find(')', i);
    if (close == std::string_view::npos || close - i > 24) return {};
    i = close + 1;
  }
  skip_spaces();
  if (i > kMaxPrefix) return {};
  if (i < n) {
    const size_t separator = SeparatorAt(paragraph, i);
    if (separator == 0) return {};
    i += separator;
  }
  parts.end = i;  // a bare dateline ("PARIS (AP)") or place ends the text
  return parts;
}

size_t OpeningDatelineSkip(std::string_view first_paragraph, std::string_view dateline_place) {
  const DatelineParts opening = ParseDateline(first_paragraph);
  if (opening.place.empty()) return 0;
  if (!dateline_place.empty()) {
    DatelineParts given = ParseDateline(dateline_place);
    if (given.place.empty()) given.place = dateline_place;
    if (FoldPhrase(opening.place) != FoldPhrase(given.place)) return 0;
  }
  return opening.end;
}

std::string_view ExtractDatelinePlace(std::string_view paragraph) {
  return ParseDateline(paragraph).place;
}

}  // namespace newsflow::tag::internal
