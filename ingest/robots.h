// robots.txt as RFC 9309 reads it: the groups for our product token (else "*"), the longest
// matching Allow/Disallow rule deciding (Allow on a tie), "*" and "$" in patterns, and the
// status of the fetch: 4xx means everything is allowed, 5xx or no answer means nothing is.
// Also the Sitemap: lines, which the poller follows. Pure: no I/O.
#ifndef NEWSFLOW_INGEST_ROBOTS_H_
#define NEWSFLOW_INGEST_ROBOTS_H_

#include <string>
#include <string_view>
#include <vector>

namespace newsflow::ingest {

class RobotsRules {
 public:
  // Everything allowed (no robots.txt: a 4xx answer).
  static RobotsRules AllowAll();
  // Nothing allowed (a 5xx answer, or none at all).
  static RobotsRules DisallowAll();
  // The rules of `body` for `product_token` (e.g. "newsflow"; case-insensitive). Only the
  // first 500 KiB are read, as the RFC allows.
  static RobotsRules Parse(std::string_view body, std::string_view product_token);
  // The rules for a fetch that answered `status` with `body`.
  static RobotsRules FromResponse(int status, std::string_view body,
                                  std::string_view product_token);

  // Whether `path` (the URL's path and query, e.g. "/news/a?x=1") may be fetched.
  bool Allowed(std::string_view path) const;
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }

 private:
  struct Rule {
    bool allow = false;
    std::string pattern;  // percent-encoding normalized
  };
  std::vector<Rule> rules_;
  std::vector<std::string> sitemaps_;
  bool disallow_all_ = false;
};

// The path and query of an http(s) URL ("/" when empty), for Allowed().
std::string PathAndQuery(std::string_view url);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_ROBOTS_H_
