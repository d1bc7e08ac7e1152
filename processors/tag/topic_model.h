// Trained topic models for the tagger: fastText supervised classifiers (multi-label,
// one-vs-all) built from labelled articles of any taxonomy and loaded by configuration.
#ifndef NEWSFLOW_PROCESSORS_TAG_TOPIC_MODEL_H_
#define NEWSFLOW_PROCESSORS_TAG_TOPIC_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "processors/tag/tagger.h"
#include "processors/tag/text_scan.h"

namespace newsflow::tag {

// One labelled article for training. Labels are topic codes as the model will emit them
// ("reuters:earn", "medtop:04000000"); they must not contain whitespace.
struct TrainingExample {
  TagInput input;
  std::vector<std::string> labels;
};

struct TopicModelTrainOptions {
  // Passes over the data. 50 rather than 30 lifts Reuters macro-F1 (rare categories) from
  // 0.29 to 0.34 at the same micro-F1 (docs/QUALITY.md). Default 50.
  int epochs = 50;
  // Initial learning rate. Default 0.5.
  double learning_rate = 0.5;
  // Embedding size; the model file and the prediction time grow linearly with it. 16 gave
  // the best Reuters-21578 F1 per microsecond (docs/QUALITY.md). Default 16.
  int dim = 16;
  // Word n-grams (2 = unigrams + bigrams). On Reuters-21578 bigrams did not help (micro-F1
  // 0.920 vs 0.924, macro 0.23 vs 0.29) and triple the file; see docs/QUALITY.md. Default 1.
  int word_ngrams = 1;
  // Words seen fewer times are dropped from the vocabulary. Default 2.
  int min_count = 2;
  // Hash buckets for word n-grams (rows of the embedding matrix beyond the vocabulary).
  // Default 30000.
  int buckets = 30000;
  // Product-quantize the model (fastText `quantize`, 2 dims per byte code): ~3x smaller file,
  // but decoding the codes makes prediction ~2x slower. Default false.
  bool quantize = false;
  // The model reads at most this many words of an article (title first); must equal the
  // max_words the model is loaded with (TopicModelOptions). Fewer words make prediction
  // cheaper; the subject is in the title and lead. Default 400 (kModelMaxTokens).
  int max_words = 400;
  // Training threads. 1 makes training reproducible byte for byte (fastText's Hogwild
  // updates race with more threads). Default 1.
  int threads = 1;
  // Seed of fastText's random generator. Default 1.
  int seed = 1;

  absl::Status Validate() const;
};

// Trains a fastText one-vs-all classifier on `examples` and writes it to `output_path`
// (fastText's binary format, loadable by LoadTopicModel). Text goes through the same
// tokenizer as prediction (ModelTokens). kInvalidArgument for bad options or no labelled
// example; kInternal when fastText fails.
absl::Status TrainTopicModel(const std::vector<TrainingExample>& examples,
                             const TopicModelTrainOptions& options,
                             const std::string& output_path);


// A model path "builtin:NAME" loads data/models/NAME.bin from the binary (data/CMakeLists.txt).
inline constexpr char kBuiltinModelPrefix[] = "builtin:";
// The IPTC top-level model shipped as the default: a word-vector model (word_vector_model.h)
// built by data/iptc_training.py; it stores how many words it reads.
inline constexpr char kDefaultTopicModel[] = "builtin:iptc-topics-v2";

// Loads a model written by TrainTopicModel or TrainWordVectorModel (word_vector_model.h),
// told apart by their first bytes (TopicModelOptions: tagger.h). The returned model is
// thread-safe. Labels come back as TopicTag with `code` = the training label and `label` = the
// part after the last ':' (e.g. "earn"). kNotFound when the file is missing; kInvalidArgument
// when it is neither kind of model.
absl::StatusOr<std::unique_ptr<TopicModel>> LoadTopicModel(const std::string& path,
                                                           const TopicModelOptions& options);

namespace internal {
// The words the model sees for an article: the tagger's folded tokens of the title, then the
// paragraphs without the opening dateline (numbers become "0"), at most kModelMaxTokens,
// space-separated. Part of the model format: changing it requires retraining every model.
std::string ModelText(const TagInput& input);
// The folded words behind ModelText (before the number rule); views into the returned
// per-thread buffer, valid until the next call on this thread.
const TokenBuffer& ModelTokens(const TagInput& input, std::vector<std::string_view>* words);

// What the trained models (fastText, word vectors) share: they read the tagger's folded words
// (Predict tokenizes as the tagger does, then calls PredictWords), report labels whose
// `label` is the code after its last ':', and keep a ranked probability by one rule (Emit).
class FoldedWordsModel : public TopicModel {
 public:
  FoldedWordsModel(std::vector<std::string> codes, TopicModelOptions options);
  void Predict(const TagInput& input, std::vector<TopicTag>* out) const final;
  bool ReadsFoldedWords() const final { return true; }
  std::vector<std::string> Labels() const final;

 protected:
  size_t num_labels() const { return labels_.size(); }
  const TopicModelOptions& options() const { return options_; }
  // Appends label `label` with probability `p` when the options keep it: at
  // min(min_probability, min_blend_probability), or as the first ranked (`rank` 0) at
  // top_min_probability. Returns whether it did.
  bool Emit(size_t rank, double p, size_t label, std::vector<TopicTag>* out) const;

 private:
  std::vector<TopicTag> labels_;
  TopicModelOptions options_;
};
}  // namespace internal

}  // namespace newsflow::tag

#endif  // NEWSFLOW_PROCESSORS_TAG_TOPIC_MODEL_H_
