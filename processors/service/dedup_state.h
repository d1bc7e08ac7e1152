// Persistence of the dedup index through a compacted changelog topic: how entries are keyed
// and encoded, and how a processor rebuilds its index from the topic on start.
#ifndef NEWSFLOW_PROCESSORS_SERVICE_DEDUP_STATE_H_
#define NEWSFLOW_PROCESSORS_SERVICE_DEDUP_STATE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kafka/admin.h"
#include "observability/log.h"
#include "newsflow/v1/state.pb.h"
#include "processors/dedupe/dedupe.h"

namespace newsflow::service {

// Changelog key of an entry ("entry:" + 20-digit sequence) and of the meta record.
std::string DedupEntryKey(uint64_t sequence);
inline constexpr char kDedupMetaKey[] = "meta";

v1::DedupEntry ToProto(const dedupe::IndexedArticle& entry, int32_t input_partition,
                       int64_t input_offset);
dedupe::IndexedArticle FromProto(const v1::DedupEntry& entry);

// Rebuilds `deduper` (empty) from partitions `changelog_partitions` of the changelog
// `topic`. `committed` maps each input partition to its committed offset (-1: none):
// entries made by records at or after it are dropped, since those records will be
// processed again. Logs what it restored.
absl::Status RestoreDedupState(const kafka::ClientOptions& client, const std::string& topic,
                               const std::vector<int32_t>& changelog_partitions,
                               const std::map<int32_t, int64_t>& committed,
                               dedupe::Deduper* deduper, observability::Logger& log);

}  // namespace newsflow::service

#endif  // NEWSFLOW_PROCESSORS_SERVICE_DEDUP_STATE_H_
