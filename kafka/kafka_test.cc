// Adapter unit tests: error mapping, configuration checks, and delivery accounting under
// faults injected into librdkafka's built-in mock cluster (no real broker involved).
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <librdkafka/rdkafkacpp.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

#include "common/status_matchers.h"
#include "kafka/admin.h"
#include "kafka/client.h"
#include "kafka/kafka_status.h"

namespace newsflow::kafka {
namespace {

using ::newsflow::testing::IsOk;
using ::newsflow::testing::StatusIs;
using ::testing::HasSubstr;

TEST(KafkaErrorToStatus, MapsBrokerOutageToUnavailable) {
  EXPECT_THAT(KafkaErrorToStatus(RdKafka::ERR__TRANSPORT, "x"), StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(KafkaErrorToStatus(RdKafka::ERR__MSG_TIMED_OUT, "x"),
              StatusIs(absl::StatusCode::kUnavailable));
  EXPECT_THAT(KafkaErrorToStatus(RdKafka::ERR__ALL_BROKERS_DOWN, "x"),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST(KafkaErrorToStatus, MapsBadPayloadAndConfigToInvalidArgument) {
  EXPECT_THAT(KafkaErrorToStatus(RdKafka::ERR_MSG_SIZE_TOO_LARGE, "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG, "x"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ClientOptions, NamesAnUnknownPassThroughPropertyAtValidation) {
  ClientOptions options;
  options.properties["securty.protocol"] = "ssl";
  absl::Status status = options.Validate();
  EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("securty.protocol")));
  options.properties.clear();
  options.properties["security.protocol"] = "plaintext";
  EXPECT_THAT(options.Validate(), IsOk());
}

TEST(KafkaErrorToStatus, KeepsContextAndDetailInMessage) {
  absl::Status status = KafkaErrorToStatus(RdKafka::ERR__TRANSPORT, "delivery to news.raw", "refused");
  EXPECT_EQ(status.message(), "delivery to news.raw: refused");
  EXPECT_THAT(KafkaErrorToStatus(RdKafka::ERR_NO_ERROR, "x"), IsOk());
}

TEST(Producer, RejectsUnknownPassThroughPropertyNamingIt) {
  ProducerOptions options;
  options.client.properties["no.such.property"] = "1";
  auto producer = Producer::Create(options);
  EXPECT_THAT(producer, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(producer.status().message()), HasSubstr("no.such.property"));
}

TEST(Producer, RejectsEmptyBrokerList) {
  ProducerOptions options;
  options.client.brokers = "";
  EXPECT_THAT(Producer::Create(options), StatusIs(absl::StatusCode::kInvalidArgument));
}

ProducerOptions MockClusterOptions() {
  ProducerOptions options;
  options.client.brokers = "mock";
  options.client.properties["test.mock.num.brokers"] = "1";
  options.delivery_timeout_ms = 3000;
  return options;
}

rd_kafka_mock_cluster_t* MockCluster(Producer& producer) {
  return rd_kafka_handle_mock_cluster(producer.handle()->c_ptr());
}

TEST(Producer, CountsAcknowledgedRecordsOnHealthyCluster) {
  auto producer = Producer::Create(MockClusterOptions());
  ASSERT_THAT(producer, IsOk());
  for (int i = 0; i < 10; ++i) {
    ASSERT_THAT((*producer)->Send("news.raw", "key", "value", i), IsOk());
  }
  ASSERT_THAT((*producer)->Flush(10000), IsOk());
  ProducerCounters counters = (*producer)->counters();
  EXPECT_EQ(counters.sent, 10u);
  EXPECT_EQ(counters.acknowledged, 10u);
  EXPECT_EQ(counters.failed, 0u);
}

TEST(Producer, RetriesTransientProduceErrorsAndDeliversEachRecordOnce) {
  auto producer = Producer::Create(MockClusterOptions());
  ASSERT_THAT(producer, IsOk());
  // Warm up so the topic exists, then fail the next two Produce requests.
  ASSERT_THAT((*producer)->Send("news.raw", "k", "warm-up"), IsOk());
  ASSERT_THAT((*producer)->Flush(10000), IsOk());
  rd_kafka_mock_push_request_errors(MockCluster(**producer), /*ApiKey Produce=*/0, 2,
                                    RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT);
  ASSERT_THAT((*producer)->Send("news.raw", "k", "after-fault"), IsOk());
  ASSERT_THAT((*producer)->Flush(10000), IsOk());
  ProducerCounters counters = (*producer)->counters();
  EXPECT_EQ(counters.acknowledged, 2u);
  EXPECT_EQ(counters.failed, 0u);
}

TEST(Producer, ReportsRecordsAsFailedWhenBrokerStaysDown) {
  std::vector<DeliveryReport> reports;
  auto producer = Producer::Create(MockClusterOptions(), [&](const DeliveryReport& report) {
    reports.push_back(report);
  });
  ASSERT_THAT(producer, IsOk());
  ASSERT_THAT((*producer)->Send("news.raw", "k", "warm-up", 1), IsOk());
  ASSERT_THAT((*producer)->Flush(10000), IsOk());
  rd_kafka_mock_broker_set_down(MockCluster(**producer), 1);
  ASSERT_THAT((*producer)->Send("news.raw", "k", "lost", 2), IsOk());
  ASSERT_THAT((*producer)->Flush(20000), IsOk());
  ProducerCounters counters = (*producer)->counters();
  EXPECT_EQ(counters.acknowledged, 1u);
  EXPECT_EQ(counters.failed, 1u);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].tag, 2u);
  EXPECT_THAT(reports[1].status, StatusIs(absl::StatusCode::kUnavailable));
}

TEST(Producer, LearnsItsTopicsAndTheirRecordsGoOut) {
  auto producer = Producer::Create(MockClusterOptions());
  ASSERT_THAT(producer, IsOk());
  ASSERT_EQ(rd_kafka_mock_topic_create(MockCluster(**producer), "out", 2, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_THAT((*producer)->LearnTopics({"out", "", "not-yet-created"}, 10000), IsOk());
  ASSERT_THAT((*producer)->Send("out", "k", "v"), IsOk());
  ASSERT_THAT((*producer)->Flush(10000), IsOk());
  EXPECT_EQ((*producer)->counters().acknowledged, 1u);
}

TEST(Producer, GivesUpLearningTopicsFromABrokerThatIsDown) {
  auto producer = Producer::Create(MockClusterOptions());
  ASSERT_THAT(producer, IsOk());
  rd_kafka_mock_broker_set_down(MockCluster(**producer), 1);
  // Within its time budget, with an error the caller can go on after.
  EXPECT_FALSE((*producer)->LearnTopics({"a", "b", "c"}, 300).ok());
}

// A consumer on the producer's mock cluster.
ConsumerOptions MockConsumerOptions(Producer& producer, const std::string& group) {
  ConsumerOptions options;
  options.client.brokers = rd_kafka_mock_cluster_bootstraps(MockCluster(producer));
  options.group_id = group;
  return options;
}

TEST(Producer, SendsToTheRequestedPartitionAndReadsBackOnlyThosePartitions) {
  auto producer = Producer::Create(MockClusterOptions());
  ASSERT_THAT(producer, IsOk());
  ASSERT_EQ(rd_kafka_mock_topic_create(MockCluster(**producer), "changelog", 3, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  ASSERT_THAT((*producer)->SendToPartition("changelog", 2, "entry:1", "two"), IsOk());
  ASSERT_THAT((*producer)->SendToPartition("changelog", 0, "entry:1", "zero"), IsOk());
  ASSERT_THAT((*producer)->SendTombstoneToPartition("changelog", 2, "entry:0"), IsOk());
  ASSERT_THAT((*producer)->Flush(10000), IsOk());
  ClientOptions client = MockConsumerOptions(**producer, "reader").client;
  std::vector<ConsumedMessage> read;
  ASSERT_THAT(ReadPartitionsToEnd(client, "changelog", {2},
                                  [&](const ConsumedMessage& m) { read.push_back(m); }, 20000),
              IsOk());
  ASSERT_EQ(read.size(), 2u);
  EXPECT_EQ(read[0].partition, 2);
  EXPECT_EQ(read[0].value, "two");
  EXPECT_TRUE(read[1].null_value);
}

TEST(Consumer, TellsTheListenerAboutAssignmentAndRevocationAndReportsNoLagAtTheEnd) {
  auto producer = Producer::Create(MockClusterOptions());
  ASSERT_THAT(producer, IsOk());
  ASSERT_EQ(rd_kafka_mock_topic_create(MockCluster(**producer), "news.raw", 1, 1),
            RD_KAFKA_RESP_ERR_NO_ERROR);
  for (int i = 0; i < 3; ++i) ASSERT_THAT((*producer)->Send("news.raw", "k", "v"), IsOk());
  ASSERT_THAT((*producer)->Flush(10000), IsOk());

  auto consumer = Consumer::Create(MockConsumerOptions(**producer, "listener-test"));
  ASSERT_THAT(consumer, IsOk());
  std::vector<TopicPartitionOffset> assigned, revoked;
  RebalanceListener listener;
  listener.on_assigned = [&](const std::vector<TopicPartitionOffset>& p) { assigned = p; };
  listener.on_revoked = [&](const std::vector<TopicPartitionOffset>& p) { revoked = p; };
  (*consumer)->SetRebalanceListener(listener);
  ASSERT_THAT((*consumer)->Subscribe({"news.raw"}), IsOk());
  int records = 0;
  for (int i = 0; i < 300 && !(records == 3 && (*consumer)->AllAssignedAtEnd()); ++i) {
    auto polled = (*consumer)->Poll(100);
    if (polled.ok() && polled->has_value()) ++records;
  }
  EXPECT_EQ(records, 3);
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].topic, "news.raw");
  EXPECT_GE((*consumer)->rebalances(), 1u);
  auto lag = (*consumer)->Lag();
  ASSERT_EQ(lag.size(), 1u);
  EXPECT_EQ(lag.begin()->second, 0);
  EXPECT_THAT((*consumer)->Close(), IsOk());
  ASSERT_EQ(revoked.size(), 1u);  // leaving the group revokes, before the partitions go
}

// After a broker stall the client cannot tell whether a record it sent was written: those
// are "possibly persisted", and must be told apart from records the broker refused.
TEST(Producer, TellsRefusedRecordsFromRecordsThatGotNoAnswer) {
  std::vector<DeliveryReport> reports;
  ProducerOptions options = MockClusterOptions();
  options.delivery_timeout_ms = 2000;
  auto producer = Producer::Create(options, [&](const DeliveryReport& r) { reports.push_back(r); });
  ASSERT_THAT(producer, IsOk());
  ASSERT_THAT((*producer)->Send("news.raw", "k", "warm-up", 1), IsOk());
  ASSERT_THAT((*producer)->Flush(10000), IsOk());
  // Refused: the broker answers with a permanent error.
  rd_kafka_mock_push_request_errors(MockCluster(**producer), /*ApiKey Produce=*/0, 1,
                                    RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE);
  ASSERT_THAT((*producer)->Send("news.raw", "k", "refused", 2), IsOk());
  ASSERT_THAT((*producer)->Flush(10000), IsOk());
  // No answer: the request is on its way when the broker stops answering.
  rd_kafka_mock_broker_set_rtt(MockCluster(**producer), 1, 10000);
  ASSERT_THAT((*producer)->Send("news.raw", "k", "in flight", 3), IsOk());
  (void)(*producer)->Flush(20000);
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports[0].persistence, Persistence::kPersisted);
  EXPECT_EQ(reports[1].tag, 2u);
  EXPECT_EQ(reports[1].persistence, Persistence::kNotPersisted);
  EXPECT_EQ(reports[2].tag, 3u);
  EXPECT_FALSE(reports[2].status.ok());
  EXPECT_EQ(reports[2].persistence, Persistence::kPossiblyPersisted);
}

// librdkafka hands its log lines to the event callback once one is set; `--kafka debug=...`
// must still show them.
TEST(Producer, RoutesLibrdkafkaLogLinesToTheSink) {
  std::mutex mutex;
  std::vector<std::string> lines;
  ProducerOptions options = MockClusterOptions();
  options.client.properties["debug"] = "conf";
  options.client.log_sink = [&](int severity, std::string_view facility, std::string_view text) {
    std::lock_guard<std::mutex> lock(mutex);
    lines.push_back(absl::StrCat(severity, " ", std::string(facility), " ", std::string(text)));
  };
  auto producer = Producer::Create(options);
  ASSERT_THAT(producer, IsOk());
  (*producer)->Poll(100);
  std::lock_guard<std::mutex> lock(mutex);
  EXPECT_THAT(lines, ::testing::Contains(HasSubstr("CONF")));
}

TEST(IsSensitiveProperty, FollowsLibrdkafkasOwnList) {
  EXPECT_TRUE(IsSensitiveProperty("sasl.password"));
  EXPECT_TRUE(IsSensitiveProperty("sasl.oauthbearer.config"));
  EXPECT_TRUE(IsSensitiveProperty("ssl.key.password"));
  EXPECT_FALSE(IsSensitiveProperty("security.protocol"));
  EXPECT_FALSE(IsSensitiveProperty("linger.ms"));
  EXPECT_FALSE(IsSensitiveProperty("no.such.property"));
}

TEST(RecordValueBudget, LeavesRoomForHeadersKeyAndCompression) {
  EXPECT_LT(RecordValueBudget(1048588, 100), 1048588u - 100);
  EXPECT_GT(RecordValueBudget(1048588, 100), 1040000u);
  EXPECT_EQ(RecordValueBudget(100, 200), 0u);
}

}  // namespace
}  // namespace newsflow::kafka
