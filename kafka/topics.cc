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
  if (!by_scope.empty() && (by_scope == raw || by_scope == enriched || by_scope == dlq ||
                            by_scope == dedup_changelog)) {
    return absl::InvalidArgumentError("the repartition topic must differ from the others");
  }
  if (raw_partitions < 1 || enriched_partitions < 1 || dlq_partitions < 1 ||
      scope_partitions < 1) {
    return absl::InvalidArgumentError("partition counts must be >= 1");
  }
  if (replication_factor < 1) return absl::InvalidArgumentError("replication factor must be >= 1");
  return absl::OkStatus();
}

std::vector<TopicSpec> TopicsOptions::Specs() const {
  std::vector<TopicSpec> specs = {{raw, raw_partitions, replication_factor, {}},
                                  {enriched, enriched_partitions, replication_factor, {}},
                                  {dlq, dlq_partitions, replication_factor, {}}};
  if (!by_scope.empty()) specs.push_back({by_scope, scope_partitions, replication_factor, {}});
  if (!dedup_changelog.empty()) {
    specs.push_back({dedup_changelog, by_scope.empty() ? 1 : scope_partitions,
                     replication_factor, {{"cleanup.policy", "compact"}}});
  }
  return specs;
}

std::string TopicsOptions::DedupChangelogFor(const std::string& group) const {
  return dedup_changelog.empty() ? "newsflow." + group + ".dedup-changelog" : dedup_changelog;
}

std::string TopicsOptions::ByScopeFor(const std::string& group) const {
  return by_scope.empty() ? "newsflow." + group + ".by-scope" : by_scope;
}

std::vector<TopicSpec> TopicsOptions::ProducerSpecs() const {
  return {{raw, raw_partitions, replication_factor, {}},
          {dlq, dlq_partitions, replication_factor, {}}};
}

}  // namespace newsflow::kafka
