#include "observability/metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "common/status_matchers.h"

namespace newsflow::observability {
namespace {

using ::newsflow::testing::IsOk;
using ::newsflow::testing::StatusIs;
using ::testing::HasSubstr;

TEST(RegistryTest, RendersCounterAndGaugeWithHelpAndType) {
  Registry registry;
  absl::StatusOr<Counter*> counter = registry.AddCounter("newsflow_records_total", "Records read.");
  ASSERT_THAT(counter, IsOk());
  absl::StatusOr<Gauge*> gauge = registry.AddGauge("newsflow_lag", "Consumer lag.");
  ASSERT_THAT(gauge, IsOk());
  (*counter)->Increment();
  (*counter)->Increment(41);
  (*gauge)->Set(1234);
  (*gauge)->Add(-0.5);

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP newsflow_lag Consumer lag.\n"
            "# TYPE newsflow_lag gauge\n"
            "newsflow_lag 1233.5\n"
            "# HELP newsflow_records_total Records read.\n"
            "# TYPE newsflow_records_total counter\n"
            "newsflow_records_total 42\n");
}

TEST(RegistryTest, RendersHistogramBucketsCumulativelyWithSumAndCount) {
  Registry registry;
  absl::StatusOr<Histogram*> histogram =
      registry.AddHistogram("batch_seconds", "Batch time.", {0.1, 1, 2.5});
  ASSERT_THAT(histogram, IsOk());
  (*histogram)->Observe(0.05);
  (*histogram)->Observe(0.1);  // upper bounds are inclusive
  (*histogram)->Observe(2);
  (*histogram)->Observe(7);

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP batch_seconds Batch time.\n"
            "# TYPE batch_seconds histogram\n"
            "batch_seconds_bucket{le=\"0.1\"} 2\n"
            "batch_seconds_bucket{le=\"1\"} 2\n"
            "batch_seconds_bucket{le=\"2.5\"} 3\n"
            "batch_seconds_bucket{le=\"+Inf\"} 4\n"
            "batch_seconds_sum 9.15\n"
            "batch_seconds_count 4\n");
  EXPECT_EQ((*histogram)->Count(), 4u);
}

TEST(RegistryTest, LabelledHistogramPutsLeAfterTheOtherLabels) {
  Registry registry;
  absl::StatusOr<HistogramFamily*> family =
      registry.AddHistogramFamily("stage_seconds", "Stage time.", {"stage"}, {0.5});
  ASSERT_THAT(family, IsOk());
  (*family)->WithLabels({"dedupe"}).Observe(0.25);

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP stage_seconds Stage time.\n"
            "# TYPE stage_seconds histogram\n"
            "stage_seconds_bucket{stage=\"dedupe\",le=\"0.5\"} 1\n"
            "stage_seconds_bucket{stage=\"dedupe\",le=\"+Inf\"} 1\n"
            "stage_seconds_sum{stage=\"dedupe\"} 0.25\n"
            "stage_seconds_count{stage=\"dedupe\"} 1\n");
}

TEST(RegistryTest, DefaultLatencyBucketsRenderAsPrometheusClientsDo) {
  Registry registry;
  absl::StatusOr<Histogram*> histogram =
      registry.AddHistogram("latency_seconds", "Latency.", DefaultLatencyBuckets());
  ASSERT_THAT(histogram, IsOk());
  const std::string text = registry.RenderPrometheus();
  for (const char* le : {"0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5",
                         "1", "2.5", "5", "10", "+Inf"}) {
    EXPECT_THAT(text, HasSubstr("latency_seconds_bucket{le=\"" + std::string(le) + "\"} 0\n"));
  }
  EXPECT_THAT(text, HasSubstr("latency_seconds_sum 0\nlatency_seconds_count 0\n"));
}

TEST(RegistryTest, LabelChildrenAreSortedAndStable) {
  Registry registry;
  absl::StatusOr<CounterFamily*> family =
      registry.AddCounterFamily("messages_total", "Messages.", {"topic", "outcome"});
  ASSERT_THAT(family, IsOk());
  Counter& raw_ok = (*family)->WithLabels({"news.raw", "ok"});
  Counter& dlq = (*family)->WithLabels({"news.dlq", "ok"});
  raw_ok.Increment();
  EXPECT_EQ(&(*family)->WithLabels({"news.raw", "ok"}), &raw_ok);
  // Creating many more children never moves the cached ones.
  for (int i = 0; i < 1000; ++i) (*family)->WithLabels({"t" + std::to_string(i), "x"});
  EXPECT_EQ(&(*family)->WithLabels({"news.raw", "ok"}), &raw_ok);
  raw_ok.Increment();
  dlq.Increment(3);

  const std::string text = registry.RenderPrometheus();
  EXPECT_THAT(text, HasSubstr("messages_total{topic=\"news.dlq\",outcome=\"ok\"} 3\n"
                              "messages_total{topic=\"news.raw\",outcome=\"ok\"} 2\n"));
}

TEST(RegistryTest, EscapesLabelValuesAndHelp) {
  Registry registry;
  absl::StatusOr<GaugeFamily*> family =
      registry.AddGaugeFamily("odd", "Help with \\ and\nnewline \"quoted\".", {"path"});
  ASSERT_THAT(family, IsOk());
  (*family)->WithLabels({"C:\\dir \"x\"\nnext"}).Set(1);

  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP odd Help with \\\\ and\\nnewline \"quoted\".\n"
            "# TYPE odd gauge\n"
            "odd{path=\"C:\\\\dir \\\"x\\\"\\nnext\"} 1\n");
}

TEST(RegistryTest, FamilyWithoutChildrenRendersOnlyHelpAndType) {
  Registry registry;
  ASSERT_THAT(registry.AddCounterFamily("errors_total", "Errors.", {"kind"}), IsOk());
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP errors_total Errors.\n# TYPE errors_total counter\n");
}

TEST(RegistryTest, RegisteringTheSameMetricAgainReturnsTheSameOne) {
  Registry registry;
  absl::StatusOr<Counter*> first = registry.AddCounter("c_total", "C.");
  absl::StatusOr<Counter*> second = registry.AddCounter("c_total", "Other help is ignored.");
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(*first, *second);

  absl::StatusOr<HistogramFamily*> h1 = registry.AddHistogramFamily("h", "H.", {"a"}, {1, 2});
  absl::StatusOr<HistogramFamily*> h2 = registry.AddHistogramFamily("h", "H.", {"a"}, {1, 2});
  ASSERT_THAT(h1, IsOk());
  ASSERT_THAT(h2, IsOk());
  EXPECT_EQ(*h1, *h2);
}

TEST(RegistryTest, ConflictingRegistrationIsAlreadyExists) {
  Registry registry;
  ASSERT_THAT(registry.AddCounter("m", "M."), IsOk());
  EXPECT_THAT(registry.AddGauge("m", "M."), StatusIs(absl::StatusCode::kAlreadyExists));
  EXPECT_THAT(registry.AddCounterFamily("m", "M.", {"x"}),
              StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(registry.AddHistogram("h", "H.", {1}), IsOk());
  EXPECT_THAT(registry.AddHistogram("h", "H.", {1, 2}), StatusIs(absl::StatusCode::kAlreadyExists));
}

TEST(RegistryTest, RejectsInvalidNamesAndBuckets) {
  Registry registry;
  EXPECT_THAT(registry.AddCounter("", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddCounter("1abc", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddCounter("news.raw", "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddCounterFamily("c", "x", {"__reserved"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddCounterFamily("c", "x", {"a-b"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddCounterFamily("c", "x", {"a", "a"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddCounterFamily("c", "x", {}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddHistogramFamily("h", "x", {"le"}, {1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddHistogram("h", "x", {1, 1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddHistogram("h", "x", {2, 1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(registry.AddHistogram("h", "x", {std::nan("")}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A trailing +Inf is the implicit bucket and is accepted.
  EXPECT_THAT(registry.AddHistogram("h", "x", {1, std::numeric_limits<double>::infinity()}),
              IsOk());
  EXPECT_EQ(registry.RenderPrometheus(),
            "# HELP h x\n# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 0\nh_bucket{le=\"+Inf\"} 0\nh_sum 0\nh_count 0\n");
}

TEST(FamilyTest, WrongNumberOfLabelValuesIsAnError) {
  Registry registry;
  absl::StatusOr<CounterFamily*> family = registry.AddCounterFamily("c", "C.", {"a", "b"});
  ASSERT_THAT(family, IsOk());
  EXPECT_THAT((*family)->TryWithLabels({"only-one"}), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT((*family)->TryWithLabels({"1", "2"}), IsOk());
}

TEST(FamilyDeathTest, WithLabelsAbortsOnWrongNumberOfValues) {
  Registry registry;
  absl::StatusOr<CounterFamily*> family = registry.AddCounterFamily("c", "C.", {"a"});
  ASSERT_THAT(family, IsOk());
  EXPECT_DEATH((*family)->WithLabels({"1", "2"}), "has 1 label");
}

TEST(FormatMetricValueTest, UsesShortestRoundTripAndPrometheusSpecialValues) {
  EXPECT_EQ(FormatMetricValue(0), "0");
  EXPECT_EQ(FormatMetricValue(42), "42");
  EXPECT_EQ(FormatMetricValue(0.1), "0.1");
  EXPECT_EQ(FormatMetricValue(-2.5), "-2.5");
  EXPECT_EQ(FormatMetricValue(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(FormatMetricValue(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(FormatMetricValue(std::nan("")), "NaN");
}

TEST(MetricsConcurrencyTest, ConcurrentUpdatesAreAllCounted) {
  Registry registry;
  Counter* counter = *registry.AddCounter("c_total", "C.");
  Gauge* gauge = *registry.AddGauge("g", "G.");
  Histogram* histogram = *registry.AddHistogram("h", "H.", {1});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        counter->Increment();
        gauge->Add(1);
        histogram->Observe(0.5);
      }
    });
  }
  // Rendering while updating must be safe (run under TSan to check).
  for (int i = 0; i < 10; ++i) registry.RenderPrometheus();
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(counter->Value(), 40000u);
  EXPECT_EQ(gauge->Value(), 40000);
  EXPECT_EQ(histogram->Count(), 40000u);
  EXPECT_EQ(histogram->Sum(), 20000);
}

}  // namespace
}  // namespace newsflow::observability
