// Topic models over pretrained word vectors: a multinomial logistic regression on the
// SIF-weighted mean of an article's word vectors (Arora et al. 2017), for any taxonomy.
//
// Why: a model that learns only from the words of its training articles (fastText) knows
// nothing of a word it never saw there, and another publisher's news is full of those. Word
// vectors trained on billions of words of news and encyclopedia text put "quarterback" near
// "touchdown" whether or not a labelled article used it, so the classifier carries across
// publishers (docs/QUALITY.md: +4 to +17 points of top-1 on corpora it did not train on).
//
// The regression is linear in the mean vector, so W·mean(v) = mean(W·v): the model file
// stores, per word, its score for every label (W·v, quantized to int16) and its SIF weight,
// not the vectors. Prediction is a table lookup per word, as fast as the lexicon.
#ifndef NEWSFLOW_PROCESSORS_TAG_WORD_VECTOR_MODEL_H_
#define NEWSFLOW_PROCESSORS_TAG_WORD_VECTOR_MODEL_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "processors/tag/tagger.h"

namespace newsflow::tag {

struct TrainingExample;  // topic_model.h

struct WordVectorTrainOptions {
  // Word vectors as text, one word per line followed by its components ("word 0.1 -0.3 ..."),
  // the most frequent word first (GloVe's and word2vec's text format; a word2vec/fastText
  // "count dims" header line is skipped). Required; no default.
  std::string vectors_path;
  // The most frequent words of the vectors file that the model keeps; the file grows by about
  // 45 bytes per word for 17 labels. 80,000 of GloVe's words gave the IPTC model the same
  // accuracy as 150,000 (docs/QUALITY.md) with tables that stay in cache. Default 80000.
  int max_vocabulary = 80000;
  // SIF smoothing a: a word weighs a / (a + p(word)), with p estimated from its rank in the
  // vectors file (Zipf), so "the" and "said" count little and rare words much. Default 1e-3.
  double sif_a = 1e-3;
  // L2 penalty on the weights; 0 means 1 / (number of examples) (scikit-learn's C = 1).
  // Default 0.
  double l2 = 0;
  // Passes over the examples (mini-batch Adam). Default 30.
  int epochs = 30;
  // Adam's step size. Default 0.01.
  double learning_rate = 0.01;
  // Examples per gradient step. Default 256.
  int batch_size = 256;
  // Words of each article the model reads, title first; stored in the file. Default 120.
  int max_words = 120;
  // Seed of the example order. Same seed, input and binary: the same file. Default 1.
  int seed = 1;

  absl::Status Validate() const;
};

// Trains on `examples` (labels split evenly when an example has several) and writes the
// model to `output_path`; LoadTopicModel (topic_model.h) reads it. kInvalidArgument for bad
// options, an unreadable vectors file or no example with a known word; kInternal when the
// file cannot be written.
absl::Status TrainWordVectorModel(const std::vector<TrainingExample>& examples,
                                  const WordVectorTrainOptions& options,
                                  const std::string& output_path);

namespace internal {
// True when `bytes` start like a model written by TrainWordVectorModel.
bool IsWordVectorModel(std::string_view bytes);
// Parses a model. kInvalidArgument when the bytes are not a valid model. The model reads its
// rows (most of the file) in place: `bytes` must outlive it, so they are either static (the
// embedded model) or `storage`, which the model then keeps.
absl::StatusOr<std::unique_ptr<TopicModel>> LoadWordVectorModel(
    std::string_view bytes, const TopicModelOptions& options,
    std::shared_ptr<const std::string> storage = nullptr);
}  // namespace internal

}  // namespace newsflow::tag

#endif  // NEWSFLOW_PROCESSORS_TAG_WORD_VECTOR_MODEL_H_
