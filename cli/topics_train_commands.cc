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

// `newsflow train`: a fastText topic model from labelled JSON Lines, any taxonomy.
class TrainCommand : public Command {
 public:
  std::string input;
  std::string output;
  std::string labels_field = "topics";
  std::string label_prefix;
  tag::TopicModelTrainOptions train;

  CLI::App* Register(CLI::App* parent) override {
    CLI::App* app = parent->add_subcommand(
        "train",
        "Train a topic model (fastText, multi-label) from JSON Lines with title, body (or "
        "text), optional dateline, and a labels field; load it with --topic-model. The same "
        "input and options give the same file (one training thread).");
    app->add_option("--input,-i", input, "JSON Lines file")->required();
    app->add_option("--output,-o", output, "Model file to write")->required();
    app->add_option("--labels-field", labels_field,
                    "Field holding the labels (an array of strings, or a string)")
        ->capture_default_str();
    app->add_option("--label-prefix", label_prefix,
                    "Prefix making labels topic codes, e.g. 'reuters:' (IPTC qcodes need none)");
    app->add_option("--epochs", train.epochs, "Passes over the data")->capture_default_str();
    app->add_option("--lr", train.learning_rate, "Learning rate")->capture_default_str();
    app->add_option("--dim", train.dim, "Embedding dimensions")->capture_default_str();
    app->add_option("--word-ngrams", train.word_ngrams, "Word n-grams")->capture_default_str();
    app->add_option("--min-count", train.min_count, "Minimum word count")->capture_default_str();
    app->add_option("--buckets", train.buckets, "Hash buckets for word n-grams")
        ->capture_default_str();
    app->add_option("--quantize", train.quantize, "Product-quantize (smaller file)")
        ->capture_default_str();
    app->add_option("--seed", train.seed, "Random seed")->capture_default_str();
    app->add_option("--max-words", train.max_words,
                    "Words of each article the model reads, title first (load it with the "
                    "same --topic-model-max-words)")
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
    if (auto s = tag::TrainTopicModel(examples, train, output); !s.ok()) return Fail(s, "train");
    std::cerr << "newsflow train: " << examples.size() << " examples (" << skipped
              << " without labels or text skipped) -> " << output << "\n";
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeTopicsCommand() { return std::make_unique<TopicsCommand>(); }
std::unique_ptr<Command> MakeTrainCommand() { return std::make_unique<TrainCommand>(); }

}  // namespace newsflow::cli
