// Character-set decoding of HTML page bytes to UTF-8: byte-order mark, declared charset,
// <meta charset> and a windows-1252 fallback for unlabelled pages that are not UTF-8.
#ifndef NEWSFLOW_PROCESSORS_NORMALIZE_CHARSET_H_
#define NEWSFLOW_PROCESSORS_NORMALIZE_CHARSET_H_

#include <string>
#include <string_view>

namespace newsflow::normalize::internal {

struct DecodedText {
  std::string text;             // valid UTF-8
  std::string charset;          // what it was decoded from, e.g. "utf-8", "windows-1252"
  int invalid_replaced = 0;     // byte sequences that became U+FFFD
};

// Decodes `bytes` to UTF-8. Precedence: byte-order mark, then `declared` (the transport's
// label, RawArticle.charset), then a <meta charset> / http-equiv Content-Type in the first
// 32 KiB. UTF-8 that is not valid UTF-8 is repaired, unless it has more invalid sequences
// than valid multi-byte ones, which means a mislabelled legacy page: then windows-1252.
// Labels follow the WHATWG Encoding Standard: latin-1 and ASCII mean windows-1252.
// Other charsets go through iconv.
DecodedText DecodeToUtf8(std::string_view bytes, std::string_view declared);

// The charset label of the first <meta charset> or <meta http-equiv content="...;
// charset=..."> in `html`, lower-cased; empty when none.
std::string SniffMetaCharset(std::string_view html);

// Canonical name of a charset label: "utf-8", "windows-1252", "utf-16le", "utf-16be",
// otherwise an iconv name (e.g. "iso-8859-2", "gb18030"); empty for an empty label.
std::string CanonicalCharsetName(std::string_view label);

}  // namespace newsflow::normalize::internal

#endif  // NEWSFLOW_PROCESSORS_NORMALIZE_CHARSET_H_
