// The Confluent Schema Registry wire format for protobuf values, which Kafka Connect, ksqlDB,
// Flink SQL and the confluent-kafka serializers expect: magic byte 0, the schema id as 4
// bytes big-endian, the message-index array (zig-zag varints: its length, then each index
// into the file's top-level and nested messages; the array [0] is written as the single
// byte 0), then the protobuf bytes. A plain protobuf message never starts with byte 0 (field
// number 0 is invalid), so a reader can accept both framings without being told.
#ifndef NEWSFLOW_PROTO_CONFLUENT_FRAMING_H_
#define NEWSFLOW_PROTO_CONFLUENT_FRAMING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/descriptor.h"

namespace newsflow {

// The path of `message` in its file: [i] for the i-th top-level message, [i, j] for the
// j-th message nested in it, and so on.
std::vector<int> MessageIndexes(const google::protobuf::Descriptor* message);

// Everything that goes before the payload, for one schema id and message.
std::string ConfluentPrefix(int32_t schema_id, const std::vector<int>& message_indexes);

struct ConfluentHeader {
  int32_t schema_id = 0;
  std::vector<int> message_indexes;
  size_t payload_offset = 0;  // where the protobuf bytes start
};

// Whether `value` starts with the Confluent magic byte (and so cannot be plain protobuf).
inline bool HasConfluentMagic(std::string_view value) {
  return !value.empty() && value[0] == '\0';
}

// Reads the header of a framed value; an error when it is cut short or malformed.
absl::StatusOr<ConfluentHeader> ParseConfluentHeader(std::string_view value);

// The protobuf bytes of `value`: all of it when it is plain protobuf, after the header when it
// is framed. `header`, when given, receives the framing (schema_id 0 and no indexes if plain).
absl::StatusOr<std::string_view> ProtobufPayload(std::string_view value,
                                                 ConfluentHeader* header = nullptr);

}  // namespace newsflow

#endif  // NEWSFLOW_PROTO_CONFLUENT_FRAMING_H_
