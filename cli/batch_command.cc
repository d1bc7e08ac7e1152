// `newsflow batch`: the pipeline without Kafka, files in, JSON Lines or protobuf out.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "cli/output.h"
#include "common/utf8.h"
#include "producers/article_reader.h"
#include "proto/dead_letter.h"

namespace newsflow::cli {
namespace {

class BatchCommand : public Command {
 public:
  pipeline::PipelineOptions options;
  producers::ReaderOptions reader;
  std::vector<std::string> inputs;
  std::string output_path = "-";
  std::string output_format = "jsonl";
  std::string dlq_path;
  std::string format = "auto";
  WarcFlags warc;
  PipelineFlagValues pipeline_flags;

  CLI::App* Register(CLI::App* parent) override {
    CLI::App* app = parent->add_subcommand(
        "batch",
        "Run the same pipeline without Kafka, in input order: articles in, one "
        "newsflow.v1.EnrichedArticle per article out (JSON Lines with protobuf's JSON names, "
        "or length-delimited protobuf). Rejected records are reported on stderr and, with "
        "--dlq, written there as DeadLetter JSON lines.");
    app->footer(kExitCodesHelp);
    app->add_option("--input,-i,inputs", inputs, "Files, directories or - for stdin")->required();
    app->add_option("--output,-o", output_path, "Output file, - for stdout")->capture_default_str();
    app->add_option("--output-format", output_format,
                    "jsonl (protobuf JSON mapping, one article per line) or pb "
                    "(varint-length-delimited EnrichedArticle)")
        ->check(CLI::IsMember({"jsonl", "pb"}))
        ->capture_default_str();
    app->add_option("--dlq", dlq_path, "Write dead letters (JSON lines) to this file");
    warc.Register(app);
    RegisterReaderFlags(app, &format, &reader.max_article_bytes,
                        "Default: 2 MiB, the normalizer's limit.");
    reader.max_article_bytes = 2 * 1024 * 1024;
    RegisterPipelineFlags(app, &options, &pipeline_flags);
    return app;
  }

  int Run(const RunContext&) override {
    if (auto s = producers::ParseInputFormat(format, &reader.format); !s.ok()) {
      return Fail(s, "batch");
    }
    pipeline_flags.Apply(&options);
    options.normalize.max_text_bytes = reader.max_article_bytes;
    reader.agent = "newsflow-batch/" NEWSFLOW_VERSION;
    if (auto s = warc.Apply(&reader); !s.ok()) return Fail(s, "batch");
    auto pipeline = pipeline::Pipeline::Create(options);
    if (!pipeline.ok()) return Fail(pipeline.status(), "batch");

    std::ofstream output_file;
    std::ostream* out = &std::cout;
    if (output_path != "-") {
      output_file.open(output_path, std::ios::binary | std::ios::trunc);
      if (!output_file)
        return Fail(absl::NotFoundError("cannot open output " + output_path), "batch");
      out = &output_file;
    }
    std::ofstream dlq_file;
    if (!dlq_path.empty()) {
      dlq_file.open(dlq_path, std::ios::trunc);
      if (!dlq_file) return Fail(absl::NotFoundError("cannot open " + dlq_path), "batch");
    }

    uint64_t written = 0, rejected = 0, clamped = 0;
    absl::Status write_status;
    auto dead_letter = [&](const v1::DeadLetter& letter) {
      ++rejected;
      // Names and messages come from the input: escaped, so that none can forge a line.
      // file:line for line formats, file:offset for a web archive's record.
      std::cerr << EscapeForTerminal(letter.input().empty() ? "-" : letter.input())
                << (letter.line() > 0 ? absl::StrCat(":", letter.line())
                    : letter.input_topic().empty() && letter.input_offset() >= 0
                        ? absl::StrCat(":", letter.input_offset())
                        : "")
                << ": "
                << v1::DeadLetter::Reason_Name(letter.reason()) << " at " << letter.stage() << ": "
                << EscapeForTerminal(letter.message()) << "\n";
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
            return true;
          }
          clamped += outcome.event_time_clamped;
          absl::Status s = output_format == "pb" ? WriteDelimited(outcome.article, *out)
                                                 : WriteJsonLine(outcome.article, *out);
          if (!s.ok() && write_status.ok()) write_status = s;
          ++written;
          return true;
        },
        [&](const producers::BadRecord& bad) {
          dead_letter(producers::DeadLetterFor(bad, "read"));
        },
        &StopFlag());
    article_reader.SetProgressCallback(
        [](const std::string& line) { std::cerr << "newsflow batch: " << EscapeForTerminal(line) << "\n"; });
    const bool complete = article_reader.ReadInputs(inputs);
    out->flush();
    if (!write_status.ok() || !*out) {
      return Fail(write_status.ok() ? absl::DataLossError("cannot write output") : write_status,
                  "batch");
    }
    std::cerr << "newsflow batch: " << written << " article(s) written";
    if (rejected > 0) std::cerr << ", " << rejected << " rejected";
    if (clamped > 0) {
      std::cerr << "; " << clamped << " event time(s) in the future lowered for the dedup window";
    }
    std::cerr << "\n";
    if (!article_reader.counters().skipped.empty()) {
      std::cerr << "newsflow batch: " << SkippedSummary(article_reader.counters()) << "\n";
    }
    if (!complete) {
      const producers::ReadPosition& at = article_reader.position();
      std::cerr << "newsflow batch: interrupted before the end of the input: stopped at "
                << EscapeForTerminal(at.input)
                << (at.next_line > 0 ? absl::StrCat(" line ", at.next_line) : std::string())
                << "\n";
      return kExitInterrupted;
    }
    return rejected > 0 ? kExitRejectedInput : kExitOk;
  }
};

}  // namespace

std::unique_ptr<Command> MakeBatchCommand() { return std::make_unique<BatchCommand>(); }

}  // namespace newsflow::cli
