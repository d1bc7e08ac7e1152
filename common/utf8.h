// UTF-8 validation and repair shared by producers and normalizer: invalid byte
// sequences become U+FFFD and are counted, so bad input is visible but never fatal.
#ifndef NEWSFLOW_COMMON_UTF8_H_
#define NEWSFLOW_COMMON_UTF8_H_

#include <string>
#include <string_view>

namespace newsflow {

// Replaces every invalid UTF-8 sequence in `text` with U+FFFD (EF BF BD).
// Returns how many sequences were replaced; `text` is untouched when it returns 0.
int RepairUtf8(std::string* text);

// True when `text` is entirely valid UTF-8.
bool IsValidUtf8(std::string_view text);

// What share of the code points of `text` (UTF-8, invalid bytes counting as U+FFFD) are
// U+FFFD or control characters other than tab, line feed and carriage return, and how many
// such code points there are. Text that is mostly these is binary data or a wrong decoding,
// not an article.
struct GarbageCount {
  size_t code_points = 0;
  size_t garbage = 0;
  double share() const { return code_points == 0 ? 0.0 : double(garbage) / double(code_points); }
};
GarbageCount CountGarbage(std::string_view text);

// True when `text` looks like binary data rather than text: at least 32 garbage code points
// making up at least 30% of it (a page with a few broken characters is still an article).
bool LooksBinary(std::string_view text);

// `text` made safe for one line on a terminal or in a log: control characters become \n,
// \r, \t or \xNN, backslashes are doubled, invalid UTF-8 becomes U+FFFD. A name read from
// input (a file name, an id) can then never forge a line of its own.
std::string EscapeForTerminal(std::string_view text);

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_UTF8_H_
