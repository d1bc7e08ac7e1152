#include "proto/json_writer.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <type_traits>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <google/protobuf/descriptor.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace newsflow::proto {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(uint32_t unit, std::string* out) {
  char buf[6] = {'\\', 'u', kHex[(unit >> 12) & 0xF], kHex[(unit >> 8) & 0xF],
                 kHex[(unit >> 4) & 0xF], kHex[unit & 0xF]};
  out->append(buf, sizeof buf);
}

// The code points above ASCII that protobuf writes as \u escapes (C1 controls and the
// invisible format characters of its json_escaping table).
bool NeedsEscape(uint32_t cp) {
  if (cp < 0xA0) return true;  // callers pass cp >= 0x80
  if (cp < 0x600) return cp == 0xAD;
  if (cp < 0x2000) {
    return cp <= 0x603 || cp == 0x6DD || cp == 0x70F || cp == 0x17B4 || cp == 0x17B5;
  }
  if (cp < 0x10000) {
    return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2028 && cp <= 0x202E) ||
           (cp >= 0x2060 && cp <= 0x2064) || (cp >= 0x206A && cp <= 0x206F) || cp == 0xFEFF ||
           (cp >= 0xFFF9 && cp <= 0xFFFB);
  }
  return (cp >= 0x1D173 && cp <= 0x1D17A) || cp == 0xE0001 || (cp >= 0xE0020 && cp <= 0xE007F);
}

// Per ASCII byte: 0 written as is; 1 a two-character escape (\ and short_form); 2 \u00XX.
struct AsciiClass {
  uint8_t kind[128];
  char short_form[128];
  constexpr AsciiClass() : kind(), short_form() {
    for (int c = 0; c < 0x20; ++c) kind[c] = 2;
    kind[0x7F] = 2;
    kind['<'] = kind['>'] = 2;
    const char pairs[][2] = {{'\b', 'b'}, {'\t', 't'}, {'\n', 'n'}, {'\f', 'f'},
                             {'\r', 'r'}, {'"', '"'},  {'\\', '\\'}};
    for (const auto& p : pairs) {
      kind[static_cast<int>(p[0])] = 1;
      short_form[static_cast<int>(p[0])] = p[1];
    }
  }
};
constexpr AsciiClass kAscii;

// Decodes one UTF-8 sequence of `len` bytes at `p` (its lead byte already read); 0 when it
// is not well-formed (overlong, a surrogate, above U+10FFFF, cut short).
uint32_t DecodeSequence(const unsigned char* p, size_t avail, int* len) {
  const unsigned char b0 = p[0];
  auto cont = [&](size_t i) { return i < avail && (p[i] & 0xC0) == 0x80; };
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    if (!cont(1)) return 0;
    *len = 2;
    return ((b0 & 0x1F) << 6) | (p[1] & 0x3F);
  }
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (b0 == 0xE0 && p[1] < 0xA0) return 0;
    if (b0 == 0xED && p[1] > 0x9F) return 0;
    *len = 3;
    return ((b0 & 0x0F) << 12) | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F);
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (b0 == 0xF0 && p[1] < 0x90) return 0;
    if (b0 == 0xF4 && p[1] > 0x8F) return 0;
    *len = 4;
    return ((b0 & 0x07) << 18) | ((p[1] & 0x3F) << 12) | ((p[2] & 0x3F) << 6) | (p[3] & 0x3F);
  }
  return 0;
}

template <typename T>
void AppendShortestOf(T value, int digits, int more_digits, std::string* out) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, digits);
  bool reads_back;
  if (std::fpclassify(value) == FP_SUBNORMAL) {
    // protobuf reads back with strtof, and takes its ERANGE (an inexact subnormal) as a
    // failure, or with strtod, whose errno it does not look at.
    *r.ptr = '\0';
    errno = 0;
    char* end = nullptr;
    const T back = std::is_same_v<T, float> ? std::strtof(buf, &end) : std::strtod(buf, &end);
    reads_back = (errno == 0 || !std::is_same_v<T, float>) && back == value;
  } else {
    T back{};
    std::from_chars(buf, r.ptr, back);
    reads_back = back == value;
  }
  if (!reads_back) {
    r = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::general, more_digits);
  }
  out->append(buf, r.ptr);
}

bool AppendNonFinite(double value, std::string* out) {
  if (std::isnan(value)) {
    out->append("\"NaN\"");
  } else if (std::isinf(value)) {
    out->append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    return false;
  }
  return true;
}

absl::Status AppendMessage(const Message& message, std::string* out);

absl::Status AppendScalar(const Message& message, const Reflection& reflection,
                          const FieldDescriptor& field, int index, std::string* out) {
  const bool repeated = index >= 0;
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      absl::StrAppend(out, repeated ? reflection.GetRepeatedInt32(message, &field, index)
                                    : reflection.GetInt32(message, &field));
      break;
    case FieldDescriptor::CPPTYPE_UINT32:
      absl::StrAppend(out, repeated ? reflection.GetRepeatedUInt32(message, &field, index)
                                    : reflection.GetUInt32(message, &field));
      break;
    case FieldDescriptor::CPPTYPE_INT64:
      absl::StrAppend(out, "\"",
                      repeated ? reflection.GetRepeatedInt64(message, &field, index)
                               : reflection.GetInt64(message, &field),
                      "\"");
      break;
    case FieldDescriptor::CPPTYPE_UINT64:
      absl::StrAppend(out, "\"",
                      repeated ? reflection.GetRepeatedUInt64(message, &field, index)
                               : reflection.GetUInt64(message, &field),
                      "\"");
      break;
    case FieldDescriptor::CPPTYPE_FLOAT:
      AppendJsonFloat(repeated ? reflection.GetRepeatedFloat(message, &field, index)
                               : reflection.GetFloat(message, &field),
                      out);
      break;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      AppendJsonDouble(repeated ? reflection.GetRepeatedDouble(message, &field, index)
                                : reflection.GetDouble(message, &field),
                       out);
      break;
    case FieldDescriptor::CPPTYPE_BOOL:
      out->append((repeated ? reflection.GetRepeatedBool(message, &field, index)
                            : reflection.GetBool(message, &field))
                      ? "true"
                      : "false");
      break;
    case FieldDescriptor::CPPTYPE_ENUM: {
      const int number = repeated ? reflection.GetRepeatedEnumValue(message, &field, index)
                                  : reflection.GetEnumValue(message, &field);
      const auto* value = field.enum_type()->FindValueByNumber(number);
      if (value == nullptr) {
        absl::StrAppend(out, number);  // an unknown value: its number, as protobuf does
      } else {
        absl::StrAppend(out, "\"", value->name(), "\"");
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string scratch;
      const std::string& value =
          repeated ? reflection.GetRepeatedStringReference(message, &field, index, &scratch)
                   : reflection.GetStringReference(message, &field, &scratch);
      if (field.type() == FieldDescriptor::TYPE_BYTES) {
        absl::StrAppend(out, "\"", absl::Base64Escape(value), "\"");
      } else if (!AppendJsonString(value, out)) {
        return absl::FailedPreconditionError(
            absl::StrCat("field ", field.full_name(), " is not valid UTF-8"));
      }
      break;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return AppendMessage(repeated ? reflection.GetRepeatedMessage(message, &field, index)
                                    : reflection.GetMessage(message, &field),
                           out);
  }
  return absl::OkStatus();
}

absl::Status AppendMessage(const Message& message, std::string* out) {
  const Descriptor* descriptor = message.GetDescriptor();
  const Reflection* reflection = message.GetReflection();
  if (descriptor->well_known_type() != Descriptor::WELLKNOWNTYPE_UNSPECIFIED) {
    return absl::FailedPreconditionError(
        absl::StrCat(descriptor->full_name(), " is a well-known type"));
  }
  if (!reflection->GetUnknownFields(message).empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(descriptor->full_name(), " has unknown fields"));
  }
  out->push_back('{');
  bool first = true;
  // Declaration order, as protobuf's printer (its type resolver lists fields so).
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    if (field->is_map()) {
      return absl::FailedPreconditionError(absl::StrCat(field->full_name(), " is a map"));
    }
    const bool is_message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
    if (!field->is_repeated()) {
      if (is_message) {
        if (!reflection->HasField(message, field)) continue;  // unset messages are omitted
      } else if (field->has_presence()) {
        return absl::FailedPreconditionError(
            absl::StrCat(field->full_name(), " has explicit presence"));
      }
    }
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(field->json_name());
    out->append("\":");
    if (field->is_repeated()) {
      out->push_back('[');
      const int n = reflection->FieldSize(message, field);
      for (int k = 0; k < n; ++k) {
        if (k > 0) out->push_back(',');
        if (auto s = AppendScalar(message, *reflection, *field, k, out); !s.ok()) return s;
      }
      out->push_back(']');
    } else if (auto s = AppendScalar(message, *reflection, *field, -1, out); !s.ok()) {
      return s;
    }
  }
  out->push_back('}');
  return absl::OkStatus();
}

}  // namespace

void AppendJsonFloat(float value, std::string* out) {
  if (!AppendNonFinite(value, out)) AppendShortestOf(value, 6, 9, out);
}

void AppendJsonDouble(double value, std::string* out) {
  if (!AppendNonFinite(value, out)) AppendShortestOf(value, 15, 17, out);
}

bool AppendJsonString(const std::string& text, std::string* out) {
  const size_t start = out->size();
  out->push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  size_t run = 0;  // start of the bytes not yet appended
  size_t i = 0;
  while (i < n) {
#if defined(__SSE2__)
    // Sixteen bytes at a time while none needs a look: most of an article is plain ASCII.
    if (i + 16 <= n) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      // Signed compare: below 0x20 are the controls, negative are the bytes >= 0x80.
      __m128i special = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
      for (const char c : {'"', '\\', '<', '>', '\x7f'}) {
        special = _mm_or_si128(special, _mm_cmpeq_epi8(v, _mm_set1_epi8(c)));
      }
      const unsigned specials = static_cast<unsigned>(_mm_movemask_epi8(special));
      if (specials == 0) {
        i += 16;
        continue;
      }
      // The bytes before the first special one need nothing: skip them, rather than taking
      // them one at a time with a sixteen-byte check before each.
      i += static_cast<size_t>(__builtin_ctz(specials));
    }
#endif
    const unsigned char c = p[i];
    if (c < 0x80) {
      if (kAscii.kind[c] == 0) {
        ++i;
        continue;
      }
      out->append(text, run, i - run);
      if (kAscii.kind[c] == 1) {
        out->push_back('\\');
        out->push_back(kAscii.short_form[c]);
      } else {
        AppendUnicodeEscape(c, out);
      }
      run = ++i;
      continue;
    }
    int len = 0;
    const uint32_t cp = DecodeSequence(p + i, n - i, &len);
    if (cp == 0) {
      out->resize(start);
      return false;
    }
    if (NeedsEscape(cp)) {
      out->append(text, run, i - run);
      if (cp >= 0x10000) {
        AppendUnicodeEscape(0xD800 + ((cp - 0x10000) >> 10), out);
        AppendUnicodeEscape(0xDC00 + ((cp - 0x10000) & 0x3FF), out);
      } else {
        AppendUnicodeEscape(cp, out);
      }
      run = i + len;
    }
    i += len;
  }
  out->append(text, run, n - run);
  out->push_back('"');
  return true;
}

absl::Status AppendJson(const google::protobuf::Message& message, std::string* out) {
  const size_t start = out->size();
  absl::Status status = AppendMessage(message, out);
  if (!status.ok()) out->resize(start);
  return status;
}

}  // namespace newsflow::proto
