// `newsflow consume`: print the records of a newsflow topic.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "cli/output.h"
#include "common/clock.h"
#include "producers/latency_summary.h"
#include "proto/confluent_framing.h"

namespace newsflow::cli {
namespace {

class ConsumeCommand : public Command {
 public:
  KafkaFlags kafka;
  std::string topic = "news.enriched";
  std::string type = "auto";
  std::string output_format = "summary";
  std::string group;
  int idle_ms = 2000;
  bool follow = false;
  bool latency = false;
  std::vector<int64_t> latencies_ms;
  int64_t latency_since_ms = 0;  // records sent before the consumer started are not measured
  uint64_t latency_skipped = 0;

  CLI::App* Register(CLI::App* parent) override {
    CLI::App* app = parent->add_subcommand(
        "consume",
        "Read a newsflow topic from the beginning and print its records: a short summary per "
        "article, or protobuf JSON lines. Commits nothing (a fresh consumer group each run "
        "unless --group is given).");
    kafka.Register(app);
    app->add_option("--topic", topic, "Topic to read")->capture_default_str();
    app->add_option("--type", type, "Record type: enriched, raw, dlq, or auto (by topic name)")
        ->check(CLI::IsMember({"auto", "enriched", "raw", "dlq"}))
        ->capture_default_str();
    app->add_option("--output-format", output_format, "summary or jsonl")
        ->check(CLI::IsMember({"summary", "jsonl"}))
        ->capture_default_str();
    app->add_option("--group", group, "Consumer group (default: a new random one)");
    app->add_option("--idle-ms", idle_ms,
                    "Stop once at the end of every partition and idle this long")
        ->capture_default_str();
    app->add_flag("--follow,-f", follow, "Keep waiting for new records until interrupted");
    app->add_flag("--latency", latency,
                  "Print no records; at the end, end-to-end latency percentiles (receive time "
                  "minus the producer's send time, ingested_at_ms) of the enriched records "
                  "sent after this consumer started");
    return app;
  }

  int Run(const RunContext&) override {
    if (auto s = kafka.Resolve(); !s.ok()) return Fail(s, "consume");
    if (type == "auto") {
      type = topic.find("dlq") != std::string::npos   ? "dlq"
             : topic.find("raw") != std::string::npos ? "raw"
                                                      : "enriched";
    }
    kafka::ConsumerOptions options;
    options.client = kafka.client;
    options.client.client_id = "newsflow-consume";
    options.group_id =
        group.empty() ? absl::StrCat("newsflow-consume-", std::random_device{}()) : group;
    auto consumer = kafka::Consumer::Create(options);
    if (!consumer.ok()) return Fail(consumer.status(), "consume");
    if (auto s = (*consumer)->Subscribe({topic}); !s.ok()) return Fail(s, "consume");
    int64_t last_ms = NowUnixMillis();
    const int64_t started_ms = last_ms;
    latency_since_ms = started_ms;
    uint64_t count = 0;
    int exit = kExitOk;
    while (!StopFlag().load()) {
      auto polled = (*consumer)->Poll(200);
      const int64_t now = NowUnixMillis();
      if (!polled.ok()) {
        std::cerr << "newsflow consume: " << polled.status().message() << "\n";
        if (polled.status().code() == absl::StatusCode::kUnauthenticated ||
            polled.status().code() == absl::StatusCode::kInternal) {
          exit = kExitError;  // bad credentials or TLS: waiting will not help
          break;
        }
      } else if (polled->has_value()) {
        last_ms = now;
        ++count;
        if (!(latency ? Measure((**polled).value, now) : Print((**polled).value))) {
          exit = kExitRejectedInput;
        }
        continue;
      }
      if (follow) continue;
      if ((*consumer)->AllAssignedAtEnd() && now - last_ms >= idle_ms) break;
      if ((*consumer)->AssignedPartitions() == 0 && now - started_ms > 30000) {
        std::cerr << "newsflow consume: no partition of " << topic
                  << " assigned within 30 s (does the topic exist? is the broker up?)\n";
        exit = kExitError;
        break;
      }
    }
    (void)(*consumer)->Close();
    std::cerr << "newsflow consume: " << count << " record(s) from " << topic << "\n";
    if (latency) {
      if (latency_skipped > 0) {
        std::cerr << "newsflow consume: " << latency_skipped
                  << " record(s) sent before the consumer started not measured\n";
      }
      std::cout << producers::FormatLatencySummary(producers::SummarizeLatencies(latencies_ms))
                << std::endl;
    }
    return exit;
  }

  bool Measure(const std::string& value, int64_t received_ms) {
    v1::EnrichedArticle article;
    auto payload = ProtobufPayload(value);
    if (!payload.ok() || !article.ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
      return Print(value);  // reports the bad record
    }
    const int64_t sent_ms = article.provenance().ingested_at_ms();
    if (sent_ms < latency_since_ms) {
      ++latency_skipped;
    } else {
      latencies_ms.push_back(received_ms - sent_ms);
    }
    return true;
  }

  bool Print(const std::string& value) {
    std::unique_ptr<google::protobuf::Message> message;
    if (type == "dlq") {
      message = std::make_unique<v1::DeadLetter>();
    } else if (type == "raw") {
      message = std::make_unique<v1::RawArticle>();
    } else {
      message = std::make_unique<v1::EnrichedArticle>();
    }
    // Plain protobuf or the Confluent framing (process --output-framing confluent).
    auto payload = ProtobufPayload(value);
    if (!payload.ok()) {
      std::cerr << "newsflow consume: a record of " << value.size()
                << " bytes: " << payload.status().message() << "\n";
      return false;
    }
    if (!message->ParseFromArray(payload->data(), static_cast<int>(payload->size()))) {
      std::cerr << "newsflow consume: a record of " << value.size() << " bytes is not a "
                << message->GetTypeName() << "\n";
      return false;
    }
    if (output_format == "jsonl" || type == "raw") {
      (void)WriteJsonLine(*message, std::cout);
    } else if (type == "dlq") {
      WriteSummary(static_cast<const v1::DeadLetter&>(*message), std::cout);
    } else {
      WriteSummary(static_cast<const v1::EnrichedArticle&>(*message), std::cout);
    }
    std::cout.flush();
    return true;
  }
};

}  // namespace

std::unique_ptr<Command> MakeConsumeCommand() { return std::make_unique<ConsumeCommand>(); }

}  // namespace newsflow::cli
