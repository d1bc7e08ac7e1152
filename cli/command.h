// What every `newsflow` subcommand is to main.cc, and what they share: exit codes, the stop
// flag set by SIGINT/SIGTERM, the flags of Kafka clients, topics, readers and the pipeline,
// and how a failure is reported. Only cli/ reads flags, configuration files and the
// environment; everything below it receives Options structs.
#ifndef NEWSFLOW_CLI_COMMAND_H_
#define NEWSFLOW_CLI_COMMAND_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "cli/config.h"
#include "ingest/host_filter.h"
#include "kafka/client.h"
#include "kafka/topics.h"
#include "observability/log.h"
#include "processors/pipeline/pipeline.h"
#include "producers/article_reader.h"

namespace CLI {
class App;
}  // namespace CLI

namespace newsflow::cli {

// Exit codes, documented in --help.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;            // could not run: config, broker unreachable, I/O
inline constexpr int kExitUsage = 2;            // bad command line
inline constexpr int kExitRejectedInput = 3;    // finished, but some input records were rejected
inline constexpr int kExitNotAcknowledged = 4;  // some records were not acknowledged
inline constexpr int kExitInterrupted = 130;    // stopped by SIGINT/SIGTERM before the end

extern const char kExitCodesHelp[];

// Raised by the first SIGINT or SIGTERM (a second one ends the program at once).
std::atomic<bool>& StopFlag();
void InstallSignalHandlers();

// Everything a command may need at run time besides its own flags.
struct RunContext {
  const ConfigOrigins* origins = nullptr;  // where each setting came from
};

class Command {
 public:
  virtual ~Command() = default;
  // Adds the subcommand and its options to `parent`; returns it.
  virtual CLI::App* Register(CLI::App* parent) = 0;
  virtual int Run(const RunContext& context) = 0;
};

std::unique_ptr<Command> MakeProduceCommand();
std::unique_ptr<Command> MakePollCommand();
std::unique_ptr<Command> MakeProcessCommand();
std::unique_ptr<Command> MakeBatchCommand();
std::unique_ptr<Command> MakeConsumeCommand();
std::unique_ptr<Command> MakeTopicsCommand();
std::unique_ptr<Command> MakeTrainCommand();
std::unique_ptr<Command> MakeSchemaCommand();
std::unique_ptr<Command> MakeDashboardCommand();

// Flags shared by every command that talks to Kafka.
struct KafkaFlags {
  kafka::ClientOptions client;
  std::vector<std::string> properties;  // NAME=VALUE

  void Register(CLI::App* app);
  // Turns the --kafka properties into client.properties and validates them. `log` (may be
  // null: stderr) receives librdkafka's log lines.
  absl::Status Resolve(observability::Logger* log = nullptr);
};

// Flags of web-archive input (produce and batch): hosts, dates, languages, record size.
struct WarcFlags {
  std::vector<std::string> hosts;
  std::string host_file;
  std::string since, until;
  std::vector<std::string> languages;
  size_t max_record_bytes = 16 << 20;
  std::string inflater = "isal";
  std::unique_ptr<ingest::HostFilter> filter;  // made by Apply; the reader refers to it

  void Register(CLI::App* app);
  // Checks the values and puts them into `reader`.
  absl::Status Apply(producers::ReaderOptions* reader);
};

// "web archive records skipped (not articles): 20 request, 18 non-200, ..." for the summary.
std::string SkippedSummary(const producers::ReadCounters& counters);

void RegisterTopicFlags(CLI::App* app, kafka::TopicsOptions* topics);
// `max_article_bytes_help` says what the limit's default is.
void RegisterReaderFlags(CLI::App* app, std::string* format, size_t* max_article_bytes,
                         const std::string& max_article_bytes_help);
// Pipeline settings given in other units than the options take: set by the flags, put into
// the options by Apply after parsing.
struct PipelineFlagValues {
  double window_hours = 24 * 7;
  std::string html_parser = "gumbo";

  void Apply(pipeline::PipelineOptions* options) const;
};
void RegisterPipelineFlags(CLI::App* app, pipeline::PipelineOptions* options,
                           PipelineFlagValues* values);

// Prints "newsflow <command>: <message>" and returns the exit code for `status`.
int Fail(const absl::Status& status, const std::string& command);

}  // namespace newsflow::cli

#endif  // NEWSFLOW_CLI_COMMAND_H_
