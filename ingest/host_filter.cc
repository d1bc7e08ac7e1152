#include "ingest/host_filter.h"

#include <libpsl.h>

#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/string_util.h"

namespace newsflow::ingest {
namespace {

std::string Normalized(std::string_view host) {
  std::string out = AsciiLower(StripWhitespace(host));
  while (!out.empty() && out.back() == '.') out.pop_back();
  return out;
}

}  // namespace

std::string HostOf(std::string_view url) {
  const size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view rest = url.substr(scheme + 3);
  rest = rest.substr(0, rest.find_first_of("/?#"));
  if (const size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
  if (!rest.empty() && rest.front() == '[') {  // IPv6 literal
    return Normalized(rest.substr(0, rest.find(']') + 1));
  }
  return Normalized(rest.substr(0, rest.find(':')));
}

std::string RegistrableDomain(const std::string& host) {
  if (host.empty()) return "";
  const char* domain = psl_registrable_domain(psl_builtin(), host.c_str());
  return domain == nullptr ? "" : std::string(domain);
}

HostFilter::HostFilter(const std::vector<std::string>& rules) {
  for (const std::string& rule : rules) {
    const std::string host = Normalized(rule);
    if (host.empty()) continue;
    if (RegistrableDomain(host) == host) {
      domains_.insert(host);
    } else {
      exact_.insert(host);
    }
  }
}

absl::StatusOr<std::vector<std::string>> HostFilter::ReadRuleFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the host file ", path));
  std::vector<std::string> rules;
  std::string line;
  while (std::getline(in, line)) {
    std::string_view rule = StripWhitespace(std::string_view(line).substr(0, line.find('#')));
    if (!rule.empty()) rules.emplace_back(rule);
  }
  return rules;
}

bool HostFilter::Matches(std::string_view url) const {
  if (empty()) return true;
  const std::string host = HostOf(url);
  if (host.empty()) return false;
  if (exact_.contains(host) || domains_.contains(host)) return true;
  if (domains_.empty()) return false;
  const std::string domain = RegistrableDomain(host);
  return !domain.empty() && domains_.contains(domain);
}

}  // namespace newsflow::ingest
