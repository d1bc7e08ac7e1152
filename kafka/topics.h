// Names and partition counts of newsflow's topics, shared by produce, process and topics.
#ifndef NEWSFLOW_KAFKA_TOPICS_H_
#define NEWSFLOW_KAFKA_TOPICS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kafka/client.h"

namespace newsflow::kafka {

struct TopicsOptions {
  // Input topic of RawArticle records. Default "news.raw".
  std::string raw = "news.raw";
  // Output topic of EnrichedArticle records. Default "news.enriched".
  std::string enriched = "news.enriched";
  // Dead letters. Default "news.dlq".
  std::string dlq = "news.dlq";
  // Compacted changelog of the dedup index, replayed on start. One per consumer group (the
  // index belongs to the group's position in the raw topic). Default empty =
  // "newsflow.<group>.dedup-changelog" (see DedupChangelogFor).
  std::string dedup_changelog;
  // Partitions of the raw topic. Default 1: the foundation processor keeps one dedup state
  // for all input, so verdicts follow the order of one partition (docs/ARCHITECTURE.md).
  int raw_partitions = 1;
  // Partitions of the enriched topic. Default 3.
  int enriched_partitions = 3;
  // Partitions of the dead-letter topic. Default 1.
  int dlq_partitions = 1;
  // Replication factor of every topic. Default 1 (the single local broker).
  int replication_factor = 1;

  absl::Status Validate() const;
  // Every topic: raw, enriched, dead-letter, and the dedup changelog (compacted, one
  // partition) when its name is set.
  std::vector<TopicSpec> Specs() const;
  // The topics a producer writes: raw and dead-letter.
  std::vector<TopicSpec> ProducerSpecs() const;
  // The changelog topic for consumer group `group`.
  std::string DedupChangelogFor(const std::string& group) const;
};

}  // namespace newsflow::kafka

#endif  // NEWSFLOW_KAFKA_TOPICS_H_
