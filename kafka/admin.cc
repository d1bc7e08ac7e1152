#include "kafka/admin.h"

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "kafka/internal.h"
#include "kafka/kafka_status.h"

namespace newsflow::kafka {

namespace {

// A producer handle for admin requests and metadata (no idempotence: it sends nothing).
absl::StatusOr<std::unique_ptr<Producer>> AdminClient(const ClientOptions& client) {
  ProducerOptions options;
  options.client = client;
  options.idempotent = false;
  return Producer::Create(options);
}

// The result of an admin request on `queue`, waited for in short slices so that a client
// that cannot authenticate stops at once with the cause; nullptr with `status` set on a
// timeout or a fatal error.
rd_kafka_event_t* WaitForResult(Producer& producer, rd_kafka_queue_t* queue, int timeout_ms,
                                const std::string& what, absl::Status* status) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    producer.Poll(0);  // serves the client's error events
    if (absl::Status fatal = producer.fatal_error(); !fatal.ok()) {
      *status = fatal;
      return nullptr;
    }
    if (rd_kafka_event_t* event = rd_kafka_queue_poll(queue, 200)) return event;
    if (std::chrono::steady_clock::now() > deadline) {
      absl::Status last = producer.last_client_error();
      *status = absl::UnavailableError(
          absl::StrCat(what, ": no answer within ", timeout_ms, " ms",
                       last.ok() ? "" : absl::StrCat(" (", last.message(), ")")));
      return nullptr;
    }
  }
}

}  // namespace

absl::Status EnsureTopics(const ClientOptions& client, const std::vector<TopicSpec>& topics,
                          int timeout_ms) {
  auto producer = AdminClient(client);
  if (!producer.ok()) return producer.status();
  rd_kafka_t* rk = (*producer)->handle()->c_ptr();

  char error[512];
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  absl::Status status;
  for (const TopicSpec& spec : topics) {
    rd_kafka_NewTopic_t* topic = rd_kafka_NewTopic_new(
        spec.name.c_str(), spec.partitions, spec.replication_factor, error, sizeof(error));
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
    rd_kafka_event_t* event =
        WaitForResult(**producer, queue, timeout_ms + 5000,
                      absl::StrCat("creating topics on ", client.brokers), &status);
    if (event == nullptr) {
      // status says why
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
        status = KafkaErrorToStatus(
            static_cast<RdKafka::ErrorCode>(err),
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
      KafkaErrorToStatus((*consumer)->handle()->assign(assignment), "assigning " + topic);
  RdKafka::TopicPartition::destroy(assignment);
  if (!status.ok()) return status;
  size_t at_end = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (at_end < partitions.size()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("reading ", topic, " to its end took longer than ", timeout_ms, " ms"));
    }
    std::unique_ptr<RdKafka::Message> message((*consumer)->handle()->consume(200));
    if (message->err() == RdKafka::ERR__PARTITION_EOF) {
      ++at_end;
    } else if (message->err() == RdKafka::ERR_NO_ERROR) {
      on_record(internal::ToConsumedMessage(*message));
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
      RdKafka::ErrorCode code = readers[isolation]->handle()->query_watermark_offsets(
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
  auto producer = AdminClient(client);
  if (!producer.ok()) return producer.status();
  RdKafka::Metadata* raw_metadata = nullptr;
  RdKafka::ErrorCode code = RdKafka::ERR__TIMED_OUT;
  // In slices, checking for a fatal client error (bad credentials, TLS) between them.
  for (int waited = 0; waited < timeout_ms && code == RdKafka::ERR__TIMED_OUT; waited += 1000) {
    code = (*producer)->handle()->metadata(/*all_topics=*/true, nullptr, &raw_metadata,
                                           std::min(1000, timeout_ms - waited));
    (*producer)->Poll(0);
    if (absl::Status fatal = (*producer)->fatal_error(); !fatal.ok()) {
      delete raw_metadata;
      return fatal;
    }
  }
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

absl::StatusOr<int64_t> TopicMaxMessageBytes(const ClientOptions& client, const std::string& topic,
                                             int timeout_ms) {
  auto producer = AdminClient(client);
  if (!producer.ok()) return producer.status();
  rd_kafka_t* rk = (*producer)->handle()->c_ptr();
  rd_kafka_ConfigResource_t* resource =
      rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic.c_str());
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* admin_options =
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  char error[512];
  rd_kafka_AdminOptions_set_request_timeout(admin_options, timeout_ms, error, sizeof(error));
  rd_kafka_DescribeConfigs(rk, &resource, 1, admin_options, queue);
  rd_kafka_AdminOptions_destroy(admin_options);

  absl::Status status;
  int64_t limit = -1;
  const std::string what = absl::StrCat("reading the configuration of ", topic);
  rd_kafka_event_t* event = WaitForResult(**producer, queue, timeout_ms + 5000, what, &status);
  if (event != nullptr) {
    if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = KafkaErrorToStatus(static_cast<RdKafka::ErrorCode>(rd_kafka_event_error(event)),
                                  what, rd_kafka_event_error_string(event));
    } else {
      const rd_kafka_DescribeConfigs_result_t* result =
          rd_kafka_event_DescribeConfigs_result(event);
      size_t count = 0;
      const rd_kafka_ConfigResource_t** resources =
          rd_kafka_DescribeConfigs_result_resources(result, &count);
      for (size_t i = 0; i < count && status.ok(); ++i) {
        if (rd_kafka_ConfigResource_error(resources[i]) != RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* message = rd_kafka_ConfigResource_error_string(resources[i]);
          status = KafkaErrorToStatus(
              static_cast<RdKafka::ErrorCode>(rd_kafka_ConfigResource_error(resources[i])), what,
              message != nullptr ? message : "");
          break;
        }
        size_t entries = 0;
        const rd_kafka_ConfigEntry_t** configs =
            rd_kafka_ConfigResource_configs(resources[i], &entries);
        for (size_t j = 0; j < entries; ++j) {
          if (std::string(rd_kafka_ConfigEntry_name(configs[j])) != "max.message.bytes") continue;
          const char* value = rd_kafka_ConfigEntry_value(configs[j]);
          if (value != nullptr) limit = std::atoll(value);
        }
      }
    }
    rd_kafka_event_destroy(event);
  }
  rd_kafka_queue_destroy(queue);
  rd_kafka_ConfigResource_destroy(resource);
  if (!status.ok()) return status;
  if (limit <= 0)
    return absl::NotFoundError(absl::StrCat(what, ": no max.message.bytes in the answer"));
  return limit;
}

}  // namespace newsflow::kafka
