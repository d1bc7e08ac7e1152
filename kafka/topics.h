// Names and partition counts of newsflow's topics, shared by produce, process and topics.
#ifndef NEWSFLOW_KAFKA_TOPICS_H_
#define NEWSFLOW_KAFKA_TOPICS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kafka/admin.h"

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
  // Scale-out topology only: the repartition topic of PreparedArticle records keyed by
  // dedup scope; its partitions are the dedup tasks, and the dedup changelog is
  // co-partitioned with it. Default empty (single topology: no repartition topic).
  std::string by_scope;
  // Partitions of `by_scope` and of its changelog (the most dedup tasks that can run in
  // parallel). Default 6.
  int scope_partitions = 6;
  // Partitions of the raw topic. Default 1: in the single topology one instance keeps one
  // dedup index for all input, so verdicts follow the order of one partition; the scale-out
  // topology wants more (docs/ARCHITECTURE.md).
  int raw_partitions = 1;
  // Partitions of the enriched topic. Default 3.
  int enriched_partitions = 3;
  // Partitions of the dead-letter topic. Default 1.
  int dlq_partitions = 1;
  // Replication factor of every topic. Default 1 (the single local broker).
  int replication_factor = 1;

  absl::Status Validate() const;
  // Every topic: raw, enriched, dead-letter, the repartition topic when set, and the dedup
  // changelog (compacted; one partition, or scope_partitions with a repartition topic) when
  // its name is set.
  std::vector<TopicSpec> Specs() const;
  // The topics a producer writes: raw and dead-letter.
  std::vector<TopicSpec> ProducerSpecs() const;
  // The changelog topic for consumer group `group`.
  std::string DedupChangelogFor(const std::string& group) const;
  // The scale-out topology's repartition topic and changelog for consumer group `group`.
  std::string ByScopeFor(const std::string& group) const;
};

}  // namespace newsflow::kafka

#endif  // NEWSFLOW_KAFKA_TOPICS_H_
