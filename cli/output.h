// Rendering of newsflow messages for people and scripts: protobuf JSON lines (the batch
// contract), length-delimited protobuf, and a short per-article summary for terminals.
#ifndef NEWSFLOW_CLI_OUTPUT_H_
#define NEWSFLOW_CLI_OUTPUT_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::cli {

// One JSON object per line, protobuf's JSON mapping (lowerCamelCase names, enum names,
// default values included so that every contract field is always present), written by
// proto/json_writer.h byte for byte as protobuf writes it, by protobuf where that refuses.
absl::Status WriteJsonLine(const google::protobuf::Message& message, std::ostream& out);

// A varint length, then the serialized message (protobuf's delimited format).
absl::Status WriteDelimited(const google::protobuf::Message& message, std::ostream& out);

// A few lines per article: verdict, topics, regions.
void WriteSummary(const v1::EnrichedArticle& article, std::ostream& out);
void WriteSummary(const v1::DeadLetter& letter, std::ostream& out);

}  // namespace newsflow::cli

#endif  // NEWSFLOW_CLI_OUTPUT_H_
