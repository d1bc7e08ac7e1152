// A client of the Confluent Schema Registry REST API, just enough for a producer: register
// the schema of a topic's values (or find it already registered) and get its id, which goes
// into every record's Confluent framing (proto/confluent_framing.h). Pure HTTP (libcurl); no
// Kafka header.
#ifndef NEWSFLOW_REGISTRY_SCHEMA_REGISTRY_H_
#define NEWSFLOW_REGISTRY_SCHEMA_REGISTRY_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace newsflow::registry {

// How the subject a schema is registered under is named, as Confluent's serializers name it.
enum class SubjectNameStrategy {
  kTopic,        // "<topic>-value" (TopicNameStrategy, Confluent's default)
  kRecord,       // "<fully qualified message name>" (RecordNameStrategy)
  kTopicRecord,  // "<topic>-<fully qualified message name>" (TopicRecordNameStrategy)
};

absl::StatusOr<SubjectNameStrategy> ParseSubjectNameStrategy(const std::string& name);

// The subject for `topic`'s values of message type `full_name` under `strategy`.
std::string SubjectName(SubjectNameStrategy strategy, const std::string& topic,
                        const std::string& full_name);

struct SchemaRegistryOptions {
  // Base URL, e.g. http://registry:8081 (a path prefix is kept). Required; no default.
  std::string url;
  // "user:password" for HTTP basic authentication; empty = none. Default empty.
  std::string basic_auth_user_info;
  // Per-request timeout. Default 10,000 ms.
  int timeout_ms = 10000;
  // CA bundle for https (empty = the system's). Default empty.
  std::string ca_location;

  absl::Status Validate() const;
};

class SchemaRegistryClient {
 public:
  explicit SchemaRegistryClient(SchemaRegistryOptions options);

  // Registers `schema` (protobuf .proto text) under `subject`, or returns the id of the
  // identical schema registered before (the registry answers both the same way). An error
  // names the registry's own message: incompatible (409), invalid (422), unauthorized, ...
  absl::StatusOr<int32_t> RegisterProtobuf(const std::string& subject, const std::string& schema);

 private:
  SchemaRegistryOptions options_;
};

}  // namespace newsflow::registry

#endif  // NEWSFLOW_REGISTRY_SCHEMA_REGISTRY_H_
