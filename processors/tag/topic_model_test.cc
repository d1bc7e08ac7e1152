// Tests for trained topic models: training on a tiny labelled set, loading by configuration,
// how model labels appear in the tagger's output, and error handling.
#include "processors/tag/topic_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "processors/tag/tagger.h"

namespace newsflow::tag {
namespace {

using ::newsflow::testing::IsOk;
using ::newsflow::testing::StatusIs;

TagInput Article(std::string title, std::string body) {
  TagInput input;
  input.title = std::move(title);
  input.paragraphs = {std::move(body)};
  input.language = "en";
  return input;
}

// Two small, clearly separable classes plus a label that always comes with one of them.
std::vector<TrainingExample> TinySet() {
  const char* kFootball[] = {
      "The striker scored twice as the club won the football match",
      "A late goal gave the home team victory in the league match",
      "The goalkeeper saved a penalty and the club stayed top of the league",
      "Fans cheered as the football team won the cup final with a goal",
      "The coach praised the striker after the league victory",
  };
  const char* kOil[] = {
      "Crude oil prices rose as OPEC cut output and barrels fell",
      "The oil company raised crude output to a million barrels a day",
      "OPEC ministers agreed to limit crude production to support prices",
      "Brent crude oil futures climbed on lower barrel inventories",
      "Refinery demand for crude oil lifted prices per barrel",
  };
  std::vector<TrainingExample> examples;
  for (int round = 0; round < 8; ++round) {
    for (const char* text : kFootball) {
      examples.push_back({Article("Match report", text), {"test:football"}});
    }
    for (const char* text : kOil) {
      examples.push_back({Article("Oil market", text), {"test:oil", "medtop:04000000"}});
    }
  }
  return examples;
}

TopicModelTrainOptions TinyOptions() {
  TopicModelTrainOptions options;
  options.epochs = 40;
  options.dim = 8;
  options.buckets = 1000;
  options.quantize = false;
  return options;
}

class TopicModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("newsflow_topic_model_test_" + std::to_string(::testing::UnitTest::GetInstance()
                                                              ->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  std::filesystem::path dir_;
};

bool HasCode(const std::vector<TopicTag>& tags, const std::string& code) {
  for (const TopicTag& t : tags) {
    if (t.code == code) return true;
  }
  return false;
}

TEST_F(TopicModelTest, AModelTrainedOnATinySetPredictsItsLabels) {
  const std::string path = Path("tiny.bin");
  ASSERT_THAT(TrainTopicModel(TinySet(), TinyOptions(), path), IsOk());
  absl::StatusOr<std::unique_ptr<TopicModel>> model = LoadTopicModel(path, TopicModelOptions());
  ASSERT_THAT(model.status(), IsOk());

  std::vector<TopicTag> sport;
  (*model)->Predict(Article("Cup final", "The striker scored a goal and the club won the match"),
                    &sport);
  EXPECT_TRUE(HasCode(sport, "test:football"));
  EXPECT_FALSE(HasCode(sport, "test:oil"));

  std::vector<TopicTag> oil;
  (*model)->Predict(Article("OPEC", "Crude oil prices rose after OPEC cut output"), &oil);
  EXPECT_TRUE(HasCode(oil, "test:oil"));
  EXPECT_TRUE(HasCode(oil, "medtop:04000000"));  // multi-label
  EXPECT_FALSE(HasCode(oil, "test:football"));
  for (const TopicTag& t : oil) {
    EXPECT_GE(t.score, 0.0f);
    EXPECT_LE(t.score, 1.0f);
  }
  for (const TopicTag& t : oil) {
    if (t.code == "test:oil") {
      EXPECT_EQ(t.label, "oil");  // the part after the last ':'
    }
  }
}

TEST_F(TopicModelTest, TrainingIsReproducible) {
  ASSERT_THAT(TrainTopicModel(TinySet(), TinyOptions(), Path("a.bin")), IsOk());
  ASSERT_THAT(TrainTopicModel(TinySet(), TinyOptions(), Path("b.bin")), IsOk());
  std::ifstream a(Path("a.bin"), std::ios::binary), b(Path("b.bin"), std::ios::binary);
  const std::string bytes_a((std::istreambuf_iterator<char>(a)), {});
  const std::string bytes_b((std::istreambuf_iterator<char>(b)), {});
  EXPECT_FALSE(bytes_a.empty());
  EXPECT_TRUE(bytes_a == bytes_b);
}

TEST_F(TopicModelTest, TheTaggerLoadsAModelByConfiguration) {
  const std::string path = Path("tiny.bin");
  ASSERT_THAT(TrainTopicModel(TinySet(), TinyOptions(), path), IsOk());
  TaggerOptions options;
  options.topic_model_path = path;
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger.status(), IsOk());
  const TagResult result = (*tagger)->Tag(
      Article("Oil prices climb", "Crude oil prices rose after OPEC cut output by a million "
                                  "barrels a day, lifting shares of oil companies."));
  // The IPTC topic is blended with the lexicon; the foreign label follows the IPTC topics.
  ASSERT_TRUE(HasCode(result.topics, "test:oil"));
  EXPECT_TRUE(HasCode(result.topics, "medtop:04000000"));
  bool seen_foreign = false;
  for (const TopicTag& t : result.topics) {
    const bool iptc = t.code.rfind("medtop:", 0) == 0;
    if (!iptc) seen_foreign = true;
    EXPECT_FALSE(iptc && seen_foreign) << "IPTC topic " << t.code << " after a model label";
  }
}

// The default of `newsflow process` and `batch`: the IPTC top-level model compiled into the
// binary. A headline the lexicon has no word for still gets its subject from the model.
TEST_F(TopicModelTest, TheBuiltInIptcModelLoadsFromTheBinaryAndTagsAHeadline) {
  TaggerOptions options;
  options.topic_model_path = kDefaultTopicModel;
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger.status(), IsOk());
  const TagResult result =
      (*tagger)->Tag(Article("Lakers edge Celtics 102-99 behind late Davis block", ""));
  ASSERT_FALSE(result.topics.empty());
  EXPECT_EQ(result.topics[0].code, "medtop:15000000") << result.topics[0].label;
  TaggerOptions unknown;
  unknown.topic_model_path = "builtin:no-such-model";
  EXPECT_EQ(Tagger::Create(unknown).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(TopicModelTest, NoneMeansTheLexiconAlone) {
  TaggerOptions none;
  none.topic_model_path = "none";
  TaggerOptions lexicon;
  absl::StatusOr<std::unique_ptr<Tagger>> a = Tagger::Create(none);
  absl::StatusOr<std::unique_ptr<Tagger>> b = Tagger::Create(lexicon);
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  const TagInput input = Article("Parliament passes budget", "Lawmakers approved the budget.");
  const TagResult ra = (*a)->Tag(input), rb = (*b)->Tag(input);
  ASSERT_EQ(ra.topics.size(), rb.topics.size());
  for (size_t k = 0; k < ra.topics.size(); ++k) {
    EXPECT_EQ(ra.topics[k].code, rb.topics[k].code);
    EXPECT_EQ(ra.topics[k].score, rb.topics[k].score);
  }
}

TEST_F(TopicModelTest, AModelWithoutIptcLabelsLeavesIptcScoresAlone) {
  std::vector<TrainingExample> examples = TinySet();
  for (TrainingExample& e : examples) {
    e.labels.erase(std::remove(e.labels.begin(), e.labels.end(), "medtop:04000000"),
                   e.labels.end());
  }
  const std::string path = Path("foreign.bin");
  ASSERT_THAT(TrainTopicModel(examples, TinyOptions(), path), IsOk());
  TaggerOptions with_model;
  with_model.topic_model_path = path;
  absl::StatusOr<std::unique_ptr<Tagger>> a = Tagger::Create(with_model);
  absl::StatusOr<std::unique_ptr<Tagger>> b = Tagger::Create(TaggerOptions());
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  const TagInput input = Article("Oil prices climb", "Crude oil prices rose after OPEC cut output.");
  const TagResult ra = (*a)->Tag(input);
  const TagResult rb = (*b)->Tag(input);
  ASSERT_FALSE(rb.topics.empty());
  ASSERT_GE(ra.topics.size(), rb.topics.size());
  for (size_t k = 0; k < rb.topics.size(); ++k) {
    EXPECT_EQ(ra.topics[k].code, rb.topics[k].code);
    EXPECT_FLOAT_EQ(ra.topics[k].score, rb.topics[k].score);
  }
  EXPECT_TRUE(HasCode(ra.topics, "test:oil"));
}

TEST_F(TopicModelTest, ModelLabelsOutsideIptcAreCapped) {
  const std::string path = Path("tiny.bin");
  ASSERT_THAT(TrainTopicModel(TinySet(), TinyOptions(), path), IsOk());
  TaggerOptions options;
  options.topic_model_path = path;
  options.max_model_topics = 0;
  absl::StatusOr<std::unique_ptr<Tagger>> tagger = Tagger::Create(options);
  ASSERT_THAT(tagger.status(), IsOk());
  const TagResult result = (*tagger)->Tag(Article("Oil", "Crude oil prices rose."));
  EXPECT_FALSE(HasCode(result.topics, "test:oil"));
}

TEST_F(TopicModelTest, MissingModelFileIsNotFound) {
  TaggerOptions options;
  options.topic_model_path = Path("does-not-exist.bin");
  EXPECT_THAT(Tagger::Create(options).status(), StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(TopicModelTest, AFileThatIsNotAModelIsInvalidArgument) {
  const std::string path = Path("garbage.bin");
  std::ofstream(path) << "this is not a fastText model\n";
  EXPECT_THAT(LoadTopicModel(path, TopicModelOptions()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TopicModelTest, LabelsWithWhitespaceAreRejected) {
  std::vector<TrainingExample> examples = {{Article("a", "some words here"), {"two words"}}};
  EXPECT_THAT(TrainTopicModel(examples, TinyOptions(), Path("x.bin")),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(TopicModelTest, NoLabelledExampleIsInvalidArgument) {
  std::vector<TrainingExample> examples = {{Article("a", "some words here"), {}}};
  EXPECT_THAT(TrainTopicModel(examples, TinyOptions(), Path("x.bin")),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_FALSE(std::filesystem::exists(Path("x.bin")));
}

TEST_F(TopicModelTest, QuantizedModelStillPredicts) {
  TopicModelTrainOptions options = TinyOptions();
  options.quantize = true;
  const std::string path = Path("q.bin");
  ASSERT_THAT(TrainTopicModel(TinySet(), options, path), IsOk());
  absl::StatusOr<std::unique_ptr<TopicModel>> model = LoadTopicModel(path, TopicModelOptions());
  ASSERT_THAT(model.status(), IsOk());
  std::vector<TopicTag> oil;
  (*model)->Predict(Article("OPEC", "Crude oil prices rose after OPEC cut output"), &oil);
  EXPECT_TRUE(HasCode(oil, "test:oil"));
}

TEST(TopicModelOptionsTest, ValidateRejectsOutOfRangeValues) {
  TopicModelTrainOptions train;
  EXPECT_THAT(train.Validate(), IsOk());
  train.dim = 3;
  EXPECT_THAT(train.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  TaggerOptions options;
  options.topic_model_options.min_probability = 2;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ModelText, FoldsWordsAndCollapsesNumbers) {
  EXPECT_EQ(internal::ModelText(Article("Shares Rise", "Net profit 1.5 mln dlrs.")),
            "shares rise net profit 0 0 mln dlrs");
}

}  // namespace
}  // namespace newsflow::tag
