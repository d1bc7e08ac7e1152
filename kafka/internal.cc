#include "kafka/internal.h"

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "kafka/kafka_status.h"

namespace newsflow::kafka::internal {
namespace {

// Errors after which retrying cannot help: the client is configured for a broker it cannot
// authenticate to.
bool IsFatalClientError(RdKafka::ErrorCode code) {
  switch (code) {
    case RdKafka::ERR__AUTHENTICATION:
    case RdKafka::ERR__SSL:
    case RdKafka::ERR_SASL_AUTHENTICATION_FAILED:
    case RdKafka::ERR_UNSUPPORTED_SASL_MECHANISM:
    case RdKafka::ERR_ILLEGAL_SASL_STATE:
      return true;
    default:
      return false;
  }
}

const char* SeverityName(int severity) {
  static constexpr const char* kNames[] = {"EMERG", "ALERT",  "CRIT", "ERROR",
                                           "WARN",  "NOTICE", "INFO", "DEBUG"};
  return severity >= 0 && severity < 8 ? kNames[severity] : "LOG";
}

}  // namespace

absl::Status SetProperty(RdKafka::Conf* conf, const std::string& name, const std::string& value) {
  std::string error;
  if (conf->set(name, value, error) != RdKafka::Conf::CONF_OK) {
    return KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG,
                              absl::StrCat("kafka property '", name, "'"), error);
  }
  return absl::OkStatus();
}

std::string GetProperty(RdKafka::Conf* conf, const std::string& name) {
  std::string value;
  if (conf->get(name, value) != RdKafka::Conf::CONF_OK) return "";
  return value;
}

void EventHandler::event_cb(RdKafka::Event& event) {
  switch (event.type()) {
    case RdKafka::Event::EVENT_LOG: {
      if (sink_) {
        sink_(event.severity(), event.fac(), event.str());
      } else {
        const std::string line = absl::StrCat("librdkafka ", SeverityName(event.severity()), " ",
                                              event.fac(), ": ", event.str(), "\n");
        std::fwrite(line.data(), 1, line.size(), stderr);
      }
      return;
    }
    case RdKafka::Event::EVENT_ERROR: {
      const RdKafka::ErrorCode code = event.err();
      std::lock_guard<std::mutex> lock(mutex_);
      last_ = KafkaErrorToStatus(code, "kafka client", event.str());
      if (!fatal_.ok()) return;
      if (IsFatalClientError(code)) {
        const char* hint = code == RdKafka::ERR__SSL
                               ? "check security.protocol, ssl.ca.location and the broker's "
                                 "certificate"
                               : "check sasl.mechanism, sasl.username and sasl.password";
        fatal_ = absl::UnauthenticatedError(
            absl::StrCat("cannot use the broker: ", event.str(), " (", hint, ")"));
      } else if (event.fatal()) {
        fatal_ = absl::InternalError(absl::StrCat("fatal kafka client error: ", event.str()));
      }
      return;
    }
    case RdKafka::Event::EVENT_STATS:
      OnStatistics(event.str());
      return;
    default:
      return;
  }
}

void EventHandler::OnStatistics(const std::string& json) {
  const nlohmann::json stats = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!stats.is_object()) return;
  std::vector<BrokerState> brokers;
  auto list = stats.find("brokers");
  if (list != stats.end() && list->is_object()) {
    for (const auto& [name, broker] : list->items()) {
      if (!broker.is_object() || broker.value("nodeid", -1) < 0) continue;  // bootstrap entry
      BrokerState state;
      state.name = broker.value("name", name);
      state.state = broker.value("state", "");
      state.rx_idle_us = broker.value("rxidle", int64_t{-1});
      state.awaiting = broker.value("waitresp_cnt", int64_t{0});
      auto toppars = broker.find("toppars");
      state.leads_fetched_partition =
          toppars != broker.end() && toppars->is_object() && !toppars->empty();
      brokers.push_back(std::move(state));
    }
  }
  std::lock_guard<std::mutex> lock(mutex_);
  brokers_ = std::move(brokers);
  have_statistics_ = true;
}

absl::Status EventHandler::last_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_;
}

absl::Status EventHandler::fatal_error() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return fatal_;
}

BrokerHealth EventHandler::Health(int64_t max_silence_ms) const {
  std::lock_guard<std::mutex> lock(mutex_);
  BrokerHealth health;
  health.known = have_statistics_;
  for (const BrokerState& broker : brokers_) {
    if (broker.leads_fetched_partition && broker.state != "UP") {
      health.healthy = false;
      health.problem = absl::StrCat("broker ", broker.name, " is ", broker.state);
      break;
    }
    if (broker.state == "UP" && broker.awaiting > 0 && broker.rx_idle_us > max_silence_ms * 1000) {
      health.healthy = false;
      health.problem = absl::StrFormat("broker %s has not answered for %.1f s", broker.name,
                                       broker.rx_idle_us / 1e6);
      break;
    }
  }
  return health;
}

absl::StatusOr<std::unique_ptr<RdKafka::Conf>> BuildConf(
    const ClientOptions& client, const std::vector<std::pair<std::string, std::string>>& settings,
    EventHandler* events) {
  std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
  absl::Status status = SetProperty(conf.get(), "bootstrap.servers", client.brokers);
  if (status.ok()) status = SetProperty(conf.get(), "client.id", client.client_id);
  for (const auto& [name, value] : settings) {
    if (status.ok()) status = SetProperty(conf.get(), name, value);
  }
  for (const auto& [name, value] : client.properties) {
    if (status.ok()) status = SetProperty(conf.get(), name, value);
  }
  if (status.ok()) {
    std::string error;
    if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(events), error) !=
        RdKafka::Conf::CONF_OK) {
      status = KafkaErrorToStatus(RdKafka::ERR__INVALID_ARG, "kafka callback 'event_cb'", error);
    }
  }
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

}  // namespace newsflow::kafka::internal
