// Pieces the kafka/ sources share and nothing outside kafka/ may include: checked
// configuration setters, the handler of librdkafka's client events (errors, log lines,
// statistics), and message conversion.
#ifndef NEWSFLOW_KAFKA_INTERNAL_H_
#define NEWSFLOW_KAFKA_INTERNAL_H_

#include <librdkafka/rdkafkacpp.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kafka/client.h"

namespace newsflow::kafka::internal {

// Every Conf::set goes through here: a refused property names itself in the status.
absl::Status SetProperty(RdKafka::Conf* conf, const std::string& name, const std::string& value);

// Client-level events of one librdkafka handle. Errors: the last one, and the first one that
// retrying cannot cure (bad credentials, a TLS handshake that fails), so callers stop at
// once with its cause instead of timing out. Log lines: to the client's LogSink (librdkafka
// hands them to the event callback once one is set, so without this they would be lost).
// Statistics: what BrokerHealth reports. Log lines arrive on librdkafka's threads, the rest
// on the polling thread; everything here is guarded.
class EventHandler : public RdKafka::EventCb {
 public:
  explicit EventHandler(LogSink sink) : sink_(std::move(sink)) {}
  void event_cb(RdKafka::Event& event) override;

  absl::Status last_error() const;
  absl::Status fatal_error() const;
  BrokerHealth Health(int64_t max_silence_ms) const;

 private:
  void OnStatistics(const std::string& json);

  LogSink sink_;
  mutable std::mutex mutex_;
  absl::Status last_;
  absl::Status fatal_;
  // From the latest statistics: per broker that leads a fetched partition or has requests
  // in flight, its name, state, microseconds since it last sent anything, and requests
  // awaiting an answer.
  struct BrokerState {
    std::string name;
    std::string state;
    int64_t rx_idle_us = -1;
    int64_t awaiting = 0;
    bool leads_fetched_partition = false;
  };
  std::vector<BrokerState> brokers_;
  bool have_statistics_ = false;
};

// A configuration with the shared client settings, `settings`, the user's pass-through
// properties (last, so they win) and `events`; every property's result checked.
absl::StatusOr<std::unique_ptr<RdKafka::Conf>> BuildConf(
    const ClientOptions& client, const std::vector<std::pair<std::string, std::string>>& settings,
    EventHandler* events);

ConsumedMessage ToConsumedMessage(RdKafka::Message& message);

// The property's value as `conf` holds it; empty when unknown.
std::string GetProperty(RdKafka::Conf* conf, const std::string& name);

}  // namespace newsflow::kafka::internal

#endif  // NEWSFLOW_KAFKA_INTERNAL_H_
