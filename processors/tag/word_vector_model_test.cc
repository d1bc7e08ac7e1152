// Tests for the word-vector topic model: it files articles by words it never saw in
// training, writes the same bytes for the same input, reads the usual vectors formats and
// rejects damaged files.
#include "processors/tag/word_vector_model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/status_matchers.h"
#include "processors/tag/topic_model.h"

namespace newsflow::tag {
namespace {

using ::newsflow::testing::IsOk;
using ::newsflow::testing::StatusIs;
using ::testing::HasSubstr;

TagInput Headline(std::string title) {
  TagInput input;
  input.title = std::move(title);
  input.language = "en";
  return input;
}

TrainingExample Example(std::string title, std::string label) {
  return {Headline(std::move(title)), {std::move(label)}};
}

class WordVectorModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("newsflow_wv_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    // Three directions: sport, politics, and what every sentence has. "soccer", "ballot",
    // "Überraschung" and "referendum" appear in no training example.
    vectors_ = Write("vectors.txt",
                     "the 0 0 1\n"
                     "a 0 0.1 1\n"
                     "2024 0.9 0.9 0.9\n"
                     "football 1 0 0.1\n"
                     "goal 0.9 0.1 0.1\n"
                     "election 0 1 0.1\n"
                     "vote 0.1 0.9 0.1\n"
                     "soccer 0.95 0.05 0\n"
                     "ballot 0.05 0.95 0\n"
                     "referendum 0 1 0\n");
    examples_ = {Example("the football goal", "medtop:15000000"),
                 Example("a goal", "medtop:15000000"),
                 Example("football", "medtop:15000000"),
                 Example("the election vote", "medtop:11000000"),
                 Example("a vote", "medtop:11000000"),
                 Example("election", "medtop:11000000")};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::string Read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  WordVectorTrainOptions Options() {
    WordVectorTrainOptions options;
    options.vectors_path = vectors_;
    options.epochs = 200;
    options.learning_rate = 0.1;
    options.batch_size = 2;
    return options;
  }
  std::string Top(const TopicModel& model, const std::string& title) {
    std::vector<TopicTag> out;
    model.Predict(Headline(title), &out);
    return out.empty() ? "none" : out[0].code;
  }

  std::filesystem::path dir_;
  std::string vectors_;
  std::vector<TrainingExample> examples_;
};

TEST_F(WordVectorModelTest, FilesAnArticleByWordsItNeverSawInTraining) {
  const std::string path = (dir_ / "model.bin").string();
  ASSERT_THAT(TrainWordVectorModel(examples_, Options(), path), IsOk());
  absl::StatusOr<std::unique_ptr<TopicModel>> model = LoadTopicModel(path, TopicModelOptions());
  ASSERT_THAT(model.status(), IsOk());
  EXPECT_EQ(Top(**model, "Soccer"), "medtop:15000000");
  EXPECT_EQ(Top(**model, "the ballot"), "medtop:11000000");
  EXPECT_EQ(Top(**model, "REFERENDUM"), "medtop:11000000");
  // No word of the vocabulary (numbers are not read): the model says nothing.
  EXPECT_EQ(Top(**model, "zzyzx 2024"), "none");
  std::vector<TopicTag> out;
  (*model)->Predict(Headline("soccer"), &out);
  ASSERT_FALSE(out.empty());
  EXPECT_GT(out[0].score, 0.5f);
  EXPECT_LE(out[0].score, 1.0f);
  EXPECT_THAT((*model)->Labels(),
              ::testing::UnorderedElementsAre("medtop:15000000", "medtop:11000000"));
}

TEST_F(WordVectorModelTest, TheSameInputAndSeedWriteTheSameBytes) {
  const std::string a = (dir_ / "a.bin").string(), b = (dir_ / "b.bin").string();
  ASSERT_THAT(TrainWordVectorModel(examples_, Options(), a), IsOk());
  ASSERT_THAT(TrainWordVectorModel(examples_, Options(), b), IsOk());
  EXPECT_EQ(Read(a), Read(b));
  EXPECT_TRUE(internal::IsWordVectorModel(Read(a)));
}

TEST_F(WordVectorModelTest, ReadsAWord2VecHeaderAndKeepsTheMostFrequentWords) {
  const std::string with_header = Write("header.vec",
                                        "4 3\n"
                                        "football 1 0 0\n"
                                        "election 0 1 0\n"
                                        "soccer 0.9 0.1 0\n"
                                        "ballot 0.1 0.9 0\n");
  WordVectorTrainOptions options = Options();
  options.vectors_path = with_header;
  options.max_vocabulary = 2;  // football and election only
  const std::string path = (dir_ / "header.bin").string();
  ASSERT_THAT(TrainWordVectorModel(examples_, options, path), IsOk());
  absl::StatusOr<std::unique_ptr<TopicModel>> model = LoadTopicModel(path, TopicModelOptions());
  ASSERT_THAT(model.status(), IsOk());
  EXPECT_EQ(Top(**model, "football"), "medtop:15000000");
  EXPECT_EQ(Top(**model, "soccer"), "none");  // beyond the vocabulary
}

TEST_F(WordVectorModelTest, ABadVectorsLineIsNamedByItsNumber) {
  WordVectorTrainOptions options = Options();
  options.vectors_path = Write("bad.txt", "the 0 0 1\nfootball 1 0\n");
  EXPECT_THAT(TrainWordVectorModel(examples_, options, (dir_ / "x.bin").string()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad.txt:2")));
  options.vectors_path = (dir_ / "missing.txt").string();
  EXPECT_THAT(TrainWordVectorModel(examples_, options, (dir_ / "x.bin").string()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing.txt")));
  options.vectors_path = vectors_;
  EXPECT_THAT(TrainWordVectorModel({Example("zzyzx", "medtop:15000000")}, options,
                                   (dir_ / "x.bin").string()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_F(WordVectorModelTest, ATruncatedOrAlteredModelIsRefused) {
  const std::string path = (dir_ / "model.bin").string();
  ASSERT_THAT(TrainWordVectorModel(examples_, Options(), path), IsOk());
  const std::string bytes = Read(path);
  for (size_t cut : {size_t{8}, size_t{20}, bytes.size() / 2, bytes.size() - 1}) {
    const std::string truncated = Write("cut.bin", bytes.substr(0, cut));
    EXPECT_THAT(LoadTopicModel(truncated, TopicModelOptions()).status(),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << "cut at " << cut;
  }
  const std::string longer = Write("long.bin", bytes + "x");
  EXPECT_THAT(LoadTopicModel(longer, TopicModelOptions()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// The shipped default reads 120 words and knows sport from a headline without lexicon words.
TEST_F(WordVectorModelTest, TheBuiltInIptcModelIsAWordVectorModel) {
  absl::StatusOr<std::unique_ptr<TopicModel>> model =
      LoadTopicModel(kDefaultTopicModel, TopicModelOptions());
  ASSERT_THAT(model.status(), IsOk());
  EXPECT_EQ((*model)->Labels().size(), 17u);
  EXPECT_EQ(Top(**model, "Quarterback throws for 300 yards in overtime thriller"),
            "medtop:15000000");
  EXPECT_EQ(Top(**model, "Central bank raises interest rates to curb inflation"),
            "medtop:04000000");
}

}  // namespace
}  // namespace newsflow::tag
