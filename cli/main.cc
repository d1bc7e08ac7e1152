// The `newsflow` command: builds the subcommands (one file each, see command.h), layers the
// configuration file and environment under the command line (config.h), and runs the chosen
// command. No exception leaves main.
#include <unistd.h>

#include <algorithm>
#include <exception>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/command.h"
#include "cli/config.h"

namespace newsflow::cli {
namespace {

constexpr char kConfigHelp[] =
    "Configuration: every option can also be set in a TOML file (--config FILE or "
    "NEWSFLOW_CONFIG) as key = value, at the top level or in a table named after the command "
    "([process] batch-size = 1000), and as an environment variable NEWSFLOW_<KEY> "
    "(NEWSFLOW_BATCH_SIZE=1000). librdkafka properties pass through as [kafka] entries "
    "(\"security.protocol\" = \"ssl\"), NEWSFLOW_KAFKA_<NAME> (NEWSFLOW_KAFKA_SECURITY_PROTOCOL) "
    "or --kafka NAME=VALUE. Precedence: flags, then environment, then file, then defaults. "
    "Secrets (sasl.password, ssl.key.password, ...) belong in the environment or a file only "
    "its owner can read, never on the command line. See deploy/newsflow.toml.example.";

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
  std::vector<std::unique_ptr<Command>> commands;
  commands.push_back(MakeProduceCommand());
  commands.push_back(MakePollCommand());
  commands.push_back(MakeProcessCommand());
  commands.push_back(MakeBatchCommand());
  commands.push_back(MakeConsumeCommand());
  commands.push_back(MakeTopicsCommand());
  commands.push_back(MakeTrainCommand());
  commands.push_back(MakeSchemaCommand());
  commands.push_back(MakeDashboardCommand());
  std::vector<CLI::App*> subcommands;
  std::string config_path;  // read before parsing (ScanCommandLine); declared for --help
  bool print_config = false;
  for (const std::unique_ptr<Command>& command : commands) {
    CLI::App* sub = command->Register(&app);
    sub->add_option("--config", config_path,
                    "TOML configuration file (also NEWSFLOW_CONFIG); see below");
    sub->add_flag("--print-config", print_config,
                  "Print the effective configuration (secrets masked) and exit");
    const std::string footer = sub->get_footer();
    sub->footer(footer.empty() ? kConfigHelp : absl::StrCat(footer, "\n\n", kConfigHelp));
    subcommands.push_back(sub);
  }

  std::vector<std::string> environment;
  for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
    environment.emplace_back(*entry);
  }
  const std::vector<std::string> args(argv, argv + argc);
  const CommandLineInfo info = ScanCommandLine(app, args, environment);
  // --help shows the defaults, and must work even when a setting elsewhere is bad.
  const bool wants_help = std::any_of(args.begin() + 1, args.end(), [](const std::string& a) {
    return a == "--help" || a == "-h";
  });
  std::vector<std::string> warnings;
  auto settings = CollectSettings(app, info.command, wants_help ? "" : info.config_path,
                                  environment, &warnings);
  if (!settings.ok()) {
    std::cerr << "newsflow: invalid configuration: " << settings.status().message() << "\n";
    return kExitUsage;
  }
  for (const std::string& warning : warnings) std::cerr << "newsflow: warning: " << warning << "\n";
  CLI::App* chosen = nullptr;
  for (CLI::App* sub : subcommands) {
    if (sub->get_name() == info.command) chosen = sub;
  }
  std::vector<CLI::Option*> relaxed;
  if (chosen != nullptr && !wants_help) relaxed = RelaxRequired(*chosen, *settings);

  InstallSignalHandlers();
  ConfigOrigins origins;
  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend() - 1);  // CLI11's order
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  for (size_t i = 0; i < subcommands.size(); ++i) {
    CLI::App* sub = subcommands[i];
    if (!sub->parsed()) continue;
    if (absl::Status applied = ApplySettings(*sub, *settings, &origins); !applied.ok()) {
      std::cerr << "newsflow: invalid configuration: " << applied.message() << "\n";
      return kExitUsage;
    }
    for (const CLI::Option* option : relaxed) {
      if (option->count() == 0) {
        std::cerr << "newsflow " << sub->get_name() << ": " << option->get_name()
                  << " is required\n";
        return kExitUsage;
      }
    }
    if (print_config) {
      PrintEffectiveConfig(*sub, origins, std::cout);
      return kExitOk;
    }
    RunContext context;
    context.origins = &origins;
    return commands[i]->Run(context);
  }
  return kExitOk;
}

}  // namespace
}  // namespace newsflow::cli

int main(int argc, char** argv) {
  // Every module reports errors as statuses; this is the last line of defence, so that a
  // library that throws anyway ends the program with a message and status 1, not an abort.
  try {
    return newsflow::cli::Main(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "newsflow: internal error: " << e.what() << "\n";
  } catch (...) {
    std::cerr << "newsflow: internal error (unknown exception)\n";
  }
  return newsflow::cli::kExitError;
}
