#include "observability/metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace newsflow::observability {
namespace {

void AtomicAdd(std::atomic<double>* target, double delta) {
  double current = target->load(std::memory_order_relaxed);
  while (!target->compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
  }
}

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsValidLabelName(std::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

const char* TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// `{a="x",b="y"}` for the label names and values, plus an optional extra label (`le`);
// empty when there are no labels at all.
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    absl::StrAppend(&out, names[i], "=\"", EscapeLabelValue(values[i]), "\"");
  }
  if (!extra_name.empty()) {
    if (!names.empty()) out += ',';
    absl::StrAppend(&out, std::string(extra_name), "=\"", std::string(extra_value), "\"");
  }
  out += '}';
  return out;
}

void RenderChild(const std::string& name, const std::vector<std::string>& label_names,
                 const std::vector<std::string>& label_values, const Counter& counter,
                 std::string* out) {
  absl::StrAppend(out, name, LabelSet(label_names, label_values), " ", counter.Value(), "\n");
}

void RenderChild(const std::string& name, const std::vector<std::string>& label_names,
                 const std::vector<std::string>& label_values, const Gauge& gauge,
                 std::string* out) {
  absl::StrAppend(out, name, LabelSet(label_names, label_values), " ",
                  FormatMetricValue(gauge.Value()), "\n");
}

void RenderChild(const std::string& name, const std::vector<std::string>& label_names,
                 const std::vector<std::string>& label_values, const Histogram& histogram,
                 std::string* out) {
  // _count is the +Inf bucket, so the two always agree even while observations race with
  // the scrape; the sum may lag by the observations in flight.
  const std::vector<uint64_t> cumulative = histogram.CumulativeCounts();
  const std::vector<double>& bounds = histogram.upper_bounds();
  for (size_t i = 0; i < cumulative.size(); ++i) {
    const std::string le = i < bounds.size() ? FormatMetricValue(bounds[i]) : "+Inf";
    absl::StrAppend(out, name, "_bucket", LabelSet(label_names, label_values, "le", le), " ",
                    cumulative[i], "\n");
  }
  const std::string labels = LabelSet(label_names, label_values);
  absl::StrAppend(out, name, "_sum", labels, " ", FormatMetricValue(histogram.Sum()), "\n");
  absl::StrAppend(out, name, "_count", labels, " ", cumulative.back(), "\n");
}

}  // namespace

void Gauge::Add(double delta) { AtomicAdd(&value_, delta); }

Histogram::Histogram(std::vector<double> upper_bounds)
    : upper_bounds_(std::move(upper_bounds)),
      counts_(new std::atomic<uint64_t>[upper_bounds_.size() + 1]) {
  for (size_t i = 0; i <= upper_bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::Observe(double value) {
  // First bound >= value; NaN compares false everywhere and lands in +Inf.
  const size_t bucket =
      std::lower_bound(upper_bounds_.begin(), upper_bounds_.end(), value) - upper_bounds_.begin();
  counts_[std::isnan(value) ? upper_bounds_.size() : bucket].fetch_add(1,
                                                                       std::memory_order_relaxed);
  AtomicAdd(&sum_, value);
}

std::vector<uint64_t> Histogram::CumulativeCounts() const {
  std::vector<uint64_t> cumulative(upper_bounds_.size() + 1);
  uint64_t total = 0;
  for (size_t i = 0; i < cumulative.size(); ++i) {
    total += counts_[i].load(std::memory_order_relaxed);
    cumulative[i] = total;
  }
  return cumulative;
}

uint64_t Histogram::Count() const { return CumulativeCounts().back(); }

std::vector<double> DefaultLatencyBuckets() {
  return {.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10};
}

template <typename T>
std::unique_ptr<T> Family<T>::NewChild() const {
  if constexpr (std::is_same_v<T, Histogram>) {
    return std::make_unique<Histogram>(upper_bounds_);
  } else {
    return std::make_unique<T>();
  }
}

template <typename T>
absl::StatusOr<T*> Family<T>::TryWithLabels(const std::vector<std::string>& label_values) {
  if (label_values.size() != label_names_.size()) {
    return absl::InvalidArgumentError(absl::StrCat("metric ", name_, " has ", label_names_.size(),
                                                   " label(s) (", absl::StrJoin(label_names_, ", "),
                                                   "), got ", label_values.size(), " value(s)"));
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::unique_ptr<T>& child = children_[label_values];
  if (child == nullptr) child = NewChild();
  return child.get();
}

template <typename T>
T& Family<T>::WithLabels(const std::vector<std::string>& label_values) {
  absl::StatusOr<T*> child = TryWithLabels(label_values);
  if (!child.ok()) {
    std::fprintf(stderr, "newsflow::observability: %s\n", child.status().ToString().c_str());
    std::abort();
  }
  return **child;
}

template <typename T>
void Family<T>::Render(std::string* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [label_values, child] : children_) {
    RenderChild(name_, label_names_, label_values, *child, out);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

absl::StatusOr<Registry::Entry*> Registry::GetOrAdd(MetricType type, std::string_view name_view,
                                                    std::string_view help,
                                                    std::vector<std::string> label_names,
                                                    std::vector<double> upper_bounds) {
  const std::string name(name_view);
  if (!IsValidMetricName(name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid metric name \"", name, "\": must match [a-zA-Z_:][a-zA-Z0-9_:]*"));
  }
  for (size_t i = 0; i < label_names.size(); ++i) {
    const std::string& label = label_names[i];
    if (!IsValidLabelName(label)) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": invalid label name \"", label,
                       "\": must match [a-zA-Z_][a-zA-Z0-9_]* and not start with __"));
    }
    if (type == MetricType::kHistogram && label == "le") {
      return absl::InvalidArgumentError(
          absl::StrCat("histogram ", name, ": label name \"le\" is reserved for buckets"));
    }
    if (std::find(label_names.begin(), label_names.begin() + i, label) != label_names.begin() + i) {
      return absl::InvalidArgumentError(
          absl::StrCat("metric ", name, ": label name \"", label, "\" appears twice"));
    }
  }
  if (type == MetricType::kHistogram) {
    if (!upper_bounds.empty() && std::isinf(upper_bounds.back()) && upper_bounds.back() > 0) {
      upper_bounds.pop_back();
    }
    for (size_t i = 0; i < upper_bounds.size(); ++i) {
      if (!std::isfinite(upper_bounds[i]) || (i > 0 && !(upper_bounds[i - 1] < upper_bounds[i]))) {
        return absl::InvalidArgumentError(
            absl::StrCat("histogram ", name,
                         ": bucket bounds must be finite and strictly "
                         "increasing, got ",
                         absl::StrJoin(upper_bounds, ", ")));
      }
    }
  }

  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    Entry& entry = it->second;
    const std::vector<std::string>* existing_labels = nullptr;
    const std::vector<double>* existing_bounds = nullptr;
    switch (entry.type) {
      case MetricType::kCounter:
        existing_labels = &entry.counters->label_names();
        break;
      case MetricType::kGauge:
        existing_labels = &entry.gauges->label_names();
        break;
      case MetricType::kHistogram:
        existing_labels = &entry.histograms->label_names();
        existing_bounds = &entry.histograms->upper_bounds_;
        break;
    }
    if (entry.type != type || *existing_labels != label_names ||
        (existing_bounds != nullptr && *existing_bounds != upper_bounds)) {
      return absl::AlreadyExistsError(absl::StrCat(
          "metric ", name, " is already registered as a ", TypeName(entry.type), " with labels (",
          absl::StrJoin(*existing_labels, ", "), ") and different type, labels or buckets"));
    }
    return &entry;
  }
  Entry& entry = entries_[name];
  entry.type = type;
  const std::string& name_string = name;
  const std::string help_string(help);
  switch (type) {
    case MetricType::kCounter:
      entry.counters.reset(new CounterFamily(name_string, help_string, std::move(label_names), {}));
      break;
    case MetricType::kGauge:
      entry.gauges.reset(new GaugeFamily(name_string, help_string, std::move(label_names), {}));
      break;
    case MetricType::kHistogram:
      entry.histograms.reset(new HistogramFamily(name_string, help_string, std::move(label_names),
                                                 std::move(upper_bounds)));
      break;
  }
  return &entry;
}

absl::StatusOr<Counter*> Registry::AddCounter(std::string_view name, std::string_view help) {
  absl::StatusOr<Entry*> entry = GetOrAdd(MetricType::kCounter, name, help, {}, {});
  if (!entry.ok()) return entry.status();
  return &(*entry)->counters->WithLabels({});
}

absl::StatusOr<Gauge*> Registry::AddGauge(std::string_view name, std::string_view help) {
  absl::StatusOr<Entry*> entry = GetOrAdd(MetricType::kGauge, name, help, {}, {});
  if (!entry.ok()) return entry.status();
  return &(*entry)->gauges->WithLabels({});
}

absl::StatusOr<Histogram*> Registry::AddHistogram(std::string_view name, std::string_view help,
                                                  std::vector<double> upper_bounds) {
  absl::StatusOr<Entry*> entry =
      GetOrAdd(MetricType::kHistogram, name, help, {}, std::move(upper_bounds));
  if (!entry.ok()) return entry.status();
  return &(*entry)->histograms->WithLabels({});
}

namespace {
absl::Status NeedLabels(std::string_view name, const std::vector<std::string>& label_names) {
  if (label_names.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("metric family ", std::string(name),
                     " needs at least one label name (use the unlabelled Add*)"));
  }
  return absl::OkStatus();
}
}  // namespace

absl::StatusOr<CounterFamily*> Registry::AddCounterFamily(std::string_view name,
                                                          std::string_view help,
                                                          std::vector<std::string> label_names) {
  if (absl::Status status = NeedLabels(name, label_names); !status.ok()) return status;
  absl::StatusOr<Entry*> entry =
      GetOrAdd(MetricType::kCounter, name, help, std::move(label_names), {});
  if (!entry.ok()) return entry.status();
  return (*entry)->counters.get();
}

absl::StatusOr<GaugeFamily*> Registry::AddGaugeFamily(std::string_view name, std::string_view help,
                                                      std::vector<std::string> label_names) {
  if (absl::Status status = NeedLabels(name, label_names); !status.ok()) return status;
  absl::StatusOr<Entry*> entry =
      GetOrAdd(MetricType::kGauge, name, help, std::move(label_names), {});
  if (!entry.ok()) return entry.status();
  return (*entry)->gauges.get();
}

absl::StatusOr<HistogramFamily*> Registry::AddHistogramFamily(std::string_view name,
                                                              std::string_view help,
                                                              std::vector<std::string> label_names,
                                                              std::vector<double> upper_bounds) {
  if (absl::Status status = NeedLabels(name, label_names); !status.ok()) return status;
  absl::StatusOr<Entry*> entry =
      GetOrAdd(MetricType::kHistogram, name, help, std::move(label_names), std::move(upper_bounds));
  if (!entry.ok()) return entry.status();
  return (*entry)->histograms.get();
}

std::string Registry::RenderPrometheus() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, entry] : entries_) {
    const std::string* help = nullptr;
    switch (entry.type) {
      case MetricType::kCounter:
        help = &entry.counters->help_;
        break;
      case MetricType::kGauge:
        help = &entry.gauges->help_;
        break;
      case MetricType::kHistogram:
        help = &entry.histograms->help_;
        break;
    }
    absl::StrAppend(&out, "# HELP ", name, " ", EscapeHelp(*help), "\n");
    absl::StrAppend(&out, "# TYPE ", name, " ", TypeName(entry.type), "\n");
    switch (entry.type) {
      case MetricType::kCounter:
        entry.counters->Render(&out);
        break;
      case MetricType::kGauge:
        entry.gauges->Render(&out);
        break;
      case MetricType::kHistogram:
        entry.histograms->Render(&out);
        break;
    }
  }
  return out;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (const char c : help) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[32];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  return std::string(buffer, result.ptr);
}

}  // namespace newsflow::observability
