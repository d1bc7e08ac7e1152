// `newsflow produce`: reads articles (article_reader.h) and publishes them as RawArticle
// records to the raw topic, counting what the broker acknowledged. Bad input records go to
// the dead-letter topic with their reason, so nothing read is lost.
#ifndef NEWSFLOW_PRODUCERS_PUBLISHER_H_
#define NEWSFLOW_PRODUCERS_PUBLISHER_H_

#include <atomic>
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kafka/client.h"
#include "kafka/topics.h"
#include "producers/article_reader.h"

namespace newsflow::producers {

struct PublishOptions {
  kafka::ProducerOptions producer;
  kafka::TopicsOptions topics;
  // `reader.max_article_bytes` 0 = what fits in one record of the raw topic (the smaller of
  // the producer's message.max.bytes and the topic's max.message.bytes, less room for the
  // other fields). Default 0.
  ReaderOptions reader = [] {
    ReaderOptions options;
    options.max_article_bytes = 0;
    return options;
  }();
  // Create missing topics before publishing. Default true.
  bool create_topics = true;
  // Publish bad input records to the dead-letter topic. Default true.
  bool dead_letter_bad_input = true;
  // Articles per second, sent evenly spaced on an absolute schedule (send_pacer.h): an
  // article that falls behind is sent at once rather than pushing every later one back.
  // 0 = as fast as the producer accepts them. Default 0.
  double rate_per_s = 0;
  // Seconds between progress lines on the log stream; 0 = none. Default 5.
  int progress_interval_s = 5;
  // How long to wait at the end for outstanding acknowledgements. Default: the delivery
  // timeout plus 10 s, after which librdkafka has reported every record.
  int final_flush_timeout_ms = 0;
  // Checkpoint file (`--checkpoint`): per input, how far every record was acknowledged by the
  // broker (a web archive: the position of the next record; any input: read to its end). A
  // run with the same file resumes there. Empty = none. Default empty.
  std::string checkpoint_path;
  // Articles between checkpoints: they are flushed (every one acknowledged) before the
  // checkpoint moves past them, so a run killed with SIGKILL sends at most this many again
  // when restarted. Default 1000.
  int checkpoint_every = 1000;

  absl::Status Validate() const;
};

struct PublishReport {
  ReadCounters read;
  uint64_t sent = 0;          // articles handed to the producer
  uint64_t acknowledged = 0;  // articles the broker acknowledged
  // Articles not acknowledged, in two kinds: refused (the broker said no, or they were never
  // sent: not on the topic, safe to send again) and ambiguous (sent, but no answer came in
  // time: they may be on the topic, and sending them again may duplicate them).
  uint64_t refused = 0;
  uint64_t ambiguous = 0;
  uint64_t dead_lettered = 0;       // bad input records acknowledged on the dead-letter topic
  uint64_t dead_letter_failed = 0;  // bad input records whose dead letter was not acknowledged
  absl::Status first_delivery_error;
  std::vector<std::string> refused_ids;    // the first few
  std::vector<std::string> ambiguous_ids;  // the first few
  // The article size limit in force (--max-article-bytes, or the one derived from the
  // topic's record limit).
  size_t max_article_bytes = 0;
  // Reading was stopped (SIGINT/SIGTERM) before every input was read; `resume` says where.
  bool interrupted = false;
  ReadPosition resume;
  uint64_t checkpoints_written = 0;

  bool AllAcknowledged() const {
    return refused == 0 && ambiguous == 0 && dead_letter_failed == 0 && acknowledged == sent;
  }
};

// Publishes every article found in `paths` ("-" = stdin). Returns an error only when
// publishing could not start (bad options, broker unreachable while creating topics, bad
// credentials); per-record outcomes are in the report. An article too large for a record of
// the raw topic is not sent: it is dead-lettered like bad input, and every dead letter is
// cut to fit the dead-letter topic. `stop` ends reading early, also inside a long input
// (records already handed over are still flushed and counted; with a rate, the article
// waiting for its turn is not sent); the report then says where to resume. Each article's `ingested_at_ms` is stamped right before it is handed to the
// producer, after any wait for its turn, so that end-to-end latency (latency_summary.h)
// starts when the article enters Kafka, not when it was read.
absl::StatusOr<PublishReport> PublishArticles(const std::vector<std::string>& paths,
                                              const PublishOptions& options,
                                              const std::atomic<bool>& stop, std::ostream& log);

}  // namespace newsflow::producers

#endif  // NEWSFLOW_PRODUCERS_PUBLISHER_H_
