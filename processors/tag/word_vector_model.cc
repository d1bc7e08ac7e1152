#include "processors/tag/word_vector_model.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <random>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "processors/tag/text_scan.h"
#include "processors/tag/topic_model.h"

namespace newsflow::tag {
namespace {

// File layout (little-endian): magic; u32 labels, words, max_words; f32 scale; per label
// u32 length + code; f32 bias per label; per word u32 length + folded word; then per word a
// row of int16: its score for each label times its SIF weight (in units of `scale`), then
// the SIF weight (in units of 1/32767). Rows are stored as prediction sums them, so they are
// read in place (a copy of the embedded model's 3.5 MB was ~1/3 of loading it).
constexpr char kMagic[8] = {'N', 'F', 'W', 'V', 'T', 'M', '0', '1'};
// Zipf's shift for ranks: p(rank) ~ 1 / (rank + kZipfShift).
constexpr double kZipfShift = 50.0;

// The key a vectors-file word is looked up by: its folded form as the tagger tokenizes it
// (lower case, diacritics off), when it is one token without digits (a number's value says
// nothing of the topic); empty otherwise.
std::string LookupKey(std::string_view word, internal::TokenBuffer* buffer) {
  buffer->Clear();
  internal::Tokenize(word, 0, buffer);
  if (buffer->tokens.size() != 1) return {};
  std::string_view folded = buffer->Folded(buffer->tokens[0]);
  for (char c : folded) {
    if (c >= '0' && c <= '9') return {};
  }
  return std::string(folded);
}

// The rows sit in the file at whatever offset the words before them leave.
typedef int16_t UnalignedInt16 __attribute__((aligned(1), may_alias));

class WordVectorTopicModel final : public internal::FoldedWordsModel {
 public:
  // `rows`: per word, its score for every label times its SIF weight (in units of `scale`),
  // then the SIF weight (in units of 1/32767); `hashes`: HashFolded of each word, by row.
  // `rows` lies in `storage` when that is set, else in static memory.
  WordVectorTopicModel(std::vector<std::string> codes, std::vector<float> bias,
                       const std::vector<uint64_t>& hashes, const char* rows,
                       std::shared_ptr<const std::string> storage, float scale,
                       size_t max_words, TopicModelOptions options)
      : FoldedWordsModel(std::move(codes), options),
        bias_(std::move(bias)),
        storage_(std::move(storage)),
        rows_(reinterpret_cast<const UnalignedInt16*>(rows)),
        scale_(scale),
        max_words_(max_words) {
    // Open addressing on the words' 64-bit hashes (the slot from the low bits, a check of
    // the high 32), at most 2/3 full: one probe, usually, and no string compare. Two words
    // that look alike to the table keep the more frequent; an unknown word is taken for a
    // known one only when a slot on its probe path has its high 32 bits (about once in
    // 2 × 10^9 lookups), and then counts as that word.
    size_t capacity = 16;
    while (capacity * 2 < hashes.size() * 3) capacity *= 2;
    slots_.assign(capacity, Slot{0, kEmpty});
    for (size_t r = 0; r < hashes.size(); ++r) {
      const uint32_t check = static_cast<uint32_t>(hashes[r] >> 32);
      for (size_t i = hashes[r] & (capacity - 1);; i = (i + 1) & (capacity - 1)) {
        if (slots_[i].row == kEmpty) {
          slots_[i] = Slot{check, static_cast<uint32_t>(r)};
          break;
        }
        if (slots_[i].check == check) break;
      }
    }
  }

  void PredictWords(const std::vector<std::string_view>& words,
                    std::vector<TopicTag>* out) const override {
    thread_local std::vector<uint64_t> hashes;
    hashes.clear();
    const size_t n = std::min(words.size(), max_words_);
    for (size_t i = 0; i < n; ++i) hashes.push_back(internal::HashFolded(words[i]));
    PredictHashedWords(words, hashes, out);
  }

  void PredictHashedWords(const std::vector<std::string_view>& words,
                          const std::vector<uint64_t>& hashes,
                          std::vector<TopicTag>* out) const override {
    const size_t num_labels = this->num_labels();
    const size_t stride = num_labels + 1;
    thread_local std::vector<int32_t> sum;
    thread_local std::vector<size_t> found;  // rows_ offsets (a vector drops the alignment)
    thread_local std::vector<float> p;
    thread_local std::vector<std::pair<float, uint32_t>> ranked;
    sum.assign(stride, 0);  // int32: 400 words of int16 cannot overflow
    const size_t mask = slots_.size() - 1;
    const size_t n = std::min({words.size(), hashes.size(), max_words_});
    // Two passes so that the cache misses of one word overlap those of the next (the tables
    // are megabytes): prefetch each word's slot; then find each row, prefetch it, and sum.
    for (size_t i = 0; i < n; ++i) __builtin_prefetch(&slots_[hashes[i] & mask]);
    found.clear();
    for (size_t i = 0; i < n; ++i) {
      const uint64_t h = hashes[i];
      const uint32_t check = static_cast<uint32_t>(h >> 32);
      for (size_t at = h & mask;; at = (at + 1) & mask) {
        const Slot& slot = slots_[at];
        if (slot.row == kEmpty) break;
        if (slot.check != check) continue;
        const size_t offset = static_cast<size_t>(slot.row) * stride;
        __builtin_prefetch(rows_ + offset);
        __builtin_prefetch(rows_ + offset + stride - 1);
        found.push_back(offset);
        break;
      }
    }
    for (const size_t offset : found) {
      const UnalignedInt16* row = rows_ + offset;
      for (size_t k = 0; k < stride; ++k) sum[k] += row[k];
    }
    if (sum[num_labels] <= 0) return;  // no known word: the model has nothing to say
    // Softmax over bias + the weighted mean of the words' scores.
    const float mean = scale_ * 32767.0f / static_cast<float>(sum[num_labels]);
    p.resize(num_labels);
    float top = -1e30f;
    for (size_t k = 0; k < num_labels; ++k) {
      p[k] = bias_[k] + mean * static_cast<float>(sum[k]);
      top = std::max(top, p[k]);
    }
    float z = 0;
    for (size_t k = 0; k < num_labels; ++k) {
      p[k] = std::exp(p[k] - top);
      z += p[k];
    }
    ranked.clear();
    for (size_t k = 0; k < num_labels; ++k) ranked.push_back({p[k] / z, static_cast<uint32_t>(k)});
    const size_t keep =
        std::min(ranked.size(), static_cast<size_t>(std::max(1, options().max_labels)));
    std::partial_sort(ranked.begin(), ranked.begin() + keep, ranked.end(),
                      [](const auto& a, const auto& b) {
                        return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    for (size_t k = 0; k < keep; ++k) Emit(k, ranked[k].first, ranked[k].second, out);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint32_t check;  // the high 32 bits of the word's hash
    uint32_t row;
  };

  std::vector<float> bias_;
  std::vector<Slot> slots_;
  std::shared_ptr<const std::string> storage_;  // the file's bytes, unless static
  // row * (labels + 1): weighted scores, then the weight; little-endian, at any address.
  const UnalignedInt16* rows_;
  float scale_;
  size_t max_words_;
};

// Reads the model format; every read is bounds-checked.
class Cursor {
 public:
  explicit Cursor(std::string_view bytes) : bytes_(bytes) {}
  bool Bytes(size_t n, std::string_view* out) {
    if (bytes_.size() - at_ < n) return false;
    *out = bytes_.substr(at_, n);
    at_ += n;
    return true;
  }
  template <typename T>
  bool Value(T* out) {
    std::string_view raw;
    if (!Bytes(sizeof(T), &raw)) return false;
    std::memcpy(out, raw.data(), sizeof(T));
    return true;
  }
  bool String(std::string_view* out) {
    uint32_t length = 0;
    return Value(&length) && length <= 4096 && Bytes(length, out);
  }
  bool AtEnd() const { return at_ == bytes_.size(); }

 private:
  std::string_view bytes_;
  size_t at_ = 0;
};

template <typename T>
void Put(std::string* out, T value) {
  out->append(reinterpret_cast<const char*>(&value), sizeof(T));
}

void PutString(std::string* out, std::string_view s) {
  Put<uint32_t>(out, static_cast<uint32_t>(s.size()));
  out->append(s.data(), s.size());
}

// The vectors file's kept words: folded key, SIF weight and vector.
struct Vocabulary {
  int dim = 0;
  std::vector<std::string> keys;
  std::vector<double> weight;
  std::vector<float> vectors;  // row-major, dim per word
  absl::flat_hash_map<std::string, uint32_t> index;
};

absl::StatusOr<Vocabulary> ReadVectors(const WordVectorTrainOptions& options) {
  std::ifstream in(options.vectors_path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read word vectors ", options.vectors_path));
  }
  Vocabulary vocabulary;
  internal::TokenBuffer buffer;
  std::vector<size_t> rank;  // line rank of each kept word
  std::string line;
  size_t lines = 0;  // word lines, header excluded
  size_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t space = line.find(' ');
    if (space == std::string::npos || space == 0) {
      if (line.empty()) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          options.vectors_path, ":", line_number, ": expected a word and its components"));
    }
    // word2vec / fastText .vec files open with "count dims".
    if (line_number == 1 && line.find(' ', space + 1) == std::string::npos) continue;
    const size_t word_rank = lines++;
    if (vocabulary.keys.size() >= static_cast<size_t>(options.max_vocabulary)) continue;
    std::string key = LookupKey(std::string_view(line).substr(0, space), &buffer);
    if (key.empty() || vocabulary.index.contains(key)) continue;
    // Components split on spaces and parsed without the locale (strtof would read "0.5" as
    // 0 under a decimal-comma locale).
    std::vector<float> values;
    bool parsed = true;
    for (absl::string_view field :
         absl::StrSplit(absl::string_view(line).substr(space + 1), ' ', absl::SkipEmpty())) {
      float v = 0;
      if (!absl::SimpleAtof(field, &v)) {
        parsed = false;
        break;
      }
      values.push_back(v);
    }
    if (!parsed || values.empty() ||
        (vocabulary.dim != 0 && values.size() != static_cast<size_t>(vocabulary.dim))) {
      return absl::InvalidArgumentError(absl::StrCat(
          options.vectors_path, ":", line_number, ": expected ",
          vocabulary.dim == 0 ? std::string("numbers") : absl::StrCat(vocabulary.dim, " numbers"),
          " after the word"));
    }
    vocabulary.dim = static_cast<int>(values.size());
    vocabulary.index.emplace(key, static_cast<uint32_t>(vocabulary.keys.size()));
    vocabulary.keys.push_back(std::move(key));
    vocabulary.vectors.insert(vocabulary.vectors.end(), values.begin(), values.end());
    rank.push_back(word_rank);
  }
  if (vocabulary.keys.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(options.vectors_path, " holds no usable word vector"));
  }
  // p(rank) = 1 / ((rank + shift) * H), H = the sum of 1 / (r + shift) over the file's ranks.
  double harmonic = 0;
  for (size_t r = 0; r < lines; ++r) harmonic += 1.0 / (static_cast<double>(r) + kZipfShift);
  for (size_t r : rank) {
    const double p = 1.0 / ((static_cast<double>(r) + kZipfShift) * harmonic);
    vocabulary.weight.push_back(options.sif_a / (options.sif_a + p));
  }
  return vocabulary;
}

}  // namespace

absl::Status WordVectorTrainOptions::Validate() const {
  if (vectors_path.empty()) return absl::InvalidArgumentError("a word vectors file is required");
  if (max_vocabulary < 1) return absl::InvalidArgumentError("max_vocabulary must be >= 1");
  if (!(sif_a > 0)) return absl::InvalidArgumentError("sif_a must be > 0");
  if (!(l2 >= 0)) return absl::InvalidArgumentError("l2 must be >= 0");
  if (epochs < 1) return absl::InvalidArgumentError("epochs must be >= 1");
  if (!(learning_rate > 0 && learning_rate <= 1))
    return absl::InvalidArgumentError("learning_rate must be in (0, 1]");
  if (batch_size < 1) return absl::InvalidArgumentError("batch_size must be >= 1");
  if (max_words < 1) return absl::InvalidArgumentError("max_words must be >= 1");
  return absl::OkStatus();
}

absl::Status TrainWordVectorModel(const std::vector<TrainingExample>& examples,
                                  const WordVectorTrainOptions& options,
                                  const std::string& output_path) {
  if (absl::Status status = options.Validate(); !status.ok()) return status;
  absl::StatusOr<Vocabulary> read = ReadVectors(options);
  if (!read.ok()) return read.status();
  const Vocabulary& vocabulary = *read;
  const size_t dim = static_cast<size_t>(vocabulary.dim);

  // Labels in order of first appearance; features = SIF-weighted mean vectors.
  std::vector<std::string> codes;
  absl::flat_hash_map<std::string, uint32_t> label_index;
  std::vector<float> x;                                // example * dim
  std::vector<std::vector<uint32_t>> targets;          // labels of each kept example
  std::vector<std::string_view> words;
  for (const TrainingExample& example : examples) {
    if (example.labels.empty()) continue;
    internal::ModelTokens(example.input, &words);
    std::vector<double> mean(dim, 0.0);
    double total = 0;
    for (size_t i = 0; i < words.size() && i < static_cast<size_t>(options.max_words); ++i) {
      auto it = vocabulary.index.find(absl::string_view(words[i].data(), words[i].size()));
      if (it == vocabulary.index.end()) continue;
      const double a = vocabulary.weight[it->second];
      const float* v = &vocabulary.vectors[static_cast<size_t>(it->second) * dim];
      for (size_t j = 0; j < dim; ++j) mean[j] += a * v[j];
      total += a;
    }
    if (total <= 0) continue;
    std::vector<uint32_t> labels;
    for (const std::string& code : example.labels) {
      if (code.empty()) return absl::InvalidArgumentError("an example has an empty label");
      auto [it, added] = label_index.emplace(code, static_cast<uint32_t>(codes.size()));
      if (added) codes.push_back(code);
      if (std::find(labels.begin(), labels.end(), it->second) == labels.end())
        labels.push_back(it->second);
    }
    for (size_t j = 0; j < dim; ++j) x.push_back(static_cast<float>(mean[j] / total));
    targets.push_back(std::move(labels));
  }
  const size_t n = targets.size();
  if (n == 0) {
    return absl::InvalidArgumentError("no labelled example has a word of the vectors file");
  }
  const size_t num_labels = codes.size();

  // Multinomial logistic regression, mini-batch Adam with a linearly decaying step.
  const double l2 = options.l2 > 0 ? options.l2 : 1.0 / static_cast<double>(n);
  const size_t params = num_labels * (dim + 1);  // per label: dim weights, then the bias
  std::vector<double> w(params, 0.0), m(params, 0.0), v(params, 0.0), grad(params, 0.0);
  std::vector<double> p(num_labels);
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::mt19937_64 rng(static_cast<uint64_t>(options.seed));
  const size_t batch = static_cast<size_t>(options.batch_size);
  const size_t steps_per_epoch = (n + batch - 1) / batch;
  const double total_steps = static_cast<double>(steps_per_epoch) * options.epochs;
  constexpr double kBeta1 = 0.9, kBeta2 = 0.999, kEpsilon = 1e-8;
  size_t step = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    for (size_t i = n - 1; i > 0; --i) std::swap(order[i], order[rng() % (i + 1)]);
    for (size_t start = 0; start < n; start += batch) {
      const size_t stop = std::min(n, start + batch);
      const double scale = 1.0 / static_cast<double>(stop - start);
      std::fill(grad.begin(), grad.end(), 0.0);
      for (size_t b = start; b < stop; ++b) {
        const float* xi = &x[order[b] * dim];
        double top = -1e300;
        for (size_t k = 0; k < num_labels; ++k) {
          const double* wk = &w[k * (dim + 1)];
          double z = wk[dim];
          for (size_t j = 0; j < dim; ++j) z += wk[j] * xi[j];
          p[k] = z;
          top = std::max(top, z);
        }
        double sum = 0;
        for (size_t k = 0; k < num_labels; ++k) sum += (p[k] = std::exp(p[k] - top));
        const std::vector<uint32_t>& labels = targets[order[b]];
        const double share = 1.0 / static_cast<double>(labels.size());
        for (size_t k = 0; k < num_labels; ++k) p[k] /= sum;
        for (uint32_t label : labels) p[label] -= share;
        for (size_t k = 0; k < num_labels; ++k) {
          double* gk = &grad[k * (dim + 1)];
          const double g = p[k] * scale;
          for (size_t j = 0; j < dim; ++j) gk[j] += g * xi[j];
          gk[dim] += g;
        }
      }
      ++step;
      const double rate =
          options.learning_rate * std::max(0.0, 1.0 - static_cast<double>(step - 1) / total_steps);
      const double c1 = 1.0 - std::pow(kBeta1, static_cast<double>(step));
      const double c2 = 1.0 - std::pow(kBeta2, static_cast<double>(step));
      for (size_t q = 0; q < params; ++q) {
        double g = grad[q];
        if (q % (dim + 1) != dim) g += l2 * w[q];  // the bias is not penalized
        m[q] = kBeta1 * m[q] + (1 - kBeta1) * g;
        v[q] = kBeta2 * v[q] + (1 - kBeta2) * g * g;
        w[q] -= rate * (m[q] / c1) / (std::sqrt(v[q] / c2) + kEpsilon);
      }
    }
  }

  // Per word and label: its weight times W·v, quantized to int16 with one scale.
  const size_t num_words = vocabulary.keys.size();
  std::vector<double> scores(num_words * num_labels);
  double largest = 0;
  for (size_t r = 0; r < num_words; ++r) {
    const float* vr = &vocabulary.vectors[r * dim];
    for (size_t k = 0; k < num_labels; ++k) {
      const double* wk = &w[k * (dim + 1)];
      double s = 0;
      for (size_t j = 0; j < dim; ++j) s += wk[j] * vr[j];
      s *= vocabulary.weight[r];
      scores[r * num_labels + k] = s;
      largest = std::max(largest, std::abs(s));
    }
  }
  const float scale = largest > 0 ? static_cast<float>(largest / 32767.0) : 1.0f;
  std::string out(kMagic, sizeof(kMagic));
  Put<uint32_t>(&out, static_cast<uint32_t>(num_labels));
  Put<uint32_t>(&out, static_cast<uint32_t>(num_words));
  Put<uint32_t>(&out, static_cast<uint32_t>(options.max_words));
  Put<float>(&out, scale);
  for (const std::string& code : codes) PutString(&out, code);
  for (size_t k = 0; k < num_labels; ++k) Put<float>(&out, static_cast<float>(w[k * (dim + 1) + dim]));
  for (size_t r = 0; r < num_words; ++r) PutString(&out, vocabulary.keys[r]);
  for (size_t r = 0; r < num_words; ++r) {
    for (size_t k = 0; k < num_labels; ++k) {
      Put<int16_t>(&out, static_cast<int16_t>(std::lround(scores[r * num_labels + k] / scale)));
    }
    // At least 1: a word in the table counts (the weight of "the" is about 0.05).
    Put<int16_t>(&out, static_cast<int16_t>(
                           std::max(1L, std::lround(vocabulary.weight[r] * 32767.0))));
  }
  std::ofstream file(output_path, std::ios::binary | std::ios::trunc);
  if (!file || !file.write(out.data(), static_cast<std::streamsize>(out.size())) ||
      !file.flush()) {
    return absl::InternalError(absl::StrCat("cannot write ", output_path));
  }
  return absl::OkStatus();
}

namespace internal {

bool IsWordVectorModel(std::string_view bytes) {
  return bytes.size() >= sizeof(kMagic) && std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) == 0;
}

absl::StatusOr<std::unique_ptr<TopicModel>> LoadWordVectorModel(
    std::string_view bytes, const TopicModelOptions& options,
    std::shared_ptr<const std::string> storage) {
  const absl::Status invalid = absl::InvalidArgumentError("not a valid word-vector topic model");
  if (!IsWordVectorModel(bytes)) return invalid;
  Cursor in(bytes.substr(sizeof(kMagic)));
  uint32_t num_labels = 0, num_words = 0, max_words = 0;
  float scale = 0;
  if (!in.Value(&num_labels) || !in.Value(&num_words) || !in.Value(&max_words) ||
      !in.Value(&scale) || num_labels == 0 || num_labels > 100000 || max_words == 0 ||
      !(scale > 0) || !std::isfinite(scale)) {
    return invalid;
  }
  std::vector<std::string> codes;
  for (uint32_t k = 0; k < num_labels; ++k) {
    std::string_view code;
    if (!in.String(&code) || code.empty()) return invalid;
    codes.emplace_back(code);
  }
  std::vector<float> bias(num_labels);
  for (float& b : bias) {
    if (!in.Value(&b) || !std::isfinite(b)) return invalid;
  }
  std::vector<uint64_t> hashes(num_words);
  for (uint32_t r = 0; r < num_words; ++r) {
    std::string_view word;
    if (!in.String(&word)) return invalid;
    hashes[r] = HashFolded(word);
  }
  std::string_view raw;
  const size_t stride = static_cast<size_t>(num_labels) + 1;
  const size_t cells = static_cast<size_t>(num_words) * stride;
  if (!in.Bytes(cells * sizeof(int16_t), &raw) || !in.AtEnd()) return invalid;
  const auto* rows = reinterpret_cast<const UnalignedInt16*>(raw.data());
  for (size_t r = 0; r < num_words; ++r) {
    if (rows[r * stride + num_labels] <= 0) return invalid;  // every word has a weight
  }
  const size_t read_words = options.max_words > 0 ? static_cast<size_t>(options.max_words)
                                                  : static_cast<size_t>(max_words);
  return std::unique_ptr<TopicModel>(
      new WordVectorTopicModel(std::move(codes), std::move(bias), hashes, raw.data(),
                               std::move(storage), scale, read_words, options));
}

}  // namespace internal
}  // namespace newsflow::tag
