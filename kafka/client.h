// newsflow's only door to Kafka: producer and consumer wrapped around librdkafka's C++ API
// (topic administration is in admin.h), with every configuration result checked and every
// error returned as absl::Status (see kafka_status.h). Nothing else in newsflow includes
// librdkafka.
#ifndef NEWSFLOW_KAFKA_CLIENT_H_
#define NEWSFLOW_KAFKA_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace RdKafka {
class Conf;
class Producer;
class Topic;
class KafkaConsumer;
}  // namespace RdKafka

namespace newsflow::kafka {

// Where librdkafka's log lines go (its warnings, and everything `debug=...` asks for):
// syslog severity (0 emergency .. 7 debug), facility ("FAIL", "SASL", ...) and text. Called
// on librdkafka's own threads. Empty: written to stderr as "librdkafka <LEVEL> <facility>:
// <text>".
using LogSink =
    std::function<void(int severity, std::string_view facility, std::string_view message)>;

// Settings every client shares.
struct ClientOptions {
  // Comma-separated bootstrap servers. Default the local broker of deploy/kafka.sh.
  std::string brokers = "127.0.0.1:9092";
  // client.id reported to the broker. Default "newsflow".
  std::string client_id = "newsflow";
  // Extra librdkafka properties passed through verbatim (e.g. "security.protocol");
  // applied last, so they override newsflow's defaults. Default none.
  std::map<std::string, std::string> properties;
  // librdkafka's log lines. Default empty (stderr).
  LogSink log_sink;

  absl::Status Validate() const;
};

// librdkafka's own list of properties whose values are secrets (sasl.password,
// ssl.key.password, sasl.oauthbearer.config, ...): what it redacts when it dumps a
// configuration. Unknown names are not sensitive.
bool IsSensitiveProperty(const std::string& name);

// The largest record value that fits in one record of at most `max_message_bytes` (the
// producer's message.max.bytes or a topic's max.message.bytes) under a key of `key_bytes`:
// room is kept for the record and batch headers and for compression, which makes
// incompressible data slightly larger.
size_t RecordValueBudget(int64_t max_message_bytes, size_t key_bytes);

struct ProducerOptions {
  ClientOptions client;
  // enable.idempotence: no duplicates or reordering from producer retries. Default true.
  bool idempotent = true;
  // message.timeout.ms: how long librdkafka keeps retrying a message before reporting it
  // as not delivered. Default 30000 (30 s).
  int delivery_timeout_ms = 30000;
  // linger.ms: batching delay. Default 5.
  int linger_ms = 5;
  // compression.type. Default "lz4".
  std::string compression = "lz4";
  // transactional.id; empty = no transactions. Needed for exactly-once. Default empty.
  std::string transactional_id;
  // message.max.bytes on the client side. Default 4 MiB (must stay within the broker's limit
  // for records that actually reach it; larger articles are rejected before sending).
  int max_message_bytes = 4 * 1024 * 1024;

  absl::Status Validate() const;
};

// Whether a record is on the topic, as far as the client knows.
enum class Persistence {
  kNotPersisted,       // refused, or never sent: not on the topic
  kPossiblyPersisted,  // sent, but no answer came back in time: it may be on the topic
  kPersisted,          // acknowledged
};

// Outcome of one produced record, as acknowledged (or not) by the broker.
struct DeliveryReport {
  absl::Status status;  // OK when acknowledged
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  uint64_t tag = 0;  // caller's tag given to Send
  Persistence persistence = Persistence::kNotPersisted;
};

// Whether the brokers a client works with are answering, from librdkafka's statistics.
struct BrokerHealth {
  bool known = false;    // no statistics yet: nothing is known
  bool healthy = true;
  std::string problem;  // when not healthy: which broker and what is wrong
};

class Consumer;
struct TopicPartitionOffset;

struct ProducerCounters {
  uint64_t sent = 0;          // accepted into the local queue
  uint64_t acknowledged = 0;  // confirmed by the broker
  uint64_t failed = 0;        // reported as not delivered
};

class Producer {
 public:
  using DeliveryCallback = std::function<void(const DeliveryReport&)>;

  // `on_delivery` (optional) runs on the calling thread inside Poll/Flush/Send.
  static absl::StatusOr<std::unique_ptr<Producer>> Create(const ProducerOptions& options,
                                                          DeliveryCallback on_delivery = {});
  ~Producer();

  // Queues a record. Waits (serving delivery reports) while the local queue is full.
  // Returns an error only for a record librdkafka refuses outright (too large,
  // unknown topic, fatal producer error); delivery failures arrive as DeliveryReports.
  absl::Status Send(const std::string& topic, std::string_view key, std::string_view value,
                    uint64_t tag = 0);

  // Queues a tombstone (null value) for `key`: deletes the key from a compacted topic.
  absl::Status SendTombstone(const std::string& topic, std::string_view key, uint64_t tag = 0);

  // The same to an explicit partition (co-partitioned state topics).
  absl::Status SendToPartition(const std::string& topic, int32_t partition, std::string_view key,
                               std::string_view value);
  absl::Status SendTombstoneToPartition(const std::string& topic, int32_t partition,
                                        std::string_view key);

  // Serves delivery reports for up to `timeout_ms`.
  void Poll(int timeout_ms);

  // Looks up the partitions and leaders of `topics` now. librdkafka 2.0 learns about a topic
  // it has not produced to only on its one-second topic scan, so without this the first
  // second of records waits in the local queue (the ~1 s latency tail of a new `produce`).
  // A topic that does not exist yet is not an error: auto-creation or the first send settles
  // it. Errors are those of the metadata requests, which share `timeout_ms` (a broker that
  // does not answer); the caller may go on without, as before.
  absl::Status LearnTopics(const std::vector<std::string>& topics, int timeout_ms);

  // Waits until every queued record has a delivery report. kDeadlineExceeded when
  // `timeout_ms` passes first (records still outstanding); the client's fatal error (see
  // fatal_error) as soon as there is one.
  absl::Status Flush(int timeout_ms);

  // Records queued but not yet reported.
  int Outstanding() const;

  // Transactions (ProducerOptions::transactional_id must be set). A status of kAborted means
  // the transaction must be aborted; kInternal (fatal) means the producer is unusable.
  // InitTransactions gives up early with the client's fatal error (bad credentials, TLS).
  absl::Status InitTransactions(int timeout_ms);
  absl::Status BeginTransaction();
  // Adds the consumer's input positions to the open transaction, so they are committed
  // atomically with the records produced in it.
  absl::Status SendOffsetsToTransaction(const std::vector<TopicPartitionOffset>& offsets,
                                        Consumer& consumer, int timeout_ms);
  absl::Status CommitTransaction(int timeout_ms);
  absl::Status AbortTransaction(int timeout_ms);

  ProducerCounters counters() const;

  // Last error reported by librdkafka's error callback (e.g. all brokers down), or OK.
  absl::Status last_client_error() const;
  // An error retrying cannot cure, reported by librdkafka (authentication failed, TLS
  // handshake failed: kUnauthenticated, with librdkafka's cause), or OK.
  absl::Status fatal_error() const;

  // The largest record this producer sends (its message.max.bytes as configured).
  int64_t max_message_bytes() const { return max_message_bytes_; }

  // For the admin helpers in this library.
  RdKafka::Producer* handle() { return producer_.get(); }

 private:
  class Callbacks;
  Producer() = default;
  // `value` nullptr = a tombstone.
  absl::Status Produce(const std::string& topic, int32_t partition, std::string_view key,
                       const char* value, size_t size, uint64_t tag);

  // Destruction order matters: the producer handle refers to the configuration's
  // callbacks, so callbacks_ is declared first and destroyed last.
  std::unique_ptr<Callbacks> callbacks_;
  std::unique_ptr<RdKafka::Producer> producer_;
  // Topics LearnTopics looked up, held so that librdkafka keeps what it learned of them.
  std::vector<std::unique_ptr<RdKafka::Topic>> learned_topics_;
  int64_t max_message_bytes_ = 0;
};

// One consumed record.
struct ConsumedMessage {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
  bool null_value = false;  // a tombstone (no value at all, not an empty one)
  int64_t timestamp_ms = -1;
};

struct TopicPartitionOffset {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;  // next offset to read (last processed + 1)
};

// An offset that tells an assignment to start where the group committed (else where
// auto.offset.reset says): librdkafka's RD_KAFKA_OFFSET_INVALID.
inline constexpr int64_t kOffsetCommitted = -1001;
// The end of a partition (what is written from now on): RD_KAFKA_OFFSET_END.
inline constexpr int64_t kOffsetEnd = -1;

struct ConsumerOptions {
  ClientOptions client;
  // group.id. Default "newsflow-processor".
  std::string group_id = "newsflow-processor";
  // auto.offset.reset for a group without committed offsets. Default "earliest", so that
  // nothing published before the first start is skipped.
  std::string auto_offset_reset = "earliest";
  // isolation.level. Default "read_committed".
  std::string isolation_level = "read_committed";
  // session.timeout.ms. Default 10000.
  int session_timeout_ms = 10000;
  // statistics.interval.ms: how often librdkafka reports broker state (for Health); 0 =
  // never. Default 0.
  int statistics_interval_ms = 0;

  absl::Status Validate() const;
};

// Hooks run on the polling thread, inside Consumer::Poll, when the group moves partitions:
// `on_revoked` before they are released (commit what is held for them now, as Kafka Streams
// does), `on_assigned` after new ones are taken. `choose_assignment`, when set, decides
// which partitions the consumer actually reads given those the group assigned (offsets as
// given: committed positions apply); the group still believes its own assignment.
struct RebalanceListener {
  std::function<void(const std::vector<TopicPartitionOffset>&)> on_revoked;
  std::function<void(const std::vector<TopicPartitionOffset>&)> on_assigned;
  std::function<std::vector<TopicPartitionOffset>(const std::vector<TopicPartitionOffset>&)>
      choose_assignment;
};

class Consumer {
 public:
  friend class Producer;
  static absl::StatusOr<std::unique_ptr<Consumer>> Create(const ConsumerOptions& options);
  // Closes the consumer if Close() was not called (leaving the group cleanly).
  ~Consumer();

  absl::Status Subscribe(const std::vector<std::string>& topics);

  // Set before Subscribe. The hooks may call this consumer's other methods except Poll.
  void SetRebalanceListener(RebalanceListener listener);
  // Assignments plus revocations so far (changes when the group moves partitions).
  uint64_t rebalances() const;

  // Next record, or nullopt when `timeout_ms` passes without one. Partition ends are
  // tracked (see AllAssignedAtEnd) and not returned as records. Returns the client's fatal
  // error (bad credentials, TLS) once there is one.
  absl::StatusOr<std::optional<ConsumedMessage>> Poll(int timeout_ms);

  // Whether the brokers are answering (needs statistics_interval_ms > 0): a broker that
  // leads a partition this consumer reads and is not up, or one that has requests in flight
  // and has sent nothing for `max_silence_ms`, makes it unhealthy.
  BrokerHealth Health(int64_t max_silence_ms) const;

  // Synchronously commits the given offsets.
  absl::Status Commit(const std::vector<TopicPartitionOffset>& offsets);

  // True when partitions are assigned and every one has reached its end since the
  // last record read from it.
  bool AllAssignedAtEnd();

  // Committed offsets of this consumer's group for partitions 0..partitions-1 of `topic`
  // (-1 where nothing is committed).
  absl::StatusOr<std::map<int32_t, int64_t>> Committed(const std::string& topic, int partitions,
                                                       int timeout_ms = 10000);

  // For each partition, the earliest offset whose record timestamp is at or after
  // `timestamp_ms` (kOffsetEnd when there is none yet): where a reader that only wants the
  // last hours starts. May be called from a rebalance hook.
  absl::StatusOr<std::vector<TopicPartitionOffset>> OffsetsForTime(
      const std::vector<TopicPartitionOffset>& partitions, int64_t timestamp_ms,
      int timeout_ms = 10000);

  // Number of partitions currently assigned.
  int AssignedPartitions();

  // Records behind the end of each assigned partition (high watermark - position), from
  // the watermarks the client caches with every fetch: no broker round trip. A partition
  // whose end was reached since its last record counts 0 (the high watermark of a
  // transactional topic also counts commit markers). Unknown watermarks are left out.
  std::map<std::pair<std::string, int32_t>, int64_t> Lag();

  // Leaves the group and commits nothing further. Must run before destruction so that the
  // group rebalances at once instead of after session.timeout.ms.
  absl::Status Close();

  // For the admin helpers in this library.
  RdKafka::KafkaConsumer* handle() { return consumer_.get(); }

 private:
  class Callbacks;
  Consumer() = default;

  std::unique_ptr<Callbacks> callbacks_;  // outlives consumer_ (see Producer)
  std::unique_ptr<RdKafka::KafkaConsumer> consumer_;
  std::map<std::pair<std::string, int32_t>, bool> at_end_;
  bool closed_ = false;
};

}  // namespace newsflow::kafka

#endif  // NEWSFLOW_KAFKA_CLIENT_H_
