#include "ingest/fetcher.h"

#include <algorithm>
#include <charconv>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/string_util.h"
#include "http/curl_api.h"

namespace newsflow::ingest {
namespace {

// libcurl, or null when it cannot be opened (then Get reports why, and URLs do not resolve).
const http::CurlApi* Api() {
  const absl::StatusOr<const http::CurlApi*> api = http::Curl();
  return api.ok() ? *api : nullptr;
}

struct Transfer {
  FetchResponse* response;
  size_t max_bytes;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t n = size * count;
  if (transfer->response->body.size() + n > transfer->max_bytes) {
    transfer->too_large = true;
    return 0;  // aborts the transfer
  }
  transfer->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<Transfer*>(user)->response;
  const size_t n = size * count;
  std::string_view line(data, n);
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    if (StartsWith(line, "HTTP/")) {  // a new response (after 100 Continue): start over
      response->etag.clear();
      response->last_modified.clear();
      response->cache_control.clear();
      response->retry_after.clear();
    }
    return n;
  }
  const std::string name = AsciiLower(StripWhitespace(line.substr(0, colon)));
  const std::string value(StripWhitespace(line.substr(colon + 1)));
  if (name == "etag") response->etag = value;
  if (name == "last-modified") response->last_modified = value;
  if (name == "cache-control") response->cache_control = value;
  if (name == "retry-after") response->retry_after = value;
  return n;
}

}  // namespace

struct ShareLocking {
  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<ConnectionShare*>(user)->locks_[static_cast<int>(data) % 8].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) {
    static_cast<ConnectionShare*>(user)->locks_[static_cast<int>(data) % 8].unlock();
  }
};

ConnectionShare::ConnectionShare() {
  const http::CurlApi* api = Api();
  if (api == nullptr) return;
  CURLSH* share = api->share_init();
  using LockFunction = void (*)(CURL*, curl_lock_data, curl_lock_access, void*);
  using UnlockFunction = void (*)(CURL*, curl_lock_data, void*);
  api->share_setopt(share, CURLSHOPT_LOCKFUNC, static_cast<LockFunction>(&ShareLocking::Lock));
  api->share_setopt(share, CURLSHOPT_UNLOCKFUNC,
                    static_cast<UnlockFunction>(&ShareLocking::Unlock));
  api->share_setopt(share, CURLSHOPT_USERDATA, this);
  api->share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
  api->share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  api->share_setopt(share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  share_ = share;
}

ConnectionShare::~ConnectionShare() {
  if (share_ != nullptr) Api()->share_cleanup(static_cast<CURLSH*>(share_));
}

struct Fetcher::Handle {
  const http::CurlApi* api = nullptr;
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) api->easy_cleanup(curl);
  }
};

Fetcher::Fetcher(FetchOptions options, ConnectionShare* share)
    : options_(std::move(options)), share_(share), handle_(new Handle) {
  handle_->api = Api();
  if (handle_->api != nullptr) handle_->curl = handle_->api->easy_init();
}

Fetcher::~Fetcher() = default;

FetchResponse Fetcher::Get(const FetchRequest& request, size_t max_body_bytes) {
  if (max_body_bytes == 0) max_body_bytes = options_.max_body_bytes;
  FetchResponse response;
  CURL* curl = handle_->curl;
  if (curl == nullptr) {
    const absl::StatusOr<const http::CurlApi*> api = http::Curl();
    response.error = api.ok() ? absl::InternalError("libcurl could not be initialized")
                              : api.status();
    return response;
  }
  const http::CurlApi& api = *handle_->api;
  api.easy_reset(curl);  // keeps the connection cache
  Transfer transfer{&response, max_body_bytes};
  curl_slist* headers = nullptr;
  if (!request.etag.empty()) {
    headers = api.slist_append(headers, absl::StrCat("If-None-Match: ", request.etag).c_str());
  }
  if (!request.last_modified.empty()) {
    headers = api.slist_append(
        headers, absl::StrCat("If-Modified-Since: ", request.last_modified).c_str());
  }
  if (share_ != nullptr) api.easy_setopt(curl, CURLOPT_SHARE, share_->handle());
  api.easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  api.easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  api.easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  api.easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
  api.easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  api.easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  api.easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(max_body_bytes));
  api.easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  api.easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
  api.easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  api.easy_setopt(curl, CURLOPT_HEADERDATA, &transfer);
  if (headers != nullptr) api.easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  const CURLcode code = api.easy_perform(curl);
  if (headers != nullptr) api.slist_free_all(headers);

  long status = 0;
  api.easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  const char* type = nullptr;
  api.easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &type);
  if (type != nullptr) response.content_type = type;
  const char* location = nullptr;
  api.easy_getinfo(curl, CURLINFO_REDIRECT_URL, &location);
  if (location != nullptr) response.location = location;
  double seconds = 0;
  api.easy_getinfo(curl, CURLINFO_TOTAL_TIME, &seconds);
  response.elapsed_ms = static_cast<int64_t>(seconds * 1000);
  curl_off_t downloaded = 0;
  api.easy_getinfo(curl, CURLINFO_SIZE_DOWNLOAD_T, &downloaded);
  response.wire_bytes = static_cast<int64_t>(downloaded);
  if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
    response.error = absl::ResourceExhaustedError(
        absl::StrCat("larger than ", max_body_bytes, " bytes"));
  } else if (code != CURLE_OK) {
    response.error = absl::UnavailableError(api.easy_strerror(code));
  }
  return response;
}

std::string ResolveUrl(std::string_view base, std::string_view reference) {
  const http::CurlApi* api = Api();
  if (api == nullptr) return "";
  const std::string ref(StripWhitespace(reference));
  if (ref.empty()) return "";
  CURLU* url = api->url();
  std::string out;
  if ((base.empty() ||
       api->url_set(url, CURLUPART_URL, std::string(base).c_str(), 0) == CURLUE_OK) &&
      api->url_set(url, CURLUPART_URL, ref.c_str(), CURLU_NON_SUPPORT_SCHEME) == CURLUE_OK) {
    char* scheme = nullptr;
    if (api->url_get(url, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        (std::string_view(scheme) == "http" || std::string_view(scheme) == "https")) {
      char* full = nullptr;
      if (api->url_get(url, CURLUPART_URL, &full, 0) == CURLUE_OK) {
        out = full;
        api->free(full);
      }
    }
    api->free(scheme);
  }
  api->url_cleanup(url);
  return out;
}

std::string Origin(std::string_view url) {
  const http::CurlApi* api = Api();
  if (api == nullptr) return "";
  CURLU* handle = api->url();
  std::string out;
  if (api->url_set(handle, CURLUPART_URL, std::string(url).c_str(), 0) == CURLUE_OK) {
    char* scheme = nullptr;
    char* host = nullptr;
    char* port = nullptr;
    if (api->url_get(handle, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        api->url_get(handle, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
        api->url_get(handle, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
      out = absl::StrCat(scheme, "://", AsciiLower(host), ":", port);
    }
    api->free(scheme);
    api->free(host);
    api->free(port);
  }
  api->url_cleanup(handle);
  return out;
}

int64_t RetryAfterSeconds(std::string_view value, int64_t now_ms) {
  value = StripWhitespace(value);
  if (value.empty()) return -1;
  int64_t seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error == std::errc() && end == value.data() + value.size()) return std::max<int64_t>(0, seconds);
  absl::Time time;
  std::string parse_error;
  if (absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", std::string(value), &time, &parse_error)) {
    return std::max<int64_t>(0, (absl::ToUnixMillis(time) - now_ms) / 1000);
  }
  return -1;
}

int64_t MaxAgeSeconds(std::string_view cache_control) {
  const std::string lower = AsciiLower(cache_control);
  const size_t at = lower.find("max-age=");
  if (at == std::string::npos) return -1;
  int64_t seconds = 0;
  const char* start = lower.data() + at + 8;
  const auto [end, error] = std::from_chars(start, lower.data() + lower.size(), seconds);
  return error == std::errc() && end != start ? seconds : -1;
}

}  // namespace newsflow::ingest
