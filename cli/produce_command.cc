// `newsflow produce`: publish articles from files, directories or stdin to the raw topic.
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/command.h"
#include "common/utf8.h"
#include "producers/publisher.h"

namespace newsflow::cli {
namespace {

class ProduceCommand : public Command {
 public:
  KafkaFlags kafka;
  producers::PublishOptions options;
  std::vector<std::string> inputs;
  std::string format = "auto";
  WarcFlags warc;
  bool no_create_topics = false;
  bool no_dlq = false;

  CLI::App* Register(CLI::App* parent) override {
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
    RegisterReaderFlags(app, &format, &options.reader.max_article_bytes,
                        "Default: what fits in a record of the raw topic (the smaller of the "
                        "producer's message.max.bytes and the topic's max.message.bytes, less "
                        "room for the other fields). An article that still makes too large a "
                        "record is dead-lettered, never sent to fail.");
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
    warc.Register(app);
    app->add_option("--checkpoint", options.checkpoint_path,
                    "Keep in FILE, per input, how far every record was acknowledged by the "
                    "broker, and resume there when run again with the same FILE (a web "
                    "archive at its next record, any other input when it was read whole). "
                    "After a SIGKILL at most --checkpoint-every articles are sent twice");
    app->add_option("--checkpoint-every", options.checkpoint_every,
                    "Articles between checkpoints (each waits until they are acknowledged)")
        ->capture_default_str();
    return app;
  }

  int Run(const RunContext&) override {
    if (auto s = kafka.Resolve(); !s.ok()) return Fail(s, "produce");
    options.producer.client = kafka.client;
    options.producer.client.client_id = "newsflow-produce";
    options.create_topics = !no_create_topics;
    options.dead_letter_bad_input = !no_dlq;
    options.reader.agent = "newsflow-produce/" NEWSFLOW_VERSION;
    if (auto s = producers::ParseInputFormat(format, &options.reader.format); !s.ok()) {
      return Fail(s, "produce");
    }
    {
      // The article limit is derived later (0 = auto), so validate the rest with a stand-in.
      const size_t limit = options.reader.max_article_bytes;
      options.reader.max_article_bytes = limit == 0 ? 1 : limit;
      if (auto s = warc.Apply(&options.reader); !s.ok()) return Fail(s, "produce");
      options.reader.max_article_bytes = limit;
    }
    auto report = producers::PublishArticles(inputs, options, StopFlag(), std::cerr);
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
    if (!report->read.skipped.empty()) {
      std::cerr << "newsflow produce: " << SkippedSummary(report->read) << "\n";
    }
    if (report->read.truncated_inputs > 0) {
      std::cerr << "newsflow produce: warning: " << report->read.truncated_inputs
                << " web archive(s) ended inside a record (reported above)\n";
    }
    auto ids = [](const std::vector<std::string>& list, uint64_t count) {
      std::vector<std::string> escaped;
      for (const std::string& id : list) escaped.push_back(EscapeForTerminal(id));
      return absl::StrCat(absl::StrJoin(escaped, ", "), count > list.size() ? ", ..." : "");
    };
    if (report->refused > 0) {
      std::cerr << "newsflow produce: ERROR: " << report->refused
                << " article(s) NOT acknowledged and not written (refused by the broker, or "
                   "never sent; safe to send again): "
                << ids(report->refused_ids, report->refused) << "\n";
    }
    if (report->ambiguous > 0) {
      std::cerr << "newsflow produce: ERROR: " << report->ambiguous
                << " article(s) NOT acknowledged but possibly written (sent, and no answer came "
                   "in time; sending them again may duplicate them): "
                << ids(report->ambiguous_ids, report->ambiguous) << "\n";
    }
    if (report->dead_letter_failed > 0) {
      std::cerr << "newsflow produce: ERROR: " << report->dead_letter_failed
                << " dead letter(s) not acknowledged on " << options.topics.dlq << "\n";
    }
    if (!report->AllAcknowledged() && !report->first_delivery_error.ok()) {
      std::cerr << "newsflow produce: first error: " << report->first_delivery_error.message()
                << "\n";
    }
    if (report->interrupted) {
      const producers::ReadPosition& at = report->resume;
      std::cerr << "newsflow produce: interrupted before the end of the input: resume from "
                << EscapeForTerminal(at.input)
                << (at.next_line > 0 ? absl::StrCat(" line ", at.next_line) : std::string())
                << (at.inputs_left > 0
                        ? absl::StrCat(" (then ", at.inputs_left, " more input(s) not started)")
                        : std::string())
                << "\n";
    }
    if (!report->AllAcknowledged()) return kExitNotAcknowledged;
    if (report->interrupted) return kExitInterrupted;
    return report->read.bad_records > 0 ? kExitRejectedInput : kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeProduceCommand() { return std::make_unique<ProduceCommand>(); }

}  // namespace newsflow::cli
