#include "eval/datasets.h"

#include <fstream>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"

namespace newsflow::eval {
namespace {

std::string StringField(const nlohmann::json& object, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) continue;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_number()) return it->dump();
  }
  return "";
}

std::vector<std::string> ListField(const nlohmann::json& object, const char* name) {
  std::vector<std::string> values;
  auto it = object.find(name);
  if (it == object.end() || !it->is_array()) return values;
  for (const auto& value : *it) {
    if (value.is_string()) values.push_back(value.get<std::string>());
  }
  return values;
}

}  // namespace

absl::StatusOr<std::vector<LabelledArticle>> LoadJsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<LabelledArticle> articles;
  std::string line;
  int64_t line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    nlohmann::json object = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!object.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line_number, ": not a JSON object"));
    }
    LabelledArticle article;
    article.raw.set_id(StringField(object, {"id"}));
    article.raw.set_url(StringField(object, {"url"}));
    article.raw.set_source(StringField(object, {"source", "source_domain"}));
    article.raw.set_title(StringField(object, {"title"}));
    article.raw.set_body(StringField(object, {"body", "text"}));
    article.raw.set_published_at(StringField(object, {"published_at", "date_publish"}));
    const std::string dateline = StringField(object, {"dateline"});
    if (!dateline.empty()) {
      // Reuters keeps the dateline apart; in real wire copy it opens the body.
      article.raw.set_body(absl::StrCat(dateline, " ", article.raw.body()));
    }
    article.event = StringField(object, {"event"});
    article.category = StringField(object, {"category"});
    article.topics = ListField(object, "topics");
    article.places = ListField(object, "places");
    articles.push_back(std::move(article));
  }
  return articles;
}

}  // namespace newsflow::eval
