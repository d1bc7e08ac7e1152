// The newsflow.v1 schema as users need it outside the source tree: the .proto files as text
// (for `newsflow schema` and Schema Registry registration) and a FileDescriptorSet with every
// import (for Python, Spark, Flink or Kafka Connect to decode records without protoc).
#ifndef NEWSFLOW_PROTO_SCHEMA_FILES_H_
#define NEWSFLOW_PROTO_SCHEMA_FILES_H_

#include <string>
#include <vector>

#include "google/protobuf/descriptor.pb.h"

namespace newsflow {

struct ProtoFile {
  const char* name;  // import path, e.g. "newsflow/v1/article.proto"
  const char* text;  // the file as it is in the source tree
};

// Every .proto of the schema, imports before the files that import them.
const std::vector<ProtoFile>& ProtoFiles();

// The text of one file by import path; nullptr when unknown.
const char* ProtoFileText(const std::string& name);

// The compiled descriptors of every schema file and their imports, dependencies first.
google::protobuf::FileDescriptorSet SchemaDescriptorSet();

}  // namespace newsflow

#endif  // NEWSFLOW_PROTO_SCHEMA_FILES_H_
