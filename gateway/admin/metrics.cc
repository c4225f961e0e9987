#include "gateway/admin/metrics.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace pasarela::admin {
namespace {

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

// Adds `delta` to an atomic double (C++17 has no fetch_add for floating point).
void AtomicAdd(std::atomic<double>* target, double delta) {
  double current = target->load(std::memory_order_relaxed);
  while (!target->compare_exchange_weak(current, current + delta, std::memory_order_relaxed)) {
  }
}

// Mixes one label value into a running hash. The same for views and strings, so that a lookup by
// views finds a key stored as strings.
size_t MixLabel(size_t hash, absl::string_view value) {
  return absl::Hash<std::pair<size_t, absl::string_view>>()({hash, value});
}

bool IsNameStart(char c) { return absl::ascii_isalpha(c) || c == '_'; }
bool IsNameChar(char c) { return absl::ascii_isalnum(c) || c == '_'; }

}  // namespace

const std::vector<double>& LatencyBuckets() {
  static const std::vector<double>* const kBuckets = new std::vector<double>{
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return *kBuckets;
}

void Counter::RaiseTo(uint64_t total) {
  uint64_t current = value_.load(std::memory_order_relaxed);
  while (current < total &&
         !value_.compare_exchange_weak(current, total, std::memory_order_relaxed)) {
  }
}

void Gauge::Add(double delta) { AtomicAdd(&value_, delta); }

Histogram::Histogram(const Options& options)
    : bounds_(options.bounds),
      counts_(std::make_unique<std::atomic<uint64_t>[]>(options.bounds->size() + 1)) {
  for (size_t i = 0; i <= bounds_->size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::Observe(double value) {
  // The first bound not below the value: a bucket counts observations up to and including it.
  const std::vector<double>& bounds = *bounds_;
  size_t index = std::lower_bound(bounds.begin(), bounds.end(), value) - bounds.begin();
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  AtomicAdd(&sum_, value);
}

Histogram::Reading Histogram::Read() const {
  Reading reading;
  reading.cumulative.reserve(bounds_->size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_->size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    reading.cumulative.push_back(running);
  }
  // The count is the +Inf bucket, so the two always agree within one exposition.
  reading.count = running;
  reading.sum = sum_.load(std::memory_order_relaxed);
  return reading;
}

absl::string_view MetricTypeName(MetricType type) {
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

void MetricFamily::AppendExposition(std::string* out) const {
  absl::StrAppend(out, "# HELP ", name_, " ", EscapeHelp(help_), "\n");
  absl::StrAppend(out, "# TYPE ", name_, " ", MetricTypeName(type_), "\n");
  AppendSamples(out);
}

namespace metrics_internal {

size_t LabelsHash::operator()(absl::Span<const absl::string_view> values) const {
  size_t hash = values.size();
  for (absl::string_view value : values) hash = MixLabel(hash, value);
  return hash;
}

size_t LabelsHash::operator()(const std::vector<std::string>& values) const {
  size_t hash = values.size();
  for (const std::string& value : values) hash = MixLabel(hash, value);
  return hash;
}

void AppendSeriesName(std::string* out, absl::string_view name,
                      const std::vector<std::string>& label_names,
                      const std::vector<std::string>& label_values, absl::string_view extra_label,
                      absl::string_view extra_value) {
  out->append(name.data(), name.size());
  if (label_names.empty() && extra_label.empty()) {
    out->push_back(' ');
    return;
  }
  out->push_back('{');
  for (size_t i = 0; i < label_names.size(); ++i) {
    if (i > 0) out->push_back(',');
    absl::StrAppend(out, label_names[i], "=\"", EscapeLabelValue(label_values[i]), "\"");
  }
  if (!extra_label.empty()) {
    if (!label_names.empty()) out->push_back(',');
    absl::StrAppend(out, extra_label, "=\"", EscapeLabelValue(extra_value), "\"");
  }
  out->append("} ");
}

void AppendSample(std::string* out, absl::string_view name,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, const Counter& counter) {
  AppendSeriesName(out, name, label_names, label_values);
  absl::StrAppend(out, counter.value(), "\n");
}

void AppendSample(std::string* out, absl::string_view name,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, const Gauge& gauge) {
  AppendSeriesName(out, name, label_names, label_values);
  absl::StrAppend(out, FormatMetricValue(gauge.value()), "\n");
}

void AppendSample(std::string* out, absl::string_view name,
                  const std::vector<std::string>& label_names,
                  const std::vector<std::string>& label_values, const Histogram& histogram) {
  Histogram::Reading reading = histogram.Read();
  const std::string bucket = absl::StrCat(name, "_bucket");
  const std::vector<double>& bounds = histogram.bounds();
  for (size_t i = 0; i <= bounds.size(); ++i) {
    AppendSeriesName(out, bucket, label_names, label_values, "le",
                     i < bounds.size() ? FormatMetricValue(bounds[i]) : "+Inf");
    absl::StrAppend(out, reading.cumulative[i], "\n");
  }
  AppendSeriesName(out, absl::StrCat(name, "_sum"), label_names, label_values);
  absl::StrAppend(out, FormatMetricValue(reading.sum), "\n");
  AppendSeriesName(out, absl::StrCat(name, "_count"), label_names, label_values);
  absl::StrAppend(out, reading.count, "\n");
}

void CheckMetricName(absl::string_view name) {
  bool valid = !name.empty() && (IsNameStart(name[0]) || name[0] == ':');
  for (char c : name) valid = valid && (IsNameChar(c) || c == ':');
  if (!valid) Die(absl::StrCat("'", name, "' is not a valid metric name"));
}

void CheckLabelName(absl::string_view name) {
  bool valid = !name.empty() && IsNameStart(name[0]) && !absl::StartsWith(name, "__");
  for (char c : name) valid = valid && IsNameChar(c);
  if (!valid) Die(absl::StrCat("'", name, "' is not a valid label name"));
}

void AbortOnLabelCount(absl::string_view family, size_t expected, size_t given) {
  Die(absl::StrCat(family, " has ", expected, " labels; ", given, " values were given"));
}

}  // namespace metrics_internal

namespace {

// A gauge family whose samples a callback returns at each exposition.
class CallbackGaugeFamily final : public MetricFamily {
 public:
  CallbackGaugeFamily(std::string name, std::string help, std::vector<std::string> label_names,
                      std::function<std::vector<GaugeSample>()> collect)
      : MetricFamily(std::move(name), std::move(help), MetricType::kGauge, std::move(label_names)),
        collect_(std::move(collect)) {}

 protected:
  void AppendSamples(std::string* out) const override {
    std::vector<GaugeSample> samples = collect_();
    std::sort(samples.begin(), samples.end(), [](const GaugeSample& a, const GaugeSample& b) {
      return a.label_values < b.label_values;
    });
    for (const GaugeSample& sample : samples) {
      if (sample.label_values.size() != label_names().size()) {
        metrics_internal::AbortOnLabelCount(name(), label_names().size(),
                                            sample.label_values.size());
      }
      metrics_internal::AppendSeriesName(out, name(), label_names(), sample.label_values);
      absl::StrAppend(out, FormatMetricValue(sample.value), "\n");
    }
  }

 private:
  const std::function<std::vector<GaugeSample>()> collect_;
};

void CheckFamily(absl::string_view name, const std::vector<std::string>& label_names) {
  metrics_internal::CheckMetricName(name);
  for (size_t i = 0; i < label_names.size(); ++i) {
    metrics_internal::CheckLabelName(label_names[i]);
    for (size_t j = 0; j < i; ++j) {
      if (label_names[i] == label_names[j]) {
        Die(absl::StrCat(name, ": label '", label_names[i], "' is listed twice"));
      }
    }
  }
}

}  // namespace

Family<Counter>& MetricsRegistry::AddCounter(std::string name, std::string help,
                                             std::vector<std::string> label_names,
                                             size_t max_series) {
  CheckFamily(name, label_names);
  if (!absl::EndsWith(name, "_total")) Die(absl::StrCat(name, ": a counter's name ends in _total"));
  auto family =
      std::make_unique<Family<Counter>>(std::move(name), std::move(help), MetricType::kCounter,
                                        std::move(label_names), Counter::Options{}, max_series);
  Family<Counter>& result = *family;
  Register(std::move(family));
  return result;
}

Family<Gauge>& MetricsRegistry::AddGauge(std::string name, std::string help,
                                         std::vector<std::string> label_names, size_t max_series) {
  CheckFamily(name, label_names);
  auto family =
      std::make_unique<Family<Gauge>>(std::move(name), std::move(help), MetricType::kGauge,
                                      std::move(label_names), Gauge::Options{}, max_series);
  Family<Gauge>& result = *family;
  Register(std::move(family));
  return result;
}

Family<Histogram>& MetricsRegistry::AddHistogram(std::string name, std::string help,
                                                 std::vector<std::string> label_names,
                                                 std::vector<double> bounds, size_t max_series) {
  CheckFamily(name, label_names);
  for (const std::string& label : label_names) {
    if (label == "le") Die(absl::StrCat(name, ": a histogram may not have a label 'le'"));
  }
  for (size_t i = 0; i < bounds.size(); ++i) {
    if (!std::isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1])) {
      Die(absl::StrCat(name, ": bucket bounds must be finite and strictly increasing"));
    }
  }
  Histogram::Options options{std::make_shared<const std::vector<double>>(std::move(bounds))};
  auto family =
      std::make_unique<Family<Histogram>>(std::move(name), std::move(help), MetricType::kHistogram,
                                          std::move(label_names), std::move(options), max_series);
  Family<Histogram>& result = *family;
  Register(std::move(family));
  return result;
}

void MetricsRegistry::AddGaugeCallback(std::string name, std::string help,
                                       std::vector<std::string> label_names,
                                       std::function<std::vector<GaugeSample>()> collect) {
  CheckFamily(name, label_names);
  Register(std::make_unique<CallbackGaugeFamily>(std::move(name), std::move(help),
                                                 std::move(label_names), std::move(collect)));
}

void MetricsRegistry::Register(std::unique_ptr<MetricFamily> family) {
  AnnotatedMutexLock lock(&mu_);
  for (const std::unique_ptr<MetricFamily>& existing : families_) {
    if (existing->name() == family->name()) {
      Die(absl::StrCat("metric family ", family->name(), " is registered twice"));
    }
  }
  families_.push_back(std::move(family));
}

std::string MetricsRegistry::Exposition() const {
  std::vector<const MetricFamily*> families;
  {
    AnnotatedMutexLock lock(&mu_);
    for (const std::unique_ptr<MetricFamily>& family : families_) families.push_back(family.get());
  }
  std::string out;
  for (const MetricFamily* family : families) family->AppendExposition(&out);
  return out;
}

std::string FormatMetricValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  std::string text = absl::StrFormat("%.15g", value);
  if (std::strtod(text.c_str(), nullptr) != value) text = absl::StrFormat("%.17g", value);
  return text;
}

std::string EscapeLabelValue(absl::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\':
        out.append("\\\\");
        break;
      case '"':
        out.append("\\\"");
        break;
      case '\n':
        out.append("\\n");
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string EscapeHelp(absl::string_view help) {
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\') {
      out.append("\\\\");
    } else if (c == '\n') {
      out.append("\\n");
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace pasarela::admin
