#include "proto/json_writer.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cmath>
#include <cstring>
#include <iterator>
#include <memory>
#include <random>
#include <string>

#include "newsflow/v1/article.pb.h"
#include "newsflow/v1/state.pb.h"

namespace newsflow::proto {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;

std::string Protobuf(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json, options).ok());
  return json;
}

std::string Direct(const Message& message) {
  std::string json;
  absl::Status status = AppendJson(message, &json);
  EXPECT_TRUE(status.ok()) << status;
  return json;
}

void AppendUtf8(uint32_t cp, std::string* s) {
  utf8proc_uint8_t buf[4];
  s->append(reinterpret_cast<const char*>(buf),
            static_cast<size_t>(utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp), buf)));
}

TEST(JsonWriter, EveryCodePointIsWrittenAsProtobufWritesIt) {
  // Every scalar value, 64 to a string, each between two ASCII letters.
  std::string text;
  int in_text = 0;
  for (uint32_t cp = 0; cp <= 0x10FFFF; ++cp) {
    if (cp >= 0xD800 && cp < 0xE000) continue;
    text.push_back('a');
    AppendUtf8(cp, &text);
    if (++in_text == 64 || cp == 0x10FFFF) {
      v1::Topic topic;
      topic.set_code(text);
      ASSERT_EQ(Direct(topic), Protobuf(topic)) << "code points up to U+" << std::hex << cp;
      text.clear();
      in_text = 0;
    }
  }
}

TEST(JsonWriter, FloatsAreWrittenAsProtobufWritesThem) {
  std::mt19937 rng(11);
  v1::Topic topic;
  const float specials[] = {0.0f, -0.0f, 1.0f, 0.1f, 0.99f, 1.0f / 3, 1e-7f, 2.5e10f, 1e38f,
                            3.4028235e38f, 1.4e-45f, 0.123456789f, 100000.0f, 1234567.0f,
                            std::nanf(""), INFINITY, -INFINITY};
  for (float f : specials) {
    topic.set_score(f);
    ASSERT_EQ(Direct(topic), Protobuf(topic)) << f;
  }
  for (int i = 0; i < 50000; ++i) {
    uint32_t bits = rng();
    float f;
    std::memcpy(&f, &bits, sizeof f);
    if (i % 2 == 0) f = std::uniform_real_distribution<float>(0, 1)(rng);  // a score
    topic.set_score(f);
    ASSERT_EQ(Direct(topic), Protobuf(topic)) << "bits " << bits;
  }
}

TEST(JsonWriter, DoublesAreWrittenAsProtobufWritesThem) {
  // newsflow's schema has no double field: a message made at run time has one.
  google::protobuf::FileDescriptorProto file;
  file.set_name("doubles.proto");
  file.set_syntax("proto3");
  auto* type = file.add_message_type();
  type->set_name("D");
  auto* field = type->add_field();
  field->set_name("value");
  field->set_number(1);
  field->set_type(google::protobuf::FieldDescriptorProto::TYPE_DOUBLE);
  field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
  google::protobuf::DescriptorPool pool;
  const auto* descriptor = pool.BuildFile(file)->message_type(0);
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<Message> message(factory.GetPrototype(descriptor)->New());
  const auto* value = descriptor->field(0);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 30000; ++i) {
    uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    if (i % 3 == 0) d = std::uniform_real_distribution<double>(0, 1e5)(rng);
    if (i == 0) d = 4.9e-324;  // the least subnormal
    if (i == 1) d = 0.1;
    message->GetReflection()->SetDouble(message.get(), value, d);
    ASSERT_EQ(Direct(*message), Protobuf(*message)) << "bits " << bits;
  }
}

// Fills every field the writer renders (not maps) with random values, recursively.
class RandomFiller {
 public:
  explicit RandomFiller(uint32_t seed) : rng_(seed) {}

  void Fill(Message* message, int depth) {
    const auto* descriptor = message->GetDescriptor();
    const auto* reflection = message->GetReflection();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      if (field->is_map() || Coin(3)) continue;  // leave a third at their defaults
      if (field->is_repeated()) {
        const int n = static_cast<int>(rng_() % 4);
        for (int k = 0; k < n; ++k) Add(message, reflection, field, depth);
      } else {
        Set(message, reflection, field, depth);
      }
    }
  }

 private:
  bool Coin(int one_in) { return rng_() % one_in == 0; }

  std::string Text() {
    static const uint32_t kPool[] = {'a', 'Z', ' ', '"', '\\', '/', '<', '>', '&', '\n', '\t',
                                     0x01, 0x7F, 0x85, 0xA0, 0xAD, 0xE9, 0x2028, 0x200B,
                                     0x20AC, 0xFEFF, 0x4E2D, 0x1F600, 0xE0041, 0x10FFFF};
    std::string s;
    const int n = static_cast<int>(rng_() % 24);
    for (int k = 0; k < n; ++k) AppendUtf8(kPool[rng_() % std::size(kPool)], &s);
    return s;
  }

  void Set(Message* m, const google::protobuf::Reflection* r, const FieldDescriptor* f,
           int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: r->SetInt32(m, f, static_cast<int32_t>(rng_())); break;
      case FieldDescriptor::CPPTYPE_UINT32: r->SetUInt32(m, f, rng_()); break;
      case FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(m, f, static_cast<int64_t>((uint64_t{rng_()} << 32) | rng_()));
        break;
      case FieldDescriptor::CPPTYPE_UINT64:
        r->SetUInt64(m, f, (uint64_t{rng_()} << 32) | rng_());
        break;
      case FieldDescriptor::CPPTYPE_FLOAT:
        r->SetFloat(m, f, std::uniform_real_distribution<float>(-2, 2)(rng_));
        break;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        r->SetDouble(m, f, std::uniform_real_distribution<double>(-1e6, 1e6)(rng_));
        break;
      case FieldDescriptor::CPPTYPE_BOOL: r->SetBool(m, f, Coin(2)); break;
      case FieldDescriptor::CPPTYPE_ENUM:
        r->SetEnumValue(m, f, static_cast<int>(rng_() % (f->enum_type()->value_count() + 2)));
        break;
      case FieldDescriptor::CPPTYPE_STRING:
        if (f->type() == FieldDescriptor::TYPE_BYTES) {
          std::string bytes(rng_() % 20, '\0');
          for (char& c : bytes) c = static_cast<char>(rng_());
          r->SetString(m, f, bytes);
        } else {
          r->SetString(m, f, Text());
        }
        break;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 3) Fill(r->MutableMessage(m, f), depth + 1);
        break;
    }
  }

  void Add(Message* m, const google::protobuf::Reflection* r, const FieldDescriptor* f,
           int depth) {
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING: r->AddString(m, f, Text()); break;
      case FieldDescriptor::CPPTYPE_MESSAGE: Fill(r->AddMessage(m, f), depth + 1); break;
      case FieldDescriptor::CPPTYPE_INT32: r->AddInt32(m, f, static_cast<int32_t>(rng_())); break;
      case FieldDescriptor::CPPTYPE_INT64: r->AddInt64(m, f, static_cast<int64_t>(rng_())); break;
      case FieldDescriptor::CPPTYPE_FLOAT: r->AddFloat(m, f, 0.5f); break;
      default: break;
    }
  }

  std::mt19937 rng_;
};

TEST(JsonWriter, RandomlyFilledMessagesAreWrittenAsProtobufWritesThem) {
  RandomFiller filler(5);
  for (int i = 0; i < 3000; ++i) {
    v1::EnrichedArticle article;
    filler.Fill(&article, 0);
    ASSERT_EQ(Direct(article), Protobuf(article)) << i;
    v1::DeadLetter letter;
    filler.Fill(&letter, 0);
    ASSERT_EQ(Direct(letter), Protobuf(letter)) << i;
  }
}

TEST(JsonWriter, AnEmptyMessagePrintsEveryPrimitiveFieldAndNoUnsetMessage) {
  v1::EnrichedArticle article;
  EXPECT_EQ(Direct(article), Protobuf(article));
  EXPECT_EQ(Direct(article).find("\"dedup\""), std::string::npos);
  article.mutable_dedup();
  EXPECT_EQ(Direct(article), Protobuf(article));
}

TEST(JsonWriter, RefusesWhatItCannotWriteAsProtobufDoesAndLeavesTheOutputAlone) {
  std::string out = "kept";
  v1::Topic topic;
  topic.set_code("cut \xE2\x82");  // a cut euro sign
  EXPECT_EQ(AppendJson(topic, &out).code(), absl::StatusCode::kFailedPrecondition);
  topic.set_code("\xED\xA0\x80");  // a surrogate
  EXPECT_FALSE(AppendJson(topic, &out).ok());
  topic.set_code("\xC0\x80");  // an overlong NUL
  EXPECT_FALSE(AppendJson(topic, &out).ok());
  v1::RawArticle raw;  // a map: protobuf prints it in hash order
  EXPECT_FALSE(AppendJson(raw, &out).ok());
  EXPECT_EQ(out, "kept");
}

}  // namespace
}  // namespace newsflow::proto
