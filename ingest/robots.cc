#include "ingest/robots.h"

#include <algorithm>

#include "common/string_util.h"

namespace newsflow::ingest {
namespace {

constexpr size_t kMaxRobotsBytes = 500 * 1024;

// Percent-encoding made comparable: hex digits upper-cased, and unreserved characters that
// were encoded decoded ("%7E" is "~", "%2f" stays "%2F").
std::string NormalizedPath(std::string_view path) {
  std::string out;
  out.reserve(path.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && hex(path[i + 1]) >= 0 && hex(path[i + 2]) >= 0) {
      const char decoded = static_cast<char>(hex(path[i + 1]) * 16 + hex(path[i + 2]));
      const bool unreserved = std::isalnum(static_cast<unsigned char>(decoded)) ||
                              decoded == '-' || decoded == '.' || decoded == '_' || decoded == '~';
      if (unreserved) {
        out += decoded;
      } else {
        out += '%';
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 1])));
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(path[i + 2])));
      }
      i += 2;
    } else {
      out += path[i];
    }
  }
  return out;
}

// Whether `pattern` (with "*" for any sequence and a final "$" for the end) matches `path`
// from its start.
bool Matches(std::string_view pattern, std::string_view path) {
  const bool anchored = !pattern.empty() && pattern.back() == '$';
  if (anchored) pattern.remove_suffix(1);
  // Greedy with backtracking over the stars: patterns are short.
  size_t p = 0, s = 0, star = std::string_view::npos, mark = 0;
  while (s < path.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = s;
    } else if (p < pattern.size() && pattern[p] == path[s]) {
      ++p;
      ++s;
    } else if (p == pattern.size() && !anchored) {
      return true;  // the pattern is a prefix
    } else if (star != std::string_view::npos) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace

RobotsRules RobotsRules::AllowAll() { return RobotsRules(); }

RobotsRules RobotsRules::DisallowAll() {
  RobotsRules rules;
  rules.disallow_all_ = true;
  return rules;
}

RobotsRules RobotsRules::FromResponse(int status, std::string_view body,
                                      std::string_view product_token) {
  if (status >= 200 && status < 300) return Parse(body, product_token);
  // 4xx is "unavailable": crawl freely; but 429 asks us to slow down, so it counts as
  // "unreachable" like a 5xx (as Google does).
  if (status >= 400 && status < 500 && status != 429) return AllowAll();
  return DisallowAll();  // 5xx, 429, or no answer: "unreachable"
}

RobotsRules RobotsRules::Parse(std::string_view body, std::string_view product_token) {
  body = body.substr(0, kMaxRobotsBytes);
  if (body.substr(0, 3) == "\xEF\xBB\xBF") body.remove_prefix(3);
  const std::string token = AsciiLower(product_token);
  // Groups: user-agent lines, then rules. Rules of every group naming us are combined;
  // without one, those of "*".
  std::vector<Rule> ours, everyone;
  bool saw_ours = false;
  std::vector<std::string> agents;
  bool in_rules = false;
  RobotsRules rules;
  auto apply = [&](bool allow, std::string_view value) {
    const bool for_us = std::find(agents.begin(), agents.end(), token) != agents.end();
    const bool for_all = std::find(agents.begin(), agents.end(), "*") != agents.end();
    if (value.empty()) return;  // "Disallow:" with nothing allows everything: no rule
    Rule rule{allow, NormalizedPath(value)};
    if (for_us) ours.push_back(rule);
    if (for_all) everyone.push_back(rule);
  };
  size_t at = 0;
  while (at < body.size()) {
    size_t end = body.find_first_of("\r\n", at);
    if (end == std::string_view::npos) end = body.size();
    std::string_view line = body.substr(at, end - at);
    at = end + 1;
    line = line.substr(0, line.find('#'));
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string key = AsciiLower(StripWhitespace(line.substr(0, colon)));
    const std::string_view value = StripWhitespace(line.substr(colon + 1));
    if (key == "user-agent") {
      if (in_rules) {
        agents.clear();
        in_rules = false;
      }
      // The product token is the part before any "/" version.
      std::string agent = AsciiLower(value.substr(0, value.find('/')));
      if (agent == token) saw_ours = true;
      agents.push_back(std::move(agent));
    } else if (key == "allow" || key == "disallow") {
      in_rules = true;
      apply(key == "allow", value);
    } else if (key == "sitemap") {
      if (!value.empty()) rules.sitemaps_.emplace_back(value);
    }
  }
  rules.rules_ = saw_ours ? std::move(ours) : std::move(everyone);
  return rules;
}

bool RobotsRules::Allowed(std::string_view path) const {
  if (path == "/robots.txt") return true;
  if (disallow_all_) return false;
  const std::string normalized = NormalizedPath(path.empty() ? "/" : path);
  const Rule* best = nullptr;
  for (const Rule& rule : rules_) {
    if (!Matches(rule.pattern, normalized)) continue;
    if (best == nullptr || rule.pattern.size() > best->pattern.size() ||
        (rule.pattern.size() == best->pattern.size() && rule.allow)) {
      best = &rule;
    }
  }
  return best == nullptr || best->allow;
}

std::string PathAndQuery(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "/";
  std::string_view rest = url.substr(scheme + 3);
  const size_t slash = rest.find_first_of("/?");
  if (slash == std::string_view::npos) return "/";
  rest = rest.substr(slash);
  rest = rest.substr(0, rest.find('#'));
  if (!rest.empty() && rest.front() == '?') return "/" + std::string(rest);
  return std::string(rest);
}

}  // namespace newsflow::ingest
