// Paces publishing at a fixed rate (`newsflow produce --rate`). Record i (0-based) is due at
// start + i / rate: the schedule is absolute (open loop). A sender that falls behind sends the
// overdue records at once to catch up instead of shifting every later record, so the offered
// load stays at the requested rate the way a real feed's arrivals do not wait for the
// pipeline, and a latency measured under it is not flattered by the sender slowing down
// (coordinated omission). The wait sleeps; it never spins.
#ifndef NEWSFLOW_PRODUCERS_SEND_PACER_H_
#define NEWSFLOW_PRODUCERS_SEND_PACER_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

namespace newsflow::producers {

// Microseconds from the start of the schedule at which record `index` is due when sending
// `rate_per_s` records per second (> 0). Computed from the start, never accumulated, so
// rounding does not drift: record 1000 at 3/s is due at exactly 333,333,333 µs.
int64_t SendDueOffsetMicros(double rate_per_s, uint64_t index);

class SendPacer {
 public:
  using Clock = std::chrono::steady_clock;

  // `rate_per_s` > 0. The schedule starts at the first Wait.
  explicit SendPacer(double rate_per_s) : rate_per_s_(rate_per_s) {}

  // Sleeps until the next record is due, calling `idle` (e.g. to serve delivery reports) at
  // least every `idle_interval` while it waits. Returns false, without counting the record,
  // when `stop` is set before it is due.
  bool Wait(const std::atomic<bool>& stop, const std::function<void()>& idle,
            std::chrono::microseconds idle_interval = std::chrono::milliseconds(50));

  // When record `index` is due; valid after the first Wait.
  Clock::time_point Due(uint64_t index) const {
    return start_ + std::chrono::microseconds(SendDueOffsetMicros(rate_per_s_, index));
  }
  uint64_t next_index() const { return next_; }

 private:
  double rate_per_s_;
  bool started_ = false;
  Clock::time_point start_;
  uint64_t next_ = 0;
};

}  // namespace newsflow::producers

#endif  // NEWSFLOW_PRODUCERS_SEND_PACER_H_
