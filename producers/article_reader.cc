#include "producers/article_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "common/string_util.h"
#include "common/utf8.h"
#include "processors/normalize/normalize.h"
#include "proto/dead_letter.h"
#include "proto/utf8_fields.h"

namespace newsflow::producers {
namespace {

namespace fs = std::filesystem;

// JSON escapes (\uXXXX for a two- or three-byte character) make a line longer than the
// text it holds; a line may be this many times the article limit before it is cut.
constexpr size_t kJsonLineFactor = 4;

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
    {".htm", InputFormat::kHtml},        {".warc", InputFormat::kWarc},
};

// Web archives are usually compressed: "x.warc.gz".
bool IsWarcGz(const fs::path& path) {
  return absl::AsciiStrToLower(path.extension().string()) == ".gz" &&
         absl::AsciiStrToLower(path.stem().extension().string()) == ".warc";
}

std::optional<InputFormat> KnownFormat(const fs::path& path) {
  if (IsWarcGz(path)) return InputFormat::kWarc;
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


bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
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

// The "id" of a JSON line that was cut before it could be parsed, when its first bytes name
// it ({"id": "x", ...}), for the report; empty otherwise.
std::string IdHint(std::string_view excerpt) {
  excerpt = excerpt.substr(0, 4096);
  const size_t key = excerpt.find("\"id\"");
  if (key == std::string_view::npos) return "";
  size_t at = excerpt.find_first_not_of(" \t", key + 4);
  if (at == std::string_view::npos || excerpt[at] != ':') return "";
  at = excerpt.find_first_not_of(" \t", at + 1);
  if (at == std::string_view::npos || excerpt[at] != '"') return "";
  const size_t end = excerpt.find('"', at + 1);
  if (end == std::string_view::npos || end - at - 1 > 200) return "";
  return std::string(excerpt.substr(at + 1, end - at - 1));
}

// An id from a relative path: without its extension, with it, or the path as given.
std::string WithoutExtension(const fs::path& relative) {
  const fs::path stem = IsWarcGz(relative) ? relative.stem().stem() : relative.stem();
  return (relative.parent_path() / stem).generic_string();
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
  } else if (name == "warc") {
    *format = InputFormat::kWarc;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown input format '", name, "' (expected auto, text, jsonl, html or warc)"));
  }
  return absl::OkStatus();
}

absl::Status ReaderOptions::Validate() const {
  if (max_article_bytes == 0) return absl::InvalidArgumentError("max_article_bytes must be > 0");
  if (max_record_bytes < 1024) {
    return absl::InvalidArgumentError("max_record_bytes must be at least 1024");
  }
  if (progress_interval_s < 0) return absl::InvalidArgumentError("progress interval must be >= 0");
  if (warc.since_ms > 0 && warc.until_ms > 0 && warc.until_ms <= warc.since_ms) {
    return absl::InvalidArgumentError("--until must be after --since");
  }
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
                             BadRecordCallback on_bad, const std::atomic<bool>* stop)
    : options_(std::move(options)),
      on_article_(std::move(on_article)),
      on_bad_(std::move(on_bad)),
      stop_(stop) {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) host_ = host;
}

void ArticleReader::Reject(const std::string& name, int64_t line, v1::DeadLetter::Reason reason,
                           std::string message, const Chunk& original) {
  ++counters_.bad_records;
  BadRecord bad;
  bad.input = name;
  bad.line = line;
  bad.reason = reason;
  bad.message = std::move(message);
  bad.original_size = std::max<int64_t>(original.size, original.bytes.size());
  bad.original_sha256 = original.sha256;
  bad.original = original.bytes;
  on_bad_(bad);
}

void ArticleReader::Reject(const std::string& name, int64_t line, v1::DeadLetter::Reason reason,
                           std::string message, std::string original) {
  Chunk chunk;
  chunk.size = static_cast<int64_t>(original.size());
  chunk.bytes = std::move(original);
  Reject(name, line, reason, std::move(message), chunk);
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

bool ArticleReader::Binary(const std::string& text, const std::string& name, int64_t line,
                           const std::string& original) {
  const GarbageCount garbage = CountGarbage(text);
  if (garbage.garbage < 32 || garbage.share() < 0.3) return false;
  Reject(name, line, v1::DeadLetter::MALFORMED_INPUT,
         absl::StrFormat("not text: %.0f%% of its characters are invalid UTF-8 or control "
                         "characters (binary data, or text in an encoding other than UTF-8)",
                         100 * garbage.share()),
         original);
  return true;
}

bool ArticleReader::Emit(v1::RawArticle&& article, const std::string& name, int64_t line,
                         const std::string& format, int utf8_repairs) {
  article.set_ingested_at_ms(NowUnixMillis());
  v1::ProducerMetadata* producer = article.mutable_producer();
  producer->set_agent(options_.agent);
  producer->set_host(host_);
  producer->set_input(name);
  producer->set_line(line);
  producer->set_format(format);
  // Names from the file system, a canonical link from the page: every string field a
  // RawArticle carries must be valid UTF-8.
  utf8_repairs += RepairStringFields(&article);
  producer->set_invalid_utf8_replaced(utf8_repairs);
  if (utf8_repairs > 0) ++counters_.utf8_repairs;
  ++counters_.articles;
  return on_article_(std::move(article));
}

std::vector<ArticleReader::PlannedInput> ArticleReader::Plan(
    const std::vector<std::string>& paths) {
  struct Found {
    std::string path;
    fs::path relative;  // to its argument
  };
  std::vector<Found> found;
  for (const std::string& path : paths) {
    std::error_code error;
    if (path != "-" && fs::is_directory(path, error)) {
      std::vector<std::pair<uint64_t, uint64_t>> visited;
      std::vector<std::string> files;
      Walk(path, path, &visited, &files);
      // Sorted as whole paths, so the order does not depend on the file system's.
      std::sort(files.begin(), files.end());
      for (std::string& file : files) {
        fs::path relative = fs::path(file).lexically_relative(path);
        found.push_back({std::move(file), std::move(relative)});
      }
    } else {
      found.push_back({path, fs::path(path).filename()});
    }
  }
  // Ids for whole-file articles: the shortest form no other input of the run shares.
  std::map<std::string, int> stems, relatives;
  for (const Found& f : found) {
    if (f.path == "-") continue;
    ++stems[WithoutExtension(f.relative)];
    ++relatives[f.relative.generic_string()];
  }
  std::vector<PlannedInput> planned;
  for (const Found& f : found) {
    PlannedInput input;
    input.path = f.path;
    if (f.path != "-") {
      const std::string stem = WithoutExtension(f.relative);
      input.id = stems[stem] == 1                             ? stem
                 : relatives[f.relative.generic_string()] == 1 ? f.relative.generic_string()
                                                                : f.path;
    }
    planned.push_back(std::move(input));
  }
  return planned;
}

void ArticleReader::Walk(const std::string& root, const std::string& directory,
                         std::vector<std::pair<uint64_t, uint64_t>>* visited,
                         std::vector<std::string>* files) {
  struct stat info;
  if (::stat(directory.c_str(), &info) != 0) {
    Reject(directory, 0, v1::DeadLetter::MALFORMED_INPUT,
           absl::StrCat("cannot read directory: ", std::strerror(errno), "; skipped"), "");
    return;
  }
  const std::pair<uint64_t, uint64_t> id(info.st_dev, info.st_ino);
  if (std::find(visited->begin(), visited->end(), id) != visited->end()) {
    Reject(directory, 0, v1::DeadLetter::MALFORMED_INPUT,
           "directory already read through another path (a symlink loop); skipped", "");
    return;
  }
  visited->push_back(id);
  std::error_code error;
  fs::directory_iterator it(directory, error);
  std::vector<std::string> subdirectories;
  for (; !error && it != fs::directory_iterator(); it.increment(error)) {
    const fs::path& entry = it->path();
    const std::string name = entry.filename().string();
    if (name.empty() || name[0] == '.') continue;
    std::error_code status_error;
    const fs::file_status status = fs::status(entry, status_error);  // follows symlinks
    if (status_error) {
      // A dangling or looping symlink, or an entry that vanished: say so if it looked like
      // input (a directory, or a file with an article extension).
      if (IsArticleFile(entry) || fs::is_symlink(it->symlink_status(status_error))) {
        Reject(entry.string(), 0, v1::DeadLetter::MALFORMED_INPUT,
               absl::StrCat("cannot read: ", status_error.message(), "; skipped"), "");
      }
      continue;
    }
    if (fs::is_directory(status)) {
      subdirectories.push_back(entry.string());
    } else if (fs::is_regular_file(status) && IsArticleFile(entry)) {
      files->push_back(entry.string());
    }
  }
  if (error) {
    Reject(directory, 0, v1::DeadLetter::MALFORMED_INPUT,
           absl::StrCat("cannot list directory: ", error.message(), "; skipped"), "");
  }
  for (const std::string& subdirectory : subdirectories) {
    Walk(root, subdirectory, visited, files);
  }
}

bool ArticleReader::ReadInputs(const std::vector<std::string>& paths) {
  const std::vector<PlannedInput> planned = Plan(paths);
  for (size_t i = 0; i < planned.size(); ++i) {
    position_ = ReadPosition{planned[i].path, 0, planned.size() - i - 1, {}};
    if (auto resume = resume_.find(planned[i].path); resume != resume_.end()) {
      const ResumePoint& point = resume->second;
      if (on_progress_) {
        on_progress_(point.done ? absl::StrCat(planned[i].path,
                                               ": read whole by an earlier run (checkpoint); skipped")
                                : absl::StrCat(planned[i].path, ": resuming at byte ", point.offset,
                                               " (checkpoint)"));
      }
      if (point.done) continue;  // read to its end by an earlier run
      position_.resume = point;
    }
    if (stop_ != nullptr && stop_->load()) return false;
    if (!ReadFile(planned[i])) return false;
    if (on_input_end_) on_input_end_(planned[i].path);
  }
  position_ = ReadPosition();
  return true;
}

bool ArticleReader::ReadFile(const PlannedInput& input) {
  if (input.path == "-") {
    return ReadSource(std::make_unique<FdSource>(STDIN_FILENO, /*owned=*/false), "-",
                      options_.format);
  }
  const int fd = ::open(input.path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Reject(input.path, 0, v1::DeadLetter::MALFORMED_INPUT,
           absl::StrCat("cannot read: ", std::strerror(errno)), "");
    return true;
  }
  const InputFormat format =
      options_.format == InputFormat::kAuto ? FormatFromExtension(input.path) : options_.format;
  if (format == InputFormat::kWarc) {
    FdSource source(fd, /*owned=*/true);
    ++counters_.files;
    if (position_.resume.offset > 0 && !source.Seek(position_.resume.offset)) {
      Reject(input.path, 0, v1::DeadLetter::MALFORMED_INPUT,
             absl::StrCat("cannot resume at offset ", position_.resume.offset,
                          ": the file is not seekable"),
             "");
      return true;
    }
    return ReadWarc(source, input.path, position_.resume);
  }
  return ReadSource(
      std::make_unique<FdSource>(fd, /*owned=*/true), input.path,
      options_.format == InputFormat::kAuto ? FormatFromExtension(input.path) : options_.format,
      input.id);
}

bool ArticleReader::ReadSource(std::unique_ptr<ByteSource> source, const std::string& name,
                               InputFormat format, const std::string& id) {
  if (format == InputFormat::kWarc) {
    ++counters_.files;
    return ReadWarc(*source, name, {});
  }
  InputStream in(std::move(source), stop_);
  in.DetectEncoding();  // UTF-16 becomes UTF-8 as it is read
  ++counters_.files;
  if (format == InputFormat::kAuto) {
    // Stdin has no name to go by: look at the first non-blank byte.
    const int first = in.PeekNonBlank();
    format = first == '{'   ? InputFormat::kJsonLines
             : first == '<' ? InputFormat::kHtml
                            : InputFormat::kSeedText;
  }
  if (format == InputFormat::kJsonLines) return ReadJsonLines(in, name);
  return ReadWhole(in, name, format, id);
}

bool ArticleReader::ReadWhole(InputStream& in, const std::string& name, InputFormat format,
                              const std::string& id) {
  Chunk content;
  switch (in.ReadAll(options_.max_article_bytes, &content)) {
    case ReadStatus::kStopped:
      return false;
    case ReadStatus::kError:
      Reject(name, 0, v1::DeadLetter::MALFORMED_INPUT,
             absl::StrCat("cannot read: ", in.error().message()), content);
      return true;
    case ReadStatus::kTooLong:
      Reject(name, 0, v1::DeadLetter::TOO_LARGE,
             absl::StrCat("input is ",
                          content.sha256.empty() ? "more than " : "",
                          Megabytes(static_cast<size_t>(content.size)), ", above the ",
                          Megabytes(options_.max_article_bytes),
                          " limit (--max-article-bytes); not read further"),
             content);
      return true;
    default:
      break;
  }
  if (IsBlank(content.bytes)) {
    Reject(name, 0, v1::DeadLetter::EMPTY_CONTENT, "empty input: no article in it", "");
    return true;
  }
  return format == InputFormat::kHtml ? ReadHtml(std::move(content.bytes), name, id)
                                      : ReadSeedText(std::move(content.bytes), name, id);
}

bool ArticleReader::ReadJsonLines(InputStream& in, const std::string& name) {
  const uint64_t records_before = counters_.articles + counters_.bad_records;
  const size_t limit = options_.max_article_bytes * kJsonLineFactor;
  Chunk chunk;
  while (true) {
    position_.next_line = in.line_number() + 1;
    const ReadStatus status = in.ReadLine(limit, &chunk);
    if (status == ReadStatus::kEnd) break;
    if (status == ReadStatus::kStopped) return false;
    const int64_t line_number = in.line_number();
    if (status == ReadStatus::kError) {
      Reject(name, line_number + 1, v1::DeadLetter::MALFORMED_INPUT,
             absl::StrCat("cannot read: ", in.error().message()), chunk);
      break;
    }
    if (status == ReadStatus::kTooLong) {
      std::string id = IdHint(chunk.bytes);
      if (id.empty()) id = IdHint(chunk.tail);
      Reject(name, line_number, v1::DeadLetter::TOO_LARGE,
             absl::StrCat("line", id.empty() ? "" : absl::StrCat(" of article '", id, "'"),
                          " is ", Megabytes(static_cast<size_t>(chunk.size)),
                          ", above the ", Megabytes(limit), " a JSON line may take (",
                          kJsonLineFactor, " x --max-article-bytes); skipped"),
             chunk);
      continue;
    }
    std::string& line = chunk.bytes;
    if (IsBlank(line)) continue;
    if (!ParseJsonLine(line, name, line_number)) return false;
  }
  if (counters_.articles + counters_.bad_records == records_before) {
    Reject(name, 0, v1::DeadLetter::EMPTY_CONTENT, "empty input: no JSON line in it", "");
  }
  return true;
}

bool ArticleReader::ParseJsonLine(std::string& line, const std::string& name,
                                  int64_t line_number) {
  const int repairs = RepairUtf8(&line);
  v1::RawArticle article;
  if (absl::Status decoded = json_decoder_.Decode(line, &article); !decoded.ok()) {
    Reject(name, line_number, v1::DeadLetter::MALFORMED_INPUT, std::string(decoded.message()),
           line);
    return true;
  }
  if (IsBlank(article.body()) && article.html().empty()) {
    Reject(name, line_number, v1::DeadLetter::MISSING_FIELD,
           "missing body: an article needs \"body\" (or \"text\") or \"html\"", line);
    return true;
  }
  if (article.id().empty()) {
    article.set_id(HexId(article.url().empty() ? line : normalize::CanonicalizeUrl(article.url())));
  }
  if (Binary(article.body(), name, line_number, line)) return true;
  if (TooLarge(article, name, line_number, line)) return true;
  return Emit(std::move(article), name, line_number, "jsonl", repairs);
}

bool ArticleReader::ReadSeedText(std::string content, const std::string& name,
                                 const std::string& id) {
  const int repairs = RepairUtf8(&content);
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
    return true;
  }
  if (Binary(body, name, 0, content)) return true;
  article.set_body(std::move(body));
  article.set_id(id.empty() ? HexId(content) : id);
  if (TooLarge(article, name, 0, content)) return true;
  return Emit(std::move(article), name, 0, "seed-text", repairs);
}

bool ArticleReader::ReadHtml(std::string content, const std::string& name,
                             const std::string& id) {
  v1::RawArticle article;
  article.set_id(id.empty() ? HexId(content) : id);
  article.set_url(ExtractCanonicalLink(content));
  article.set_html(content);
  if (TooLarge(article, name, 0, content)) return true;
  return Emit(std::move(article), name, 0, "html", 0);
}

v1::DeadLetter DeadLetterFor(const BadRecord& bad, const std::string& stage) {
  RecordOrigin origin;
  origin.input = bad.input;
  origin.line = bad.line;
  origin.offset = bad.offset;
  return MakeDeadLetter(OriginalBytes{bad.original, bad.original_size, bad.original_sha256},
                        stage, bad.reason, bad.message, origin);
}

}  // namespace newsflow::producers
