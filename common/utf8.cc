#include "common/utf8.h"

#include <simdjson.h>
#include <utf8proc.h>

#include <cstdint>
#include <cstring>

namespace newsflow {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

uint64_t Load8(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

// True when all 8 bytes are printable ASCII (0x20-0x7E): no control character, no DEL, no
// byte above ASCII. Whole words of article text mostly are.
bool AllPrintableAscii(uint64_t word) {
  const uint64_t below_space = (word - 0x20 * kOnes) & ~word;
  const uint64_t del = word ^ (0x7F * kOnes);
  const uint64_t is_del = (del - kOnes) & ~del;
  return ((word | below_space | is_del) & kHighBits) == 0;
}

// Length of the valid sequence at `data`, or -1 when invalid.
utf8proc_ssize_t ValidSequenceLength(const char* data, size_t remaining) {
  utf8proc_int32_t code_point = 0;
  return utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(data),
                          static_cast<utf8proc_ssize_t>(remaining), &code_point);
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  // simdjson's validator (SIMD, 16-32 bytes a step) is several times faster than a per-
  // character check on non-ASCII text; the same definition: no overlong forms, surrogates or
  // code points above U+10FFFF.
  return simdjson::validate_utf8(text.data(), text.size());
}

int RepairUtf8(std::string* text) {
  if (IsValidUtf8(*text)) return 0;
  std::string repaired;
  repaired.reserve(text->size() + 16);
  int replaced = 0;
  size_t i = 0;
  while (i < text->size()) {
    unsigned char c = static_cast<unsigned char>((*text)[i]);
    if (c < 0x80) {
      repaired.push_back(static_cast<char>(c));
      ++i;
      continue;
    }
    utf8proc_ssize_t n = ValidSequenceLength(text->data() + i, text->size() - i);
    if (n > 0) {
      repaired.append(*text, i, static_cast<size_t>(n));
      i += static_cast<size_t>(n);
    } else {
      repaired.append(kReplacement);
      ++replaced;
      ++i;  // skip one byte; the next iteration resynchronizes on a lead byte
    }
  }
  text->swap(repaired);
  return replaced;
}

GarbageCount CountGarbage(std::string_view text) {
  GarbageCount count;
  size_t i = 0;
  while (i < text.size()) {
    if (i + 8 <= text.size() && AllPrintableAscii(Load8(text.data() + i))) {
      count.code_points += 8;
      i += 8;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    ++count.code_points;
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) ++count.garbage;
      ++i;
      continue;
    }
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t n =
        utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                         static_cast<utf8proc_ssize_t>(text.size() - i), &code_point);
    if (n <= 0) {
      ++count.garbage;
      ++i;
      continue;
    }
    if (code_point == 0xFFFD || (code_point >= 0x80 && code_point < 0xA0)) ++count.garbage;
    i += static_cast<size_t>(n);
  }
  return count;
}

bool LooksBinary(std::string_view text) {
  const GarbageCount count = CountGarbage(text);
  return count.garbage >= 32 && count.share() >= 0.3;
}

std::string EscapeForTerminal(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  static constexpr char kHex[] = "0123456789abcdef";
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const utf8proc_ssize_t n = ValidSequenceLength(text.data() + i, text.size() - i);
      if (n > 0) {
        out.append(text.data() + i, static_cast<size_t>(n));
        i += static_cast<size_t>(n);
      } else {
        out.append(kReplacement);
        ++i;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace newsflow
