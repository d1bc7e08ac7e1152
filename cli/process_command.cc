// `newsflow process`: the Kafka service that consumes raw articles and publishes enriched
// ones and dead letters.
#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "cli/command.h"
#include "newsflow/v1/article.pb.h"
#include "processors/service/processor_service.h"
#include "proto/confluent_framing.h"
#include "proto/schema_files.h"
#include "registry/schema_registry.h"

namespace newsflow::cli {
namespace {

class ProcessCommand : public Command {
 public:
  KafkaFlags kafka;
  service::ProcessorOptions options;
  PipelineFlagValues pipeline_flags;
  bool no_create_topics = false;
  bool no_durable_dedup = false;
  std::string guarantee = "exactly-once";
  std::string topology = "single";
  int http_port = 0;
  std::string log_level = "info";
  std::string log_format = "text";
  std::string output_framing = "none";
  registry::SchemaRegistryOptions registry_options;
  std::string subject_strategy = "topic";
  CLI::App* command = nullptr;

  CLI::App* Register(CLI::App* parent) override {
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
                    "the thread that dedupes, produces and commits (0 = none; default: one per "
                    "core, at most 8)")
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
    app->add_option("--http-address", options.http.http.listen_address,
                    "Address the health/metrics endpoint listens on (0.0.0.0: every "
                    "interface, e.g. for a Kubernetes probe; see docs/OPERATIONS.md)")
        ->capture_default_str();
    app->add_option("--ready-max-lag", options.ready_max_lag,
                    "/readyz reports ready when partitions are assigned and the consumer lag is "
                    "at most this many records")
        ->capture_default_str();
    app->add_option("--ready-broker-timeout-ms", options.ready_broker_timeout_ms,
                    "/readyz reports not ready once a broker leaves a request unanswered this "
                    "long, or its connection is down")
        ->capture_default_str();
    app->add_option("--shutdown-timeout-ms", options.shutdown_timeout_ms,
                    "After SIGINT/SIGTERM, how long committing or aborting the open batch and "
                    "leaving the group may take; the process exits at the latest 5 s after it "
                    "(keep it below systemd's TimeoutStopSec)")
        ->capture_default_str();
    app->add_option("--max-record-bytes", options.pipeline.max_record_bytes,
                    "Raw records larger than this are dead-lettered as TOO_LARGE without "
                    "being decoded (0 = what fits in a record of the enriched topic, which "
                    "is what a larger article could not be written to)")
        ->capture_default_str();
    app->add_option("--log-level", log_level, "debug, info, warn or error")->capture_default_str();
    app->add_option("--log-format", log_format,
                    "text (one line per event) or json (one JSON object per line)")
        ->capture_default_str();
    app->add_option("--output-framing", output_framing,
                    "none (plain protobuf) or confluent (Schema Registry wire format: magic "
                    "byte, schema id, message indexes, protobuf; what Kafka Connect, ksqlDB, "
                    "Flink SQL and confluent-kafka deserializers expect; needs "
                    "--schema-registry-url)")
        ->check(CLI::IsMember({"none", "confluent"}))
        ->capture_default_str();
    app->add_option("--schema-registry-url", registry_options.url,
                    "Schema Registry the enriched topic's schema is registered with at start "
                    "(--output-framing confluent)");
    app->add_option("--schema-subject-strategy", subject_strategy,
                    "Subject the schema is registered under: topic (<topic>-value), record "
                    "(newsflow.v1.EnrichedArticle) or topic-record (<topic>-<record>)")
        ->check(CLI::IsMember({"topic", "record", "topic-record"}))
        ->capture_default_str();
    app->add_option("--schema-registry-basic-auth-credentials", registry_options.basic_auth_user_info,
                    "USER:PASSWORD for the Schema Registry (prefer the environment variable "
                    "NEWSFLOW_SCHEMA_REGISTRY_BASIC_AUTH_CREDENTIALS)");
    app->add_option("--schema-registry-ca-location", registry_options.ca_location,
                    "CA bundle for an https Schema Registry (default: the system's)");
    RegisterPipelineFlags(app, &options.pipeline, &pipeline_flags);
    command = app;
    return app;
  }

  int Run(const RunContext& context) override {
    observability::LoggerOptions log_options;
    auto level = observability::ParseLogLevel(log_level);
    if (!level.ok()) return Fail(level.status(), "process");
    auto format = observability::ParseLogFormat(log_format);
    if (!format.ok()) return Fail(format.status(), "process");
    log_options.level = *level;
    log_options.format = *format;
    observability::Logger log(log_options);
    if (const ConfigOrigins* origins = context.origins; origins != nullptr) {
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
    options.http.http.port = http_port;
    // A loop stuck waiting on the broker (a commit during a stall) is not ready either.
    options.http.readiness_heartbeat_timeout = absl::Milliseconds(options.ready_broker_timeout_ms);
    if (auto s = kafka.Resolve(&log); !s.ok()) return Fail(s, "process");
    options.consumer.client = kafka.client;
    options.consumer.client.client_id = "newsflow-process";
    options.producer.client = options.consumer.client;
    options.create_topics = !no_create_topics;
    options.durable_dedup = !no_durable_dedup;
    options.guarantee = guarantee == "exactly-once" ? service::Guarantee::kExactlyOnce
                                                    : service::Guarantee::kAtLeastOnce;
    options.topology =
        topology == "scale-out" ? service::Topology::kScaleOut : service::Topology::kSingle;
    pipeline_flags.Apply(&options.pipeline);
    if (output_framing == "confluent") {
      if (registry_options.url.empty()) {
        return Fail(absl::InvalidArgumentError(
                        "--output-framing confluent needs --schema-registry-url"),
                    "process");
      }
      // Registered once at start; the id is cached for the life of the process (a schema
      // that changes needs a new build, hence a restart).
      auto strategy = registry::ParseSubjectNameStrategy(subject_strategy);
      if (!strategy.ok()) return Fail(strategy.status(), "process");
      const google::protobuf::Descriptor* message = v1::EnrichedArticle::descriptor();
      const std::string subject =
          registry::SubjectName(*strategy, options.topics.enriched, message->full_name());
      auto id = registry::SchemaRegistryClient(registry_options)
                    .RegisterProtobuf(subject, ProtoFileText(message->file()->name()));
      if (!id.ok()) return Fail(id.status(), "process");
      options.enriched_value_prefix = ConfluentPrefix(*id, MessageIndexes(message));
      log.Info("process", "output schema registered",
               {{"subject", subject}, {"schema_id", *id}, {"registry", registry_options.url}});
    } else if (!registry_options.url.empty()) {
      log.Warn("process", "--schema-registry-url is ignored without --output-framing confluent");
    }
    // The shutdown bound holds even where librdkafka would wait longer (closing a consumer
    // while the broker is stalled): past it, the process exits, and the broker aborts what
    // was left open.
    std::atomic<bool> finished{false};
    std::thread watchdog([&] {
      while (!finished.load() && !StopFlag().load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      const auto deadline = std::chrono::steady_clock::now() +
                            std::chrono::milliseconds(options.shutdown_timeout_ms + 5000);
      while (!finished.load()) {
        if (std::chrono::steady_clock::now() > deadline) {
          log.Error("process",
                    "shutdown took too long; exiting now (the broker aborts the "
                    "open transaction, the next run redoes its batch)",
                    {{"shutdown_timeout_ms", options.shutdown_timeout_ms + 5000}});
          std::_Exit(kExitError);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    auto report = service::RunProcessor(options, StopFlag(), log);
    finished.store(true);
    watchdog.join();
    if (!report.ok()) return Fail(report.status(), "process");
    return kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeProcessCommand() { return std::make_unique<ProcessCommand>(); }

}  // namespace newsflow::cli
