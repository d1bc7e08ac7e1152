// Layered configuration for the `newsflow` command: a TOML file, NEWSFLOW_* environment
// variables and command-line flags, in rising precedence. The command line is parsed as the
// user wrote it; then file and environment settings are given to the options the command line
// left unset, through the same CLI11 checks and conversions a flag gets. (They are never
// spliced into argv: a value there could swallow the user's positional arguments.)
//
// Keys are the long flag names of the command without "--" (`batch-size = 1000`). A table
// named after a command (`[process]`) holds keys for that command only; top-level keys apply
// to every command that has that option. `[kafka]` (top level or in a command's table) holds
// librdkafka properties passed through verbatim (`"security.protocol" = "ssl"` or nested
// tables, flattened with dots). Environment: NEWSFLOW_BATCH_SIZE sets `batch-size`,
// NEWSFLOW_KAFKA_SECURITY_PROTOCOL sets the librdkafka property `security.protocol`.
#ifndef NEWSFLOW_CLI_CONFIG_H_
#define NEWSFLOW_CLI_CONFIG_H_

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace newsflow::cli {

// One setting from the file or the environment.
struct ConfigSetting {
  std::string key;                  // flag name without "--", or "kafka" for pass-through
  std::vector<std::string> values;  // several for list options; "name=value" for kafka
  std::string origin;               // "newsflow.toml:12" or "env NEWSFLOW_BATCH_SIZE"
};

// Where each option's effective value came from, for the start-up report.
struct ConfigOrigins {
  std::map<std::string, std::string> by_key;            // flag name -> origin
  std::map<std::string, std::string> by_kafka_property;  // librdkafka property -> origin
};

// The settings for `command` (a subcommand of `app`) from `config_path` (empty = none) and
// from `environment` ("NAME=VALUE" entries; pass `environ`). Fails on an unreadable file, a
// TOML syntax error (with line and column) and a key that no command has, naming it.
absl::StatusOr<std::vector<ConfigSetting>> CollectSettings(const CLI::App& app,
                                                           const std::string& command,
                                                           const std::string& config_path,
                                                           const std::vector<std::string>& environment,
                                                           std::vector<std::string>* warnings);

// Before parsing: options of `command` that `settings` provide are no longer required on the
// command line (ApplySettings gives them their value). Returns them, to check afterwards.
std::vector<CLI::Option*> RelaxRequired(CLI::App& command,
                                        const std::vector<ConfigSetting>& settings);

// After parsing: gives each setting to its option of `command` unless the command line set
// it, running the option's checks and conversion (a bad value names the key and where it
// came from). librdkafka properties accumulate: the file's, then the environment's, then the
// command line's, so the command line's win. Records every value's origin.
absl::Status ApplySettings(CLI::App& command, const std::vector<ConfigSetting>& settings,
                           ConfigOrigins* origins);

// Finds `--config FILE` / `--config=FILE` in argv (else NEWSFLOW_CONFIG in `environment`)
// and the subcommand name (first argument naming one of `app`'s subcommands).
struct CommandLineInfo {
  std::string command;
  std::string config_path;
};
CommandLineInfo ScanCommandLine(const CLI::App& app, const std::vector<std::string>& argv,
                                const std::vector<std::string>& environment);

// True for names whose values must not be printed: librdkafka's own sensitive properties
// (kafka::IsSensitiveProperty), and any name that says password, secret, token, key or
// credential.
bool IsSecretName(const std::string& name);

// One line of the effective configuration.
struct EffectiveSetting {
  std::string key;  // option name, or "kafka.<property>"
  std::string value;  // "****" for secrets
  std::string origin;  // "default", "flag", "env NEWSFLOW_X" or "file.toml:3"
};

// Every option of the parsed subcommand `command` with its effective value and origin,
// then each librdkafka pass-through property (last value wins), secrets masked.
std::vector<EffectiveSetting> EffectiveConfig(const CLI::App& command,
                                              const ConfigOrigins& origins);

// Prints every option of the parsed subcommand `command` with its effective value and
// origin (flag, file, environment or default), then each librdkafka pass-through property
// (`--kafka`, last value wins), secrets masked, one "key = value  (origin)" per line.
void PrintEffectiveConfig(const CLI::App& command, const ConfigOrigins& origins,
                          std::ostream& out);

}  // namespace newsflow::cli

#endif  // NEWSFLOW_CLI_CONFIG_H_
