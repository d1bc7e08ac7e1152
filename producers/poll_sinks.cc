#include "producers/poll_sinks.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "kafka/admin.h"
#include "processors/normalize/charset.h"
#include "producers/article_reader.h"
#include "proto/dead_letter.h"

namespace newsflow::producers {
namespace {

// The broker's default max.message.bytes, assumed when a topic's cannot be read.
constexpr int64_t kBrokerDefaultMaxMessageBytes = 1048588;

}  // namespace

absl::Status KafkaSinkOptions::Validate() const {
  if (auto s = producer.Validate(); !s.ok()) return s;
  return topics.Validate();
}

struct KafkaArticleSink::State {
  KafkaSinkOptions options;
  observability::Logger* log = nullptr;
  std::unique_ptr<kafka::Producer> producer;
  int64_t raw_limit = 0;
  int64_t dlq_limit = 0;
  // Delivery reports of the batch being published, by tag.
  absl::flat_hash_map<uint64_t, absl::Status> reports;
  uint64_t sequence = 0;
  mutable std::mutex health_mutex;
  absl::Status last_failure;
};

absl::StatusOr<std::unique_ptr<KafkaArticleSink>> KafkaArticleSink::Create(
    const KafkaSinkOptions& options, observability::Logger* log) {
  if (auto s = options.Validate(); !s.ok()) return s;
  if (options.create_topics) {
    std::vector<kafka::TopicSpec> specs = options.topics.ProducerSpecs();
    absl::Status created = kafka::EnsureTopics(options.producer.client, specs,
                                               std::min(options.producer.delivery_timeout_ms, 30000));
    if (!created.ok()) {
      return absl::Status(created.code(),
                          absl::StrCat("cannot prepare topics on ", options.producer.client.brokers,
                                       ": ", created.message()));
    }
  }
  std::unique_ptr<KafkaArticleSink> sink(new KafkaArticleSink());
  sink->state_ = std::make_unique<State>();
  State* state = sink->state_.get();
  state->options = options;
  state->log = log;
  auto producer = kafka::Producer::Create(options.producer, [state](const kafka::DeliveryReport& r) {
    state->reports[r.tag] = r.status;
  });
  if (!producer.ok()) return producer.status();
  state->producer = std::move(*producer);
  for (auto [topic, limit] : {std::pair{options.topics.raw, &state->raw_limit},
                              std::pair{options.topics.dlq, &state->dlq_limit}}) {
    auto max = kafka::TopicMaxMessageBytes(options.producer.client, topic,
                                           std::min(options.producer.delivery_timeout_ms, 10000));
    if (!max.ok()) {
      log->Warn("poll", "cannot read the topic's max.message.bytes; assuming the broker default",
                {{"topic", topic}, {"error", max.status()}});
      max = kBrokerDefaultMaxMessageBytes;
    }
    *limit = std::min(*max, state->producer->max_message_bytes());
  }
  // The first round's items go out at once, not after librdkafka's one-second topic scan.
  if (absl::Status learned = state->producer->LearnTopics(
          {options.topics.raw, options.topics.dlq},
          std::min(options.producer.delivery_timeout_ms, 10000));
      !learned.ok()) {
    log->Warn("poll", "output topics not looked up yet", {{"error", learned}});
  }
  return sink;
}

KafkaArticleSink::~KafkaArticleSink() {
  if (state_ != nullptr && state_->producer != nullptr) {
    (void)state_->producer->Flush(state_->options.producer.delivery_timeout_ms + 10000);
  }
}

std::vector<absl::Status> KafkaArticleSink::Publish(const std::vector<v1::RawArticle>& articles) {
  State& state = *state_;
  std::vector<absl::Status> results(articles.size());
  std::vector<uint64_t> tags(articles.size(), 0);
  std::vector<bool> dead_lettered(articles.size(), false);
  state.reports.clear();
  for (size_t i = 0; i < articles.size(); ++i) {
    const v1::RawArticle& article = articles[i];
    const std::string key = ArticleKey(article);
    std::string value = article.SerializeAsString();
    std::string topic = state.options.topics.raw;
    if (value.size() > kafka::RecordValueBudget(state.raw_limit, key.size())) {
      // Too large for a raw record: the dead-letter topic keeps an excerpt and the reason.
      const std::string message = absl::StrCat(
          "article '", article.id(), "' from ", article.url(), " makes a record of ", value.size(),
          " bytes, more than a record of ", topic, " takes (", state.raw_limit, " bytes)");
      RecordOrigin origin;
      origin.input = article.producer().input();
      v1::DeadLetter letter =
          MakeDeadLetter(value, "poll", v1::DeadLetter::TOO_LARGE, message, origin);
      if (!FitDeadLetter(&letter, kafka::RecordValueBudget(state.dlq_limit, key.size()))) {
        results[i] = absl::InternalError("does not fit in a dead letter either");
        continue;
      }
      value = letter.SerializeAsString();
      topic = state.options.topics.dlq;
      dead_lettered[i] = true;
      state.log->Warn("poll", "article too large for the raw topic: dead-lettered",
                      {{"url", article.url()}, {"bytes", article.ByteSizeLong()}});
    }
    tags[i] = ++state.sequence;
    absl::Status sent = state.producer->Send(topic, key, value, tags[i]);
    if (!sent.ok()) {
      results[i] = sent;
      tags[i] = 0;
    }
    state.producer->Poll(0);
  }
  absl::Status flushed = state.producer->Flush(state.options.producer.delivery_timeout_ms + 10000);
  absl::Status failure;
  for (size_t i = 0; i < articles.size(); ++i) {
    if (tags[i] == 0) {
      if (failure.ok()) failure = results[i];
      continue;
    }
    auto report = state.reports.find(tags[i]);
    if (report == state.reports.end()) {
      results[i] = flushed.ok() ? absl::UnknownError("no delivery report") : flushed;
    } else if (!report->second.ok()) {
      results[i] = report->second;
    } else if (dead_lettered[i]) {
      results[i] = absl::ResourceExhaustedError("too large for the raw topic: dead-lettered");
      continue;
    } else {
      results[i] = absl::OkStatus();
      continue;
    }
    if (failure.ok()) failure = results[i];
  }
  state.reports.clear();
  std::lock_guard<std::mutex> lock(state.health_mutex);
  state.last_failure = failure;
  return results;
}

absl::Status KafkaArticleSink::Health() const {
  if (absl::Status fatal = state_->producer->fatal_error(); !fatal.ok()) return fatal;
  std::lock_guard<std::mutex> lock(state_->health_mutex);
  return state_->last_failure;
}

absl::StatusOr<std::unique_ptr<JsonLinesSink>> JsonLinesSink::Open(const std::string& path) {
  std::unique_ptr<JsonLinesSink> sink(new JsonLinesSink());
  sink->path_ = path;
  if (path == "-") {
    sink->out_ = stdout;
  } else {
    sink->out_ = std::fopen(path.c_str(), "ab");
    if (sink->out_ == nullptr) {
      return absl::UnavailableError(
          absl::StrCat("cannot open ", path, " for writing: ", std::strerror(errno)));
    }
    sink->owned_ = true;
  }
  struct stat info;
  sink->regular_file_ = fstat(fileno(sink->out_), &info) == 0 && S_ISREG(info.st_mode);
  return sink;
}

JsonLinesSink::~JsonLinesSink() {
  if (owned_ && out_ != nullptr) std::fclose(out_);
}

std::string JsonLinesSink::ToJsonLine(const v1::RawArticle& article) {
  nlohmann::ordered_json line;
  line["id"] = article.id();
  line["url"] = article.url();
  line["source"] = article.source();
  line["title"] = article.title();
  line["published_at"] = article.published_at();
  line["language"] = article.language();
  line["fetched_at"] = article.fetched_at();
  for (const char* attribute : {"byline", "category"}) {
    auto it = article.attributes().find(attribute);
    if (it != article.attributes().end()) line[attribute] = it->second;
  }
  // JSON holds text: the page's bytes decoded with its charset (as the normalizer would).
  normalize::internal::DecodedText text =
      normalize::internal::DecodeToUtf8(article.html(), article.charset());
  line["html"] = std::move(text.text);
  line["charset"] = "utf-8";
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<absl::Status> JsonLinesSink::Publish(const std::vector<v1::RawArticle>& articles) {
  std::vector<absl::Status> results(articles.size(), broken_);
  if (!broken_.ok()) return results;
  std::string text;
  for (const v1::RawArticle& article : articles) text.append(ToJsonLine(article)).push_back('\n');
  const bool written = std::fwrite(text.data(), 1, text.size(), out_) == text.size() &&
                       std::fflush(out_) == 0 && (!regular_file_ || fdatasync(fileno(out_)) == 0);
  if (!written) {
    broken_ = absl::UnavailableError(
        absl::StrCat("cannot write to ", path_ == "-" ? "standard output" : path_, ": ",
                     std::strerror(errno)));
  }
  for (absl::Status& result : results) result = broken_;
  return results;
}

}  // namespace newsflow::producers
