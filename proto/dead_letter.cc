#include "proto/dead_letter.h"

#include <algorithm>
#include <chrono>

#include "common/sha256.h"
#include "proto/utf8_fields.h"

namespace newsflow {

v1::DeadLetter MakeDeadLetter(const OriginalBytes& original, const std::string& stage,
                              v1::DeadLetter::Reason reason, const std::string& message,
                              const RecordOrigin& origin) {
  v1::DeadLetter letter;
  const int64_t held = static_cast<int64_t>(original.bytes.size());
  const int64_t size = original.size >= 0 ? std::max(original.size, held) : held;
  const bool whole = size == held;
  letter.set_original(std::string(original.bytes.substr(0, kMaxDeadLetterOriginalBytes)));
  letter.set_original_size(size);
  letter.set_original_truncated(static_cast<int64_t>(letter.original().size()) < size);
  if (!original.sha256.empty()) {
    letter.set_original_sha256(original.sha256);
  } else if (whole) {
    letter.set_original_sha256(Sha256Hex(original.bytes));
  }
  letter.set_stage(stage);
  letter.set_reason(reason);
  letter.set_message(message);
  letter.set_input_topic(origin.topic);
  letter.set_input_partition(origin.partition);
  letter.set_input_offset(origin.offset);
  letter.set_input(origin.input);
  letter.set_line(origin.line);
  letter.set_failed_at_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count());
  RepairStringFields(&letter);
  return letter;
}

v1::DeadLetter MakeDeadLetter(const std::string& original, const std::string& stage,
                              v1::DeadLetter::Reason reason, const std::string& message,
                              const RecordOrigin& origin) {
  OriginalBytes bytes;
  bytes.bytes = original;
  return MakeDeadLetter(bytes, stage, reason, message, origin);
}

bool FitDeadLetter(v1::DeadLetter* letter, size_t max_value_bytes) {
  size_t size = letter->ByteSizeLong();
  if (size <= max_value_bytes) return true;
  // The original's length prefix shrinks with it, so one cut may leave a few bytes over;
  // the second pass settles it.
  for (int pass = 0; pass < 3 && size > max_value_bytes; ++pass) {
    const size_t excess = size - max_value_bytes;
    std::string* original = letter->mutable_original();
    original->resize(original->size() > excess ? original->size() - excess : 0);
    letter->set_original_truncated(true);
    size = letter->ByteSizeLong();
  }
  return size <= max_value_bytes;
}

}  // namespace newsflow
