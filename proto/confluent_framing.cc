// Confluent wire format (see confluent_framing.h).
#include "proto/confluent_framing.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace newsflow {
namespace {

constexpr size_t kMaxMessageIndexes = 100;  // nesting deeper than this is not a real schema

void AppendZigZagVarint(int64_t value, std::string* out) {
  uint64_t zigzag = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  while (zigzag >= 0x80) {
    out->push_back(static_cast<char>((zigzag & 0x7f) | 0x80));
    zigzag >>= 7;
  }
  out->push_back(static_cast<char>(zigzag));
}

bool ReadZigZagVarint(std::string_view value, size_t* pos, int64_t* out) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= value.size()) return false;
    const uint8_t byte = static_cast<uint8_t>(value[(*pos)++]);
    result |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *out = static_cast<int64_t>(result >> 1) ^ -static_cast<int64_t>(result & 1);
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<int> MessageIndexes(const google::protobuf::Descriptor* message) {
  std::vector<int> path;
  for (const google::protobuf::Descriptor* d = message; d != nullptr; d = d->containing_type()) {
    path.push_back(d->index());
  }
  std::reverse(path.begin(), path.end());
  return path;
}

std::string ConfluentPrefix(int32_t schema_id, const std::vector<int>& message_indexes) {
  std::string prefix;
  prefix.push_back('\0');
  const uint32_t id = static_cast<uint32_t>(schema_id);
  prefix.push_back(static_cast<char>(id >> 24));
  prefix.push_back(static_cast<char>(id >> 16));
  prefix.push_back(static_cast<char>(id >> 8));
  prefix.push_back(static_cast<char>(id));
  if (message_indexes.size() == 1 && message_indexes[0] == 0) {
    prefix.push_back('\0');  // the common case [0] is one byte, by the format's own rule
    return prefix;
  }
  AppendZigZagVarint(static_cast<int64_t>(message_indexes.size()), &prefix);
  for (int index : message_indexes) AppendZigZagVarint(index, &prefix);
  return prefix;
}

absl::StatusOr<ConfluentHeader> ParseConfluentHeader(std::string_view value) {
  if (!HasConfluentMagic(value)) {
    return absl::InvalidArgumentError("not Confluent-framed (the first byte is not 0)");
  }
  if (value.size() < 6) {
    return absl::InvalidArgumentError(
        absl::StrCat("Confluent-framed value of ", value.size(), " bytes is cut short"));
  }
  ConfluentHeader header;
  header.schema_id = static_cast<int32_t>((static_cast<uint32_t>(static_cast<uint8_t>(value[1])) << 24) |
                                          (static_cast<uint32_t>(static_cast<uint8_t>(value[2])) << 16) |
                                          (static_cast<uint32_t>(static_cast<uint8_t>(value[3])) << 8) |
                                          static_cast<uint32_t>(static_cast<uint8_t>(value[4])));
  size_t pos = 5;
  int64_t count = 0;
  if (!ReadZigZagVarint(value, &pos, &count) || count < 0 ||
      static_cast<uint64_t>(count) > kMaxMessageIndexes) {
    return absl::InvalidArgumentError("Confluent framing has a malformed message-index array");
  }
  if (count == 0) {
    header.message_indexes = {0};
  } else {
    for (int64_t i = 0; i < count; ++i) {
      int64_t index = 0;
      if (!ReadZigZagVarint(value, &pos, &index) || index < 0 || index > (1 << 20)) {
        return absl::InvalidArgumentError("Confluent framing has a malformed message index");
      }
      header.message_indexes.push_back(static_cast<int>(index));
    }
  }
  header.payload_offset = pos;
  return header;
}

absl::StatusOr<std::string_view> ProtobufPayload(std::string_view value, ConfluentHeader* header) {
  if (!HasConfluentMagic(value)) {
    if (header != nullptr) *header = ConfluentHeader{};
    return value;
  }
  absl::StatusOr<ConfluentHeader> parsed = ParseConfluentHeader(value);
  if (!parsed.ok()) return parsed.status();
  std::string_view payload = value.substr(parsed->payload_offset);
  if (header != nullptr) *header = std::move(*parsed);
  return payload;
}

}  // namespace newsflow
