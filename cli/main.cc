// The `newsflow` command: produce, process, batch, consume, topics. Only this file reads
// flags and environment; everything else receives Options structs.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <functional>
#include <fstream>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "cli/config.h"
#include "cli/output.h"
#include "common/clock.h"
#include "kafka/client.h"
#include "kafka/topics.h"
#include "observability/log.h"
#include "processors/pipeline/pipeline.h"
#include "processors/tag/topic_model.h"
#include "processors/service/processor_service.h"
#include "producers/article_reader.h"
#include "producers/latency_summary.h"
#include "producers/publisher.h"
#include "proto/dead_letter.h"

namespace newsflow::cli {
namespace {

// Exit codes, documented in --help.
constexpr int kExitOk = 0;
constexpr int kExitError = 1;          // could not run: config, broker unreachable, I/O
constexpr int kExitUsage = 2;          // bad command line
constexpr int kExitRejectedInput = 3;  // finished, but some input records were rejected
constexpr int kExitNotAcknowledged = 4;  // some records were not acknowledged by the broker

constexpr char kExitCodesHelp[] =
    "Exit status: 0 success; 1 could not run (configuration, broker unreachable, I/O);\n"
    "2 bad command line; 3 finished but some input was rejected (reported on stderr and,\n"
    "for produce, sent to the dead-letter topic); 4 some records were not acknowledged by\n"
    "the broker (produce).";

std::atomic<bool> g_stop{false};

void HandleSignal(int) { g_stop.store(true); }

void InstallSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = HandleSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// Flags shared by every command that talks to Kafka.
struct KafkaFlags {
  kafka::ClientOptions client;
  std::vector<std::string> properties;  // KEY=VALUE

  void Register(CLI::App* app) {
    app->add_option("--brokers", client.brokers,
                    "Kafka bootstrap servers, comma-separated")
        ->capture_default_str();
    app->add_option("--kafka", properties,
                    "Extra librdkafka property KEY=VALUE, repeatable (e.g. "
                    "--kafka security.protocol=ssl); overrides newsflow's defaults");
  }

  absl::Status Resolve() {
    for (const std::string& property : properties) {
      std::vector<std::string> parts = absl::StrSplit(property, absl::MaxSplits('=', 1));
      if (parts.size() != 2 || parts[0].empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--kafka expects KEY=VALUE, got '", property, "'"));
      }
      client.properties[parts[0]] = parts[1];
    }
    return client.Validate();
  }
};

void RegisterTopicFlags(CLI::App* app, kafka::TopicsOptions* topics) {
  app->add_option("--raw-topic", topics->raw, "Topic of raw articles")->capture_default_str();
  app->add_option("--enriched-topic", topics->enriched, "Topic of enriched articles")
      ->capture_default_str();
  app->add_option("--dlq-topic", topics->dlq, "Dead-letter topic")->capture_default_str();
  app->add_option("--dedup-changelog-topic", topics->dedup_changelog,
                  "Compacted topic where process keeps its dedup index, replayed on start "
                  "(default newsflow.<group>.dedup-changelog)");
  app->add_option("--raw-partitions", topics->raw_partitions,
                  "Partitions of the raw topic when newsflow creates it")
      ->capture_default_str();
  app->add_option("--enriched-partitions", topics->enriched_partitions,
                  "Partitions of the enriched topic when newsflow creates it")
      ->capture_default_str();
  app->add_option("--dlq-partitions", topics->dlq_partitions,
                  "Partitions of the dead-letter topic when newsflow creates it")
      ->capture_default_str();
}

void RegisterReaderFlags(CLI::App* app, std::string* format, size_t* max_article_bytes) {
  app->add_option("--format", *format,
                  "Input format: auto (by extension: .jsonl/.ndjson/.json = JSON Lines, "
                  ".html/.htm = HTML, else seed-style text; stdin is sniffed), text, jsonl, html")
      ->capture_default_str();
  app->add_option("--max-article-bytes", *max_article_bytes,
                  "Reject (never truncate) articles whose body or HTML is larger than this")
      ->capture_default_str();
}

void RegisterPipelineFlags(CLI::App* app, pipeline::PipelineOptions* options,
                           double* window_hours) {
  app->add_option("--dedup-threshold", options->dedupe.resemblance_threshold,
                  "Estimated Jaccard resemblance of word shingles at which an earlier article "
                  "counts as a near duplicate")
      ->capture_default_str();
  app->add_option("--dedup-containment", options->dedupe.containment_threshold,
                  "Estimated containment at which a trimmed or padded copy counts as a near "
                  "duplicate")
      ->capture_default_str();
  app->add_option("--dedup-long-containment", options->dedupe.long_containment_threshold,
                  "Estimated containment at which a copy counts as a near duplicate when the "
                  "smaller of the two articles has 125 or more shingles (about 125 words)")
      ->capture_default_str();
  app->add_option("--dedup-lead-containment", options->dedupe.lead_containment_threshold,
                  "Estimated share of an earlier article's lead (first ~50 words) found in a new "
                  "one at which the new one counts as a trimmed copy (with resemblance >= 0.1)")
      ->capture_default_str();
  app->add_option("--dedup-window-hours", *window_hours,
                  "Articles older (by publication time) than the newest minus this are "
                  "forgotten by dedup")
      ->capture_default_str();
  app->add_option("--dedup-max-articles", options->dedupe.max_articles,
                  "Dedup index capacity; the oldest article is evicted first")
      ->capture_default_str();
  app->add_option("--gazetteer", options->tag.gazetteer_path,
                  "Gazetteer TSV (default: the one built into the binary)");
  app->add_option("--topic-lexicon", options->tag.topic_lexicon_path,
                  "Topic lexicon TSV (default: the one built into the binary)");
  app->add_option("--topic-model", options->tag.topic_model_path,
                  "Topic model made by 'newsflow train' (e.g. "
                  "data/models/reuters21578-topics-v3.bin); default: lexicon only");
  app->add_option("--topic-model-weight", options->tag.topic_model_weight,
                  "Weight of the model in IPTC topic scores (labels outside IPTC are "
                  "reported as they are)")
      ->capture_default_str();
  app->add_option("--topic-model-threshold", options->tag.topic_model_options.min_probability,
                  "Model labels at or above this probability are reported")
      ->capture_default_str();
}

int Fail(const absl::Status& status, const std::string& command) {
  std::cerr << "newsflow " << command << ": " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitError;
}

// ---------------------------------------------------------------------------------------

struct ProduceCommand {
  KafkaFlags kafka;
  producers::PublishOptions options;
  std::vector<std::string> inputs;
  std::string format = "auto";
  bool no_create_topics = false;
  bool no_dlq = false;

  void Register(CLI::App* parent) {
    CLI::App* app = parent->add_subcommand(
        "produce",
        "Publish articles from files, directories or stdin ('-') to the raw topic as "
        "newsflow.v1.RawArticle, keyed by canonical URL (else id). Bad input records are "
        "reported with file and line and sent to the dead-letter topic; the rest goes on.");
    app->footer(kExitCodesHelp);
    app->add_option("inputs", inputs, "Files, directories (read recursively) or - for stdin")
        ->required();
    kafka.Register(app);
    RegisterTopicFlags(app, &options.topics);
    RegisterReaderFlags(app, &format, &options.reader.max_article_bytes);
    app->add_option("--delivery-timeout-ms", options.producer.delivery_timeout_ms,
                    "How long to retry a record before reporting it as not acknowledged")
        ->capture_default_str();
    app->add_option("--progress-interval", options.progress_interval_s,
                    "Seconds between progress lines on stderr (0 = none)")
        ->capture_default_str();
    app->add_option("--rate", options.rate_per_s,
                    "Articles per second, evenly spaced, each stamped (ingested_at_ms) as it "
                    "is sent; 0 = as fast as possible")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    app->add_flag("--no-create-topics", no_create_topics,
                  "Do not create missing topics (they must exist)");
    app->add_flag("--no-dlq", no_dlq,
                  "Only report bad input records on stderr, do not send them to the "
                  "dead-letter topic");
    command = app;
  }

  int Run() {
    if (auto s = kafka.Resolve(); !s.ok()) return Fail(s, "produce");
    options.producer.client = kafka.client;
    options.producer.client.client_id = "newsflow-produce";
    options.create_topics = !no_create_topics;
    options.dead_letter_bad_input = !no_dlq;
    options.reader.agent = "newsflow-produce/" NEWSFLOW_VERSION;
    if (auto s = producers::ParseInputFormat(format, &options.reader.format); !s.ok()) {
      return Fail(s, "produce");
    }
    auto report = producers::PublishArticles(inputs, options, g_stop, std::cerr);
    if (!report.ok()) return Fail(report.status(), "produce");
    std::cerr << "newsflow produce: " << report->acknowledged << " of " << report->sent
              << " article(s) acknowledged on " << options.topics.raw;
    if (report->read.bad_records > 0) {
      std::cerr << "; " << report->read.bad_records << " input record(s) rejected";
      if (options.dead_letter_bad_input) {
        std::cerr << " (" << report->dead_lettered << " acknowledged on " << options.topics.dlq
                  << ")";
      }
    }
    std::cerr << "\n";
    if (!report->AllAcknowledged()) {
      std::cerr << "newsflow produce: ERROR: " << report->failed
                << " article(s) NOT acknowledged by the broker";
      if (report->dead_letter_failed > 0) {
        std::cerr << ", " << report->dead_letter_failed << " dead letter(s) not acknowledged";
      }
      std::cerr << ": " << report->first_delivery_error.message() << "\n";
      if (!report->failed_ids.empty()) {
        std::cerr << "newsflow produce: not acknowledged: "
                  << absl::StrJoin(report->failed_ids, ", ")
                  << (report->failed > report->failed_ids.size() ? ", ..." : "") << "\n";
      }
      return kExitNotAcknowledged;
    }
    return report->read.bad_records > 0 ? kExitRejectedInput : kExitOk;
  }

  CLI::App* command = nullptr;
};

// ---------------------------------------------------------------------------------------

struct ProcessCommand {
  KafkaFlags kafka;
  service::ProcessorOptions options;
  double window_hours = 24 * 7;
  bool no_create_topics = false;
  bool no_durable_dedup = false;
  std::string guarantee = "exactly-once";
  std::string topology = "single";
  int http_port = 0;
  const ConfigOrigins* origins = nullptr;  // set by Main once flags are parsed
  std::string log_level = "info";
  std::string log_format = "text";

  void Register(CLI::App* parent) {
    CLI::App* app = parent->add_subcommand(
        "process",
        "Consume raw articles, normalize, dedupe and tag them, and publish "
        "newsflow.v1.EnrichedArticle records; undecodable or unprocessable records go to the "
        "dead-letter topic with their reason. Exactly-once by default: each batch's outputs, "
        "dedup state and input offsets are committed in one Kafka transaction. SIGINT/SIGTERM "
        "finish the open batch and stop cleanly.");
    app->footer(kExitCodesHelp);
    kafka.Register(app);
    RegisterTopicFlags(app, &options.topics);
    app->add_option("--group", options.consumer.group_id, "Consumer group id")
        ->capture_default_str();
    app->add_option("--offset-reset", options.consumer.auto_offset_reset,
                    "Where a new group starts: earliest or latest")
        ->capture_default_str();
    app->add_option("--prepare-threads", options.prepare_threads,
                    "Worker threads decoding, normalizing and tagging raw records ahead of "
                    "the thread that dedupes, produces and commits (0 = none)")
        ->capture_default_str();
    app->add_option("--batch-size", options.batch_size,
                    "Records per batch (offsets are committed per batch)")
        ->capture_default_str();
    app->add_option("--exit-when-idle-ms", options.exit_when_idle_ms,
                    "Exit once all assigned partitions are consumed and nothing new arrived "
                    "for this long (0 = run as a service until stopped)")
        ->capture_default_str();
    app->add_option("--delivery-timeout-ms", options.producer.delivery_timeout_ms,
                    "How long to retry an output record before giving up on the batch")
        ->capture_default_str();
    app->add_option("--progress-interval", options.progress_interval_s,
                    "Seconds between progress lines on stderr (0 = none)")
        ->capture_default_str();
    app->add_flag("--no-create-topics", no_create_topics,
                  "Do not create missing topics (they must exist)");
    app->add_option("--guarantee", guarantee,
                    "exactly-once (Kafka transactions: outputs, dedup state and input offsets "
                    "commit together) or at-least-once (for brokers without transactions)")
        ->check(CLI::IsMember({"exactly-once", "at-least-once"}))
        ->capture_default_str();
    app->add_option("--topology", topology,
                    "single (one dedup index; the raw topic has one partition, further "
                    "instances are standbys) or scale-out (normalize and tag on every raw "
                    "partition, then dedup tasks per scope via a repartition topic; instances "
                    "share both)")
        ->check(CLI::IsMember({"single", "scale-out"}))
        ->capture_default_str();
    app->add_option("--scope-partitions", options.topics.scope_partitions,
                    "scale-out: partitions of the repartition topic and its changelog, the "
                    "most dedup tasks that can run in parallel (set when the topic is created)")
        ->capture_default_str();
    app->add_option("--transactional-id", options.transactional_id,
                    "transactional.id for exactly-once (default newsflow-<group>-<host>-<pid>)");
    app->add_flag("--no-durable-dedup", no_durable_dedup,
                  "Keep the dedup index in memory only (a restart forgets earlier articles)");
    app->add_option("--max-records", options.max_records,
                    "Stop cleanly after this many records (0 = no limit)")
        ->capture_default_str();
    app->add_option("--http-port", http_port,
                    "Serve /healthz, /readyz and /metrics (Prometheus) on this port; 0 = off")
        ->check(CLI::Range(0, 65535))
        ->capture_default_str();
    app->add_option("--http-address", options.http.listen_address,
                    "Address the health/metrics endpoint listens on")
        ->capture_default_str();
    app->add_option("--ready-max-lag", options.ready_max_lag,
                    "/readyz reports ready when partitions are assigned and the consumer lag is "
                    "at most this many records")
        ->capture_default_str();
    app->add_option("--log-level", log_level, "debug, info, warn or error")
        ->capture_default_str();
    app->add_option("--log-format", log_format,
                    "text (one line per event) or json (one JSON object per line)")
        ->capture_default_str();
    RegisterPipelineFlags(app, &options.pipeline, &window_hours);
    command = app;
  }

  int Run() {
    observability::LoggerOptions log_options;
    auto level = observability::ParseLogLevel(log_level);
    if (!level.ok()) return Fail(level.status(), "process");
    auto format = observability::ParseLogFormat(log_format);
    if (!format.ok()) return Fail(format.status(), "process");
    log_options.level = *level;
    log_options.format = *format;
    observability::Logger log(log_options);
    if (origins != nullptr) {
      // The effective configuration (secrets masked): a block of lines, or one JSON event.
      if (log_options.format == observability::LogFormat::kJson) {
        const std::vector<EffectiveSetting> settings = EffectiveConfig(*command, *origins);
        std::vector<observability::LogField> fields;
        for (const EffectiveSetting& setting : settings) {
          fields.emplace_back(setting.key, setting.value);
        }
        log.Log(observability::LogLevel::kInfo, "process", "effective configuration", fields);
      } else if (log.Enabled(observability::LogLevel::kInfo)) {
        PrintEffectiveConfig(*command, *origins, std::cerr);
      }
    }
    options.serve_http = http_port > 0;
    options.http.port = http_port;
    if (auto s = kafka.Resolve(); !s.ok()) return Fail(s, "process");
    options.consumer.client = kafka.client;
    options.consumer.client.client_id = "newsflow-process";
    options.producer.client = options.consumer.client;
    options.create_topics = !no_create_topics;
    options.durable_dedup = !no_durable_dedup;
    options.guarantee = guarantee == "exactly-once" ? service::Guarantee::kExactlyOnce
                                                    : service::Guarantee::kAtLeastOnce;
    options.topology =
        topology == "scale-out" ? service::Topology::kScaleOut : service::Topology::kSingle;
    options.pipeline.dedupe.window_ms = static_cast<int64_t>(window_hours * 3600 * 1000);
    auto report = service::RunProcessor(options, g_stop, log);
    if (!report.ok()) return Fail(report.status(), "process");
    return kExitOk;
  }

  CLI::App* command = nullptr;
};

// ---------------------------------------------------------------------------------------

struct BatchCommand {
  pipeline::PipelineOptions options;
  producers::ReaderOptions reader;
  std::vector<std::string> inputs;
  std::string output_path = "-";
  std::string output_format = "jsonl";
  std::string dlq_path;
  std::string format = "auto";
  double window_hours = 24 * 7;

  void Register(CLI::App* parent) {
    CLI::App* app = parent->add_subcommand(
        "batch",
        "Run the same pipeline without Kafka, in input order: articles in, one "
        "newsflow.v1.EnrichedArticle per article out (JSON Lines with protobuf's JSON names, "
        "or length-delimited protobuf). Rejected records are reported on stderr and, with "
        "--dlq, written there as DeadLetter JSON lines.");
    app->footer(kExitCodesHelp);
    app->add_option("--input,-i,inputs", inputs, "Files, directories or - for stdin")
        ->required();
    app->add_option("--output,-o", output_path, "Output file, - for stdout")
        ->capture_default_str();
    app->add_option("--output-format", output_format,
                    "jsonl (protobuf JSON mapping, one article per line) or pb "
                    "(varint-length-delimited EnrichedArticle)")
        ->check(CLI::IsMember({"jsonl", "pb"}))
        ->capture_default_str();
    app->add_option("--dlq", dlq_path, "Write dead letters (JSON lines) to this file");
    RegisterReaderFlags(app, &format, &reader.max_article_bytes);
    RegisterPipelineFlags(app, &options, &window_hours);
    command = app;
  }

  int Run() {
    if (auto s = producers::ParseInputFormat(format, &reader.format); !s.ok()) {
      return Fail(s, "batch");
    }
    options.dedupe.window_ms = static_cast<int64_t>(window_hours * 3600 * 1000);
    options.normalize.max_text_bytes = reader.max_article_bytes;
    reader.agent = "newsflow-batch/" NEWSFLOW_VERSION;
    auto pipeline = pipeline::Pipeline::Create(options);
    if (!pipeline.ok()) return Fail(pipeline.status(), "batch");

    std::ofstream output_file;
    std::ostream* out = &std::cout;
    if (output_path != "-") {
      output_file.open(output_path, std::ios::binary | std::ios::trunc);
      if (!output_file) return Fail(absl::NotFoundError("cannot open output " + output_path), "batch");
      out = &output_file;
    }
    std::ofstream dlq_file;
    if (!dlq_path.empty()) {
      dlq_file.open(dlq_path, std::ios::trunc);
      if (!dlq_file) return Fail(absl::NotFoundError("cannot open " + dlq_path), "batch");
    }

    uint64_t written = 0, rejected = 0;
    absl::Status write_status;
    auto dead_letter = [&](const v1::DeadLetter& letter) {
      ++rejected;
      std::cerr << (letter.input().empty() ? "-" : letter.input())
                << (letter.line() > 0 ? absl::StrCat(":", letter.line()) : "") << ": "
                << v1::DeadLetter::Reason_Name(letter.reason()) << " at " << letter.stage()
                << ": " << letter.message() << "\n";
      if (dlq_file.is_open()) (void)WriteJsonLine(letter, dlq_file);
    };
    producers::ArticleReader article_reader(
        reader,
        [&](v1::RawArticle&& raw) {
          RecordOrigin origin;
          origin.input = raw.producer().input();
          origin.line = raw.producer().line();
          pipeline::PipelineOutcome outcome = (*pipeline)->Process(raw, origin);
          if (!outcome.status.ok()) {
            dead_letter(outcome.dead_letter);
            return;
          }
          absl::Status s = output_format == "pb" ? WriteDelimited(outcome.article, *out)
                                                 : WriteJsonLine(outcome.article, *out);
          if (!s.ok() && write_status.ok()) write_status = s;
          ++written;
        },
        [&](const producers::BadRecord& bad) {
          RecordOrigin origin;
          origin.input = bad.input;
          origin.line = bad.line;
          dead_letter(MakeDeadLetter(bad.original, "read", bad.reason, bad.message, origin,
                                     bad.original_size));
        });
    for (const std::string& input : inputs) {
      if (g_stop.load()) break;
      article_reader.ReadPath(input);
    }
    out->flush();
    if (!write_status.ok() || !*out) {
      return Fail(write_status.ok() ? absl::DataLossError("cannot write output") : write_status,
                  "batch");
    }
    std::cerr << "newsflow batch: " << written << " article(s) written";
    if (rejected > 0) std::cerr << ", " << rejected << " rejected";
    std::cerr << "\n";
    return rejected > 0 ? kExitRejectedInput : kExitOk;
  }

  CLI::App* command = nullptr;
};

// ---------------------------------------------------------------------------------------

struct ConsumeCommand {
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

  void Register(CLI::App* parent) {
    CLI::App* app = parent->add_subcommand(
        "consume",
        "Read a newsflow topic from the beginning and print its records: a short summary per "
        "article, or protobuf JSON lines. Commits nothing (a fresh consumer group each run "
        "unless --group is given).");
    kafka.Register(app);
    app->add_option("--topic", topic, "Topic to read")->capture_default_str();
    app->add_option("--type", type,
                    "Record type: enriched, raw, dlq, or auto (by topic name)")
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
    command = app;
  }

  int Run() {
    if (auto s = kafka.Resolve(); !s.ok()) return Fail(s, "consume");
    if (type == "auto") {
      type = topic.find("dlq") != std::string::npos   ? "dlq"
             : topic.find("raw") != std::string::npos ? "raw"
                                                      : "enriched";
    }
    kafka::ConsumerOptions options;
    options.client = kafka.client;
    options.client.client_id = "newsflow-consume";
    options.group_id = group.empty()
                           ? absl::StrCat("newsflow-consume-", std::random_device{}())
                           : group;
    auto consumer = kafka::Consumer::Create(options);
    if (!consumer.ok()) return Fail(consumer.status(), "consume");
    if (auto s = (*consumer)->Subscribe({topic}); !s.ok()) return Fail(s, "consume");
    int64_t last_ms = NowUnixMillis();
    const int64_t started_ms = last_ms;
    latency_since_ms = started_ms;
    uint64_t count = 0;
    int exit = kExitOk;
    while (!g_stop.load()) {
      auto polled = (*consumer)->Poll(200);
      const int64_t now = NowUnixMillis();
      if (!polled.ok()) {
        std::cerr << "newsflow consume: " << polled.status().message() << "\n";
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
    if (!article.ParseFromString(value)) return Print(value);  // reports the bad record
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
    if (!message->ParseFromString(value)) {
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

  CLI::App* command = nullptr;
};

// ---------------------------------------------------------------------------------------

struct TopicsCommand {
  KafkaFlags kafka;
  kafka::TopicsOptions topics;
  int timeout_ms = 30000;

  void Register(CLI::App* parent) {
    CLI::App* app = parent->add_subcommand(
        "topics", "Create newsflow's topics (raw, enriched, dead-letter) where missing, with "
                  "explicit partition counts; existing topics are left as they are.");
    kafka.Register(app);
    RegisterTopicFlags(app, &topics);
    app->add_option("--timeout-ms", timeout_ms, "How long to wait for the broker")
        ->capture_default_str();
    command = app;
  }

  int Run() {
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

  CLI::App* command = nullptr;
};

// `newsflow train`: a fastText topic model from labelled JSON Lines, any taxonomy.
struct TrainCommand {
  std::string input;
  std::string output;
  std::string labels_field = "topics";
  std::string label_prefix;
  tag::TopicModelTrainOptions train;

  void Register(CLI::App* parent) {
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
    command = app;
  }

  int Run() {
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
        return Fail(absl::InvalidArgumentError(absl::StrCat(input, ":", line_number,
                                                            ": not a JSON object")),
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

  CLI::App* command = nullptr;
};

constexpr char kConfigHelp[] =
    "Configuration: every option can also be set in a TOML file (--config FILE or "
    "NEWSFLOW_CONFIG) as key = value, at the top level or in a table named after the command "
    "([process] batch-size = 1000), and as an environment variable NEWSFLOW_<KEY> "
    "(NEWSFLOW_BATCH_SIZE=1000). librdkafka properties pass through as [kafka] entries "
    "(\"security.protocol\" = \"ssl\"), NEWSFLOW_KAFKA_<NAME> (NEWSFLOW_KAFKA_SECURITY_PROTOCOL) "
    "or --kafka NAME=VALUE. Precedence: flags, then environment, then file, then defaults. "
    "See deploy/newsflow.toml.example.";

int Main(int argc, char** argv) {
  CLI::App app{
      "newsflow " NEWSFLOW_VERSION
      " - streaming news pipeline: raw articles in Kafka are normalized, de-duplicated "
      "(exact and near copies) and tagged with IPTC Media Topics and countries, then "
      "published as protobuf (newsflow.v1.EnrichedArticle).",
      "newsflow"};
  app.require_subcommand(1);
  app.set_version_flag("--version", NEWSFLOW_VERSION);
  app.footer(
      "Run 'newsflow <command> --help' for a command's options.\n"
      "Local broker: deploy/kafka.sh start. Demo: scripts/demo.sh.");
  ProduceCommand produce;
  ProcessCommand process;
  BatchCommand batch;
  ConsumeCommand consume;
  TopicsCommand topics;
  TrainCommand train;
  produce.Register(&app);
  process.Register(&app);
  batch.Register(&app);
  consume.Register(&app);
  topics.Register(&app);
  train.Register(&app);
  const std::vector<std::pair<CLI::App*, std::function<int()>>> commands = {
      {produce.command, [&] { return produce.Run(); }},
      {process.command, [&] { return process.Run(); }},
      {batch.command, [&] { return batch.Run(); }},
      {consume.command, [&] { return consume.Run(); }},
      {topics.command, [&] { return topics.Run(); }},
      {train.command, [&] { return train.Run(); }},
  };
  std::string config_path;  // read before parsing (ScanCommandLine); declared for --help
  bool print_config = false;
  for (const auto& [command, run] : commands) {
    command->add_option("--config", config_path,
                        "TOML configuration file (also NEWSFLOW_CONFIG); see below");
    command->add_flag("--print-config", print_config,
                      "Print the effective configuration (secrets masked) and exit");
    const std::string footer = command->get_footer();
    command->footer(footer.empty() ? kConfigHelp : absl::StrCat(footer, "\n\n", kConfigHelp));
  }

  // File and environment settings become arguments in front of the user's own.
  std::vector<std::string> environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    environment.emplace_back(*entry);
  }
  std::vector<std::string> args(argv, argv + argc);
  const CommandLineInfo info = ScanCommandLine(app, args, environment);
  std::vector<std::string> warnings;
  // --help shows the defaults, and must work even when a setting elsewhere is bad.
  const bool wants_help = std::any_of(args.begin() + 1, args.end(), [](const std::string& a) {
    return a == "--help" || a == "-h";
  });
  auto settings = CollectSettings(app, info.command, wants_help ? "" : info.config_path,
                                  environment, &warnings);
  if (!settings.ok()) {
    std::cerr << "newsflow: invalid configuration: " << settings.status().message() << "\n";
    return kExitUsage;
  }
  for (const std::string& warning : warnings) std::cerr << "newsflow: warning: " << warning << "\n";
  ConfigOrigins origins;
  if (!wants_help) args = InjectSettings(app, args, *settings, &origins);

  InstallSignalHandlers();
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11's order
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() != 0) {
      // Name where an injected value came from, so a bad file or variable is easy to find.
      for (const auto& [key, origin] : origins.by_key) {
        if (absl::StrContains(e.what(), absl::StrCat("--", key))) {
          std::cerr << "newsflow: invalid configuration: " << e.what() << " (--" << key
                    << " set by " << origin << ")\n";
          return kExitUsage;
        }
      }
    }
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (const auto& [command, run] : commands) {
    if (!command->parsed()) continue;
    if (print_config) {
      PrintEffectiveConfig(*command, origins, std::cout);
      return kExitOk;
    }
    process.origins = &origins;  // the service logs its effective configuration at start
    return run();
  }
  return kExitOk;
}

}  // namespace
}  // namespace newsflow::cli

int main(int argc, char** argv) { return newsflow::cli::Main(argc, argv); }
