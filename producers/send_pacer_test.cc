#include "producers/send_pacer.h"

#include <atomic>
#include <chrono>

#include <gtest/gtest.h>

namespace newsflow::producers {
namespace {

TEST(SendDueOffsetMicros, FirstRecordIsDueAtTheStartAndTheRestEvenlySpaced) {
  EXPECT_EQ(SendDueOffsetMicros(1000, 0), 0);
  EXPECT_EQ(SendDueOffsetMicros(1000, 1), 1000);
  EXPECT_EQ(SendDueOffsetMicros(1000, 2), 2000);
  EXPECT_EQ(SendDueOffsetMicros(1000, 1000), 1'000'000);
}

TEST(SendDueOffsetMicros, AFractionalIntervalIsRoundedPerRecordWithoutDrift) {
  EXPECT_EQ(SendDueOffsetMicros(3, 1), 333'333);
  EXPECT_EQ(SendDueOffsetMicros(3, 2), 666'667);
  EXPECT_EQ(SendDueOffsetMicros(3, 3), 1'000'000);
  EXPECT_EQ(SendDueOffsetMicros(3, 3000), 1'000'000'000);
  EXPECT_EQ(SendDueOffsetMicros(7, 7'000'000), 1'000'000'000'000);
}

TEST(SendDueOffsetMicros, RatesBelowOnePerSecondSpaceRecordsBySeconds) {
  EXPECT_EQ(SendDueOffsetMicros(0.5, 1), 2'000'000);
  EXPECT_EQ(SendDueOffsetMicros(0.25, 3), 12'000'000);
}

TEST(SendDueOffsetMicros, ADayOfRecordsAtOneThousandPerSecondStaysExact) {
  EXPECT_EQ(SendDueOffsetMicros(1000, 86'400'000), 86'400'000'000);
}

TEST(SendPacer, CountsEachRecordItLetsThroughAndKeepsTheAbsoluteSchedule) {
  SendPacer pacer(1e6);  // 1 µs apart: the test does not wait noticeably
  std::atomic<bool> stop{false};
  int idle_calls = 0;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(pacer.Wait(stop, [&] { ++idle_calls; }));
  EXPECT_EQ(pacer.next_index(), 3u);
  EXPECT_EQ(pacer.Due(2) - pacer.Due(0), std::chrono::microseconds(2));
  EXPECT_EQ(pacer.Due(1'000'000) - pacer.Due(0), std::chrono::seconds(1));
}

TEST(SendPacer, AStopRequestEndsTheWaitWithoutCountingTheRecord) {
  SendPacer pacer(0.001);  // the second record would be due in 1000 s
  std::atomic<bool> stop{false};
  ASSERT_TRUE(pacer.Wait(stop, nullptr));  // the first is due at once
  stop.store(true);
  EXPECT_FALSE(pacer.Wait(stop, nullptr));
  EXPECT_EQ(pacer.next_index(), 1u);
}

}  // namespace
}  // namespace newsflow::producers
