// Topic administration through librdkafka's admin API and plain readers that need no
// consumer group: create topics, read a topic (or some partitions) to its end, spot open
// transactions, partition counts and record size limits.
#ifndef NEWSFLOW_KAFKA_ADMIN_H_
#define NEWSFLOW_KAFKA_ADMIN_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kafka/client.h"

namespace newsflow::kafka {

struct TopicSpec {
  std::string name;
  int partitions = 1;
  int replication_factor = 1;
  std::map<std::string, std::string> config;  // e.g. cleanup.policy=compact
};

// Creates the topics that do not exist yet; existing ones are left alone (their partition
// count is not changed). Returns kUnavailable when the broker cannot be reached in time, and
// the client's fatal error (bad credentials, TLS) as soon as librdkafka reports one.
absl::Status EnsureTopics(const ClientOptions& client, const std::vector<TopicSpec>& topics,
                          int timeout_ms = 30000);

// Reads every partition of `topic` from the beginning to its current end, without a
// consumer group, calling `on_record` in offset order per partition.
absl::Status ReadTopicToEnd(const ClientOptions& client, const std::string& topic,
                            const std::function<void(const ConsumedMessage&)>& on_record,
                            int timeout_ms = 60000);

// The same for the given partitions only (a stateful task's share of a changelog).
absl::Status ReadPartitionsToEnd(const ClientOptions& client, const std::string& topic,
                                 const std::vector<int32_t>& partitions,
                                 const std::function<void(const ConsumedMessage&)>& on_record,
                                 int timeout_ms = 60000);

// The partitions among `partitions` of `topic` with an open transaction: their last stable
// offset is behind the high watermark, so read_committed readers stop short of records
// committed after it. A crashed producer's transaction stays open until the broker aborts
// it (transaction.timeout.ms); a restore must wait for that rather than read a stale prefix.
absl::StatusOr<std::vector<int32_t>> PartitionsWithOpenTransactions(
    const ClientOptions& client, const std::string& topic, const std::vector<int32_t>& partitions,
    int timeout_ms = 10000);

// Partition count of `topic`, for tests and diagnostics.
absl::StatusOr<int> PartitionCount(const ClientOptions& client, const std::string& topic,
                                   int timeout_ms = 10000);

// The largest record batch `topic` accepts (its max.message.bytes, the broker's default when
// the topic does not override it), asked once with DescribeConfigs.
absl::StatusOr<int64_t> TopicMaxMessageBytes(const ClientOptions& client, const std::string& topic,
                                             int timeout_ms = 10000);

}  // namespace newsflow::kafka

#endif  // NEWSFLOW_KAFKA_ADMIN_H_
