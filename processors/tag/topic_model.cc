#include "processors/tag/topic_model.h"

#include <fasttext/args.h>
#include <fasttext/dictionary.h>
#include <fasttext/fasttext.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "processors/tag/text_scan.h"

namespace newsflow::tag {
namespace {

constexpr char kLabelPrefix[] = "__label__";

bool HasWhitespace(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\0';
  });
}

class FastTextTopicModel final : public TopicModel {
 public:
  FastTextTopicModel(std::unique_ptr<fasttext::FastText> model, TopicModelOptions options)
      : model_(std::move(model)), options_(options) {
    std::shared_ptr<const fasttext::Dictionary> dict = model_->getDictionary();
    for (int32_t i = 0; i < dict->nlabels(); ++i) {
      std::string code = dict->getLabel(i);
      if (code.rfind(kLabelPrefix, 0) == 0) code.erase(0, sizeof(kLabelPrefix) - 1);
      const size_t colon = code.rfind(':');
      std::string label = colon == std::string::npos ? code : code.substr(colon + 1);
      labels_.push_back({std::move(code), std::move(label), 0});
    }
  }

  void Predict(const TagInput& input, std::vector<TopicTag>* out) const override {
    std::string text = internal::ModelText(input);
    if (text.empty()) return;
    // fastText's own line reader, so that word n-gram hashing matches training exactly.
    text.push_back('\n');
    std::istringstream in(std::move(text));
    std::vector<int32_t> words;
    std::vector<int32_t> labels;
    model_->getDictionary()->getLine(in, words, labels);
    if (words.empty()) return;
    fasttext::Predictions predictions;
    const double threshold = std::min(options_.min_probability, options_.top_min_probability);
    try {
      model_->predict(std::max(1, options_.max_labels), words, predictions,
                      static_cast<fasttext::real>(threshold));
    } catch (const std::exception&) {
      return;  // no exception leaves the module; a failed prediction yields no labels
    }
    // Predictions are (log probability, label), best first.
    for (size_t k = 0; k < predictions.size(); ++k) {
      const double p = std::exp(predictions[k].first);
      const bool keep = p >= options_.min_probability ||
                        (k == 0 && p >= options_.top_min_probability);
      if (!keep) continue;
      const int32_t label = predictions[k].second;
      if (label < 0 || static_cast<size_t>(label) >= labels_.size()) continue;
      TopicTag tag = labels_[label];
      tag.score = static_cast<float>(std::min(1.0, p));
      out->push_back(std::move(tag));
    }
  }

 private:
  std::unique_ptr<fasttext::FastText> model_;
  TopicModelOptions options_;
  std::vector<TopicTag> labels_;  // by fastText label index
};

}  // namespace

namespace internal {

std::string ModelText(const TagInput& input) {
  thread_local TokenBuffer buffer;
  buffer.Clear();
  Tokenize(input.title, 0, &buffer);
  for (const std::string& paragraph : input.paragraphs) {
    if (buffer.tokens.size() >= kModelMaxTokens) break;
    Tokenize(paragraph, 1, &buffer);
  }
  std::string text;
  text.reserve(buffer.folded.size() + buffer.tokens.size());
  const size_t n = std::min(buffer.tokens.size(), kModelMaxTokens);
  for (size_t i = 0; i < n; ++i) {
    std::string_view word = buffer.Folded(buffer.tokens[i]);
    if (!text.empty()) text.push_back(' ');
    // Numbers carry no topic by their value; one token keeps "0 mln" vs "0 pct" patterns.
    if (std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      text.push_back('0');
    } else {
      text.append(word.data(), word.size());
    }
  }
  return text;
}

}  // namespace internal

absl::Status TopicModelTrainOptions::Validate() const {
  if (epochs < 1) return absl::InvalidArgumentError("epochs must be >= 1");
  if (!(learning_rate > 0 && learning_rate <= 10))
    return absl::InvalidArgumentError("learning_rate must be in (0, 10]");
  if (dim < 2 || dim % 2 != 0) return absl::InvalidArgumentError("dim must be even and >= 2");
  if (word_ngrams < 1 || word_ngrams > 5)
    return absl::InvalidArgumentError("word_ngrams must be in [1, 5]");
  if (min_count < 1) return absl::InvalidArgumentError("min_count must be >= 1");
  if (buckets < 0) return absl::InvalidArgumentError("buckets must be >= 0");
  if (word_ngrams > 1 && buckets == 0)
    return absl::InvalidArgumentError("word_ngrams > 1 needs buckets > 0");
  if (threads < 1) return absl::InvalidArgumentError("threads must be >= 1");
  return absl::OkStatus();
}

absl::Status TrainTopicModel(const std::vector<TrainingExample>& examples,
                             const TopicModelTrainOptions& options,
                             const std::string& output_path) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  // fastText trains from a file: one line per example, "__label__a __label__b words ...".
  const std::string train_path =
      absl::StrCat(output_path, ".train-", ::getpid(), ".txt");
  size_t labelled = 0;
  {
    std::ofstream train(train_path, std::ios::binary | std::ios::trunc);
    if (!train) return absl::InternalError(absl::StrCat("cannot write ", train_path));
    for (const TrainingExample& example : examples) {
      if (example.labels.empty()) continue;
      std::string text = internal::ModelText(example.input);
      if (text.empty()) continue;
      for (const std::string& label : example.labels) {
        if (label.empty() || HasWhitespace(label)) {
          std::remove(train_path.c_str());
          return absl::InvalidArgumentError(
              absl::StrCat("label \"", label, "\" is empty or contains whitespace"));
        }
        train << kLabelPrefix << label << ' ';
      }
      train << text << '\n';
      ++labelled;
    }
    if (!train.flush()) {
      std::remove(train_path.c_str());
      return absl::InternalError(absl::StrCat("cannot write ", train_path));
    }
  }
  if (labelled == 0) {
    std::remove(train_path.c_str());
    return absl::InvalidArgumentError("no example with both labels and text");
  }
  fasttext::Args args;
  args.input = train_path;
  args.output = output_path;
  args.model = fasttext::model_name::sup;
  args.loss = fasttext::loss_name::ova;  // independent per-label probabilities: multi-label
  args.lr = options.learning_rate;
  args.dim = options.dim;
  args.epoch = options.epochs;
  args.minCount = options.min_count;
  args.minCountLabel = 1;
  args.wordNgrams = options.word_ngrams;
  args.bucket = options.word_ngrams > 1 ? options.buckets : 0;
  args.minn = 0;  // no character n-grams: the model file stays small
  args.maxn = 0;
  args.thread = options.threads;
  args.seed = options.seed;
  args.label = kLabelPrefix;
  args.verbose = 0;
  absl::Status status = absl::OkStatus();
  try {
    fasttext::FastText model;
    model.train(args);
    // Product quantization needs at least 256 embedding rows (its k-means centroids).
    const int64_t rows = model.getDictionary()->nwords() + static_cast<int64_t>(args.bucket);
    if (options.quantize && rows >= 256) {
      fasttext::Args qargs = args;
      qargs.qout = false;
      qargs.retrain = false;
      qargs.qnorm = false;
      qargs.cutoff = 0;
      qargs.dsub = 2;
      model.quantize(qargs);
    }
    model.saveModel(output_path);
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat("fastText training failed: ", e.what()));
  }
  std::remove(train_path.c_str());
  if (status.ok() && !std::filesystem::exists(output_path))
    status = absl::InternalError(absl::StrCat("fastText did not write ", output_path));
  return status;
}

absl::StatusOr<std::unique_ptr<TopicModel>> LoadTopicModel(const std::string& path,
                                                           const TopicModelOptions& options) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  if (!std::ifstream(path, std::ios::binary)) {
    return absl::NotFoundError(absl::StrCat("cannot open topic model ", path));
  }
  auto model = std::make_unique<fasttext::FastText>();
  try {
    model->loadModel(path);  // checks fastText's magic number and version first
  } catch (const std::exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, " is not a fastText model: ", e.what()));
  }
  if (model->getArgs().model != fasttext::model_name::sup ||
      model->getDictionary()->nlabels() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a supervised fastText model"));
  }
  return std::unique_ptr<TopicModel>(new FastTextTopicModel(std::move(model), options));
}

}  // namespace newsflow::tag
