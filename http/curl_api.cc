#include "http/curl_api.h"

#include <dlfcn.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace newsflow::http {
namespace {

// The sonames of libcurl's ABI 4: Debian's OpenSSL build (libcurl4), then its GnuTLS build
// (libcurl3-gnutls). The headers are the same for both.
constexpr const char* kLibraries[] = {"libcurl.so.4", "libcurl-gnutls.so.4"};

template <typename Function>
bool Bind(void* library, const char* name, Function* out, std::string* missing) {
  *out = reinterpret_cast<Function>(dlsym(library, name));
  if (*out == nullptr) absl::StrAppend(missing, missing->empty() ? "" : ", ", name);
  return *out != nullptr;
}

absl::StatusOr<const CurlApi*> Open() {
  void* library = nullptr;
  std::string errors;
  for (const char* name : kLibraries) {
    library = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (library != nullptr) break;
    const char* error = dlerror();
    absl::StrAppend(&errors, errors.empty() ? "" : "; ", error != nullptr ? error : name);
  }
  if (library == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "HTTP needs libcurl, which could not be opened (", errors,
        "); install it with `apt-get install libcurl4`"));
  }
  auto* api = new CurlApi;  // lives as long as the process, like the library
  std::string missing;
  Bind(library, "curl_easy_init", &api->easy_init, &missing);
  Bind(library, "curl_easy_setopt", &api->easy_setopt, &missing);
  Bind(library, "curl_easy_perform", &api->easy_perform, &missing);
  Bind(library, "curl_easy_getinfo", &api->easy_getinfo, &missing);
  Bind(library, "curl_easy_reset", &api->easy_reset, &missing);
  Bind(library, "curl_easy_cleanup", &api->easy_cleanup, &missing);
  Bind(library, "curl_easy_strerror", &api->easy_strerror, &missing);
  Bind(library, "curl_slist_append", &api->slist_append, &missing);
  Bind(library, "curl_slist_free_all", &api->slist_free_all, &missing);
  Bind(library, "curl_share_init", &api->share_init, &missing);
  Bind(library, "curl_share_setopt", &api->share_setopt, &missing);
  Bind(library, "curl_share_cleanup", &api->share_cleanup, &missing);
  Bind(library, "curl_url", &api->url, &missing);
  Bind(library, "curl_url_set", &api->url_set, &missing);
  Bind(library, "curl_url_get", &api->url_get, &missing);
  Bind(library, "curl_url_cleanup", &api->url_cleanup, &missing);
  Bind(library, "curl_free", &api->free, &missing);
  Bind(library, "curl_version", &api->version, &missing);
  decltype(&::curl_global_init) global_init = nullptr;
  Bind(library, "curl_global_init", &global_init, &missing);
  if (!missing.empty()) {
    delete api;
    return absl::FailedPreconditionError(absl::StrCat(
        "the libcurl found lacks ", missing, "; newsflow needs libcurl 7.62 or later"));
  }
  if (const CURLcode code = global_init(CURL_GLOBAL_DEFAULT); code != CURLE_OK) {
    delete api;
    return absl::InternalError(absl::StrCat("curl_global_init failed (code ", code, ")"));
  }
  return api;
}

}  // namespace

absl::StatusOr<const CurlApi*> Curl() {
  static const auto* const api = new absl::StatusOr<const CurlApi*>(Open());
  return *api;
}

}  // namespace newsflow::http
