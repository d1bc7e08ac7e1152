#include "processors/tag/topic_model.h"

#include <fasttext/args.h>
#include <fasttext/dictionary.h>
#include <fasttext/fasttext.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <optional>
#include <streambuf>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "data/embedded_data.h"
#include "processors/tag/text_scan.h"
#include "processors/tag/word_vector_model.h"

namespace newsflow::tag {
namespace {

constexpr char kLabelPrefix[] = "__label__";

bool HasWhitespace(const std::string& s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == '\0';
  });
}

// The model's spelling of a folded word: numbers carry no topic by their value, so every
// token with a digit is "0" (keeps "0 mln" vs "0 pct" patterns).
std::string_view ModelWord(std::string_view folded) {
  for (char c : folded) {
    if (c >= '0' && c <= '9') return "0";
  }
  return folded;
}

// The codes of a fastText model's labels, by label index, without fastText's prefix.
std::vector<std::string> LabelCodes(const fasttext::Dictionary& dict) {
  std::vector<std::string> codes;
  for (int32_t i = 0; i < dict.nlabels(); ++i) {
    std::string code = dict.getLabel(i);
    if (code.rfind(kLabelPrefix, 0) == 0) code.erase(0, sizeof(kLabelPrefix) - 1);
    codes.push_back(std::move(code));
  }
  return codes;
}

class FastTextTopicModel final : public internal::FoldedWordsModel {
 public:
  FastTextTopicModel(std::unique_ptr<fasttext::FastText> model, TopicModelOptions options)
      : FoldedWordsModel(LabelCodes(*model->getDictionary()), options),
        model_(std::move(model)),
        dict_(model_->getDictionary()) {
    const fasttext::Args args = model_->getArgs();
    word_ngrams_ = args.wordNgrams;
    buckets_ = args.bucket;
    // The direct word-id path replicates fastText 0.9.2's Dictionary::getLine for models
    // without character n-grams or pruning. Use it only when it agrees with getLine on a
    // sample (a different fastText build falls back to the slower, always-right path).
    fast_ = args.maxn <= 0 && (word_ngrams_ <= 1 || buckets_ > 0) &&
            !const_cast<fasttext::Dictionary&>(*dict_).isPruned();
    if (fast_) {
      const std::vector<std::string_view> sample = {"the", "0", "oil", "prices", "zzqx",
                                                    "rose", "after", "talks", "in", "paris"};
      std::vector<int32_t> direct, line;
      WordIds(sample, &direct);
      LineIds(sample, &line);
      fast_ = direct == line;
    }
  }

  void PredictWords(const std::vector<std::string_view>& words,
                    std::vector<TopicTag>* out) const override {
    if (words.empty()) return;
    thread_local std::vector<int32_t> ids;
    thread_local std::vector<std::string_view> head;
    const std::vector<std::string_view>* read = &words;
    if (options().max_words > 0 && words.size() > static_cast<size_t>(options().max_words)) {
      head.assign(words.begin(), words.begin() + options().max_words);
      read = &head;
    }
    if (fast_) {
      WordIds(*read, &ids);
    } else {
      LineIds(*read, &ids);
    }
    if (ids.empty()) return;
    fasttext::Predictions predictions;
    const double threshold = std::min({options().min_probability,
                                       options().min_blend_probability,
                                       options().top_min_probability});
    try {
      model_->predict(std::max(1, options().max_labels), ids, predictions,
                      static_cast<fasttext::real>(threshold));
    } catch (const std::exception&) {
      return;  // no exception leaves the module; a failed prediction yields no labels
    }
    // Predictions are (log probability, label), best first.
    for (size_t k = 0; k < predictions.size(); ++k) {
      const int32_t label = predictions[k].second;
      if (label < 0 || static_cast<size_t>(label) >= num_labels()) continue;
      Emit(k, std::exp(predictions[k].first), static_cast<size_t>(label), out);
    }
  }

 private:
  // Input rows for `words` (plus the end-of-line token fastText appends in training), the
  // way Dictionary::getLine computes them: in-vocabulary word ids, then one hashed bucket
  // per word n-gram over all words (out-of-vocabulary ones included).
  void WordIds(const std::vector<std::string_view>& words, std::vector<int32_t>* ids) const {
    ids->clear();
    thread_local std::vector<int32_t> hashes;  // int32 as in fastText (sign extension below)
    thread_local std::string word;
    hashes.clear();
    const size_t n = words.size();
    for (size_t i = 0; i <= n; ++i) {
      if (i < n) {
        const std::string_view w = ModelWord(words[i]);
        word.assign(w.data(), w.size());
      } else {
        word = fasttext::Dictionary::EOS;
      }
      const uint32_t h = dict_->hash(word);
      const int32_t id = dict_->getId(word, h);
      if (id >= 0) {
        if (dict_->getType(id) != fasttext::entry_type::word) continue;
        ids->push_back(id);
      } else if (word.rfind(kLabelPrefix, 0) == 0) {
        continue;  // fastText reads an unknown "__label__x" as a label, not a word
      }
      hashes.push_back(static_cast<int32_t>(h));
    }
    const int32_t nwords = dict_->nwords();
    for (size_t i = 0; i < hashes.size(); ++i) {
      uint64_t h = static_cast<uint64_t>(static_cast<int64_t>(hashes[i]));
      for (size_t j = i + 1; j < hashes.size() && j < i + word_ngrams_; ++j) {
        h = h * 116049371 + static_cast<uint64_t>(static_cast<int64_t>(hashes[j]));
        ids->push_back(nwords + static_cast<int32_t>(h % static_cast<uint64_t>(buckets_)));
      }
    }
  }

  // The same through fastText's own line reader (always right, ~3x slower).
  void LineIds(const std::vector<std::string_view>& words, std::vector<int32_t>* ids) const {
    std::string text;
    for (const std::string_view w : words) {
      if (!text.empty()) text.push_back(' ');
      const std::string_view m = ModelWord(w);
      text.append(m.data(), m.size());
    }
    text.push_back('\n');
    std::istringstream in(std::move(text));
    std::vector<int32_t> labels;
    dict_->getLine(in, *ids, labels);
  }

  std::unique_ptr<fasttext::FastText> model_;
  std::shared_ptr<const fasttext::Dictionary> dict_;
  size_t word_ngrams_ = 1;
  int buckets_ = 0;
  bool fast_ = false;
};

}  // namespace

namespace internal {

const TokenBuffer& ModelTokens(const TagInput& input, std::vector<std::string_view>* words) {
  thread_local TokenBuffer buffer;
  buffer.Clear();
  // As the tagger tokenizes: title, then paragraphs without the opening dateline.
  Tokenize(input.title, 0, &buffer);
  for (size_t p = 0; p < input.paragraphs.size(); ++p) {
    if (buffer.tokens.size() >= kModelMaxTokens) break;
    std::string_view text = input.paragraphs[p];
    if (p == 0) text.remove_prefix(OpeningDatelineSkip(text, input.dateline_place));
    Tokenize(text, static_cast<uint16_t>(std::min<size_t>(p + 1, UINT16_MAX - 1)), &buffer);
  }
  words->clear();
  const size_t n = std::min(buffer.tokens.size(), kModelMaxTokens);
  for (size_t i = 0; i < n; ++i) words->push_back(buffer.Folded(buffer.tokens[i]));
  return buffer;
}

FoldedWordsModel::FoldedWordsModel(std::vector<std::string> codes, TopicModelOptions options)
    : options_(options) {
  for (std::string& code : codes) {
    const size_t colon = code.rfind(':');
    std::string label = colon == std::string::npos ? code : code.substr(colon + 1);
    labels_.push_back({std::move(code), std::move(label), 0});
  }
}

void FoldedWordsModel::Predict(const TagInput& input, std::vector<TopicTag>* out) const {
  std::vector<std::string_view> words;  // views into ModelTokens' per-thread buffer
  ModelTokens(input, &words);
  PredictWords(words, out);
}

std::vector<std::string> FoldedWordsModel::Labels() const {
  std::vector<std::string> codes;
  for (const TopicTag& tag : labels_) codes.push_back(tag.code);
  return codes;
}

bool FoldedWordsModel::Emit(size_t rank, double p, size_t label,
                            std::vector<TopicTag>* out) const {
  const bool keep = p >= std::min(options_.min_probability, options_.min_blend_probability) ||
                    (rank == 0 && p >= options_.top_min_probability);
  if (!keep) return false;
  TopicTag tag = labels_[label];
  tag.score = static_cast<float>(std::min(1.0, p));
  out->push_back(std::move(tag));
  return true;
}

std::string ModelText(const TagInput& input) {
  std::vector<std::string_view> words;
  ModelTokens(input, &words);
  std::string text;
  for (const std::string_view w : words) {
    if (!text.empty()) text.push_back(' ');
    const std::string_view m = ModelWord(w);
    text.append(m.data(), m.size());
  }
  return text;
}

}  // namespace internal

absl::Status TopicModelTrainOptions::Validate() const {
  if (epochs < 1) return absl::InvalidArgumentError("epochs must be >= 1");
  if (max_words < 1) return absl::InvalidArgumentError("max_words must be >= 1");
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
      // The first max_words words, as prediction will read them.
      size_t words = 0;
      for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == ' ' && ++words == static_cast<size_t>(options.max_words)) {
          text.resize(i);
          break;
        }
      }
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

namespace {

// Reads a model compiled into the binary without copying it.
class MemoryBuffer : public std::streambuf {
 public:
  explicit MemoryBuffer(std::string_view bytes) {
    char* begin = const_cast<char*>(bytes.data());
    setg(begin, begin, begin + bytes.size());
  }
};

// fastText's own check (magic number 793712314, version 12) for a model given as bytes.
bool IsFastTextModel(std::string_view bytes) {
  if (bytes.size() < 8) return false;
  int32_t magic = 0, version = 0;
  std::memcpy(&magic, bytes.data(), 4);
  std::memcpy(&version, bytes.data() + 4, 4);
  return magic == 793712314 && version <= 12;
}

}  // namespace

absl::StatusOr<std::unique_ptr<TopicModel>> LoadTopicModel(const std::string& path,
                                                           const TopicModelOptions& options) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  auto model = std::make_unique<fasttext::FastText>();
  TopicModelOptions effective = options;
  if (absl::StartsWith(path, kBuiltinModelPrefix)) {
    const std::string name = path.substr(std::strlen(kBuiltinModelPrefix));
    std::optional<std::string_view> bytes = data::EmbeddedFile(absl::StrCat("models/", name, ".bin"));
    if (!bytes.has_value()) {
      return absl::NotFoundError(absl::StrCat("no built-in topic model ", name));
    }
    if (internal::IsWordVectorModel(*bytes)) {
      return internal::LoadWordVectorModel(*bytes, effective);
    }
    if (!IsFastTextModel(*bytes)) {
      return absl::InvalidArgumentError(absl::StrCat(path, " is not a fastText model"));
    }
    MemoryBuffer buffer(bytes->substr(8));  // loadModel(istream) starts after the header
    std::istream in(&buffer);
    try {
      model->loadModel(in);
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(path, " could not be loaded: ", e.what()));
    }
  } else {
    std::ifstream file(path, std::ios::binary);
    if (!file) return absl::NotFoundError(absl::StrCat("cannot open topic model ", path));
    char head[8] = {};
    file.read(head, sizeof(head));
    if (internal::IsWordVectorModel(std::string_view(head, static_cast<size_t>(file.gcount())))) {
      std::ostringstream rest;
      rest << file.rdbuf();
      auto bytes = std::make_shared<std::string>(std::string(head, sizeof(head)) + rest.str());
      absl::StatusOr<std::unique_ptr<TopicModel>> loaded =
          internal::LoadWordVectorModel(*bytes, effective, bytes);
      if (!loaded.ok()) return absl::InvalidArgumentError(absl::StrCat(path, ": ", loaded.status().message()));
      return loaded;
    }
    try {
      model->loadModel(path);  // checks fastText's magic number and version first
    } catch (const std::exception& e) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, " is not a fastText model: ", e.what()));
    }
  }
  if (model->getArgs().model != fasttext::model_name::sup ||
      model->getDictionary()->nlabels() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a supervised fastText model"));
  }
  return std::unique_ptr<TopicModel>(new FastTextTopicModel(std::move(model), effective));
}

}  // namespace newsflow::tag
