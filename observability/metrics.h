// Metrics registry for the long-running services: counters, gauges and histograms, with or
// without labels, rendered in the Prometheus text exposition format 0.0.4 (served on /metrics
// by http_server.h). Updating a metric is lock-free (one or two atomic operations on a child
// the caller looked up once and cached); registering metrics and label children, and
// rendering, take a mutex.
#ifndef NEWSFLOW_OBSERVABILITY_METRICS_H_
#define NEWSFLOW_OBSERVABILITY_METRICS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace newsflow::observability {

// A monotonically increasing count (Prometheus type `counter`). Thread-safe, lock-free.
class Counter {
 public:
  Counter() = default;
  Counter(const Counter&) = delete;
  Counter& operator=(const Counter&) = delete;

  void Increment(uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A value that goes up and down (Prometheus type `gauge`). Holds a double; integers up to
// 2^53 are exact. Thread-safe, lock-free (Add is a compare-exchange loop).
class Gauge {
 public:
  Gauge() = default;
  Gauge(const Gauge&) = delete;
  Gauge& operator=(const Gauge&) = delete;

  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double delta);
  void Increment() { Add(1); }
  void Decrement() { Add(-1); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// Observations counted in fixed buckets (Prometheus type `histogram`): renders cumulative
// `_bucket{le="..."}` lines (the last one `le="+Inf"`), `_sum` and `_count`. Thread-safe,
// lock-free: Observe is a bucket search over the (few) bounds, one atomic increment and one
// compare-exchange loop for the sum.
class Histogram {
 public:
  // `upper_bounds` must be strictly increasing and finite (checked by Registry); the +Inf
  // bucket is implicit.
  explicit Histogram(std::vector<double> upper_bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  // Counts `value` in the first bucket whose upper bound is >= value (+Inf when none; NaN
  // is counted in +Inf and makes the sum NaN, as in the Prometheus clients).
  void Observe(double value);

  const std::vector<double>& upper_bounds() const { return upper_bounds_; }
  // Cumulative count per bucket, one per upper bound plus the +Inf bucket last.
  std::vector<uint64_t> CumulativeCounts() const;
  uint64_t Count() const;
  double Sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  const std::vector<double> upper_bounds_;
  // Non-cumulative counts; index upper_bounds_.size() is the +Inf bucket.
  const std::unique_ptr<std::atomic<uint64_t>[]> counts_;
  std::atomic<double> sum_{0};
};

// Request/processing latency buckets in seconds:
// .001 .0025 .005 .01 .025 .05 .1 .25 .5 1 2.5 5 10 (+Inf implicit).
std::vector<double> DefaultLatencyBuckets();

enum class MetricType { kCounter, kGauge, kHistogram };

// One metric name with fixed label names; each distinct list of label values is a child.
// Look a child up once (WithLabels takes a mutex) and keep the reference: it stays valid,
// at the same address, for the life of the Registry.
template <typename T>
class Family {
 public:
  Family(const Family&) = delete;
  Family& operator=(const Family&) = delete;

  const std::string& name() const { return name_; }
  const std::vector<std::string>& label_names() const { return label_names_; }

  // The child for `label_values`, created on first use. The number of values must equal
  // the number of label names; a mismatch is a programming error and aborts the process
  // with a message (use TryWithLabels for label values that come from outside).
  T& WithLabels(const std::vector<std::string>& label_values);
  // As WithLabels, but a wrong number of values is an InvalidArgument error.
  absl::StatusOr<T*> TryWithLabels(const std::vector<std::string>& label_values);

 private:
  friend class Registry;
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> upper_bounds)
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        upper_bounds_(std::move(upper_bounds)) {}
  std::unique_ptr<T> NewChild() const;
  void Render(std::string* out) const;

  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> upper_bounds_;  // histograms only
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<T>> children_;  // guarded by mu_
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Owns every metric; renders them all. Thread-safe. Registering is get-or-create: the same
// name with the same type, label names and buckets returns the existing metric (so a
// service that restarts its session can register again); the same name with anything else
// different is AlreadyExists. Invalid names (Prometheus rules: metric names
// [a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]* not starting with "__",
// no "le" on histograms) and bad buckets are InvalidArgument. The help text of the first
// registration is kept.
class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Unlabelled metrics.
  absl::StatusOr<Counter*> AddCounter(std::string_view name, std::string_view help);
  absl::StatusOr<Gauge*> AddGauge(std::string_view name, std::string_view help);
  // `upper_bounds`: strictly increasing finite bounds; a trailing +Inf is accepted and
  // dropped (the +Inf bucket is always rendered).
  absl::StatusOr<Histogram*> AddHistogram(std::string_view name, std::string_view help,
                                          std::vector<double> upper_bounds);

  // Labelled families (at least one label name; children via WithLabels).
  absl::StatusOr<CounterFamily*> AddCounterFamily(std::string_view name, std::string_view help,
                                                  std::vector<std::string> label_names);
  absl::StatusOr<GaugeFamily*> AddGaugeFamily(std::string_view name, std::string_view help,
                                              std::vector<std::string> label_names);
  absl::StatusOr<HistogramFamily*> AddHistogramFamily(std::string_view name, std::string_view help,
                                                      std::vector<std::string> label_names,
                                                      std::vector<double> upper_bounds);

  // Every metric, sorted by name, children sorted by label values: `# HELP`, `# TYPE`, then
  // one sample per line, in the text exposition format 0.0.4 (trailing newline included).
  // A family without children yet renders only its HELP and TYPE lines.
  std::string RenderPrometheus() const;

 private:
  struct Entry {
    MetricType type;
    std::unique_ptr<CounterFamily> counters;
    std::unique_ptr<GaugeFamily> gauges;
    std::unique_ptr<HistogramFamily> histograms;
  };
  absl::StatusOr<Entry*> GetOrAdd(MetricType type, std::string_view name, std::string_view help,
                                  std::vector<std::string> label_names,
                                  std::vector<double> upper_bounds);

  mutable std::mutex mu_;
  std::map<std::string, Entry, std::less<>> entries_;  // guarded by mu_
};

// Text-format helpers, exposed for tests and for anyone rendering extra samples.
// Label value escaping: backslash, double quote and line feed become \\, \" and \n.
std::string EscapeLabelValue(std::string_view value);
// HELP text escaping: backslash and line feed become \\ and \n.
std::string EscapeHelp(std::string_view help);
// Shortest text that parses back to `value`; "+Inf", "-Inf", "NaN" for the non-finite.
std::string FormatMetricValue(double value);

}  // namespace newsflow::observability

#endif  // NEWSFLOW_OBSERVABILITY_METRICS_H_
