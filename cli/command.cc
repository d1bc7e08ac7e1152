#include "cli/command.h"

#include <signal.h>
#include <unistd.h>

#include <string>
#include <tuple>

#include <CLI/CLI.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "ingest/warc_articles.h"
#include "processors/tag/topic_model.h"

namespace newsflow::cli {
namespace {

void HandleSignal(int) {
  if (StopFlag().exchange(true)) {
    // A second signal: the user does not want to wait for the orderly end.
    static constexpr char kMessage[] = "newsflow: interrupted again; exiting now\n";
    (void)!write(STDERR_FILENO, kMessage, sizeof(kMessage) - 1);
    _exit(kExitInterrupted);
  }
}

}  // namespace

const char kExitCodesHelp[] =
    "Exit status: 0 success; 1 could not run (configuration, broker unreachable or refusing\n"
    "the credentials, I/O); 2 bad command line; 3 finished but some input was rejected\n"
    "(reported on stderr and, for produce, sent to the dead-letter topic); 4 some records were\n"
    "not acknowledged by the broker (produce); 130 interrupted by SIGINT/SIGTERM before all\n"
    "input was read (produce says where to resume).";

std::atomic<bool>& StopFlag() {
  static std::atomic<bool> stop{false};
  return stop;
}

void InstallSignalHandlers() {
  // No SA_RESTART: a read blocked on stdin returns (EINTR), so the stop flag is seen.
  struct sigaction action = {};
  action.sa_handler = HandleSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

void KafkaFlags::Register(CLI::App* app) {
  app->add_option("--brokers", client.brokers, "Kafka bootstrap servers, comma-separated")
      ->capture_default_str();
  app->add_option("--kafka", properties,
                  "Extra librdkafka property NAME=VALUE, repeatable (e.g. "
                  "--kafka security.protocol=ssl); overrides newsflow's defaults. Secrets "
                  "belong in the environment (NEWSFLOW_KAFKA_SASL_PASSWORD) or a root-only "
                  "--config file: a command line is visible to every user of the machine")
      ->allow_extra_args(false);
}

absl::Status KafkaFlags::Resolve(observability::Logger* log) {
  for (size_t i = 0; i < properties.size(); ++i) {
    std::vector<std::string> parts = absl::StrSplit(properties[i], absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty()) {
      // Not echoed: a mistyped "sasl.password:SECRET" holds the secret.
      return absl::InvalidArgumentError(
          absl::StrCat("--kafka expects NAME=VALUE (e.g. security.protocol=ssl); setting ", i + 1,
                       " has no '=' after a name (not shown, as it may hold a secret)"));
    }
    client.properties[parts[0]] = parts[1];
  }
  if (log != nullptr) {
    client.log_sink = [log](int severity, std::string_view facility, std::string_view message) {
      const observability::LogLevel level = severity <= 3   ? observability::LogLevel::kError
                                            : severity <= 5 ? observability::LogLevel::kWarn
                                            : severity == 6 ? observability::LogLevel::kInfo
                                                            : observability::LogLevel::kDebug;
      // librdkafka's debug lines are asked for with --kafka debug=...: show them whatever
      // the log level.
      const observability::LogLevel shown =
          level == observability::LogLevel::kDebug ? observability::LogLevel::kInfo : level;
      log->Log(shown, "kafka", message, {{"facility", facility}});
    };
  }
  return client.Validate();
}

void WarcFlags::Register(CLI::App* app) {
  app->add_option("--warc-host", hosts,
                  "Web archives: keep pages of this host, repeatable. A registrable domain "
                  "(bbc.co.uk, by the Public Suffix List) keeps its subdomains too; never a "
                  "substring match");
  app->add_option("--warc-host-file", host_file,
                  "Web archives: keep pages of the hosts listed in FILE (one per line, # "
                  "comments), like --warc-host");
  app->add_option("--since", since,
                  "Web archives: keep records fetched at or after this time (WARC-Date; "
                  "2026-01-07 or 2026-01-07T10:00:00Z)");
  app->add_option("--until", until,
                  "Web archives: keep records fetched before this time (WARC-Date)");
  app->add_option("--language", languages,
                  "Keep only articles whose detected language is listed (ISO 639-1 codes, "
                  "comma-separated or repeated, e.g. en,de)")
      ->delimiter(',');
  app->add_option("--max-record-bytes", max_record_bytes,
                  "Web archives: records larger than this are skipped unread (counted as "
                  "too-large)")
      ->capture_default_str();
  app->add_option("--inflater", inflater,
                  "Web archives: gzip decompressor, isal (ISA-L, faster) or zlib")
      ->check(CLI::IsMember({"isal", "zlib"}))
      ->capture_default_str();
}

absl::Status WarcFlags::Apply(producers::ReaderOptions* reader) {
  std::vector<std::string> rules = hosts;
  if (!host_file.empty()) {
    auto listed = ingest::HostFilter::ReadRuleFile(host_file);
    if (!listed.ok()) return listed.status();
    rules.insert(rules.end(), listed->begin(), listed->end());
  }
  if (!rules.empty()) {
    filter = std::make_unique<ingest::HostFilter>(rules);
    reader->warc.hosts = filter.get();
  }
  for (const auto& [text, target, flag] :
       {std::tuple{&since, &reader->warc.since_ms, "--since"},
        std::tuple{&until, &reader->warc.until_ms, "--until"}}) {
    if (text->empty()) continue;
    *target = ingest::ParseWarcDate(*text);
    if (*target < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(flag, " expects a date or time like 2026-01-07 or 2026-01-07T10:00:00Z, "
                       "got '", *text, "'"));
    }
  }
  reader->languages = languages;
  reader->max_record_bytes = max_record_bytes;
  if (auto s = ingest::ParseInflater(inflater, &reader->inflater); !s.ok()) return s;
  return reader->Validate();
}

std::string SkippedSummary(const producers::ReadCounters& counters) {
  uint64_t total = 0;
  std::vector<std::string> parts;
  for (const auto& [reason, count] : counters.skipped) {
    total += count;
    parts.push_back(absl::StrCat(count, " ", reason));
  }
  return absl::StrCat(counters.warc_records, " web archive record(s) read; ", total,
                      " skipped (not articles): ", absl::StrJoin(parts, ", "));
}

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

void RegisterReaderFlags(CLI::App* app, std::string* format, size_t* max_article_bytes,
                         const std::string& max_article_bytes_help) {
  app->add_option("--format", *format,
                  "Input format: auto (by extension: .jsonl/.ndjson/.json = JSON Lines, "
                  ".html/.htm = HTML, .warc/.warc.gz = web archive, else seed-style text; "
                  "stdin is sniffed), text, jsonl, html, warc")
      ->capture_default_str();
  app->add_option("--max-article-bytes", *max_article_bytes,
                  absl::StrCat("Reject (never truncate) articles whose body or HTML is larger "
                               "than this; a file is read up to this size and a JSON line up "
                               "to four times it, the rest skipped and reported. ",
                               max_article_bytes_help));
}

void PipelineFlagValues::Apply(pipeline::PipelineOptions* options) const {
  options->dedupe.window_ms = static_cast<int64_t>(window_hours * 3600 * 1000);
  options->normalize.html_parser =
      html_parser == "libxml2" ? normalize::HtmlParser::kLibxml2 : normalize::HtmlParser::kGumbo;
}

void RegisterPipelineFlags(CLI::App* app, pipeline::PipelineOptions* options,
                           PipelineFlagValues* values) {
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
  app->add_option("--dedup-window-hours", values->window_hours,
                  "Articles older (by publication time) than the newest minus this are "
                  "forgotten by dedup")
      ->capture_default_str();
  app->add_option("--dedup-max-articles", options->dedupe.max_articles,
                  "Dedup index capacity; the oldest article is evicted first")
      ->capture_default_str();
  app->add_option("--html-parser", values->html_parser,
                  "HTML parser: gumbo (HTML5, best extraction) or libxml2 (about 1.5x as fast "
                  "on real pages, extraction F1 0.003 lower; docs/PERFORMANCE.md)")
      ->check(CLI::IsMember({"gumbo", "libxml2"}))
      ->capture_default_str();
  app->add_option("--gazetteer", options->tag.gazetteer_path,
                  "Gazetteer TSV (default: the one built into the binary)");
  app->add_option("--topic-lexicon", options->tag.topic_lexicon_path,
                  "Topic lexicon TSV (default: the one built into the binary)");
  options->tag.topic_model_path = tag::kDefaultTopicModel;
  app->add_option("--topic-model", options->tag.topic_model_path,
                  "Topic model blended with the lexicon: the built-in IPTC top-level model "
                  "(builtin:iptc-topics-v2, docs/QUALITY.md), a file made by 'newsflow train' "
                  "(e.g. data/models/reuters21578-topics-v3.bin), or none (the lexicon alone)")
      ->capture_default_str();
  app->add_option("--topic-blend", options->tag.topic_blend,
                  "How the model and the lexicon combine for IPTC topics: calibrated (top "
                  "levels get probabilities, docs/QUALITY.md) or linear (--topic-model-weight)")
      ->check(CLI::IsMember({"calibrated", "linear"}))
      ->capture_default_str();
  app->add_option("--topic-calibration-lexicon", options->tag.topic_calibration_lexicon,
                  "Calibrated blend: weight of the lexicon score (fitted for the built-in "
                  "model by data/iptc_training.py calibrate)")
      ->capture_default_str();
  app->add_option("--topic-calibration-model", options->tag.topic_calibration_model,
                  "Calibrated blend: weight of the model's log-probability")
      ->capture_default_str();
  app->add_option("--topic-model-weight", options->tag.topic_model_weight,
                  "Linear blend: weight of the model in IPTC topic scores (labels outside "
                  "IPTC are reported as they are)")
      ->capture_default_str();
  app->add_option("--topic-model-max-words", options->tag.topic_model_options.max_words,
                  "Words the model reads (as trained with 'newsflow train --max-words'; 0 = "
                  "up to 400; a word-vector model, such as the built-in one, knows its own)")
      ->capture_default_str();
  app->add_option("--topic-model-threshold", options->tag.topic_model_options.min_probability,
                  "Model labels outside IPTC (e.g. reuters:earn) at or above this probability "
                  "are reported")
      ->capture_default_str();
  app->add_option("--topic-model-blend-threshold",
                  options->tag.topic_model_options.min_blend_probability,
                  "Model probabilities of IPTC topics at or above this are blended with the "
                  "lexicon")
      ->capture_default_str();
  app->add_option("--min-topic-score", options->tag.min_topic_score,
                  "IPTC topics scoring at least this are reported (the best one from 0.05 "
                  "when none does)")
      ->capture_default_str();
  app->add_option("--max-topics", options->tag.max_topics, "At most this many IPTC topics")
      ->capture_default_str();
}

int Fail(const absl::Status& status, const std::string& command) {
  std::cerr << "newsflow " << command << ": " << status.message() << "\n";
  return status.code() == absl::StatusCode::kInvalidArgument ? kExitUsage : kExitError;
}

}  // namespace newsflow::cli
