// HTTP GET for the poller, through libcurl: conditional requests (If-None-Match,
// If-Modified-Since), gzip and deflate accepted and decoded, a size cap, timeouts, our
// User-Agent, and no redirects followed here (the poller follows them itself, so that
// robots.txt and the per-host delay apply to every hop). One Fetcher per thread.
#ifndef NEWSFLOW_INGEST_FETCHER_H_
#define NEWSFLOW_INGEST_FETCHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace newsflow::ingest {

struct FetchOptions {
  // User-Agent header. Default "newsflow/<version> (+https://...)".
  std::string user_agent = "newsflow/" NEWSFLOW_VERSION;
  // Whole request, connection included. Default 20 s.
  int timeout_ms = 20000;
  // Connecting alone. Default 5 s.
  int connect_timeout_ms = 5000;
  // Bodies larger than this are cut off and the fetch fails. Default 8 MiB.
  size_t max_body_bytes = 8 << 20;
};

struct FetchRequest {
  std::string url;
  std::string etag;           // sent as If-None-Match when set
  std::string last_modified;  // sent as If-Modified-Since when set
};

struct FetchResponse {
  int status = 0;           // HTTP status; 0 when no answer came (see error)
  std::string body;         // decoded (Content-Encoding undone)
  std::string content_type;
  std::string etag;
  std::string last_modified;
  std::string location;     // for 3xx, resolved against the request URL
  std::string cache_control;
  std::string retry_after;  // as sent ("120" or an HTTP date)
  int64_t elapsed_ms = 0;
  int64_t wire_bytes = 0;   // bytes received (compressed), for metrics
  absl::Status error;       // DNS failure, refused, timeout, too large, ...
};

// Connections and DNS answers shared by several Fetchers (one per thread): a host's requests,
// whichever thread runs them, reuse one kept-alive connection instead of opening one per
// thread. Thread-safe.
class ConnectionShare {
 public:
  ConnectionShare();
  ~ConnectionShare();
  ConnectionShare(const ConnectionShare&) = delete;
  ConnectionShare& operator=(const ConnectionShare&) = delete;
  void* handle() const { return share_; }

 private:
  void* share_ = nullptr;  // CURLSH
  std::mutex locks_[8];    // per curl_lock_data
  friend struct ShareLocking;
};

class Fetcher {
 public:
  // `share` (may be null) must outlive the Fetcher.
  explicit Fetcher(FetchOptions options, ConnectionShare* share = nullptr);
  ~Fetcher();
  Fetcher(const Fetcher&) = delete;
  Fetcher& operator=(const Fetcher&) = delete;

  // `max_body_bytes` 0 = FetchOptions::max_body_bytes.
  FetchResponse Get(const FetchRequest& request, size_t max_body_bytes = 0);

 private:
  struct Handle;
  FetchOptions options_;
  ConnectionShare* share_;
  std::unique_ptr<Handle> handle_;
};

// `reference` (absolute, or relative to `base`) as an absolute URL; empty when it cannot be
// one (a bad base, javascript:, mailto:).
std::string ResolveUrl(std::string_view base, std::string_view reference);

// "scheme://host:port" of an http(s) URL, the unit of politeness and robots.txt; empty when
// the URL has none.
std::string Origin(std::string_view url);

// Seconds to wait from a Retry-After value (seconds, or an HTTP date relative to `now_ms`);
// -1 when unreadable.
int64_t RetryAfterSeconds(std::string_view value, int64_t now_ms);
// max-age of a Cache-Control value in seconds; -1 when absent.
int64_t MaxAgeSeconds(std::string_view cache_control);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_FETCHER_H_
