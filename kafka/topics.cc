#include "kafka/topics.h"

#include "absl/strings/str_cat.h"

namespace newsflow::kafka {

absl::Status TopicsOptions::Validate() const {
  for (const std::string* name : {&raw, &enriched, &dlq, &dedup_changelog}) {
    if (name->empty()) return absl::InvalidArgumentError("topic names must not be empty");
  }
  if (raw == enriched || raw == dlq || enriched == dlq || dedup_changelog == raw ||
      dedup_changelog == enriched || dedup_changelog == dlq) {
    return absl::InvalidArgumentError(
        absl::StrCat("raw, enriched, dead-letter and changelog topics must differ (", raw, ", ",
                     enriched, ", ", dlq, ", ", dedup_changelog, ")"));
  }
  if (raw_partitions < 1 || enriched_partitions < 1 || dlq_partitions < 1) {
    return absl::InvalidArgumentError("partition counts must be >= 1");
  }
  if (replication_factor < 1) return absl::InvalidArgumentError("replication factor must be >= 1");
  return absl::OkStatus();
}

std::vector<TopicSpec> TopicsOptions::Specs() const {
  return {{raw, raw_partitions, replication_factor, {}},
          {enriched, enriched_partitions, replication_factor, {}},
          {dlq, dlq_partitions, replication_factor, {}},
          {dedup_changelog, 1, replication_factor, {{"cleanup.policy", "compact"}}}};
}

std::vector<TopicSpec> TopicsOptions::ProducerSpecs() const {
  return {{raw, raw_partitions, replication_factor, {}},
          {dlq, dlq_partitions, replication_factor, {}}};
}

}  // namespace newsflow::kafka
