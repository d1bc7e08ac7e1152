#include "ingest/warc_articles.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/string_util.h"
#include "absl/time/time.h"

namespace newsflow::ingest {
namespace {

WarcSkip SkipOfType(const std::string& type) {
  if (type == "response") return WarcSkip::kNone;
  if (type == "warcinfo") return WarcSkip::kWarcinfo;
  if (type == "request") return WarcSkip::kRequest;
  if (type == "metadata") return WarcSkip::kMetadata;
  if (type == "revisit") return WarcSkip::kRevisit;
  return WarcSkip::kOtherType;
}

// WARC 1.0 writers sometimes wrap URIs in angle brackets.
std::string Unbracketed(std::string_view value) {
  value = StripWhitespace(value);
  if (value.size() >= 2 && value.front() == '<' && value.back() == '>') {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

std::string MediaType(std::string_view content_type) {
  return AsciiLower(StripWhitespace(content_type.substr(0, content_type.find(';'))));
}


bool LooksLikeHtml(std::string_view body) {
  const std::string head = AsciiLower(body.substr(0, 1024));
  return Contains(head, "<html") || Contains(head, "<!doctype html") ||
         Contains(head, "<head");
}

}  // namespace

const char* WarcSkipName(WarcSkip skip) {
  switch (skip) {
    case WarcSkip::kNone: return "none";
    case WarcSkip::kWarcinfo: return "warcinfo";
    case WarcSkip::kRequest: return "request";
    case WarcSkip::kMetadata: return "metadata";
    case WarcSkip::kRevisit: return "revisit";
    case WarcSkip::kOtherType: return "other-type";
    case WarcSkip::kNonHtml: return "non-html";
    case WarcSkip::kNon200: return "non-200";
    case WarcSkip::kHost: return "host";
    case WarcSkip::kDate: return "date";
    case WarcSkip::kTooLarge: return "too-large";
    case WarcSkip::kLanguage: return "language";
  }
  return "unknown";
}

int64_t ParseWarcDate(std::string_view date) {
  absl::Time time;
  std::string error;
  const std::string text(StripWhitespace(date));
  for (const char* format : {"%Y-%m-%d%ET%H:%M:%E*S%Ez", "%Y-%m-%d%ET%H:%M%Ez", "%Y-%m-%d"}) {
    if (absl::ParseTime(format, text, &time, &error)) return absl::ToUnixMillis(time);
  }
  return -1;
}

WarcSkip SkipOfUnreadRecord(const WarcHeader& header) {
  const WarcSkip by_type = SkipOfType(header.Type());
  return by_type == WarcSkip::kNone ? WarcSkip::kTooLarge : by_type;
}

WarcArticle RecordToArticle(const WarcHeader& header, std::string block,
                            const WarcArticleOptions& options) {
  WarcArticle out;
  out.skip = SkipOfType(header.Type());
  if (out.skip != WarcSkip::kNone) return out;
  const std::string url = Unbracketed(header.Field("WARC-Target-URI"));
  if (options.hosts != nullptr && !options.hosts->Matches(url)) {
    out.skip = WarcSkip::kHost;
    return out;
  }
  const int64_t fetched_ms = ParseWarcDate(header.Field("WARC-Date"));
  if ((options.since_ms > 0 && (fetched_ms < 0 || fetched_ms < options.since_ms)) ||
      (options.until_ms > 0 && (fetched_ms < 0 || fetched_ms >= options.until_ms))) {
    out.skip = WarcSkip::kDate;
    return out;
  }
  // A response record holds an HTTP response (application/http); a DNS answer or the like
  // is not a page.
  const std::string record_type = MediaType(header.Field("Content-Type"));
  if (!record_type.empty() && record_type != "application/http") {
    out.skip = WarcSkip::kNonHtml;
    return out;
  }
  HttpResponseMessage http;
  if (!ParseHttpResponse(std::move(block), options.max_body_bytes, &http, &out.problem)) {
    if (Contains(out.problem, "larger than")) {
      out.skip = WarcSkip::kTooLarge;
      out.problem.clear();
      return out;
    }
    out.malformed = true;
    return out;
  }
  if (http.status != 200) {
    out.skip = WarcSkip::kNon200;
    return out;
  }
  const std::string_view content_type = http.Header("Content-Type");
  std::string media = MediaType(content_type);
  if (media.empty()) media = MediaType(header.Field("WARC-Identified-Payload-Type"));
  const bool html = media == "text/html" || media == "application/xhtml+xml" ||
                    (media.empty() && LooksLikeHtml(http.body));
  if (!html) {
    out.skip = WarcSkip::kNonHtml;
    return out;
  }
  v1::RawArticle& article = out.article;
  article.set_id(Unbracketed(header.Field("WARC-Record-ID")));
  if (article.id().empty()) article.set_id(url);
  article.set_url(url);
  std::string host = HostOf(url);
  if (StartsWith(host, "www.")) host.erase(0, 4);
  article.set_source(host);
  article.set_charset(CharsetParameter(content_type));
  article.set_fetched_at(std::string(StripWhitespace(header.Field("WARC-Date"))));
  article.set_html(std::move(http.body));
  article.mutable_producer()->set_offset(header.position.offset);
  article.mutable_producer()->set_record_id(article.id());
  return out;
}

}  // namespace newsflow::ingest
