#include "producers/latency_summary.h"

#include <algorithm>
#include <random>
#include <vector>

#include <gtest/gtest.h>

namespace newsflow::producers {
namespace {

TEST(SummarizeLatencies, NoValuesGiveAnAllZeroSummary) {
  const LatencySummary s = SummarizeLatencies({});
  EXPECT_EQ(s.count, 0u);
  EXPECT_EQ(s.p99_ms, 0);
  EXPECT_EQ(s.max_ms, 0);
}

TEST(SummarizeLatencies, PercentilesAreNearestRankInAnyInputOrder) {
  std::vector<int64_t> values;
  for (int64_t v = 1; v <= 100; ++v) values.push_back(v);
  std::shuffle(values.begin(), values.end(), std::mt19937(7));
  const LatencySummary s = SummarizeLatencies(values);
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.min_ms, 1);
  EXPECT_EQ(s.p50_ms, 50);
  EXPECT_EQ(s.p90_ms, 90);
  EXPECT_EQ(s.p99_ms, 99);
  EXPECT_EQ(s.max_ms, 100);
  EXPECT_DOUBLE_EQ(s.mean_ms, 50.5);
}

TEST(SummarizeLatencies, ASingleSlowRecordInAHundredShowsOnlyAtTheMaximum) {
  std::vector<int64_t> values(99, 20);
  values.push_back(900);
  const LatencySummary s = SummarizeLatencies(values);
  EXPECT_EQ(s.p99_ms, 20);
  EXPECT_EQ(s.max_ms, 900);
}

TEST(SummarizeLatencies, ASingleValueIsEveryPercentile) {
  const LatencySummary s = SummarizeLatencies({42});
  EXPECT_EQ(s.p50_ms, 42);
  EXPECT_EQ(s.p99_ms, 42);
  EXPECT_EQ(s.min_ms, 42);
}

TEST(FormatLatencySummary, NamesEveryFigureOnOneLine) {
  EXPECT_EQ(FormatLatencySummary(SummarizeLatencies({10, 20, 30, 40})),
            "latency_ms count=4 min=10 p50=20 p90=40 p99=40 max=40 mean=25.0");
}

}  // namespace
}  // namespace newsflow::producers
