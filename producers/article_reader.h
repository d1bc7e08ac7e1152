// Reads articles from files, directories and stdin in the formats newsflow accepts
// (seed-style text, JSON Lines, HTML) and turns them into RawArticle messages. Bad
// records are reported with file and line, never dropped silently. Shared by
// `newsflow produce` and `newsflow batch`; no Kafka here.
#ifndef NEWSFLOW_PRODUCERS_ARTICLE_READER_H_
#define NEWSFLOW_PRODUCERS_ARTICLE_READER_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::producers {

enum class InputFormat {
  kAuto,      // by file extension (.jsonl/.ndjson/.json, .html/.htm, else text); stdin sniffed
  kSeedText,  // header line "date YYYY-MM-DD SOURCE / SECTION", title line, body
  kJsonLines, // one JSON object per line
  kHtml,      // one HTML page per file
};

// Parses "auto", "text", "jsonl", "html".
absl::Status ParseInputFormat(const std::string& name, InputFormat* format);

struct ReaderOptions {
  // How to read inputs. Default kAuto.
  InputFormat format = InputFormat::kAuto;
  // Articles whose body or HTML exceeds this are rejected (TOO_LARGE), not truncated.
  // Default 2 MiB, the normalizer's default limit.
  size_t max_article_bytes = 2 * 1024 * 1024;
  // ProducerMetadata.agent. Default "newsflow-produce/<version>".
  std::string agent = "newsflow-produce";

  absl::Status Validate() const;
};

// An input record that could not become a RawArticle.
struct BadRecord {
  std::string input;  // file path or "-"
  int64_t line = 0;   // 1-based line for JSON Lines; 0 for whole files
  v1::DeadLetter::Reason reason = v1::DeadLetter::MALFORMED_INPUT;
  std::string message;
  std::string original;  // the offending bytes (first 1 MiB); empty when unreadable
  int64_t original_size = 0;  // size of the offending bytes before truncation
};

struct ReadCounters {
  uint64_t files = 0;
  uint64_t articles = 0;
  uint64_t bad_records = 0;
  uint64_t utf8_repairs = 0;  // records with invalid UTF-8 replaced
};

class ArticleReader {
 public:
  using ArticleCallback = std::function<void(v1::RawArticle&&)>;
  using BadRecordCallback = std::function<void(const BadRecord&)>;

  ArticleReader(ReaderOptions options, ArticleCallback on_article, BadRecordCallback on_bad);

  // Reads a file, a directory (recursively, in sorted order; hidden files and files without
  // an article extension — .txt .text .jsonl .ndjson .json .html .htm — skipped) or "-"
  // (stdin). Unreadable paths are reported as bad records.
  void ReadPath(const std::string& path);

  // Reads one stream; `name` is used for reports and provenance.
  void ReadStream(std::istream& in, const std::string& name, InputFormat format);

  const ReadCounters& counters() const { return counters_; }

 private:
  void ReadFile(const std::string& path);
  void ReadJsonLines(std::istream& in, const std::string& name);
  void ReadSeedText(std::string content, const std::string& name);
  void ReadHtml(std::string content, const std::string& name);
  void Emit(v1::RawArticle&& article, const std::string& name, int64_t line,
            const std::string& format, int utf8_repairs);
  void Reject(const std::string& name, int64_t line, v1::DeadLetter::Reason reason,
              std::string message, std::string original);
  bool TooLarge(const v1::RawArticle& article, const std::string& name, int64_t line,
                const std::string& original);

  ReaderOptions options_;
  ArticleCallback on_article_;
  BadRecordCallback on_bad_;
  ReadCounters counters_;
  std::string host_;
};

// Kafka key / dedup key of an article: its canonical URL, else its id.
std::string ArticleKey(const v1::RawArticle& article);

}  // namespace newsflow::producers

#endif  // NEWSFLOW_PRODUCERS_ARTICLE_READER_H_
