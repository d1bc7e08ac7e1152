#include "producers/publisher.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "producers/send_pacer.h"
#include "proto/dead_letter.h"

namespace newsflow::producers {
namespace {

// Delivery tags: the low bit says whether the record is an article or a dead letter.
constexpr uint64_t kDeadLetterTag = 1;
constexpr size_t kMaxFailedIdsReported = 10;

}  // namespace

absl::Status PublishOptions::Validate() const {
  if (auto s = producer.Validate(); !s.ok()) return s;
  if (auto s = topics.Validate(); !s.ok()) return s;
  if (auto s = reader.Validate(); !s.ok()) return s;
  if (progress_interval_s < 0) return absl::InvalidArgumentError("progress interval must be >= 0");
  if (final_flush_timeout_ms < 0) return absl::InvalidArgumentError("flush timeout must be >= 0");
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
  absl::flat_hash_map<uint64_t, std::string> outstanding_ids;
  auto on_delivery = [&](const kafka::DeliveryReport& delivery) {
    const bool dead_letter = (delivery.tag & kDeadLetterTag) != 0;
    auto id = outstanding_ids.find(delivery.tag);
    if (delivery.status.ok()) {
      ++(dead_letter ? report.dead_lettered : report.acknowledged);
    } else {
      ++(dead_letter ? report.dead_letter_failed : report.failed);
      if (report.first_delivery_error.ok()) report.first_delivery_error = delivery.status;
      if (id != outstanding_ids.end() && report.failed_ids.size() < kMaxFailedIdsReported) {
        report.failed_ids.push_back(id->second);
      }
    }
    if (id != outstanding_ids.end()) outstanding_ids.erase(id);
  };
  auto producer = kafka::Producer::Create(options.producer, on_delivery);
  if (!producer.ok()) return producer.status();

  uint64_t sequence = 0;
  int64_t last_progress_ms = NowUnixMillis();
  auto progress = [&](bool force) {
    if (options.progress_interval_s == 0) return;
    const int64_t now = NowUnixMillis();
    if (!force && now - last_progress_ms < options.progress_interval_s * 1000LL) return;
    last_progress_ms = now;
    log << "produce: sent " << report.sent << ", acknowledged " << report.acknowledged
        << ", failed " << report.failed << ", rejected input " << report.read.bad_records << "\n";
  };
  auto send = [&](const std::string& topic, const std::string& key, const std::string& value,
                  uint64_t tag, const std::string& id) {
    outstanding_ids.emplace(tag, id);
    absl::Status status = (*producer)->Send(topic, key, value, tag);
    if (!status.ok()) {
      // Refused before reaching the queue: count it as not delivered, like a failed report.
      kafka::DeliveryReport refused;
      refused.status = status;
      refused.tag = tag;
      refused.topic = topic;
      on_delivery(refused);
    }
    (*producer)->Poll(0);
  };

  std::optional<SendPacer> pacer;
  if (options.rate_per_s > 0) pacer.emplace(options.rate_per_s);
  ArticleReader reader(
      options.reader,
      [&](v1::RawArticle&& article) {
        if (pacer.has_value() && !pacer->Wait(stop, [&] { (*producer)->Poll(0); })) return;
        article.set_ingested_at_ms(NowUnixMillis());
        const std::string key = ArticleKey(article);
        ++report.sent;
        send(options.topics.raw, key, article.SerializeAsString(), (++sequence) << 1, article.id());
        progress(false);
      },
      [&](const BadRecord& bad) {
        log << bad.input << (bad.line > 0 ? absl::StrCat(":", bad.line) : "") << ": "
            << v1::DeadLetter::Reason_Name(bad.reason) << ": " << bad.message
            << (options.dead_letter_bad_input && !bad.original.empty()
                    ? absl::StrCat(" (sent to ", options.topics.dlq, ")")
                    : "")
            << "\n";
        if (!options.dead_letter_bad_input || bad.original.empty()) return;
        RecordOrigin origin;
        origin.input = bad.input;
        origin.line = bad.line;
        v1::DeadLetter letter = MakeDeadLetter(bad.original, "produce", bad.reason, bad.message,
                                               origin, bad.original_size);
        send(options.topics.dlq, absl::StrCat(bad.input, ":", bad.line), letter.SerializeAsString(),
             ((++sequence) << 1) | kDeadLetterTag, "");
      });

  for (const std::string& path : paths) {
    if (stop.load()) break;
    reader.ReadPath(path);
  }
  report.read = reader.counters();

  const int flush_timeout = options.final_flush_timeout_ms > 0
                                ? options.final_flush_timeout_ms
                                : options.producer.delivery_timeout_ms + 10000;
  absl::Status flushed = (*producer)->Flush(flush_timeout);
  if (!flushed.ok()) {
    // Records still queued count as not acknowledged.
    const uint64_t outstanding = static_cast<uint64_t>((*producer)->Outstanding());
    report.failed += outstanding;
    if (report.first_delivery_error.ok()) report.first_delivery_error = flushed;
  }
  if (!report.first_delivery_error.ok() && report.failed > 0) {
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
