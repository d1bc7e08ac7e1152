// Regression tests for the defects found by a day of hostile testing (issue #19), against
// the real local broker: a poison-pill record, dead letters that did not decode or fit,
// Ctrl-C during produce, credentials and certificates, a broker that stops answering, the
// shutdown bound, two single-topology instances on a two-partition topic, and records from
// the future. Each failed before its fix.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <random>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/sha256.h"
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
using ::testing::HasSubstr;
using ::testing::Not;

class HardeningTest : public testing::BrokerTopicsTest {
 protected:
  std::string NamePrefix() const override { return "h"; }

  std::string Article(const std::string& id, const std::string& body,
                      const std::string& published = "2026-12-01T10:00:00Z") const {
    return nlohmann::json{
               {"id", id}, {"title", "Story " + id}, {"published_at", published}, {"body", body}}
               .dump() +
           "\n";
  }

  // Distinct stories, so that none is a copy of another.
  std::string Story(int i) const {
    static const char* kWords[] = {"harbour", "council",  "budget",  "river",   "school",
                                   "railway", "festival", "clinic",  "market",  "bridge",
                                   "museum",  "library",  "airport", "stadium", "garden"};
    std::mt19937 random(static_cast<uint32_t>(i) * 7919u + 1);
    std::string text = absl::StrCat("Report number ", i, " from the city desk. ");
    for (int w = 0; w < 60; ++w) {
      absl::StrAppend(&text, kWords[random() % 15], w % 9 == 8 ? ". " : " ");
    }
    return text;
  }

  std::vector<v1::EnrichedArticle> Enriched(size_t count, int timeout_ms = 60000) {
    std::vector<v1::EnrichedArticle> articles;
    for (const kafka::ConsumedMessage& m : ReadTopic(brokers_, enriched_, count, timeout_ms)) {
      v1::EnrichedArticle article;
      EXPECT_TRUE(article.ParseFromString(m.value));
      articles.push_back(article);
    }
    return articles;
  }

  // Every dead letter on the topic, strictly decoded (a record that does not decode fails).
  std::vector<v1::DeadLetter> DeadLetters(size_t count) {
    std::vector<v1::DeadLetter> letters;
    for (const kafka::ConsumedMessage& m : ReadTopic(brokers_, dlq_, count, 60000)) {
      v1::DeadLetter letter;
      EXPECT_TRUE(letter.ParseFromString(m.value))
          << "a dead letter of " << m.value.size() << " bytes does not decode";
      letters.push_back(letter);
    }
    return letters;
  }

  // Sends raw record values to the raw topic as a third-party producer would.
  void SendRaw(const std::vector<std::string>& values, const std::string& compression = "lz4") {
    kafka::ProducerOptions options;
    options.client.brokers = brokers_;
    options.compression = compression;
    options.max_message_bytes = 2 * 1024 * 1024;
    auto producer = kafka::Producer::Create(options);
    ASSERT_THAT(producer, IsOk());
    for (const std::string& value : values) {
      ASSERT_THAT((*producer)->Send(raw_, "", value), IsOk());
    }
    ASSERT_THAT((*producer)->Flush(30000), IsOk());
    ASSERT_EQ((*producer)->counters().failed, 0u);
  }

  std::string ProcessFlags() const {
    return absl::StrCat("process ", TopicFlags(), " --group ", group_, " --progress-interval 0");
  }
};

std::string RandomBytes(size_t size, uint32_t seed, bool no_newlines = false) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) {
    c = static_cast<char>(random() & 0xFF);
    if (no_newlines && c == '\n') c = 'x';
  }
  return bytes;
}

// Letters and digits that lz4 cannot shrink: text that is still "incompressible".
std::string IncompressibleText(size_t size, uint32_t seed) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ";
  std::mt19937 random(seed);
  std::string text(size, ' ');
  for (char& c : text) c = kAlphabet[random() % (sizeof(kAlphabet) - 1)];
  return text;
}

std::pair<int, std::string> HttpGet(int port, const std::string& path) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(2);
  client.set_read_timeout(5);
  auto response = client.Get(path);
  if (!response) return {-1, ""};
  return {response->status, response->body};
}

// SIGSTOPs the test broker for the scope; SIGCONT however the test ends.
class BrokerPause {
 public:
  explicit BrokerPause(const std::string& brokers) : pid_(testing::FindBroker(brokers).pid) {
    if (pid_ > 0) kill(pid_, SIGSTOP);
  }
  ~BrokerPause() { Resume(); }
  void Resume() {
    if (pid_ > 0) kill(pid_, SIGCONT);
    pid_ = -1;
  }
  bool paused() const { return pid_ > 0; }

 private:
  pid_t pid_;
};

// 1. One record of about 1 MiB (incompressible, sent without compression, which the broker
// accepts) used to stall the processor for good: its dead letter, holding the whole
// original, was larger than the dead-letter topic takes, so every transaction aborted.
TEST_F(HardeningTest, OneMebibyteIncompressibleRecordIsDeadLetteredAndEveryValidOneComesOut) {
  ASSERT_EQ(RunNewsflow(absl::StrCat("topics ", TopicFlags())).exit_code, 0);
  TempDir dir;
  std::string before, after;
  for (int i = 0; i < 3; ++i) before += Article(absl::StrCat("before-", i), Story(i));
  for (int i = 3; i < 6; ++i) after += Article(absl::StrCat("after-", i), Story(i));
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", dir.Write("a.jsonl", before)))
                .exit_code,
            0);
  const std::string poison = RandomBytes(1048450, 1);
  SendRaw({poison}, "none");
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", dir.Write("b.jsonl", after)))
                .exit_code,
            0);

  CommandResult processed = RunNewsflow(ProcessFlags() + " --exit-when-idle-ms 3000");
  EXPECT_EQ(processed.exit_code, 0) << processed.err;
  std::set<std::string> ids;
  for (const v1::EnrichedArticle& article : Enriched(6)) ids.insert(article.id());
  EXPECT_EQ(ids, (std::set<std::string>{"before-0", "before-1", "before-2", "after-3", "after-4",
                                        "after-5"}));
  std::vector<v1::DeadLetter> letters = DeadLetters(1);
  ASSERT_EQ(letters.size(), 1u);
  const v1::DeadLetter& letter = letters[0];
  EXPECT_EQ(letter.reason(), v1::DeadLetter::TOO_LARGE);
  EXPECT_TRUE(letter.original_truncated());
  EXPECT_EQ(letter.original_size(), 1048450);
  EXPECT_EQ(letter.original_sha256(), Sha256Hex(poison));
  EXPECT_EQ(letter.original(), poison.substr(0, letter.original().size()));
  EXPECT_GT(letter.original().size(), 900000u);
}

// 2. A JSON parser's message quotes the bytes it stopped at; cut inside a multi-byte
// sequence, it made dead letters that strict decoders (this one) reject.
TEST_F(HardeningTest, DeadLettersOfRandomByteLinesAllDecode) {
  TempDir dir;
  std::string lines;
  for (uint32_t i = 0; i < 40; ++i) lines += RandomBytes(200, i + 10, true) + "\n";
  CommandResult produced =
      RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", dir.Write("random.jsonl", lines)));
  EXPECT_EQ(produced.exit_code, 3) << produced.err;
  std::vector<v1::DeadLetter> letters = DeadLetters(40);
  EXPECT_EQ(letters.size(), 40u);
  for (const v1::DeadLetter& letter : letters) {
    EXPECT_EQ(letter.reason(), v1::DeadLetter::MALFORMED_INPUT);
  }
}

// 3. The article limit used to be larger than a record of the raw topic: a 1.5 MB article
// passed it, the broker refused it (exit 4), and it was neither on the raw topic nor on the
// dead-letter topic. A bad line over 1 MiB lost its dead letter the same way.
TEST_F(HardeningTest, ArticlesAndLinesTooLargeForARecordAreDeadLetteredNotLost) {
  TempDir dir;
  const std::string big_body = IncompressibleText(1500000, 3);
  const std::string big_line = "not json " + IncompressibleText(1500000, 4);
  const std::string input =
      dir.Write("big.jsonl", Article("small-1", Story(1)) + Article("big", big_body) + big_line +
                                 "\n" + Article("small-2", Story(2)));
  CommandResult produced = RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", input));
  EXPECT_EQ(produced.exit_code, 3) << produced.err;
  EXPECT_THAT(produced.err, HasSubstr("2 of 2 article(s) acknowledged"));
  EXPECT_THAT(produced.err, HasSubstr("2 input record(s) rejected (2 acknowledged on"));
  EXPECT_EQ(ReadTopic(brokers_, raw_, 2).size(), 2u);
  std::vector<v1::DeadLetter> letters = DeadLetters(2);
  ASSERT_EQ(letters.size(), 2u);
  std::map<int64_t, v1::DeadLetter> by_line;
  for (const v1::DeadLetter& letter : letters) by_line[letter.line()] = letter;
  ASSERT_EQ(by_line.count(2), 1u);
  ASSERT_EQ(by_line.count(3), 1u);
  EXPECT_EQ(by_line[2].reason(), v1::DeadLetter::TOO_LARGE);
  EXPECT_TRUE(by_line[2].original_truncated());
  EXPECT_EQ(by_line[3].original_size(), static_cast<int64_t>(big_line.size()));
  EXPECT_EQ(by_line[3].original_sha256(), Sha256Hex(big_line));
}

// 4. Ctrl-C during a paced produce used to exit 0 saying every article was acknowledged.
TEST_F(HardeningTest, InterruptedProduceSaysWhereToResumeAndExitsNonZero) {
  TempDir dir;
  std::string lines;
  for (int i = 0; i < 20000; ++i) {
    lines += Article(absl::StrCat("a", i), absl::StrCat("Short report ", i, " of the day."));
  }
  const std::string input = dir.Write("many.jsonl", lines);
  BackgroundProcess producer(
      absl::StrCat("produce ", TopicFlags(), " --rate 500 --progress-interval 0 ", input));
  std::this_thread::sleep_for(std::chrono::seconds(4));
  producer.Signal(SIGINT);
  const int exit_code = producer.Wait(60000);
  const std::string log = producer.Log();
  EXPECT_EQ(exit_code, 130) << log;
  std::smatch acknowledged, resume;
  ASSERT_TRUE(std::regex_search(log, acknowledged,
                                std::regex(R"((\d+) of (\d+) article\(s\) acknowledged)")))
      << log;
  ASSERT_TRUE(std::regex_search(log, resume, std::regex(R"(resume from (\S+) line (\d+))"))) << log;
  EXPECT_EQ(acknowledged[1], acknowledged[2]);
  EXPECT_EQ(resume[1], input);
  EXPECT_EQ(std::stoi(resume[2]), std::stoi(acknowledged[1]) + 1);
  EXPECT_LT(std::stoi(acknowledged[1]), 20000);
  EXPECT_GT(std::stoi(acknowledged[1]), 0);
}

// 10. Wrong credentials or a missing CA used to cost a 30 s wait and end in a misleading
// message (a broker without transactions, is the broker up?).
TEST_F(HardeningTest, WrongPasswordAndMissingCaFailAtOnceNamingTheCause) {
  const testing::BrokerProcess broker = testing::FindBroker(brokers_);
  const std::string ca = broker.state_dir + "/secure/ca.pem";
  if (testing::ReadFile(ca).empty()) GTEST_SKIP() << "test broker started without --secure";
  const int port = std::stoi(brokers_.substr(brokers_.rfind(':') + 1));
  const std::string sasl =
      absl::StrCat(" --brokers 127.0.0.1:", port + 2,
                   " --kafka security.protocol=sasl_plaintext --kafka sasl.mechanism=PLAIN"
                   " --kafka sasl.username=newsflow");
  const std::string tls =
      absl::StrCat(" --brokers 127.0.0.1:", port + 3, " --kafka security.protocol=ssl");
  const std::string topics =
      absl::StrCat(" --raw-topic ", raw_, " --enriched-topic ", enriched_, " --dlq-topic ", dlq_);
  TempDir dir;
  const std::string input = dir.Write("one.jsonl", Article("one", Story(1)));

  CommandResult wrong = RunNewsflow(
      absl::StrCat("produce", sasl, " --kafka sasl.password=wrong", topics, " ", input));
  EXPECT_EQ(wrong.exit_code, 1) << wrong.err;
  EXPECT_THAT(wrong.err, HasSubstr("Authentication failed"));
  EXPECT_THAT(wrong.err, HasSubstr("sasl.password"));

  CommandResult no_ca = RunNewsflow(
      absl::StrCat("process", tls, topics, " --group ", group_, " --exit-when-idle-ms 2000"));
  EXPECT_EQ(no_ca.exit_code, 1) << no_ca.err;
  EXPECT_THAT(no_ca.err, HasSubstr("certificate verify failed"));
  EXPECT_THAT(no_ca.err, HasSubstr("ssl.ca.location"));
  EXPECT_THAT(no_ca.err, Not(HasSubstr("at-least-once")));
  CommandResult no_ca_transactions = RunNewsflow(absl::StrCat(
      "process", tls, topics, " --group ", group_, " --no-create-topics --exit-when-idle-ms 2000"));
  EXPECT_EQ(no_ca_transactions.exit_code, 1) << no_ca_transactions.err;
  EXPECT_THAT(no_ca_transactions.err, HasSubstr("certificate verify failed"));
  EXPECT_THAT(no_ca_transactions.err, Not(HasSubstr("at-least-once")));

  // With the right password and the CA, both listeners work.
  CommandResult right = RunNewsflow(
      absl::StrCat("produce", sasl, " --kafka sasl.password=newsflow-secret", topics, " ", input));
  EXPECT_EQ(right.exit_code, 0) << right.err;
  CommandResult with_ca = RunNewsflow(
      absl::StrCat("produce", tls, " --kafka ssl.ca.location=", ca, topics, " ", input));
  EXPECT_EQ(with_ca.exit_code, 0) << with_ca.err;
}

// 13. /readyz kept saying "ready" for a minute while the broker was stopped.
TEST_F(HardeningTest, ReadinessFollowsABrokerThatStopsAnswering) {
  const int port = 20000 + static_cast<int>((getpid() + 7) % 20000);
  BackgroundProcess processor(ProcessFlags() + absl::StrCat(" --http-port ", port));
  TempDir dir;
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ",
                                     dir.Write("one.jsonl", Article("one", Story(1)))))
                .exit_code,
            0);
  ASSERT_EQ(Enriched(1).size(), 1u) << processor.Log();
  std::pair<int, std::string> ready{-1, ""};
  for (int waited = 0; waited < 30000 && ready.first != 200; waited += 200) {
    ready = HttpGet(port, "/readyz");
    if (ready.first != 200) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_EQ(ready.first, 200) << ready.second << processor.Log();
  {
    BrokerPause pause(brokers_);
    ASSERT_TRUE(pause.paused());
    for (int waited = 0; waited < 30000 && ready.first == 200; waited += 200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      ready = HttpGet(port, "/readyz");
    }
    EXPECT_EQ(ready.first, 503) << processor.Log();
    EXPECT_THAT(ready.second, HasSubstr("kafka"));
    EXPECT_EQ(HttpGet(port, "/healthz").first, 200);  // alive, only not ready
  }
  for (int waited = 0; waited < 90000 && ready.first != 200; waited += 200) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ready = HttpGet(port, "/readyz");
  }
  EXPECT_EQ(ready.first, 200) << ready.second << processor.Log();
  EXPECT_EQ(processor.Terminate(60000), 0) << processor.Log();
}

// 14. SIGTERM during a broker stall took 66 s, longer than systemd's TimeoutStopSec (60 s).
TEST_F(HardeningTest, ShutdownDuringABrokerStallEndsWithinItsBound) {
  BackgroundProcess processor(ProcessFlags() + " --shutdown-timeout-ms 10000");
  TempDir dir;
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ",
                                     dir.Write("one.jsonl", Article("one", Story(1)))))
                .exit_code,
            0);
  ASSERT_EQ(Enriched(1).size(), 1u) << processor.Log();
  BrokerPause pause(brokers_);
  ASSERT_TRUE(pause.paused());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  processor.Signal(SIGTERM);
  // The bound is the shutdown timeout plus 5 s; systemd would kill at 60 s.
  const int exit_code = processor.Wait(55000);
  pause.Resume();
  EXPECT_NE(exit_code, -1) << "still running 55 s after SIGTERM\n" << processor.Log();
}

// 15. Two single-topology instances on a two-partition raw topic used to get one partition
// each, and both exited.
TEST_F(HardeningTest, TwoSingleTopologyInstancesOnTwoPartitionsAreActiveAndStandby) {
  CommandResult created = RunNewsflow(absl::StrCat("topics ", TopicFlags(), " --raw-partitions 2"));
  ASSERT_EQ(created.exit_code, 0) << created.err;
  BackgroundProcess first(ProcessFlags()), second(ProcessFlags());
  TempDir dir;
  std::string lines;
  for (int i = 0; i < 20; ++i) lines += Article(absl::StrCat("s", i), Story(i));
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", dir.Write("a.jsonl", lines)))
                .exit_code,
            0);
  std::vector<v1::EnrichedArticle> out = Enriched(20);
  std::set<std::string> ids;
  for (const v1::EnrichedArticle& a : out) ids.insert(a.id());
  EXPECT_EQ(out.size(), 20u) << first.Log() << second.Log();
  EXPECT_EQ(ids.size(), 20u);
  EXPECT_EQ(first.Wait(0), -1) << first.Log();  // both still running
  EXPECT_EQ(second.Wait(0), -1) << second.Log();
  // An instance may be active for a moment before the other joins the group: its role is
  // the last one it logged.
  auto active_now = [](const std::string& log) {
    const size_t active = log.rfind("active: reading all 2");
    const size_t standby = log.rfind("standby: partition 0");
    return active != std::string::npos && (standby == std::string::npos || active > standby);
  };
  const bool first_active = active_now(first.Log());
  const bool second_active = active_now(second.Log());
  EXPECT_NE(first_active, second_active) << first.Log() << second.Log();
  // The active one leaves; the standby takes over both partitions.
  BackgroundProcess& active = first_active ? first : second;
  BackgroundProcess& standby = first_active ? second : first;
  EXPECT_EQ(active.Terminate(60000), 0) << active.Log();
  std::string more;
  for (int i = 20; i < 30; ++i) more += Article(absl::StrCat("s", i), Story(i));
  ASSERT_EQ(RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", dir.Write("b.jsonl", more)))
                .exit_code,
            0);
  out = Enriched(30, 90000);
  ids.clear();
  for (const v1::EnrichedArticle& a : out) ids.insert(a.id());
  EXPECT_EQ(out.size(), 30u) << standby.Log();
  EXPECT_EQ(ids.size(), 30u);
  EXPECT_EQ(standby.Terminate(60000), 0) << standby.Log();
}

// 16. A third-party record with no ingest time and a date next summer, or one claiming an
// ingest time in 2999, moved the dedup window and evicted the whole index: the next copy
// of an indexed story came out UNIQUE.
TEST_F(HardeningTest, RecordsFromTheFutureDoNotFlushTheDedupIndex) {
  ASSERT_EQ(RunNewsflow(absl::StrCat("topics ", TopicFlags())).exit_code, 0);
  auto raw = [&](const std::string& id, const std::string& published, int64_t ingested,
                 const std::string& body) {
    v1::RawArticle article;
    article.set_id(id);
    article.set_title("Story " + id);
    article.set_body(body);
    article.set_published_at(published);
    article.set_ingested_at_ms(ingested);
    return article.SerializeAsString();
  };
  const absl::Time now = absl::Now();
  const int64_t now_ms = absl::ToUnixMillis(now);
  auto rfc3339 = [](absl::Time t) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
  };
  SendRaw({raw("original", rfc3339(now - absl::Hours(2)), now_ms, Story(1)),
           raw("no-ingest-in-half-a-year", rfc3339(now + absl::Hours(24 * 180)), 0, Story(2)),
           raw("ingested-2999", "", 32503680000000, Story(3)),
           raw("copy", rfc3339(now - absl::Hours(1)), now_ms, Story(1) + " Updated.")});
  CommandResult processed = RunNewsflow(ProcessFlags() + " --exit-when-idle-ms 3000");
  EXPECT_EQ(processed.exit_code, 0) << processed.err;
  std::map<std::string, v1::EnrichedArticle> by_id;
  for (const v1::EnrichedArticle& a : Enriched(4)) by_id[a.id()] = a;
  ASSERT_EQ(by_id.size(), 4u);
  EXPECT_NE(by_id["copy"].dedup().status(), v1::DedupVerdict::UNIQUE);
  EXPECT_EQ(by_id["copy"].dedup().cluster_id(), "original");
  EXPECT_THAT(processed.err, HasSubstr("event times lowered"));
}

}  // namespace
}  // namespace newsflow
