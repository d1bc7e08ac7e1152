#include "processors/service/dedup_state.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"

namespace newsflow::service {
namespace {

constexpr char kEntryPrefix[] = "entry:";

bool Committed(const std::map<int32_t, int64_t>& committed, int32_t partition, int64_t offset) {
  auto it = committed.find(partition);
  return it != committed.end() && it->second >= 0 && offset < it->second;
}

}  // namespace

std::string DedupEntryKey(uint64_t sequence) {
  return absl::StrFormat("%s%020u", kEntryPrefix, sequence);
}

v1::DedupEntry ToProto(const dedupe::IndexedArticle& entry, int32_t input_partition,
                       int64_t input_offset) {
  v1::DedupEntry proto;
  proto.set_sequence(entry.sequence);
  proto.set_id(entry.id);
  proto.set_cluster_id(entry.cluster_id);
  proto.set_event_time_ms(entry.event_time_ms);
  proto.set_shingle_count(entry.shingle_count);
  // Little-endian on the machines newsflow runs on (x86-64, arm64).
  proto.set_signature(std::string(reinterpret_cast<const char*>(entry.signature.data()),
                                  entry.signature.size() * sizeof(dedupe::SignatureValue)));
  proto.set_text_hash(entry.text_hash);
  proto.set_canonical_url(entry.canonical_url);
  proto.set_input_partition(input_partition);
  proto.set_input_offset(input_offset);
  return proto;
}

dedupe::IndexedArticle FromProto(const v1::DedupEntry& proto) {
  dedupe::IndexedArticle entry;
  entry.sequence = proto.sequence();
  entry.id = proto.id();
  entry.cluster_id = proto.cluster_id();
  entry.event_time_ms = proto.event_time_ms();
  entry.shingle_count = proto.shingle_count();
  entry.signature.resize(proto.signature().size() / sizeof(dedupe::SignatureValue));
  std::memcpy(entry.signature.data(), proto.signature().data(),
              entry.signature.size() * sizeof(dedupe::SignatureValue));
  entry.text_hash = proto.text_hash();
  entry.canonical_url = proto.canonical_url();
  return entry;
}

absl::Status RestoreDedupState(const kafka::ClientOptions& client, const std::string& topic,
                               const std::vector<int32_t>& changelog_partitions,
                               const std::map<int32_t, int64_t>& committed,
                               dedupe::Deduper* deduper, observability::Logger& log) {
  // Latest value per key; a tombstone deletes (the topic may not be compacted yet).
  std::map<uint64_t, v1::DedupEntry> entries;
  std::optional<v1::DedupMeta> meta;
  absl::Status decode_error;
  uint64_t records = 0;
  // Read with read_committed, the changelog ends at its last stable offset: a crashed
  // instance's transaction, open until the broker aborts it, hides everything committed
  // after it, and the index would silently miss what later instances indexed. Wait instead.
  auto open = kafka::PartitionsWithOpenTransactions(client, topic, changelog_partitions);
  if (!open.ok()) return open.status();
  if (!open->empty()) {
    return absl::UnavailableError(absl::StrCat(
        topic, " partition(s) ", absl::StrJoin(*open, ","),
        " hold an open transaction (a stopped instance's, aborted by the broker after "
        "transaction.timeout.ms); waiting for it"));
  }
  auto on_record = [&](const kafka::ConsumedMessage& m) {
    ++records;
    if (m.key == kDedupMetaKey) {
      v1::DedupMeta parsed;
      if (!m.null_value && parsed.ParseFromString(m.value)) meta = parsed;
      return;
    }
    uint64_t sequence = 0;
    if (!absl::StartsWith(m.key, kEntryPrefix) ||
        !absl::SimpleAtoi(absl::string_view(m.key).substr(std::strlen(kEntryPrefix)), &sequence)) {
      return;  // not ours; ignore
    }
    if (m.null_value) {
      entries.erase(sequence);
      return;
    }
    v1::DedupEntry entry;
    if (!entry.ParseFromString(m.value)) {
      if (decode_error.ok()) {
        decode_error = absl::DataLossError(absl::StrCat("undecodable dedup state record ", m.key,
                                                        " at offset ", m.offset, " of ", topic));
      }
      return;
    }
    entries[sequence] = std::move(entry);
  };
  absl::Status read =
      kafka::ReadPartitionsToEnd(client, topic, changelog_partitions, on_record);
  if (!read.ok()) return read;
  if (!decode_error.ok()) return decode_error;

  // A second guard on the same hazard: the newest meta must have reached the group's
  // commits (it is written in the same transaction as the offsets it names).
  if (meta.has_value()) {
    for (const auto& [partition, offset] : meta->input_offsets()) {
      auto it = committed.find(partition);
      if (it != committed.end() && it->second >= 0 && offset + 1 < it->second) {
        return absl::UnavailableError(absl::StrCat(
            topic, " is behind the group's commits (input partition ", partition,
            ": indexed to ", offset + 1, ", committed ", it->second,
            "); waiting for an open transaction to be aborted"));
      }
    }
  }

  // Keep the committed prefix: records after the last commit will be processed again.
  std::vector<dedupe::IndexedArticle> restored;
  std::optional<uint64_t> first_dropped;
  for (const auto& [sequence, entry] : entries) {
    if (!Committed(committed, entry.input_partition(), entry.input_offset())) {
      first_dropped = sequence;
      break;
    }
    restored.push_back(FromProto(entry));
  }
  dedupe::DedupeRestorePoint point;
  // The scheme holds whatever the commit position: it says how every entry was computed.
  if (meta.has_value()) {
    point.signature_scheme = meta->signature_scheme().empty()
                                 ? "oph1 (whole-text values only, before schemes were recorded)"
                                 : meta->signature_scheme();
  }
  bool meta_committed = meta.has_value();
  if (meta.has_value()) {
    for (const auto& [partition, offset] : meta->input_offsets()) {
      if (!Committed(committed, partition, offset)) meta_committed = false;
    }
  }
  if (meta_committed) {
    point.newest_event_time_ms = meta->newest_event_time_ms();
    point.evicted_by_window = meta->evicted_by_window();
    point.evicted_by_cap = meta->evicted_by_cap();
    point.recent_event_times.assign(meta->recent_event_times().begin(),
                                    meta->recent_event_times().end());
  }
  if (first_dropped.has_value()) {
    point.next_sequence = *first_dropped;  // the dropped records will take these again
  } else {
    point.next_sequence = restored.empty() ? 0 : restored.back().sequence + 1;
    if (meta_committed) point.next_sequence = std::max(point.next_sequence, meta->next_sequence());
  }
  const size_t count = restored.size();
  if (auto s = deduper->Restore(std::move(restored), point); !s.ok()) return s;
  const uint64_t dropped = entries.size() - count;
  log.Info("process", absl::StrCat("restored dedup index from ", topic),
           {{"partitions", absl::StrJoin(changelog_partitions, ",")},
            {"articles", static_cast<uint64_t>(count)},
            {"records", records},
            {"dropped_uncommitted", dropped}});
  return absl::OkStatus();
}

}  // namespace newsflow::service
