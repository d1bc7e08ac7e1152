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

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_UTF8_H_
