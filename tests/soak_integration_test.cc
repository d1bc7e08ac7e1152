// Soak test against the real local Kafka broker (issue #6): 100,000 articles with copies among
// them go through `newsflow process` (exactly-once, the default) while it is killed with SIGKILL
// at five random points and restarted each time. What ends up in the enriched topic, read with
// read_committed, must hold exactly one record per input article, and every dedup verdict must
// equal that of an uninterrupted run (`newsflow batch` over the same file: same pipeline, same
// order). Everything random is drawn from a fixed seed, so a failure can be replayed.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
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
using ::newsflow::testing::RunNewsflow;
using ::newsflow::testing::TempDir;
using ::testing::HasSubstr;

constexpr uint64_t kSeed = 20260106;
constexpr int kArticles = 100000;
constexpr int kKills = 5;

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// ---------------------------------------------------------------------------------------------
// The input: distinct 2–4 KB stories made of mutated sentences of the bundled samples, and
// copies of earlier articles (identical, trimmed, with boilerplate, lead dropped) at known
// positions, with event times advancing ~50 s per article (58 days in all, so the 7-day dedup
// window evicts, and evictions go through the changelog as well).

struct Corpus {
  std::vector<std::string> sentences;
  std::vector<std::string> words;
};

Corpus LoadCorpus() {
  std::vector<std::string> texts;
  std::ifstream samples(testing::SourceDir() + "/data/samples/newsroom_samples.jsonl");
  std::string line;
  while (std::getline(samples, line)) {
    texts.push_back(nlohmann::json::parse(line)["body"].get<std::string>());
  }
  // The seed: the body after the `date` line and the title.
  std::string seed =
      testing::ReadFile(testing::SourceDir() + "/data/samples/000_etv_bharat_ukraine_allies.txt");
  size_t title = seed.find_first_not_of("\n\r ", seed.find('\n', seed.find("date")));
  texts.push_back(seed.substr(seed.find('\n', title) + 1));

  Corpus corpus;
  for (const std::string& text : texts) {
    for (absl::string_view paragraph : absl::StrSplit(text, '\n', absl::SkipWhitespace())) {
      for (absl::string_view sentence : absl::StrSplit(paragraph, ". ", absl::SkipWhitespace())) {
        std::vector<std::string> words = absl::StrSplit(sentence, ' ', absl::SkipWhitespace());
        if (words.size() < 6) continue;
        corpus.sentences.emplace_back(sentence);
        for (std::string& word : words) {
          if (word.size() >= 3) corpus.words.push_back(std::move(word));
        }
      }
    }
  }
  return corpus;
}

std::string IsoTime(int64_t epoch_s) {
  time_t t = static_cast<time_t>(epoch_s);
  struct tm tm;
  gmtime_r(&t, &tm);
  char buffer[32];
  strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

struct Story {
  std::vector<std::string> paragraphs;
};

std::string Join(const std::vector<std::string>& paragraphs, size_t begin, size_t end) {
  std::string body;
  for (size_t i = begin; i < end; ++i) absl::StrAppend(&body, body.empty() ? "" : "\n\n", paragraphs[i]);
  return body;
}

struct StreamStats {
  int originals = 0, exact = 0, trimmed = 0, boilerplate = 0, lead_dropped = 0;
};

// Writes the stream to `path`; returns what it wrote.
StreamStats WriteStream(const std::string& path, int count) {
  const Corpus corpus = LoadCorpus();
  EXPECT_GT(corpus.sentences.size(), 30u);
  std::mt19937_64 rng(kSeed);
  auto uniform = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };

  auto new_story = [&](int n) {
    Story story;
    const size_t target = static_cast<size_t>(uniform(2000, 3800));
    size_t size = 0;
    while (size < target) {
      std::string paragraph;
      const int sentences = uniform(2, 4);
      for (int s = 0; s < sentences; ++s) {
        std::vector<std::string> words = absl::StrSplit(
            corpus.sentences[uniform(0, static_cast<int>(corpus.sentences.size()) - 1)], ' ',
            absl::SkipWhitespace());
        // One word in three replaced: no two stories share runs of three words by chance.
        for (std::string& word : words) {
          if (uniform(0, 2) == 0) word = corpus.words[uniform(0, static_cast<int>(corpus.words.size()) - 1)];
        }
        if (s == 0) words.push_back(absl::StrCat("(item ", n, ")"));
        absl::StrAppend(&paragraph, paragraph.empty() ? "" : " ", absl::StrJoin(words, " "), ".");
      }
      size += paragraph.size() + 2;
      story.paragraphs.push_back(std::move(paragraph));
    }
    return story;
  };

  static const char* const kBoilerplate[] = {
      "Read more world news on our website. Follow us on social media and subscribe to our "
      "daily newsletter.",
      "This story was provided by a wire service and edited by our desk. Copyright reserved.",
      "Additional reporting by our correspondents. Sign up for breaking news alerts on our app.",
  };

  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  std::vector<Story> recent;  // the last originals (a copy's source), newest last
  StreamStats stats;
  const int64_t start_s = 1767225600;  // 2026-01-01T00:00:00Z
  for (int i = 0; i < count; ++i) {
    const std::string id = absl::StrCat("soak-", 100000 + i);
    std::string title, body, source = absl::StrCat("Outlet ", uniform(1, 400));
    if (recent.size() < 50 || uniform(0, 99) >= 30) {
      Story story = new_story(i);
      title = absl::StrCat("Story ", i, ": ", corpus.words[uniform(0, static_cast<int>(corpus.words.size()) - 1)]);
      body = Join(story.paragraphs, 0, story.paragraphs.size());
      recent.push_back(std::move(story));
      if (recent.size() > 4000) recent.erase(recent.begin(), recent.begin() + 1000);
      ++stats.originals;
    } else {
      // A copy of one of the last ~3000 originals (hours, not days, back in event time).
      const int back = uniform(1, std::min<int>(3000, static_cast<int>(recent.size())));
      const Story& original = recent[recent.size() - back];
      const size_t n = original.paragraphs.size();
      title = absl::StrCat("Republished ", i);
      switch (uniform(0, 3)) {
        case 0:
          body = Join(original.paragraphs, 0, n);
          ++stats.exact;
          break;
        case 1:
          body = Join(original.paragraphs, 0, std::max<size_t>(2, n * 2 / 3));
          ++stats.trimmed;
          break;
        case 2:
          body = Join(original.paragraphs, 0, n) + "\n\n" + kBoilerplate[uniform(0, 2)];
          ++stats.boilerplate;
          break;
        default:
          body = Join(original.paragraphs, 1, n) + "\n\n" + kBoilerplate[uniform(0, 2)];
          ++stats.lead_dropped;
          break;
      }
    }
    out << nlohmann::json{{"id", id},
                          {"source", source},
                          {"title", title},
                          {"body", body},
                          {"published_at", IsoTime(start_s + 50LL * i + uniform(0, 40))}}
               .dump()
        << "\n";
  }
  return stats;
}

// ---------------------------------------------------------------------------------------------

struct Verdict {
  std::string status, cluster_id, duplicate_of;
  bool operator==(const Verdict& o) const {
    return status == o.status && cluster_id == o.cluster_id && duplicate_of == o.duplicate_of;
  }
};

std::ostream& operator<<(std::ostream& os, const Verdict& v) {
  return os << v.status << " cluster=" << v.cluster_id << " duplicateOf=" << v.duplicate_of;
}

class SoakTest : public testing::BrokerTopicsTest {
 protected:
  std::string NamePrefix() const override { return "soak"; }
};

// The uninterrupted run's verdicts, in input order.
std::vector<std::pair<std::string, Verdict>> BatchVerdicts(const std::string& input,
                                                           const std::string& output) {
  std::vector<std::pair<std::string, Verdict>> verdicts;
  CommandResult result = RunNewsflow(absl::StrCat("batch ", input, " -o ", output));
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::ifstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    const nlohmann::json a = nlohmann::json::parse(line);
    const nlohmann::json& d = a["dedup"];
    verdicts.emplace_back(a["id"].get<std::string>(),
                          Verdict{d.value("status", ""), d.value("clusterId", ""),
                                  d.value("duplicateOf", "")});
  }
  return verdicts;
}

TEST_F(SoakTest, HundredThousandArticlesSurviveFiveKillsWithOneRecordEachAndUnchangedVerdicts) {
  const Clock::time_point test_start = Clock::now();
  TempDir dir;
  const std::string input = dir.path() + "/stream.jsonl";

  // 1. The stream.
  Clock::time_point phase = Clock::now();
  const StreamStats stats = WriteStream(input, kArticles);
  std::cerr << "[soak] generated " << kArticles << " articles (" << stats.originals
            << " originals; copies: " << stats.exact << " identical, " << stats.trimmed
            << " trimmed, " << stats.boilerplate << " with boilerplate, " << stats.lead_dropped
            << " lead dropped + boilerplate) in " << SecondsSince(phase) << " s\n";

  // 2. The uninterrupted run's verdicts.
  phase = Clock::now();
  const std::vector<std::pair<std::string, Verdict>> expected =
      BatchVerdicts(input, dir.path() + "/batch.jsonl");
  ASSERT_EQ(expected.size(), static_cast<size_t>(kArticles));
  std::map<std::string, int> expected_statuses;
  for (const auto& [id, verdict] : expected) ++expected_statuses[verdict.status];
  std::cerr << "[soak] batch (uninterrupted verdicts) in " << SecondsSince(phase) << " s:";
  for (const auto& [status, n] : expected_statuses) std::cerr << " " << status << "=" << n;
  std::cerr << "\n";
  EXPECT_GT(kArticles - expected_statuses["UNIQUE"], 1000) << "too few duplicates to matter";

  // 3. Publish.
  phase = Clock::now();
  CommandResult produced = RunNewsflow(absl::StrCat("produce ", TopicFlags(), " ", input));
  ASSERT_EQ(produced.exit_code, 0) << produced.err;
  std::cerr << "[soak] produced in " << SecondsSince(phase) << " s\n";

  // 4. Process, killed with SIGKILL at five random points spread over the run. A kill point is
  // a number of input records the group has committed (= outputs committed, exactly-once)
  // plus a random delay, so the kill lands at a random place in a batch's transaction. The
  // group's commits are read by a consumer that never joins the group. Unlike the enriched
  // topic read with read_committed, they move on while a killed run's transaction is still
  // open, so a run can be killed before the broker has aborted its predecessor's transaction.
  kafka::ConsumerOptions probe_options;
  probe_options.client.brokers = brokers_;
  probe_options.group_id = group_;
  probe_options.isolation_level = "read_uncommitted";  // do not wait on unstable offsets
  auto probe = kafka::Consumer::Create(probe_options);
  ASSERT_THAT(probe, IsOk());
  auto committed = [&]() -> int64_t {  // -1: nothing committed yet (or not answered)
    for (int attempt = 0; attempt < 3; ++attempt) {
      auto offsets = (*probe)->Committed(raw_, 1, 5000);
      if (offsets.ok()) return offsets->at(0);
    }
    return -1;
  };

  std::mt19937_64 rng(kSeed ^ 0x6b696c6cULL);  // "kill"
  std::string crash_logs;
  int64_t last_committed = 0;
  for (int kill = 0; kill < kKills; ++kill) {
    // The i-th kill point lies in the i-th of five equal slices of 5%..90% of the stream.
    const double slice = 0.85 / kKills;
    const int64_t lo = static_cast<int64_t>(kArticles * (0.05 + slice * kill));
    const int64_t hi = static_cast<int64_t>(kArticles * (0.05 + slice * (kill + 1)));
    const int64_t target =
        std::max(last_committed + 200, std::uniform_int_distribution<int64_t>(lo, hi)(rng));
    const int delay_ms = std::uniform_int_distribution<int>(0, 300)(rng);

    phase = Clock::now();
    BackgroundProcess processor(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                             " --progress-interval 0"));
    int64_t seen = committed();
    double first_commit_s = -1;
    const Clock::time_point deadline = Clock::now() + std::chrono::seconds(240);
    while (seen < target && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      seen = committed();
      if (first_commit_s < 0 && seen > last_committed) first_commit_s = SecondsSince(phase);
    }
    ASSERT_GE(seen, target) << "run " << kill << " did not reach " << target << " committed in time:\n"
                            << processor.Log();
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    processor.Kill();
    const int64_t at_kill = committed();
    std::cerr << "[soak] run " << kill + 1 << ": started at " << last_committed
              << " committed, first new commit after " << first_commit_s << " s, killed at "
              << at_kill << " committed (target " << target << " + " << delay_ms << " ms), ran "
              << SecondsSince(phase) << " s\n";
    crash_logs += absl::StrCat("--- killed run ", kill + 1, " ---\n", processor.Log());
    EXPECT_GE(at_kill, last_committed);
    last_committed = at_kill;
  }
  ASSERT_LT(last_committed, kArticles) << "the stream ended before the last kill";

  // 5. The final run finishes the stream.
  phase = Clock::now();
  CommandResult last = RunNewsflow(absl::StrCat("process ", TopicFlags(), " --group ", group_,
                                                " --exit-when-idle-ms 2000 --progress-interval 0"));
  std::cerr << "[soak] final run from " << last_committed << " committed in " << SecondsSince(phase)
            << " s\n";
  ASSERT_EQ(last.exit_code, 0) << crash_logs << "--- final run ---\n" << last.err;
  EXPECT_THAT(last.err, HasSubstr("guarantee: exactly-once"));
  // It resumed with the index the killed runs committed, not an empty one.
  EXPECT_THAT(last.err, HasSubstr("restored dedup index from newsflow." + group_ +
                                  ".dedup-changelog"));
  EXPECT_THAT(last.err, ::testing::Not(HasSubstr(" articles=0 ")));
  EXPECT_EQ(committed(), kArticles);
  (void)(*probe)->Close();

  // 6. The enriched topic, read_committed: one record per article, each with its verdict.
  // A read_committed reader stops at the last stable offset, which stays behind a killed
  // run's open transaction until the broker aborts it (transaction.timeout.ms 30 s, checked
  // every 10 s): read again until every article is there or that has surely happened.
  phase = Clock::now();
  std::unordered_map<std::string, std::vector<Verdict>> actual;
  size_t records = 0, unparsable = 0;
  kafka::ClientOptions client;
  client.brokers = brokers_;
  for (int attempt = 1;; ++attempt) {
    actual.clear();
    actual.reserve(kArticles);
    records = unparsable = 0;
    ASSERT_THAT(kafka::ReadTopicToEnd(
                    client, enriched_,
                    [&](const kafka::ConsumedMessage& m) {
                      ++records;
                      v1::EnrichedArticle article;
                      if (!article.ParseFromString(m.value)) {
                        ++unparsable;
                        return;
                      }
                      actual[article.id()].push_back(
                          {v1::DedupVerdict::Status_Name(article.dedup().status()),
                           article.dedup().cluster_id(), article.dedup().duplicate_of()});
                    },
                    300000),
                IsOk());
    std::cerr << "[soak] read " << records << " committed records of " << enriched_
              << " (attempt " << attempt << ", " << SecondsSince(phase) << " s)\n";
    if (records >= static_cast<size_t>(kArticles) || SecondsSince(phase) > 90) break;
    std::this_thread::sleep_for(std::chrono::seconds(5));
  }

  EXPECT_EQ(unparsable, 0u);
  EXPECT_EQ(records, static_cast<size_t>(kArticles));
  EXPECT_EQ(actual.size(), expected.size());
  int missing = 0, repeated = 0, changed = 0, duplicates = 0;
  std::ostringstream report;
  int reported = 0;
  auto note = [&](const std::string& line) {
    if (reported++ < 20) report << "  " << line << "\n";
  };
  for (const auto& [id, verdict] : expected) {
    duplicates += verdict.status != "UNIQUE";
    auto it = actual.find(id);
    if (it == actual.end()) {
      ++missing;
      note(id + " missing from the output");
      continue;
    }
    if (it->second.size() != 1) {
      ++repeated;
      note(absl::StrCat(id, " appears ", it->second.size(), " times (read_committed)"));
    }
    for (const Verdict& v : it->second) {
      if (!(v == verdict)) {
        ++changed;
        std::ostringstream line;
        line << id << ": " << v << " vs uninterrupted " << verdict;
        note(line.str());
      }
    }
  }
  size_t unknown = 0;
  {
    std::unordered_map<std::string, bool> input_ids;
    for (const auto& [id, verdict] : expected) input_ids[id] = true;
    for (const auto& [id, copies] : actual) unknown += input_ids.count(id) == 0;
  }
  EXPECT_EQ(missing, 0);
  EXPECT_EQ(repeated, 0);
  EXPECT_EQ(changed, 0);
  EXPECT_EQ(unknown, 0u) << "ids in the output that were not in the input";
  EXPECT_GT(duplicates, 1000);
  if (reported > 0) std::cerr << "[soak] first problems:\n" << report.str();
  std::cerr << "[soak] " << duplicates << " duplicate verdicts compared; " << missing << " missing, "
            << repeated << " repeated, " << changed << " changed; total "
            << SecondsSince(test_start) << " s\n";
  if (HasFailure()) std::cerr << crash_logs << "--- final run ---\n" << last.err;
}

}  // namespace
}  // namespace newsflow
