#include "producers/publisher.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "common/utf8.h"
#include "producers/send_pacer.h"
#include "proto/dead_letter.h"

namespace newsflow::producers {
namespace {

// Delivery tags: the low bit says whether the record is an article or a dead letter.
constexpr uint64_t kDeadLetterTag = 1;
constexpr size_t kMaxIdsReported = 10;
// Room left in a raw record for the fields besides the body or HTML (title, URL, producer
// metadata) when the article limit is derived from the record limit.
constexpr size_t kRoomForOtherFields = 16 * 1024;
// The broker's default max.message.bytes, assumed when a topic's cannot be read.
constexpr int64_t kBrokerDefaultMaxMessageBytes = 1048588;

// The largest record `topic` takes from this producer: the smaller of the producer's own
// limit and the topic's, asked once.
int64_t RecordLimit(const PublishOptions& options, const kafka::Producer& producer,
                    const std::string& topic, std::ostream& log) {
  auto limit = kafka::TopicMaxMessageBytes(options.producer.client, topic,
                                           std::min(options.producer.delivery_timeout_ms, 10000));
  if (!limit.ok()) {
    log << "produce: warning: cannot read max.message.bytes of " << topic << " ("
        << limit.status().message() << "); assuming the broker default "
        << kBrokerDefaultMaxMessageBytes << "\n";
    limit = kBrokerDefaultMaxMessageBytes;
  }
  return std::min(*limit, producer.max_message_bytes());
}

}  // namespace

namespace {

// The checkpoint file: {"version": 1, "inputs": {"<path>": {"offset", "inner", "done"}}}.
absl::StatusOr<std::map<std::string, ResumePoint>> LoadCheckpoint(const std::string& path) {
  std::map<std::string, ResumePoint> points;
  std::ifstream in(path);
  if (!in) return points;  // no file yet: a first run
  const nlohmann::json json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object() || json.value("version", 0) != 1 || !json.contains("inputs") ||
      !json["inputs"].is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("checkpoint file ", path, " is not a newsflow checkpoint (version 1)"));
  }
  for (const auto& [input, point] : json["inputs"].items()) {
    if (!point.is_object()) continue;
    points[input] = ResumePoint{point.value("offset", int64_t{0}), point.value("inner", int64_t{0}),
                                point.value("done", false)};
  }
  return points;
}

// Written whole or not at all: a temporary file, fsync'd, renamed over the old one.
absl::Status SaveCheckpoint(const std::string& path,
                            const std::map<std::string, ResumePoint>& points) {
  nlohmann::json inputs = nlohmann::json::object();
  for (const auto& [input, point] : points) {
    inputs[input] = {{"offset", point.offset}, {"inner", point.inner}, {"done", point.done}};
  }
  const std::string text = nlohmann::json{{"version", 1}, {"inputs", inputs}}.dump(2) + "\n";
  const std::string temporary = path + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", temporary, ": ", std::strerror(errno)));
  }
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
                       ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path, ": ", std::strerror(errno)));
  }
  const std::string directory = std::filesystem::path(path).parent_path().string();
  const int dir = ::open(directory.empty() ? "." : directory.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PublishOptions::Validate() const {
  if (auto s = producer.Validate(); !s.ok()) return s;
  if (auto s = topics.Validate(); !s.ok()) return s;
  if (reader.max_article_bytes > 0) {  // 0: derived at start
    if (auto s = reader.Validate(); !s.ok()) return s;
  }
  if (progress_interval_s < 0) return absl::InvalidArgumentError("progress interval must be >= 0");
  if (final_flush_timeout_ms < 0) return absl::InvalidArgumentError("flush timeout must be >= 0");
  if (checkpoint_every < 1) return absl::InvalidArgumentError("checkpoint_every must be >= 1");
  if (!std::isfinite(rate_per_s) || rate_per_s < 0) {
    return absl::InvalidArgumentError("rate must be >= 0 articles per second (0 = unlimited)");
  }
  return absl::OkStatus();
}

absl::StatusOr<PublishReport> PublishArticles(const std::vector<std::string>& paths,
                                              const PublishOptions& options,
                                              const std::atomic<bool>& stop, std::ostream& log) {
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

  PublishReport report;
  // Ids of records in flight, to name the ones that were not acknowledged.
  absl::flat_hash_map<uint64_t, std::string> outstanding_ids;
  auto on_delivery = [&](const kafka::DeliveryReport& delivery) {
    const bool dead_letter = (delivery.tag & kDeadLetterTag) != 0;
    auto id = outstanding_ids.find(delivery.tag);
    if (delivery.status.ok()) {
      ++(dead_letter ? report.dead_lettered : report.acknowledged);
    } else {
      if (report.first_delivery_error.ok()) report.first_delivery_error = delivery.status;
      if (dead_letter) {
        ++report.dead_letter_failed;
      } else {
        const bool ambiguous = delivery.persistence == kafka::Persistence::kPossiblyPersisted;
        ++(ambiguous ? report.ambiguous : report.refused);
        std::vector<std::string>& ids = ambiguous ? report.ambiguous_ids : report.refused_ids;
        if (id != outstanding_ids.end() && ids.size() < kMaxIdsReported) ids.push_back(id->second);
      }
    }
    if (id != outstanding_ids.end()) outstanding_ids.erase(id);
  };
  auto producer = kafka::Producer::Create(options.producer, on_delivery);
  if (!producer.ok()) return producer.status();

  const int64_t raw_limit = RecordLimit(options, **producer, options.topics.raw, log);
  const int64_t dlq_limit = RecordLimit(options, **producer, options.topics.dlq, log);
  // Partitions and leaders before the first article is stamped: otherwise the first second
  // of records waits for librdkafka's topic scan (kafka::Producer::LearnTopics).
  if (absl::Status learned = (*producer)->LearnTopics(
          {options.topics.raw, options.topics.dlq},
          std::min(options.producer.delivery_timeout_ms, 10000));
      !learned.ok()) {
    log << "produce: warning: " << learned.message() << "\n";
  }
  ReaderOptions reader_options = options.reader;
  if (reader_options.max_article_bytes == 0) {
    reader_options.max_article_bytes =
        std::max<size_t>(kafka::RecordValueBudget(raw_limit, 0), 2 * kRoomForOtherFields) -
        kRoomForOtherFields;
  }
  report.max_article_bytes = reader_options.max_article_bytes;

  uint64_t sequence = 0;
  uint64_t rejected = 0;  // bad input: read errors, and articles too large to send
  int64_t last_progress_ms = NowUnixMillis();
  auto progress = [&](bool force) {
    if (options.progress_interval_s == 0) return;
    const int64_t now = NowUnixMillis();
    if (!force && now - last_progress_ms < options.progress_interval_s * 1000LL) return;
    last_progress_ms = now;
    log << "produce: sent " << report.sent << ", acknowledged " << report.acknowledged
        << ", not acknowledged " << report.refused + report.ambiguous << ", rejected input "
        << rejected << "\n";
  };
  auto send = [&](const std::string& topic, const std::string& key, const std::string& value,
                  uint64_t tag, const std::string& id) {
    outstanding_ids.emplace(tag, id);
    absl::Status status = (*producer)->Send(topic, key, value, tag);
    if (!status.ok()) {
      // Refused before reaching the queue: not on the topic, like a refused record.
      kafka::DeliveryReport refused;
      refused.status = status;
      refused.tag = tag;
      refused.topic = topic;
      refused.persistence = kafka::Persistence::kNotPersisted;
      on_delivery(refused);
    }
    (*producer)->Poll(0);
  };
  auto dead_letter = [&](const BadRecord& bad) {
    ++rejected;
    // A web archive's record is dead-lettered even when its bytes could not be read (a
    // corrupt gzip member): file and offset find it.
    const bool sending =
        options.dead_letter_bad_input && (!bad.original.empty() || bad.offset >= 0);
    log << EscapeForTerminal(bad.input)
        << (bad.line > 0    ? absl::StrCat(":", bad.line)
            : bad.offset >= 0 ? absl::StrCat(":", bad.offset)
                              : "")
        << ": " << v1::DeadLetter::Reason_Name(bad.reason) << ": "
        << EscapeForTerminal(bad.message)
        << (sending ? absl::StrCat(" (sent to ", options.topics.dlq, ")") : "") << "\n";
    if (!sending) return;
    v1::DeadLetter letter = DeadLetterFor(bad, "produce");
    const std::string key = absl::StrCat(bad.input, ":", bad.line);
    if (!FitDeadLetter(&letter, kafka::RecordValueBudget(dlq_limit, key.size()))) {
      log << "produce: ERROR: the dead letter for " << EscapeForTerminal(key)
          << " does not fit in a record of " << options.topics.dlq << " (" << dlq_limit
          << " bytes) even without its original; not sent\n";
      ++report.dead_letter_failed;
      return;
    }
    send(options.topics.dlq, key, letter.SerializeAsString(), ((++sequence) << 1) | kDeadLetterTag,
         "");
  };

  // Checkpoints: where every record before was acknowledged.
  std::map<std::string, ResumePoint> checkpoint;
  if (!options.checkpoint_path.empty()) {
    auto loaded = LoadCheckpoint(options.checkpoint_path);
    if (!loaded.ok()) return loaded.status();
    checkpoint = std::move(*loaded);
  }
  const ArticleReader* reading = nullptr;  // set once the reader exists
  int since_checkpoint = 0;
  bool checkpoint_stuck = false;
  auto write_checkpoint = [&](const std::string& input, ResumePoint point) {
    if (options.checkpoint_path.empty() || checkpoint_stuck) return;
    // Only what the broker acknowledged may be behind the checkpoint.
    absl::Status flushed = (*producer)->Flush(options.producer.delivery_timeout_ms + 10000);
    if (!flushed.ok() || report.refused + report.ambiguous > 0) {
      checkpoint_stuck = true;  // a re-run must send the unacknowledged records again
      log << "produce: the checkpoint stays where it was: some records were not acknowledged\n";
      return;
    }
    checkpoint[input] = point;
    if (absl::Status saved = SaveCheckpoint(options.checkpoint_path, checkpoint); !saved.ok()) {
      log << "produce: warning: " << saved.message() << "\n";
      return;
    }
    ++report.checkpoints_written;
    since_checkpoint = 0;
  };

  std::optional<SendPacer> pacer;
  if (options.rate_per_s > 0) pacer.emplace(options.rate_per_s);
  ArticleReader reader(
      reader_options,
      [&](v1::RawArticle&& article) {
        if (pacer.has_value() && !pacer->Wait(stop, [&] { (*producer)->Poll(0); })) return false;
        article.set_ingested_at_ms(NowUnixMillis());
        const std::string key = ArticleKey(article);
        std::string value = article.SerializeAsString();
        if (value.size() > kafka::RecordValueBudget(raw_limit, key.size())) {
          // The body passed the article limit, but the record as a whole would be refused.
          BadRecord bad;
          bad.input = article.producer().input();
          bad.line = article.producer().line();
          bad.reason = v1::DeadLetter::TOO_LARGE;
          bad.message = absl::StrCat("article '", article.id(), "' makes a record of ",
                                     value.size(), " bytes, more than a record of ",
                                     options.topics.raw, " takes (", raw_limit,
                                     " bytes); not sent (the original is the record)");
          bad.original_size = static_cast<int64_t>(value.size());
          bad.original = std::move(value);
          dead_letter(bad);
          return true;
        }
        ++report.sent;
        send(options.topics.raw, key, value, (++sequence) << 1, article.id());
        progress(false);
        if (++since_checkpoint >= options.checkpoint_every && reading != nullptr &&
            article.producer().format() == "warc") {
          write_checkpoint(reading->position().input, reading->position().resume);
        }
        return true;
      },
      dead_letter, &stop);
  reading = &reader;
  if (!checkpoint.empty()) reader.SetResumePoints(checkpoint);
  reader.SetInputEndCallback(
      [&](const std::string& input) { write_checkpoint(input, ResumePoint{0, 0, true}); });
  reader.SetProgressCallback(
      [&](const std::string& line) { log << "produce: " << EscapeForTerminal(line) << "\n"; });

  report.interrupted = !reader.ReadInputs(paths);
  report.resume = reader.position();
  report.read = reader.counters();
  report.read.bad_records = rejected;

  const int flush_timeout = options.final_flush_timeout_ms > 0
                                ? options.final_flush_timeout_ms
                                : options.producer.delivery_timeout_ms + 10000;
  absl::Status flushed = (*producer)->Flush(flush_timeout);
  if (!flushed.ok()) {
    // Records still queued got no answer: they may yet be written.
    const uint64_t outstanding = static_cast<uint64_t>((*producer)->Outstanding());
    report.ambiguous += outstanding;
    if (report.first_delivery_error.ok()) report.first_delivery_error = flushed;
  }
  if (!report.first_delivery_error.ok() && report.refused + report.ambiguous > 0) {
    absl::Status client_error = (*producer)->last_client_error();
    if (!client_error.ok()) {
      report.first_delivery_error = absl::Status(
          report.first_delivery_error.code(),
          absl::StrCat(report.first_delivery_error.message(), " (", client_error.message(), ")"));
    }
  }
  progress(true);
  return report;
}

}  // namespace newsflow::producers
