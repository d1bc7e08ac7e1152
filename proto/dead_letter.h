// Builds DeadLetter records the same way wherever input is refused (producer, batch,
// processor), so every dead letter carries the original bytes, its origin and a reason.
#ifndef NEWSFLOW_PROTO_DEAD_LETTER_H_
#define NEWSFLOW_PROTO_DEAD_LETTER_H_

#include <cstdint>
#include <string>

#include "newsflow/v1/article.pb.h"

namespace newsflow {

// Where an input record came from.
struct RecordOrigin {
  std::string topic;  // Kafka topic; empty for files
  int32_t partition = -1;
  int64_t offset = -1;
  std::string input;  // file path or "-"; empty for Kafka
  int64_t line = 0;   // 1-based line for JSON Lines
};

// Originals above this are truncated in the dead letter (original_size keeps the real size),
// so that the dead letter itself fits in a Kafka record.
inline constexpr size_t kMaxDeadLetterOriginalBytes = 1 << 20;

// `original_size` < 0 means original.size().
v1::DeadLetter MakeDeadLetter(const std::string& original, const std::string& stage,
                              v1::DeadLetter::Reason reason, const std::string& message,
                              const RecordOrigin& origin, int64_t original_size = -1);

}  // namespace newsflow

#endif  // NEWSFLOW_PROTO_DEAD_LETTER_H_
