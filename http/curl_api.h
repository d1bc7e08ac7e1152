// libcurl, opened on first use instead of linked. Linking it made every newsflow command pay
// for its closure (TLS, LDAP, Kerberos, RTMP, SSH: 36 shared objects, ~5 ms of CPU at each
// start) although only `poll`, the Schema Registry client and the feed readers' URL
// resolution speak HTTP. The headers still come from libcurl's -dev package; the library is
// opened with dlopen the first time an HTTP feature asks for it.
#ifndef NEWSFLOW_HTTP_CURL_API_H_
#define NEWSFLOW_HTTP_CURL_API_H_

#include <curl/curl.h>

#include "absl/status/statusor.h"

namespace newsflow::http {

// The libcurl functions newsflow calls, with libcurl's own signatures. Call them as
// `api->easy_setopt(curl, CURLOPT_URL, url)`; curl.h's compile-time option checks do not
// apply to calls through these pointers, so pass the documented argument types.
struct CurlApi {
  decltype(&::curl_easy_init) easy_init = nullptr;
  decltype(&::curl_easy_setopt) easy_setopt = nullptr;
  decltype(&::curl_easy_perform) easy_perform = nullptr;
  decltype(&::curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&::curl_easy_reset) easy_reset = nullptr;
  decltype(&::curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&::curl_easy_strerror) easy_strerror = nullptr;
  decltype(&::curl_slist_append) slist_append = nullptr;
  decltype(&::curl_slist_free_all) slist_free_all = nullptr;
  decltype(&::curl_share_init) share_init = nullptr;
  decltype(&::curl_share_setopt) share_setopt = nullptr;
  decltype(&::curl_share_cleanup) share_cleanup = nullptr;
  decltype(&::curl_url) url = nullptr;
  decltype(&::curl_url_set) url_set = nullptr;
  decltype(&::curl_url_get) url_get = nullptr;
  decltype(&::curl_url_cleanup) url_cleanup = nullptr;
  decltype(&::curl_free) free = nullptr;
  decltype(&::curl_version) version = nullptr;
};

// Opens libcurl (libcurl.so.4, else libcurl-gnutls.so.4) and runs curl_global_init, once per
// process; thread-safe. The answer, an error included, is the same for every later call. The
// error names the library and the Debian package that provides it.
absl::StatusOr<const CurlApi*> Curl();

}  // namespace newsflow::http

#endif  // NEWSFLOW_HTTP_CURL_API_H_
