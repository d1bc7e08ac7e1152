// The JSON Lines contract of `newsflow batch` and `consume`: the direct JSON writer
// (proto/json_writer.h) prints every EnrichedArticle and DeadLetter the pipeline makes from
// the shared news corpora byte for byte as protobuf's JSON printer does. Skips without
// ../shared/data.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "processors/pipeline/pipeline.h"
#include "processors/tag/topic_model.h"
#include "producers/article_reader.h"
#include "proto/json_writer.h"

namespace newsflow {
namespace {

std::string Protobuf(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  std::string json;
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(message, &json, options).ok());
  return json;
}

struct Tally {
  int articles = 0;
  int dead_letters = 0;
  int refused = 0;
  int different = 0;
};

void Compare(const google::protobuf::Message& message, Tally* tally) {
  std::string direct;
  if (!proto::AppendJson(message, &direct).ok()) {
    ++tally->refused;
    return;
  }
  const std::string expected = Protobuf(message);
  if (direct != expected) {
    if (++tally->different <= 3) {
      ADD_FAILURE() << "direct:   " << direct.substr(0, 2000) << "\nprotobuf: "
                    << expected.substr(0, 2000);
    }
  }
}

TEST(JsonGolden, EveryArticleOfTheNewsCorporaIsWrittenAsProtobufWritesIt) {
  const char* env = std::getenv("NEWSFLOW_SHARED_DATA");
  if (env == nullptr || !std::filesystem::is_directory(env)) {
    GTEST_SKIP() << "NEWSFLOW_SHARED_DATA not set or missing";
  }
  const std::filesystem::path shared(env);
  std::vector<std::string> inputs;
  for (const char* file :
       {"reuters21578/train.jsonl", "topics/masakhanews_eng_dev.jsonl",
        "topics/tagmynews_dev.jsonl", "topics/sib200_eng.jsonl", "news_cluster/news_cluster.jsonl",
        "basil/articles.jsonl", "seed", "ingest/warc/whirlwind/whirlwind.warc.gz"}) {
    if (std::filesystem::exists(shared / file)) inputs.push_back((shared / file).string());
  }
  ASSERT_FALSE(inputs.empty());

  pipeline::PipelineOptions options;
  options.tag.topic_model_path = tag::kDefaultTopicModel;  // the default of `batch`
  auto pipeline = pipeline::Pipeline::Create(options);
  ASSERT_TRUE(pipeline.ok()) << pipeline.status();
  Tally tally;
  producers::ReaderOptions reader_options;
  producers::ArticleReader reader(
      reader_options,
      [&](v1::RawArticle&& raw) {
        RecordOrigin origin;
        origin.input = raw.producer().input();
        origin.line = raw.producer().line();
        pipeline::PipelineOutcome outcome = (*pipeline)->Process(raw, origin);
        if (outcome.status.ok()) {
          ++tally.articles;
          Compare(outcome.article, &tally);
        } else {
          ++tally.dead_letters;
          Compare(outcome.dead_letter, &tally);
        }
        return true;
      },
      [&](const producers::BadRecord& bad) {
        ++tally.dead_letters;
        Compare(producers::DeadLetterFor(bad, "read"), &tally);
      });
  reader.ReadInputs(inputs);
  std::cout << tally.articles << " articles and " << tally.dead_letters << " dead letters, "
            << tally.refused << " left to protobuf, " << tally.different << " different\n";
  EXPECT_GT(tally.articles, 20000);
  EXPECT_EQ(tally.refused, 0);  // the pipeline writes valid UTF-8, and these have no map
  EXPECT_EQ(tally.different, 0);
}

}  // namespace
}  // namespace newsflow
