// Builds DeadLetter records the same way wherever input is refused (producer, batch,
// processor), so every dead letter carries the original bytes (or as much of them as fits),
// their size and hash, its origin and a reason, in valid UTF-8 wherever proto3 needs it.
#ifndef NEWSFLOW_PROTO_DEAD_LETTER_H_
#define NEWSFLOW_PROTO_DEAD_LETTER_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "newsflow/v1/article.pb.h"

namespace newsflow {

// Where an input record came from.
struct RecordOrigin {
  std::string topic;  // Kafka topic; empty for files
  int32_t partition = -1;
  int64_t offset = -1;  // Kafka offset; for a file, the byte offset of a web archive record
  std::string input;  // file path or "-"; empty for Kafka
  int64_t line = 0;   // 1-based line for JSON Lines
};

// Originals above this are cut in the dead letter before any record limit is applied, so
// that building one never copies more than this.
inline constexpr size_t kMaxDeadLetterOriginalBytes = 1 << 20;

// The offending bytes as the caller has them: all of them, or (when `size` is larger than
// `bytes.size()`) only the first ones, with the hash of the whole when the caller saw it all.
struct OriginalBytes {
  std::string_view bytes;
  int64_t size = -1;    // < 0: bytes.size()
  std::string sha256;   // empty: computed here from `bytes` when they are the whole original
};

// A dead letter for `original`. Every string field is valid UTF-8 (a message quoting a cut
// multi-byte sequence is repaired), the excerpt is at most kMaxDeadLetterOriginalBytes, and
// `original_truncated` says whether it is less than the whole.
v1::DeadLetter MakeDeadLetter(const OriginalBytes& original, const std::string& stage,
                              v1::DeadLetter::Reason reason, const std::string& message,
                              const RecordOrigin& origin);
// The same for an original held whole.
v1::DeadLetter MakeDeadLetter(const std::string& original, const std::string& stage,
                              v1::DeadLetter::Reason reason, const std::string& message,
                              const RecordOrigin& origin);

// Shortens `letter->original` (marking it truncated) until the serialized letter is at most
// `max_value_bytes`. False when even an empty original would not fit (then the letter is
// left with an empty original and must not be sent).
bool FitDeadLetter(v1::DeadLetter* letter, size_t max_value_bytes);

}  // namespace newsflow

#endif  // NEWSFLOW_PROTO_DEAD_LETTER_H_
