// Reads articles from files, directories and stdin in the formats newsflow accepts
// (seed-style text, JSON Lines, HTML) and turns them into RawArticle messages. Bad
// records are reported with file and line, never dropped silently. Reads are bounded (a
// line or file over the limit is reported and skipped, never held whole) and stop promptly
// when asked. Shared by `newsflow produce` and `newsflow batch`; no Kafka here.
#ifndef NEWSFLOW_PRODUCERS_ARTICLE_READER_H_
#define NEWSFLOW_PRODUCERS_ARTICLE_READER_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "newsflow/v1/article.pb.h"
#include "producers/input_stream.h"

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
  // Articles whose body or HTML exceeds this are rejected (TOO_LARGE), not truncated; a
  // text or HTML file is read up to this size, a JSON line up to four times it (JSON escapes
  // make a line longer than its text). Default 2 MiB, the normalizer's default limit
  // (`produce` lowers it to what fits in a record of the raw topic).
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
  std::string original;  // the offending bytes, or their first part; empty when unreadable
  int64_t original_size = 0;    // size of the offending bytes before truncation
  std::string original_sha256;  // hash of all of them when only a part is kept (if known)
};

struct ReadCounters {
  uint64_t files = 0;
  uint64_t articles = 0;
  uint64_t bad_records = 0;
  uint64_t utf8_repairs = 0;  // records with invalid UTF-8 replaced
};

// Where reading stopped, when it was stopped before the end: what to read again.
struct ReadPosition {
  std::string input;       // the input being read; empty when every input was read
  int64_t next_line = 0;   // line formats: the first line not yet taken (1-based); else 0
  size_t inputs_left = 0;  // inputs after `input` that were not started
};

class ArticleReader {
 public:
  // Returns false when the article was not taken (the caller was stopped while waiting):
  // reading stops, and the position points at this article.
  using ArticleCallback = std::function<bool(v1::RawArticle&&)>;
  using BadRecordCallback = std::function<void(const BadRecord&)>;

  // `stop` (may be null) ends reading promptly, also inside a long line or file.
  ArticleReader(ReaderOptions options, ArticleCallback on_article, BadRecordCallback on_bad,
                const std::atomic<bool>* stop = nullptr);

  // Reads every input in order: files, directories (recursively, in sorted order; hidden
  // entries and files without an article extension — .txt .text .jsonl .ndjson .json .html
  // .htm — skipped; an unreadable entry or a symlink loop is reported and skipped) and "-"
  // (stdin). A whole-file article's id is its path relative to the argument without the
  // extension ("politics/story"), with the extension where two inputs of the run would share
  // it, and the path as given where they would still be the same. Returns false when
  // stopped before the end (see position()).
  bool ReadInputs(const std::vector<std::string>& paths);

  // Reads one source; `name` is used for reports and provenance, `id` for a whole-file
  // article (empty: a hash of its content). False when stopped.
  bool ReadSource(std::unique_ptr<ByteSource> source, const std::string& name,
                  InputFormat format, const std::string& id = "");

  const ReadCounters& counters() const { return counters_; }
  const ReadPosition& position() const { return position_; }

 private:
  struct PlannedInput {
    std::string path;  // "-" for stdin
    std::string id;    // whole-file article id
  };
  std::vector<PlannedInput> Plan(const std::vector<std::string>& paths);
  void Walk(const std::string& root, const std::string& directory,
            std::vector<std::pair<uint64_t, uint64_t>>* visited, std::vector<std::string>* files);
  bool ReadFile(const PlannedInput& input);
  bool ReadJsonLines(InputStream& in, const std::string& name);
  bool ParseJsonLine(std::string& line, const std::string& name, int64_t line_number);
  bool ReadWhole(InputStream& in, const std::string& name, InputFormat format,
                 const std::string& id);
  bool ReadSeedText(std::string content, const std::string& name, const std::string& id);
  bool ReadHtml(std::string content, const std::string& name, const std::string& id);
  bool Emit(v1::RawArticle&& article, const std::string& name, int64_t line,
            const std::string& format, int utf8_repairs);
  void Reject(const std::string& name, int64_t line, v1::DeadLetter::Reason reason,
              std::string message, const Chunk& original);
  void Reject(const std::string& name, int64_t line, v1::DeadLetter::Reason reason,
              std::string message, std::string original);
  bool TooLarge(const v1::RawArticle& article, const std::string& name, int64_t line,
                const std::string& original);
  bool Binary(const std::string& text, const std::string& name, int64_t line,
              const std::string& original);

  ReaderOptions options_;
  ArticleCallback on_article_;
  BadRecordCallback on_bad_;
  const std::atomic<bool>* stop_;
  ReadCounters counters_;
  ReadPosition position_;
  std::string host_;
};

// Kafka key / dedup key of an article: its canonical URL, else its id.
std::string ArticleKey(const v1::RawArticle& article);

}  // namespace newsflow::producers

#endif  // NEWSFLOW_PRODUCERS_ARTICLE_READER_H_
