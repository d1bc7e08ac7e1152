#include "producers/send_pacer.h"

#include <algorithm>
#include <cmath>
#include <thread>

namespace newsflow::producers {

int64_t SendDueOffsetMicros(double rate_per_s, uint64_t index) {
  return std::llround(static_cast<double>(index) * 1e6 / rate_per_s);
}

bool SendPacer::Wait(const std::atomic<bool>& stop, const std::function<void()>& idle,
                     std::chrono::microseconds idle_interval) {
  if (!started_) {
    started_ = true;
    start_ = Clock::now();
  }
  const Clock::time_point due = Due(next_);
  for (Clock::time_point now = Clock::now(); now < due; now = Clock::now()) {
    if (stop.load()) return false;
    if (idle) idle();
    std::this_thread::sleep_until(std::min(due, now + idle_interval));
  }
  if (stop.load()) return false;
  ++next_;
  return true;
}

}  // namespace newsflow::producers
