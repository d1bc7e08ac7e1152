// Where the poller's articles go: the raw topic (producers/poll_sinks.h, through Kafka) or a
// JSON Lines stream. The poller marks an item as seen only after its sink said it was
// delivered, so a sink must not report success for what it does not hold.
#ifndef NEWSFLOW_INGEST_ARTICLE_SINK_H_
#define NEWSFLOW_INGEST_ARTICLE_SINK_H_

#include <vector>

#include "absl/status/status.h"
#include "newsflow/v1/article.pb.h"

namespace newsflow::ingest {

class ArticleSink {
 public:
  virtual ~ArticleSink() = default;
  // Delivers `articles` and returns one status per article, in order: OK once it is durably
  // held (the broker acknowledged it; the line was written and flushed), else why not.
  // Blocks until every article is settled.
  virtual std::vector<absl::Status> Publish(const std::vector<v1::RawArticle>& articles) = 0;
  // Whether delivering works right now (for /readyz): OK, or what is wrong.
  virtual absl::Status Health() const { return absl::OkStatus(); }
};

}  // namespace newsflow::ingest

#endif  // NEWSFLOW_INGEST_ARTICLE_SINK_H_
