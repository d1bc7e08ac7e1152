#include "kafka/topics.h"

#include "absl/strings/str_cat.h"

namespace newsflow::kafka {

absl::Status TopicsOptions::Validate() const {
  for (const std::string* name : {&raw, &enriched, &dlq}) {
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
  std::vector<TopicSpec> specs = {{raw, raw_partitions, replication_factor, {}},
                                  {enriched, enriched_partitions, replication_factor, {}},
                                  {dlq, dlq_partitions, replication_factor, {}}};
  if (!dedup_changelog.empty()) {
    specs.push_back({dedup_changelog, 1, replication_factor, {{"cleanup.policy", "compact"}}});
  }
  return specs;
}

std::string TopicsOptions::DedupChangelogFor(const std::string& group) const {
  return dedup_changelog.empty() ? "newsflow." + group + ".dedup-changelog" : dedup_changelog;
}

std::vector<TopicSpec> TopicsOptions::ProducerSpecs() const {
  return {{raw, raw_partitions, replication_factor, {}},
          {dlq, dlq_partitions, replication_factor, {}}};
}

}  // namespace newsflow::kafka
