#include "cli/config.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>

#include <CLI/CLI.hpp>
#include <toml++/toml.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kafka/client.h"

namespace newsflow::cli {
namespace {

constexpr char kKafkaKey[] = "kafka";
constexpr char kEnvPrefix[] = "NEWSFLOW_";
// NEWSFLOW_* variables that are not options.
const std::set<std::string>& NonOptionVariables() {
  static const auto* names = new std::set<std::string>{
      "NEWSFLOW_CONFIG",      "NEWSFLOW_SHARED_DATA", "NEWSFLOW_BUILD_DIR",
      "NEWSFLOW_BIN",         "NEWSFLOW_SOURCE_DIR",  "NEWSFLOW_TEST_BROKERS",
      "NEWSFLOW_PROCESS_ARGS"};
  return *names;
}

std::vector<const CLI::App*> Subcommands(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

// The named option of `command`, by long name; nullptr if it has none.
const CLI::Option* FindOption(const CLI::App& command, const std::string& key) {
  for (const CLI::Option* option : command.get_options()) {
    const auto& names = option->get_lnames();
    if (std::find(names.begin(), names.end(), key) != names.end()) return option;
  }
  return nullptr;
}

bool AnyCommandHas(const CLI::App& app, const std::string& key) {
  for (const CLI::App* sub : Subcommands(app)) {
    if (FindOption(*sub, key) != nullptr) return true;
  }
  return false;
}

std::string Where(const std::string& path, const toml::source_region& source) {
  return absl::StrCat(path, ":", source.begin.line);
}

// A TOML scalar as the text a flag would take.
absl::StatusOr<std::string> ScalarText(const toml::node& node, const std::string& key,
                                       const std::string& where) {
  if (auto v = node.value<std::string>(); v && node.is_string()) return *v;
  if (node.is_integer()) return std::to_string(*node.value<int64_t>());
  if (node.is_floating_point()) {
    std::string text = std::to_string(*node.value<double>());
    // std::to_string prints six decimals; drop the trailing zeros ("0.400000" -> "0.4").
    while (text.size() > 1 && text.back() == '0') text.pop_back();
    if (!text.empty() && text.back() == '.') text.push_back('0');
    return text;
  }
  if (node.is_boolean()) return std::string(*node.value<bool>() ? "true" : "false");
  return absl::InvalidArgumentError(
      absl::StrCat(where, ": key '", key, "' has a value of a type newsflow cannot use "
                   "(use a string, number, boolean or array of those)"));
}

// Flattens a [kafka] table into "name=value" pass-through settings (nested tables join
// their keys with dots: [kafka.security] protocol = "ssl" -> security.protocol=ssl).
absl::Status FlattenKafka(const toml::table& table, const std::string& prefix,
                          const std::string& path, std::vector<ConfigSetting>* out) {
  for (auto&& [key, node] : table) {
    const std::string name = prefix.empty() ? std::string(key.str())
                                            : absl::StrCat(prefix, ".", std::string(key.str()));
    const std::string where = Where(path, node.source());
    if (const toml::table* nested = node.as_table()) {
      if (auto s = FlattenKafka(*nested, name, path, out); !s.ok()) return s;
      continue;
    }
    auto text = ScalarText(node, absl::StrCat("kafka.", name), where);
    if (!text.ok()) return text.status();
    out->push_back({kKafkaKey, {absl::StrCat(name, "=", *text)}, where});
  }
  return absl::OkStatus();
}

// The settings of one table (the top level or a command's table) that apply to `command`.
// Keys no command knows are errors; keys of other commands are skipped (a shared file).
absl::Status CollectTable(const CLI::App& app, const CLI::App& command, const toml::table& table,
                          bool top_level, const std::string& path,
                          std::vector<ConfigSetting>* out) {
  for (auto&& [toml_key, node] : table) {
    const std::string key(toml_key.str());
    const std::string where = Where(path, node.source());
    if (key == kKafkaKey) {
      const toml::table* kafka = node.as_table();
      if (kafka == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": 'kafka' must be a table of librdkafka properties, e.g. "
                   "[kafka] \"security.protocol\" = \"ssl\""));
      }
      if (FindOption(command, kKafkaKey) == nullptr) continue;
      if (auto s = FlattenKafka(*kafka, "", path, out); !s.ok()) return s;
      continue;
    }
    if (top_level && node.is_table()) {
      bool is_command = false;
      for (const CLI::App* sub : Subcommands(app)) is_command |= sub->get_name() == key;
      if (!is_command) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": unknown table [", key, "] (tables: [kafka] and one per command, e.g. "
                   "[process])"));
      }
      if (key != command.get_name()) continue;
      if (auto s = CollectTable(app, command, *node.as_table(), false, path, out); !s.ok()) {
        return s;
      }
      continue;
    }
    const CLI::Option* option = FindOption(command, key);
    if (option == nullptr) {
      const bool known = top_level && AnyCommandHas(app, key);
      if (known) continue;
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": unknown key '", key, "'",
          top_level ? "" : absl::StrCat(" for ", command.get_name()),
          " (keys are the long option names, see 'newsflow ", command.get_name(), " --help')"));
    }
    ConfigSetting setting{key, {}, where};
    if (const toml::array* array = node.as_array()) {
      for (const toml::node& element : *array) {
        auto text = ScalarText(element, key, where);
        if (!text.ok()) return text.status();
        setting.values.push_back(*text);
      }
    } else {
      auto text = ScalarText(node, key, where);
      if (!text.ok()) return text.status();
      setting.values.push_back(*text);
    }
    out->push_back(std::move(setting));
  }
  return absl::OkStatus();
}

// Flags take no value (CLI11 sets expected(0)); `--flag=false` still works for them.
bool IsFlag(const CLI::Option& option) { return option.get_expected_max() == 0; }

}  // namespace

CommandLineInfo ScanCommandLine(const CLI::App& app, const std::vector<std::string>& argv,
                                const std::vector<std::string>& environment) {
  CommandLineInfo info;
  for (const std::string& entry : environment) {
    if (absl::StartsWith(entry, "NEWSFLOW_CONFIG=")) info.config_path = entry.substr(16);
  }
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg == "--config" && i + 1 < argv.size()) {
      info.config_path = argv[i + 1];
    } else if (absl::StartsWith(arg, "--config=")) {
      info.config_path = arg.substr(9);
    } else if (info.command.empty() && !absl::StartsWith(arg, "-")) {
      for (const CLI::App* sub : Subcommands(app)) {
        if (sub->get_name() == arg) info.command = arg;
      }
    }
  }
  return info;
}

absl::StatusOr<std::vector<ConfigSetting>> CollectSettings(
    const CLI::App& app, const std::string& command_name, const std::string& config_path,
    const std::vector<std::string>& environment, std::vector<std::string>* warnings) {
  const CLI::App* command = nullptr;
  for (const CLI::App* sub : Subcommands(app)) {
    if (sub->get_name() == command_name) command = sub;
  }
  if (command == nullptr) return std::vector<ConfigSetting>();

  std::vector<ConfigSetting> from_file;
  if (!config_path.empty()) {
    if (std::ifstream probe(config_path); !probe) {
      return absl::NotFoundError(absl::StrCat("cannot read the configuration file ", config_path,
                                              ": ", std::strerror(errno)));
    }
    toml::table table;
    try {
      table = toml::parse_file(config_path);
    } catch (const toml::parse_error& error) {
      return absl::InvalidArgumentError(absl::StrCat(
          config_path, ":", error.source().begin.line, ":", error.source().begin.column, ": ",
          std::string(error.description())));
    }
    if (auto s = CollectTable(app, *command, table, true, config_path, &from_file); !s.ok()) {
      return s;
    }
  }

  std::vector<ConfigSetting> from_environment;
  for (const std::string& entry : environment) {
    if (!absl::StartsWith(entry, kEnvPrefix)) continue;
    const size_t equals = entry.find('=');
    if (equals == std::string::npos) continue;
    const std::string name = entry.substr(0, equals);
    const std::string value = entry.substr(equals + 1);
    if (NonOptionVariables().count(name) > 0) continue;
    std::string rest = absl::AsciiStrToLower(name.substr(sizeof(kEnvPrefix) - 1));
    const std::string origin = absl::StrCat("env ", name);
    if (absl::StartsWith(rest, "kafka_")) {
      std::string property = rest.substr(6);
      std::replace(property.begin(), property.end(), '_', '.');
      if (FindOption(*command, kKafkaKey) != nullptr) {
        from_environment.push_back({kKafkaKey, {absl::StrCat(property, "=", value)}, origin});
      }
      continue;
    }
    std::replace(rest.begin(), rest.end(), '_', '-');
    if (FindOption(*command, rest) != nullptr) {
      from_environment.push_back({rest, {value}, origin});
    } else if (!AnyCommandHas(app, rest) && warnings != nullptr) {
      warnings->push_back(absl::StrCat("ignoring ", name, ": no command has an option --", rest));
    }
  }

  // The environment overrides the file: drop file settings the environment sets again
  // (kafka properties are "name=value" entries applied in order, so later ones win anyway).
  std::set<std::string> set_by_environment;
  for (const ConfigSetting& setting : from_environment) {
    if (setting.key != kKafkaKey) set_by_environment.insert(setting.key);
  }
  std::vector<ConfigSetting> settings;
  for (ConfigSetting& setting : from_file) {
    if (set_by_environment.count(setting.key) == 0) settings.push_back(std::move(setting));
  }
  for (ConfigSetting& setting : from_environment) settings.push_back(std::move(setting));
  return settings;
}

std::vector<CLI::Option*> RelaxRequired(CLI::App& command,
                                        const std::vector<ConfigSetting>& settings) {
  std::vector<CLI::Option*> relaxed;
  for (const ConfigSetting& setting : settings) {
    CLI::Option* option = command.get_option_no_throw("--" + setting.key);
    if (option == nullptr || !option->get_required()) continue;
    option->required(false);
    relaxed.push_back(option);
  }
  return relaxed;
}

absl::Status ApplySettings(CLI::App& command, const std::vector<ConfigSetting>& settings,
                           ConfigOrigins* origins) {
  std::vector<std::string> kafka_values;
  for (const ConfigSetting& setting : settings) {
    CLI::Option* option = command.get_option_no_throw("--" + setting.key);
    if (option == nullptr) continue;
    if (setting.key == kKafkaKey) {
      for (const std::string& value : setting.values) {
        kafka_values.push_back(value);
        if (origins != nullptr) {
          origins->by_kafka_property[value.substr(0, value.find('='))] = setting.origin;
        }
      }
      continue;
    }
    if (option->count() > 0) continue;  // the command line wins
    for (const std::string& value : setting.values) option->add_result(value);
    try {
      option->run_callback();
    } catch (const CLI::Error& e) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", setting.key, " set by ", setting.origin, ": ", e.what()));
    }
    if (origins != nullptr) origins->by_key[setting.key] = setting.origin;
  }
  if (!kafka_values.empty()) {
    CLI::Option* kafka = command.get_option_no_throw(absl::StrCat("--", kKafkaKey));
    const std::vector<std::string> given = kafka->results();
    for (const std::string& value : given) {
      if (origins != nullptr) origins->by_kafka_property[value.substr(0, value.find('='))] = "flag";
    }
    kafka->clear();
    for (const std::string& value : kafka_values) kafka->add_result(value);
    for (const std::string& value : given) kafka->add_result(value);
    try {
      kafka->run_callback();
    } catch (const CLI::Error& e) {
      return absl::InvalidArgumentError(absl::StrCat("--kafka: ", e.what()));
    }
  }
  return absl::OkStatus();
}

bool IsSecretName(const std::string& name) {
  if (kafka::IsSensitiveProperty(name)) return true;
  const std::string lower = absl::AsciiStrToLower(name);
  for (const char* marker : {"password", "secret", "token", "credential", "jaas", "key.pem",
                             "private.key", "api.key", "apikey"}) {
    if (absl::StrContains(lower, marker)) return true;
  }
  return false;
}

std::vector<EffectiveSetting> EffectiveConfig(const CLI::App& command,
                                              const ConfigOrigins& origins) {
  std::vector<EffectiveSetting> settings;
  std::map<std::string, std::string> kafka_properties;
  for (const CLI::Option* option : command.get_options()) {
    if (option->get_lnames().empty()) continue;
    const std::string key = option->get_lnames().front();
    if (key == kKafkaKey) {
      for (const std::string& entry : option->results()) {
        const size_t equals = entry.find('=');
        if (equals == std::string::npos) continue;
        kafka_properties[entry.substr(0, equals)] = entry.substr(equals + 1);
      }
      continue;
    }
    if (key == "help" || key == "config" || key == "print-config") continue;
    EffectiveSetting setting{key, "", "default"};
    if (option->count() > 0) {
      setting.value = absl::StrJoin(option->results(), ",");
      auto it = origins.by_key.find(key);
      setting.origin = it != origins.by_key.end() ? it->second : "flag";
    } else {
      setting.value = IsFlag(*option) ? "false" : option->get_default_str();
    }
    if (IsSecretName(key) && !setting.value.empty()) setting.value = "****";
    settings.push_back(std::move(setting));
  }
  for (const auto& [name, value] : kafka_properties) {
    auto it = origins.by_kafka_property.find(name);
    settings.push_back({absl::StrCat("kafka.", name), IsSecretName(name) ? "****" : value,
                        it != origins.by_kafka_property.end() ? it->second : "flag"});
  }
  return settings;
}

void PrintEffectiveConfig(const CLI::App& command, const ConfigOrigins& origins,
                          std::ostream& out) {
  out << command.get_name() << ": effective configuration (secrets masked):\n";
  for (const EffectiveSetting& setting : EffectiveConfig(command, origins)) {
    out << "  " << setting.key << " = " << (setting.value.empty() ? "\"\"" : setting.value)
        << "  (" << setting.origin << ")\n";
  }
}

}  // namespace newsflow::cli
