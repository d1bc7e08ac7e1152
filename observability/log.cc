#include "observability/log.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/utf8.h"

namespace newsflow::observability {
namespace {

constexpr std::string_view kTextLevelNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
constexpr std::string_view kJsonLevelNames[] = {"debug", "info", "warn", "error"};

// Appends a quoted text-format value's contents to `out`: control characters, \ and " are
// escaped C-style, so the line stays one line and the quotes stay balanced.
void AppendTextEscaped(std::string_view text, std::string* out) {
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      default:
        if (u < 0x20 || u == 0x7f) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\x%02x", u);
          *out += buffer;
        } else {
          *out += c;
        }
    }
  }
}

// A text-format value is quoted when it is empty or holds anything but "safe" characters.
bool NeedsQuotes(std::string_view value) {
  if (value.empty()) return true;
  for (const char c : value) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '"' || c == '=' || c == '\\') return true;
  }
  return false;
}

void AppendMessageText(std::string_view text, std::string* out) {
  // Only line breaks and control characters are escaped in the message; quotes and
  // backslashes stay readable.
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '\n') {
      *out += "\\n";
    } else if (c == '\r') {
      *out += "\\r";
    } else if (c == '\t') {
      *out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\x%02x", u);
      *out += buffer;
    } else {
      *out += c;
    }
  }
}

void AppendJsonString(std::string_view text, std::string* out) {
  *out += '"';
  *out += JsonEscape(text);
  *out += '"';
}

bool IsReservedJsonKey(std::string_view key) {
  return key == "ts" || key == "level" || key == "component" || key == "msg";
}

}  // namespace

absl::StatusOr<LogLevel> ParseLogLevel(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "debug") return LogLevel::kDebug;
  if (lower == "info") return LogLevel::kInfo;
  if (lower == "warn" || lower == "warning") return LogLevel::kWarn;
  if (lower == "error") return LogLevel::kError;
  return absl::InvalidArgumentError(absl::StrCat("unknown log level \"", std::string(text),
                                                 "\" (expected debug, info, warn or error)"));
}

absl::StatusOr<LogFormat> ParseLogFormat(std::string_view text) {
  const std::string lower = absl::AsciiStrToLower(std::string(text));
  if (lower == "text") return LogFormat::kText;
  if (lower == "json") return LogFormat::kJson;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown log format \"", std::string(text), "\" (expected text or json)"));
}

std::string_view LogLevelName(LogLevel level) { return kJsonLevelNames[static_cast<int>(level)]; }

std::string_view LogFormatName(LogFormat format) {
  return format == LogFormat::kJson ? "json" : "text";
}

LogField::LogField(std::string_view key, bool value) : key_(key) {
  const char* text = value ? "true" : "false";
  literal_length_ = static_cast<uint8_t>(std::strlen(text));
  std::memcpy(literal_, text, literal_length_);
}

LogField::LogField(std::string_view key, double value) : key_(key) {
  if (!std::isfinite(value)) {
    // JSON has no NaN or infinities: such values are written as strings.
    owned_ = std::isnan(value) ? "NaN" : (value > 0 ? "+Inf" : "-Inf");
    use_owned_ = true;
    return;
  }
  const std::to_chars_result result = std::to_chars(literal_, literal_ + sizeof(literal_), value);
  literal_length_ = static_cast<uint8_t>(result.ptr - literal_);
}

LogField::LogField(std::string_view key, absl::Duration value)
    : key_(key), owned_(absl::FormatDuration(value)), use_owned_(true) {}

LogField::LogField(std::string_view key, const absl::Status& status)
    : key_(key), owned_(status.ToString()), use_owned_(true) {}

void LogField::SetSigned(int64_t value) {
  const std::to_chars_result result = std::to_chars(literal_, literal_ + sizeof(literal_), value);
  literal_length_ = static_cast<uint8_t>(result.ptr - literal_);
}

void LogField::SetUnsigned(uint64_t value) {
  const std::to_chars_result result = std::to_chars(literal_, literal_ + sizeof(literal_), value);
  literal_length_ = static_cast<uint8_t>(result.ptr - literal_);
}

std::string_view LogField::value() const {
  if (literal_length_ > 0) return std::string_view(literal_, literal_length_);
  if (use_owned_) return owned_;
  return text_;
}

absl::Status LoggerOptions::Validate() const {
  if (out == nullptr) return absl::InvalidArgumentError("logger output stream must not be null");
  if (static_cast<int>(level) < 0 || static_cast<int>(level) > 3) {
    return absl::InvalidArgumentError("logger level out of range");
  }
  return absl::OkStatus();
}

Logger::Logger(LoggerOptions options)
    : options_(std::move(options)), level_(static_cast<int>(options_.level)) {}

std::string Logger::FormatLine(LogLevel level, std::string_view component, std::string_view message,
                               absl::Span<const LogField> fields) const {
  const absl::Time now = options_.clock ? options_.clock() : absl::Now();
  const std::string ts = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", now, absl::UTCTimeZone());
  std::string line;
  line.reserve(64 + message.size() + fields.size() * 24);
  const int level_index = static_cast<int>(level);
  if (options_.format == LogFormat::kJson) {
    absl::StrAppend(&line, "{\"ts\":\"", ts, "\",\"level\":\"",
                    std::string(kJsonLevelNames[level_index]), "\",\"component\":");
    AppendJsonString(component, &line);
    line += ",\"msg\":";
    AppendJsonString(message, &line);
    for (const LogField& field : fields) {
      line += ',';
      if (IsReservedJsonKey(field.key())) {
        AppendJsonString(absl::StrCat("field_", std::string(field.key())), &line);
      } else {
        AppendJsonString(field.key(), &line);
      }
      line += ':';
      if (field.is_literal()) {
        line += field.value();
      } else {
        AppendJsonString(field.value(), &line);
      }
    }
    line += "}\n";
    return line;
  }
  absl::StrAppend(&line, ts, " ", std::string(kTextLevelNames[level_index]), " ");
  AppendMessageText(component, &line);
  line += ": ";
  AppendMessageText(message, &line);
  for (const LogField& field : fields) {
    line += ' ';
    AppendMessageText(field.key(), &line);
    line += '=';
    if (NeedsQuotes(field.value())) {
      line += '"';
      AppendTextEscaped(field.value(), &line);
      line += '"';
    } else {
      line += field.value();
    }
  }
  line += '\n';
  return line;
}

void Logger::Log(LogLevel level, std::string_view component, std::string_view message,
                 absl::Span<const LogField> fields) {
  if (!Enabled(level) || options_.out == nullptr) return;
  const std::string line = FormatLine(level, component, message, fields);
  std::lock_guard<std::mutex> lock(write_mu_);
  options_.out->write(line.data(), static_cast<std::streamsize>(line.size()));
  options_.out->flush();
}

std::string JsonEscape(std::string_view text) {
  std::string repaired;
  if (!IsValidUtf8(text)) {
    repaired.assign(text.data(), text.size());
    RepairUtf8(&repaired);
    text = repaired;
  }
  std::string out;
  out.reserve(text.size() + 8);
  for (const char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (u < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", u);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out;
}

}  // namespace newsflow::observability
