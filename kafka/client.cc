#include "kafka/client.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "kafka/kafka_status.h"

namespace newsflow::kafka {
namespace {

// Every Conf::set goes through here: a refused property names itself in the status.
absl::Status SetProperty(RdKafka::Conf* conf, const std::string& name, const std::string& value) {
  std::string error;
  if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
    return KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG, absl::StrCat("kafka property '", name, "'"),
                              error);
  }
  return absl::OkStatus();
}

template <typename Callback>
absl::Status SetCallback(RdKafka::Conf* conf, const std::string& name, Callback* callback) {
  std::string error;
  if (conf->set(name, callback, error) != RdKafka::Conf::CONF_OK) {
    return KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG, absl::StrCat("kafka callback '", name, "'"),
                              error);
  }
  return absl::OkStatus();
}

absl::Status ApplyClientOptions(const ClientOptions& client, RdKafka::Conf* conf) {
  if (auto s = SetProperty(conf, "bootstrap.servers", client.brokers); !s.ok()) return s;
  if (auto s = SetProperty(conf, "client.id", client.client_id); !s.ok()) return s;
  return absl::OkStatus();
}

absl::Status ApplyPassThrough(const ClientOptions& client, RdKafka::Conf* conf) {
  for (const auto& [name, value] : client.properties) {
    if (auto s = SetProperty(conf, name, value); !s.ok()) return s;
  }
  return absl::OkStatus();
}

// Remembers the most recent client-level error (e.g. "all brokers down") for diagnostics.
class ErrorRecorder : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    if (event.type() != RdKafka::Event::EVENT_ERROR) return;
    std::lock_guard<std::mutex> lock(mutex_);
    last_ = KafkaErrorToStatus(event.err(), "kafka client", event.str());
  }
  absl::Status last() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return last_;
  }

 private:
  mutable std::mutex mutex_;
  absl::Status last_;
};

// A configuration with the shared client settings, `settings`, the user's pass-through
// properties (last, so they win) and `event_cb`; every property's result checked.
absl::StatusOr<std::unique_ptr<RdKafka::Conf>> BuildConf(
    const ClientOptions& client, const std::vector<std::pair<std::string, std::string>>& settings,
    RdKafka::EventCb* event_cb) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  absl::Status status = ApplyClientOptions(client, conf.get());
  for (const auto& [name, value] : settings) {
    if (status.ok()) status = SetProperty(conf.get(), name, value);
  }
  if (status.ok()) status = ApplyPassThrough(client, conf.get());
  if (status.ok()) status = SetCallback(conf.get(), "event_cb", event_cb);
  if (!status.ok()) return status;
  return conf;
}

ConsumedMessage ToConsumedMessage(RdKafka::Message& message) {
  ConsumedMessage out;
  out.topic = message.topic_name();
  out.partition = message.partition();
  out.offset = message.offset();
  if (message.key_pointer() != nullptr) {
    out.key.assign(static_cast<const char*>(message.key_pointer()), message.key_len());
  }
  if (message.payload() != nullptr) {
    out.value.assign(static_cast<const char*>(message.payload()), message.len());
  } else {
    out.null_value = true;
  }
  out.timestamp_ms = message.timestamp().timestamp;
  return out;
}

}  // namespace

absl::Status ClientOptions::Validate() const {
  if (brokers.empty()) return absl::InvalidArgumentError("kafka brokers must not be empty");
  if (client_id.empty()) return absl::InvalidArgumentError("kafka client_id must not be empty");
  // Pass-through properties are checked here, at start, so a misspelt or invalid one names
  // itself before any client is made.
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  return ApplyPassThrough(*this, conf.get());
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

class Producer::Callbacks : public RdKafka::DeliveryReportCb, public ErrorRecorder {
 public:
  explicit Callbacks(DeliveryCallback on_delivery) : on_delivery_(std::move(on_delivery)) {}

  void dr_cb(RdKafka::Message& message) override {
    DeliveryReport report;
    report.status = KafkaErrorToStatus(message.err(), absl::StrCat("delivery to ", message.topic_name()));
    report.topic = message.topic_name();
    report.partition = message.partition();
    report.offset = message.offset();
    report.tag = reinterpret_cast<uintptr_t>(message.msg_opaque());
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
  producer->callbacks_ = std::make_unique<Callbacks>(std::move(on_delivery));

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
  auto conf = BuildConf(options.client, settings,
                       static_cast<RdKafka::EventCb*>(producer->callbacks_.get()));
  if (!conf.ok()) return conf.status();
  if (absl::Status s = SetCallback(conf->get(), "dr_cb",
                                   static_cast<RdKafka::DeliveryReportCb*>(producer->callbacks_.get()));
      !s.ok()) {
    return s;
  }

  std::string error;
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

absl::Status Producer::Flush(int timeout_ms) {
  RdKafka::ErrorCode code = producer_->flush(timeout_ms);
  if (code == RdKafka::ERR__TIMED_OUT) {
    return absl::DeadlineExceededError(absl::StrCat(
        producer_->outq_len(), " record(s) still awaiting acknowledgement after ", timeout_ms,
        " ms"));
  }
  return KafkaErrorToStatus(code, "flushing producer");
}

int Producer::Outstanding() const { return producer_->outq_len(); }

absl::Status Producer::InitTransactions(int timeout_ms) {
  return KafkaErrorToStatus(producer_->init_transactions(timeout_ms), "initializing transactions");
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

absl::Status Producer::last_client_error() const { return callbacks_->last(); }

// ---------------------------------------------------------------------------------------
// Consumer

// Takes and releases partitions for the group (eager protocol), telling the listener about
// revocations before the partitions are released and about assignments after they are taken.
class Consumer::Callbacks : public ErrorRecorder, public RdKafka::RebalanceCb {
 public:
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode err,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    std::vector<TopicPartitionOffset> list;
    for (const RdKafka::TopicPartition* partition : partitions) {
      list.push_back({partition->topic(), partition->partition(), partition->offset()});
    }
    if (err == RdKafka::ERR__ASSIGN_PARTITIONS) {
      consumer->assign(partitions);
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
  consumer->callbacks_ = std::make_unique<Callbacks>();

  const std::vector<std::pair<std::string, std::string>> settings = {
      {"group.id", options.group_id},
      // Offsets are committed explicitly, only after the outputs are acknowledged.
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"auto.offset.reset", options.auto_offset_reset},
      {"isolation.level", options.isolation_level},
      {"session.timeout.ms", std::to_string(options.session_timeout_ms)},
      {"enable.partition.eof", "true"},
  };
  auto conf = BuildConf(options.client, settings,
                       static_cast<RdKafka::EventCb*>(consumer->callbacks_.get()));
  if (!conf.ok()) return conf.status();
  if (auto s = SetCallback(conf->get(), "rebalance_cb",
                           static_cast<RdKafka::RebalanceCb*>(consumer->callbacks_.get()));
      !s.ok()) {
    return s;
  }

  std::string error;
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
  switch (message->err()) {
    case RdKafka::ERR_NO_ERROR: {
      ConsumedMessage out = ToConsumedMessage(*message);
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

// ---------------------------------------------------------------------------------------
// Admin

absl::Status EnsureTopics(const ClientOptions& client, const std::vector<TopicSpec>& topics,
                          int timeout_ms) {
  ProducerOptions options;
  options.client = client;
  options.idempotent = false;
  auto producer = Producer::Create(options);
  if (!producer.ok()) return producer.status();
  rd_kafka_t* rk = (*producer)->handle()->c_ptr();

  char error[512];
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  absl::Status status;
  for (const TopicSpec& spec : topics) {
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions,
                                                       spec.replication_factor, error, sizeof(error));
    if (topic == nullptr) {
      status = KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG,
                                  absl::StrCat("topic '", spec.name, "'"), error);
      break;
    }
    new_topics.push_back(topic);
    for (const auto& [name, value] : spec.config) {
      rd_kafka_resp_err_t err = rd_kafka_NewTopic_set_config(topic, name.c_str(), value.c_str());
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR && status.ok()) {
        status = KafkaErrorToStatus(static_cast<RdKafka::ErrorCode>(err),
                                    absl::StrCat("config ", name, " of topic ", spec.name));
      }
    }
  }

  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  if (status.ok()) {
    rd_kafka_AdminOptions_t* admin_options =
        rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
    rd_kafka_AdminOptions_set_request_timeout(admin_options, timeout_ms, error, sizeof(error));
    rd_kafka_AdminOptions_set_operation_timeout(admin_options, timeout_ms, error, sizeof(error));
    rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), admin_options, queue);
    rd_kafka_AdminOptions_destroy(admin_options);

    // The result arrives after the request timeout at the latest; allow a margin.
    rd_kafka_event_t* event = rd_kafka_queue_poll(queue, timeout_ms + 5000);
    if (event == nullptr) {
      status = absl::UnavailableError(
          absl::StrCat("creating topics: no answer from ", client.brokers, " within ", timeout_ms, " ms"));
    } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = KafkaErrorToStatus(static_cast<RdKafka::ErrorCode>(rd_kafka_event_error(event)),
                                  absl::StrCat("creating topics on ", client.brokers),
                                  rd_kafka_event_error_string(event));
    } else {
      const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event);
      size_t count = 0;
      const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
      for (size_t i = 0; i < count && status.ok(); ++i) {
        rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
        if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
          continue;
        }
        const char* message = rd_kafka_topic_result_error_string(results[i]);
        status = KafkaErrorToStatus(static_cast<RdKafka::ErrorCode>(err),
                                    absl::StrCat("creating topic ", rd_kafka_topic_result_name(results[i])),
                                    message != nullptr ? message : "");
      }
    }
    if (event != nullptr) rd_kafka_event_destroy(event);
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_NewTopic_destroy_array(new_topics.data(), new_topics.size());
  return status;
}

absl::Status ReadTopicToEnd(const ClientOptions& client, const std::string& topic,
                            const std::function<void(const ConsumedMessage&)>& on_record,
                            int timeout_ms) {
  auto count = PartitionCount(client, topic, std::min(timeout_ms, 30000));
  if (!count.ok()) return count.status();
  std::vector<int32_t> all;
  for (int32_t p = 0; p < *count; ++p) all.push_back(p);
  return ReadPartitionsToEnd(client, topic, all, on_record, timeout_ms);
}

absl::Status ReadPartitionsToEnd(const ClientOptions& client, const std::string& topic,
                                 const std::vector<int32_t>& partitions,
                                 const std::function<void(const ConsumedMessage&)>& on_record,
                                 int timeout_ms) {
  if (partitions.empty()) return absl::OkStatus();
  ConsumerOptions options;
  options.client = client;
  // A group id is mandatory for the KafkaConsumer, but nothing is subscribed or committed.
  options.group_id = absl::StrCat("newsflow-reader-", topic);
  auto consumer = Consumer::Create(options);
  if (!consumer.ok()) return consumer.status();
  std::vector<RdKafka::TopicPartition*> assignment;
  for (int32_t p : partitions) {
    assignment.push_back(
        RdKafka::TopicPartition::create(topic, p, RdKafka::Topic::OFFSET_BEGINNING));
  }
  absl::Status status =
      KafkaErrorToStatus((*consumer)->consumer_->assign(assignment), "assigning " + topic);
  RdKafka::TopicPartition::destroy(assignment);
  if (!status.ok()) return status;
  size_t at_end = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (at_end < partitions.size()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("reading ", topic, " to its end took longer than ", timeout_ms, " ms"));
    }
    std::unique_ptr<RdKafka::Message> message((*consumer)->consumer_->consume(200));
    if (message->err() == RdKafka::ERR__PARTITION_EOF) {
      ++at_end;
    } else if (message->err() == RdKafka::ERR_NO_ERROR) {
      on_record(ToConsumedMessage(*message));
    } else if (message->err() != RdKafka::ERR__TIMED_OUT) {
      return KafkaErrorToStatus(message->err(), "reading " + topic, message->errstr());
    }
  }
  return (*consumer)->Close();
}

absl::StatusOr<std::vector<int32_t>> PartitionsWithOpenTransactions(
    const ClientOptions& client, const std::string& topic, const std::vector<int32_t>& partitions,
    int timeout_ms) {
  // The end a read_uncommitted reader sees (high watermark) against the end a read_committed
  // reader sees (last stable offset): they differ while a transaction is open.
  std::map<std::string, std::unique_ptr<Consumer>> readers;
  for (const char* isolation : {"read_uncommitted", "read_committed"}) {
    ConsumerOptions options;
    options.client = client;
    options.group_id = absl::StrCat("newsflow-reader-", topic);  // never joined
    options.isolation_level = isolation;
    auto consumer = Consumer::Create(options);
    if (!consumer.ok()) return consumer.status();
    readers[isolation] = std::move(*consumer);
  }
  std::vector<int32_t> open;
  for (int32_t partition : partitions) {
    int64_t ends[2] = {-1, -1};
    int i = 0;
    for (const char* isolation : {"read_uncommitted", "read_committed"}) {
      int64_t low = -1;
      RdKafka::ErrorCode code = readers[isolation]->consumer_->query_watermark_offsets(
          topic, partition, &low, &ends[i++], timeout_ms);
      if (code != RdKafka::ERR_NO_ERROR) {
        return KafkaErrorToStatus(code, absl::StrCat("reading the end of ", topic, "/", partition));
      }
    }
    if (ends[1] < ends[0]) open.push_back(partition);
  }
  for (auto& [isolation, reader] : readers) (void)reader->Close();
  return open;
}

absl::StatusOr<int> PartitionCount(const ClientOptions& client, const std::string& topic,
                                   int timeout_ms) {
  ProducerOptions options;
  options.client = client;
  options.idempotent = false;
  auto producer = Producer::Create(options);
  if (!producer.ok()) return producer.status();
  RdKafka::Metadata* raw_metadata = nullptr;
  RdKafka::ErrorCode code =
      (*producer)->handle()->metadata(/*all_topics=*/true, nullptr, &raw_metadata, timeout_ms);
  std::unique_ptr<RdKafka::Metadata> metadata(raw_metadata);
  if (code != RdKafka::ERR_NO_ERROR) return KafkaErrorToStatus(code, "reading metadata");
  for (const RdKafka::TopicMetadata* t : *metadata->topics()) {
    if (t->topic() == topic) {
      if (t->err() != RdKafka::ERR_NO_ERROR) return KafkaErrorToStatus(t->err(), topic);
      return static_cast<int>(t->partitions()->size());
    }
  }
  return absl::NotFoundError(absl::StrCat("topic ", topic, " does not exist"));
}

}  // namespace newsflow::kafka
