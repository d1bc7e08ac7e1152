#include "kafka/client.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <list>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kafka/internal.h"
#include "kafka/kafka_status.h"

namespace newsflow::kafka {

using internal::EventHandler;
using internal::SetProperty;

absl::Status ClientOptions::Validate() const {
  if (brokers.empty()) return absl::InvalidArgumentError("kafka brokers must not be empty");
  if (client_id.empty()) return absl::InvalidArgumentError("kafka client_id must not be empty");
  // Pass-through properties are checked here, at start, so a misspelt or invalid one names
  // itself before any client is made.
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  for (const auto& [name, value] : properties) {
    if (auto s = SetProperty(conf.get(), name, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

namespace {

// librdkafka's debug=conf dump of a new client's configuration shows "[redacted]" for the
// values of the properties it marks sensitive (its table has no public accessor): capture the
// dump of a client made with `name` set.
void CaptureLog(const rd_kafka_t* rk, int, const char*, const char* line) {
  auto* lines = static_cast<std::vector<std::string>*>(rd_kafka_opaque(rk));
  if (lines != nullptr) lines->emplace_back(line);
}

bool AskLibrdkafkaIfSensitive(const std::string& name) {
  static constexpr char kMarker[] = "newsflow-marker-value";
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, name.c_str(), kMarker, error, sizeof(error)) !=
      RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return false;  // not a property, or not one that takes text: never a secret
  }
  std::vector<std::string> lines;
  rd_kafka_conf_set(conf, "debug", "conf", error, sizeof(error));
  rd_kafka_conf_set_log_cb(conf, CaptureLog);
  rd_kafka_conf_set_opaque(conf, &lines);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (rk == nullptr) {
    // The marker broke the client (a key or certificate location): such properties are
    // key material.
    rd_kafka_conf_destroy(conf);
    return true;
  }
  rd_kafka_destroy(rk);
  const std::string redacted = absl::StrCat(" ", name, " = [redacted]");
  for (const std::string& line : lines) {
    if (line.find(redacted) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

bool IsSensitiveProperty(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, bool>* known = new std::map<std::string, bool>();
  std::lock_guard<std::mutex> lock(mutex);
  auto it = known->find(name);
  if (it == known->end()) it = known->emplace(name, AskLibrdkafkaIfSensitive(name)).first;
  return it->second;
}

size_t RecordValueBudget(int64_t max_message_bytes, size_t key_bytes) {
  // A record batch header (61 bytes), one record's own header (varints, at most ~40 bytes),
  // and lz4's worst case for incompressible data (1/255 of the input plus a frame header).
  const int64_t overhead = 61 + 40 + 64 + max_message_bytes / 250;
  const int64_t budget = max_message_bytes - overhead - static_cast<int64_t>(key_bytes);
  return budget > 0 ? static_cast<size_t>(budget) : 0;
}

absl::Status ProducerOptions::Validate() const {
  if (auto s = client.Validate(); !s.ok()) return s;
  if (delivery_timeout_ms <= 0) {
    return absl::InvalidArgumentError("producer delivery_timeout_ms must be positive");
  }
  if (linger_ms < 0) return absl::InvalidArgumentError("producer linger_ms must be >= 0");
  if (max_message_bytes < 1000) {
    return absl::InvalidArgumentError("producer max_message_bytes must be >= 1000");
  }
  return absl::OkStatus();
}

absl::Status ConsumerOptions::Validate() const {
  if (auto s = client.Validate(); !s.ok()) return s;
  if (group_id.empty()) return absl::InvalidArgumentError("consumer group_id must not be empty");
  if (auto_offset_reset != "earliest" && auto_offset_reset != "latest") {
    return absl::InvalidArgumentError("consumer auto_offset_reset must be earliest or latest");
  }
  if (isolation_level != "read_committed" && isolation_level != "read_uncommitted") {
    return absl::InvalidArgumentError(
        "consumer isolation_level must be read_committed or read_uncommitted");
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------
// Producer

class Producer::Callbacks : public RdKafka::DeliveryReportCb, public EventHandler {
 public:
  Callbacks(DeliveryCallback on_delivery, LogSink sink)
      : EventHandler(std::move(sink)), on_delivery_(std::move(on_delivery)) {}

  void dr_cb(RdKafka::Message& message) override {
    DeliveryReport report;
    report.status = KafkaErrorToStatus(message.err(), absl::StrCat("delivery to ", message.topic_name()));
    report.topic = message.topic_name();
    report.partition = message.partition();
    report.offset = message.offset();
    report.tag = reinterpret_cast<uintptr_t>(message.msg_opaque());
    switch (message.status()) {
      case RdKafka::Message::MSG_STATUS_PERSISTED:
        report.persistence = Persistence::kPersisted;
        break;
      case RdKafka::Message::MSG_STATUS_POSSIBLY_PERSISTED:
        report.persistence = Persistence::kPossiblyPersisted;
        break;
      default:
        report.persistence = Persistence::kNotPersisted;
    }
    if (report.status.ok()) {
      acknowledged_.fetch_add(1);
    } else {
      failed_.fetch_add(1);
    }
    if (on_delivery_) on_delivery_(report);
  }

  DeliveryCallback on_delivery_;
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> acknowledged_{0};
  std::atomic<uint64_t> failed_{0};
};

absl::StatusOr<std::unique_ptr<Producer>> Producer::Create(const ProducerOptions& options,
                                                           DeliveryCallback on_delivery) {
  if (auto s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<Producer> producer(new Producer());
  producer->callbacks_ =
      std::make_unique<Callbacks>(std::move(on_delivery), options.client.log_sink);

  std::vector<std::pair<std::string, std::string>> settings = {
      {"enable.idempotence", options.idempotent ? "true" : "false"},
      {"acks", "all"},
      {"message.timeout.ms", std::to_string(options.delivery_timeout_ms)},
      {"linger.ms", std::to_string(options.linger_ms)},
      {"compression.type", options.compression},
      {"message.max.bytes", std::to_string(options.max_message_bytes)},
  };
  if (!options.transactional_id.empty()) {
    settings.emplace_back("transactional.id", options.transactional_id);
    // A crashed instance's open transaction holds its group's offsets "unstable" until the
    // coordinator aborts it; keep that as short as delivery allows (librdkafka requires
    // message.timeout.ms <= transaction.timeout.ms) instead of the 60 s default.
    settings.emplace_back("transaction.timeout.ms", std::to_string(options.delivery_timeout_ms));
  }
  auto conf = internal::BuildConf(options.client, settings, producer->callbacks_.get());
  if (!conf.ok()) return conf.status();
  std::string error;
  if ((*conf)->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(producer->callbacks_.get()),
                   error) != RdKafka::Conf::CONF_OK) {
    return KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG, "kafka callback 'dr_cb'", error);
  }
  producer->max_message_bytes_ =
      std::stoll(internal::GetProperty(conf->get(), "message.max.bytes"));

  producer->producer_.reset(RdKafka::Producer::create(conf->get(), error));
  if (!producer->producer_) {
    return KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG, "creating kafka producer", error);
  }
  return producer;
}

Producer::~Producer() {
  // Outstanding records are the caller's responsibility (Flush); librdkafka would otherwise
  // block in its destructor, so give it no time and let delivery failures be counted.
  if (producer_) producer_->flush(0);
  learned_topics_.clear();  // topic handles go before the client they belong to
  producer_.reset();
  callbacks_.reset();
}

absl::Status Producer::Send(const std::string& topic, std::string_view key,
                            std::string_view value, uint64_t tag) {
  return Produce(topic, RdKafka::Topic::PARTITION_UA, key, value.data(), value.size(), tag);
}

absl::Status Producer::SendTombstone(const std::string& topic, std::string_view key,
                                     uint64_t tag) {
  return Produce(topic, RdKafka::Topic::PARTITION_UA, key, nullptr, 0, tag);
}

absl::Status Producer::SendToPartition(const std::string& topic, int32_t partition,
                                       std::string_view key, std::string_view value) {
  return Produce(topic, partition, key, value.data(), value.size(), 0);
}

absl::Status Producer::SendTombstoneToPartition(const std::string& topic, int32_t partition,
                                                std::string_view key) {
  return Produce(topic, partition, key, nullptr, 0, 0);
}

absl::Status Producer::Produce(const std::string& topic, int32_t partition, std::string_view key,
                               const char* value, size_t size, uint64_t tag) {
  while (true) {
    RdKafka::ErrorCode code = producer_->produce(
        topic, partition, RdKafka::Producer::RK_MSG_COPY,
        const_cast<char*>(value), size, key.empty() ? nullptr : key.data(), key.size(),
        /*timestamp=*/0, reinterpret_cast<void*>(static_cast<uintptr_t>(tag)));
    if (code == RdKafka::ERR_NO_ERROR) {
      callbacks_->sent_.fetch_add(1);
      return absl::OkStatus();
    }
    if (code != RdKafka::ERR__QUEUE_FULL) {
      return KafkaErrorToStatus(code, absl::StrCat("producing to ", topic));
    }
    producer_->poll(100);  // make room by serving delivery reports
  }
}

void Producer::Poll(int timeout_ms) { producer_->poll(timeout_ms); }

absl::Status Producer::LearnTopics(const std::vector<std::string>& topics, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (const std::string& name : topics) {
    if (name.empty()) continue;
    const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          deadline - std::chrono::steady_clock::now())
                                          .count());
    if (left <= 0) {
      return KafkaErrorToStatus(RdKafka::ERR__TIMED_OUT, absl::StrCat("looking up topic ", name));
    }
    std::string error;
    std::unique_ptr<RdKafka::Topic> topic(
        RdKafka::Topic::create(producer_.get(), name, nullptr, error));
    if (!topic) {
      return KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG, absl::StrCat("topic ", name), error);
    }
    RdKafka::Metadata* metadata = nullptr;
    RdKafka::ErrorCode code =
        producer_->metadata(/*all_topics=*/false, topic.get(), &metadata, left);
    std::unique_ptr<RdKafka::Metadata> owned(metadata);
    if (code != RdKafka::ERR_NO_ERROR) {
      return KafkaErrorToStatus(code, absl::StrCat("looking up topic ", name));
    }
    learned_topics_.push_back(std::move(topic));
  }
  return absl::OkStatus();
}

absl::Status Producer::Flush(int timeout_ms) {
  // In slices, so that a client that cannot authenticate stops at once with the cause.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    if (absl::Status fatal = fatal_error(); !fatal.ok()) return fatal;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    RdKafka::ErrorCode code =
        producer_->flush(static_cast<int>(std::clamp<int64_t>(left, 0, 500)));
    if (code != RdKafka::ERR__TIMED_OUT) return KafkaErrorToStatus(code, "flushing producer");
    if (left <= 0) break;
  }
  return absl::DeadlineExceededError(absl::StrCat(
      producer_->outq_len(), " record(s) still awaiting acknowledgement after ", timeout_ms,
      " ms"));
}

int Producer::Outstanding() const { return producer_->outq_len(); }

absl::Status Producer::InitTransactions(int timeout_ms) {
  // librdkafka keeps retrying a broker it cannot authenticate to until the timeout; a timed-
  // out init_transactions may be called again, so wait in slices and stop at a fatal error.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    producer_->poll(0);  // serves the error events that fatal_error reports
    if (absl::Status fatal = fatal_error(); !fatal.ok()) return fatal;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    absl::Status status =
        KafkaErrorToStatus(producer_->init_transactions(static_cast<int>(
                               std::clamp<int64_t>(left, 1, 1000))),
                           "initializing transactions");
    if (status.ok() || status.code() != absl::StatusCode::kUnavailable || left <= 1000) {
      producer_->poll(0);
      if (absl::Status fatal = fatal_error(); !fatal.ok()) return fatal;
      return status;
    }
  }
}

absl::Status Producer::BeginTransaction() {
  return KafkaErrorToStatus(producer_->begin_transaction(), "beginning a transaction");
}

absl::Status Producer::SendOffsetsToTransaction(const std::vector<TopicPartitionOffset>& offsets,
                                                Consumer& consumer, int timeout_ms) {
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const TopicPartitionOffset& o : offsets) {
    partitions.push_back(RdKafka::TopicPartition::create(o.topic, o.partition, o.offset));
  }
  std::unique_ptr<RdKafka::ConsumerGroupMetadata> metadata(consumer.consumer_->groupMetadata());
  absl::Status status = KafkaErrorToStatus(
      producer_->send_offsets_to_transaction(partitions, metadata.get(), timeout_ms),
      "adding input offsets to the transaction");
  RdKafka::TopicPartition::destroy(partitions);
  return status;
}

absl::Status Producer::CommitTransaction(int timeout_ms) {
  return KafkaErrorToStatus(producer_->commit_transaction(timeout_ms), "committing a transaction");
}

absl::Status Producer::AbortTransaction(int timeout_ms) {
  return KafkaErrorToStatus(producer_->abort_transaction(timeout_ms), "aborting a transaction");
}

ProducerCounters Producer::counters() const {
  return {callbacks_->sent_.load(), callbacks_->acknowledged_.load(), callbacks_->failed_.load()};
}

absl::Status Producer::last_client_error() const { return callbacks_->last_error(); }

absl::Status Producer::fatal_error() const { return callbacks_->fatal_error(); }

// ---------------------------------------------------------------------------------------
// Consumer

// Takes and releases partitions for the group (eager protocol), telling the listener about
// revocations before the partitions are released and about assignments after they are taken.
class Consumer::Callbacks : public EventHandler, public RdKafka::RebalanceCb {
 public:
  explicit Callbacks(LogSink sink) : EventHandler(std::move(sink)) {}

  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    std::vector<TopicPartitionOffset> list;
    for (const RdKafka::TopicPartition* partition : partitions) {
      list.push_back({partition->topic(), partition->partition(), partition->offset()});
    }
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      if (listener_.choose_assignment) {
        list = listener_.choose_assignment(list);
        std::vector<RdKafka::TopicPartition*> chosen;
        for (const TopicPartitionOffset& p : list) {
          chosen.push_back(RdKafka::TopicPartition::create(p.topic, p.partition, p.offset));
        }
        consumer->assign(chosen);
        RdKafka::TopicPartition::destroy(chosen);
      } else {
        consumer->assign(partitions);
      }
      rebalances_.fetch_add(1);
      if (listener_.on_assigned) listener_.on_assigned(list);
    } else {
      // Revocation (or an error, after which librdkafka expects everything released).
      if (listener_.on_revoked) listener_.on_revoked(list);
      consumer->unassign();
      rebalances_.fetch_add(1);
    }
  }

  RebalanceListener listener_;
  std::atomic<uint64_t> rebalances_{0};
};

absl::StatusOr<std::unique_ptr<Consumer>> Consumer::Create(const ConsumerOptions& options) {
  if (auto s = options.Validate(); !s.ok()) return s;
  std::unique_ptr<Consumer> consumer(new Consumer());
  consumer->callbacks_ = std::make_unique<Callbacks>(options.client.log_sink);

  std::vector<std::pair<std::string, std::string>> settings = {
      {"group.id", options.group_id},
      // Offsets are committed explicitly, only after the outputs are acknowledged.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", options.auto_offset_reset},
      {"isolation.level", options.isolation_level},
      {"session.timeout.ms", std::to_string(options.session_timeout_ms)},
      {"enable.partition.eof", "true"},
  };
  if (options.statistics_interval_ms > 0) {
    settings.emplace_back("statistics.interval.ms", std::to_string(options.statistics_interval_ms));
  }
  auto conf = internal::BuildConf(options.client, settings, consumer->callbacks_.get());
  if (!conf.ok()) return conf.status();
  std::string error;
  if ((*conf)->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(consumer->callbacks_.get()),
                   error) != RdKafka::Conf::CONF_OK) {
    return KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG, "kafka callback 'rebalance_cb'", error);
  }

  consumer->consumer_.reset(RdKafka::KafkaConsumer::create(conf->get(), error));
  if (!consumer->consumer_) {
    return KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG, "creating kafka consumer", error);
  }
  return consumer;
}

Consumer::~Consumer() {
  // close() must precede destruction: it leaves the group and stops background fetching.
  if (consumer_ && !closed_) consumer_->close();
  consumer_.reset();
  callbacks_.reset();
}

void Consumer::SetRebalanceListener(RebalanceListener listener) {
  callbacks_->listener_ = std::move(listener);
}

uint64_t Consumer::rebalances() const { return callbacks_->rebalances_.load(); }

absl::Status Consumer::Subscribe(const std::vector<std::string>& topics) {
  return KafkaErrorToStatus(consumer_->subscribe(topics),
                            absl::StrCat("subscribing to ", absl::StrJoin(topics, ",")));
}

absl::StatusOr<std::optional<ConsumedMessage>> Consumer::Poll(int timeout_ms) {
  std::unique_ptr<RdKafka::Message> message(consumer_->consume(timeout_ms));
  if (absl::Status fatal = callbacks_->fatal_error(); !fatal.ok()) return fatal;
  switch (message->err()) {
    case RdKafka::ERR_NO_ERROR: {
      ConsumedMessage out = internal::ToConsumedMessage(*message);
      at_end_[{out.topic, out.partition}] = false;
      return std::optional<ConsumedMessage>(std::move(out));
    }
    case RdKafka::ERR__TIMED_OUT:
      return std::optional<ConsumedMessage>();
    case RdKafka::ERR__PARTITION_EOF:
      at_end_[{message->topic_name(), message->partition()}] = true;
      return std::optional<ConsumedMessage>();
    default:
      return KafkaErrorToStatus(message->err(), "consuming", message->errstr());
  }
}

absl::Status Consumer::Commit(const std::vector<TopicPartitionOffset>& offsets) {
  if (offsets.empty()) return absl::OkStatus();
  std::vector<RdKafka::TopicPartition*> partitions;
  for (const TopicPartitionOffset& o : offsets) {
    partitions.push_back(RdKafka::TopicPartition::create(o.topic, o.partition, o.offset));
  }
  absl::Status status = KafkaErrorToStatus(consumer_->commitSync(partitions), "committing offsets");
  for (RdKafka::TopicPartition* partition : partitions) {
    if (status.ok() && partition->err() != RdKafka::ERR_NO_ERROR) {
      status = KafkaErrorToStatus(partition->err(),
                                  absl::StrCat("committing offset of ", partition->topic(), "/",
                                               partition->partition()));
    }
  }
  RdKafka::TopicPartition::destroy(partitions);
  return status;
}

absl::StatusOr<std::map<int32_t, int64_t>> Consumer::Committed(const std::string& topic,
                                                                int partitions, int timeout_ms) {
  std::vector<RdKafka::TopicPartition*> list;
  for (int32_t p = 0; p < partitions; ++p) list.push_back(RdKafka::TopicPartition::create(topic, p));
  absl::Status status =
      KafkaErrorToStatus(consumer_->committed(list, timeout_ms), "reading committed offsets");
  std::map<int32_t, int64_t> offsets;
  for (RdKafka::TopicPartition* partition : list) {
    offsets[partition->partition()] = partition->offset() >= 0 ? partition->offset() : -1;
  }
  RdKafka::TopicPartition::destroy(list);
  if (!status.ok()) return status;
  return offsets;
}

absl::StatusOr<std::vector<TopicPartitionOffset>> Consumer::OffsetsForTime(
    const std::vector<TopicPartitionOffset>& partitions, int64_t timestamp_ms, int timeout_ms) {
  std::vector<RdKafka::TopicPartition*> list;
  for (const TopicPartitionOffset& p : partitions) {
    list.push_back(RdKafka::TopicPartition::create(p.topic, p.partition, timestamp_ms));
  }
  absl::Status status = KafkaErrorToStatus(consumer_->offsetsForTimes(list, timeout_ms),
                                           "looking up offsets by time");
  std::vector<TopicPartitionOffset> offsets;
  for (RdKafka::TopicPartition* partition : list) {
    const int64_t offset = partition->offset();
    offsets.push_back({partition->topic(), partition->partition(), offset >= 0 ? offset : kOffsetEnd});
  }
  RdKafka::TopicPartition::destroy(list);
  if (!status.ok()) return status;
  return offsets;
}

BrokerHealth Consumer::Health(int64_t max_silence_ms) const {
  return callbacks_->Health(max_silence_ms);
}

bool Consumer::AllAssignedAtEnd() {
  std::vector<RdKafka::TopicPartition*> assigned;
  if (consumer_->assignment(assigned) != RdKafka::ERR_NO_ERROR || assigned.empty()) {
    RdKafka::TopicPartition::destroy(assigned);
    return false;
  }
  bool all = true;
  for (RdKafka::TopicPartition* partition : assigned) {
    auto it = at_end_.find({partition->topic(), partition->partition()});
    if (it == at_end_.end() || !it->second) all = false;
  }
  RdKafka::TopicPartition::destroy(assigned);
  return all;
}

int Consumer::AssignedPartitions() {
  std::vector<RdKafka::TopicPartition*> assigned;
  consumer_->assignment(assigned);
  int count = static_cast<int>(assigned.size());
  RdKafka::TopicPartition::destroy(assigned);
  return count;
}

std::map<std::pair<std::string, int32_t>, int64_t> Consumer::Lag() {
  std::map<std::pair<std::string, int32_t>, int64_t> lag;
  std::vector<RdKafka::TopicPartition*> assigned;
  if (consumer_->assignment(assigned) != RdKafka::ERR_NO_ERROR) return lag;
  if (consumer_->position(assigned) == RdKafka::ERR_NO_ERROR) {
    for (RdKafka::TopicPartition* partition : assigned) {
      int64_t low = -1, high = -1;
      if (consumer_->get_watermark_offsets(partition->topic(), partition->partition(), &low,
                                           &high) != RdKafka::ERR_NO_ERROR ||
          high < 0) {
        continue;
      }
      // Before the first fetch the position is unknown: everything from the low mark is due.
      const int64_t position = partition->offset() >= 0 ? partition->offset() : low;
      const bool at_end = at_end_[{partition->topic(), partition->partition()}];
      lag[{partition->topic(), partition->partition()}] =
          at_end ? 0 : std::max<int64_t>(0, high - position);
    }
  }
  RdKafka::TopicPartition::destroy(assigned);
  return lag;
}

absl::Status Consumer::Close() {
  if (closed_) return absl::OkStatus();
  closed_ = true;
  return KafkaErrorToStatus(consumer_->close(), "closing consumer");
}

}  // namespace newsflow::kafka
