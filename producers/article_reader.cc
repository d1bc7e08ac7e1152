#include "producers/article_reader.h"

#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "common/utf8.h"
#include "processors/normalize/normalize.h"

namespace newsflow::producers {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxOriginalBytes = 1 << 20;

std::string HexId(std::string_view content) {
  XXH128_hash_t hash = XXH3_128bits(content.data(), content.size());
  return absl::StrFormat("h%016x%016x", hash.high64, hash.low64);
}

std::string Megabytes(size_t bytes) {
  return absl::StrFormat("%.1f MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

// Extensions of article files and the format each means; one table for reading a named
// file and for choosing the files of a directory.
const std::pair<const char*, InputFormat> kArticleExtensions[] = {
    {".txt", InputFormat::kSeedText},    {".text", InputFormat::kSeedText},
    {".jsonl", InputFormat::kJsonLines}, {".ndjson", InputFormat::kJsonLines},
    {".json", InputFormat::kJsonLines},  {".html", InputFormat::kHtml},
    {".htm", InputFormat::kHtml},
};

std::optional<InputFormat> KnownFormat(const fs::path& path) {
  const std::string extension = absl::AsciiStrToLower(path.extension().string());
  for (const auto& [known, format] : kArticleExtensions) {
    if (extension == known) return format;
  }
  return std::nullopt;
}

// A named file with another extension is read as text.
InputFormat FormatFromExtension(const std::string& path) {
  return KnownFormat(path).value_or(InputFormat::kSeedText);
}

bool IsArticleFile(const fs::path& path) { return KnownFormat(path).has_value(); }

// Stdin has no name to go by: look at the first non-blank byte.
InputFormat SniffFormat(std::istream& in) {
  while (in.good()) {
    int c = in.peek();
    if (c == EOF) break;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      in.get();
      continue;
    }
    if (c == '{') return InputFormat::kJsonLines;
    if (c == '<') return InputFormat::kHtml;
    break;
  }
  return InputFormat::kSeedText;
}

// UTF-16 text with a byte-order mark (what Windows calls "Unicode"): when `in` starts with
// FF FE or FE FF, reads all of it and returns it as UTF-8 without the mark (unpaired
// surrogates become U+FFFD). Otherwise leaves the stream as it was and returns false. Done
// before anything else reads the bytes: the UTF-8 repair would turn UTF-16 into U+FFFD noise.
bool ReadUtf16WithBom(std::istream& in, std::string* utf8) {
  int first = in.peek();
  if (first != 0xFF && first != 0xFE) return false;
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const bool little = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
                      static_cast<unsigned char>(bytes[1]) == 0xFE;
  const bool big = bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0xFE &&
                   static_cast<unsigned char>(bytes[1]) == 0xFF;
  if (!little && !big) {  // not a BOM after all: hand the bytes back as they were
    in.clear();
    utf8->swap(bytes);
    return true;
  }
  auto unit = [&](size_t i) -> uint32_t {
    const auto hi = static_cast<unsigned char>(bytes[little ? i + 1 : i]);
    const auto lo = static_cast<unsigned char>(bytes[little ? i : i + 1]);
    return (static_cast<uint32_t>(hi) << 8) | lo;
  };
  auto append = [&](uint32_t cp) {
    if (cp < 0x80) {
      utf8->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      utf8->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      utf8->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      utf8->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      utf8->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      utf8->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      utf8->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      utf8->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      utf8->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      utf8->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  };
  utf8->clear();
  utf8->reserve(bytes.size() * 3 / 2);
  size_t i = 2;
  for (; i + 1 < bytes.size(); i += 2) {
    uint32_t u = unit(i);
    if (u >= 0xD800 && u <= 0xDBFF && i + 3 < bytes.size()) {
      uint32_t low = unit(i + 2);
      if (low >= 0xDC00 && low <= 0xDFFF) {
        append(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
        i += 2;
        continue;
      }
    }
    append(u >= 0xD800 && u <= 0xDFFF ? 0xFFFD : u);
  }
  if (i < bytes.size()) append(0xFFFD);  // odd trailing byte
  in.clear();
  return true;
}

// The charset parameter of a MIME type ("text/html; charset=windows-1252"), unquoted;
// empty when none.
std::string CharsetOfContentType(const std::string& content_type) {
  std::string lower = absl::AsciiStrToLower(content_type);
  size_t at = lower.find("charset=");
  if (at == std::string::npos) return "";
  absl::string_view value = absl::string_view(content_type).substr(at + 8);
  value = value.substr(0, value.find(';'));
  value = absl::StripAsciiWhitespace(value);
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
    value = value.substr(1, value.size() - 2);
  }
  return std::string(value);
}

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

// Reads one optional string field among `names` (first present wins). Numbers are accepted
// for ids and dates, where feeds often use them; anything else is a type error.
bool ReadField(const nlohmann::json& object, std::initializer_list<const char*> names,
               bool allow_number, std::string* out, std::string* error) {
  for (const char* name : names) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) continue;
    if (it->is_string()) {
      *out = it->get<std::string>();
    } else if (allow_number && it->is_number()) {
      *out = it->dump();
    } else {
      *error = absl::StrCat("field \"", name, "\" must be a string, got ", it->type_name());
      return false;
    }
    return true;
  }
  return true;
}

std::string ExtractCanonicalLink(const std::string& html) {
  // Cheap scan for <link rel="canonical" href="..."> in the head; the normalizer parses
  // the page properly, this only gives the producer a stable Kafka key.
  const size_t head_end = std::min(html.size(), html.find("</head") == std::string::npos
                                                    ? html.size()
                                                    : html.find("</head"));
  std::string_view head(html.data(), head_end);
  size_t pos = 0;
  while ((pos = head.find("<link", pos)) != std::string_view::npos) {
    size_t end = head.find('>', pos);
    if (end == std::string_view::npos) break;
    std::string tag = absl::AsciiStrToLower(std::string(head.substr(pos, end - pos)));
    if (absl::StrContains(tag, "canonical")) {
      size_t href = tag.find("href=");
      if (href != std::string::npos && href + 6 < tag.size()) {
        char quote = tag[href + 5];
        size_t start = href + (quote == '"' || quote == '\'' ? 6 : 5);
        size_t stop = tag.find_first_of(quote == '"' || quote == '\'' ? std::string(1, quote) : " ",
                                        start);
        // Take the original-case URL from the same span.
        std::string_view original = head.substr(pos, end - pos);
        return std::string(original.substr(start, (stop == std::string::npos ? original.size() : stop) - start));
      }
    }
    pos = end;
  }
  return "";
}

}  // namespace

absl::Status ParseInputFormat(const std::string& name, InputFormat* format) {
  if (name == "auto") {
    *format = InputFormat::kAuto;
  } else if (name == "text" || name == "seed") {
    *format = InputFormat::kSeedText;
  } else if (name == "jsonl" || name == "json") {
    *format = InputFormat::kJsonLines;
  } else if (name == "html") {
    *format = InputFormat::kHtml;
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown input format '", name, "' (expected auto, text, jsonl or html)"));
  }
  return absl::OkStatus();
}

absl::Status ReaderOptions::Validate() const {
  if (max_article_bytes == 0) return absl::InvalidArgumentError("max_article_bytes must be > 0");
  return absl::OkStatus();
}

std::string ArticleKey(const v1::RawArticle& article) {
  if (!article.url().empty()) {
    std::string canonical = normalize::CanonicalizeUrl(article.url());
    if (!canonical.empty()) return canonical;
  }
  return article.id();
}

ArticleReader::ArticleReader(ReaderOptions options, ArticleCallback on_article,
                             BadRecordCallback on_bad)
    : options_(std::move(options)), on_article_(std::move(on_article)), on_bad_(std::move(on_bad)) {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) host_ = host;
}

void ArticleReader::Reject(const std::string& name, int64_t line, v1::DeadLetter::Reason reason,
                           std::string message, std::string original) {
  ++counters_.bad_records;
  BadRecord bad;
  bad.input = name;
  bad.line = line;
  bad.reason = reason;
  bad.message = std::move(message);
  bad.original_size = static_cast<int64_t>(original.size());
  if (original.size() > kMaxOriginalBytes) original.resize(kMaxOriginalBytes);
  bad.original = std::move(original);
  on_bad_(bad);
}

bool ArticleReader::TooLarge(const v1::RawArticle& article, const std::string& name, int64_t line,
                             const std::string& original) {
  const size_t size = std::max(article.body().size(), article.html().size());
  if (size <= options_.max_article_bytes) return false;
  Reject(name, line, v1::DeadLetter::TOO_LARGE,
         absl::StrCat("article '", article.id(), "' is ", Megabytes(size), ", above the ",
                      Megabytes(options_.max_article_bytes),
                      " limit (--max-article-bytes); not sent"),
         original);
  return true;
}

void ArticleReader::Emit(v1::RawArticle&& article, const std::string& name, int64_t line,
                         const std::string& format, int utf8_repairs) {
  article.set_ingested_at_ms(NowUnixMillis());
  v1::ProducerMetadata* producer = article.mutable_producer();
  producer->set_agent(options_.agent);
  producer->set_host(host_);
  producer->set_input(name);
  producer->set_line(line);
  producer->set_format(format);
  producer->set_invalid_utf8_replaced(utf8_repairs);
  if (utf8_repairs > 0) ++counters_.utf8_repairs;
  ++counters_.articles;
  on_article_(std::move(article));
}

void ArticleReader::ReadPath(const std::string& path) {
  if (path == "-") {
    ReadStream(std::cin, "-", options_.format);
    return;
  }
  std::error_code error;
  if (fs::is_directory(path, error)) {
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(path, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      const std::string file_name = it->path().filename().string();
      if (!file_name.empty() && file_name[0] == '.') {
        if (it->is_directory()) it.disable_recursion_pending();
        continue;
      }
      // Inside directories only article files count; READMEs, licences and the like are not
      // input (a named file is always read, whatever its extension).
      if (it->is_regular_file() && IsArticleFile(it->path())) files.push_back(it->path().string());
    }
    if (error) {
      Reject(path, 0, v1::DeadLetter::MALFORMED_INPUT,
             absl::StrCat("cannot list directory: ", error.message()), "");
    }
    std::sort(files.begin(), files.end());
    for (const std::string& file : files) ReadFile(file);
    return;
  }
  ReadFile(path);
}

void ArticleReader::ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    Reject(path, 0, v1::DeadLetter::MALFORMED_INPUT,
           absl::StrCat("cannot read: ", std::strerror(errno)), "");
    return;
  }
  ReadStream(in, path,
             options_.format == InputFormat::kAuto ? FormatFromExtension(path) : options_.format);
}

void ArticleReader::ReadStream(std::istream& input, const std::string& name,
                              InputFormat format) {
  std::string utf8;
  std::istringstream converted;
  const bool utf16 = ReadUtf16WithBom(input, &utf8);
  if (utf16) converted.str(std::move(utf8));
  std::istream& in = utf16 ? converted : input;
  ++counters_.files;
  if (format == InputFormat::kAuto) format = SniffFormat(in);
  if (format == InputFormat::kJsonLines) {
    ReadJsonLines(in, name);
    return;
  }
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (IsBlank(content)) {
    Reject(name, 0, v1::DeadLetter::EMPTY_CONTENT, "empty input: no article in it", "");
    return;
  }
  if (format == InputFormat::kHtml) {
    ReadHtml(std::move(content), name);
  } else {
    ReadSeedText(std::move(content), name);
  }
}

void ArticleReader::ReadJsonLines(std::istream& in, const std::string& name) {
  std::string line;
  int64_t line_number = 0;
  uint64_t articles_before = counters_.articles + counters_.bad_records;
  while (std::getline(in, line)) {
    ++line_number;
    if (IsBlank(line)) continue;
    const int repairs = RepairUtf8(&line);
    nlohmann::json object;
    try {
      object = nlohmann::json::parse(line);
    } catch (const nlohmann::json::parse_error& e) {
      Reject(name, line_number, v1::DeadLetter::MALFORMED_INPUT,
             absl::StrCat("not valid JSON: ", e.what()), line);
      continue;
    }
    if (!object.is_object()) {
      Reject(name, line_number, v1::DeadLetter::MALFORMED_INPUT,
             absl::StrCat("expected a JSON object, got ", object.type_name()), line);
      continue;
    }
    v1::RawArticle article;
    std::string error, html;
    std::string* fields[] = {article.mutable_id(),       article.mutable_url(),
                             article.mutable_source(),   article.mutable_section(),
                             article.mutable_title(),    article.mutable_body(),
                             &html,                      article.mutable_charset(),
                             article.mutable_published_at(), article.mutable_language()};
    const bool ok =
        ReadField(object, {"id"}, true, fields[0], &error) &&
        ReadField(object, {"url"}, false, fields[1], &error) &&
        ReadField(object, {"source", "source_domain"}, false, fields[2], &error) &&
        ReadField(object, {"section"}, false, fields[3], &error) &&
        ReadField(object, {"title"}, false, fields[4], &error) &&
        ReadField(object, {"body", "text"}, false, fields[5], &error) &&
        ReadField(object, {"html"}, false, fields[6], &error) &&
        ReadField(object, {"charset"}, false, fields[7], &error) &&
        ReadField(object, {"published_at", "date_publish"}, true, fields[8], &error) &&
        ReadField(object, {"language"}, false, fields[9], &error);
    if (!ok) {
      Reject(name, line_number, v1::DeadLetter::MALFORMED_INPUT, error, line);
      continue;
    }
    article.set_html(std::move(html));
    // "HTTP-style" transport label: {"content_type": "text/html; charset=windows-1252"}.
    if (article.charset().empty()) {
      auto content_type = object.find("content_type");
      if (content_type != object.end() && content_type->is_string()) {
        article.set_charset(CharsetOfContentType(content_type->get_ref<const std::string&>()));
      }
    }
    for (const char* extra : {"dateline", "byline", "description", "category", "event"}) {
      auto it = object.find(extra);
      if (it != object.end() && it->is_string()) {
        (*article.mutable_attributes())[extra] = it->get<std::string>();
      }
    }
    if (IsBlank(article.body()) && article.html().empty()) {
      Reject(name, line_number, v1::DeadLetter::MISSING_FIELD,
             "missing body: an article needs \"body\" (or \"text\") or \"html\"", line);
      continue;
    }
    if (article.id().empty()) {
      article.set_id(HexId(article.url().empty() ? line : normalize::CanonicalizeUrl(article.url())));
    }
    if (TooLarge(article, name, line_number, line)) continue;
    Emit(std::move(article), name, line_number, "jsonl", repairs);
  }
  if (counters_.articles + counters_.bad_records == articles_before) {
    Reject(name, 0, v1::DeadLetter::EMPTY_CONTENT, "empty input: no JSON line in it", "");
  }
}

void ArticleReader::ReadSeedText(std::string content, const std::string& name) {
  const int repairs = RepairUtf8(&content);
  if (absl::StartsWith(content, "\xEF\xBB\xBF")) content.erase(0, 3);  // UTF-8 BOM
  v1::RawArticle article;
  std::istringstream lines(content);
  std::string line;
  bool header_seen = false, title_seen = false;
  std::string body;
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!title_seen) {
      absl::string_view stripped = absl::StripAsciiWhitespace(line);
      if (stripped.empty()) continue;
      // Header: "date YYYY-MM-DD SOURCE / SECTION" (section optional).
      if (!header_seen && absl::StartsWith(stripped, "date ") && stripped.size() >= 15 &&
          stripped[9] == '-' && stripped[12] == '-') {
        header_seen = true;
        article.set_published_at(std::string(stripped.substr(5, 10)));
        absl::string_view rest = absl::StripAsciiWhitespace(stripped.substr(15));
        size_t slash = rest.find(" / ");
        article.set_source(std::string(absl::StripAsciiWhitespace(rest.substr(0, slash))));
        if (slash != absl::string_view::npos) {
          article.set_section(std::string(absl::StripAsciiWhitespace(rest.substr(slash + 3))));
        }
        continue;
      }
      article.set_title(std::string(stripped));
      title_seen = true;
      continue;
    }
    body.append(line).push_back('\n');
  }
  if (IsBlank(body)) {
    Reject(name, 0, v1::DeadLetter::MISSING_FIELD,
           title_seen ? "missing body: nothing after the title line" : "missing body", content);
    return;
  }
  article.set_body(std::move(body));
  article.set_id(name == "-" ? HexId(content) : fs::path(name).stem().string());
  if (TooLarge(article, name, 0, content)) return;
  Emit(std::move(article), name, 0, "seed-text", repairs);
}

void ArticleReader::ReadHtml(std::string content, const std::string& name) {
  v1::RawArticle article;
  article.set_id(name == "-" ? HexId(content) : fs::path(name).stem().string());
  article.set_url(ExtractCanonicalLink(content));
  article.set_html(content);
  if (TooLarge(article, name, 0, content)) return;
  Emit(std::move(article), name, 0, "html", 0);
}

}  // namespace newsflow::producers
