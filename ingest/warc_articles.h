// Which records of a web archive are news articles, and the RawArticle each becomes: an HTML
// `response` record with HTTP status 200 (its body de-chunked and decoded, its URL, fetch
// time and charset from the record), filtered by host and date. Everything else is skipped
// with a reason, never an error; a response record whose HTTP message cannot be read is
// malformed input. Pure: no I/O, no Kafka.
#ifndef NEWSFLOW_INGEST_WARC_ARTICLES_H_
#define NEWSFLOW_INGEST_WARC_ARTICLES_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "ingest/host_filter.h"
#include "ingest/warc_reader.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::ingest {

struct WarcArticleOptions {
  // Hosts to keep (`--warc-host`); null or empty = every host. Not owned.
  const HostFilter* hosts = nullptr;
  // Keep records whose WARC-Date is at or after `since_ms` and before `until_ms` (Unix
  // epoch ms); 0 = no bound. Defaults 0.
  int64_t since_ms = 0;
  int64_t until_ms = 0;
  // Pages whose decoded body is larger are skipped (kTooLarge). Default 2 MiB.
  size_t max_body_bytes = 2 * 1024 * 1024;
};

// Why a record is not an article.
enum class WarcSkip {
  kNone,
  kWarcinfo,
  kRequest,
  kMetadata,
  kRevisit,
  kOtherType,  // resource, conversion, continuation, ...
  kNonHtml,
  kNon200,
  kHost,       // --warc-host
  kDate,       // --since / --until
  kTooLarge,   // --max-record-bytes, or a body over the article limit
  kLanguage,   // --language (decided by the caller, which detects it)
};

// "warcinfo", "request", "metadata", "revisit", "other-type", "non-html", "non-200", "host",
// "date", "too-large", "language".
const char* WarcSkipName(WarcSkip skip);
// Every reason, for summaries.
inline constexpr WarcSkip kAllWarcSkips[] = {
    WarcSkip::kWarcinfo, WarcSkip::kRequest, WarcSkip::kMetadata, WarcSkip::kRevisit,
    WarcSkip::kOtherType, WarcSkip::kNonHtml, WarcSkip::kNon200, WarcSkip::kHost,
    WarcSkip::kDate, WarcSkip::kTooLarge, WarcSkip::kLanguage};

struct WarcArticle {
  WarcSkip skip = WarcSkip::kNone;
  bool malformed = false;  // a response record that is not a readable HTTP response
  std::string problem;     // why, when malformed
  v1::RawArticle article;  // the article, when neither skipped nor malformed
};

// Classifies one record read whole (`block` is its content block).
WarcArticle RecordToArticle(const WarcHeader& header, std::string block,
                            const WarcArticleOptions& options);
// The skip reason of a record whose block was too large to read (WarcEvent::kTooLarge):
// its type when it is not a response, else kTooLarge.
WarcSkip SkipOfUnreadRecord(const WarcHeader& header);

// WARC-Date ("2024-05-18T12:34:56Z", fractions allowed) as Unix epoch ms; -1 if unreadable.
int64_t ParseWarcDate(std::string_view date);

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_WARC_ARTICLES_H_
