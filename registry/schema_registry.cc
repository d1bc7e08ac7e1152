// Schema Registry client (see schema_registry.h).
#include "registry/schema_registry.h"

#include <cctype>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "http/curl_api.h"

namespace newsflow::registry {
namespace {

size_t Collect(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  if (body->size() > (1 << 20)) return 0;  // a registry answer is small; refuse a flood
  body->append(data, size * count);
  return size * count;
}

// Subjects may hold '/', '.', ... (RecordNameStrategy): escape them for the path.
std::string EscapePathSegment(const std::string& segment) {
  std::string out;
  for (unsigned char c : segment) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&out, "%", absl::Hex(c, absl::kZeroPad2));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<SubjectNameStrategy> ParseSubjectNameStrategy(const std::string& name) {
  if (name == "topic") return SubjectNameStrategy::kTopic;
  if (name == "record") return SubjectNameStrategy::kRecord;
  if (name == "topic-record") return SubjectNameStrategy::kTopicRecord;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown subject name strategy '", name, "' (topic, record or topic-record)"));
}

std::string SubjectName(SubjectNameStrategy strategy, const std::string& topic,
                        const std::string& full_name) {
  switch (strategy) {
    case SubjectNameStrategy::kRecord:
      return full_name;
    case SubjectNameStrategy::kTopicRecord:
      return absl::StrCat(topic, "-", full_name);
    case SubjectNameStrategy::kTopic:
      break;
  }
  return absl::StrCat(topic, "-value");
}

absl::Status SchemaRegistryOptions::Validate() const {
  if (url.empty()) return absl::InvalidArgumentError("the Schema Registry URL is empty");
  if (!absl::StartsWith(url, "http://") && !absl::StartsWith(url, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("the Schema Registry URL must start with http:// or https:// (got '", url,
                     "')"));
  }
  if (timeout_ms <= 0) return absl::InvalidArgumentError("schema registry timeout must be positive");
  if (!basic_auth_user_info.empty() && basic_auth_user_info.find(':') == std::string::npos) {
    return absl::InvalidArgumentError("schema registry basic auth must be USER:PASSWORD");
  }
  return absl::OkStatus();
}

SchemaRegistryClient::SchemaRegistryClient(SchemaRegistryOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<int32_t> SchemaRegistryClient::RegisterProtobuf(const std::string& subject,
                                                               const std::string& schema) {
  if (absl::Status valid = options_.Validate(); !valid.ok()) return valid;
  std::string base = options_.url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  const std::string url = absl::StrCat(base, "/subjects/", EscapePathSegment(subject), "/versions");
  const std::string request = nlohmann::json{{"schemaType", "PROTOBUF"}, {"schema", schema}}.dump();

  absl::StatusOr<const http::CurlApi*> loaded = http::Curl();
  if (!loaded.ok()) return loaded.status();
  const http::CurlApi& api = **loaded;
  std::unique_ptr<CURL, void (*)(CURL*)> curl(api.easy_init(), api.easy_cleanup);
  if (!curl) return absl::InternalError("libcurl could not start");
  std::string body;
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = nullptr;
  headers = api.slist_append(headers, "Content-Type: application/vnd.schemaregistry.v1+json");
  headers = api.slist_append(headers,
                             "Accept: application/vnd.schemaregistry.v1+json, application/json");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> header_list(headers, api.slist_free_all);
  api.easy_setopt(curl.get(), CURLOPT_URL, url.c_str());
  api.easy_setopt(curl.get(), CURLOPT_HTTPHEADER, headers);
  api.easy_setopt(curl.get(), CURLOPT_POSTFIELDS, request.c_str());
  api.easy_setopt(curl.get(), CURLOPT_POSTFIELDSIZE, static_cast<long>(request.size()));
  api.easy_setopt(curl.get(), CURLOPT_WRITEFUNCTION, Collect);
  api.easy_setopt(curl.get(), CURLOPT_WRITEDATA, &body);
  api.easy_setopt(curl.get(), CURLOPT_ERRORBUFFER, error);
  api.easy_setopt(curl.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout_ms));
  api.easy_setopt(curl.get(), CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(curl.get(), CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(curl.get(), CURLOPT_USERAGENT, "newsflow/" NEWSFLOW_VERSION);
  if (!options_.basic_auth_user_info.empty()) {
    api.easy_setopt(curl.get(), CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    api.easy_setopt(curl.get(), CURLOPT_USERPWD, options_.basic_auth_user_info.c_str());
  }
  if (!options_.ca_location.empty()) {
    api.easy_setopt(curl.get(), CURLOPT_CAINFO, options_.ca_location.c_str());
  }
  const CURLcode code = api.easy_perform(curl.get());
  if (code != CURLE_OK) {
    return absl::UnavailableError(absl::StrCat("Schema Registry at ", base, " unreachable: ",
                                               error[0] != '\0' ? error : api.easy_strerror(code)));
  }
  long status = 0;
  api.easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
  const nlohmann::json answer = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status != 200) {
    std::string message = body.substr(0, 300);
    if (answer.is_object() && answer.contains("message") && answer["message"].is_string()) {
      message = answer["message"].get<std::string>();
    }
    const std::string what = absl::StrCat("Schema Registry refused subject '", subject,
                                          "' (HTTP ", status, "): ", message);
    if (status == 401 || status == 403) return absl::PermissionDeniedError(what);
    if (status == 409) return absl::FailedPreconditionError(what);  // incompatible
    if (status == 422 || status == 400) return absl::InvalidArgumentError(what);
    return absl::UnavailableError(what);
  }
  if (!answer.is_object() || !answer.contains("id") || !answer["id"].is_number_integer()) {
    return absl::UnavailableError(absl::StrCat("Schema Registry answered without an id: ",
                                               body.substr(0, 300)));
  }
  const int64_t id = answer["id"].get<int64_t>();
  if (id < 0 || id > INT32_MAX) {
    return absl::UnavailableError(absl::StrCat("Schema Registry answered id ", id));
  }
  return static_cast<int32_t>(id);
}

}  // namespace newsflow::registry
