#include "producers/json_line.h"

#include <simdjson.h>

#include <array>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/string_util.h"

namespace newsflow::producers {
namespace {

// Every key either path reads. Order matters only for the tables below.
enum Key : int {
  kId,
  kUrl,
  kSource,
  kSourceDomain,
  kSection,
  kTitle,
  kBody,
  kText,
  kHtml,
  kCharset,
  kPublishedAt,
  kDatePublish,
  kLanguage,
  kContentType,
  kFetchedAt,
  kDateline,
  kByline,
  kDescription,
  kCategory,
  kEvent,
  kKeyCount
};
constexpr std::array<std::string_view, kKeyCount> kKeyNames = {
    "id",       "url",          "source",   "source_domain", "section", "title",      "body",
    "text",     "html",         "charset",  "published_at",  "date_publish", "language",
    "content_type", "fetched_at", "dateline", "byline",        "description", "category", "event"};

// A RawArticle field filled from the first present, non-null key among `keys`.
struct FieldRule {
  std::initializer_list<Key> keys;
  bool allow_number;  // ids and dates: feeds often give numbers
  std::string* (*field)(v1::RawArticle*);
};

// `html` is set on the article at the end (after the charset), as the nlohmann path does.
const std::array<FieldRule, 10>& FieldRules() {
  static const std::array<FieldRule, 10> rules = {{
      {{kId}, true, [](v1::RawArticle* a) { return a->mutable_id(); }},
      {{kUrl}, false, [](v1::RawArticle* a) { return a->mutable_url(); }},
      {{kSource, kSourceDomain}, false, [](v1::RawArticle* a) { return a->mutable_source(); }},
      {{kSection}, false, [](v1::RawArticle* a) { return a->mutable_section(); }},
      {{kTitle}, false, [](v1::RawArticle* a) { return a->mutable_title(); }},
      {{kBody, kText}, false, [](v1::RawArticle* a) { return a->mutable_body(); }},
      {{kHtml}, false, [](v1::RawArticle* a) { return a->mutable_html(); }},
      {{kCharset}, false, [](v1::RawArticle* a) { return a->mutable_charset(); }},
      {{kPublishedAt, kDatePublish}, true,
       [](v1::RawArticle* a) { return a->mutable_published_at(); }},
      {{kLanguage}, false, [](v1::RawArticle* a) { return a->mutable_language(); }},
  }};
  return rules;
}
constexpr std::array<Key, 5> kAttributeKeys = {kDateline, kByline, kDescription, kCategory,
                                               kEvent};

int KeyIndex(std::string_view key) {
  for (int i = 0; i < kKeyCount; ++i) {
    if (kKeyNames[i] == key) return i;
  }
  return -1;
}

// nlohmann path: reads one rule's field; false (with `error`) for a value of the wrong type.
bool ReadField(const nlohmann::json& object, const FieldRule& rule, std::string* out,
               std::string* error) {
  for (Key key : rule.keys) {
    const char* name = kKeyNames[key].data();  // the names are literals: NUL-terminated
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) continue;
    if (it->is_string()) {
      *out = it->get<std::string>();
    } else if (rule.allow_number && it->is_number()) {
      *out = it->dump();
    } else {
      *error = absl::StrCat("field \"", name, "\" must be a string, got ", it->type_name());
      return false;
    }
    return true;
  }
  return true;
}

}  // namespace

// simdjson keeps the buffers of the largest document it has parsed (about ten times its
// size) for the reader's lifetime; longer lines (rare: whole pages inside JSON) go to nlohmann,
// whose tree is freed after each line.
constexpr size_t kMaxFastLineBytes = 1 << 20;

struct JsonLineDecoder::Parser {
  simdjson::dom::parser parser{kMaxFastLineBytes};
};

JsonLineDecoder::JsonLineDecoder() : parser_(std::make_unique<Parser>()) {}
JsonLineDecoder::~JsonLineDecoder() = default;

absl::Status JsonLineDecoder::Decode(std::string& line, v1::RawArticle* article) {
  if (DecodeFast(line, article)) return absl::OkStatus();
  ++fallbacks_;
  article->Clear();
  return DecodeWithNlohmann(line, article);
}

bool JsonLineDecoder::DecodeFast(std::string& line, v1::RawArticle* article) {
  // simdjson reads up to SIMDJSON_PADDING bytes past the end; a line buffer reused across
  // lines has that room already, so this rarely reallocates.
  if (line.capacity() - line.size() < simdjson::SIMDJSON_PADDING) {
    line.reserve(line.size() + simdjson::SIMDJSON_PADDING);
  }
  simdjson::dom::element root;
  // Whatever simdjson refuses, nlohmann decides (and words the error); simdjson accepts no
  // line nlohmann refuses (json_line_test.cc).
  if (parser_->parser.parse(line).get(root) != simdjson::SUCCESS) return false;
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) return false;

  // The last occurrence of a key wins, as in nlohmann's object.
  std::array<simdjson::dom::element, kKeyCount> values;
  std::array<bool, kKeyCount> present{};
  for (simdjson::dom::key_value_pair field : object) {
    const int key = KeyIndex(field.key);
    if (key < 0) continue;
    values[key] = field.value;
    present[key] = true;
  }
  for (const FieldRule& rule : FieldRules()) {
    for (Key key : rule.keys) {
      if (!present[key] || values[key].is_null()) continue;
      const simdjson::dom::element& value = values[key];
      std::string_view text;
      int64_t signed_number;
      uint64_t unsigned_number;
      if (value.get(text) == simdjson::SUCCESS) {
        rule.field(article)->assign(text.data(), text.size());
      } else if (rule.allow_number && value.get(signed_number) == simdjson::SUCCESS) {
        *rule.field(article) = std::to_string(signed_number);
      } else if (rule.allow_number && value.get(unsigned_number) == simdjson::SUCCESS) {
        *rule.field(article) = std::to_string(unsigned_number);
      } else {
        // A floating-point number (nlohmann's own spelling of it) or a type error.
        return false;
      }
      break;
    }
  }
  std::string_view text;
  if (article->charset().empty() && present[kContentType] &&
      values[kContentType].get(text) == simdjson::SUCCESS) {
    article->set_charset(CharsetParameter(text));
  }
  if (present[kFetchedAt] && values[kFetchedAt].get(text) == simdjson::SUCCESS) {
    article->set_fetched_at(std::string(text));
  }
  for (Key key : kAttributeKeys) {
    if (present[key] && values[key].get(text) == simdjson::SUCCESS) {
      (*article->mutable_attributes())[std::string(kKeyNames[key])] = std::string(text);
    }
  }
  return true;
}

absl::Status JsonLineDecoder::DecodeWithNlohmann(const std::string& line,
                                                 v1::RawArticle* article) {
  nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded()) {
    // Parse again for the message: where and why (nlohmann only says so by exception).
    std::string what = "syntax error";
    try {
      const nlohmann::json unused = nlohmann::json::parse(line);
      (void)unused;
    } catch (const nlohmann::json::exception& e) {
      // parse_error, or out_of_range for a number too large for a double ("1E701").
      what = e.what();
    }
    return absl::InvalidArgumentError(absl::StrCat("not valid JSON: ", what));
  }
  if (!object.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected a JSON object, got ", object.type_name()));
  }
  std::string error;
  for (const FieldRule& rule : FieldRules()) {
    if (!ReadField(object, rule, rule.field(article), &error)) {
      return absl::InvalidArgumentError(error);
    }
  }
  // "HTTP-style" transport label: {"content_type": "text/html; charset=windows-1252"}.
  if (article->charset().empty()) {
    auto content_type = object.find("content_type");
    if (content_type != object.end() && content_type->is_string()) {
      article->set_charset(CharsetParameter(content_type->get_ref<const std::string&>()));
    }
  }
  if (auto fetched = object.find("fetched_at"); fetched != object.end() && fetched->is_string()) {
    article->set_fetched_at(fetched->get<std::string>());
  }
  for (Key key : kAttributeKeys) {
    auto it = object.find(kKeyNames[key].data());
    if (it != object.end() && it->is_string()) {
      (*article->mutable_attributes())[std::string(kKeyNames[key])] = it->get<std::string>();
    }
  }
  return absl::OkStatus();
}

}  // namespace newsflow::producers
