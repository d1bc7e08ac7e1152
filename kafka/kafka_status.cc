#include "kafka/kafka_status.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"

namespace newsflow::kafka {

bool IsTransient(RdKafka::ErrorCode code) {
  switch (code) {
    case RdKafka::ERR__TRANSPORT:
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__MSG_TIMED_OUT:
    case RdKafka::ERR__ALL_BROKERS_DOWN:
    case RdKafka::ERR__QUEUE_FULL:
    case RdKafka::ERR__RESOLVE:
    case RdKafka::ERR__WAIT_COORD:
    case RdKafka::ERR__TIMED_OUT_QUEUE:
    case RdKafka::ERR__PARTITION_EOF:
    case RdKafka::ERR__IN_PROGRESS:
    case RdKafka::ERR__RETRY:
    case RdKafka::ERR__NODE_UPDATE:
    case RdKafka::ERR_REQUEST_TIMED_OUT:
    case RdKafka::ERR_LEADER_NOT_AVAILABLE:
    case RdKafka::ERR_NOT_LEADER_FOR_PARTITION:
    case RdKafka::ERR_NETWORK_EXCEPTION:
    case RdKafka::ERR_NOT_ENOUGH_REPLICAS:
    case RdKafka::ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RdKafka::ERR_COORDINATOR_LOAD_IN_PROGRESS:
    case RdKafka::ERR_COORDINATOR_NOT_AVAILABLE:
    case RdKafka::ERR_NOT_COORDINATOR:
    case RdKafka::ERR_REBALANCE_IN_PROGRESS:
    case RdKafka::ERR_BROKER_NOT_AVAILABLE:
    case RdKafka::ERR_KAFKA_STORAGE_ERROR:
    case RdKafka::ERR_FETCH_SESSION_ID_NOT_FOUND:
    case RdKafka::ERR_THROTTLING_QUOTA_EXCEEDED:
    case RdKafka::ERR_CONCURRENT_TRANSACTIONS:
      return true;
    default:
      return false;
  }
}

absl::Status KafkaErrorToStatus(RdKafka::ErrorCode code, std::string_view context,
                                std::string_view detail) {
  if (code == RdKafka::ERR_NO_ERROR) return absl::OkStatus();
  const std::string message =
      absl::StrCat(std::string(context), ": ",
                   detail.empty() ? RdKafka::err2str(code) : std::string(detail));
  if (IsTransient(code)) return absl::UnavailableError(message);
  switch (code) {
    case RdKafka::ERR__INVALID_ARG:
    case RdKafka::ERR__BAD_MSG:
    case RdKafka::ERR_MSG_SIZE_TOO_LARGE:
    case RdKafka::ERR_INVALID_MSG:
    case RdKafka::ERR_INVALID_MSG_SIZE:
    case RdKafka::ERR_INVALID_CONFIG:
    case RdKafka::ERR_INVALID_REQUEST:
    case RdKafka::ERR_TOPIC_EXCEPTION:
    case RdKafka::ERR_INVALID_PARTITIONS:
    case RdKafka::ERR_INVALID_REPLICATION_FACTOR:
    case RdKafka::ERR_INVALID_RECORD:
    case RdKafka::ERR_RECORD_LIST_TOO_LARGE:
    case RdKafka::ERR__INVALID_TYPE:
    case RdKafka::ERR__BAD_COMPRESSION:
      return absl::InvalidArgumentError(message);
    case RdKafka::ERR__UNKNOWN_TOPIC:
    case RdKafka::ERR_UNKNOWN_TOPIC_OR_PART:
    case RdKafka::ERR__UNKNOWN_PARTITION:
      return absl::NotFoundError(message);
    case RdKafka::ERR_TOPIC_ALREADY_EXISTS:
      return absl::AlreadyExistsError(message);
    case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
    case RdKafka::ERR_GROUP_AUTHORIZATION_FAILED:
    case RdKafka::ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RdKafka::ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
      return absl::PermissionDeniedError(message);
    case RdKafka::ERR__AUTHENTICATION:
    case RdKafka::ERR_SASL_AUTHENTICATION_FAILED:
    case RdKafka::ERR__SSL:
      return absl::UnauthenticatedError(message);
    case RdKafka::ERR__DESTROY:
    case RdKafka::ERR__FENCED:
    case RdKafka::ERR_PRODUCER_FENCED:
      return absl::AbortedError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status KafkaErrorToStatus(RdKafka::Error* error, std::string_view context) {
  if (error == nullptr) return absl::OkStatus();
  std::unique_ptr<RdKafka::Error> owned(error);
  absl::Status status = KafkaErrorToStatus(owned->code(), context, owned->str());
  if (owned->is_fatal()) return absl::InternalError(absl::StrCat("fatal: ", status.message()));
  if (owned->txn_requires_abort()) return absl::AbortedError(status.message());
  return status;
}

}  // namespace newsflow::kafka
