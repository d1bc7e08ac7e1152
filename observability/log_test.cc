#include "observability/log.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_split.h"
#include "common/status_matchers.h"

namespace newsflow::observability {
namespace {

using ::newsflow::testing::IsOk;
using ::newsflow::testing::StatusIs;
using ::testing::HasSubstr;

absl::Time FixedTime() {
  return absl::FromUnixMillis(1795847400123);  // 2026-11-28T06:30:00.123Z
}

LoggerOptions Options(std::ostream* out, LogFormat format, LogLevel level = LogLevel::kInfo) {
  LoggerOptions options;
  options.out = out;
  options.format = format;
  options.level = level;
  options.clock = FixedTime;
  return options;
}

TEST(LoggerTest, WritesOneTextLinePerEvent) {
  std::ostringstream out;
  Logger logger(Options(&out, LogFormat::kText));
  logger.Info("process", "batch committed", {{"records", 500}, {"topic", "news.raw"}});
  logger.Warn("kafka", "broker unreachable");
  EXPECT_EQ(out.str(),
            "2026-11-28T06:30:00.123Z INFO process: batch committed records=500 topic=news.raw\n"
            "2026-11-28T06:30:00.123Z WARN kafka: broker unreachable\n");
}

TEST(LoggerTest, QuotesAndEscapesTextValuesThatNeedIt) {
  std::ostringstream out;
  Logger logger(Options(&out, LogFormat::kText));
  std::string status_text = "two\nlines";
  logger.Error("process", "commit failed\nretrying",
               {{"error", "a \"quoted\" value"},
                {"empty", ""},
                {"raw", status_text},
                {"eq", "a=b"},
                {"ok", true},
                {"ratio", 0.25}});
  EXPECT_EQ(out.str(),
            "2026-11-28T06:30:00.123Z ERROR process: commit failed\\nretrying "
            "error=\"a \\\"quoted\\\" value\" empty=\"\" raw=\"two\\nlines\" eq=\"a=b\" "
            "ok=true ratio=0.25\n");
}

TEST(LoggerTest, DropsEventsBelowTheLevel) {
  std::ostringstream out;
  Logger logger(Options(&out, LogFormat::kText, LogLevel::kWarn));
  EXPECT_FALSE(logger.Enabled(LogLevel::kInfo));
  EXPECT_TRUE(logger.Enabled(LogLevel::kError));
  logger.Debug("process", "debug");
  logger.Info("process", "info");
  logger.Warn("process", "warn");
  logger.Error("process", "error");
  logger.Log(LogLevel::kInfo, "process", "info via Log");
  EXPECT_EQ(out.str(),
            "2026-11-28T06:30:00.123Z WARN process: warn\n"
            "2026-11-28T06:30:00.123Z ERROR process: error\n");

  out.str("");
  logger.set_level(LogLevel::kDebug);
  logger.Debug("process", "now visible");
  EXPECT_EQ(out.str(), "2026-11-28T06:30:00.123Z DEBUG process: now visible\n");
}

TEST(LoggerTest, WritesJsonWithFixedKeysFirstAndTypedValues) {
  std::ostringstream out;
  Logger logger(Options(&out, LogFormat::kJson));
  logger.Info("process", "batch committed",
              {{"records", 500},
               {"lag", int64_t{-3}},
               {"ok", false},
               {"seconds", 0.5},
               {"topic", "news.raw"},
               {"big", uint64_t{18446744073709551615u}}});
  EXPECT_EQ(out.str(),
            "{\"ts\":\"2026-11-28T06:30:00.123Z\",\"level\":\"info\",\"component\":\"process\","
            "\"msg\":\"batch committed\",\"records\":500,\"lag\":-3,\"ok\":false,"
            "\"seconds\":0.5,\"topic\":\"news.raw\",\"big\":18446744073709551615}\n");
}

TEST(LoggerTest, JsonEscapesStringsAndStaysParseable) {
  std::ostringstream out;
  Logger logger(Options(&out, LogFormat::kJson));
  const std::string nasty =
      std::string("quote\" backslash\\ newline\n tab\t bell\x07 ") + "\xff" + " é 日本";
  logger.Warn("pro\"cess", nasty,
              {{"msg", "collides"},
               {"value", nasty},
               {"nan", std::nan("")},
               {"status", absl::UnavailableError("broker down")},
               {"backoff", absl::Seconds(2)}});
  const std::string line = out.str();
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);  // one line
  EXPECT_THAT(line, HasSubstr(R"("msg":"quote\" backslash\\ newline\n tab\t bell\u0007 )"));

  const nlohmann::json parsed = nlohmann::json::parse(line);
  EXPECT_EQ(parsed["level"], "warn");
  EXPECT_EQ(parsed["component"], "pro\"cess");
  // The invalid byte became U+FFFD; everything else round-trips.
  const std::string expected =
      std::string("quote\" backslash\\ newline\n tab\t bell\x07 ") + "\xef\xbf\xbd" + " é 日本";
  EXPECT_EQ(parsed["msg"], expected);
  EXPECT_EQ(parsed["value"], expected);
  EXPECT_EQ(parsed["field_msg"], "collides");
  EXPECT_EQ(parsed["nan"], "NaN");
  EXPECT_EQ(parsed["status"], "UNAVAILABLE: broker down");
  EXPECT_EQ(parsed["backoff"], "2s");
}

TEST(LoggerTest, ConcurrentWritersNeverInterleaveLines) {
  std::ostringstream out;
  Logger logger(Options(&out, LogFormat::kJson));
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < 500; ++i) logger.Info("worker", "event", {{"thread", t}, {"i", i}});
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<std::string> lines = absl::StrSplit(out.str(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2000u);
  for (const std::string& line : lines) {
    EXPECT_TRUE(nlohmann::json::accept(line)) << line;
  }
}

TEST(ParseLogLevelTest, AcceptsNamesCaseInsensitively) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("INFO"), LogLevel::kInfo);
  EXPECT_EQ(*ParseLogLevel("warn"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("Warning"), LogLevel::kWarn);
  EXPECT_EQ(*ParseLogLevel("error"), LogLevel::kError);
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarn, LogLevel::kError}) {
    EXPECT_EQ(*ParseLogLevel(LogLevelName(level)), level);
  }
}

TEST(ParseLogLevelTest, RejectsUnknownNamesWithTheChoices) {
  absl::StatusOr<LogLevel> level = ParseLogLevel("verbose");
  EXPECT_THAT(level, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(level.status().message()),
              HasSubstr("\"verbose\" (expected debug, info, warn or error)"));
}

TEST(ParseLogFormatTest, AcceptsTextAndJsonOnly) {
  EXPECT_EQ(*ParseLogFormat("text"), LogFormat::kText);
  EXPECT_EQ(*ParseLogFormat("JSON"), LogFormat::kJson);
  EXPECT_EQ(LogFormatName(LogFormat::kJson), "json");
  absl::StatusOr<LogFormat> format = ParseLogFormat("xml");
  EXPECT_THAT(format, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(format.status().message()), HasSubstr("expected text or json"));
}

TEST(LoggerOptionsTest, RejectsNullOutput) {
  LoggerOptions options;
  EXPECT_THAT(options.Validate(), IsOk());
  options.out = nullptr;
  EXPECT_THAT(options.Validate(), StatusIs(absl::StatusCode::kInvalidArgument));
  Logger logger(options);
  logger.Error("process", "dropped, not a crash");
}

TEST(JsonEscapeTest, EscapesControlCharactersAsUnicode) {
  EXPECT_EQ(JsonEscape(std::string("a\x01"
                                   "b\x1f",
                                   4)),
            "a\\u0001b\\u001f");
  EXPECT_EQ(JsonEscape("\b\f\r"), "\\b\\f\\r");
  EXPECT_EQ(JsonEscape("plain é"), "plain é");
}

}  // namespace
}  // namespace newsflow::observability
