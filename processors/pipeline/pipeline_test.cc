#include "processors/pipeline/pipeline.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status_matchers.h"
#include "common/utf8.h"

namespace newsflow::pipeline {
namespace {

using ::newsflow::testing::IsOk;

constexpr char kBody[] =
    "Paris: Ukraine's allies said on Tuesday they had made major progress toward agreeing on "
    "how to defend the country if a peace deal is struck with Russia.\n\n"
    "Leaders from European countries and Canada, as well as U.S. representatives and officials "
    "from NATO, said they would back Kyiv's forces with equipment and training to deter any "
    "future Russian attack after a ceasefire.\n\n"
    "British Prime Minister Keir Starmer said the meeting made excellent progress, while "
    "Ukrainian President Volodymyr Zelenskyy said commitments must be ratified by parliaments.\n\n"
    "Moscow has insisted there can be no ceasefire until a comprehensive settlement is agreed, "
    "and the Kremlin has ruled out troops from NATO countries on Ukrainian soil.";

v1::RawArticle Article(const std::string& id, const std::string& title, const std::string& body) {
  v1::RawArticle raw;
  raw.set_id(id);
  raw.set_title(title);
  raw.set_body(body);
  raw.set_published_at("2026-01-07");
  return raw;
}

std::unique_ptr<Pipeline> MakePipeline() {
  auto pipeline = Pipeline::Create(PipelineOptions{});
  EXPECT_THAT(pipeline, IsOk());
  return std::move(*pipeline);
}

TEST(Pipeline, EnrichesArticleWithVerdictTopicsAndRegions) {
  auto pipeline = MakePipeline();
  PipelineOutcome outcome =
      pipeline->Process(Article("a", "Allies praise progress on Ukraine guarantees", kBody), {});
  ASSERT_THAT(outcome.status, IsOk());
  const v1::EnrichedArticle& article = outcome.article;
  EXPECT_EQ(article.id(), "a");
  EXPECT_EQ(article.dedup().status(), v1::DedupVerdict::UNIQUE);
  EXPECT_EQ(article.dedup().cluster_id(), "a");
  EXPECT_EQ(article.language(), "en");
  EXPECT_EQ(article.published_at(), "2026-01-07T00:00:00Z");
  std::vector<std::string> countries;
  for (const v1::Region& region : article.regions()) countries.push_back(region.country_code());
  EXPECT_THAT(countries, ::testing::IsSupersetOf({"UA", "RU", "FR"}));
  std::vector<std::string> topics;
  for (const v1::Topic& topic : article.topics()) topics.push_back(topic.code());
  EXPECT_THAT(topics, ::testing::Contains(::testing::AnyOf("medtop:16000000", "medtop:11000000")));
  std::vector<std::string> blocs;
  for (const v1::Bloc& bloc : article.blocs()) blocs.push_back(bloc.code());
  EXPECT_THAT(blocs, ::testing::Contains("NATO"));
}

TEST(Pipeline, FlagsEditedCopyAndIdenticalCopyInOrder) {
  auto pipeline = MakePipeline();
  ASSERT_THAT(pipeline->Process(Article("first", "Original headline", kBody), {}).status, IsOk());
  PipelineOutcome near = pipeline->Process(
      Article("second", "A new headline from another outlet",
              std::string(kBody) +
                  "\n\nFollow our coverage of the war in Ukraine. Subscribe to our newsletter for "
                  "more international news every morning."),
      {});
  ASSERT_THAT(near.status, IsOk());
  EXPECT_EQ(near.article.dedup().status(), v1::DedupVerdict::NEAR_DUPLICATE);
  EXPECT_EQ(near.article.dedup().cluster_id(), "first");
  PipelineOutcome exact = pipeline->Process(Article("third", "Original headline", kBody), {});
  EXPECT_EQ(exact.article.dedup().status(), v1::DedupVerdict::EXACT_DUPLICATE);
  EXPECT_EQ(exact.article.dedup().cluster_id(), "first");
}

TEST(Pipeline, DeadLettersUndecodableRecordWithOriginalBytes) {
  auto pipeline = MakePipeline();
  RecordOrigin origin;
  origin.topic = "news.raw";
  origin.partition = 0;
  origin.offset = 42;
  const std::string garbage = "\xff\xff\xff not a protobuf";
  PipelineOutcome outcome = pipeline->ProcessSerialized(garbage, "k", origin);
  EXPECT_FALSE(outcome.status.ok());
  EXPECT_EQ(outcome.dead_letter.reason(), v1::DeadLetter::UNDECODABLE);
  EXPECT_EQ(outcome.dead_letter.stage(), "decode");
  EXPECT_EQ(outcome.dead_letter.original(), garbage);
  EXPECT_EQ(outcome.dead_letter.input_offset(), 42);
  EXPECT_EQ(outcome.dead_letter.key(), "k");
}

TEST(Pipeline, DeadLettersArticleWithNoText) {
  auto pipeline = MakePipeline();
  PipelineOutcome outcome = pipeline->Process(Article("empty", "Title only", "  \n\n "), {});
  EXPECT_FALSE(outcome.status.ok());
  EXPECT_EQ(outcome.dead_letter.stage(), "normalize");
  EXPECT_EQ(outcome.dead_letter.reason(), v1::DeadLetter::EMPTY_CONTENT);
}

TEST(Pipeline, RecordsStageTimingsAndProvenance) {
  auto pipeline = MakePipeline();
  v1::RawArticle raw = Article("a", "Title", kBody);
  raw.set_ingested_at_ms(1234);
  raw.mutable_producer()->set_input("file.txt");
  PipelineOutcome outcome = pipeline->Process(raw, {});
  ASSERT_THAT(outcome.status, IsOk());
  EXPECT_EQ(outcome.article.provenance().ingested_at_ms(), 1234);
  EXPECT_EQ(outcome.article.provenance().producer().input(), "file.txt");
  EXPECT_GE(outcome.article.provenance().timings_us().normalize(), 0);
}

TEST(Pipeline, FutureDatedArticleDoesNotFlushTheDedupWindow) {
  auto pipeline = MakePipeline();
  v1::RawArticle first = Article("first", "Original", kBody);
  first.set_ingested_at_ms(1'767'800'000'000);  // 2026-01-07
  ASSERT_THAT(pipeline->Process(first, {}).status, IsOk());
  v1::RawArticle bogus = Article("bogus", "Unrelated", "A short unrelated note about the weather.");
  bogus.set_published_at("2099-01-01");
  bogus.set_ingested_at_ms(1'767'800'060'000);
  ASSERT_THAT(pipeline->Process(bogus, {}).status, IsOk());
  v1::RawArticle copy = Article("copy", "Copy", kBody);
  copy.set_ingested_at_ms(1'767'800'120'000);
  EXPECT_EQ(pipeline->Process(copy, {}).article.dedup().status(), v1::DedupVerdict::EXACT_DUPLICATE);
}

// A third-party record with no ingest time, or one claiming an ingest time in 2999, used to
// be measured against itself: nothing capped its date.
TEST(EventTime, IsCappedAtTheProcessorsClockWhenTheIngestTimeIsMissingOrImplausible) {
  constexpr int64_t kDay = 24LL * 3600 * 1000;
  const int64_t now = 1'800'000'000'000;
  bool clamped = false;
  EXPECT_EQ(EventTimeMs(now + 200 * kDay, 0, now, &clamped), now + kDay);
  EXPECT_TRUE(clamped);
  EXPECT_EQ(EventTimeMs(0, 32'503'680'000'000, now, &clamped), now + kDay);  // ingested 2999
  EXPECT_TRUE(clamped);
  EXPECT_EQ(EventTimeMs(now + 5 * kDay, 32'503'680'000'000, now, &clamped), now + kDay);
  EXPECT_TRUE(clamped);
  // Plausible times are left alone: an old record replayed keeps its dates.
  EXPECT_EQ(EventTimeMs(now - 30 * kDay, now - 29 * kDay, now, &clamped), now - 30 * kDay);
  EXPECT_FALSE(clamped);
  EXPECT_EQ(EventTimeMs(now - 10 * kDay, now - 30 * kDay, now, &clamped), now - 29 * kDay);
  EXPECT_TRUE(clamped);  // a day after its own ingest time at most
  EXPECT_EQ(EventTimeMs(0, 0, now, &clamped), now);
  EXPECT_FALSE(clamped);
}

TEST(Pipeline, ARecordFromNextSummerWithoutIngestTimeDoesNotFlushTheDedupWindow) {
  PipelineOptions options;
  options.now_ms = [] { return int64_t{1'767'800'000'000}; };  // 2026-01-07
  auto pipeline = Pipeline::Create(options);
  ASSERT_THAT(pipeline, IsOk());
  v1::RawArticle first = Article("first", "Original", kBody);
  first.set_ingested_at_ms(1'767'800'000'000);
  ASSERT_THAT((*pipeline)->Process(first, {}).status, IsOk());
  v1::RawArticle bogus = Article("bogus", "Unrelated", "A short unrelated note about the weather.");
  bogus.set_published_at("2026-07-01");  // no ingest time
  PipelineOutcome bogus_outcome = (*pipeline)->Process(bogus, {});
  ASSERT_THAT(bogus_outcome.status, IsOk());
  EXPECT_TRUE(bogus_outcome.event_time_clamped);
  v1::RawArticle copy = Article("copy", "Copy", kBody);
  copy.set_ingested_at_ms(1'767'800'120'000);
  EXPECT_EQ((*pipeline)->Process(copy, {}).article.dedup().status(),
            v1::DedupVerdict::EXACT_DUPLICATE);
}

TEST(Pipeline, ARecordLargerThanTheLimitIsTooLargeWithoutBeingDecoded) {
  PipelineOptions options;
  options.max_record_bytes = 4096;
  auto pipeline = Pipeline::Create(options);
  ASSERT_THAT(pipeline, IsOk());
  const std::string value(5000, '\xFF');  // not even a RawArticle
  RecordOrigin origin;
  origin.topic = "news.raw";
  origin.offset = 9;
  PipelineOutcome outcome = (*pipeline)->ProcessSerialized(value, "k", origin);
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(outcome.dead_letter.reason(), v1::DeadLetter::TOO_LARGE);
  EXPECT_EQ(outcome.dead_letter.original_size(), 5000);
  EXPECT_EQ(outcome.dead_letter.key(), "k");
}

// 1 MB of random bytes, repaired into valid UTF-8, used to come out as an article tagged GB.
TEST(Pipeline, RandomBytesAreMalformedInputNotAnArticle) {
  auto pipeline = MakePipeline();
  std::string noise(1 << 20, '\0');
  uint32_t state = 5;
  for (char& c : noise) c = static_cast<char>((state = state * 1664525u + 1013904223u) >> 24);
  RepairUtf8(&noise);
  PipelineOutcome outcome = pipeline->Process(Article("noise", "", noise), {});
  EXPECT_EQ(outcome.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outcome.dead_letter.reason(), v1::DeadLetter::MALFORMED_INPUT);
  EXPECT_THAT(std::string(outcome.status.message()), ::testing::HasSubstr("not text"));
}

TEST(Pipeline, EveryStringItWritesIsValidUtf8) {
  auto pipeline = MakePipeline();
  v1::RawArticle raw = Article("a", "Title", kBody);
  raw.mutable_producer()->set_input("dir/\xFF.txt");  // a third party's bad metadata
  PipelineOutcome outcome = pipeline->Process(raw, {});
  ASSERT_THAT(outcome.status, IsOk());
  std::string wire;
  ASSERT_TRUE(outcome.article.SerializeToString(&wire));
  v1::EnrichedArticle decoded;
  EXPECT_TRUE(decoded.ParseFromString(wire));
}

}  // namespace
}  // namespace newsflow::pipeline
