#include "proto/dead_letter.h"

#include <chrono>

namespace newsflow {

v1::DeadLetter MakeDeadLetter(const std::string& original, const std::string& stage,
                              v1::DeadLetter::Reason reason, const std::string& message,
                              const RecordOrigin& origin, int64_t original_size) {
  v1::DeadLetter letter;
  letter.set_original(original.substr(0, kMaxDeadLetterOriginalBytes));
  letter.set_original_size(original_size >= 0 ? original_size
                                               : static_cast<int64_t>(original.size()));
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
  return letter;
}

}  // namespace newsflow
