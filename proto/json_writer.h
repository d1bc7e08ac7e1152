// A direct writer of protobuf's JSON mapping for newsflow's messages: the bytes
// google::protobuf::util::MessageToJsonString prints with always_print_primitive_fields
// (protobuf 3.21, the version Debian ships), without its round trip through a type resolver
// and an object tree, which took 45% of a `newsflow batch` run with JSON Lines out.
//
// It walks the descriptor, so a field added to the schema is written without a change here.
// What it does not render exactly as protobuf does is refused (FailedPrecondition) for the
// caller to print with protobuf instead: map fields (protobuf prints them in hash order),
// fields with explicit presence, well-known types, unknown fields, and a string that is not
// valid UTF-8. tests/json_golden_test.cc holds it byte-identical to protobuf over a corpus.
#ifndef NEWSFLOW_PROTO_JSON_WRITER_H_
#define NEWSFLOW_PROTO_JSON_WRITER_H_

#include <string>

#include <google/protobuf/message.h>

#include "absl/status/status.h"

namespace newsflow::proto {

// Appends `message` as one line of JSON (no newline) to `out`. On an error `out` is left as
// it was.
absl::Status AppendJson(const google::protobuf::Message& message, std::string* out);

// protobuf's JSON rendering of a float or double (shortest of %.6g / %.9g, resp. %.15g /
// %.17g, that reads back the same value; "NaN", "Infinity" and "-Infinity" quoted).
void AppendJsonFloat(float value, std::string* out);
void AppendJsonDouble(double value, std::string* out);

// Appends `text` as a quoted JSON string escaped as protobuf escapes it: control
// characters, '"', '\\', '<', '>', DEL, C1 controls and the invisible format characters
// (U+00AD, U+200B-U+200F, U+2028-U+202E, U+FEFF, ...) as \uXXXX. False, with `out`
// unchanged, when `text` is not valid UTF-8.
bool AppendJsonString(const std::string& text, std::string* out);

}  // namespace newsflow::proto

#endif  // NEWSFLOW_PROTO_JSON_WRITER_H_
