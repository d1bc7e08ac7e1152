// FileDescriptorSet of the compiled schema (see schema_files.h).
#include <set>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/state.pb.h"
#include "proto/schema_files.h"

namespace newsflow {
namespace {

void AddWithImports(const google::protobuf::FileDescriptor* file, std::set<std::string>* added,
                    google::protobuf::FileDescriptorSet* set) {
  if (!added->insert(file->name()).second) return;
  for (int i = 0; i < file->dependency_count(); ++i) AddWithImports(file->dependency(i), added, set);
  file->CopyTo(set->add_file());
}

}  // namespace

const char* ProtoFileText(const std::string& name) {
  for (const ProtoFile& file : ProtoFiles()) {
    if (name == file.name) return file.text;
  }
  return nullptr;
}

google::protobuf::FileDescriptorSet SchemaDescriptorSet() {
  google::protobuf::FileDescriptorSet set;
  std::set<std::string> added;
  AddWithImports(v1::EnrichedArticle::descriptor()->file(), &added, &set);
  AddWithImports(v1::DedupEntry::descriptor()->file(), &added, &set);
  return set;
}

}  // namespace newsflow
