// The one place where librdkafka error codes become absl::Status (transient -> kUnavailable,
// bad payload or configuration -> kInvalidArgument), so callers above the adapter decide
// retry, dead-letter or exit from status codes alone.
#ifndef NEWSFLOW_KAFKA_KAFKA_STATUS_H_
#define NEWSFLOW_KAFKA_KAFKA_STATUS_H_

#include <string_view>

#include <librdkafka/rdkafkacpp.h>

#include "absl/status/status.h"

namespace newsflow::kafka {

// Converts a librdkafka error to a status whose message is "<context>: <librdkafka text>"
// (or `detail` instead of librdkafka's generic text when given). OK for ERR_NO_ERROR.
absl::Status KafkaErrorToStatus(RdKafka::ErrorCode code, std::string_view context,
                                std::string_view detail = {});

// The same for the error objects of the transactional API (init/begin/commit/abort,
// send_offsets_to_transaction), which also say whether the transaction must be aborted
// (-> kAborted) or the producer is unusable (fatal -> kInternal). Takes ownership of `error`;
// OK for nullptr.
absl::Status KafkaErrorToStatus(RdKafka::Error* error, std::string_view context);

// True for errors worth retrying after a wait (broker down, timeouts, leader moves).
bool IsTransient(RdKafka::ErrorCode code);

}  // namespace newsflow::kafka

#endif  // NEWSFLOW_KAFKA_KAFKA_STATUS_H_
