// Layered configuration: TOML file < NEWSFLOW_* environment < flags, kafka pass-through,
// errors that name the key, and the masked effective-configuration report.
#include "cli/config.h"

#include <cstdio>
#include <fstream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/status_matchers.h"

namespace newsflow::cli {
namespace {

using ::newsflow::testing::IsOk;
using ::newsflow::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A miniature `newsflow` with two commands and the kinds of options the real one has.
struct TestApp {
  CLI::App app{"test", "newsflow"};
  CLI::App* process = nullptr;
  CLI::App* produce = nullptr;
  int batch_size = 500;
  std::string brokers = "127.0.0.1:9092";
  std::vector<std::string> kafka;
  bool no_create_topics = false;
  int progress_interval = 10;
  double threshold = 0.4;
  std::vector<std::string> inputs;

  TestApp() {
    process = app.add_subcommand("process");
    process->add_option("--batch-size", batch_size)->capture_default_str();
    process->add_option("--brokers", brokers)->capture_default_str();
    process->add_option("--kafka", kafka);
    process->add_option("--dedup-threshold", threshold)->capture_default_str();
    process->add_flag("--no-create-topics", no_create_topics);
    produce = app.add_subcommand("produce");
    produce->add_option("--brokers", brokers)->capture_default_str();
    produce->add_option("--progress-interval", progress_interval)->capture_default_str();
    produce->add_option("--kafka", kafka)->allow_extra_args(false);
    produce->add_option("--input,inputs", inputs)->required();
  }

  // Collects settings, injects them and parses like main() does.
  absl::Status Run(std::vector<std::string> argv, const std::string& config_path,
                   const std::vector<std::string>& environment, ConfigOrigins* origins,
                   std::vector<std::string>* warnings = nullptr) {
    argv.insert(argv.begin(), "newsflow");
    const CommandLineInfo info = ScanCommandLine(app, argv, environment);
    auto settings = CollectSettings(app, info.command, config_path, environment, warnings);
    if (!settings.ok()) return settings.status();
    CLI::App* command = info.command == "process" ? process : produce;
    std::vector<CLI::Option*> relaxed = RelaxRequired(*command, *settings);
    std::vector<std::string> reversed(argv.rbegin(), argv.rend() - 1);
    try {
      app.parse(reversed);
    } catch (const CLI::ParseError& e) {
      return absl::InvalidArgumentError(e.what());
    }
    ConfigOrigins ignored;
    return ApplySettings(*command, *settings, origins != nullptr ? origins : &ignored);
  }
};

std::string WriteFile(const std::string& name, const std::string& text) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(Config, ReadsTopLevelAndCommandTableKeys) {
  const std::string path = WriteFile("a.toml",
                                     "brokers = \"kafka-1:9092,kafka-2:9092\"\n"
                                     "progress-interval = 30\n"
                                     "[process]\n"
                                     "batch-size = 1000\n"
                                     "dedup-threshold = 0.45\n"
                                     "no-create-topics = true\n");
  TestApp t;
  ConfigOrigins origins;
  ASSERT_THAT(t.Run({"process"}, path, {}, &origins), IsOk());
  EXPECT_EQ(t.brokers, "kafka-1:9092,kafka-2:9092");
  EXPECT_EQ(t.batch_size, 1000);
  EXPECT_DOUBLE_EQ(t.threshold, 0.45);
  EXPECT_TRUE(t.no_create_topics);
  EXPECT_EQ(origins.by_key["batch-size"], path + ":4");
}

TEST(Config, EnvironmentOverridesFileAndFlagsOverrideBoth) {
  const std::string path = WriteFile("b.toml", "[process]\nbatch-size = 1000\nbrokers = \"f:1\"\n");
  TestApp t;
  ConfigOrigins origins;
  ASSERT_THAT(t.Run({"process", "--brokers", "flag:3"}, path,
                    {"NEWSFLOW_BATCH_SIZE=2000", "NEWSFLOW_BROKERS=env:2"}, &origins),
              IsOk());
  EXPECT_EQ(t.batch_size, 2000);
  EXPECT_EQ(t.brokers, "flag:3");
  EXPECT_EQ(origins.by_key["batch-size"], "env NEWSFLOW_BATCH_SIZE");
}

TEST(Config, PassesKafkaTablesAndVariablesThroughAsProperties) {
  const std::string path = WriteFile("c.toml",
                                     "[kafka]\n"
                                     "\"security.protocol\" = \"ssl\"\n"
                                     "[kafka.socket]\n"
                                     "keepalive.enable = true\n"
                                     "[process.kafka]\n"
                                     "\"fetch.max.bytes\" = 1048576\n");
  TestApp t;
  ConfigOrigins origins;
  ASSERT_THAT(t.Run({"process", "--kafka", "linger.ms=20"}, path,
                    {"NEWSFLOW_KAFKA_SASL_MECHANISM=PLAIN"}, &origins),
              IsOk());
  EXPECT_THAT(t.kafka, ElementsAre("security.protocol=ssl", "socket.keepalive.enable=true",
                                   "fetch.max.bytes=1048576", "sasl.mechanism=PLAIN",
                                   "linger.ms=20"));
  EXPECT_EQ(origins.by_kafka_property["sasl.mechanism"], "env NEWSFLOW_KAFKA_SASL_MECHANISM");
}

TEST(Config, NamesAnUnknownKeyWithFileAndLine) {
  const std::string path = WriteFile("d.toml", "[process]\nbatch-sise = 5\n");
  TestApp t;
  EXPECT_THAT(t.Run({"process"}, path, {}, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(path + ":2: unknown key 'batch-sise' for process")));
}

TEST(Config, NamesAnUnknownTable) {
  const std::string path = WriteFile("e.toml", "[procss]\nbatch-size = 5\n");
  TestApp t;
  EXPECT_THAT(t.Run({"process"}, path, {}, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown table [procss]")));
}

TEST(Config, ReportsTomlSyntaxErrorsWithLineAndColumn) {
  const std::string path = WriteFile("f.toml", "batch-size = 5\nbrokers = \"unterminated\n");
  TestApp t;
  EXPECT_THAT(t.Run({"process"}, path, {}, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(path + ":2:")));
}

TEST(Config, RejectsAValueOfTheWrongTypeNamingTheOption) {
  const std::string path = WriteFile("g.toml", "[process]\nbatch-size = \"lots\"\n");
  TestApp t;
  ConfigOrigins origins;
  EXPECT_THAT(t.Run({"process"}, path, {}, &origins),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch-size")));
}

TEST(Config, SkipsTopLevelKeysAndTablesOfOtherCommands) {
  const std::string path =
      WriteFile("h.toml", "batch-size = 700\n[produce]\nprogress-interval = 1\n");
  TestApp t;
  ASSERT_THAT(t.Run({"produce", "x.txt"}, path, {"NEWSFLOW_BATCH_SIZE=9"}, nullptr), IsOk());
  EXPECT_EQ(t.progress_interval, 1);
  EXPECT_EQ(t.batch_size, 500);
}

TEST(Config, WarnsAboutAVariableNoCommandKnows) {
  TestApp t;
  std::vector<std::string> warnings;
  ASSERT_THAT(t.Run({"process"}, "", {"NEWSFLOW_BATCH_SZE=9", "NEWSFLOW_SHARED_DATA=/x"}, nullptr,
                    &warnings),
              IsOk());
  EXPECT_THAT(warnings, ElementsAre(HasSubstr("NEWSFLOW_BATCH_SZE")));
}

TEST(Config, NamesAnUnreadableFile) {
  TestApp t;
  EXPECT_THAT(t.Run({"process"}, "/nonexistent/newsflow.toml", {}, nullptr),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("cannot read the configuration file /nonexistent/newsflow.toml")));
}

TEST(Config, FindsConfigPathOnTheCommandLineOrInTheEnvironment) {
  TestApp t;
  EXPECT_EQ(ScanCommandLine(t.app, {"newsflow", "process", "--config", "x.toml"}, {}).config_path,
            "x.toml");
  EXPECT_EQ(ScanCommandLine(t.app, {"newsflow", "process"}, {"NEWSFLOW_CONFIG=y.toml"}).config_path,
            "y.toml");
  EXPECT_EQ(ScanCommandLine(t.app, {"newsflow", "process"}, {}).command, "process");
}

TEST(Config, EffectiveConfigurationMasksSecretsAndNamesOrigins) {
  TestApp t;
  ConfigOrigins origins;
  ASSERT_THAT(t.Run({"process", "--kafka", "sasl.password=hunter2", "--batch-size", "7"}, "",
                    {"NEWSFLOW_KAFKA_SASL_MECHANISM=PLAIN"}, &origins),
              IsOk());
  std::ostringstream out;
  PrintEffectiveConfig(*t.process, origins, out);
  EXPECT_THAT(out.str(), HasSubstr("batch-size = 7  (flag)"));
  EXPECT_THAT(out.str(), HasSubstr("brokers = 127.0.0.1:9092  (default)"));
  EXPECT_THAT(out.str(), HasSubstr("kafka.sasl.password = ****"));
  EXPECT_THAT(out.str(),
              HasSubstr("kafka.sasl.mechanism = PLAIN  (env NEWSFLOW_KAFKA_SASL_MECHANISM)"));
  EXPECT_THAT(out.str(), ::testing::Not(HasSubstr("hunter2")));
  EXPECT_TRUE(IsSecretName("ssl.key.password"));
  EXPECT_TRUE(IsSecretName("sasl.oauthbearer.client.secret"));
  EXPECT_FALSE(IsSecretName("security.protocol"));
}

// librdkafka treats sasl.oauthbearer.config as a secret although its name says nothing of it.
TEST(Config, MasksWhatLibrdkafkaCallsSensitive) {
  EXPECT_TRUE(IsSecretName("sasl.oauthbearer.config"));
  EXPECT_TRUE(IsSecretName("ssl.keystore.password"));
  EXPECT_TRUE(IsSecretName("sasl.username"));  // librdkafka redacts it too
  EXPECT_FALSE(IsSecretName("sasl.mechanism"));
  EXPECT_FALSE(IsSecretName("batch-size"));
}

// A secret in the environment (or a [kafka] table in the file) must not swallow the
// positional inputs that follow the subcommand on the command line.
TEST(Config, KafkaSettingsFromTheEnvironmentLeaveThePositionalInputsAlone) {
  const std::string path = WriteFile("k.toml", "[kafka]\n\"sasl.mechanism\" = \"PLAIN\"\n");
  TestApp t;
  ConfigOrigins origins;
  ASSERT_THAT(t.Run({"produce", "a.jsonl", "b.jsonl", "--brokers", "x:1"}, path,
                    {"NEWSFLOW_KAFKA_SASL_PASSWORD=x"}, &origins),
              IsOk());
  EXPECT_THAT(t.inputs, ElementsAre("a.jsonl", "b.jsonl"));
  EXPECT_THAT(t.kafka, ElementsAre("sasl.mechanism=PLAIN", "sasl.password=x"));
}

TEST(Config, AKafkaPropertyOnTheCommandLineIsLabelledAFlagAndWins) {
  TestApp t;
  ConfigOrigins origins;
  ASSERT_THAT(t.Run({"process", "--kafka", "sasl.password=from-flag"}, "",
                    {"NEWSFLOW_KAFKA_SASL_PASSWORD=from-env"}, &origins),
              IsOk());
  EXPECT_THAT(t.kafka, ElementsAre("sasl.password=from-env", "sasl.password=from-flag"));
  EXPECT_EQ(origins.by_kafka_property["sasl.password"], "flag");
  std::ostringstream out;
  PrintEffectiveConfig(*t.process, origins, out);
  EXPECT_THAT(out.str(), HasSubstr("kafka.sasl.password = ****  (flag)"));
}

TEST(Config, ARequiredOptionMayBeSetByTheEnvironment) {
  TestApp t;
  ASSERT_THAT(t.Run({"produce"}, "", {"NEWSFLOW_INPUT=z.jsonl"}, nullptr), IsOk());
  EXPECT_THAT(t.inputs, ElementsAre("z.jsonl"));
}

}  // namespace
}  // namespace newsflow::cli
