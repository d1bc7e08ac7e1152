#include "processors/normalize/charset.h"

#include <iconv.h>

#include <cerrno>
#include <utf8proc.h>

#include "absl/strings/ascii.h"
#include "common/utf8.h"
#include "processors/normalize/text.h"
#include "common/string_util.h"

namespace newsflow::normalize::internal {
namespace {

// windows-1252 bytes 0x80-0x9F (WHATWG index; unassigned bytes map to the C1 control).
constexpr char16_t kWindows1252High[32] = {
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};

std::string DecodeWindows1252(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() + bytes.size() / 8);
  size_t i = 0;
  while (i < bytes.size()) {
    size_t run = i;
    while (run < bytes.size() && static_cast<unsigned char>(bytes[run]) < 0x80) ++run;
    out.append(bytes.data() + i, run - i);
    if (run == bytes.size()) break;
    unsigned char c = static_cast<unsigned char>(bytes[run]);
    AppendUtf8(c < 0xA0 ? kWindows1252High[c - 0x80] : c, &out);
    i = run + 1;
  }
  return out;
}

// Counts valid multi-byte sequences and invalid bytes of supposed UTF-8.
void CountUtf8(std::string_view bytes, size_t* valid_multibyte, size_t* invalid) {
  *valid_multibyte = 0;
  *invalid = 0;
  size_t i = 0;
  while (i < bytes.size()) {
    if (static_cast<unsigned char>(bytes[i]) < 0x80) {
      ++i;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(bytes.data() + i),
                                          static_cast<utf8proc_ssize_t>(bytes.size() - i), &cp);
    if (n > 0) {
      ++*valid_multibyte;
      i += static_cast<size_t>(n);
    } else {
      ++*invalid;
      ++i;
    }
  }
}

bool DecodeWithIconv(std::string_view bytes, const std::string& charset, DecodedText* out) {
  iconv_t cd = iconv_open("UTF-8", charset.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::string result;
  result.resize(bytes.size() * 2 + 16);
  char* in = const_cast<char*>(bytes.data());
  size_t in_left = bytes.size();
  size_t produced = 0;
  int replaced = 0;
  while (in_left > 0) {
    char* dst = result.data() + produced;
    size_t dst_left = result.size() - produced;
    size_t rc = iconv(cd, &in, &in_left, &dst, &dst_left);
    produced = result.size() - dst_left;
    if (rc != static_cast<size_t>(-1)) break;
    if (errno == E2BIG) {
      result.resize(result.size() * 2);
    } else if (errno == EILSEQ || errno == EINVAL) {
      // Invalid (or truncated) input sequence: one U+FFFD, skip a byte, resynchronize.
      if (result.size() - produced < 4) result.resize(result.size() * 2);
      result.replace(produced, 3, "\xEF\xBF\xBD");
      produced += 3;
      ++replaced;
      ++in;
      --in_left;
      iconv(cd, nullptr, nullptr, nullptr, nullptr);  // reset shift state
    } else {
      break;
    }
  }
  iconv_close(cd);
  result.resize(produced);
  out->text = std::move(result);
  out->charset = charset;
  out->invalid_replaced = replaced + RepairUtf8(&out->text);
  return true;
}

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

// Value of "charset=" at `pos` (just after '='), quotes and spaces stripped.
std::string CharsetValueAt(std::string_view s, size_t pos) {
  while (pos < s.size() && (IsAsciiSpace(s[pos]) || s[pos] == '"' || s[pos] == '\'')) ++pos;
  size_t end = pos;
  while (end < s.size() && end - pos < 40 &&
         (absl::ascii_isalnum(static_cast<unsigned char>(s[end])) || s[end] == '-' ||
          s[end] == '_' || s[end] == '.' || s[end] == ':')) {
    ++end;
  }
  return AsciiLower(s.substr(pos, end - pos));
}

}  // namespace

std::string CanonicalCharsetName(std::string_view label) {
  std::string l = AsciiLower(StripWhitespace(label));
  if (l.empty()) return l;
  if (l == "utf-8" || l == "utf8" || l == "unicode-1-1-utf-8" || l == "x-unicode20utf8") {
    return "utf-8";
  }
  if (l == "iso-8859-1" || l == "iso8859-1" || l == "iso_8859-1" || l == "latin1" ||
      l == "latin-1" || l == "l1" || l == "cp819" || l == "ibm819" || l == "us-ascii" ||
      l == "ascii" || l == "ansi_x3.4-1968" || l == "windows-1252" || l == "cp1252" ||
      l == "x-cp1252" || l == "iso-ir-100" || l == "csisolatin1" || l == "iso_8859-1:1987") {
    return "windows-1252";
  }
  if (l == "utf-16" || l == "utf-16le" || l == "unicode" || l == "ucs-2") return "utf-16le";
  if (l == "utf-16be" || l == "unicodefffe") return "utf-16be";
  if (l == "gb2312" || l == "gbk" || l == "x-gbk" || l == "gb_2312-80" || l == "chinese" ||
      l == "csgb2312" || l == "gb18030") {
    return "gb18030";
  }
  if (l == "shift_jis" || l == "shift-jis" || l == "sjis" || l == "x-sjis" || l == "ms_kanji" ||
      l == "windows-31j" || l == "csshiftjis") {
    return "cp932";
  }
  if (l == "euc-kr" || l == "ks_c_5601-1987" || l == "windows-949" || l == "cseuckr") return "cp949";
  if (l == "big5" || l == "big5-hkscs" || l == "x-x-big5" || l == "cn-big5") return "big5-hkscs";
  if (l == "iso-8859-9" || l == "latin5" || l == "windows-1254") return "windows-1254";
  if (l == "tis-620" || l == "iso-8859-11" || l == "windows-874") return "windows-874";
  return l;
}

std::string SniffMetaCharset(std::string_view html) {
  std::string_view head = html.substr(0, 32 * 1024);
  size_t pos = 0;
  while (true) {
    // Case-insensitive search for "<meta".
    size_t lt = head.find('<', pos);
    if (lt == std::string_view::npos || lt + 5 > head.size()) return "";
    pos = lt + 1;
    if (!EqualsIgnoreCase(head.substr(lt + 1, 4), "meta")) {
      if (EqualsIgnoreCase(head.substr(lt + 1, 4), "body")) return "";
      continue;
    }
    size_t gt = head.find('>', lt);
    if (gt == std::string_view::npos) return "";
    std::string tag = AsciiLower(head.substr(lt, gt - lt));
    size_t cs = tag.find("charset");
    while (cs != std::string::npos) {
      size_t eq = cs + 7;
      while (eq < tag.size() && IsAsciiSpace(tag[eq])) ++eq;
      if (eq < tag.size() && tag[eq] == '=') {
        std::string value = CharsetValueAt(tag, eq + 1);
        if (!value.empty()) return value;
      }
      cs = tag.find("charset", cs + 7);
    }
    pos = gt;
  }
}

DecodedText DecodeToUtf8(std::string_view bytes, std::string_view declared) {
  DecodedText out;
  std::string charset;
  if (bytes.size() >= 3 && bytes.compare(0, 3, "\xEF\xBB\xBF") == 0) {
    bytes.remove_prefix(3);
    charset = "utf-8";
  } else if (bytes.size() >= 2 && bytes.compare(0, 2, "\xFF\xFE") == 0) {
    bytes.remove_prefix(2);
    charset = "utf-16le";
  } else if (bytes.size() >= 2 && bytes.compare(0, 2, "\xFE\xFF") == 0) {
    bytes.remove_prefix(2);
    charset = "utf-16be";
  }
  bool labelled = !charset.empty();
  if (charset.empty()) {
    charset = CanonicalCharsetName(declared);
    labelled = !charset.empty();
  }
  if (charset.empty()) {
    charset = CanonicalCharsetName(SniffMetaCharset(bytes));
    // A page that could read its own <meta> in ASCII is not UTF-16.
    if (StartsWith(charset, "utf-16")) charset = "utf-8";
    labelled = !charset.empty();
  }
  if (charset.empty()) charset = "utf-8";

  if (charset != "utf-8" && charset != "windows-1252") {
    if (DecodeWithIconv(bytes, charset, &out)) return out;
    charset = "utf-8";  // unknown label: treat as UTF-8
  }
  if (charset == "utf-8") {
    if (IsValidUtf8(bytes)) {
      out.text.assign(bytes.data(), bytes.size());
      out.charset = "utf-8";
      return out;
    }
    size_t valid_multibyte = 0, invalid = 0;
    CountUtf8(bytes, &valid_multibyte, &invalid);
    if (valid_multibyte > invalid) {
      out.text.assign(bytes.data(), bytes.size());
      out.invalid_replaced = RepairUtf8(&out.text);
      out.charset = "utf-8";
      return out;
    }
    (void)labelled;  // labelled or not, mostly-invalid UTF-8 is a legacy single-byte page
    charset = "windows-1252";
  }
  out.text = DecodeWindows1252(bytes);
  out.charset = "windows-1252";
  return out;
}

}  // namespace newsflow::normalize::internal
