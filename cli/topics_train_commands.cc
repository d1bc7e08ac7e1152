// `newsflow topics` (create the topics) and `newsflow train` (a topic model).
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "kafka/admin.h"
#include "processors/normalize/normalize.h"
#include "processors/tag/topic_model.h"
#include "processors/tag/word_vector_model.h"

namespace newsflow::cli {
namespace {

class TopicsCommand : public Command {
 public:
  KafkaFlags kafka;
  kafka::TopicsOptions topics;
  int timeout_ms = 30000;

  CLI::App* Register(CLI::App* parent) override {
    CLI::App* app = parent->add_subcommand(
        "topics",
        "Create newsflow's topics (raw, enriched, dead-letter) where missing, with "
        "explicit partition counts; existing topics are left as they are.");
    kafka.Register(app);
    RegisterTopicFlags(app, &topics);
    app->add_option("--timeout-ms", timeout_ms, "How long to wait for the broker")
        ->capture_default_str();
    return app;
  }

  int Run(const RunContext&) override {
    if (auto s = kafka.Resolve(); !s.ok()) return Fail(s, "topics");
    if (auto s = topics.Validate(); !s.ok()) return Fail(s, "topics");
    if (auto s = kafka::EnsureTopics(kafka.client, topics.Specs(), timeout_ms); !s.ok()) {
      return Fail(s, "topics");
    }
    for (const kafka::TopicSpec& spec : topics.Specs()) {
      auto partitions = kafka::PartitionCount(kafka.client, spec.name, timeout_ms);
      if (!partitions.ok()) return Fail(partitions.status(), "topics");
      std::cout << spec.name << "\t" << *partitions << " partition(s)\n";
    }
    return kExitOk;
  }
};

// `newsflow train`: a topic model from labelled JSON Lines, any taxonomy: fastText, or with
// --word-vectors a regression over pretrained word vectors (word_vector_model.h).
class TrainCommand : public Command {
 public:
  std::string input;
  std::string output;
  std::string labels_field = "topics";
  std::string label_prefix;
  tag::TopicModelTrainOptions train;
  tag::WordVectorTrainOptions vectors;
  CLI::App* app_ = nullptr;

  CLI::App* Register(CLI::App* parent) override {
    CLI::App* app = parent->add_subcommand(
        "train",
        "Train a topic model from JSON Lines with title, body (or text), optional dateline, "
        "and a labels field; load it with --topic-model. Two kinds: fastText (multi-label, "
        "learns its words from the examples), or with --word-vectors a logistic regression "
        "over pretrained word vectors (knows words the examples never used; how the built-in "
        "IPTC model is made, data/iptc_training.py). The same input and options give the "
        "same file.");
    app_ = app;
    app->add_option("--input,-i", input, "JSON Lines file")->required();
    app->add_option("--output,-o", output, "Model file to write")->required();
    app->add_option("--labels-field", labels_field,
                    "Field holding the labels (an array of strings, or a string)")
        ->capture_default_str();
    app->add_option("--label-prefix", label_prefix,
                    "Prefix making labels topic codes, e.g. 'reuters:' (IPTC qcodes need none)");
    app->add_option("--word-vectors", vectors.vectors_path,
                    "Word vectors as text ('word v1 v2 ...' per line, most frequent first: "
                    "GloVe, word2vec or fastText .vec): train a word-vector model");
    app->add_option("--vocabulary", vectors.max_vocabulary,
                    "Word-vector model: the most frequent words kept")
        ->capture_default_str();
    app->add_option("--epochs", train.epochs,
                    absl::StrCat("Passes over the data (word-vector model: ",
                                 vectors.epochs, " unless given)"))
        ->capture_default_str();
    app->add_option("--lr", train.learning_rate,
                    absl::StrCat("Learning rate (word-vector model: Adam, ",
                                 vectors.learning_rate, " unless given)"))
        ->capture_default_str();
    app->add_option("--dim", train.dim, "fastText: embedding dimensions")->capture_default_str();
    app->add_option("--word-ngrams", train.word_ngrams, "fastText: word n-grams")
        ->capture_default_str();
    app->add_option("--min-count", train.min_count, "fastText: minimum word count")
        ->capture_default_str();
    app->add_option("--buckets", train.buckets, "fastText: hash buckets for word n-grams")
        ->capture_default_str();
    app->add_option("--quantize", train.quantize, "fastText: product-quantize (smaller file)")
        ->capture_default_str();
    app->add_option("--seed", train.seed, "Random seed")->capture_default_str();
    app->add_option("--max-words", train.max_words,
                    absl::StrCat("Words of each article the model reads, title first (load a "
                                 "fastText model with the same --topic-model-max-words; a "
                                 "word-vector model stores it; its default is ",
                                 vectors.max_words, ")"))
        ->capture_default_str();
    return app;
  }

  int Run(const RunContext&) override {
    std::ifstream in(input);
    if (!in) return Fail(absl::NotFoundError("cannot read " + input), "train");
    normalize::Normalizer normalizer{normalize::NormalizeOptions()};
    std::vector<tag::TrainingExample> examples;
    std::string line;
    int64_t line_number = 0, skipped = 0;
    while (std::getline(in, line)) {
      ++line_number;
      if (line.empty()) continue;
      const nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
      if (!object.is_object()) {
        return Fail(absl::InvalidArgumentError(
                        absl::StrCat(input, ":", line_number, ": not a JSON object")),
                    "train");
      }
      auto text = [&](const char* name) {
        auto it = object.find(name);
        return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
      };
      tag::TrainingExample example;
      auto labels = object.find(labels_field);
      if (labels != object.end() && labels->is_string()) {
        example.labels.push_back(label_prefix + labels->get<std::string>());
      } else if (labels != object.end() && labels->is_array()) {
        for (const auto& label : *labels) {
          if (label.is_string()) example.labels.push_back(label_prefix + label.get<std::string>());
        }
      }
      v1::RawArticle raw;
      raw.set_id(text("id").empty() ? absl::StrCat("line-", line_number) : text("id"));
      raw.set_title(text("title"));
      const std::string body = text("body").empty() ? text("text") : text("body");
      // A separate dateline field (Reuters) opens the body, as in wire copy.
      raw.set_body(text("dateline").empty() ? body : absl::StrCat(text("dateline"), " ", body));
      absl::StatusOr<normalize::NormalizedArticle> n = normalizer.Normalize(raw);
      if (example.labels.empty() || !n.ok()) {
        ++skipped;
        continue;
      }
      example.input.title = n->title;
      example.input.paragraphs = n->paragraphs;
      example.input.dateline_place = n->dateline.place;
      example.input.language = n->language;
      examples.push_back(std::move(example));
    }
    absl::Status status;
    if (!vectors.vectors_path.empty()) {
      // Shared flags apply to the word-vector model only when given: their fastText defaults
      // (50 epochs at 0.5) would not suit it.
      auto given = [&](const char* name) { return app_->get_option(name)->count() > 0; };
      if (given("--epochs")) vectors.epochs = train.epochs;
      if (given("--lr")) vectors.learning_rate = train.learning_rate;
      if (given("--max-words")) vectors.max_words = train.max_words;
      vectors.seed = train.seed;
      status = tag::TrainWordVectorModel(examples, vectors, output);
    } else {
      status = tag::TrainTopicModel(examples, train, output);
    }
    if (!status.ok()) return Fail(status, "train");
    std::cerr << "newsflow train: " << examples.size() << " examples (" << skipped
              << " without labels or text skipped) -> " << output << "\n";
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeTopicsCommand() { return std::make_unique<TopicsCommand>(); }
std::unique_ptr<Command> MakeTrainCommand() { return std::make_unique<TrainCommand>(); }

}  // namespace newsflow::cli
