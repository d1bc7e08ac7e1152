// Where `newsflow poll` delivers articles: the raw topic through a Kafka producer (an article
// counts as delivered once the broker acknowledged it; one too large for a record goes to
// the dead-letter topic instead), or a JSON Lines stream in the format `produce` and `batch`
// read (`poll --output FILE|-`), flushed before it counts.
#ifndef NEWSFLOW_PRODUCERS_POLL_SINKS_H_
#define NEWSFLOW_PRODUCERS_POLL_SINKS_H_

#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "ingest/article_sink.h"
#include "kafka/client.h"
#include "kafka/topics.h"
#include "observability/log.h"

namespace newsflow::producers {

struct KafkaSinkOptions {
  kafka::ProducerOptions producer;
  kafka::TopicsOptions topics;
  // Create missing topics first. Default true.
  bool create_topics = true;

  absl::Status Validate() const;
};

class KafkaArticleSink : public ingest::ArticleSink {
 public:
  // Connects (and creates the topics when asked); fails when the broker cannot be reached
  // or refuses the credentials.
  static absl::StatusOr<std::unique_ptr<KafkaArticleSink>> Create(const KafkaSinkOptions& options,
                                                                  observability::Logger* log);
  ~KafkaArticleSink() override;

  // OK: acknowledged on the raw topic. ResourceExhausted: larger than a record of the raw
  // topic takes, so it went to the dead-letter topic instead (the poller remembers it and
  // does not try again). Anything else: not delivered.
  std::vector<absl::Status> Publish(const std::vector<v1::RawArticle>& articles) override;
  // The producer's fatal error, or the last batch's delivery failure until one succeeds.
  absl::Status Health() const override;

 private:
  KafkaArticleSink() = default;
  struct State;
  std::unique_ptr<State> state_;
};

class JsonLinesSink : public ingest::ArticleSink {
 public:
  // `path` "-" is standard output; a file is appended to (created when missing).
  static absl::StatusOr<std::unique_ptr<JsonLinesSink>> Open(const std::string& path);
  ~JsonLinesSink() override;

  // One line per article: id, url, source, title, published_at, language, fetched_at,
  // byline, category, and html as UTF-8 text (decoded from the page's charset, so charset
  // is "utf-8"). Written and flushed (and synced to disk for a file) before it counts.
  std::vector<absl::Status> Publish(const std::vector<v1::RawArticle>& articles) override;

  // The line for `article` (no newline).
  static std::string ToJsonLine(const v1::RawArticle& article);

 private:
  JsonLinesSink() = default;
  std::FILE* out_ = nullptr;
  bool owned_ = false;
  bool regular_file_ = false;
  std::string path_;
  absl::Status broken_;  // once writing failed, nothing more is written
};

}  // namespace newsflow::producers

#endif  // NEWSFLOW_PRODUCERS_POLL_SINKS_H_
