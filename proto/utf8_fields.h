// The one check that every string field newsflow writes is valid UTF-8 (proto3 `string`
// fields must be; strict decoders reject a record otherwise). Applied where messages are
// built: dead letters, raw articles, enriched articles.
#ifndef NEWSFLOW_PROTO_UTF8_FIELDS_H_
#define NEWSFLOW_PROTO_UTF8_FIELDS_H_

#include <google/protobuf/message.h>

namespace newsflow {

// Replaces invalid UTF-8 in every `string` field of `message` and of its sub-messages
// (singular, repeated and map fields; `bytes` fields are left alone) with U+FFFD. Returns the
// number of fields changed; 0 means the message was already valid.
int RepairStringFields(google::protobuf::Message* message);

}  // namespace newsflow

#endif  // NEWSFLOW_PROTO_UTF8_FIELDS_H_
