#include "ingest/sources.h"

#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/string_util.h"

namespace newsflow::ingest {
namespace {

absl::Status CheckUrl(const std::string& url, const std::string& where) {
  if (!StartsWith(url, "http://") && !StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": '", url, "' is not an http:// or https:// URL"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::vector<PollSource>> ReadSources(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the sources file ", path));
  std::stringstream text;
  text << in.rdbuf();
  const std::string content = text.str();
  std::vector<PollSource> sources;
  if (Contains(content, "[[source]]")) {
    toml::table table;
    try {
      table = toml::parse(content, path);
    } catch (const toml::parse_error& error) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", error.source().begin.line, ": ",
                                                     std::string(error.description())));
    }
    const toml::array* list = table["source"].as_array();
    if (list == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, ": no [[source]]"));
    for (const toml::node& node : *list) {
      const toml::table* entry = node.as_table();
      const std::string where = absl::StrCat(path, ":", node.source().begin.line);
      if (entry == nullptr) return absl::InvalidArgumentError(absl::StrCat(where, ": not a table"));
      for (auto&& [key, value] : *entry) {
        const std::string_view name = key.str();
        if (name != "url" && name != "interval" && name != "language" && name != "source") {
          return absl::InvalidArgumentError(absl::StrCat(
              where, ": unknown key '", std::string(name),
              "' (a [[source]] has url, and optionally interval, language, source)"));
        }
      }
      PollSource source;
      source.url = (*entry)["url"].value_or(std::string());
      if (source.url.empty()) return absl::InvalidArgumentError(absl::StrCat(where, ": no url"));
      // interval: seconds, or a duration such as "15m" or "1h30m".
      if (const toml::node* interval = entry->get("interval"); interval != nullptr) {
        if (auto seconds = interval->value<int64_t>(); seconds.has_value()) {
          source.interval_s = *seconds;
        } else if (auto text = interval->value<std::string>(); text.has_value()) {
          absl::Duration duration;
          if (!absl::ParseDuration(*text, &duration)) {
            return absl::InvalidArgumentError(absl::StrCat(
                where, ": interval '", *text, "' is neither seconds nor a duration like 15m"));
          }
          source.interval_s = absl::ToInt64Seconds(duration);
        } else {
          return absl::InvalidArgumentError(
              absl::StrCat(where, ": interval must be seconds or a duration like \"15m\""));
        }
        if (source.interval_s < 1) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": interval must be positive"));
        }
      }
      for (const char* key : {"url", "language", "source"}) {
        const toml::node* value = entry->get(key);
        if (value != nullptr && !value->is_string()) {
          return absl::InvalidArgumentError(absl::StrCat(where, ": ", key, " must be a string"));
        }
      }
      source.language = (*entry)["language"].value_or(std::string());
      source.name = (*entry)["source"].value_or(std::string());
      if (auto s = CheckUrl(source.url, where); !s.ok()) return s;
      sources.push_back(std::move(source));
    }
  } else {
    std::istringstream lines(content);
    std::string line;
    int number = 0;
    while (std::getline(lines, line)) {
      ++number;
      // '#' starts a comment at the start of a line or after a space: a URL may hold one.
      size_t comment = line.find('#');
      while (comment != std::string::npos && comment > 0 && line[comment - 1] != ' ' &&
             line[comment - 1] != '\t') {
        comment = line.find('#', comment + 1);
      }
      const std::string url(StripWhitespace(std::string_view(line).substr(0, comment)));
      if (url.empty()) continue;
      if (auto s = CheckUrl(url, absl::StrCat(path, ":", number)); !s.ok()) return s;
      PollSource source;
      source.url = url;
      sources.push_back(std::move(source));
    }
  }
  std::set<std::string> seen;
  for (const PollSource& source : sources) {
    if (!seen.insert(source.url).second) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": ", source.url, " is listed twice"));
    }
  }
  if (sources.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no sources"));
  return sources;
}

}  // namespace newsflow::ingest
