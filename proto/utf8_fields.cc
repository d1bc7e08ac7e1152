#include "proto/utf8_fields.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <string>
#include <vector>

#include "absl/container/node_hash_map.h"
#include "common/utf8.h"

namespace newsflow {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

namespace {

// The string and message fields of one message type, found once per type and thread: asking
// reflection for the set fields of every message (ListFields sorts them) cost more than the
// UTF-8 checks themselves.
struct FieldPlan {
  std::vector<const FieldDescriptor*> strings;   // TYPE_STRING (bytes may hold anything)
  std::vector<const FieldDescriptor*> messages;  // messages, repeated messages and maps
};

const FieldPlan& PlanFor(const Descriptor* descriptor) {
  // node_hash_map: a plan stays where it is while nested types are added (recursion).
  thread_local absl::node_hash_map<const Descriptor*, FieldPlan> plans;
  auto [it, inserted] = plans.try_emplace(descriptor);
  if (inserted) {
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
        it->second.messages.push_back(field);
      } else if (field->type() == FieldDescriptor::TYPE_STRING) {
        it->second.strings.push_back(field);
      }
    }
  }
  return it->second;
}

}  // namespace

int RepairStringFields(Message* message) {
  const Reflection* reflection = message->GetReflection();
  const FieldPlan& plan = PlanFor(message->GetDescriptor());
  int changed = 0;
  for (const FieldDescriptor* field : plan.messages) {
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        changed += RepairStringFields(reflection->MutableRepeatedMessage(message, field, i));
      }
    } else if (reflection->HasField(*message, field)) {
      changed += RepairStringFields(reflection->MutableMessage(message, field));
    }
  }
  for (const FieldDescriptor* field : plan.strings) {
    if (field->is_repeated()) {
      const int size = reflection->FieldSize(*message, field);
      for (int i = 0; i < size; ++i) {
        std::string scratch;
        const std::string& value =
            reflection->GetRepeatedStringReference(*message, field, i, &scratch);
        if (IsValidUtf8(value)) continue;
        std::string repaired = value;
        RepairUtf8(&repaired);
        reflection->SetRepeatedString(message, field, i, std::move(repaired));
        ++changed;
      }
    } else {
      // An unset field reads as its default, which is valid.
      std::string scratch;
      const std::string& value = reflection->GetStringReference(*message, field, &scratch);
      if (IsValidUtf8(value)) continue;
      std::string repaired = value;
      RepairUtf8(&repaired);
      reflection->SetString(message, field, std::move(repaired));
      ++changed;
    }
  }
  return changed;
}

}  // namespace newsflow
