#include "http/curl_api.h"

#include <dlfcn.h>

#include <string>

#include <gtest/gtest.h>

namespace newsflow::http {
namespace {

TEST(CurlApi, OpensLibcurlOnFirstUseOnly) {
  // Nothing in this test binary links libcurl, so it is not mapped until Curl() opens it.
  EXPECT_EQ(dlopen("libcurl.so.4", RTLD_NOW | RTLD_NOLOAD), nullptr);
  absl::StatusOr<const CurlApi*> api = Curl();
  ASSERT_TRUE(api.ok()) << api.status();
  EXPECT_NE(std::string((*api)->version()).find("libcurl/"), std::string::npos);
  EXPECT_EQ(*Curl(), *api);  // opened once
}

TEST(CurlApi, ParsesAUrlThroughTheLoadedLibrary) {
  absl::StatusOr<const CurlApi*> api = Curl();
  ASSERT_TRUE(api.ok()) << api.status();
  const CurlApi& curl = **api;
  CURLU* url = curl.url();
  ASSERT_EQ(curl.url_set(url, CURLUPART_URL, "https://Example.org:8443/a/../b?q=1", 0),
            CURLUE_OK);
  char* path = nullptr;
  ASSERT_EQ(curl.url_get(url, CURLUPART_PATH, &path, 0), CURLUE_OK);
  EXPECT_STREQ(path, "/b");
  curl.free(path);
  curl.url_cleanup(url);
}

}  // namespace
}  // namespace newsflow::http
