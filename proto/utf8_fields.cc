#include "proto/utf8_fields.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <string>

#include "common/utf8.h"

namespace newsflow {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

int RepairStringFields(Message* message) {
  const Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);  // set fields only (maps and repeated: non-empty)
  int changed = 0;
  for (const FieldDescriptor* field : fields) {
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      if (field->is_repeated()) {
        const int size = reflection->FieldSize(*message, field);
        for (int i = 0; i < size; ++i) {
          changed += RepairStringFields(reflection->MutableRepeatedMessage(message, field, i));
        }
      } else {
        changed += RepairStringFields(reflection->MutableMessage(message, field));
      }
      continue;
    }
    if (field->type() != FieldDescriptor::TYPE_STRING) continue;  // bytes may hold anything
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
