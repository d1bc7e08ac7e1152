// Leveled logger for the services: one line per event, as text
// (`2026-11-28T06:30:00.123Z INFO process: message key=value ...`) or as JSON
// (`{"ts":"...","level":"info","component":"process","msg":"...","key":"value"}`).
// Thread-safe: each line is formatted outside the lock and written under a mutex.
#ifndef NEWSFLOW_OBSERVABILITY_LOG_H_
#define NEWSFLOW_OBSERVABILITY_LOG_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iostream>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace newsflow::observability {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kText, kJson };

// "debug", "info", "warn" (or "warning"), "error"; case-insensitive.
absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text);
// "text" or "json"; case-insensitive.
absl::StatusOr<LogFormat> ParseLogFormat(std::string_view text);
// "debug", "info", "warn", "error" / "text", "json".
std::string_view LogLevelName(LogLevel level);
std::string_view LogFormatName(LogFormat format);

// One key/value pair of an event. Strings are referenced, not copied (the field must not
// outlive the value, which holds for the braced lists passed to Logger calls); numbers and
// booleans are formatted into the field and rendered unquoted in JSON; a Status renders as
// its ToString().
class LogField {
 public:
  LogField(std::string_view key, std::string_view value) : key_(key), text_(value) {}
  LogField(std::string_view key, const char* value) : key_(key), text_(value) {}
  LogField(std::string_view key, const std::string& value) : key_(key), text_(value) {}
  LogField(std::string_view key, bool value);
  template <typename T, std::enable_if_t<std::is_integral_v<T> && !std::is_same_v<T, bool> &&
                                             !std::is_same_v<T, char>,
                                         int> = 0>
  LogField(std::string_view key, T value) : key_(key) {
    if constexpr (std::is_signed_v<T>) {
      SetSigned(value);
    } else {
      SetUnsigned(value);
    }
  }
  LogField(std::string_view key, double value);
  LogField(std::string_view key, absl::Duration value);
  LogField(std::string_view key, const absl::Status& status);

  std::string_view key() const { return key_; }
  std::string_view value() const;
  // True for finite numbers and booleans, written without quotes in JSON.
  bool is_literal() const { return literal_length_ > 0; }

 private:
  void SetSigned(int64_t value);
  void SetUnsigned(uint64_t value);

  std::string_view key_;
  std::string_view text_;  // string values (referenced)
  std::string owned_;      // Status and Duration text
  bool use_owned_ = false;
  char literal_[32];  // formatted numbers and booleans
  uint8_t literal_length_ = 0;
};

struct LoggerOptions {
  // Events below this level are dropped (one relaxed atomic load). Default kInfo.
  LogLevel level = LogLevel::kInfo;
  // Line format. Default kText.
  LogFormat format = LogFormat::kText;
  // Where lines go; must outlive the Logger; flushed after every line. Default std::cerr.
  std::ostream* out = &std::cerr;
  // Timestamp source; tests inject a fixed time. Default (empty) absl::Now.
  std::function<absl::Time()> clock;

  absl::Status Validate() const;
};

// Writes events. Thread-safe. Construct with validated options (an invalid `out` makes
// every call a no-op rather than a crash).
class Logger {
 public:
  explicit Logger(LoggerOptions options = {});
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  // True when an event at `level` would be written; check it before building expensive
  // fields for debug events.
  bool Enabled(LogLevel level) const {
    return static_cast<int>(level) >= level_.load(std::memory_order_relaxed);
  }
  void set_level(LogLevel level) {
    level_.store(static_cast<int>(level), std::memory_order_relaxed);
  }
  LogLevel level() const { return static_cast<LogLevel>(level_.load(std::memory_order_relaxed)); }

  // `component` names the part of the program (e.g. "process", "kafka"); `message` is a
  // short human sentence; `fields` are appended in order. Field keys "ts", "level",
  // "component" and "msg" are written as "field_ts" etc. in JSON so they never collide.
  void Log(LogLevel level, std::string_view component, std::string_view message,
           absl::Span<const LogField> fields = {});
  void Debug(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields = {}) {
    if (Enabled(LogLevel::kDebug)) Log(LogLevel::kDebug, component, message, fields);
  }
  void Info(std::string_view component, std::string_view message,
            std::initializer_list<LogField> fields = {}) {
    if (Enabled(LogLevel::kInfo)) Log(LogLevel::kInfo, component, message, fields);
  }
  void Warn(std::string_view component, std::string_view message,
            std::initializer_list<LogField> fields = {}) {
    if (Enabled(LogLevel::kWarn)) Log(LogLevel::kWarn, component, message, fields);
  }
  void Error(std::string_view component, std::string_view message,
             std::initializer_list<LogField> fields = {}) {
    if (Enabled(LogLevel::kError)) Log(LogLevel::kError, component, message, fields);
  }

  // The line (with trailing newline) that Log would write, without the level check.
  std::string FormatLine(LogLevel level, std::string_view component, std::string_view message,
                         absl::Span<const LogField> fields) const;

 private:
  const LoggerOptions options_;
  std::atomic<int> level_;
  std::mutex write_mu_;
};

// Escapes `text` as the contents of a JSON string (no surrounding quotes): ", \, and control
// characters are escaped (\n, \t, \u001f ...); invalid UTF-8 becomes U+FFFD so the line is
// always valid JSON.
std::string JsonEscape(std::string_view text);

}  // namespace newsflow::observability

#endif  // NEWSFLOW_OBSERVABILITY_LOG_H_
