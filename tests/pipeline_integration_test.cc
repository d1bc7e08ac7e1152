// End-to-end tests against the real local Kafka broker started by the ctest fixture
// (deploy/kafka.sh on NEWSFLOW_TEST_BROKERS): the `newsflow` binary produces and processes,
// the test reads the topics back and checks what came out.
#include <algorithm>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "kafka/client.h"
#include "newsflow/v1/article.pb.h"
#include "tests/test_support.h"

namespace newsflow {
namespace {

using ::newsflow::testing::BackgroundProcess;
using ::newsflow::testing::CommandResult;
using ::newsflow::testing::IsOk;
using ::newsflow::testing::ReadTopic;
using ::newsflow::testing::RunNewsflow;
using ::newsflow::testing::TempDir;
using ::newsflow::testing::UniqueName;
using ::testing::Contains;
using ::testing::HasSubstr;

class BrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    brokers_ = testing::TestBrokers();
    if (brokers_.empty()) GTEST_SKIP() << "NEWSFLOW_TEST_BROKERS not set (run through ctest)";
    const std::string suffix = UniqueName("t");
    raw_ = "raw-" + suffix;
    enriched_ = "enriched-" + suffix;
    dlq_ = "dlq-" + suffix;
    group_ = "group-" + suffix;
  }

  std::string TopicFlags() const {
    return absl::StrCat("--brokers ", brokers_, " --raw-topic ", raw_, " --enriched-topic ",
                        enriched_, " --dlq-topic ", dlq_);
  }

  std::string SeedPath() const {
    return testing::SourceDir() + "/data/samples/000_etv_bharat_ukraine_allies.txt";
  }

  // Seed body (everything after the title line) for building republished copies.
  std::string SeedBody() const {
    std::string text = testing::ReadFile(SeedPath());
    size_t title_start = text.find('\n', text.find("date"));
    title_start = text.find_first_not_of("\n\r ", title_start);
    return text.substr(text.find('\n', title_start) + 1);
  }

  std::vector<v1::EnrichedArticle> WaitForEnriched(size_t count) {
    std::vector<v1::EnrichedArticle> articles;
    for (const kafka::ConsumedMessage& m : ReadTopic(brokers_, enriched_, count, 60000)) {
      v1::EnrichedArticle article;
      EXPECT_TRUE(article.ParseFromString(m.value));
      articles.push_back(article);
    }
    return articles;
  }

  std::string brokers_, raw_, enriched_, dlq_, group_;
};

std::vector<std::string> Countries(const v1::EnrichedArticle& article) {
  std::vector<std::string> codes;
  for (const v1::Region& region : article.regions()) codes.push_back(region.country_code());
  return codes;
}

std::vector<std::string> Topics(const v1::EnrichedArticle& article) {
  std::vector<std::string> codes;
  for (const v1::Topic& topic : article.topics()) codes.push_back(topic.code());
  return codes;
}

const v1::EnrichedArticle* FindById(const std::vector<v1::EnrichedArticle>& articles,
                                    const std::string& id) {
  for (const v1::EnrichedArticle& article : articles) {
    if (article.id() == id) return &article;
  }
  return nullptr;
}

TEST_F(BrokerTest, SeedArticleIsEnrichedAndItsCopiesAreFlaggedAsDuplicates) {
  BackgroundProcess processor(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                           " --progress-interval 0"));
  TempDir dir;

  // 1. The seed: unique, Ukraine in focus with Russia and France, conflict or politics.
  CommandResult produced = RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", SeedPath()));
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  std::vector<v1::EnrichedArticle> out = WaitForEnriched(1);
  ASSERT_EQ(out.size(), 1u) << processor.Log();
  const v1::EnrichedArticle seed = out[0];  // a copy: `out` is reassigned below
  EXPECT_EQ(seed.dedup().status(), v1::DedupVerdict::UNIQUE);
  EXPECT_THAT(Countries(seed), ::testing::IsSupersetOf({"UA", "RU", "FR"}));
  EXPECT_THAT(Topics(seed), Contains(::testing::AnyOf("medtop:16000000", "medtop:11000000")));

  // 2. A lightly edited copy: new headline, outlet boilerplate appended.
  nlohmann::json edited = {
      {"id", "republished-copy"},
      {"url", "https://outlet.example.com/world/allies-guarantees"},
      {"source", "Example Outlet"},
      {"published_at", "2026-01-07T14:30:00Z"},
      {"title", "Allies Near Deal On Security Guarantees For Kyiv"},
      {"body", SeedBody() + "\n\nRead more world news on our website. Follow us on social "
                            "media and subscribe to our daily newsletter. (c) Example Outlet."}};
  produced = RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ",
                                      dir.Write("edited.jsonl", edited.dump() + "\n")));
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  out = WaitForEnriched(2);
  const v1::EnrichedArticle* copy = FindById(out, "republished-copy");
  ASSERT_NE(copy, nullptr) << processor.Log();
  EXPECT_EQ(copy->dedup().status(), v1::DedupVerdict::NEAR_DUPLICATE);
  EXPECT_EQ(copy->dedup().cluster_id(), seed.id());

  // 3. The identical text again (another outlet, another headline).
  nlohmann::json identical = {{"id", "identical-copy"},
                              {"source", "Third Outlet"},
                              {"published_at", "Wed, 07 Jan 2026 16:00:00 +0000"},
                              {"title", "Ukraine's allies report progress"},
                              {"body", SeedBody()}};
  produced = RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ",
                                      dir.Write("identical.jsonl", identical.dump() + "\n")));
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  out = WaitForEnriched(3);
  const v1::EnrichedArticle* exact = FindById(out, "identical-copy");
  ASSERT_NE(exact, nullptr) << processor.Log();
  EXPECT_EQ(exact->dedup().status(), v1::DedupVerdict::EXACT_DUPLICATE);
  EXPECT_EQ(exact->dedup().cluster_id(), seed.id());

  // SIGTERM stops the service cleanly.
  EXPECT_EQ(processor.Terminate(30000), 0) << processor.Log();
}

TEST_F(BrokerTest, MalformedRecordGoesToDeadLetterTopicAndProcessingGoesOn) {
  ASSERT_THAT(RunNewsflow(absl::StrCat("topics ", TopicFlags())).exit_code, 0);
  kafka::ProducerOptions options;
  options.client.brokers = brokers_;
  auto producer = kafka::Producer::Create(options);
  ASSERT_THAT(producer, IsOk());
  const std::string garbage = "\x0a\xff\xff\xff this is not a RawArticle";
  ASSERT_THAT((*producer)->Send(raw_, "bad-key", garbage), IsOk());
  ASSERT_THAT((*producer)->Flush(10000), IsOk());
  CommandResult produced = RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", SeedPath()));
  ASSERT_EQ(produced.exit_code, 0) << produced.err;

  CommandResult processed = RunNewsflow(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                                     " --exit-when-idle-ms 1500"));
  ASSERT_EQ(processed.exit_code, 0) << processed.err;
  EXPECT_THAT(processed.err, HasSubstr("UNDECODABLE"));

  std::vector<kafka::ConsumedMessage> dead = ReadTopic(brokers_, dlq_, 1);
  ASSERT_EQ(dead.size(), 1u);
  v1::DeadLetter letter;
  ASSERT_TRUE(letter.ParseFromString(dead[0].value));
  EXPECT_EQ(letter.reason(), v1::DeadLetter::UNDECODABLE);
  EXPECT_EQ(letter.stage(), "decode");
  EXPECT_EQ(letter.original(), garbage);
  EXPECT_EQ(letter.input_topic(), raw_);
  EXPECT_EQ(letter.input_offset(), 0);
  EXPECT_EQ(WaitForEnriched(1).size(), 1u);

  // Offsets were committed: the same group finds nothing left to do.
  CommandResult again = RunNewsflow(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                                  " --exit-when-idle-ms 1500"));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(again.err, HasSubstr("consumed 0"));
}

TEST_F(BrokerTest, ProducerSendsBadInputLinesToDeadLetterTopicAndTheRestGoesOn) {
  TempDir dir;
  const std::string input = dir.Write(
      "mixed.jsonl",
      "{\"id\": \"good-1\", \"title\": \"A\", \"body\": \"First good article body.\"}\n"
      "{\"id\": \"broken\", \"body\": \n"
      "{\"id\": \"good-2\", \"title\": \"B\", \"body\": \"Second good article body.\"}\n");
  CommandResult produced = RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", input));
  EXPECT_EQ(produced.exit_code, 3) << produced.err;
  EXPECT_THAT(produced.err, HasSubstr("mixed.jsonl:2"));
  EXPECT_THAT(produced.err, HasSubstr("2 of 2 article(s) acknowledged"));
  EXPECT_EQ(ReadTopic(brokers_, raw_, 2).size(), 2u);
  std::vector<kafka::ConsumedMessage> dead = ReadTopic(brokers_, dlq_, 1);
  ASSERT_EQ(dead.size(), 1u);
  v1::DeadLetter letter;
  ASSERT_TRUE(letter.ParseFromString(dead[0].value));
  EXPECT_EQ(letter.stage(), "produce");
  EXPECT_EQ(letter.line(), 2);
  EXPECT_EQ(letter.original(), "{\"id\": \"broken\", \"body\": ");
}

TEST(Producer, ExitsNonZeroWithCountWhenBrokerIsUnreachable) {
  if (testing::NewsflowBinary().empty()) GTEST_SKIP() << "NEWSFLOW_BIN not set";
  const std::string seed =
      testing::SourceDir() + "/data/samples/000_etv_bharat_ukraine_allies.txt";
  // Nothing listens on port 1: every record must be reported as not acknowledged.
  CommandResult result = RunNewsflow(absl::StrCat(
      "produce --brokers 127.0.0.1:1 --delivery-timeout-ms 2000 --no-create-topics ", seed));
  EXPECT_EQ(result.exit_code, 4) << result.err;
  EXPECT_THAT(result.err, HasSubstr("0 of 1 article(s) acknowledged"));
  EXPECT_THAT(result.err, HasSubstr("1 article(s) NOT acknowledged"));
  EXPECT_THAT(result.err, HasSubstr("000_etv_bharat_ukraine_allies"));

  // With topic creation (the default) it fails early, naming the broker.
  result = RunNewsflow(absl::StrCat("produce --brokers 127.0.0.1:1 --delivery-timeout-ms 2000 ", seed));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("cannot prepare topics on 127.0.0.1:1"));
}

}  // namespace
}  // namespace newsflow
