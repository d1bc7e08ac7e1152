// End-to-end tests against the real local Kafka broker started by the ctest fixture
// (deploy/kafka.sh on NEWSFLOW_TEST_BROKERS): the `newsflow` binary produces and processes,
// the test reads the topics back and checks what came out.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <thread>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <httplib.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/status_matchers.h"
#include "kafka/admin.h"
#include "newsflow/v1/article.pb.h"
#include "tests/broker_test_fixture.h"
#include "tests/test_support.h"

namespace newsflow {
namespace {

using ::newsflow::testing::BackgroundProcess;
using ::newsflow::testing::CommandResult;
using ::newsflow::testing::IsOk;
using ::newsflow::testing::ReadTopic;
using ::newsflow::testing::RunNewsflow;
using ::newsflow::testing::TempDir;
using ::testing::Contains;
using ::testing::HasSubstr;

class BrokerTest : public testing::BrokerTopicsTest {
 protected:
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

// Records queued before librdkafka knows a topic's partitions wait for its one-second topic
// scan: that was the ~1 s latency tail of a fresh `produce` (issue #23, docs/PERFORMANCE.md).
// Both ends look their topics up first, so no record is ever queued unassigned.
size_t RecordsQueuedUnassigned(const std::string& log) {
  size_t total = 0;
  const std::string marker = "Partitioning ";
  for (size_t at = log.find(marker); at != std::string::npos; at = log.find(marker, at + 1)) {
    total += std::strtoul(log.c_str() + at + marker.size(), nullptr, 10);
  }
  return total;
}

TEST_F(BrokerTest, ProduceAndProcessLearnTheirTopicsBeforeTheFirstRecord) {
  ASSERT_THAT(RunNewsflow(absl::StrCat("topics ", TopicFlags())).exit_code, 0);
  TempDir dir;
  std::string lines;
  for (int i = 0; i < 200; ++i) {
    lines += nlohmann::json({{"id", absl::StrCat("learn-", i)},
                             {"title", absl::StrCat("Story ", i)},
                             {"body", absl::StrCat("Body of story number ", i, " about ports.")}})
                 .dump() +
             "\n";
  }
  const std::string input = dir.Write("in.jsonl", lines);
  CommandResult produced =
      RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", input, " --kafka debug=topic"));
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  EXPECT_THAT(produced.err, HasSubstr("Partitioning 0 unassigned messages in topic " + raw_));
  EXPECT_EQ(RecordsQueuedUnassigned(produced.err), 0u);

  CommandResult processed =
      RunNewsflow(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                               " --exit-when-idle-ms 1500 --kafka debug=topic"));
  ASSERT_EQ(processed.exit_code, 0) << processed.err;
  EXPECT_THAT(processed.err, HasSubstr("Partitioning 0 unassigned messages in topic " + enriched_));
  EXPECT_EQ(RecordsQueuedUnassigned(processed.err), 0u);
  EXPECT_EQ(WaitForEnriched(200).size(), 200u);
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

// A stream with copies: each sample story, then later a trimmed copy, a copy with
// boilerplate and an identical copy, interleaved with the others.
std::string DuplicateRichStream() {
  std::vector<std::pair<std::string, std::string>> stories;  // id, body
  std::ifstream samples(testing::SourceDir() + "/data/samples/newsroom_samples.jsonl");
  std::string line;
  while (std::getline(samples, line)) {
    nlohmann::json object = nlohmann::json::parse(line);
    stories.emplace_back(object["id"], object["body"]);
  }
  std::string out;
  auto emit = [&](const std::string& id, const std::string& body, int day) {
    out += nlohmann::json{{"id", id},
                          {"title", "Story " + id},
                          {"body", body},
                          {"published_at", absl::StrCat("2026-01-", 10 + day % 20, "T08:00:00Z")}}
               .dump() +
           "\n";
  };
  for (int round = 0; round < 24; ++round) {
    for (size_t i = 0; i < stories.size(); ++i) {
      const auto& [id, body] = stories[i];
      const std::string tag = absl::StrCat(id, "-r", round);
      const int day = round;
      switch (round % 4) {
        case 0: emit(tag, body, day); break;
        case 1: emit(tag, body.substr(0, body.size() * 2 / 3), day); break;
        case 2: emit(tag, body + "\n\nThe desk added a local paragraph here, about the town.", day); break;
        default: emit(tag, body, day); break;
      }
    }
  }
  return out;
}

struct Verdict {
  std::string status, cluster_id, duplicate_of;
  bool operator==(const Verdict& o) const {
    return status == o.status && cluster_id == o.cluster_id && duplicate_of == o.duplicate_of;
  }
};

std::map<std::string, Verdict> BatchVerdicts(const std::string& input) {
  std::map<std::string, Verdict> verdicts;
  CommandResult result = RunNewsflow("batch " + input);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::istringstream lines(result.out);
  std::string line;
  while (std::getline(lines, line)) {
    nlohmann::json a = nlohmann::json::parse(line);
    verdicts[a["id"]] = {a["dedup"]["status"], a["dedup"]["clusterId"], a["dedup"]["duplicateOf"]};
  }
  return verdicts;
}

// Every id's verdicts on the topic (more than one after an at-least-once replay).
std::map<std::string, std::vector<Verdict>> TopicVerdicts(const std::vector<v1::EnrichedArticle>& articles) {
  std::map<std::string, std::vector<Verdict>> verdicts;
  for (const v1::EnrichedArticle& a : articles) {
    verdicts[a.id()].push_back({v1::DedupVerdict::Status_Name(a.dedup().status()),
                                a.dedup().cluster_id(), a.dedup().duplicate_of()});
  }
  return verdicts;
}

void ExpectSameVerdicts(const std::map<std::string, Verdict>& expected,
                        const std::map<std::string, std::vector<Verdict>>& actual) {
  EXPECT_EQ(actual.size(), expected.size());
  int duplicates_seen = 0;
  for (const auto& [id, verdict] : expected) {
    auto it = actual.find(id);
    ASSERT_NE(it, actual.end()) << id << " missing from the output";
    for (const Verdict& v : it->second) {
      EXPECT_TRUE(v == verdict) << id << ": " << v.status << "/" << v.cluster_id << " vs uninterrupted "
                                << verdict.status << "/" << verdict.cluster_id;
    }
    duplicates_seen += verdict.status != "UNIQUE";
  }
  EXPECT_GT(duplicates_seen, 10);  // the stream really exercises the dedup state
}

TEST_F(BrokerTest, CleanRestartMidStreamKeepsEveryDedupVerdict) {
  TempDir dir;
  const std::string input = dir.Write("stream.jsonl", DuplicateRichStream());
  const std::map<std::string, Verdict> expected = BatchVerdicts(input);
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", input)).exit_code, 0);

  // At-least-once here; the kill test below runs the default, exactly-once.
  CommandResult first = RunNewsflow(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                                 " --guarantee at-least-once --max-records 11 "
                                                 "--progress-interval 0"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  CommandResult second = RunNewsflow(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                                  " --guarantee at-least-once "
                                                  "--exit-when-idle-ms 1500 --progress-interval 0"));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_THAT(second.err, HasSubstr("restored dedup index"));
  ExpectSameVerdicts(expected, TopicVerdicts(WaitForEnriched(expected.size())));
}

TEST_F(BrokerTest, KilledExactlyOnceProcessorLeavesOneRecordPerArticleAndTheSameVerdicts) {
  TempDir dir;
  const std::string input = dir.Write("stream.jsonl", DuplicateRichStream());
  const std::map<std::string, Verdict> expected = BatchVerdicts(input);
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", input)).exit_code, 0);

  std::string crash_logs;
  const size_t total = expected.size();
  for (size_t committed_before_kill : {total / 8, total / 3, total / 2}) {
    // One record per transaction; killed once it has committed some outputs (read_committed).
    BackgroundProcess processor(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                             " --batch-size 1 --progress-interval 0"));
    ReadTopic(brokers_, enriched_, committed_before_kill, 60000, 0);
    processor.Kill();
    crash_logs += processor.Log();
  }
  CommandResult last = RunNewsflow(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                                " --exit-when-idle-ms 1500 --progress-interval 0"));
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_THAT(last.err, HasSubstr("guarantee: exactly-once"));
  std::cerr << "killed runs:\n" << crash_logs << "final run:\n" << last.err;
  // The final run resumed with the index the killed runs committed, not an empty one.
  EXPECT_THAT(last.err, HasSubstr("restored dedup index from newsflow." + group_ +
                                  ".dedup-changelog"));
  EXPECT_THAT(last.err, ::testing::Not(HasSubstr(" articles=0 ")));
  const std::map<std::string, std::vector<Verdict>> verdicts =
      TopicVerdicts(WaitForEnriched(expected.size()));
  ExpectSameVerdicts(expected, verdicts);
  for (const auto& [id, copies] : verdicts) {
    EXPECT_EQ(copies.size(), 1u) << id << " appears " << copies.size() << " times (read_committed)";
  }
}

TEST_F(BrokerTest, ProcessorRidesOutABrokerRestartAndLosesNothing) {
  TempDir dir;
  const std::string stream = DuplicateRichStream();
  const std::string input = dir.Write("stream.jsonl", stream);
  const std::map<std::string, Verdict> expected = BatchVerdicts(input);
  // The stream in two halves: the broker restarts between them, under a running processor.
  size_t middle = 0;
  for (size_t lines = 0; lines < expected.size() / 2; ++lines) middle = stream.find('\n', middle) + 1;
  const std::string first = dir.Write("first.jsonl", stream.substr(0, middle));
  const std::string second = dir.Write("second.jsonl", stream.substr(middle));

  BackgroundProcess processor(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                           " --batch-size 5 --progress-interval 0"));
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", first)).exit_code, 0);
  ASSERT_EQ(WaitForEnriched(expected.size() / 2).size(), expected.size() / 2) << processor.Log();

  const std::string port = brokers_.substr(brokers_.rfind(':') + 1);
  const std::string kafka = testing::SourceDir() + "/deploy/kafka.sh";
  ASSERT_EQ(std::system((kafka + " stop --port " + port + " >/dev/null 2>&1").c_str()), 0);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  ASSERT_EQ(std::system((kafka + " start --port " + port + " >/dev/null 2>&1").c_str()), 0);
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", second)).exit_code, 0);

  // The same process, never restarted, finishes the stream once the broker is back.
  const std::map<std::string, std::vector<Verdict>> verdicts =
      TopicVerdicts(WaitForEnriched(expected.size()));
  EXPECT_EQ(processor.Terminate(60000), 0) << processor.Log();
  ExpectSameVerdicts(expected, verdicts);
  for (const auto& [id, copies] : verdicts) {
    EXPECT_EQ(copies.size(), 1u) << id << " appears " << copies.size() << " times (read_committed)";
  }
  // What the processor went through, for a failure that happens only under load.
  if (HasFailure()) ADD_FAILURE() << "processor log:\n" << processor.Log();
}

// GET http://127.0.0.1:<port><path>; status -1 when nothing answers.
std::pair<int, std::string> HttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  auto response = client.Get(path.c_str());
  if (!response) return {-1, ""};
  return {response->status, response->body};
}

TEST_F(BrokerTest, ServesReadinessHealthAndMetricsWhileProcessing) {
  // A port unlikely to be taken; the processor fails at start, naming it, if it is.
  const int port = 20000 + static_cast<int>(getpid() % 20000);
  BackgroundProcess processor(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                           " --progress-interval 0 --http-port ", port));
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", SeedPath())).exit_code, 0);
  ASSERT_EQ(WaitForEnriched(1).size(), 1u) << processor.Log();
  std::pair<int, std::string> ready{-1, ""};
  for (int waited = 0; waited < 30000 && ready.first != 200; waited += 200) {
    ready = HttpGet(port, "/readyz");
    if (ready.first != 200) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(ready.first, 200) << ready.second << processor.Log();
  EXPECT_EQ(HttpGet(port, "/healthz").first, 200);
  const auto [status, metrics] = HttpGet(port, "/metrics");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(metrics, HasSubstr("newsflow_ready 1"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_records_consumed_total{topic=\"" + raw_ + "\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_records_committed_total{topic=\"" + enriched_ + "\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_dedup_verdicts_total{verdict=\"unique\"} 1"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_transactions_total{outcome=\"committed\"}"));
  EXPECT_THAT(metrics, HasSubstr("newsflow_end_to_end_latency_seconds_count 1"));
  EXPECT_EQ(processor.Terminate(30000), 0) << processor.Log();
}

// The clusters of a run (the ids each holds): unlike single verdicts, they do not depend
// on which copy of a story happened to be processed first.
std::set<std::set<std::string>> Clusters(const std::map<std::string, Verdict>& verdicts) {
  std::map<std::string, std::set<std::string>> by_cluster;
  for (const auto& [id, verdict] : verdicts) {
    by_cluster[verdict.status == "UNIQUE" ? id : verdict.cluster_id].insert(id);
  }
  std::set<std::set<std::string>> clusters;
  for (auto& [cluster, ids] : by_cluster) clusters.insert(std::move(ids));
  return clusters;
}

uint64_t ConsumedCount(const std::string& log) {
  const size_t at = log.rfind("done: consumed ");
  return at == std::string::npos ? 0 : std::stoull(log.substr(at + 15));
}

TEST_F(BrokerTest, ThreeScaleOutInstancesWithOneJoiningAndOneLeavingKeepOneRecordPerArticleAndItsCluster) {
  TempDir dir;
  const std::string input = dir.Write("stream.jsonl", DuplicateRichStream());
  // A window longer than the stream's dates: clusters then do not depend on arrival order,
  // which several instances reading six raw partitions do not preserve.
  const std::string window = " --dedup-window-hours 100000";
  const std::map<std::string, Verdict> expected = BatchVerdicts(input + window);
  const size_t total = expected.size();
  CommandResult created = RunNewsflow(absl::StrCat("topics ", TopicFlags(), " --raw-partitions 6"));
  ASSERT_EQ(created.exit_code, 0) << created.err;
  // The stream arrives in two halves, the second once the group has grown.
  const std::string stream = testing::ReadFile(input);
  size_t middle = 0;
  for (size_t lines = 0; lines < total / 2; ++lines) middle = stream.find('\n', middle) + 1;
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ",
                                     dir.Write("first.jsonl", stream.substr(0, middle))))
                .exit_code,
            0);

  // Small batches make the run long enough for the group to change under it.
  const std::string process = absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                           " --topology scale-out --batch-size 2 "
                                           "--progress-interval 0",
                                           window);
  BackgroundProcess first(process), second(process), third(process);
  ReadTopic(brokers_, enriched_, total / 4, 120000, 0);
  BackgroundProcess fourth(process);  // joins mid-stream
  for (int waited = 0; waited < 60000 && fourth.Log().find("dedup tasks assigned") == std::string::npos;
       waited += 100) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ",
                                     dir.Write("second.jsonl", stream.substr(middle))))
                .exit_code,
            0);
  ReadTopic(brokers_, enriched_, total * 2 / 3, 120000, 0);
  EXPECT_EQ(second.Terminate(60000), 0) << second.Log();  // leaves mid-stream
  const std::map<std::string, std::vector<Verdict>> verdicts =
      TopicVerdicts(WaitForEnriched(total));
  EXPECT_EQ(first.Terminate(60000), 0) << first.Log();
  EXPECT_EQ(third.Terminate(60000), 0) << third.Log();
  EXPECT_EQ(fourth.Terminate(60000), 0) << fourth.Log();

  // Exactly one committed record per article, and the same clusters as one process alone.
  std::map<std::string, Verdict> actual;
  for (const auto& [id, copies] : verdicts) {
    EXPECT_EQ(copies.size(), 1u) << id << " appears " << copies.size() << " times (read_committed)";
    actual[id] = copies.front();
  }
  EXPECT_EQ(actual.size(), total);
  EXPECT_EQ(Clusters(actual), Clusters(expected));
  EXPECT_GT(total - Clusters(expected).size(), 10u);  // there were copies to find
  // The work was shared: the instance that joined took part, and so did those that began.
  EXPECT_GT(ConsumedCount(fourth.Log()), 0u) << fourth.Log();
  EXPECT_GT(ConsumedCount(first.Log()) + ConsumedCount(second.Log()) + ConsumedCount(third.Log()),
            0u);
  EXPECT_THAT(fourth.Log(), HasSubstr("dedup tasks assigned"));
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
  EXPECT_THAT(result.err, HasSubstr("1 article(s) NOT acknowledged and not written"));
  EXPECT_THAT(result.err, HasSubstr("000_etv_bharat_ukraine_allies"));

  // With topic creation (the default) it fails early, naming the broker.
  result = RunNewsflow(absl::StrCat("produce --brokers 127.0.0.1:1 --delivery-timeout-ms 2000 ", seed));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("cannot prepare topics on 127.0.0.1:1"));
}

}  // namespace
}  // namespace newsflow
