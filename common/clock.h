// Wall-clock helpers so that every record uses the same time unit (Unix epoch milliseconds).
#ifndef NEWSFLOW_COMMON_CLOCK_H_
#define NEWSFLOW_COMMON_CLOCK_H_

#include <cstdint>

namespace newsflow {

// Current wall-clock time, Unix epoch milliseconds.
int64_t NowUnixMillis();

// Monotonic clock in microseconds, for measuring stage durations.
int64_t MonotonicMicros();

}  // namespace newsflow

#endif  // NEWSFLOW_COMMON_CLOCK_H_
