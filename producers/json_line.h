// Decoding one JSON Lines record into a RawArticle: simdjson for the lines that are plainly
// fine, nlohmann's parser for everything else and for its error messages. Both read the same
// fields the same way, so which one ran never shows in the result (json_line_test.cc).
#ifndef NEWSFLOW_PRODUCERS_JSON_LINE_H_
#define NEWSFLOW_PRODUCERS_JSON_LINE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::producers {

// The fields a JSON line may carry (first present, non-null name wins):
//   id (string or number), url, source | source_domain, section, title, body | text, html,
//   charset, published_at | date_publish (string or number), language;
//   content_type (its charset parameter, when "charset" is absent), fetched_at, and the
//   attributes dateline, byline, description, category, event (strings; other types ignored).
// A key given twice counts once, with its last value.
class JsonLineDecoder {
 public:
  JsonLineDecoder();
  ~JsonLineDecoder();
  JsonLineDecoder(const JsonLineDecoder&) = delete;
  JsonLineDecoder& operator=(const JsonLineDecoder&) = delete;

  // Fills `article` from `line` (valid UTF-8). InvalidArgument, with what is wrong, for a line
  // that is not JSON, not an object, or has a field of the wrong type. `line` may gain
  // capacity (simdjson reads a few bytes past the end) but keeps its contents.
  absl::Status Decode(std::string& line, v1::RawArticle* article);

  // Lines the fast path did not settle (errors, floating-point ids, huge numbers, a byte
  // order mark, nesting deeper than 1024, lines over 1 MiB), decoded by nlohmann instead.
  int64_t fallbacks() const { return fallbacks_; }

  // The reference path alone: nlohmann's parser (tests compare the two).
  static absl::Status DecodeWithNlohmann(const std::string& line, v1::RawArticle* article);

 private:
  // True when the line was decoded; false leaves `article` to be refilled by the other path.
  bool DecodeFast(std::string& line, v1::RawArticle* article);

  struct Parser;
  std::unique_ptr<Parser> parser_;
  int64_t fallbacks_ = 0;
};

}  // namespace newsflow::producers

#endif  // NEWSFLOW_PRODUCERS_JSON_LINE_H_
