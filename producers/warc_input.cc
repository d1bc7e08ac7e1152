// ArticleReader's web-archive input (declared in article_reader.h): every HTML response of
// a WARC file becomes a RawArticle, everything else is counted as skipped by reason, a
// malformed record is reported with file:offset, and progress is told for long archives.
#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/clock.h"
#include "ingest/warc_reader.h"
#include "producers/article_reader.h"

namespace newsflow::producers {

bool ArticleReader::LanguageKept(const v1::RawArticle& article) {
  if (options_.languages.empty()) return true;
  if (language_detector_ == nullptr) {
    language_detector_ = std::make_unique<normalize::Normalizer>(normalize::NormalizeOptions());
  }
  absl::StatusOr<normalize::NormalizedArticle> normalized = language_detector_->Normalize(article);
  if (!normalized.ok()) return true;  // the pipeline will report it; not a language question
  return std::find(options_.languages.begin(), options_.languages.end(), normalized->language) !=
         options_.languages.end();
}

bool ArticleReader::ReadWarc(ByteSource& source, const std::string& name, ResumePoint start) {
  ingest::WarcReaderOptions reader_options;
  reader_options.inflater = options_.inflater;
  reader_options.max_block_bytes = options_.max_record_bytes;
  ingest::WarcReader reader(&source, reader_options, stop_, {start.offset, start.inner});
  ingest::WarcArticleOptions article_options = options_.warc;
  article_options.max_body_bytes = options_.max_article_bytes;

  const int64_t size = source.KnownSize();
  const int64_t started_us = MonotonicMicros();
  int64_t last_progress_us = started_us;
  const int64_t start_offset = start.offset;
  uint64_t records_at_start = counters_.warc_records;
  bool told = false;  // the closing line only follows earlier ones (a long archive)
  auto progress = [&](bool force) {
    if (!on_progress_ || options_.progress_interval_s == 0) return;
    const int64_t now = MonotonicMicros();
    if (!force && now - last_progress_us < options_.progress_interval_s * 1000000LL) return;
    if (force && !told) return;
    told = true;
    last_progress_us = now;
    const double seconds = std::max(1e-3, (now - started_us) / 1e6);
    const int64_t read = reader.compressed_position() - start_offset;
    std::string line = absl::StrFormat(
        "%s: %d records, %d articles, %.0f records/s, %.1f MB/s", name,
        counters_.warc_records - records_at_start, counters_.articles,
        (counters_.warc_records - records_at_start) / seconds, read / seconds / 1e6);
    if (size > 0) {
      const double done = static_cast<double>(reader.compressed_position()) / size;
      const double rate = read / seconds;
      absl::StrAppendFormat(&line, ", %.1f%% of %.1f MB", 100 * done, size / 1e6);
      if (rate > 0 && !force) {
        absl::StrAppendFormat(&line, ", ETA %.0f s", (size - reader.compressed_position()) / rate);
      }
    }
    on_progress_(line);
  };

  ingest::WarcHeader header;
  std::string block;
  while (true) {
    const ingest::WarcPosition before = reader.next_position();
    const ingest::WarcEvent event = reader.Next(&header, &block);
    if (event == ingest::WarcEvent::kStopped) return false;
    if (event == ingest::WarcEvent::kEnd) break;
    if (event == ingest::WarcEvent::kError) {
      Reject(name, 0, v1::DeadLetter::MALFORMED_INPUT,
             absl::StrCat("cannot read: ", reader.problem()), "");
      break;
    }
    if (event == ingest::WarcEvent::kTruncated) {
      // Not bad input to dead-letter: the complete records before it were read.
      ++counters_.truncated_inputs;
      if (on_progress_) {
        on_progress_(absl::StrCat("warning: ", name, ":", reader.problem_offset(), ": ",
                                  reader.problem(), "; the records before it were read"));
      }
      break;
    }
    if (event == ingest::WarcEvent::kMalformed) {
      BadRecord bad;
      ++counters_.bad_records;
      bad.input = name;
      bad.offset = reader.problem_offset();
      bad.reason = v1::DeadLetter::MALFORMED_INPUT;
      bad.message = absl::StrCat("offset ", reader.problem_offset(), ": ", reader.problem(),
                                 "; reading goes on at the next record");
      bad.original = reader.problem_bytes();
      bad.original_size = static_cast<int64_t>(bad.original.size());
      on_bad_(bad);
      continue;
    }
    ++counters_.warc_records;
    position_.resume = {reader.next_position().offset, reader.next_position().inner, false};
    ingest::WarcSkip skip = ingest::WarcSkip::kNone;
    ingest::WarcArticle article;
    if (event == ingest::WarcEvent::kTooLarge) {
      skip = ingest::SkipOfUnreadRecord(header);
    } else {
      article = ingest::RecordToArticle(header, std::move(block), article_options);
      skip = article.skip;
    }
    if (skip == ingest::WarcSkip::kNone && article.malformed) {
      BadRecord bad;
      ++counters_.bad_records;
      bad.input = name;
      bad.offset = header.position.offset;
      bad.reason = v1::DeadLetter::MALFORMED_INPUT;
      bad.message = absl::StrCat("offset ", header.position.offset, ": record ",
                                 std::string(header.Field("WARC-Record-ID")), ": ", article.problem);
      on_bad_(bad);
      continue;
    }
    if (skip == ingest::WarcSkip::kNone && !LanguageKept(article.article)) {
      skip = ingest::WarcSkip::kLanguage;
    }
    if (skip != ingest::WarcSkip::kNone) {
      ++counters_.skipped[ingest::WarcSkipName(skip)];
      progress(false);
      continue;
    }
    if (!Emit(std::move(article.article), name, 0, "warc", 0)) {
      position_.resume = {before.offset, before.inner, false};  // not taken: resume here
      return false;
    }
    progress(false);
  }
  progress(true);
  return true;
}

}  // namespace newsflow::producers
