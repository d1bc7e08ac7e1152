// CLI behaviour of the consumer-facing commands without a broker: `schema`, the Confluent
// framing options of `process`, and `dashboard`'s options.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/dynamic_message.h"
#include "newsflow/v1/article.pb.h"
#include "tests/test_support.h"

namespace newsflow {
namespace {

using ::newsflow::testing::CommandResult;
using ::newsflow::testing::RunNewsflow;
using ::newsflow::testing::TempDir;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(Schema, PrintsEveryProtoFileAsBuilt) {
  CommandResult result = RunNewsflow("schema");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("// file: newsflow/v1/article.proto\n"));
  EXPECT_THAT(result.out, HasSubstr("// file: newsflow/v1/state.proto\n"));
  EXPECT_THAT(result.out, HasSubstr("message EnrichedArticle {"));
  CommandResult one = RunNewsflow("schema --file newsflow/v1/article.proto");
  ASSERT_EQ(one.exit_code, 0);
  EXPECT_EQ(one.out.rfind("// newsflow message schema", 0), 0u) << one.out.substr(0, 80);
  CommandResult unknown = RunNewsflow("schema --file nope.proto");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("newsflow/v1/article.proto"));
}

TEST(Schema, TheDescriptorSetDecodesARecordWithoutTheGeneratedCode) {
  TempDir dir;
  const std::string path = dir.path() + "/newsflow.desc";
  CommandResult result = RunNewsflow("schema --descriptor-set " + path);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  google::protobuf::FileDescriptorSet set;
  ASSERT_TRUE(set.ParseFromString(bytes.str()));
  // A pool of its own, as a Python, Java or Spark reader would build one.
  google::protobuf::DescriptorPool pool;
  for (const auto& file : set.file()) ASSERT_NE(pool.BuildFile(file), nullptr) << file.name();
  const google::protobuf::Descriptor* type = pool.FindMessageTypeByName("newsflow.v1.EnrichedArticle");
  ASSERT_NE(type, nullptr);
  v1::EnrichedArticle article;
  article.set_title("Harbour plan approved");
  article.add_topics()->set_code("medtop:11000000");
  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> decoded(factory.GetPrototype(type)->New());
  ASSERT_TRUE(decoded->ParseFromString(article.SerializeAsString()));
  EXPECT_EQ(decoded->GetReflection()->GetString(*decoded, type->FindFieldByName("title")),
            "Harbour plan approved");
}

TEST(Process, ConfluentFramingNeedsARegistryAndNamesOneThatCannotBeReached) {
  CommandResult missing = RunNewsflow(
      "process --brokers 127.0.0.1:1 --output-framing confluent --exit-when-idle-ms 1");
  EXPECT_EQ(missing.exit_code, 2);  // a usage error
  EXPECT_THAT(missing.err, HasSubstr("needs --schema-registry-url"));
  CommandResult unreachable = RunNewsflow(
      "process --brokers 127.0.0.1:1 --output-framing confluent --schema-registry-url "
      "http://127.0.0.1:1 --exit-when-idle-ms 1");
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_THAT(unreachable.err, HasSubstr("Schema Registry at http://127.0.0.1:1 unreachable"));
  CommandResult strategy = RunNewsflow(
      "process --brokers 127.0.0.1:1 --output-framing confluent --schema-subject-strategy "
      "TopicNameStrategy --schema-registry-url http://127.0.0.1:1");
  EXPECT_EQ(strategy.exit_code, 2);
  CommandResult secret = RunNewsflow(
      "process --brokers 127.0.0.1:1 --output-framing confluent --schema-registry-url "
      "http://127.0.0.1:1 --schema-registry-basic-auth-credentials alice:s3cret");
  EXPECT_THAT(secret.err, Not(HasSubstr("s3cret")));
}

TEST(Dashboard, ExplainsItsOptions) {
  CommandResult help = RunNewsflow("dashboard --help");
  ASSERT_EQ(help.exit_code, 0);
  for (const char* option : {"--brokers", "--topic", "--http-port", "--http-address",
                             "--retention-hours", "--max-articles", "/api/summary"}) {
    EXPECT_THAT(help.out, HasSubstr(option));
  }
  EXPECT_EQ(RunNewsflow("dashboard --retention-hours 0").exit_code, 2);
}

}  // namespace
}  // namespace newsflow
