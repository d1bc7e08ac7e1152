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
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "ingest/gzip_reader.h"
#include "ingest/warc_articles.h"
#include "newsflow/v1/article.pb.h"
#include "processors/normalize/normalize.h"
#include "producers/input_stream.h"
#include "producers/json_line.h"

namespace newsflow::producers {

enum class InputFormat {
  kAuto,      // by file extension (.jsonl/.ndjson/.json, .html/.htm, else text); stdin sniffed
  kSeedText,  // header line "date YYYY-MM-DD SOURCE / SECTION", title line, body
  kJsonLines, // one JSON object per line
  kHtml,      // one HTML page per file
  kWarc,      // a web archive (WARC 1.0/1.1, plain or gzip): its HTML responses with status 200
};

// Parses "auto", "text", "jsonl", "html", "warc".
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
  // Web archives: which records become articles (`--warc-host`, `--since`, `--until`);
  // `warc.max_body_bytes` is taken from max_article_bytes. Default: every HTML response.
  ingest::WarcArticleOptions warc;
  // Web archives: records whose block is larger are skipped unread (`--max-record-bytes`).
  // Default 16 MiB.
  size_t max_record_bytes = 16 << 20;
  // Web archives: the gzip inflater. Default ISA-L (docs/PERFORMANCE.md).
  ingest::Inflater inflater = ingest::Inflater::kIsal;
  // Keep only articles whose detected language (ISO 639-1, as the normalizer detects it) is
  // one of these; empty = every language. Default empty.
  std::vector<std::string> languages;
  // Seconds between progress lines on long inputs (web archives); 0 = none. Default 5.
  int progress_interval_s = 5;

  absl::Status Validate() const;
};

// Where to resume reading an input (checkpoints): for a web archive, the position of the
// next record to read (`offset` of its gzip member, `inner` decompressed bytes into it);
// `done` = the input was read to its end.
struct ResumePoint {
  int64_t offset = 0;
  int64_t inner = 0;
  bool done = false;
};

// An input record that could not become a RawArticle.
struct BadRecord {
  std::string input;  // file path or "-"
  int64_t line = 0;   // 1-based line for JSON Lines; 0 for whole files
  int64_t offset = -1;  // web archives: the byte offset of the record (its gzip member)
  v1::DeadLetter::Reason reason = v1::DeadLetter::MALFORMED_INPUT;
  std::string message;
  std::string original;  // the offending bytes, or their first part; empty when unreadable
  int64_t original_size = 0;    // size of the offending bytes before truncation
  std::string original_sha256;  // hash of all of them when only a part is kept (if known)
};

// The dead letter of a bad record, refused at `stage` ("read" in batch, "produce").
v1::DeadLetter DeadLetterFor(const BadRecord& bad, const std::string& stage);

struct ReadCounters {
  uint64_t files = 0;
  uint64_t articles = 0;
  uint64_t bad_records = 0;
  uint64_t utf8_repairs = 0;  // records with invalid UTF-8 replaced
  // Web archives: records read, and those that are not articles, by reason (request,
  // metadata, revisit, warcinfo, non-html, non-200, host, date, too-large, language, ...).
  uint64_t warc_records = 0;
  std::map<std::string, uint64_t> skipped;
  uint64_t truncated_inputs = 0;  // archives that ended inside a record
};

// Where reading stopped, when it was stopped before the end: what to read again.
struct ReadPosition {
  std::string input;       // the input being read; empty when every input was read
  int64_t next_line = 0;   // line formats: the first line not yet taken (1-based); else 0
  size_t inputs_left = 0;  // inputs after `input` that were not started
  ResumePoint resume;      // web archives: where the next record not yet taken starts
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
  // Where reading stands; inside the article callback, `resume` is just past the article.
  const ReadPosition& position() const { return position_; }

  // Checkpoints: inputs to start at a position (a web archive) or to skip (done).
  void SetResumePoints(std::map<std::string, ResumePoint> points) { resume_ = std::move(points); }
  // Called when an input has been read to its end (a place to make a checkpoint).
  void SetInputEndCallback(std::function<void(const std::string& input)> on_end) {
    on_input_end_ = std::move(on_end);
  }
  // Progress lines for long inputs: records/s, MB/s, and an ETA when the size is known.
  void SetProgressCallback(std::function<void(const std::string& line)> on_progress) {
    on_progress_ = std::move(on_progress);
  }

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
  // Web archives (warc_input.cc).
  bool ReadWarc(ByteSource& source, const std::string& name, ResumePoint start);
  bool LanguageKept(const v1::RawArticle& article);
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
  std::map<std::string, ResumePoint> resume_;
  std::function<void(const std::string&)> on_input_end_;
  std::function<void(const std::string&)> on_progress_;
  std::unique_ptr<normalize::Normalizer> language_detector_;  // only with `languages`
  JsonLineDecoder json_decoder_;
};

// Kafka key / dedup key of an article: its canonical URL, else its id.
std::string ArticleKey(const v1::RawArticle& article);

}  // namespace newsflow::producers

#endif  // NEWSFLOW_PRODUCERS_ARTICLE_READER_H_
