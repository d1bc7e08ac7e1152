// `--warc-host`: which hosts an import keeps. A rule is a host name; a page's host matches
// it when equal, or when the rule is a registrable domain (per the Public Suffix List,
// libpsl) and the page's host is under it ("bbc.co.uk" keeps "www.bbc.co.uk" but not
// "bbc.co.uk.evil.example" or "notbbc.co.uk"). Never a substring match.
#ifndef NEWSFLOW_INGEST_HOST_FILTER_H_
#define NEWSFLOW_INGEST_HOST_FILTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"

namespace newsflow::ingest {

class HostFilter {
 public:
  // Rules as given (case and a trailing dot do not matter); empty = every host passes.
  explicit HostFilter(const std::vector<std::string>& rules);
  // One rule per line of `path`; '#' starts a comment.
  static absl::StatusOr<std::vector<std::string>> ReadRuleFile(const std::string& path);

  bool empty() const { return exact_.empty() && domains_.empty(); }
  // Whether the host of `url` passes.
  bool Matches(std::string_view url) const;

 private:
  absl::flat_hash_set<std::string> exact_;    // rules that are not registrable domains
  absl::flat_hash_set<std::string> domains_;  // rules that are registrable domains
};

// The host of an http(s) URL, lower-cased, without port and trailing dot; empty if none.
std::string HostOf(std::string_view url);

// The registrable domain of `host` ("news.bbc.co.uk" -> "bbc.co.uk") per the Public Suffix
// List; empty when it has none (an IP address, a bare suffix).
std::string RegistrableDomain(const std::string& host);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_HOST_FILTER_H_
