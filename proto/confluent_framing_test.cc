#include "proto/confluent_framing.h"

#include <gtest/gtest.h>

#include "newsflow/v1/article.pb.h"
#include "proto/schema_files.h"

namespace newsflow {
namespace {

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

TEST(ConfluentFraming, EnrichedArticleIsTheThirdMessageOfItsFile) {
  EXPECT_EQ(MessageIndexes(v1::RawArticle::descriptor()), std::vector<int>{0});
  EXPECT_EQ(MessageIndexes(v1::EnrichedArticle::descriptor()), std::vector<int>{2});
}

TEST(ConfluentFraming, PrefixMatchesTheDocumentedBytes) {
  // Magic 0, id 7 big-endian, array length 1 and index 2 as zig-zag varints (2 and 4).
  EXPECT_EQ(ConfluentPrefix(7, {2}), Bytes({0, 0, 0, 0, 7, 2, 4}));
  // The array [0] is the single byte 0.
  EXPECT_EQ(ConfluentPrefix(7, {0}), Bytes({0, 0, 0, 0, 7, 0}));
  // A nested message [1, 3], and an id that needs all four bytes.
  EXPECT_EQ(ConfluentPrefix(0x01020304, {1, 3}), Bytes({0, 1, 2, 3, 4, 4, 2, 6}));
  // An index of 64 needs two varint bytes (zig-zag 128).
  EXPECT_EQ(ConfluentPrefix(1, {64}), Bytes({0, 0, 0, 0, 1, 2, 0x80, 0x01}));
}

TEST(ConfluentFraming, AFramedArticleReadsBackAsTheSameArticle) {
  v1::EnrichedArticle article;
  article.set_id("a1");
  article.set_title("Harbour plan approved");
  const std::string framed = ConfluentPrefix(42, {2}) + article.SerializeAsString();
  ConfluentHeader header;
  auto payload = ProtobufPayload(framed, &header);
  ASSERT_TRUE(payload.ok()) << payload.status();
  EXPECT_EQ(header.schema_id, 42);
  EXPECT_EQ(header.message_indexes, std::vector<int>{2});
  v1::EnrichedArticle back;
  ASSERT_TRUE(back.ParseFromString(std::string(*payload)));
  EXPECT_EQ(back.title(), "Harbour plan approved");
}

TEST(ConfluentFraming, PlainProtobufPassesThroughUnchanged) {
  v1::EnrichedArticle article;
  article.set_id("a1");
  const std::string plain = article.SerializeAsString();
  ConfluentHeader header;
  header.schema_id = 9;
  auto payload = ProtobufPayload(plain, &header);
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(*payload, plain);
  EXPECT_EQ(header.schema_id, 0);
}

TEST(ConfluentFraming, ACutOrMalformedHeaderIsAnError) {
  EXPECT_FALSE(ProtobufPayload(Bytes({0, 0, 0})).ok());
  EXPECT_FALSE(ProtobufPayload(Bytes({0, 0, 0, 0, 1, 2})).ok());        // length 1, no index
  EXPECT_FALSE(ProtobufPayload(Bytes({0, 0, 0, 0, 1, 0x80})).ok());     // unterminated varint
  EXPECT_FALSE(ProtobufPayload(Bytes({0, 0, 0, 0, 1, 1})).ok());        // negative length
}

TEST(SchemaFiles, TheDescriptorSetHoldsEveryFileWithItsImportsFirst) {
  google::protobuf::FileDescriptorSet set = SchemaDescriptorSet();
  ASSERT_EQ(set.file_size(), 2);
  EXPECT_EQ(set.file(0).name(), "newsflow/v1/article.proto");
  EXPECT_EQ(set.file(1).name(), "newsflow/v1/state.proto");
  ASSERT_NE(ProtoFileText("newsflow/v1/article.proto"), nullptr);
  EXPECT_NE(std::string(ProtoFileText("newsflow/v1/article.proto")).find("message EnrichedArticle"),
            std::string::npos);
  EXPECT_EQ(ProtoFileText("nope.proto"), nullptr);
}

}  // namespace
}  // namespace newsflow
