// Tiny gMock matchers for absl::Status / absl::StatusOr, because Abseil 20220623
// ships no status_matchers.h. Test-only (library newsflow::testing).
#ifndef NEWSFLOW_COMMON_STATUS_MATCHERS_H_
#define NEWSFLOW_COMMON_STATUS_MATCHERS_H_

#include <gmock/gmock.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace newsflow::testing {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status;
  return status.ok();
}

MATCHER_P(StatusIs, code, "has status code " + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code;
}

// StatusIs(code, message_matcher): also matches the message, e.g. HasSubstr("batch-size").
MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + std::string(absl::StatusCodeToString(code))) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status;
  return status.code() == code &&
         ::testing::Matches(message_matcher)(std::string(status.message()));
}

}  // namespace newsflow::testing

#endif  // NEWSFLOW_COMMON_STATUS_MATCHERS_H_
